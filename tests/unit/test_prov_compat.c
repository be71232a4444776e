// SPDX-License-Identifier: MIT
/* test_prov_compat.c: usage variants of OpenAI-compatible servers, provider from the host. */
#include <stdlib.h>
#include <string.h>

#include "prov_test.h"
#include "test.h"

/* Groq streams its usage only in x_groq.usage of the last chunk. */
void test_compat_groq_stream(void)
{
	struct genai_call *c = ptest_decode("openai/groq_stream", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "groq", "provider");
	ASSERT_STREQ(c->response_model, "llama-3.3-70b-versatile", "model");
	ASSERT_TRUE(c->usage.has_input_tokens, "usage found");
	ASSERT_EQ(c->usage.input_tokens, 37, "x_groq prompt_tokens");
	ASSERT_EQ(c->usage.output_tokens, 3, "x_groq completion_tokens");
	ptest_finish(c, "stop", "finish");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Hi!\"}],\"role\":\"assistant\","
		     "\"finish_reason\":\"stop\"}]",
		     "text");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

/* DeepSeek: prompt_tokens holds hits and misses; the hits are the cache reads. */
void test_compat_deepseek_cache(void)
{
	struct genai_call *c = ptest_decode("openai/deepseek_cache", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "deepseek", "provider");
	ASSERT_EQ(c->usage.input_tokens, 64, "input: hits + misses");
	ASSERT_EQ(c->usage.cache_read_tokens, 48, "prompt_cache_hit_tokens, not details' 0");
	ASSERT_EQ(c->usage.output_tokens, 210, "output includes reasoning");
	ASSERT_EQ(c->usage.reasoning_tokens, 198, "reasoning");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"reasoning\",\"content\":\"Compare 0.11 and 0.80.\"},"
		     "{\"type\":\"text\",\"content\":\"9.8 is larger.\"}],\"role\":\"assistant\","
		     "\"finish_reason\":\"stop\"}]",
		     "reasoning_content");
	genai_call__free(c);
}

void test_compat_openrouter_cost(void)
{
	struct genai_call *c = ptest_decode("openai/openrouter_cost", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "openrouter", "provider");
	ASSERT_STREQ(c->response_model, "openai/gpt-4o-mini", "model");
	ASSERT_EQ(c->usage.input_tokens, 12, "input");
	ASSERT_EQ(c->usage.output_tokens, 2, "output");
	ASSERT_TRUE(c->usage.has_cost, "cost");
	ASSERT_DOUBLE_EQ(c->usage.cost, 0.000003, "cost value");
	ASSERT_EQ(c->usage.cache_read_tokens, 0, "cached 0");
	genai_call__free(c);
	c = ptest_decode("openai/chat_basic", false);
	if (c)
		ASSERT_FALSE(c->usage.has_cost, "OpenAI says no cost");
	genai_call__free(c);
}

void test_compat_mistral_stream_tools(void)
{
	struct genai_call *c = ptest_decode("openai/mistral_stream_tools", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "mistral_ai", "provider");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one call"))
		ptest_tool(c, 0, "D681PevKs", "get_weather", "{\"city\": \"Paris\"}", "function");
	ASSERT_EQ(c->usage.input_tokens, 78, "usage beside the finish");
	ASSERT_EQ(c->usage.output_tokens, 21, "output");
	ptest_finish(c, "tool_calls", "finish");
	ASSERT_EQ(c->flags, 0, "complete");
	genai_call__free(c);
}

/* xAI's total is prompt + completion + reasoning: output tokens include reasoning ones. */
void test_compat_xai_reasoning(void)
{
	struct genai_call *c = ptest_decode("openai/xai_reasoning", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "x_ai", "provider");
	ASSERT_EQ(c->usage.input_tokens, 32, "input");
	ASSERT_EQ(c->usage.output_tokens, 103, "output: completion 9 + reasoning 94");
	ASSERT_EQ(c->usage.reasoning_tokens, 94, "reasoning");
	ASSERT_EQ(c->usage.cache_read_tokens, 6, "cached");
	ASSERT_STREQ(c->reasoning_level, "low", "reasoning effort");
	genai_call__free(c);
}

/* Together repeats each delta's text as the choice's "text": counted once. */
void test_compat_together_stream(void)
{
	struct genai_call *c = ptest_decode("openai/together_stream", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "together", "provider");
	ASSERT_EQ(c->usage.input_tokens, 40, "input");
	ASSERT_EQ(c->usage.output_tokens, 4, "output");
	ASSERT_STREQ(
		c->output_messages,
		"[{\"parts\":[{\"type\":\"text\",\"content\":\"1, 2\"}],\"role\":\"assistant\","
		"\"finish_reason\":\"stop\"}]",
		"text once");
	genai_call__free(c);
}

void test_compat_fireworks(void)
{
	struct genai_call *c = ptest_decode("openai/fireworks_basic", false);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "fireworks", "provider");
	ASSERT_STREQ(c->request_model, "accounts/fireworks/models/llama-v3p1-8b-instruct", "model");
	ASSERT_EQ(c->usage.input_tokens, 11, "input");
	ASSERT_EQ(c->usage.output_tokens, 3, "output");
	ASSERT_EQ(c->usage.cache_read_tokens, 8, "cached");
	ASSERT_EQ(c->params.max_tokens, 8, "max tokens");
	genai_call__free(c);
}
