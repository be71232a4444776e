// SPDX-License-Identifier: MIT
/* test_prov_anthropic.c: Anthropic Messages API, JSON and SSE. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

void test_anthropic_basic(void)
{
	struct genai_call *c = ptest_decode("anthropic/messages_basic", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "anthropic", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_NULL(c->api_type, "no openai api type");
	ASSERT_STREQ(c->request_model, "claude-sonnet-4-5", "request model");
	ASSERT_STREQ(c->response_model, "claude-sonnet-4-5-20250929", "response model");
	ASSERT_STREQ(c->response_id, "msg_01XFDUDYJgAACzvnptvVoYEL", "id");
	ptest_finish(c, "end_turn", "native finish");
	/* 12 uncached + 2200 read + 1500 written */
	ASSERT_EQ(c->usage.input_tokens, 3712, "input includes cache");
	ASSERT_EQ(c->usage.cache_read_tokens, 2200, "cache read");
	ASSERT_EQ(c->usage.cache_write_tokens, 1500, "cache creation");
	ASSERT_EQ(c->usage.output_tokens, 9, "output");
	ASSERT_FALSE(c->usage.has_reasoning_tokens, "no reasoning count");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.7, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.95, "top_p");
	ASSERT_EQ(c->params.top_k, 40, "top_k");
	ASSERT_EQ(c->params.max_tokens, 1024, "max_tokens");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "END", "stop value");
	ASSERT_STREQ(c->service_tier, "standard", "tier");
	ASSERT_STREQ(c->system_instructions,
		     "[{\"type\":\"text\",\"content\":\"You are Claude Code.\"}]", "system");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Hello, Claud"
		     "e\"}]}]",
		     "input");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Hi! My name is Claude.\"}],"
		     "\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

void test_anthropic_stream_tools(void)
{
	struct genai_call *c = ptest_decode("anthropic/messages_stream_tools", true);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_STREQ(c->request_model, "claude-opus-4-1", "request model (?beta=true path)");
	ASSERT_STREQ(c->response_model, "claude-opus-4-1-20250805", "model");
	ASSERT_STREQ(c->response_id, "msg_014p7gG3wDgGV9EUtLvnow3U", "id");
	ASSERT_EQ(c->usage.input_tokens, 4 + 310 + 18250, "input = uncached + cache");
	ASSERT_EQ(c->usage.cache_read_tokens, 18250, "read");
	ASSERT_EQ(c->usage.cache_write_tokens, 310, "creation");
	ASSERT_EQ(c->usage.output_tokens, 89, "output from message_delta");
	ptest_finish(c, "tool_use", "finish");
	if (ASSERT_EQ(c->n_tool_calls, 2, "two tool calls")) {
		/* input_json_delta fragments joined; no input at all is {} */
		ptest_tool(c, 0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "Bash",
			   "{\"command\": \"ls /tmp\", \"description\": \"List files\"}",
			   "function");
		ptest_tool(c, 1, "toolu_01NoArgs9x8y7z6w5v4u3t2s", "TodoRead", "{}", "function");
	}
	/* the Bash call's last input_json_delta is event 14; the second call has only its start
	 * (event 16): events arrive 10 ms apart from 1400 ms */
	if (c->n_tool_calls == 2) {
		ASSERT_EQ(c->tool_calls[0].ready_ns, 1400 * MS + 14 * 10 * MS, "Bash ready");
		ASSERT_EQ(c->tool_calls[1].ready_ns, 1400 * MS + 16 * 10 * MS, "second ready");
	}
	/* message_start is event 0, ping 1, first content_block_start 2 */
	ASSERT_EQ(c->ttft_ns, 400 * MS + 20 * MS, "ttft at the first content block");
	ASSERT_STREQ(c->system_instructions,
		     "[{\"type\":\"text\",\"content\":\"You are Claude Code, Anthropic's official "
		     "CLI.\"}]",
		     "system string");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"reasoning\",\"content\":\"I should list the "
		     "directory.\"},{\"type\":\"text\",\"content\":\"Let me check the files.\"},"
		     "{\"type\":\"tool_call\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":"
		     "\"Bash\",\"arguments\":{\"command\":\"ls /tmp\",\"description\":\"List file"
		     "s\"}},"
		     "{\"type\":\"tool_call\",\"id\":\"toolu_01NoArgs9x8y7z6w5v4u3t2s\",\"name\":"
		     "\"TodoRead\",\"arguments\":{}}],\"role\":\"assistant\",\"finish_reason\":"
		     "\"tool_call\"}]",
		     "output");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

void test_anthropic_tool_result(void)
{
	struct genai_call *c = ptest_decode("anthropic/messages_tool_result", true);

	if (!c)
		return;
	/* toolu_old's result belongs to an earlier turn */
	if (ASSERT_EQ(c->n_tool_results, 2, "results of the latest turn")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "toolu_01A09q90qw90lq917835lq9", "id");
		ASSERT_TRUE(c->tool_results[0].is_error, "is_error");
		ASSERT_STREQ(c->tool_results[0].content,
			     "ls: cannot access '/nope': No such file or directory", "content");
		ASSERT_STREQ(c->tool_results[1].call_id, "toolu_01B", "id 2");
		ASSERT_FALSE(c->tool_results[1].is_error, "not error");
		ASSERT_STREQ(c->tool_results[1].content,
			     "[{\"type\":\"text\",\"text\":\"root:x:0:0\"}"
			     "]",
			     "block content as JSON");
	}
	ASSERT_EQ(c->usage.input_tokens, 310, "zero cache");
	ASSERT_TRUE(c->usage.has_cache_read_tokens, "reported zero is present");
	ASSERT_EQ(c->usage.cache_read_tokens, 0, "zero");
	ASSERT_TRUE(
		c->input_messages &&
			strstr(c->input_messages,
			       "{\"role\":\"tool\",\"parts\":[{\"type\":"
			       "\"tool_call_response\",\"id\":\"toolu_old\",\"response\":\"/home\"}]}"),
		"tool turn in input");
	genai_call__free(c);
}

void test_anthropic_errors(void)
{
	struct genai_call *c = ptest_decode("anthropic/messages_stream_error", true);

	if (c) {
		ASSERT_EQ(c->http_status, 200, "200");
		ASSERT_STREQ(c->error_type, "overloaded_error", "error event");
		ASSERT_STREQ(c->error_message, "Overloaded", "message");
		ASSERT_STREQ(c->response_id, "msg_01Over", "id from message_start");
		ASSERT_EQ(c->usage.input_tokens, 25, "input");
		ASSERT_FALSE(c->flags & GENAI_F_INCOMPLETE, "ended by the error");
		ASSERT_EQ(c->n_finish_reasons, 0, "no finish");
	}
	genai_call__free(c);
	c = ptest_decode("anthropic/messages_error_429", false);
	if (c) {
		ASSERT_EQ(c->http_status, 429, "429");
		ASSERT_STREQ(c->error_type, "rate_limit_error", "type");
		ASSERT_NULL(c->response_id, "no id");
	}
	genai_call__free(c);
}

void test_anthropic_proxy(void)
{
	struct genai_call *c = ptest_decode("anthropic/proxy_litellm", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "anthropic", "anthropic API on a proxy");
	ASSERT_STREQ(c->server_address, "litellm.internal", "address");
	ASSERT_EQ(c->server_port, 4000, "port");
	ptest_finish(c, "max_tokens", "finish");
	ASSERT_EQ(c->usage.input_tokens, 8, "input without cache fields");
	ASSERT_FALSE(c->usage.has_cache_read_tokens, "absent");
	genai_call__free(c);
}
