// SPDX-License-Identifier: MIT
/*
 * test_prov_bedrock.c: AWS Bedrock Runtime (Converse, ConverseStream, InvokeModel with
 * Anthropic, Llama and Titan bodies, InvokeModelWithResponseStream), recorded with the
 * @aws-sdk/client-bedrock-runtime SDK; its event streams through the body reader split at
 * every byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_reader.h"
#include "prov_internal.h"
#include "prov_test.h"
#include "test.h"

/* The values the SDK itself parsed from these bodies (tools/record_bedrock.mjs prints them). */
void test_bedrock_converse_tools(void)
{
	struct genai_call *c = ptest_decode("bedrock/converse_tools", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "aws.bedrock", "provider");
	ASSERT_STREQ(c->system, "aws.bedrock", "legacy system");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_NULL(c->decode, "a known API");
	ASSERT_STREQ(c->request_model, "anthropic.claude-3-5-sonnet-20240620-v1:0",
		     "model id URL-decoded");
	ASSERT_NULL(c->response_model, "Converse names no model in the response");
	ptest_finish(c, "tool_use", "finish");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one tool call"))
		ptest_tool(c, 0, "tooluse_1kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather",
			   "{\"location\":\"Toronto\"}", "function");
	ASSERT_EQ(c->usage.input_tokens, 101, "input");
	ASSERT_EQ(c->usage.output_tokens, 11, "output");
	ASSERT_FALSE(c->usage.has_cache_read_tokens, "no cache");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.3, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.9, "topP");
	ASSERT_EQ(c->params.max_tokens, 300, "maxTokens");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "END", "stop value");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_EQ(c->flags, 0, "flags");
	ASSERT_STREQ(c->server_address, "bedrock-runtime.us-east-1.amazonaws.com", "server");
	ASSERT_STREQ(c->system_instructions, "[{\"type\":\"text\",\"content\":\"You are terse.\"}]",
		     "system");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Weather in T"
		     "oronto?\"}]}]",
		     "input messages");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Let me check.\"},{\"type\":\"to"
		     "ol_call\",\"id\":\"tooluse_1kZJMlvQmRJ6eAyJE5GIl7Q\",\"name\":\"get_weather"
		     "\",\"arguments\":{\"location\":\"Toronto\"}}],\"role\":\"assistant\",\"finis"
		     "h_reason\":\"tool_call\"}]",
		     "output: text and call");
	ASSERT_STREQ(c->tool_definitions,
		     "[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather of"
		     " a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{"
		     "\"type\":\"string\"}},\"required\":[\"location\"]}}]",
		     "tool definitions");
	genai_call__free(c);
}

/* An inference profile ARN as the model; cached tokens count in the input. */
void test_bedrock_converse_tool_result(void)
{
	struct genai_call *c = ptest_decode("bedrock/converse_tool_result", true);

	if (!c)
		return;
	ASSERT_STREQ(c->request_model,
		     "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.cl"
		     "aude-3-5-sonnet-20241022-v2:0",
		     "ARN URL-decoded");
	if (ASSERT_EQ(c->n_tool_results, 1, "one result")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "tooluse_1kZJMlvQmRJ6eAyJE5GIl7Q",
			     "call id");
		ASSERT_STREQ(c->tool_results[0].content, "[{\"json\":{\"temperature\":\"24C\"}}]",
			     "result content");
	}
	ptest_finish(c, "end_turn", "finish");
	ASSERT_EQ(c->usage.input_tokens, 52 + 1100, "input with the cache read");
	ASSERT_EQ(c->usage.cache_read_tokens, 1100, "cache read");
	ASSERT_EQ(c->usage.cache_write_tokens, 0, "cache write");
	ASSERT_EQ(c->usage.output_tokens, 9, "output");
	ASSERT_EQ(c->n_tool_calls, 0, "no calls");
	genai_call__free(c);
}

void test_bedrock_converse_stream(void)
{
	struct genai_call *c = ptest_decode("bedrock/converse_stream_tools", true);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_STREQ(c->request_model, "anthropic.claude-3-5-sonnet-20240620-v1:0", "model");
	ASSERT_TRUE(c->has_ttft, "ttft");
	ASSERT_EQ(c->ttft_ns, 400 * MS + T_EVENT_STEP, "first chunk: the first text delta");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one call")) {
		ptest_tool(c, 0, "tooluse_3kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather",
			   "{\"location\":\"Toronto\"}", "function");
		ASSERT_EQ(c->tool_calls[0].ready_ns, T_FIRST_BODY + 6 * T_EVENT_STEP,
			  "ready at its last delta");
	}
	ptest_finish(c, "tool_use", "finish");
	ASSERT_EQ(c->usage.input_tokens, 103, "input");
	ASSERT_EQ(c->usage.output_tokens, 13, "output");
	ASSERT_EQ(c->params.max_tokens, 512, "maxTokens");
	ASSERT_EQ(c->flags, 0, "complete");
	ASSERT_TRUE(c->output_messages &&
			    strstr(c->output_messages, "\"content\":\"Let me check.\""),
		    "text deltas merged");
	genai_call__free(c);
}

/* An exception message in the stream: the call's error, what came before it kept. */
void test_bedrock_converse_stream_error(void)
{
	struct genai_call *c = ptest_decode("bedrock/converse_stream_error", true);

	if (!c)
		return;
	ASSERT_STREQ(c->request_model, "meta.llama3-70b-instruct-v1:0", "model");
	ASSERT_STREQ(c->error_type, "ModelStreamErrorException", "error type: as the SDK names it");
	ASSERT_STREQ(c->error_message, "Model stream error: the model stopped.", "message");
	ASSERT_FALSE(c->flags & GENAI_F_INCOMPLETE, "ended by its error, not cut");
	ASSERT_TRUE(c->output_messages && strstr(c->output_messages, "\"content\":\"Partial\""),
		    "partial text");
	genai_call__free(c);
}

void test_bedrock_converse_error(void)
{
	struct genai_call *c = ptest_decode("bedrock/converse_error_400", false);

	if (!c)
		return;
	ASSERT_EQ(c->http_status, 400, "status");
	ASSERT_STREQ(c->request_model, "anthropic.claude-nope", "model");
	ASSERT_STREQ(c->error_message, "The provided model identifier is invalid.", "message");
	ASSERT_STREQ(c->error_type, "ValidationException", "type: x-amzn-errortype up to ':'");
	genai_call__free(c);
}

void test_bedrock_invoke_anthropic(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_anthropic", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "aws.bedrock", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_STREQ(c->request_model, "anthropic.claude-3-5-sonnet-20240620-v1:0",
		     "model from the path");
	ASSERT_STREQ(c->response_model, "claude-3-5-sonnet-20241022", "response model");
	ASSERT_STREQ(c->response_id, "msg_bdrk_014XFDUDYJgAACzvnptvVoYEL", "id");
	ASSERT_EQ(c->usage.input_tokens, 24, "input");
	ASSERT_EQ(c->usage.output_tokens, 9, "output");
	ASSERT_EQ(c->params.max_tokens, 256, "max tokens");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.5, "temperature");
	ptest_finish(c, "end_turn", "finish");
	ASSERT_FALSE(c->streaming, "not streaming");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\"Hello from Claude on Bedrock."
		     "\"}],\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

void test_bedrock_invoke_stream_anthropic(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_stream_anthropic", true);

	if (!c)
		return;
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_STREQ(c->response_id, "msg_bdrk_015StreamJgAACzvnptvVoYEL", "id");
	ASSERT_STREQ(c->response_model, "claude-3-5-sonnet-20241022", "response model");
	ASSERT_EQ(c->usage.input_tokens, 31, "input");
	ASSERT_EQ(c->usage.output_tokens, 42, "output");
	ASSERT_EQ(c->ttft_ns, 400 * MS + T_EVENT_STEP, "first chunk: the text block's start");
	if (ASSERT_EQ(c->n_tool_calls, 1, "one call"))
		ptest_tool(c, 0, "toolu_bdrk_01A09q90qw90lq917835lq9", "get_weather",
			   "{\"location\": \"Oslo\"}", "function");
	ptest_finish(c, "tool_use", "finish");
	ASSERT_EQ(c->flags, 0, "complete");
	ASSERT_TRUE(c->output_messages &&
			    strstr(c->output_messages, "\"content\":\"Hello there.\""),
		    "text");
	genai_call__free(c);
}

void test_bedrock_invoke_llama(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_llama", true);

	if (!c)
		return;
	ASSERT_STREQ(c->operation, "text_completion", "operation");
	ASSERT_STREQ(c->request_model, "meta.llama3-8b-instruct-v1:0", "model");
	ASSERT_EQ(c->usage.input_tokens, 18, "input");
	ASSERT_EQ(c->usage.output_tokens, 8, "output");
	ASSERT_EQ(c->params.max_tokens, 64, "max_gen_len");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0.2, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 0.9, "top_p");
	ptest_finish(c, "stop", "finish");
	ASSERT_STREQ(c->output_messages,
		     "[{\"parts\":[{\"type\":\"text\",\"content\":\" Paris is the capital of Fran"
		     "ce.\"}],\"role\":\"assistant\",\"finish_reason\":\"stop\"}]",
		     "output");
	genai_call__free(c);
}

void test_bedrock_invoke_stream_llama(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_stream_llama", true);

	if (!c)
		return;
	ASSERT_STREQ(c->operation, "text_completion", "operation");
	ASSERT_TRUE(c->streaming, "streaming");
	ASSERT_EQ(c->usage.input_tokens, 18, "input");
	ASSERT_EQ(c->usage.output_tokens, 6, "output: the last running total");
	ASSERT_EQ(c->ttft_ns, 400 * MS, "first chunk");
	ptest_finish(c, "length", "finish");
	ASSERT_EQ(c->flags, 0, "complete");
	ASSERT_TRUE(c->output_messages &&
			    strstr(c->output_messages, "\"content\":\" Paris is the capital.\""),
		    "text");
	genai_call__free(c);
}

void test_bedrock_invoke_titan(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_titan", true);

	if (!c)
		return;
	ASSERT_STREQ(c->operation, "text_completion", "operation");
	ASSERT_STREQ(c->request_model, "amazon.titan-text-express-v1", "model");
	ASSERT_EQ(c->usage.input_tokens, 12, "input");
	ASSERT_EQ(c->usage.output_tokens, 7, "output");
	ASSERT_EQ(c->params.max_tokens, 50, "maxTokenCount");
	ASSERT_DOUBLE_EQ(c->params.temperature, 0, "temperature");
	ASSERT_DOUBLE_EQ(c->params.top_p, 1, "topP");
	if (ASSERT_EQ(c->params.n_stop_sequences, 1, "stop"))
		ASSERT_STREQ(c->params.stop_sequences[0], "User:", "stop value");
	ptest_finish(c, "FINISH", "finish");
	ASSERT_STREQ(c->input_messages,
		     "[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"Say hello in"
		     " French.\"}]}]",
		     "input");
	genai_call__free(c);
}

/* An exception ends an InvokeModelWithResponseStream: the error, not a cut stream. */
void test_bedrock_invoke_stream_error(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_stream_error", true);

	if (!c)
		return;
	ASSERT_STREQ(c->error_type, "ThrottlingException", "error type: as the SDK names it");
	ASSERT_STREQ(c->error_message, "Too many requests, please wait before trying again.",
		     "message");
	ASSERT_FALSE(c->flags & GENAI_F_INCOMPLETE, "ended by its error");
	ASSERT_EQ(c->usage.input_tokens, 31, "input from message_start");
	ASSERT_TRUE(c->output_messages && strstr(c->output_messages, "\"content\":\"Hello\""),
		    "the text before it");
	genai_call__free(c);
}

void test_bedrock_invoke_titan_embed(void)
{
	struct genai_call *c = ptest_decode("bedrock/invoke_titan_embed", false);

	if (!c)
		return;
	ASSERT_STREQ(c->operation, "embeddings", "operation");
	ASSERT_STREQ(c->request_model, "amazon.titan-embed-text-v2:0", "model");
	ASSERT_EQ(c->usage.input_tokens, 6, "input");
	ASSERT_FALSE(c->usage.has_output_tokens, "no output tokens");
	genai_call__free(c);
}

/* Detection: Bedrock's hosts and paths; other /model/ paths are not it. */
void test_bedrock_detect(void)
{
	static const struct {
		const char *host, *target;
		bool llm;
	} cases[] = {
		{ "bedrock-runtime.us-east-1.amazonaws.com", "/model/m/converse", true },
		{ "bedrock-runtime-fips.us-west-2.amazonaws.com", "/model/m/invoke", true },
		{ "127.0.0.1:8080", "/model/a%2Fb/converse-stream", true },
		{ "127.0.0.1:8080", "/model/m/invoke-with-response-stream", true },
		{ "127.0.0.1:8080", "/model//converse", false },
		{ "127.0.0.1:8080", "/model/m/converse/x", false },
		{ "127.0.0.1:8080", "/models/m/converse", false },
		{ "127.0.0.1:8080", "/model/m/invoke-other", false },
	};
	struct http_exchange *x;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x = ptest_exchange(cases[i].host, cases[i].target, 200, "{}", 2, "{}", 2,
				   HTTP_BODY_PLAIN);
		ASSERT_EQ(provider_is_llm_request(x), cases[i].llm, cases[i].target);
		http_exchange__free(x);
	}
	ASSERT_TRUE(provider_is_llm_host("bedrock-runtime.eu-central-1.amazonaws.com"), "host");
	ASSERT_TRUE(provider_is_llm_host("vpce-0a1b.bedrock-runtime.eu-west-1.vpce.amazonaws.com"),
		    "vpc endpoint");
	ASSERT_FALSE(provider_is_llm_host("bedrock.us-east-1.amazonaws.com"), "control plane");
	ASSERT_FALSE(provider_is_llm_host("bedrock-runtime.example.com"), "not AWS");
}

/* ---- the event stream through the body reader, split at every byte ---- */

static const char *const streams[] = {
	"bedrock/converse_stream_tools",   "bedrock/converse_stream_error",
	"bedrock/invoke_stream_anthropic", "bedrock/invoke_stream_llama",
	"bedrock/invoke_stream_error",
};

/* resp[0..len) fed to a body reader at cut (and, one_by_one, byte by byte) as the response. */
static int read_body(struct http_exchange *x, const unsigned char *resp, size_t len, size_t cut,
		     bool one_by_one)
{
	struct body_limits lim = { 1 << 24, 1 << 20, 10000 };
	struct body_reader r;
	size_t i;
	int err;

	http_message__clear(&x->resp);
	http_headers_add(&x->resp.headers, "content-type", 12, "application/vnd.amazon.eventstream",
			 34);
	err = body_reader__init(&r, &x->resp, &lim, NULL);
	if (one_by_one) {
		for (i = 0; i < len && !err; i++)
			err = body_reader__feed(&r, resp + i, 1, T_FIRST_BODY + i);
	} else {
		err = body_reader__feed(&r, resp, cut, T_FIRST_BODY);
		err = err ?: body_reader__feed(&r, resp + cut, len - cut, T_FIRST_BODY + 1);
	}
	err = err ?: body_reader__finish(&r, T_FIRST_BODY + len);
	body_reader__free(&r);
	return err;
}

static void same_as(const struct genai_call *a, const struct genai_call *b, const char *what)
{
	size_t i;

	ASSERT_EQ(b->usage.input_tokens, a->usage.input_tokens, what);
	ASSERT_EQ(b->usage.output_tokens, a->usage.output_tokens, what);
	ASSERT_EQ(b->n_finish_reasons, a->n_finish_reasons, what);
	ASSERT_EQ(b->flags, a->flags, what);
	ASSERT_STREQ(b->output_messages ?: "", a->output_messages ?: "", what);
	ASSERT_STREQ(b->error_type ?: "", a->error_type ?: "", what);
	if (ASSERT_EQ(b->n_tool_calls, a->n_tool_calls, what))
		for (i = 0; i < a->n_tool_calls; i++)
			ASSERT_STREQ(b->tool_calls[i].arguments, a->tool_calls[i].arguments, what);
}

void test_bedrock_stream_every_split(void)
{
	struct provider_opts o = { .capture_content = true };
	struct genai_call *whole, *c;
	struct http_exchange *x;
	unsigned char *resp;
	size_t i, cut, len;
	bool ok;

	for (i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		whole = ptest_decode(streams[i], true);
		x = ptest_fixture(streams[i], &ok);
		if (!whole || !ASSERT_TRUE(ok, streams[i]))
			goto next;
		{
			char path[256];

			snprintf(path, sizeof(path), "providers/%s/response.body", streams[i]);
			resp = test__read_fixture(path, &len);
		}
		for (cut = 0; cut <= len + 1; cut++) {
			/* the guarded copy: a read past the end faults */
			unsigned char *g = test__guarded(resp, len);

			int err = read_body(x, g, len, cut < len ? cut : 0, cut > len);

			c = NULL;
			test__guarded_free(g);
			if (!ASSERT_OK(err, streams[i]))
				break;
			if (ASSERT_OK(provider_decode(x, &o, &c), streams[i]))
				same_as(whole, c, streams[i]);
			genai_call__free(c);
		}
		free(resp);
next:
		http_exchange__free(x);
		genai_call__free(whole);
	}
}
