// SPDX-License-Identifier: MIT
/* test_prov_cohere.c: Cohere v2 chat, JSON and SSE, recorded with the cohere-ai SDK. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

/* The values the SDK itself parsed from these bodies (tools/record_cohere.mjs prints them). */
void test_cohere_chat_tools(void)
{
	struct genai_call *c = ptest_decode("cohere/chat_tools", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "cohere", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_NULL(c->api_type, "no openai api type");
	ASSERT_NULL(c->decode, "a known API");
	ASSERT_STREQ(c->request_model, "command-a-03-2025", "request model");
	ASSERT_NULL(c->response_model, "v2 names no model in the response");
	ASSERT_STREQ(c->response_id, "5a50480a-cf52-46f0-af01-53d18539bd31", "id");
	ptest_finish(c, "TOOL_CALL", "finish");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one tool call"))
		ptest_tool(c, 0, "get_weather_1byjy32y4hvq", "get_weather",
			   "{\"location\":\"Toronto\"}", "function");
	ASSERT_EQ(c->usage.input_tokens, 913, "input: tokens, not billed_units");
	ASSERT_EQ(c->usage.output_tokens, 83, "output: tokens");
	ASSERT_FALSE(c->usage.has_cache_read_tokens, "no cache");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.3, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.75, "p");
	ASSERT_EQ(c->params.top_k, 40, "k");
	ASSERT_EQ(c->params.max_tokens, 300, "max tokens");
	ASSERT_EQ(c->params.seed, 7, "seed");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "END", "stop value");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_EQ(c->flags, 0, "flags");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are ter"
		     "se.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weath"
		     "er in Toronto?\"}]}]",
		     "input messages");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"reasoning\",\"content\":\"I will look up the weathe"
		     "r in Toronto.\"},{\"type\":\"tool_call\",\"id\":\"get_weather_1byjy32y4hvq\","
		     "\"name\":\"get_weather\",\"arguments\":{\"location\":\"Toronto\"}}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"tool_call\"}]",
		     "output: tool plan and call");
	ASSERT_STREQ(c->tool_definitions,
		     "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather of"
		     " a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{"
		     "\"type\":\"string\"}},\"required\":[\"location\"]}}]",
		     "tool definitions");
	genai_call__free(c);
}

void test_cohere_tool_result(void)
{
	struct genai_call *c = ptest_decode("cohere/chat_tool_result", true);

	if (!c)
		return;
	if (ASSERT_EQ(c->n_tool_results, 1, "one result")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "get_weather_1byjy32y4hvq", "call id");
		ASSERT_STREQ(
			c->tool_results[0].content,
			"[{\"type\":\"document\",\"document\":{\"data\":{\"temperature\":\"24C\""
			"}}}]",
			"result content");
	}
	ptest_finish(c, "COMPLETE", "finish");
	ASSERT_EQ(c->usage.input_tokens, 1021, "input");
	ASSERT_EQ(c->usage.output_tokens, 11, "output");
	ASSERT_EQ(c->n_tool_calls, 0, "no calls");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"It is 24C in Toronto.\"}],\"ro"
		     "le\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output text");
	genai_call__free(c);
}

void test_cohere_stream_tools(void)
{
	struct genai_call *c = ptest_decode("cohere/stream_tools", true);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_STREQ(c->response_id, "29f14a5a-11de-4cae-9800-25e4747408ea", "id");
	ASSERT_TRUE(c->has_ttft, "ttft");
	ASSERT_EQ(c->ttft_ns, 400 * MS + T_EVENT_STEP, "first chunk: the tool plan's");
	if (ASSERT_EQ(c->n_tool_calls, 2, "two calls")) {
		ptest_tool(c, 0, "get_weather_nsz5zm3w56q3", "get_weather",
			   "{\"location\":\"Toronto\"}", "function");
		ptest_tool(c, 1, "get_weather_a8k2m4q9", "get_weather", "{\"location\":\"Oslo\"}",
			   "function");
		ASSERT_EQ(c->tool_calls[0].ready_ns, T_FIRST_BODY + 5 * T_EVENT_STEP,
			  "ready at its last delta");
		ASSERT_EQ(c->tool_calls[1].ready_ns, T_FIRST_BODY + 7 * T_EVENT_STEP,
			  "ready at its start");
	}
	ptest_finish(c, "TOOL_CALL", "finish");
	ASSERT_EQ(c->usage.input_tokens, 913, "input");
	ASSERT_EQ(c->usage.output_tokens, 83, "output");
	ASSERT_EQ(c->flags, 0, "complete");
	ASSERT_TRUE(c->output_messages && strstr(c->output_messages,
						 "\"content\":\"I will look up the weather.\""),
		    "plan deltas merged");
	genai_call__free(c);
}

void test_cohere_stream_text(void)
{
	struct genai_call *c = ptest_decode("cohere/stream_text", true);

	if (!c)
		return;
	ASSERT_STREQ(c->request_model, "command-r-plus-08-2024", "model");
	ASSERT_EQ(c->ttft_ns, 400 * MS + 2 * T_EVENT_STEP, "first content delta");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"It is 24C in Toronto.\"}],\"ro"
		     "le\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "deltas merged");
	ASSERT_EQ(c->usage.input_tokens, 1021, "input");
	ASSERT_EQ(c->usage.output_tokens, 11, "output");
	ptest_finish(c, "COMPLETE", "finish");
	genai_call__free(c);
}

void test_cohere_error(void)
{
	struct genai_call *c = ptest_decode("cohere/error_429", false);

	if (!c)
		return;
	ASSERT_EQ(c->http_status, 429, "status");
	ASSERT_STREQ(c->error_type, "429", "error type: the status");
	ASSERT_STREQ(c->error_message,
		     "You are using a Trial key, which is limited to 10 API calls / minute.",
		     "message");
	ASSERT_STREQ(c->request_model, "command-a-03-2025", "model kept");
	ASSERT_EQ(c->n_finish_reasons, 0, "no finish");
	genai_call__free(c);
}

/* A stream cut before message-end: what arrived, flagged incomplete. */
void test_cohere_stream_cut(void)
{
	static const char req[] =
		"{\"model\":\"command-a-03-2025\",\"messages\":[],\"stream\":true}";
	static const char resp[] =
		"event: message-start\ndata: {\"id\":\"m1\",\"type\":\"message-start\"}\n\n"
		"event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{"
		"\"message\":{\"content\":{\"text\":\"Par\"}}}}\n\n";
	struct provider_opts o = { .capture_content = true };
	struct genai_call *c = NULL;
	struct http_exchange *x;

	x = ptest_exchange("api.cohere.com", "/v2/chat", 200, req, strlen(req), resp, strlen(resp),
			   HTTP_BODY_SSE);
	x->flags = HTTP_X_INCOMPLETE;
	if (ASSERT_OK(provider_decode(x, &o, &c), "decode")) {
		ASSERT_TRUE(c->flags & GENAI_F_INCOMPLETE, "incomplete");
		ptest_finish(c, "error", "unfinished");
		ASSERT_FALSE(c->usage.has_input_tokens, "no usage");
	}
	genai_call__free(c);
	http_exchange__free(x);
}
