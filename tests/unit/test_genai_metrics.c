// SPDX-License-Identifier: MIT
/* test_genai_metrics.c: GenAI metrics from spans, and their OTLP JSON decoded back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "genai_metrics.h"
#include "otlp_metrics.h"
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

/* The data point of metric name whose attribute key is val (NULL: the first). */
static cJSON *point(cJSON *md, const char *name, const char *key, const char *val)
{
	cJSON *rm = cJSON_GetArrayItem(cJSON_GetObjectItem(md, "resourceMetrics"), 0);
	cJSON *sm = cJSON_GetArrayItem(cJSON_GetObjectItem(rm, "scopeMetrics"), 0);
	cJSON *m, *dp, *a;

	cJSON_ArrayForEach(m, cJSON_GetObjectItem(sm, "metrics")) {
		cJSON *body = cJSON_GetObjectItem(m, "histogram") ?: cJSON_GetObjectItem(m, "sum");

		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "name")), name))
			continue;
		cJSON_ArrayForEach(dp, cJSON_GetObjectItem(body, "dataPoints")) {
			if (!key)
				return dp;
			cJSON_ArrayForEach(a, cJSON_GetObjectItem(dp, "attributes")) {
				const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(
					cJSON_GetObjectItem(a, "value"), "stringValue"));

				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "key")),
					    key) &&
				    v && !strcmp(v, val))
					return dp;
			}
		}
	}
	return NULL;
}

static const char *pstr(cJSON *dp, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(dp, key));
}

void test_genai_metrics_json(void)
{
	struct otlp_clock clock = { .boot_ns = 0, .real_ns = 1000 * SEC };
	struct genai_metrics *m = genai_metrics__new(0);
	struct tt_resource *r = resource__new(100, 1);
	struct tt_buf b;
	struct tt_span *s[5];
	struct tt_span_event *ev;
	cJSON *md, *dp;
	size_t i;

	tt_buf_init(&b, 1 << 20);
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
	for (i = 0; i < 5; i++)
		genai_metrics__span(m, s[i]);
	genai_metrics__finding(m, "runaway_iteration", 6 * SEC);
	ASSERT_OK(otlp_metrics_json(&b, m, &clock, 10 * SEC, "1.0"), "encode");
	md = cJSON_ParseWithLength((const char *)b.data, b.len);
	if (!ASSERT_OK_PTR(md, "parses as JSON"))
		goto out;
	/* input tokens: 100 + 3000 + 7 in one series (error.type is no token attribute) */
	dp = point(md, "gen_ai.client.token.usage", "gen_ai.token.type", "input");
	if (ASSERT_OK_PTR(dp, "input tokens")) {
		ASSERT_STREQ(pstr(dp, "count"), "3", "three calls");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 3107, "sum");
		ASSERT_STREQ(pstr(dp, "startTimeUnixNano"), "1001000000000", "start: first call");
		ASSERT_STREQ(pstr(dp, "timeUnixNano"), "1010000000000", "now");
		/* 7 in (4,16], 100 in (64,256], 3000 in (1024,4096] */
		ASSERT_STREQ(cJSON_GetStringValue(cJSON_GetArrayItem(
				     cJSON_GetObjectItem(dp, "bucketCounts"), 2)),
			     "1", "7");
		ASSERT_STREQ(cJSON_GetStringValue(cJSON_GetArrayItem(
				     cJSON_GetObjectItem(dp, "bucketCounts"), 4)),
			     "1", "100");
		ASSERT_STREQ(cJSON_GetStringValue(cJSON_GetArrayItem(
				     cJSON_GetObjectItem(dp, "bucketCounts"), 6)),
			     "1", "3000");
		ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(dp, "bucketCounts")), 15,
			  "buckets");
		ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(dp, "explicitBounds")), 14,
			  "bounds");
	}
	dp = point(md, "gen_ai.client.token.usage", "gen_ai.token.type", "output");
	if (ASSERT_OK_PTR(dp, "output tokens"))
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 25, "sum");
	dp = point(md, "gen_ai.client.token.usage", "gen_ai.agent.name", "claude-code");
	ASSERT_OK_PTR(dp, "by agent");
	/* durations: two without error (1 s, 5 ms), one 429 (0.5 s) */
	dp = point(md, "gen_ai.client.operation.duration", "error.type", "429");
	if (ASSERT_OK_PTR(dp, "the error's series")) {
		ASSERT_STREQ(pstr(dp, "count"), "1", "one error");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 0.5,
				 "0.5 s");
	}
	dp = point(md, "gen_ai.client.operation.duration", "gen_ai.request.model", "gpt-4o");
	if (ASSERT_OK_PTR(dp, "ok series"))
		ASSERT_STREQ(pstr(dp, "count"), "2", "two without error");
	dp = point(md, "tracetree.tool.duration", "gen_ai.tool.name", "bash");
	if (ASSERT_OK_PTR(dp, "tool"))
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 2, "2 s");
	dp = point(md, "tracetree.findings", "tracetree.finding.kind", "runaway_iteration");
	if (ASSERT_OK_PTR(dp, "findings"))
		ASSERT_STREQ(pstr(dp, "asInt"), "2",
			     "two: the span's event and one counted directly");
	ASSERT_NULL(point(md, "gen_ai.client.operation.duration", "gen_ai.operation.name",
			  "invoke_agent"),
		    "no agent span counted");
	cJSON_Delete(md);
out:
	for (i = 0; i < 5; i++)
		span__free(s[i]);
	resource__put(r);
	tt_buf_free(&b);
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
