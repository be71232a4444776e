// SPDX-License-Identifier: MIT
/* test_prov_generic.c: model calls on APIs no decoder knows, and ordinary JSON APIs that stay HTTP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

void test_generic_json(void)
{
	struct genai_call *c = ptest_decode("generic/unknown_json", true);

	if (!c)
		return;
	ASSERT_STREQ(c->decode, "generic", "flagged generic");
	ASSERT_STREQ(c->provider_name, "unknown", "unknown host");
	ASSERT_STREQ(c->operation, "chat", "messages: chat");
	ASSERT_NULL(c->api_type, "no openai api type");
	ASSERT_STREQ(c->request_model, "acme-large-2", "request model");
	ASSERT_STREQ(c->response_model, "acme-large-2-0601", "response model");
	ASSERT_STREQ(c->response_id, "inf-7f3a9c", "id");
	ASSERT_EQ(c->usage.input_tokens, 21, "inputTokens");
	ASSERT_EQ(c->usage.output_tokens, 3, "outputTokens");
	ASSERT_TRUE(c->usage.has_cache_read_tokens, "cache read");
	ASSERT_EQ(c->usage.cache_read_tokens, 16, "cacheReadInputTokens");
	ASSERT_EQ(c->params.max_tokens, 128, "max_new_tokens");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.1, "temperature");
	ptest_finish(c, "end_turn", "stop_reason");
	ASSERT_STREQ(c->server_address, "llm.internal.example", "server");
	ASSERT_EQ(c->server_port, 8443, "port");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_EQ(c->flags, 0, "flags");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are ter"
		     "se.\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Name "
		     "a colour.\"}]}]",
		     "input messages");
	ASSERT_STREQ(
		c->output_messages,
		"[{\"parts\":[{\"type\":\"text\",\"content\":\"Teal.\"}],\"role\":\"assistant\","
		"\"finish_reason\":\"stop\"}]",
		"output text");
	genai_call__free(c);
}

void test_generic_sse(void)
{
	struct genai_call *c = ptest_decode("generic/unknown_sse", true);

	if (!c)
		return;
	ASSERT_STREQ(c->decode, "generic", "flagged generic");
	ASSERT_STREQ(c->operation, "text_completion", "prompt: text completion");
	ASSERT_STREQ(c->request_model, "tiny-story-1b", "model");
	ASSERT_NULL(c->response_model, "none in the response");
	ASSERT_STREQ(c->response_id, "gen-1", "id");
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_EQ(c->ttft_ns, 400 * MS, "first event");
	ASSERT_EQ(c->usage.input_tokens, 9, "prompt_tokens");
	ASSERT_EQ(c->usage.output_tokens, 3, "completion_tokens");
	ASSERT_EQ(c->params.max_tokens, 3, "max tokens");
	ptest_finish(c, "length", "finish");
	ASSERT_EQ(c->flags, 0, "ended");
	ASSERT_STREQ(
		c->input_messages,
		"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Tell a story\""
		"}]}]",
		"prompt as input");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Once upon a time\"}],\"role\":"
		     "\"assistant\",\"finish_reason\":\"length\"}]",
		     "token texts merged");
	genai_call__free(c);
}

void test_generic_ndjson_tools(void)
{
	struct genai_call *c = ptest_decode("generic/unknown_ndjson_tools", false);

	if (!c)
		return;
	ASSERT_STREQ(c->decode, "generic", "flagged generic");
	ASSERT_STREQ(c->operation, "chat", "contents: chat");
	ASSERT_STREQ(c->request_model, "edge-agent-7b", "model");
	ASSERT_STREQ(c->response_model, "edge-agent-7b", "response model");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one call")) {
		ptest_tool(c, 0, "call_run_1", "run_shell", "{\"cmd\":\"ls /tmp\"}", "function");
		ASSERT_EQ(c->tool_calls[0].ready_ns, T_FIRST_BODY + T_EVENT_STEP, "its last piece");
	}
	ASSERT_EQ(c->usage.input_tokens, 120, "billed_units input");
	ASSERT_EQ(c->usage.output_tokens, 17, "billed_units output");
	ptest_finish(c, "tool_calls", "finish");
	ASSERT_EQ(c->flags, 0, "ended: done");
	genai_call__free(c);
}

/* No model in the request: the response's token counts are the evidence. */
void test_generic_usage_only(void)
{
	struct genai_call *c = ptest_decode("generic/usage_only", true);

	if (!c)
		return;
	ASSERT_STREQ(c->decode, "generic", "flagged generic");
	ASSERT_NULL(c->request_model, "no model");
	ASSERT_EQ(c->usage.input_tokens, 40, "input");
	ASSERT_EQ(c->usage.output_tokens, 6, "output");
	ASSERT_NULL(c->output_messages, "result: no known text field");
	genai_call__free(c);
}

void test_generic_tool_result(void)
{
	struct genai_call *c = ptest_decode("generic/tool_result", true);

	if (!c)
		return;
	if (ASSERT_EQ(c->n_tool_results, 1, "the latest result")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "tu_1", "call id");
		ASSERT_STREQ(c->tool_results[0].content, "3C", "content");
	}
	if (ASSERT_EQ(c->n_tool_calls, 1, "block tool call"))
		ptest_tool(c, 0, "tu_2", "get_time", "{\"tz\":\"CET\"}", "function");
	ASSERT_EQ(c->usage.input_tokens, 50, "input");
	genai_call__free(c);
}

/* Ordinary JSON APIs stay plain HTTP: no model call evidence in their bodies. */
void test_generic_not_llm(void)
{
	static const char *const dirs[] = {
		"generic/not_github",  "generic/not_npm",	 "generic/not_count_tokens",
		"generic/not_jsonrpc", "generic/not_model_name", "openai/compat_not_llm",
	};
	struct genai_call *c = NULL;
	struct http_exchange *x;
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		x = ptest_fixture(dirs[i], &ok);
		if (ASSERT_TRUE(ok, dirs[i]))
			ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, dirs[i]);
		ASSERT_NULL(c, "no call");
		http_exchange__free(x);
	}
}

struct generic_case {
	const char *host, *target, *method, *req, *resp;
	const char *provider, *operation; /* NULL: not an LLM call */
};

static const struct generic_case generic_cases[] = {
	/* the host names the provider of an API path we do not know */
	{ "api.perplexity.ai", "/v2/async/sonar", "POST",
	  "{\"model\":\"sonar\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "{}",
	  "perplexity", "chat" },
	{ "localhost:11434", "/api/embed", "POST", "{\"model\":\"nomic\",\"input\":\"x\"}", "{}",
	  "ollama", "embeddings" },
	{ "ai.example", "/v1/models/x/generateContent", "POST",
	  "{\"modelId\":\"x\",\"input\":[\"a\"]}", "{}", "unknown", "generate_content" },
	/* no evidence */
	{ "ai.example", "/v1/chat", "POST", "{\"model\":\"x\"}", "{\"usage\":{\"input_tokens\":1}}",
	  NULL, NULL },
	{ "ai.example", "/v1/chat", "POST", "{\"model\":\"x\",\"messages\":[]}", "{}", NULL, NULL },
	{ "ai.example", "/v1/chat", "POST", "{\"model\":\"\",\"prompt\":\"p\"}", "{}", NULL, NULL },
	{ "ai.example", "/v1/chat", "POST", "[{\"model\":\"x\",\"prompt\":\"p\"}]", "{}", NULL,
	  NULL },
	{ "ai.example", "/v1/chat", "PUT", "{\"model\":\"x\",\"prompt\":\"p\"}", "{}", NULL, NULL },
	{ "ai.example", "/v1/tokenize", "POST", "{\"model\":\"x\",\"prompt\":\"p\"}", "{}", NULL,
	  NULL },
	{ "ai.example", "/x:countTokens", "POST", "{\"model\":\"x\",\"contents\":[1]}", "{}", NULL,
	  NULL },
	/* counts deeper than the walk goes are no evidence; at its depth they are */
	{ "ai.example", "/run", "POST", "{\"q\":1}",
	  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"output_tokens\":1}}}}}}}}", NULL,
	  NULL },
	{ "ai.example", "/run", "POST", "{\"q\":1}",
	  "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"output_tokens\":1}}}}}}}", "unknown",
	  "chat" },
};

void test_generic_detect(void)
{
	struct genai_call *c;
	size_t i;
	int err;

	for (i = 0; i < sizeof(generic_cases) / sizeof(generic_cases[0]); i++) {
		const struct generic_case *g = &generic_cases[i];
		struct http_exchange *x = ptest_exchange(g->host, g->target, 200, g->req,
							 strlen(g->req), g->resp, strlen(g->resp),
							 HTTP_BODY_PLAIN);

		free(x->method);
		x->method = strdup(g->method);
		c = NULL;
		err = provider_decode(x, NULL, &c);
		if (!g->provider) {
			ASSERT_EQ(err, -ENOENT, g->req);
		} else if (ASSERT_OK(err, g->target)) {
			ASSERT_STREQ(c->provider_name, g->provider, g->target);
			ASSERT_STREQ(c->operation, g->operation, g->target);
			ASSERT_STREQ(c->decode, "generic", g->target);
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}

/* A plain body holding NDJSON lines is split as a stream; a server-side exchange is not ours. */
void test_generic_plain_ndjson(void)
{
	struct genai_call *c = NULL;
	struct http_exchange *x;
	bool ok;

	x = ptest_fixture("generic/unknown_ndjson_tools", &ok);
	if (!ASSERT_TRUE(ok, "fixture"))
		return;
	http_message__clear(&x->resp);
	x->resp.kind = HTTP_BODY_PLAIN;
	x->resp.body = (unsigned char *)strdup(
		"{\"model\":\"m\",\"delta\":{\"content\":\"a\"}}\n"
		"{\"model\":\"m\",\"done\":true,\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1}}\n");
	x->resp.body_len = strlen((char *)x->resp.body);
	if (ASSERT_OK(provider_decode(x, NULL, &c), "decode")) {
		ASSERT_TRUE(c->streaming, "split as a stream");
		ASSERT_EQ(c->usage.input_tokens, 4, "last line's usage");
		ASSERT_EQ(c->usage.output_tokens, 1, "output");
	}
	genai_call__free(c);
	c = NULL;
	x->flags |= HTTP_X_SERVER_SIDE;
	ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, "server side");
	http_exchange__free(x);
}
