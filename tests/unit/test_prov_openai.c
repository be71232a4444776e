// SPDX-License-Identifier: MIT
/* test_prov_openai.c: Chat Completions, Responses API and OpenAI-compatible servers. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

void test_openai_chat_basic(void)
{
	struct genai_call *c = ptest_decode("openai/chat_basic", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "openai", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_STREQ(c->api_type, "chat_completions", "api type");
	ASSERT_STREQ(c->request_model, "gpt-4o-mini", "request model");
	ASSERT_STREQ(c->response_model, "gpt-4o-mini-2024-07-18", "response model");
	ASSERT_STREQ(c->response_id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "id");
	ASSERT_STREQ(c->system_fingerprint, "fp_06737a9306", "fingerprint");
	ASSERT_STREQ(c->service_tier, "default", "service tier");
	ptest_finish(c, "stop", "finish");
	ASSERT_TRUE(c->usage.has_input_tokens, "has input");
	ASSERT_EQ(c->usage.input_tokens, 1117, "input includes cached");
	ASSERT_EQ(c->usage.output_tokens, 3, "output");
	ASSERT_TRUE(c->usage.has_cache_read_tokens, "has cache read");
	ASSERT_EQ(c->usage.cache_read_tokens, 1024, "cache read");
	ASSERT_FALSE(c->usage.has_cache_write_tokens, "no cache write");
	ASSERT_TRUE(c->usage.has_reasoning_tokens, "reasoning reported");
	ASSERT_EQ(c->usage.reasoning_tokens, 0, "reasoning 0");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.2, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.9, "top_p");
	ASSERT_DOUBLE_EQ(c->params.frequency_penalty, 0.5, "frequency");
	ASSERT_DOUBLE_EQ(c->params.presence_penalty, -0.25, "presence");
	ASSERT_EQ(c->params.max_tokens, 256, "max_completion_tokens");
	ASSERT_EQ(c->params.seed, 42, "seed");
	ASSERT_TRUE(c->params.has_choice_count && c->params.choice_count == 1, "n");
	ASSERT_FALSE(c->params.has_top_k, "no top_k");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "\n\n", "stop value");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_FALSE(c->has_ttft, "no ttft");
	ASSERT_EQ(c->http_status, 200, "status");
	ASSERT_NULL(c->error_type, "no error");
	ASSERT_EQ(c->n_tool_calls, 0, "no tools");
	ASSERT_EQ(c->flags, 0, "flags");
	ASSERT_NULL(c->input_messages, "content off");
	ASSERT_NULL(c->output_messages, "content off");
	genai_call__free(c);
}

void test_openai_chat_content(void)
{
	struct genai_call *c = ptest_decode("openai/chat_basic", true);

	if (!c)
		return;
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are ter"
		     "se.\"}]},"
		     "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":"
		     "\"Say hi. My key is REDACTED\"}]}]",
		     "input messages, redacted");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Hi.\"}],\"role\":\"assistant\","
		     "\"finish_reason\":\"stop\"}]",
		     "output messages");
	ASSERT_NULL(c->system_instructions, "chat keeps system in the history");
	genai_call__free(c);
}

void test_openai_chat_tools(void)
{
	struct genai_call *c = ptest_decode("openai/chat_tools", true);

	if (!c)
		return;
	ptest_finish(c, "tool_calls", "finish");
	if (ASSERT_EQ(c->n_tool_calls, 2, "two tool calls")) {
		ptest_tool(c, 0, "call_Vn1A2b3C4d5E6f7G8h9I0jKl", "get_weather",
			   "{\"city\":\"Paris\"}", "function");
		ptest_tool(c, 1, "call_Xy9Z8w7V6u5T4s3R2q1P0oNm", "get_weather",
			   "{\"city\":\"Oslo\"}", "function");
		ASSERT_EQ(c->tool_calls[0].ready_ns, 0, "not streamed: ready at the end");
	}
	/* the result after the latest assistant turn is reported */
	if (ASSERT_EQ(c->n_tool_results, 1, "result of the latest turn")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "call_prev1", "call id");
		ASSERT_STREQ(c->tool_results[0].content, "12:00", "content");
	}
	ASSERT_EQ(c->usage.input_tokens, 82, "input");
	ASSERT_EQ(c->usage.output_tokens, 46, "output");
	ASSERT_STREQ(c->tool_definitions,
		     "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather fo"
		     "r a "
		     "city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\""
		     ":"
		     "\"string\"}},\"required\":[\"city\"]}}]",
		     "tool definitions");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_Vn1A2b3C4d5E6f7G8h9I0jKl\""
		     ","
		     "\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}},{\"type\":"
		     "\"tool_call\",\"id\":\"call_Xy9Z8w7V6u5T4s3R2q1P0oNm\",\"name\":\"get_weathe"
		     "r\","
		     "\"arguments\":{\"city\":\"Oslo\"}}],\"role\":\"assistant\",\"finish_reason\":"
		     "\"tool_call\"}]",
		     "output tool calls");
	genai_call__free(c);
}

void test_openai_chat_tool_result(void)
{
	struct genai_call *c = ptest_decode("openai/chat_tool_result", true);

	if (!c)
		return;
	if (ASSERT_EQ(c->n_tool_results, 1, "one result")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "call_Vn1A2b3C4d5E6f7G8h9I0jKl",
			     "call id");
		ASSERT_STREQ(c->tool_results[0].content, "18C, cloudy", "content");
		ASSERT_FALSE(c->tool_results[0].is_error, "not an error");
	}
	ASSERT_FALSE(c->streaming, "stream false");
	ASSERT_FALSE(c->usage.has_cache_read_tokens, "no details, no cache read");
	genai_call__free(c);
	c = ptest_decode("openai/chat_tool_result", false);
	if (c && ASSERT_EQ(c->n_tool_results, 1, "result without content"))
		ASSERT_NULL(c->tool_results[0].content, "content only when enabled");
	genai_call__free(c);
}

void test_openai_chat_stream_usage(void)
{
	struct genai_call *c = ptest_decode("openai/chat_stream_usage", true);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_TRUE(c->has_ttft, "ttft");
	ASSERT_EQ(c->ttft_ns, 400 * MS, "ttft = first chunk - request start");
	ASSERT_STREQ(c->response_id, "chatcmpl-BHs7YQxTFKqLs3rVjvJ9R2b1e8fGh", "id");
	ASSERT_STREQ(c->response_model, "gpt-4o-2024-08-06", "model");
	ASSERT_EQ(c->usage.input_tokens, 19, "input from usage chunk");
	ASSERT_EQ(c->usage.output_tokens, 4, "output from usage chunk");
	ptest_finish(c, "stop", "finish");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Hello there!\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"stop\"}]",
		     "deltas merged");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

void test_openai_chat_stream_tools(void)
{
	struct genai_call *c = ptest_decode("openai/chat_stream_tools", false);

	if (!c)
		return;
	if (ASSERT_EQ(c->n_tool_calls, 2, "two calls")) {
		ptest_tool(c, 0, "call_AbC123", "read_file", "{\"path\": \"/etc/hosts\"}",
			   "function");
		ptest_tool(c, 1, "call_DeF456", "run_command", "{\"cmd\": \"ls -la /tmp\"}",
			   "function");
	}
	ptest_finish(c, "tool_calls", "finish");
	ASSERT_FALSE(c->usage.has_input_tokens, "no usage chunk: input absent");
	ASSERT_FALSE(c->usage.has_output_tokens, "no usage chunk: output absent");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

/* Regression: a stream without a usage chunk still yields the final assistant turn. */
void test_openai_chat_stream_nousage(void)
{
	struct genai_call *c = ptest_decode("openai/chat_stream_nousage", true);

	if (!c)
		return;
	ASSERT_STREQ(c->response_id, "chatcmpl-nousage1", "id");
	ASSERT_FALSE(c->usage.has_input_tokens, "input absent, not 0");
	ASSERT_FALSE(c->usage.has_output_tokens, "output absent, not 0");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"The answer is 42.\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"stop\"}]",
		     "final turn");
	genai_call__free(c);
}

void test_openai_chat_stream_cut(void)
{
	struct genai_call *c = ptest_decode("openai/chat_stream_cut", true);

	if (!c)
		return;
	ASSERT_TRUE(c->flags & GENAI_F_INCOMPLETE, "incomplete");
	ptest_finish(c, "error", "unfinished choice");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Partial ans\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"error\"}]",
		     "what arrived");
	genai_call__free(c);
}

void test_openai_errors(void)
{
	struct genai_call *c = ptest_decode("openai/chat_error_429", false);

	if (c) {
		ASSERT_EQ(c->http_status, 429, "429 visible");
		ASSERT_STREQ(c->error_type, "rate_limit_exceeded", "error code");
		ASSERT_TRUE(c->error_message &&
				    !strncmp(c->error_message, "Rate limit reached", 18),
			    "message");
		ASSERT_STREQ(c->request_model, "gpt-4o", "request model kept");
		ASSERT_EQ(c->n_finish_reasons, 0, "no finish");
		ASSERT_FALSE(c->usage.has_input_tokens, "no usage");
	}
	genai_call__free(c);
	c = ptest_decode("openai/chat_error_401", false);
	if (c) {
		ASSERT_EQ(c->http_status, 401, "401");
		ASSERT_STREQ(c->error_type, "invalid_api_key", "error code");
	}
	genai_call__free(c);
}

void test_openai_azure(void)
{
	struct genai_call *c = ptest_decode("openai/azure_deployment", false);

	if (c) {
		ASSERT_STREQ(c->provider_name, "azure.ai.openai", "provider");
		ASSERT_STREQ(c->system, "az.ai.openai", "legacy system");
		ASSERT_STREQ(c->request_model, "gpt4o-prod", "deployment as request model");
		ASSERT_STREQ(c->response_model, "gpt-4o-2024-11-20", "response model");
		ASSERT_EQ(c->params.max_tokens, 50, "max tokens");
		ASSERT_EQ(c->usage.input_tokens, 9, "input");
		ASSERT_STREQ(c->server_address, "myres.openai.azure.com", "server");
	}
	genai_call__free(c);
	c = ptest_decode("openai/azure_v1", false);
	if (c) {
		ASSERT_STREQ(c->provider_name, "azure.ai.openai", "v1 provider");
		ASSERT_STREQ(c->request_model, "gpt4o-prod", "v1 model from body");
	}
	genai_call__free(c);
}

void test_openai_compat(void)
{
	struct genai_call *c = ptest_decode("openai/compat_vllm", false);

	if (c) {
		ASSERT_STREQ(c->provider_name, "openai", "unknown host: OpenAI API");
		ASSERT_STREQ(c->server_address, "10.0.0.5", "address");
		ASSERT_EQ(c->server_port, 8000, "port");
		ASSERT_EQ(c->params.top_k, 40, "top_k extension");
		ASSERT_EQ(c->usage.input_tokens, 42, "input");
		ASSERT_EQ(c->usage.output_tokens, 2, "output");
		ASSERT_FALSE(c->usage.has_cache_read_tokens, "null details");
		ASSERT_EQ(c->n_tool_calls, 0, "empty tool_calls");
	}
	genai_call__free(c);
	c = ptest_decode("openai/compat_openrouter", true);
	if (c) {
		ASSERT_STREQ(c->provider_name, "openrouter", "provider follows host");
		ASSERT_STREQ(c->response_id, "gen-1744400000-AbCdEfGh", "id");
		ASSERT_EQ(c->usage.input_tokens, 14, "usage in a chunk with choices");
		ASSERT_EQ(c->usage.output_tokens, 5, "output");
		ptest_finish(c, "stop", "finish");
		ASSERT_STREQ(c->output_messages,
			     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Sure.\"}],\"role\":"
			     "\"assistant\",\"finish_reason\":\"stop\"}]",
			     "text");
	}
	genai_call__free(c);
}

void test_openai_responses_basic(void)
{
	struct genai_call *c = ptest_decode("openai/responses_basic", true);

	if (!c)
		return;
	ASSERT_STREQ(c->api_type, "responses", "api type");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_STREQ(c->request_model, "o4-mini", "request model");
	ASSERT_STREQ(c->response_model, "o4-mini-2025-04-16", "response model");
	ASSERT_STREQ(c->response_id, "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b", "id");
	ASSERT_STREQ(c->previous_response_id, "resp_prev123", "previous response");
	ASSERT_STREQ(c->reasoning_level, "medium", "reasoning effort");
	ASSERT_EQ(c->params.max_tokens, 4096, "max_output_tokens");
	ASSERT_EQ(c->usage.input_tokens, 5120, "input");
	ASSERT_EQ(c->usage.cache_read_tokens, 4096, "cached");
	ASSERT_EQ(c->usage.output_tokens, 812, "output");
	ASSERT_EQ(c->usage.reasoning_tokens, 640, "reasoning");
	ptest_finish(c, "stop", "completed with text");
	ASSERT_STREQ(c->system_instructions,
		     "[{\"type\":\"text\",\"content\":\"You are a coding agent.\"}"
		     "]",
		     "instructions");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hello\"}]}]",
		     "input");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"reasoning\",\"content\":\"Thinking about the greetin"
		     "g."
		     "\"},{\"type\":\"text\",\"content\":\"Hello! How can I help?\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

void test_openai_responses_custom_tool(void)
{
	struct genai_call *c = ptest_decode("openai/responses_custom_tool", true);

	if (!c)
		return;
	ASSERT_STREQ(c->conversation_id, "conv_68a1b2c3d4", "conversation");
	ASSERT_STREQ(c->output_type, "json", "json_schema output");
	if (ASSERT_EQ(c->n_tool_calls, 2, "two calls")) {
		ptest_tool(c, 0, "call_patch01", "apply_patch",
			   "*** Begin Patch\n*** Update File: src/main.c\n@@\n-int x;\n+int y;\n"
			   "*** End Patch",
			   "custom");
		ptest_tool(c, 1, "call_shell02", "shell",
			   "{\"command\":[\"bash\",\"-lc\",\"make test\"]}", "function");
	}
	if (ASSERT_EQ(c->n_tool_results, 2, "two results after the last call")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "call_ls01", "function output");
		ASSERT_STREQ(c->tool_results[0].content, "Makefile\nsrc\n", "output text");
		ASSERT_STREQ(c->tool_results[1].call_id, "call_p0", "custom output");
		ASSERT_STREQ(c->tool_results[1].content, "error: empty patch", "custom text");
	}
	ptest_finish(c, "tool_calls", "tool calls");
	ASSERT_EQ(c->usage.input_tokens, 9000, "input");
	ASSERT_EQ(c->usage.cache_read_tokens, 8960, "cached");
	genai_call__free(c);
}

/* Regression: a response.completed event over 16 KiB is parsed. */
void test_openai_responses_stream(void)
{
	struct genai_call *c = ptest_decode("openai/responses_stream", false);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_STREQ(c->response_id, "resp_68b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4", "id");
	ASSERT_STREQ(c->response_model, "gpt-5-2025-08-07", "model");
	ASSERT_STREQ(c->reasoning_level, "low", "effort");
	ASSERT_EQ(c->usage.input_tokens, 6400, "input from completed");
	ASSERT_EQ(c->usage.cache_read_tokens, 6144, "cached");
	ASSERT_EQ(c->usage.output_tokens, 210, "output");
	ASSERT_EQ(c->usage.reasoning_tokens, 192, "reasoning");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one call"))
		ptest_tool(c, 0, "call_K7mN2pQ9rS4tU6vW", "shell",
			   "{\"command\":[\"bash\",\"-lc\",\"ls -la\"],\"workdir\":\"/repo\"}",
			   "function");
	ptest_finish(c, "tool_calls", "finish");
	/* first delta is the 5th event (reasoning summary) */
	ASSERT_EQ(c->ttft_ns, 400 * MS + 4 * 10 * MS, "ttft at the first delta");
	/* events arrive 10 ms apart from 1400 ms: the call is whole at its output_item.done (13th
	 * event), which is when an agent may run it; response.completed repeats it later */
	if (c->n_tool_calls == 1)
		ASSERT_EQ(c->tool_calls[0].ready_ns, 1400 * MS + 12 * 10 * MS, "call ready");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

void test_openai_responses_stream_cut(void)
{
	struct genai_call *c = ptest_decode("openai/responses_stream_cut", false);

	if (!c)
		return;
	ASSERT_TRUE(c->flags & GENAI_F_RESP_TRUNCATED, "truncated");
	ASSERT_STREQ(c->response_id, "resp_68b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4", "id");
	if (ASSERT_EQ(c->n_tool_calls, 1, "call from the deltas"))
		ptest_tool(c, 0, "call_K7mN2pQ9rS4tU6vW", "shell",
			   "{\"command\":[\"bash\",\"-lc\",\"ls -la\"],\"workdir\":\"/repo\"}",
			   "function");
	ASSERT_FALSE(c->usage.has_input_tokens, "usage was cut off");
	genai_call__free(c);
}

void test_openai_responses_stream_error(void)
{
	struct genai_call *c = ptest_decode("openai/responses_stream_error", false);

	if (!c)
		return;
	ASSERT_STREQ(c->response_id, "resp_fail1", "id");
	ASSERT_STREQ(c->error_type, "server_error", "error event code");
	ASSERT_STREQ(c->error_message, "The server had an error processing your request.",
		     "message");
	ASSERT_EQ(c->http_status, 200, "HTTP said 200");
	ASSERT_FALSE(c->flags & GENAI_F_INCOMPLETE, "an error ends the stream");
	genai_call__free(c);
}
