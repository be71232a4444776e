// SPDX-License-Identifier: MIT
/* test_genai_metrics.c: GenAI metrics from spans, and their OTLP JSON decoded back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "genai_metrics.h"
#include "otlp_metrics.h"
#include "otlp_metrics_pb.h"
#include "otlp_test.h"
#include "span.h"
#include "test.h"

#define SEC 1000000000ull

static struct tt_span *llm(struct tt_resource *r, const char *model, int64_t in, int64_t out,
			   uint64_t t0, uint64_t t1, const char *error)
{
	struct tt_span *s = span__new("chat", SPAN_KIND_CLIENT, r);

	attrs_set_str(&s->attrs, "gen_ai.operation.name", "chat");
	attrs_set_str(&s->attrs, "gen_ai.provider.name", "openai");
	attrs_set_str(&s->attrs, "gen_ai.request.model", model);
	attrs_set_int(&s->attrs, "gen_ai.usage.input_tokens", in);
	attrs_set_int(&s->attrs, "gen_ai.usage.output_tokens", out);
	if (error)
		attrs_set_str(&s->attrs, "error.type", error);
	s->start_ns = t0;
	s->end_ns = t1;
	return s;
}

static struct tt_span *tool(struct tt_resource *r, const char *name, uint64_t t0, uint64_t t1)
{
	struct tt_span *s = span__new("execute_tool", SPAN_KIND_INTERNAL, r);

	attrs_set_str(&s->attrs, "gen_ai.operation.name", "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", name);
	s->start_ns = t0;
	s->end_ns = t1;
	return s;
}

static const char *pstr(cJSON *dp, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(dp, key));
}

/* The spans every encoding test counts: 3 LLM calls (one 429), a tool, an agent with a finding. */
static void feed(struct genai_metrics *m, struct tt_resource *r)
{
	struct tt_span *s[5];
	struct tt_span_event *ev;
	size_t i;

	attrs_set_str(&r->attrs, "service.name", "claude-code");
	s[0] = llm(r, "gpt-4o", 100, 20, 1 * SEC, 2 * SEC, NULL);
	s[1] = llm(r, "gpt-4o", 3000, 5, 3 * SEC, 3 * SEC + 5 * SEC / 1000, NULL);
	s[2] = llm(r, "gpt-4o", 7, 0, 4 * SEC, 4 * SEC + SEC / 2, "429");
	s[3] = tool(r, "bash", 5 * SEC, 7 * SEC);
	s[4] = span__new("invoke_agent claude-code", SPAN_KIND_INTERNAL, r);
	attrs_set_str(&s[4]->attrs, "gen_ai.operation.name", "invoke_agent");
	/* one finding as the live engine leaves it: an event on the agent's span */
	ev = span__add_event(s[4], "tracetree.finding", 6 * SEC);
	if (ASSERT_OK_PTR(ev, "event"))
		attrs_set_str(&ev->attrs, "tracetree.finding.kind", "runaway_iteration");
	for (i = 0; i < 5; i++) {
		genai_metrics__span(m, s[i]);
		span__free(s[i]);
	}
	genai_metrics__finding(m, "runaway_iteration", 6 * SEC);
}

static const char *bucket(cJSON *dp, int i)
{
	return cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(dp, "bucketCounts"), i));
}

/* The exact values feed() leaves, in MetricsData md (decoded from either encoding). */
static void check_doc(cJSON *md)
{
	cJSON *dp;

	/* input tokens: 100 + 3000 + 7 in one series (error.type is no token attribute) */
	dp = otlp_test_point(md, "gen_ai.client.token.usage", "gen_ai.token.type", "input");
	if (ASSERT_OK_PTR(dp, "input tokens")) {
		ASSERT_STREQ(pstr(dp, "count"), "3", "three calls");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 3107, "sum");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "min")), 7, "min");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "max")), 3000, "max");
		ASSERT_STREQ(pstr(dp, "startTimeUnixNano"), "1001000000000", "start: first call");
		ASSERT_STREQ(pstr(dp, "timeUnixNano"), "1010000000000", "now");
		/* 7 in (4,16], 100 in (64,256], 3000 in (1024,4096] */
		ASSERT_STREQ(bucket(dp, 2), "1", "7");
		ASSERT_STREQ(bucket(dp, 4), "1", "100");
		ASSERT_STREQ(bucket(dp, 6), "1", "3000");
		ASSERT_STREQ(bucket(dp, 0), "0", "none <= 1");
		ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(dp, "bucketCounts")), 15,
			  "buckets");
		ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(dp, "explicitBounds")), 14,
			  "bounds");
		/* 4^13: exact, not %g's 6.71089e+07 */
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetArrayItem(
					 cJSON_GetObjectItem(dp, "explicitBounds"), 13)),
				 67108864, "last bound");
	}
	dp = otlp_test_point(md, "gen_ai.client.token.usage", "gen_ai.token.type", "output");
	if (ASSERT_OK_PTR(dp, "output tokens"))
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 25, "sum");
	dp = otlp_test_point(md, "gen_ai.client.token.usage", "gen_ai.agent.name", "claude-code");
	ASSERT_OK_PTR(dp, "by agent");
	/* durations: two without error (1 s, 5 ms), one 429 (0.5 s) */
	dp = otlp_test_point(md, "gen_ai.client.operation.duration", "error.type", "429");
	if (ASSERT_OK_PTR(dp, "the error's series")) {
		ASSERT_STREQ(pstr(dp, "count"), "1", "one error");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 0.5,
				 "0.5 s");
	}
	dp = otlp_test_point(md, "gen_ai.client.operation.duration", "gen_ai.request.model",
			     "gpt-4o");
	if (ASSERT_OK_PTR(dp, "ok series")) {
		ASSERT_STREQ(pstr(dp, "count"), "2", "two without error");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 1.005,
				 "1 s + 5 ms");
	}
	dp = otlp_test_point(md, "tracetree.tool.duration", "gen_ai.tool.name", "bash");
	if (ASSERT_OK_PTR(dp, "tool"))
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 2, "2 s");
	dp = otlp_test_point(md, "tracetree.findings", "tracetree.finding.kind",
			     "runaway_iteration");
	if (ASSERT_OK_PTR(dp, "findings"))
		ASSERT_STREQ(pstr(dp, "asInt"), "2",
			     "two: the span's event and one counted directly");
	ASSERT_NULL(otlp_test_point(md, "gen_ai.client.operation.duration", "gen_ai.operation.name",
				    "invoke_agent"),
		    "no agent span counted");
}

void test_genai_metrics_json(void)
{
	struct otlp_clock clock = { .boot_ns = 0, .real_ns = 1000 * SEC };
	struct genai_metrics *m = genai_metrics__new(0);
	struct tt_resource *r = resource__new(100, 1);
	struct tt_buf b;
	cJSON *md;

	tt_buf_init(&b, 1 << 20);
	feed(m, r);
	ASSERT_OK(otlp_metrics_json(&b, m, &clock, 10 * SEC, "1.0"), "encode");
	md = cJSON_ParseWithLength((const char *)b.data, b.len);
	if (ASSERT_OK_PTR(md, "parses as JSON"))
		check_doc(md);
	cJSON_Delete(md);
	resource__put(r);
	tt_buf_free(&b);
	genai_metrics__free(m);
}

/*
 * The protobuf ExportMetricsServiceRequest, decoded by tests/e2e/otlp_receiver.py (the e2e
 * receiver's decoder: every field it does not know becomes a member of its own), is the JSON
 * encoding member for member, and has the same exact values.
 */
void test_genai_metrics_pb(void)
{
	struct otlp_clock clock = { .boot_ns = 0, .real_ns = 1000 * SEC };
	struct genai_metrics *m = genai_metrics__new(0);
	struct tt_resource *r = resource__new(100, 1);
	cJSON *want = NULL, *got = NULL;
	struct tt_buf json, pb;

	tt_buf_init(&json, 1 << 20);
	tt_buf_init(&pb, 1 << 20);
	if (access("/usr/bin/python3", X_OK)) {
		test__skip("needs /usr/bin/python3");
		goto out;
	}
	feed(m, r);
	if (!ASSERT_OK(otlp_metrics_json(&json, m, &clock, 10 * SEC, "1.0"), "json") ||
	    !ASSERT_OK(otlp_metrics_pb(&pb, m, &clock, 10 * SEC, "1.0"), "protobuf"))
		goto out;
	got = otlp_test_pb_decode(&pb, "--decode-metrics");
	if (!got)
		goto out;
	check_doc(got);
	want = cJSON_ParseWithLength((const char *)json.data, json.len);
	if (!ASSERT_TRUE(cJSON_Compare(want, got, true), "protobuf content == JSON content")) {
		char *t = cJSON_PrintUnformatted(got);

		fprintf(stderr, "got:  %s\nwant: %.*s\n", t, (int)json.len, json.data);
		free(t);
	}
out:
	cJSON_Delete(want);
	cJSON_Delete(got);
	resource__put(r);
	tt_buf_free(&json);
	tt_buf_free(&pb);
	genai_metrics__free(m);
}

/* Known bytes: a Sum's data point (as_int sfixed64 6) and a histogram's packed counts. */
void test_genai_metrics_pb_bytes(void)
{
	struct otlp_clock clock = { .boot_ns = 0, .real_ns = 0 };
	struct genai_metrics *m = genai_metrics__new(0);
	/* NumberDataPoint.as_int = 2: key (6 << 3 | I64) = 0x31, then 8 bytes little-endian */
	static const uint8_t as_int[] = { 0x31, 2, 0, 0, 0, 0, 0, 0, 0 };
	/* bucket_counts: key (6 << 3 | LEN) = 0x32, 15 * 8 = 120 bytes, the first bucket 1 */
	static const uint8_t counts[] = { 0x32, 120, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* Sum { aggregation_temporality 2 = CUMULATIVE, is_monotonic 3 = true } */
	static const uint8_t sum_tail[] = { 0x10, 0x02, 0x18, 0x01 };
	struct tt_buf b;
	struct tt_span *s;

	tt_buf_init(&b, 1 << 16);
	genai_metrics__finding(m, "retry_storm", SEC);
	genai_metrics__finding(m, "retry_storm", SEC);
	s = tool(NULL, "bash", SEC, SEC + SEC / 1000); /* 1 ms: the first bucket */
	genai_metrics__span(m, s);
	span__free(s);
	if (ASSERT_OK(otlp_metrics_pb(&b, m, &clock, 2 * SEC, NULL), "encode")) {
		ASSERT_OK_PTR(memmem(b.data, b.len, as_int, sizeof(as_int)), "as_int sfixed64");
		ASSERT_OK_PTR(memmem(b.data, b.len, counts, sizeof(counts)), "packed fixed64");
		ASSERT_OK_PTR(memmem(b.data, b.len, sum_tail, sizeof(sum_tail)), "sum flags");
		ASSERT_EQ(b.data[0], 0x0a, "resource_metrics, LEN");
	}
	tt_buf_free(&b);
	genai_metrics__free(m);
}

/* Every cap short of the full size fails cleanly with -E2BIG. */
void test_genai_metrics_pb_cap(void)
{
	struct otlp_clock clock = { .boot_ns = 0, .real_ns = 1000 * SEC };
	struct genai_metrics *m = genai_metrics__new(0);
	struct tt_resource *r = resource__new(100, 1);
	struct tt_buf b;
	size_t full, c;

	feed(m, r);
	tt_buf_init(&b, 1 << 20);
	ASSERT_OK(otlp_metrics_pb(&b, m, &clock, 10 * SEC, "1.0"), "full");
	full = b.len;
	tt_buf_free(&b);
	for (c = 0; c < full; c += 5) {
		tt_buf_init(&b, c);
		if (!ASSERT_EQ(otlp_metrics_pb(&b, m, &clock, 10 * SEC, "1.0"), -E2BIG, "E2BIG"))
			c = full;
		tt_buf_free(&b);
	}
	resource__put(r);
	genai_metrics__free(m);
}

/* At the series cap, data points of new attribute sets are dropped and counted. */
void test_genai_metrics_cap(void)
{
	struct genai_metrics *m = genai_metrics__new(2);
	struct tt_span *s;
	char name[16];
	size_t n;

	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		s = tool(NULL, name, SEC, 2 * SEC);
		genai_metrics__span(m, s);
		span__free(s);
	}
	genai_metrics__series(m, &n);
	ASSERT_EQ(n, 2, "capped");
	ASSERT_EQ(genai_metrics__dropped(m), 3, "the rest dropped");
	genai_metrics__free(m);
}
