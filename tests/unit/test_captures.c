// SPDX-License-Identifier: MIT
/*
 * test_captures.c: captures recorded with `tracetree-bpf --record` from real clients (curl,
 * urllib, httpx, node https and fetch) talking TLS to tools/fake_llm.py replayed through the
 * whole pipeline: the decoded calls must be exactly what the server answered
 * (CASE.expect.json, from its log), fed as recorded and split into one-byte records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "capfile.h"
#include "pipeline.h"
#include "records.h"
#include "test.h"
#include "tt_abi.h"

static const char *const cases[] = {
	"curl_openai_keepalive", "urllib_anthropic_gzip_sse", "httpx_openai_sse",
	"node_https_openai_sse", "node_fetch_anthropic",
};

struct seen {
	cJSON *calls; /* array of {response_id, model, ...} as decoded */
	int exchanges;
	int incomplete;
	int directions_ok; /* requests carry a method, responses a status */
};

static void on_span(struct tt_span *s, void *ctx)
{
	(void)ctx;
	span__free(s);
}

static void on_exchange(const struct http_exchange *x, void *ctx)
{
	struct seen *s = ctx;

	s->exchanges++;
	if (x->flags & (HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE | HTTP_X_SERVER_SIDE))
		s->incomplete++;
	if (x->method && x->status > 0)
		s->directions_ok++;
}

static void on_call(const struct genai_call *c, void *ctx)
{
	struct seen *s = ctx;
	cJSON *o = cJSON_CreateObject(), *ids = cJSON_CreateArray();
	size_t i;

	cJSON_AddStringToObject(o, "response_id", c->response_id ? c->response_id : "");
	cJSON_AddStringToObject(o, "model", c->request_model ? c->request_model : "");
	cJSON_AddBoolToObject(o, "stream", c->streaming);
	cJSON_AddNumberToObject(o, "input_tokens",
				c->usage.has_input_tokens ? (double)c->usage.input_tokens : -1);
	cJSON_AddNumberToObject(o, "output_tokens",
				c->usage.has_output_tokens ? (double)c->usage.output_tokens : -1);
	for (i = 0; i < c->n_tool_calls; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(c->tool_calls[i].id ?: ""));
	cJSON_AddItemToObject(o, "tool_call_ids", ids);
	cJSON_AddStringToObject(o, "finish_reason",
				c->n_finish_reasons ? c->finish_reasons[0] : "");
	cJSON_AddItemToArray(s->calls, o);
}

/* A test__split_feed receiver: the record goes to the pipeline ctx. */
static int pipeline_feed(const struct tt_data *rec, size_t size, void *ctx)
{
	pipeline__record(ctx, rec, size);
	return 0;
}

static bool replay(const char *name, bool split, struct seen *s)
{
	struct pipeline_opts po = { 0 };
	struct capfile_header h;
	struct capfile_reader *r;
	struct pipeline *p;
	char path[512];
	const void *rec;
	size_t size;
	uint64_t last = 0;
	int ret;

	snprintf(path, sizeof(path), "%s/captures/%s.ttcap", test__fixtures(), name);
	r = capfile_reader__open(path, &h);
	if (!ASSERT_OK_PTR(r, name))
		return false;
	po.linker.single_trace = true;
	po.span_sink = on_span;
	po.on_exchange = on_exchange;
	po.on_call = on_call;
	po.tap_ctx = s;
	p = pipeline__new(&po);
	if (!ASSERT_OK_PTR(p, "pipeline")) {
		capfile_reader__close(r);
		return false;
	}
	while ((ret = capfile_reader__next(r, &rec, &size)) > 0) {
		const struct tt_hdr *hd = rec;

		if (!ASSERT_GE(tt_rec_validate(rec, size), 1, "valid record"))
			break;
		last = hd->ts_ns;
		if (split && hd->type == TT_REC_DATA)
			test__split_feed(rec, ((const struct tt_data *)rec)->data, 0,
					 TEST_SPLIT_BYTES, NULL, pipeline_feed, p);
		else
			pipeline__record(p, rec, size);
	}
	ASSERT_EQ(ret, 0, "read to the end");
	pipeline__finish(p, last);
	pipeline__free(p);
	capfile_reader__close(r);
	return true;
}

static cJSON *find_call(cJSON *calls, const char *id)
{
	cJSON *c;

	cJSON_ArrayForEach(c, calls)
		if (!strcmp(cJSON_GetObjectItem(c, "response_id")->valuestring, id))
			return c;
	return NULL;
}

static void check_case(const char *name, bool split)
{
	struct seen s = { .calls = cJSON_CreateArray() };
	unsigned char *txt;
	char rel[256];
	cJSON *want, *w, *got;
	size_t len;

	snprintf(rel, sizeof(rel), "captures/%s.expect.json", name);
	txt = test__read_fixture(rel, &len);
	if (!ASSERT_OK_PTR(txt, "expectations"))
		goto out;
	want = cJSON_Parse((char *)txt);
	free(txt);
	if (!ASSERT_OK_PTR(want, "expectations parse") || !replay(name, split, &s))
		goto out_want;
	ASSERT_GE(cJSON_GetArraySize(want), 1, "the case has LLM calls");
	ASSERT_EQ(cJSON_GetArraySize(s.calls), cJSON_GetArraySize(want), "one call per answer");
	ASSERT_EQ(s.incomplete, 0, "no exchange incomplete");
	ASSERT_EQ(s.directions_ok, s.exchanges, "requests and responses on their sides");
	cJSON_ArrayForEach(w, want) {
		const char *id = cJSON_GetObjectItem(w, "response_id")->valuestring;
		cJSON *wi = cJSON_GetObjectItem(w, "tool_call_ids"), *gi;
		int i;

		got = find_call(s.calls, id);
		if (!ASSERT_OK_PTR(got, id))
			continue;
		ASSERT_STREQ(cJSON_GetObjectItem(got, "model")->valuestring,
			     cJSON_GetObjectItem(w, "model")->valuestring, "model");
		ASSERT_EQ(cJSON_IsTrue(cJSON_GetObjectItem(got, "stream")),
			  cJSON_IsTrue(cJSON_GetObjectItem(w, "stream")), "streaming");
		ASSERT_EQ(cJSON_GetObjectItem(got, "input_tokens")->valueint,
			  cJSON_GetObjectItem(w, "input_tokens")->valueint, "input tokens");
		ASSERT_EQ(cJSON_GetObjectItem(got, "output_tokens")->valueint,
			  cJSON_GetObjectItem(w, "output_tokens")->valueint, "output tokens");
		ASSERT_STREQ(cJSON_GetObjectItem(got, "finish_reason")->valuestring,
			     cJSON_GetObjectItem(w, "finish_reason")->valuestring, "finish reason");
		gi = cJSON_GetObjectItem(got, "tool_call_ids");
		if (!ASSERT_EQ(cJSON_GetArraySize(gi), cJSON_GetArraySize(wi), "tool call count"))
			continue;
		for (i = 0; i < cJSON_GetArraySize(wi); i++)
			ASSERT_STREQ(cJSON_GetArrayItem(gi, i)->valuestring,
				     cJSON_GetArrayItem(wi, i)->valuestring, "tool call id");
	}
out_want:
	cJSON_Delete(want);
out:
	cJSON_Delete(s.calls);
}

/* Every capture, each its own subtest; split: its data records fed a byte at a time. */
static void check_cases(bool split)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i]))
			continue;
		check_case(cases[i], split);
	}
}

void test_captures_replay(void)
{
	check_cases(false);
}

void test_captures_split_every_byte(void)
{
	check_cases(true);
}
