// SPDX-License-Identifier: MIT
/* test_otlp_pb.c: protobuf encoding: decodes (otlp_receiver.py) as JSON does; protoc reads it. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tt_limits.h"
#include "otlp_pb.h"
#include "otlp_test.h"
#include "test.h"

#define PY "/usr/bin/python3"

static bool encode_both(struct tt_span **v, size_t n, struct tt_buf *json, struct tt_buf *pb)
{
	tt_buf_init(json, TT_MAX_EXPORT_BODY);
	tt_buf_init(pb, TT_MAX_EXPORT_BODY);
	return ASSERT_OK(otlp_json_encode(json, v, n, otlp_test_meta()), "json") &&
	       ASSERT_OK(otlp_pb_encode(pb, v, n, otlp_test_meta()), "protobuf");
}

/*
 * The protobuf decoded (by tests/e2e/otlp_receiver.py, the exporter tests' receiver: hex ids,
 * 64-bit integers as strings, any unknown field a member of its own) is the JSON encoding.
 */
static void round_trip(bool events)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	cJSON *want = NULL, *got = NULL;
	struct tt_span_event *e;
	struct tt_buf json, pb;

	if (access(PY, X_OK)) {
		test__skip("needs " PY);
		return;
	}
	otlp_test_spans(v, true);
	if (events) {
		e = span__add_event(v[2], "tracetree.finding", 5000000000ull);
		attrs_set_str(&e->attrs, "tracetree.finding.kind", "error_in_content");
		attrs_set_str(&e->attrs, "tracetree.finding.summary", "exit 2 \xff");
		span__add_event(v[2], "bare", 5100000000ull);
		v[2]->dropped_events = 3;
	}
	if (!encode_both(v, OTLP_TEST_NSPANS, &json, &pb))
		goto out;
	got = otlp_test_pb_decode(&pb, "--decode");
	want = cJSON_ParseWithLength((const char *)json.data, json.len);
	ASSERT_TRUE(got && cJSON_Compare(want, got, true), "protobuf content == JSON content");
out:
	cJSON_Delete(want);
	cJSON_Delete(got);
	tt_buf_free(&json);
	tt_buf_free(&pb);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_pb_round_trip(void)
{
	round_trip(false);
}

/* Span.events (field 11) and dropped_events_count (12) decode as the JSON encoding has them. */
void test_otlp_pb_round_trip_events(void)
{
	round_trip(true);
}

/* An event's exact bytes: Span.events (11) { time fixed64 (1), name (2), attributes (3) }. */
void test_otlp_pb_event_bytes(void)
{
	static const uint8_t want[] = {
		0x5a, 0x2b,					      /* field 11, LEN 43 */
		0x09, 0x05, 0x65, 0x7d, 0xf2, 0xac, 0xc6, 0x6c, 0x18, /* 1 fixed64 */
		0x12, 0x01, 'x',				      /* 2 name */
		0x1a, 0x1d,					      /* 3 KeyValue, LEN 29 */
		0x0a, 0x16, 't',  'r',	'a',  'c',  'e',  't',	'r',  'e', 'e',
		'.',  'f',  'i',  'n',	'd',  'i',  'n',  'g',	'.',  'k', 'i',
		'n',  'd',  0x12, 0x03, 0x0a, 0x01, 'k',  0x60, 0x02, /* field 12 (dropped_events_count) = 2 */
		0x7a,						      /* status follows */
	};
	struct tt_span *s = span__new("t", SPAN_KIND_INTERNAL, NULL);
	struct tt_span_event *e;
	struct tt_buf b;

	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	/* Unix ns 1760000000500000005 = 0x186cc6acf27d6505 */
	e = span__add_event(s, "x", 1500000005ull);
	if (!ASSERT_OK_PTR(e, "event"))
		goto out;
	attrs_set_str(&e->attrs, "tracetree.finding.kind", "k");
	s->dropped_events = 2;
	if (ASSERT_OK(otlp_pb_encode(&b, &s, 1, otlp_test_meta()), "encode"))
		ASSERT_OK_PTR(memmem(b.data, b.len, want, sizeof(want)), "event bytes");
out:
	tt_buf_free(&b);
	span__free(s);
}

/* Known bytes: a varint key above 15, fixed32 flags, fixed64 time and a short length. */
void test_otlp_pb_wire_bytes(void)
{
	static const uint8_t head[] = {
		0x0a, /* resource_spans, LEN */
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

/* protoc, with .proto files written from the spec's field numbers, reads our bytes. */
void test_otlp_pb_protoc(void)
{
	static const char *const want[] = {
		"kind: SPAN_KIND_CLIENT",
		"flags: 769",
		"flags: 257",
		"int_value: -5",
		"double_value: 0.2",
		"start_time_unix_nano: 1760000001100000000",
		"code: STATUS_CODE_ERROR",
		"message: \"exit status 2\"",
		"bool_value: true",
		"string_value: \"tool_use\"",
		"version: \"0.1.0\"",
		"name: \"exec bash\"",
		"trace_id: \"\\020\\021\\022\\023\\024\\025\\026\\027"
		"\\030\\031\\032\\033\\034\\035\\036\\037\"",
	};
	char in[] = "/tmp/tt-pb-XXXXXX", out[64] = "", cmd[1024];
	struct tt_span *v[OTLP_TEST_NSPANS];
	char *text = NULL, *line;
	struct tt_buf b;
	size_t i;

	if (access("/usr/bin/protoc", X_OK)) {
		test__skip("protoc not installed (apt-get install protobuf-compiler)");
		return;
	}
	otlp_test_spans(v, false);
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (!ASSERT_OK(otlp_pb_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), "encode") ||
	    !otlp_test_write_tmp(&b, in))
		goto out;
	snprintf(out, sizeof(out), "%s.txt", in);
	snprintf(cmd, sizeof(cmd),
		 "protoc --decode=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest "
		 "-I %s/otlp/proto %s/otlp/proto/opentelemetry/proto/collector/trace/v1/"
		 "trace_service.proto < %s",
		 test__fixtures(), test__fixtures(), in);
	ASSERT_EQ(otlp_test_run_to(cmd, out), 0, "protoc --decode succeeds");
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
out:
	otlp_test_unlink_tmp(in);
	otlp_test_unlink_tmp(out);
	free(text);
	tt_buf_free(&b);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}
