// SPDX-License-Identifier: MIT
/* test_otlp_pb.c: protobuf encoding: decodes back to the JSON encoding's content; protoc agrees. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tt_limits.h"
#include "hex.h"
#include "otlp_pb.h"
#include "otlp_test.h"
#include "test.h"

/*
 * A decoder from protobuf to the OTLP/JSON shape the JSON encoder writes (hex ids, 64-bit
 * integers as strings, status always with its code). Anything unexpected adds an "unknown"
 * member, so the comparison with the JSON encoding fails.
 */
typedef cJSON *(*pb_msg_fn)(const uint8_t *p, size_t n);

static void pb_unknown(cJSON *o, const struct pb_field *f)
{
	char k[32];

	snprintf(k, sizeof(k), "unknown_%u_%d", f->num, f->wire);
	cJSON_AddTrueToObject(o, k);
}

static cJSON *pb_strn(const struct pb_field *f)
{
	char *s = strndup((const char *)f->p, f->len);
	cJSON *j = cJSON_CreateString(s ? s : "");

	free(s);
	return j;
}

static cJSON *pb_hex(const struct pb_field *f)
{
	char hex[65];

	if (f->len > 32)
		return cJSON_CreateString("too long");
	hex_encode(f->p, f->len, hex);
	return cJSON_CreateString(hex);
}

static cJSON *pb_u64str(uint64_t v, bool sign)
{
	char s[32];

	if (sign)
		snprintf(s, sizeof(s), "%" PRId64, (int64_t)v);
	else
		snprintf(s, sizeof(s), "%" PRIu64, v);
	return cJSON_CreateString(s);
}

/* Adds the decoded submessage to an array member (created on first use) or as a member. */
static void pb_add(cJSON *o, const char *key, bool repeated, cJSON *item)
{
	cJSON *arr;

	if (!repeated) {
		cJSON_AddItemToObject(o, key, item);
		return;
	}
	arr = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!arr)
		arr = cJSON_AddArrayToObject(o, key);
	cJSON_AddItemToArray(arr, item);
}

static cJSON *pb_any(const uint8_t *p, size_t n);

static cJSON *pb_array(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject(), *vals = cJSON_AddArrayToObject(o, "values");
	struct pb_field f;
	size_t pos = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 1 && f.wire == PB_LEN)
			cJSON_AddItemToArray(vals, pb_any(f.p, f.len));
		else
			pb_unknown(o, &f);
	}
	return o;
}

static cJSON *pb_any(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;
	double d;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 1 && f.wire == PB_LEN) {
			cJSON_AddItemToObject(o, "stringValue", pb_strn(&f));
		} else if (f.num == 2 && f.wire == PB_VARINT) {
			cJSON_AddBoolToObject(o, "boolValue", f.u != 0);
		} else if (f.num == 3 && f.wire == PB_VARINT) {
			cJSON_AddItemToObject(o, "intValue", pb_u64str(f.u, true));
		} else if (f.num == 4 && f.wire == PB_I64) {
			memcpy(&d, &f.u, sizeof(d));
			if (d != d)
				cJSON_AddStringToObject(o, "doubleValue", "NaN");
			else
				cJSON_AddNumberToObject(o, "doubleValue", d);
		} else if (f.num == 5 && f.wire == PB_LEN) {
			cJSON_AddItemToObject(o, "arrayValue", pb_array(f.p, f.len));
		} else {
			pb_unknown(o, &f);
		}
	}
	return o;
}

static cJSON *pb_kv(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 1 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "key", pb_strn(&f));
		else if (f.num == 2 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "value", pb_any(f.p, f.len));
		else
			pb_unknown(o, &f);
	}
	return o;
}

static cJSON *pb_status(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;
	int code = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 2 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "message", pb_strn(&f));
		else if (f.num == 3 && f.wire == PB_VARINT)
			code = (int)f.u;
		else
			pb_unknown(o, &f);
	}
	cJSON_AddNumberToObject(o, "code", code);
	return o;
}

static cJSON *pb_span(const uint8_t *p, size_t n)
{
	static const char *const ids[] = { NULL, "traceId", "spanId", NULL, "parentSpanId" };
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num <= 4 && ids[f.num] && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, ids[f.num], pb_hex(&f));
		else if (f.num == 5 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "name", pb_strn(&f));
		else if (f.num == 6 && f.wire == PB_VARINT)
			cJSON_AddNumberToObject(o, "kind", (double)f.u);
		else if ((f.num == 7 || f.num == 8) && f.wire == PB_I64)
			cJSON_AddItemToObject(o, f.num == 7 ? "startTimeUnixNano" :
					      "endTimeUnixNano", pb_u64str(f.u, false));
		else if (f.num == 9 && f.wire == PB_LEN)
			pb_add(o, "attributes", true, pb_kv(f.p, f.len));
		else if (f.num == 15 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "status", pb_status(f.p, f.len));
		else if (f.num == 16 && f.wire == PB_I32)
			cJSON_AddNumberToObject(o, "flags", (double)f.u);
		else
			pb_unknown(o, &f);
	}
	return o;
}

static cJSON *pb_scope(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if ((f.num == 1 || f.num == 2) && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, f.num == 1 ? "name" : "version", pb_strn(&f));
		else
			pb_unknown(o, &f);
	}
	return o;
}

/* ScopeSpans and ResourceSpans share the layout {1: head, 2: repeated items, 3: schemaUrl}. */
static cJSON *pb_group(const uint8_t *p, size_t n, const char *head, pb_msg_fn head_fn,
		       const char *items, pb_msg_fn item_fn)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;

	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 1 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, head, head_fn(f.p, f.len));
		else if (f.num == 2 && f.wire == PB_LEN)
			pb_add(o, items, true, item_fn(f.p, f.len));
		else if (f.num == 3 && f.wire == PB_LEN)
			cJSON_AddItemToObject(o, "schemaUrl", pb_strn(&f));
		else
			pb_unknown(o, &f);
	}
	return o;
}

static cJSON *pb_scope_spans(const uint8_t *p, size_t n)
{
	return pb_group(p, n, "scope", pb_scope, "spans", pb_span);
}

static cJSON *pb_resource(const uint8_t *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct pb_field f;
	size_t pos = 0;

	cJSON_AddArrayToObject(o, "attributes");
	while (pb_next(p, n, &pos, &f) > 0) {
		if (f.num == 1 && f.wire == PB_LEN)
			pb_add(o, "attributes", true, pb_kv(f.p, f.len));
		else
			pb_unknown(o, &f);
	}
	return o;
}

static cJSON *pb_resource_spans(const uint8_t *p, size_t n)
{
	return pb_group(p, n, "resource", pb_resource, "scopeSpans", pb_scope_spans);
}

static cJSON *pb_request(const uint8_t *p, size_t n, bool *ok)
{
	cJSON *o = cJSON_CreateObject(), *rs = cJSON_AddArrayToObject(o, "resourceSpans");
	struct pb_field f;
	size_t pos = 0;
	int r;

	while ((r = pb_next(p, n, &pos, &f)) > 0) {
		if (f.num == 1 && f.wire == PB_LEN)
			cJSON_AddItemToArray(rs, pb_resource_spans(f.p, f.len));
		else
			pb_unknown(o, &f);
	}
	*ok = r == 0;
	return o;
}

static bool encode_both(struct tt_span **v, size_t n, struct tt_buf *json, struct tt_buf *pb)
{
	tt_buf_init(json, TT_MAX_EXPORT_BODY);
	tt_buf_init(pb, TT_MAX_EXPORT_BODY);
	return ASSERT_OK(otlp_json_encode(json, v, n, otlp_test_meta()), "json") &&
	       ASSERT_OK(otlp_pb_encode(pb, v, n, otlp_test_meta()), "protobuf");
}

void test_otlp_pb_round_trip(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct tt_buf json, pb;
	cJSON *want = NULL, *got = NULL;
	bool ok = false;

	otlp_test_spans(v, true);
	if (!encode_both(v, OTLP_TEST_NSPANS, &json, &pb))
		goto out;
	want = cJSON_ParseWithLength((const char *)json.data, json.len);
	got = pb_request(pb.data, pb.len, &ok);
	ASSERT_TRUE(ok, "protobuf well formed");
	if (!ASSERT_TRUE(cJSON_Compare(want, got, true), "protobuf content == JSON content")) {
		char *g = cJSON_PrintUnformatted(got);

		fprintf(stderr, "got: %s\n", g);
		free(g);
	}
out:
	cJSON_Delete(want);
	cJSON_Delete(got);
	tt_buf_free(&json);
	tt_buf_free(&pb);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

/* Known bytes: a varint key above 15, fixed32 flags, fixed64 time and a short length. */
void test_otlp_pb_wire_bytes(void)
{
	static const uint8_t head[] = {
		0x0a,		/* resource_spans, LEN */
	};
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct tt_buf b;
	const uint8_t *p;
	size_t i;

	otlp_test_spans(v, false);
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (!ASSERT_OK(otlp_pb_encode(&b, &v[4], 1, otlp_test_meta()), "encode"))
		goto out;
	ASSERT_MEMEQ(b.data, 1, head, 1, "first key");
	/* flags 0x101 as fixed32 field 16: key 0x85 0x01, then 01 01 00 00 */
	for (i = 0, p = NULL; i + 6 <= b.len; i++) {
		if (!memcmp(b.data + i, "\x85\x01\x01\x01\x00\x00", 6))
			p = b.data + i;
	}
	ASSERT_OK_PTR(p, "fixed32 flags 0x101");
	/* start time 1760000000500000000 = 0x186cc6acf27d6500 as fixed64 field 7 (key 0x39) */
	for (i = 0, p = NULL; i + 9 <= b.len; i++) {
		if (!memcmp(b.data + i, "\x39\x00\x65\x7d\xf2\xac\xc6\x6c\x18", 9))
			p = b.data + i;
	}
	ASSERT_OK_PTR(p, "fixed64 start time little endian");
out:
	tt_buf_free(&b);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_pb_cap(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct tt_buf b;
	size_t cap;

	otlp_test_spans(v, false);
	/* every cap from tiny to just short of the full size fails cleanly, never past it */
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (!ASSERT_OK(otlp_pb_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), "full"))
		goto out;
	cap = b.len;
	tt_buf_free(&b);
	for (size_t c = 0; c < cap; c += 7) {
		tt_buf_init(&b, c);
		if (!ASSERT_EQ(otlp_pb_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), -E2BIG,
			       "E2BIG"))
			break;
		tt_buf_free(&b);
	}
	tt_buf_free(&b);
	tt_buf_init(&b, cap + 32);
	ASSERT_OK(otlp_pb_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), "cap + 32 fits");
	ASSERT_EQ(b.len, cap, "same size");
out:
	tt_buf_free(&b);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_pb_next_malformed(void)
{
	static const struct {
		const char *name;
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "truncated varint", "\x08\x80", 2 },
		{ "length past end", "\x0a\x05\x01", 3 },
		{ "field zero", "\x00\x01", 2 },
		{ "wire type 3", "\x0b", 1 },
		{ "short fixed64", "\x09\x01\x02", 3 },
		{ "short fixed32", "\x0d\x01", 2 },
		{ "11-byte varint", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 },
	};
	struct pb_field f;
	size_t i, pos;
	void *g;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g = test__guarded(bad[i].bytes, bad[i].len);
		pos = 0;
		ASSERT_EQ(pb_next(g, bad[i].len, &pos, &f), -EBADMSG, bad[i].name);
		test__guarded_free(g);
	}
	pos = 0;
	ASSERT_EQ(pb_next((const uint8_t *)"\x08\x96\x01", 3, &pos, &f), 1, "varint field");
	ASSERT_EQ(f.u, 150, "varint value");
	ASSERT_EQ(pos, 3, "consumed");
	ASSERT_EQ(pb_next((const uint8_t *)"\x08\x96\x01", 3, &pos, &f), 0, "end");
}

void test_otlp_pb_response(void)
{
	/* partial_success { rejected_spans: 3, error_message: "bad" } */
	static const uint8_t resp[] = { 0x0a, 0x07, 0x08, 0x03, 0x12, 0x03, 'b', 'a', 'd' };
	int64_t rejected = -1;
	char msg[8];

	ASSERT_OK(otlp_pb_decode_response(resp, sizeof(resp), &rejected, msg, sizeof(msg)), "ok");
	ASSERT_EQ(rejected, 3, "rejected spans");
	ASSERT_STREQ(msg, "bad", "message");
	ASSERT_OK(otlp_pb_decode_response("", 0, &rejected, msg, sizeof(msg)), "empty = success");
	ASSERT_EQ(rejected, 0, "none rejected");
	ASSERT_EQ(otlp_pb_decode_response(resp, 5, &rejected, msg, sizeof(msg)), -EBADMSG,
		  "truncated");
}

static int run_protoc(const char *in, const char *out)
{
	char cmd[2048];
	int st;

	snprintf(cmd, sizeof(cmd),
		 "protoc --decode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest "
		 "-I %s/otlp/proto %s/otlp/proto/opentelemetry/proto/collector/trace/v1/"
		 "trace_service.proto < %s > %s 2>&1", test__fixtures(), test__fixtures(), in, out);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* protoc, with .proto files written from the spec's field numbers, reads our bytes. */
void test_otlp_pb_protoc(void)
{
	static const char *const want[] = {
		"kind: SPAN_KIND_CLIENT", "flags: 769", "flags: 257", "int_value: -5",
		"double_value: 0.2", "start_time_unix_nano: 1760000001100000000",
		"code: STATUS_CODE_ERROR", "message: \"exit status 2\"", "bool_value: true",
		"string_value: \"tool_use\"", "version: \"0.1.0\"", "name: \"exec bash\"",
		"trace_id: \"\\020\\021\\022\\023\\024\\025\\026\\027"
		"\\030\\031\\032\\033\\034\\035\\036\\037\"",
	};
	char in[] = "/tmp/tt-pb-XXXXXX", out[64];
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct tt_buf b;
	char *text = NULL, *line;
	size_t i;
	int fd;

	if (access("/usr/bin/protoc", X_OK)) {
		test__skip("protoc not installed (apt-get install protobuf-compiler)");
		return;
	}
	otlp_test_spans(v, false);
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	fd = mkstemp(in);
	if (!ASSERT_OK(otlp_pb_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), "encode") ||
	    !ASSERT_GE(fd, 0, "tmp") ||
	    !ASSERT_EQ(write(fd, b.data, b.len), (long long)b.len, "write"))
		goto out;
	snprintf(out, sizeof(out), "%s.txt", in);
	ASSERT_EQ(run_protoc(in, out), 0, "protoc --decode succeeds");
	text = otlp_test_read(out, NULL);
	if (!ASSERT_OK_PTR(text, "protoc output"))
		goto out;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_OK_PTR(strstr(text, want[i]), want[i]);
	/* unknown fields print as bare numbers: every field must be known */
	for (line = text; line; line = strchr(line, '\n')) {
		while (*line == '\n' || *line == ' ')
			line++;
		if (*line >= '0' && *line <= '9') {
			ASSERT_TRUE(false, "no unknown field");
			break;
		}
	}
	if (!getenv("TT_KEEP_TMP"))
		unlink(out);
out:
	if (fd >= 0) {
		close(fd);
		unlink(in);
	}
	free(text);
	tt_buf_free(&b);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}
