// SPDX-License-Identifier: MIT
/* test_prov_ollama.c: Ollama /api/chat and /api/generate, NDJSON and single object. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

void test_ollama_chat_stream(void)
{
	struct genai_call *c = ptest_decode("ollama/chat_stream_tools", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "ollama", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_STREQ(c->request_model, "llama3.2", "model");
	ASSERT_STREQ(c->response_model, "llama3.2", "response model");
	ASSERT_NULL(c->response_id, "no id in Ollama");
	ASSERT_TRUE(c->streaming, "stream defaults to true");
	ASSERT_EQ(c->ttft_ns, 400 * MS, "ttft");
	ASSERT_EQ(c->server_port, 11434, "port");
	ASSERT_EQ(c->usage.input_tokens, 169, "prompt_eval_count");
	ASSERT_EQ(c->usage.output_tokens, 25, "eval_count");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.1, "temperature");
	ASSERT_EQ(c->params.max_tokens, 128, "num_predict");
	ASSERT_EQ(c->params.top_k, 20, "top_k");
	ASSERT_EQ(c->params.seed, 3, "seed");
	ptest_finish(c, "stop", "done_reason");
	if (ASSERT_EQ(c->n_tool_calls, 1, "tool call"))
		ptest_tool(c, 0, NULL, "get_current_weather", "{\"location\":\"Toronto\"}",
			   "function");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

void test_ollama_chat_nostream(void)
{
	struct genai_call *c = ptest_decode("ollama/chat_nostream", true);

	if (!c)
		return;
	ASSERT_FALSE(c->streaming, "stream false");
	ASSERT_FALSE(c->has_ttft, "no ttft");
	ASSERT_EQ(c->usage.input_tokens, 26, "input");
	ASSERT_EQ(c->usage.output_tokens, 298, "output");
	if (ASSERT_EQ(c->n_tool_results, 1, "tool result")) {
		ASSERT_NULL(c->tool_results[0].call_id, "no id");
		ASSERT_STREQ(c->tool_results[0].name, "search", "tool_name");
		ASSERT_STREQ(c->tool_results[0].content, "Rayleigh scattering", "content");
	}
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"reasoning\",\"content\":\"The tool said Rayleigh.\"}"
		     ","
		     "{\"type\":\"text\",\"content\":\"Because of Rayleigh scattering.\"}],\"role\""
		     ":"
		     "\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

void test_ollama_generate(void)
{
	struct genai_call *c = ptest_decode("ollama/generate_stream", true);

	if (!c)
		return;
	ASSERT_STREQ(c->operation, "text_completion", "generate");
	ASSERT_STREQ(c->provider_name, "ollama", "provider by port");
	ptest_finish(c, "length", "length");
	ASSERT_EQ(c->usage.output_tokens, 259, "output");
	ASSERT_STREQ(c->system_instructions,
		     "[{\"type\":\"text\",\"content\":\"Answer in one line.\"}]", "system");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Why is the sk"
		     "y "
		     "blue?\"}]}]",
		     "prompt");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Rayleigh.\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"length\"}]",
		     "output");
	genai_call__free(c);
}

void test_ollama_error(void)
{
	struct genai_call *c = ptest_decode("ollama/chat_error", false);

	if (!c)
		return;
	ASSERT_EQ(c->http_status, 404, "status");
	ASSERT_STREQ(c->error_type, "404", "status as type");
	ASSERT_STREQ(c->error_message, "model \"nope\" not found, try pulling it first", "msg");
	genai_call__free(c);
}
