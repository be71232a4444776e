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
#include "otlp_pb.h"
#include "otlp_test.h"
#include "test.h"

/*
 * A decoder from protobuf to the OTLP/JSON shape the JSON encoder writes (hex ids, 64-bit
 * integers as strings, status always with its code), one table a message written from the
 * .proto files. Anything unexpected adds an "unknown" member, so the comparison with the JSON
 * encoding fails.
 */
enum pb_as {
	PB_AS_STR,	/* LEN: a string */
	PB_AS_HEX,	/* LEN: an id, in hex */
	PB_AS_MSG,	/* LEN: a message, decoded by its table */
	PB_AS_BOOL,	/* VARINT */
	PB_AS_INT,	/* VARINT int64: a decimal string */
	PB_AS_ENUM,	/* VARINT: a number */
	PB_AS_FIXED32,	/* I32: a number */
	PB_AS_FIXED64,	/* I64 uint64: a decimal string */
	PB_AS_DOUBLE,	/* I64: a number, "NaN" */
};

static const enum pb_wire pb_wire_of[] = {
	[PB_AS_STR] = PB_LEN, [PB_AS_HEX] = PB_LEN, [PB_AS_MSG] = PB_LEN,
	[PB_AS_BOOL] = PB_VARINT, [PB_AS_INT] = PB_VARINT, [PB_AS_ENUM] = PB_VARINT,
	[PB_AS_FIXED32] = PB_I32, [PB_AS_FIXED64] = PB_I64, [PB_AS_DOUBLE] = PB_I64,
};

#define PB_REPEATED	1	/* members gather in an array */
#define PB_ALWAYS	2	/* the member is there when the field is not: [] or 0 */

struct pb_msg;

struct pb_rule {
	uint32_t num;
	enum pb_as as;
	const char *key;
	const struct pb_msg *msg;	/* PB_AS_MSG */
	int flags;
};

struct pb_msg {
	const struct pb_rule *rules;
	size_t n;
};

#define PB_MSG(rules) { rules, sizeof(rules) / sizeof(rules[0]) }

static const struct pb_msg pb_any_value;

static const struct pb_rule pb_array_rules[] = {
	{ 1, PB_AS_MSG, "values", &pb_any_value, PB_REPEATED | PB_ALWAYS },
};
static const struct pb_msg pb_array_value = PB_MSG(pb_array_rules);

static const struct pb_rule pb_any_rules[] = {
	{ 1, PB_AS_STR, "stringValue", NULL, 0 },
	{ 2, PB_AS_BOOL, "boolValue", NULL, 0 },
	{ 3, PB_AS_INT, "intValue", NULL, 0 },
	{ 4, PB_AS_DOUBLE, "doubleValue", NULL, 0 },
	{ 5, PB_AS_MSG, "arrayValue", &pb_array_value, 0 },
};
static const struct pb_msg pb_any_value = PB_MSG(pb_any_rules);

static const struct pb_rule pb_kv_rules[] = {
	{ 1, PB_AS_STR, "key", NULL, 0 },
	{ 2, PB_AS_MSG, "value", &pb_any_value, 0 },
};
static const struct pb_msg pb_key_value = PB_MSG(pb_kv_rules);

static const struct pb_rule pb_status_rules[] = {
	{ 2, PB_AS_STR, "message", NULL, 0 },
	{ 3, PB_AS_ENUM, "code", NULL, PB_ALWAYS },
};
static const struct pb_msg pb_status = PB_MSG(pb_status_rules);

static const struct pb_rule pb_span_rules[] = {
	{ 1, PB_AS_HEX, "traceId", NULL, 0 },
	{ 2, PB_AS_HEX, "spanId", NULL, 0 },
	{ 4, PB_AS_HEX, "parentSpanId", NULL, 0 },
	{ 5, PB_AS_STR, "name", NULL, 0 },
	{ 6, PB_AS_ENUM, "kind", NULL, 0 },
	{ 7, PB_AS_FIXED64, "startTimeUnixNano", NULL, 0 },
	{ 8, PB_AS_FIXED64, "endTimeUnixNano", NULL, 0 },
	{ 9, PB_AS_MSG, "attributes", &pb_key_value, PB_REPEATED },
	{ 15, PB_AS_MSG, "status", &pb_status, 0 },
	{ 16, PB_AS_FIXED32, "flags", NULL, 0 },
};
static const struct pb_msg pb_span = PB_MSG(pb_span_rules);

static const struct pb_rule pb_scope_rules[] = {
	{ 1, PB_AS_STR, "name", NULL, 0 },
	{ 2, PB_AS_STR, "version", NULL, 0 },
};
static const struct pb_msg pb_scope = PB_MSG(pb_scope_rules);

static const struct pb_rule pb_scope_spans_rules[] = {
	{ 1, PB_AS_MSG, "scope", &pb_scope, 0 },
	{ 2, PB_AS_MSG, "spans", &pb_span, PB_REPEATED },
	{ 3, PB_AS_STR, "schemaUrl", NULL, 0 },
};
static const struct pb_msg pb_scope_spans = PB_MSG(pb_scope_spans_rules);

static const struct pb_rule pb_resource_rules[] = {
	{ 1, PB_AS_MSG, "attributes", &pb_key_value, PB_REPEATED | PB_ALWAYS },
};
static const struct pb_msg pb_resource = PB_MSG(pb_resource_rules);

static const struct pb_rule pb_resource_spans_rules[] = {
	{ 1, PB_AS_MSG, "resource", &pb_resource, 0 },
	{ 2, PB_AS_MSG, "scopeSpans", &pb_scope_spans, PB_REPEATED },
	{ 3, PB_AS_STR, "schemaUrl", NULL, 0 },
};
static const struct pb_msg pb_resource_spans = PB_MSG(pb_resource_spans_rules);

static const struct pb_rule pb_request_rules[] = {
	{ 1, PB_AS_MSG, "resourceSpans", &pb_resource_spans, PB_REPEATED | PB_ALWAYS },
};
static const struct pb_msg pb_request = PB_MSG(pb_request_rules);

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

static cJSON *pb_decode(const uint8_t *p, size_t n, const struct pb_msg *m, bool *ok);

static cJSON *pb_value(const struct pb_field *f, const struct pb_rule *r, bool *ok)
{
	char s[65];
	double d;

	switch (r->as) {
	case PB_AS_STR:
		return pb_strn(f);
	case PB_AS_HEX:
		if (f->len > 32)
			return cJSON_CreateString("too long");
		span_hex(f->p, f->len, s);
		return cJSON_CreateString(s);
	case PB_AS_MSG:
		return pb_decode(f->p, f->len, r->msg, ok);
	case PB_AS_BOOL:
		return cJSON_CreateBool(f->u != 0);
	case PB_AS_INT:
		snprintf(s, sizeof(s), "%" PRId64, (int64_t)f->u);
		return cJSON_CreateString(s);
	case PB_AS_FIXED64:
		snprintf(s, sizeof(s), "%" PRIu64, f->u);
		return cJSON_CreateString(s);
	case PB_AS_DOUBLE:
		memcpy(&d, &f->u, sizeof(d));
		return d != d ? cJSON_CreateString("NaN") : cJSON_CreateNumber(d);
	case PB_AS_ENUM:
	case PB_AS_FIXED32:
		return cJSON_CreateNumber((double)f->u);
	}
	return NULL;
}

static const struct pb_rule *pb_rule_of(const struct pb_msg *m, const struct pb_field *f)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->rules[i].num == f->num && pb_wire_of[m->rules[i].as] == f->wire)
			return &m->rules[i];
	return NULL;
}

/* The message in p as JSON; *ok turns false when its bytes (or a submessage's) are malformed. */
static cJSON *pb_decode(const uint8_t *p, size_t n, const struct pb_msg *m, bool *ok)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	const struct pb_rule *r;
	struct pb_field f;
	size_t pos = 0, i;
	int ret;

	for (i = 0; i < m->n; i++)
		if ((m->rules[i].flags & (PB_REPEATED | PB_ALWAYS)) == (PB_REPEATED | PB_ALWAYS))
			cJSON_AddArrayToObject(o, m->rules[i].key);
	while ((ret = pb_next(p, n, &pos, &f)) > 0) {
		r = pb_rule_of(m, &f);
		if (!r) {
			pb_unknown(o, &f);
		} else if (r->flags & PB_REPEATED) {
			arr = cJSON_GetObjectItemCaseSensitive(o, r->key);
			if (!arr)
				arr = cJSON_AddArrayToObject(o, r->key);
			cJSON_AddItemToArray(arr, pb_value(&f, r, ok));
		} else {
			cJSON_AddItemToObject(o, r->key, pb_value(&f, r, ok));
		}
	}
	if (ret < 0)
		*ok = false;
	for (i = 0; i < m->n; i++)
		if ((m->rules[i].flags & (PB_REPEATED | PB_ALWAYS)) == PB_ALWAYS &&
		    !cJSON_GetObjectItemCaseSensitive(o, m->rules[i].key))
			cJSON_AddNumberToObject(o, m->rules[i].key, 0);
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
	ok = true;
	got = pb_decode(pb.data, pb.len, &pb_request, &ok);
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
