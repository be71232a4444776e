// SPDX-License-Identifier: MIT
/*
 * test_prov_routes.c: Vertex AI, Azure OpenAI / AI Inference routes and the embeddings and
 * rerank calls, recorded with the official SDKs (tools/record_routes.mjs prints what each SDK
 * parsed: the values asserted here) or taken from the providers' documented examples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_test.h"
#include "prov_test.h"
#include "test.h"

/* One embeddings or rerank fixture: the values every SDK-parsed field must have. */
struct embed_case {
	const char *dir, *provider, *operation, *request_model, *response_model, *response_id;
	int64_t dims;	     /* 0: the response shows none */
	int64_t tokens;	     /* -1: the response counts none */
	const char *formats; /* gen_ai.request.encoding_formats joined by ',', NULL: none */
};

static const struct embed_case embed_cases[] = {
	/* the openai SDK asks for base64 by default: 256 float32 in base64 */
	{ "embed/openai_base64", "openai", "embeddings", "text-embedding-3-small",
	  "text-embedding-3-small", NULL, 256, 9, "base64" },
	{ "embed/azure_float", "azure.ai.openai", "embeddings", "text-embedding-3-large",
	  "text-embedding-3-large", NULL, 12, 4, "float" },
	{ "embed/gemini_batch", "gcp.gemini", "embeddings", "gemini-embedding-001", NULL, NULL, 24,
	  -1, NULL },
	{ "embed/vertex_predict", "gcp.vertex_ai", "embeddings", "text-embedding-005", NULL, NULL,
	  16, 7, NULL },
	{ "embed/vertex_embed_content", "gcp.vertex_ai", "embeddings", "gemini-embedding-2-preview",
	  NULL, NULL, 32, 5, NULL },
	{ "embed/cohere_v2", "cohere", "embeddings", "embed-v4.0", NULL,
	  "5807ee2e-0cda-445a-9ec8-864c60a06606", 20, 6, "float" },
	/* billed in search units, not tokens */
	{ "embed/cohere_rerank", "cohere", "rerank", "rerank-v3.5", NULL,
	  "07734bd2-2473-4f07-94e1-0d9f0e6843cf", 0, -1, NULL },
	{ "embed/voyage_embed", "voyage_ai", "embeddings", "voyage-3.5", "voyage-3.5", NULL, 10, 7,
	  NULL },
	{ "embed/voyage_rerank", "voyage_ai", "rerank", "rerank-2.5", "rerank-2.5", NULL, 0, 26,
	  NULL },
	{ "embed/ollama_embed", "ollama", "embeddings", "all-minilm", "all-minilm", NULL, 10, 16,
	  NULL },
};

static void check_formats(const struct genai_call *c, const char *want, const char *what)
{
	char got[128] = "";
	size_t i;

	for (i = 0; i < c->n_encoding_formats; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
			 c->encoding_formats[i]);
	if (want)
		ASSERT_STREQ(got, want, what);
	else
		ASSERT_EQ(c->n_encoding_formats, 0, what);
}

static void check_embed(const struct embed_case *e, const struct genai_call *c)
{
	ASSERT_STREQ(c->provider_name, e->provider, e->dir);
	ASSERT_STREQ(c->operation, e->operation, e->dir);
	ASSERT_NULL(c->decode, "a known API");
	ASSERT_NULL(c->api_type, "no openai.api.type");
	ASSERT_STREQ(c->request_model, e->request_model, e->dir);
	if (e->response_model)
		ASSERT_STREQ(c->response_model, e->response_model, e->dir);
	else
		ASSERT_NULL(c->response_model, e->dir);
	if (e->response_id)
		ASSERT_STREQ(c->response_id, e->response_id, e->dir);
	else
		ASSERT_NULL(c->response_id, e->dir);
	ASSERT_EQ(c->has_embed_dims, e->dims > 0, e->dir);
	ASSERT_EQ(c->embed_dims, e->dims, e->dir);
	ASSERT_EQ(c->usage.has_input_tokens, e->tokens >= 0, e->dir);
	if (e->tokens >= 0)
		ASSERT_EQ(c->usage.input_tokens, e->tokens, e->dir);
	ASSERT_FALSE(c->usage.has_output_tokens, "no output tokens");
	check_formats(c, e->formats, e->dir);
	ASSERT_EQ(c->n_finish_reasons, 0, "no finish reasons");
	ASSERT_EQ(c->n_tool_calls, 0, "no tool calls");
	ASSERT_FALSE(c->streaming, "not streamed");
	ASSERT_NULL(c->error_type, "no error");
	ASSERT_EQ(c->flags, 0, "flags");
	/* never the vectors, not even with content capture */
	ASSERT_NULL(c->output_messages, "no output content");
	ASSERT_NULL(c->input_messages, "no input content");
}

void test_routes_embed(void)
{
	struct genai_call *c;
	size_t i;

	for (i = 0; i < sizeof(embed_cases) / sizeof(embed_cases[0]); i++) {
		c = ptest_decode(embed_cases[i].dir, true);
		if (c)
			check_embed(&embed_cases[i], c);
		genai_call__free(c);
	}
}

/*
 * Every cut of each response in guarded memory: the request's model stays, and a dimension
 * count is never reported from a cut body (a repaired vector has only its length so far).
 */
void test_routes_embed_cut(void)
{
	struct provider_opts o = { .capture_content = true };
	size_t i, cut, full_len;
	struct http_exchange *x;
	struct genai_call *c;
	unsigned char *full;
	void *g;
	bool ok;

	for (i = 0; i < sizeof(embed_cases) / sizeof(embed_cases[0]); i++) {
		x = ptest_fixture(embed_cases[i].dir, &ok);
		if (!ASSERT_TRUE(ok, embed_cases[i].dir))
			continue;
		full = x->resp.body;
		full_len = x->resp.body_len;
		x->flags |= HTTP_X_RESP_TRUNCATED;
		for (cut = 0; cut < full_len; cut++) {
			g = test__guarded(full, cut);
			x->resp.body = g;
			x->resp.body_len = cut;
			c = NULL;
			if (ASSERT_OK(provider_decode(x, &o, &c), embed_cases[i].dir)) {
				ASSERT_STREQ(c->request_model, embed_cases[i].request_model,
					     embed_cases[i].dir);
				ASSERT_STREQ(c->operation, embed_cases[i].operation, "operation");
				ASSERT_FALSE(c->has_embed_dims, "no dimensions from a cut body");
			}
			genai_call__free(c);
			test__guarded_free(g);
		}
		x->resp.body = full;
		x->resp.body_len = full_len;
		http_exchange__free(x);
	}
}

void test_routes_vertex_anthropic(void)
{
	static const char *const dirs[] = { "anthropic/vertex_raw", "anthropic/vertex_stream" };
	struct genai_call *c;
	size_t i;

	for (i = 0; i < 2; i++) {
		c = ptest_decode(dirs[i], false);
		if (!c)
			continue;
		ASSERT_STREQ(c->provider_name, "gcp.vertex_ai", dirs[i]);
		ASSERT_STREQ(c->operation, "chat", dirs[i]);
		/* the body names no model on Vertex: the path does (its @version dropped) */
		ASSERT_STREQ(c->request_model, "claude-sonnet-4", dirs[i]);
		ASSERT_STREQ(c->response_model, "claude-sonnet-4-20250514", dirs[i]);
		ASSERT_STREQ(c->response_id, "msg_vrtx_01AbCdEf", dirs[i]);
		ptest_finish(c, "end_turn", dirs[i]);
		ASSERT_EQ(c->params.max_tokens, 64, "max tokens");
		ASSERT_EQ(c->streaming, i == 1, "stream from the path");
		ASSERT_EQ(c->usage.input_tokens, i ? 14 : 17, "input tokens (with cache read)");
		ASSERT_EQ(c->usage.output_tokens, 5, "output tokens");
		ASSERT_EQ(c->flags, 0, "flags");
		genai_call__free(c);
	}
}

void test_routes_vertex_gemini_stream(void)
{
	struct genai_call *c = ptest_decode("gemini/vertex_stream", true);

	if (!c)
		return;
	ASSERT_STREQ(c->provider_name, "gcp.vertex_ai", "provider");
	ASSERT_STREQ(c->operation, "generate_content", "operation");
	ASSERT_STREQ(c->request_model, "gemini-2.5-flash", "model from the path");
	ASSERT_STREQ(c->response_model, "gemini-2.5-flash", "modelVersion");
	ASSERT_STREQ(c->response_id, "vx-resp-1", "responseId");
	ASSERT_TRUE(c->streaming, "streamGenerateContent");
	ptest_finish(c, "STOP", "finish");
	ASSERT_EQ(c->usage.input_tokens, 6, "input tokens");
	ASSERT_EQ(c->usage.output_tokens, 2, "output tokens");
	ASSERT_STREQ(
		c->output_messages,
		"[{\"parts\":[{\"type\":\"text\",\"content\":\"Teal.\"}],\"role\":\"assistant\","
		"\"finish_reason\":\"stop\"}]",
		"output");
	ASSERT_EQ(c->flags, 0, "flags");
	genai_call__free(c);
}

void test_routes_azure(void)
{
	struct genai_call *c = ptest_decode("openai/azure_sdk_chat", false);

	if (c) {
		ASSERT_STREQ(c->provider_name, "azure.ai.openai", "provider");
		ASSERT_STREQ(c->system, "az.ai.openai", "legacy system");
		ASSERT_STREQ(c->operation, "chat", "operation");
		ASSERT_STREQ(c->request_model, "gpt-4o", "the body's model");
		ASSERT_STREQ(c->response_model, "gpt-4o-2024-11-20", "response model");
		ASSERT_EQ(c->usage.input_tokens, 11, "input tokens");
		ASSERT_EQ(c->usage.output_tokens, 2, "output tokens");
		ptest_finish(c, "stop", "finish");
	}
	genai_call__free(c);
	c = ptest_decode("openai/azure_inference", false);
	if (c) {
		ASSERT_STREQ(c->provider_name, "azure.ai.inference", "provider");
		ASSERT_STREQ(c->system, "az.ai.inference", "legacy system");
		ASSERT_STREQ(c->request_model, "mistral-large-2407", "request model");
		ASSERT_STREQ(c->response_model, "mistral-large-2407", "response model");
		ASSERT_EQ(c->usage.input_tokens, 205, "input tokens");
		ASSERT_EQ(c->usage.output_tokens, 5, "output tokens");
		ASSERT_EQ(c->params.max_tokens, 256, "max tokens");
		ptest_finish(c, "stop", "finish");
	}
	genai_call__free(c);
}

/* Routes on a host no rule names (a proxy, a private endpoint, a test server): by path. */
struct route_case {
	const char *host, *target, *header;
	const char *provider, *operation, *model;
};

static const struct route_case route_cases[] = {
	{ "127.0.0.1:8443",
	  "/v1beta1/projects/p/locations/us-central1/publishers/google/models/"
	  "gemini-2.5-flash:generateContent",
	  NULL, "gcp.vertex_ai", "generate_content", "gemini-2.5-flash" },
	/* Vertex express mode: no project, an API key */
	{ "127.0.0.1:8443",
	  "/v1beta1/publishers/google/models/gemini-2.5-pro:streamGenerateContent", NULL,
	  "gcp.vertex_ai", "generate_content", "gemini-2.5-pro" },
	{ "proxy.internal",
	  "/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
	  "claude-opus-4@20250514:rawPredict",
	  NULL, "gcp.vertex_ai", "chat", "claude-opus-4" },
	/* Vertex's OpenAI-compatible endpoint */
	{ "proxy.internal", "/v1/projects/p/locations/global/endpoints/openapi/chat/completions",
	  NULL, "gcp.vertex_ai", "chat", NULL },
	{ "aiplatform.googleapis.com",
	  "/v1/projects/p/locations/global/publishers/google/models/text-embedding-005:predict",
	  NULL, "gcp.vertex_ai", "embeddings", "text-embedding-005" },
	{ "generativelanguage.googleapis.com", "/v1beta/models/text-embedding-004:embedContent",
	  NULL, "gcp.gemini", "embeddings", "text-embedding-004" },
	{ "127.0.0.1:8443", "/openai/deployments/dep-4o/chat/completions?api-version=2024-10-21",
	  NULL, "azure.ai.openai", "chat", "dep-4o" },
	{ "127.0.0.1:8443", "/openai/deployments/emb/embeddings?api-version=2024-10-21", NULL,
	  "azure.ai.openai", "embeddings", "emb" },
	{ "127.0.0.1:8443", "/openai/v1/chat/completions", "api-key", "azure.ai.openai", "chat",
	  NULL },
	{ "127.0.0.1:8443", "/openai/v1/responses?api-version=preview", NULL, "azure.ai.openai",
	  "chat", NULL },
	/* Groq's path, no Azure query or header: an OpenAI client */
	{ "127.0.0.1:8443", "/openai/v1/chat/completions", NULL, "openai", "chat", "m" },
	{ "127.0.0.1:8443", "/models/chat/completions?api-version=2024-05-01-preview", NULL,
	  "azure.ai.inference", "chat", NULL },
	/* serverless Azure AI Inference endpoint, and GitHub Models */
	{ "mistral-x.eastus2.models.ai.azure.com", "/chat/completions", NULL, "azure.ai.inference",
	  "chat", NULL },
	{ "models.inference.ai.azure.com", "/embeddings", NULL, "azure.ai.inference", "embeddings",
	  NULL },
	{ "res.cognitiveservices.azure.com", "/models/embeddings?api-version=2024-05-01-preview",
	  NULL, "azure.ai.inference", "embeddings", NULL },
	{ "res.services.ai.azure.com", "/openai/v1/embeddings", NULL, "azure.ai.openai",
	  "embeddings", NULL },
	{ "127.0.0.1:8443", "/v2/embed", NULL, "cohere", "embeddings", "m" },
	{ "127.0.0.1:11434", "/api/embeddings", NULL, "ollama", "embeddings", NULL },
	{ "127.0.0.1:8443", "/v1/rerank", NULL, "unknown", "rerank", "m" },
	{ "api.voyageai.com", "/v1/embeddings", NULL, "voyage_ai", "embeddings", NULL },
};

void test_routes_detect(void)
{
	static const char req[] = "{\"model\":\"m\",\"messages\":[]}";
	size_t i;

	for (i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		const struct route_case *r = &route_cases[i];
		/* a server we do not know must show the API's shape: a body that does */
		const char *rq = r->model && !strcmp(r->model, "m") ? req : NULL;
		struct http_exchange *x = ptest_exchange(
			r->host, r->target, 200, rq, rq ? strlen(rq) : 0, NULL, 0, HTTP_BODY_NONE);
		struct genai_call *c = NULL;

		if (r->header)
			xt_add_header(&x->req.headers, r->header, "REDACTED");
		ASSERT_TRUE(provider_is_llm_request(x), r->target);
		if (ASSERT_OK(provider_decode(x, NULL, &c), r->target)) {
			ASSERT_STREQ(c->provider_name, r->provider, r->target);
			ASSERT_STREQ(c->operation, r->operation, r->target);
			if (r->model)
				ASSERT_STREQ(c->request_model, r->model, r->target);
			else
				ASSERT_NULL(c->request_model, r->target);
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}

/* A rerank on a host we do not know is Cohere's when its answer carries Cohere's meta. */
void test_routes_rerank_unknown_host(void)
{
	static const char req[] =
		"{\"model\":\"rerank-v3.5\",\"query\":\"q\",\"documents\":[\"a\"]}";
	static const char resp[] =
		"{\"id\":\"r1\",\"results\":[{\"index\":0,\"relevance_score\":0.5}],"
		"\"meta\":{\"billed_units\":{\"search_units\":1},"
		"\"tokens\":{\"input_tokens\":12}}}";
	struct http_exchange *x = ptest_exchange("127.0.0.1:8443", "/v2/rerank", 200, req,
						 strlen(req), resp, strlen(resp), HTTP_BODY_PLAIN);
	struct genai_call *c = NULL;

	if (ASSERT_OK(provider_decode(x, NULL, &c), "rerank")) {
		ASSERT_STREQ(c->provider_name, "cohere", "provider from the answer");
		ASSERT_STREQ(c->operation, "rerank", "operation");
		ASSERT_STREQ(c->request_model, "rerank-v3.5", "model");
		ASSERT_STREQ(c->response_id, "r1", "id");
		ASSERT_EQ(c->usage.input_tokens, 12, "meta.tokens");
	}
	genai_call__free(c);
	http_exchange__free(x);
}

/* Errors: OpenAI's error object, Cohere's bare message, Ollama's error string. */
void test_routes_embed_errors(void)
{
	static const struct {
		const char *host, *target, *resp, *type, *msg;
		int status;
	} cases[] = {
		{ "api.openai.com", "/v1/embeddings",
		  "{\"error\":{\"message\":\"bad input\",\"type\":\"invalid_request_error\","
		  "\"code\":null}}",
		  "invalid_request_error", "bad input", 400 },
		{ "api.cohere.com", "/v2/embed", "{\"message\":\"invalid api token\"}", "401",
		  "invalid api token", 401 },
		{ "localhost:11434", "/api/embed", "{\"error\":\"model \\\"x\\\" not found\"}",
		  "404", "model \"x\" not found", 404 },
	};
	static const char req[] = "{\"model\":\"m\",\"input\":\"a\"}";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_exchange *x = ptest_exchange(cases[i].host, cases[i].target,
							 cases[i].status, req, strlen(req),
							 cases[i].resp, strlen(cases[i].resp),
							 HTTP_BODY_PLAIN);
		struct genai_call *c = NULL;

		if (ASSERT_OK(provider_decode(x, NULL, &c), cases[i].target)) {
			ASSERT_STREQ(c->error_type, cases[i].type, cases[i].target);
			ASSERT_STREQ(c->error_message, cases[i].msg, cases[i].target);
			ASSERT_FALSE(c->has_embed_dims, "no vector");
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}

/* Cohere's binary types pack 8 dimensions a value; base64 holds float32. */
void test_routes_embed_types(void)
{
	static const struct {
		const char *target, *resp;
		int64_t dims;
	} cases[] = {
		{ "/v2/embed", "{\"embeddings\":{\"ubinary\":[[1,2,3,4]]}}", 32 },
		{ "/v2/embed", "{\"embeddings\":{\"int8\":[[1,2,3]],\"binary\":[[1]]}}", 3 },
		{ "/v1/embed",
		  "{\"embeddings\":[[0.1,0.2]],\"response_type\":\"embeddings_floats\"}", 2 },
		/* 5 floats: 20 bytes, 28 base64 characters with one '=' */
		{ "/v1/embeddings", "{\"data\":[{\"embedding\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}]}",
		  5 },
		{ "/v1/embeddings", "{\"data\":[{\"embedding\":[]}]}", 0 },
	};
	static const char req[] =
		"{\"model\":\"m\",\"embedding_types\":[\"int8\",\"ubinary\",1,\"\"]}";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_exchange *x = ptest_exchange("api.cohere.com", cases[i].target, 200,
							 req, strlen(req), cases[i].resp,
							 strlen(cases[i].resp), HTTP_BODY_PLAIN);
		struct genai_call *c = NULL;

		if (ASSERT_OK(provider_decode(x, NULL, &c), cases[i].resp)) {
			ASSERT_EQ(c->has_embed_dims, cases[i].dims > 0, cases[i].resp);
			ASSERT_EQ(c->embed_dims, cases[i].dims, cases[i].resp);
			check_formats(c, "int8,ubinary", "the types asked for, strings only");
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}
