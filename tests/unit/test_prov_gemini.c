// SPDX-License-Identifier: MIT
/* test_prov_gemini.c: Gemini generateContent and both streamGenerateContent forms. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

void test_gemini_basic(void)
{
	struct genai_call *c = ptest_decode("gemini/generate_basic", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "gcp.gemini", "provider");
	ASSERT_STREQ(c->system, "gemini", "legacy");
	ASSERT_STREQ(c->operation, "generate_content", "operation");
	ASSERT_STREQ(c->request_model, "gemini-2.5-flash", "model from path");
	ASSERT_STREQ(c->response_model, "gemini-2.5-flash", "modelVersion");
	ASSERT_STREQ(c->response_id, "5q2Xa7GFJtzfz7IPv6KvwAw", "responseId");
	ASSERT_EQ(c->usage.input_tokens, 13, "prompt");
	ASSERT_EQ(c->usage.cache_read_tokens, 8, "cached");
	ASSERT_EQ(c->usage.output_tokens, 7 + 432, "candidates + thoughts");
	ASSERT_EQ(c->usage.reasoning_tokens, 432, "thoughts");
	ptest_finish(c, "STOP", "native finish");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.4, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.95, "topP");
	ASSERT_EQ(c->params.top_k, 64, "topK");
	ASSERT_EQ(c->params.max_tokens, 1024, "maxOutputTokens");
	ASSERT_EQ(c->params.seed, 7, "seed");
	ASSERT_EQ(c->params.choice_count, 1, "candidateCount");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "STOP!", "stop");
	ASSERT_STREQ(c->output_type, "json", "responseMimeType");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_STREQ(c->system_instructions, "[{\"type\":\"text\",\"content\":\"Be brief.\"}]",
		     "system");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"AI learns patterns from data.\""
		     "}],"
		     "\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

static void check_stream(struct genai_call *c, const char *what)
{
	ASSERT_TRUE(c->streaming, what);
	ASSERT_STREQ(c->request_model, "gemini-2.5-pro", what);
	ASSERT_STREQ(c->response_id, "abcResp1", what);
	ASSERT_EQ(c->usage.input_tokens, 40, what);
	ASSERT_EQ(c->usage.output_tokens, 55, what);
	ASSERT_EQ(c->usage.reasoning_tokens, 40, what);
	ptest_finish(c, "STOP", what);
	/* Gemini calls have no id here */
	if (ASSERT_EQ(c->n_tool_calls, 1, what))
		ptest_tool(c, 0, NULL, "get_weather", "{\"location\":\"Boston, MA\"}", "function");
	if (ASSERT_EQ(c->n_tool_results, 1, what)) {
		ASSERT_NULL(c->tool_results[0].call_id, what);
		ASSERT_STREQ(c->tool_results[0].name, "get_time", what);
		ASSERT_STREQ(c->tool_results[0].content, "{\"time\":\"10:00\"}", what);
	}
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Let me check that.\"},{\"type\""
		     ":"
		     "\"tool_call\",\"name\":\"get_weather\",\"arguments\":{\"location\":\"Boston, "
		     "MA\"}}],\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     what);
}

void test_gemini_stream_sse(void)
{
	struct genai_call *c = ptest_decode("gemini/stream_sse_tools", true);

	if (!c)
		return;
	check_stream(c, "sse");
	ASSERT_EQ(c->ttft_ns, 400 * MS, "ttft");
	ASSERT_STREQ(c->tool_definitions,
		     "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Get weathe"
		     "r\","
		     "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":"
		     "\"string\"}}}}]",
		     "tools");
	genai_call__free(c);
}

void test_gemini_stream_array(void)
{
	struct genai_call *c = ptest_decode("gemini/stream_array", true);

	if (!c)
		return;
	check_stream(c, "array");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

void test_gemini_stream_array_cut(void)
{
	struct genai_call *c = ptest_decode("gemini/stream_array_cut", false);

	if (!c)
		return;
	ASSERT_TRUE(c->flags & GENAI_F_RESP_TRUNCATED, "truncated");
	ASSERT_TRUE(c->flags & GENAI_F_INCOMPLETE, "no finish seen");
	ASSERT_STREQ(c->response_id, "abcResp1", "id");
	ASSERT_EQ(c->usage.input_tokens, 40, "usage of the first chunk");
	ASSERT_FALSE(c->usage.has_reasoning_tokens, "final usage was cut");
	if (ASSERT_EQ(c->n_tool_calls, 1, "tool call before the cut"))
		ASSERT_STREQ(c->tool_calls[0].name, "get_weather", "name");
	ptest_finish(c, "error", "unfinished");
	genai_call__free(c);
}

void test_gemini_errors(void)
{
	struct genai_call *c = ptest_decode("gemini/error_429", false);

	if (c) {
		ASSERT_EQ(c->http_status, 429, "429");
		ASSERT_STREQ(c->error_type, "RESOURCE_EXHAUSTED", "status as type");
		ASSERT_STREQ(c->request_model, "gemini-2.5-flash", "model");
	}
	genai_call__free(c);
	c = ptest_decode("gemini/vertex", false);
	if (c) {
		ASSERT_STREQ(c->provider_name, "gcp.vertex_ai", "vertex");
		ASSERT_STREQ(c->system, "vertex_ai", "legacy");
		ASSERT_STREQ(c->request_model, "gemini-2.0-flash-001", "model");
		ptest_finish(c, "MAX_TOKENS", "finish");
		ASSERT_FALSE(c->usage.has_reasoning_tokens, "no thoughts");
		ASSERT_EQ(c->usage.output_tokens, 1, "output");
	}
	genai_call__free(c);
}
