// SPDX-License-Identifier: MIT
/* test_provider.c: detection, call lifecycle, JSON repair, truncation sweeps; fixture helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "exchange_test.h"
#include "prov_internal.h"
#include "prov_test.h"
#include "sse.h"
#include "test.h"

/* ---- helpers shared with test_prov_*.c (prov_test.h) ---- */

/* An event as the HTTP layer keeps it, T_EVENT_STEP after the one before. */
static int add_event(const struct sse_event *e, void *ctx)
{
	struct http_message *m = ctx;
	struct http_event *ev;

	/* nothing to decode (the provider drops these too when it splits a body itself) */
	if (!e->data_len && !e->event)
		return 0;
	ev = realloc(m->events, (m->n_events + 1) * sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	m->events = ev;
	ev += m->n_events;
	memset(ev, 0, sizeof(*ev));
	ev->event = e->event ? strndup(e->event, e->event_len) : NULL;
	ev->data = strndup(e->data, e->data_len);
	ev->data_len = e->data_len;
	ev->ts_ns = T_FIRST_BODY + m->n_events * T_EVENT_STEP;
	m->n_events++;
	return 0;
}

struct http_exchange *ptest_exchange(const char *host, const char *target, int status,
				     const char *req, size_t req_len, const char *resp,
				     size_t resp_len, enum http_body_kind kind)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	x->pid = 4242;
	x->tid = 4243;
	x->conn = 0x55aa00ull;
	x->fd = -1;
	x->tls = true;
	x->seq = 3;
	x->method = strdup("POST");
	x->target = strdup(target);
	x->host = host ? strdup(host) : NULL;
	x->req.body = (unsigned char *)strndup(req ? req : "", req_len);
	x->req.body_len = req_len;
	x->req.kind = req_len ? HTTP_BODY_PLAIN : HTTP_BODY_NONE;
	x->req.start_ns = T_REQ_START;
	x->req.end_ns = T_REQ_START + 1000000;
	x->status = status;
	x->resp.kind = kind;
	x->resp.start_ns = T_FIRST_BODY - 1000000;
	x->resp.first_body_ns = T_FIRST_BODY;
	if (kind == HTTP_BODY_PLAIN || kind == HTTP_BODY_NONE) {
		x->resp.body = (unsigned char *)strndup(resp ? resp : "", resp_len);
		x->resp.body_len = resp_len;
	} else {
		/* a stream cut mid-event still hands over what it had */
		sse_split_body(kind == HTTP_BODY_SSE ? SSE_MODE_SSE : SSE_MODE_NDJSON, resp,
			       resp_len, add_event, &x->resp);
	}
	x->resp.end_ns = T_FIRST_BODY + (x->resp.n_events + 1) * T_EVENT_STEP;
	return x;
}

static enum http_body_kind kind_of(const char *s)
{
	if (s && !strcmp(s, "sse"))
		return HTTP_BODY_SSE;
	if (s && !strcmp(s, "ndjson"))
		return HTTP_BODY_NDJSON;
	return HTTP_BODY_PLAIN;
}

static uint32_t flags_of(const cJSON *arr)
{
	const cJSON *f;
	uint32_t fl = 0;

	cJSON_ArrayForEach(f, arr) {
		if (!cJSON_IsString(f))
			continue;
		if (!strcmp(f->valuestring, "incomplete"))
			fl |= HTTP_X_INCOMPLETE;
		else if (!strcmp(f->valuestring, "resp_truncated"))
			fl |= HTTP_X_RESP_TRUNCATED;
		else if (!strcmp(f->valuestring, "req_truncated"))
			fl |= HTTP_X_REQ_TRUNCATED;
	}
	return fl;
}

/* tests/fixtures/providers/<dir>/{meta.json,request.json,response.body} */
struct fixture {
	cJSON *meta;
	unsigned char *req, *resp;
	size_t req_len, resp_len;
};

static bool fixture_load(const char *dir, struct fixture *f)
{
	unsigned char *meta;
	char path[512];
	size_t mlen;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "providers/%s/meta.json", dir);
	meta = test__read_fixture(path, &mlen);
	snprintf(path, sizeof(path), "providers/%s/request.json", dir);
	f->req = test__read_fixture(path, &f->req_len);
	snprintf(path, sizeof(path), "providers/%s/response.body", dir);
	f->resp = test__read_fixture(path, &f->resp_len);
	f->meta = meta ? cJSON_ParseWithLength((char *)meta, mlen) : NULL;
	free(meta);
	return f->meta && f->resp;
}

static void fixture_free(struct fixture *f)
{
	cJSON_Delete(f->meta);
	free(f->req);
	free(f->resp);
}

/* The exchange of a fixture with the first resp_len bytes of its response, as kind (-1: meta's). */
static struct http_exchange *fixture_exchange(const struct fixture *f, size_t resp_len, int kind)
{
	const cJSON *m = f->meta, *h;
	struct http_exchange *x;

	x = ptest_exchange(pj_str(m, "host"), pj_str(m, "target"),
			   (int)cJSON_GetNumberValue(pj_get(m, "status")), (char *)f->req,
			   f->req_len, (char *)f->resp, resp_len,
			   kind < 0 ? kind_of(pj_str(m, "response")) : (enum http_body_kind)kind);
	x->flags = flags_of(pj_get(m, "flags"));
	x->tls = !cJSON_IsFalse(pj_get(m, "tls"));
	cJSON_ArrayForEach(h, pj_get(m, "req_headers"))
		xt_add_header(&x->req.headers, h->string, h->valuestring);
	return x;
}

/* A fixture's exchange, its response as kind (-1: as meta.json says). */
static struct http_exchange *fixture_as(const char *dir, int kind, bool *ok)
{
	struct http_exchange *x = NULL;
	struct fixture f;

	*ok = fixture_load(dir, &f);
	if (*ok)
		x = fixture_exchange(&f, f.resp_len, kind);
	fixture_free(&f);
	return x;
}

struct http_exchange *ptest_fixture(const char *dir, bool *ok)
{
	return fixture_as(dir, -1, ok);
}

struct genai_call *ptest_decode(const char *dir, bool capture)
{
	struct provider_opts o = { .capture_content = capture };
	struct genai_call *c = NULL;
	struct http_exchange *x;
	bool ok;
	int err;

	x = ptest_fixture(dir, &ok);
	if (!ASSERT_TRUE(ok, dir))
		return NULL;
	err = provider_decode(x, &o, &c);
	ASSERT_OK(err, dir);
	http_exchange__free(x);
	return c;
}

void ptest_finish(const struct genai_call *c, const char *reason, const char *what)
{
	if (ASSERT_EQ(c->n_finish_reasons, 1, what))
		ASSERT_STREQ(c->finish_reasons[0], reason, what);
}

void ptest_tool(const struct genai_call *c, size_t i, const char *id, const char *name,
		const char *args, const char *type)
{
	if (!ASSERT_TRUE(i < c->n_tool_calls, "tool call present"))
		return;
	if (id)
		ASSERT_STREQ(c->tool_calls[i].id, id, "tool id");
	else
		ASSERT_NULL(c->tool_calls[i].id, "no tool id");
	ASSERT_STREQ(c->tool_calls[i].name, name, "tool name");
	ASSERT_STREQ(c->tool_calls[i].arguments, args, "tool arguments");
	ASSERT_STREQ(c->tool_calls[i].type, type, "tool type");
}

/* ---- tests ---- */

struct detect_case {
	const char *host, *target, *header;
	const char *provider, *system, *operation, *model;
};

static const struct detect_case detect_cases[] = {
	{ "api.openai.com", "/v1/chat/completions", NULL, "openai", "openai", "chat", NULL },
	{ "api.openai.com:443", "/v1/embeddings", NULL, "openai", "openai", "embeddings", NULL },
	{ "api.openai.com", "/v1/completions", NULL, "openai", "openai", "text_completion", NULL },
	{ "api.groq.com", "/openai/v1/chat/completions", NULL, "groq", "groq", "chat", NULL },
	{ "api.deepseek.com", "/chat/completions", NULL, "deepseek", "deepseek", "chat", NULL },
	{ "api.x.ai", "/v1/responses", NULL, "x_ai", "xai", "chat", NULL },
	{ "generativelanguage.googleapis.com", "/v1beta/openai/chat/completions", NULL,
	  "gcp.gemini", "gemini", "chat", NULL },
	{ "r1.services.ai.azure.com", "/models/chat/completions?api-version=2024-05-01-preview",
	  NULL, "azure.ai.inference", "az.ai.inference", "chat", NULL },
	{ "r1.cognitiveservices.azure.com", "/openai/deployments/dep-4o/chat/completions", NULL,
	  "azure.ai.openai", "az.ai.openai", "chat", "dep-4o" },
	{ "localhost:11434", "/v1/chat/completions", NULL, "ollama", "ollama", "chat", NULL },
	{ "us-east5-aiplatform.googleapis.com",
	  "/v1/projects/p/locations/us-east5/publishers/anthropic/models/"
	  "claude-sonnet-4@20250514:streamRawPredict",
	  NULL, "gcp.vertex_ai", "vertex_ai", "chat", "claude-sonnet-4" },
	{ "proxy.local:4000", "/v1/messages", "anthropic-version", "anthropic", "anthropic", "chat",
	  NULL },
	{ "https://api.openai.com", "https://api.openai.com/v1/chat/completions", NULL, NULL, NULL,
	  NULL, NULL }, /* absolute-form target: host "https" is unknown, and the body empty */
};

void test_provider_detect(void)
{
	size_t i;

	for (i = 0; i < sizeof(detect_cases) / sizeof(detect_cases[0]); i++) {
		const struct detect_case *d = &detect_cases[i];
		struct http_exchange *x =
			ptest_exchange(d->host, d->target, 200, NULL, 0, NULL, 0, HTTP_BODY_NONE);
		struct genai_call *c = NULL;
		int err;

		if (d->header)
			xt_add_header(&x->req.headers, d->header, "2023-06-01");
		ASSERT_TRUE(provider_is_llm_request(x), d->target);
		err = provider_decode(x, NULL, &c);
		if (!d->provider) {
			ASSERT_EQ(err, -ENOENT, d->target);
		} else if (ASSERT_OK(err, d->target)) {
			ASSERT_STREQ(c->provider_name, d->provider, d->target);
			ASSERT_STREQ(c->system, d->system, d->target);
			ASSERT_STREQ(c->operation, d->operation, d->target);
			if (d->model)
				ASSERT_STREQ(c->request_model, d->model, d->target);
			else
				ASSERT_NULL(c->request_model, d->target);
			ASSERT_EQ(c->n_finish_reasons, 0, "no finish without response");
		}
		genai_call__free(c);
		http_exchange__free(x);
	}
}

void test_provider_not_llm(void)
{
	static const char *const targets[] = {
		"/v1/files",
		"/v1/models",
		"/",
		"/api/tags",
		"/v1/messages/count_tokens",
		"/v1/threads/t/messages",
		"",
	};
	struct genai_call *c = NULL;
	struct http_exchange *x;
	size_t i;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		x = ptest_exchange("api.openai.com", targets[i], 200, "{}", 2, "{}", 2,
				   HTTP_BODY_PLAIN);
		ASSERT_FALSE(provider_is_llm_request(x), targets[i]);
		ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, targets[i]);
		ASSERT_NULL(c, "no call");
		http_exchange__free(x);
	}
	x = ptest_exchange("api.openai.com", "/v1/chat/completions", 200, NULL, 0, NULL, 0,
			   HTTP_BODY_NONE);
	free(x->method);
	x->method = strdup("GET");
	ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, "GET");
	http_exchange__free(x);
	ASSERT_EQ(provider_decode(NULL, NULL, &c), -EINVAL, "NULL exchange");
	/* unknown host, LLM-like path, but the bodies are not an LLM API's */
	x = ptest_fixture("openai/compat_not_llm", &(bool){ 0 });
	if (ASSERT_OK_PTR(x, "fixture"))
		ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, "form post");
	http_exchange__free(x);
}

#define CHAT_REQ "{\"model\":\"m1\",\"messages\":[]}"

void test_provider_server(void)
{
	struct genai_call *c = NULL;
	struct http_exchange *x;

	x = ptest_exchange("API.OpenAI.com", "/v1/chat/completions", 200, NULL, 0, NULL, 0,
			   HTTP_BODY_NONE);
	if (ASSERT_OK(provider_decode(x, NULL, &c), "decode")) {
		ASSERT_STREQ(c->server_address, "api.openai.com", "lowercased host");
		ASSERT_EQ(c->server_port, 443, "tls default port");
		ASSERT_EQ(c->pid, 4242, "pid");
		ASSERT_EQ(c->tid, 4243, "tid");
		ASSERT_EQ(c->conn, 0x55aa00, "conn");
		ASSERT_EQ(c->seq, 3, "seq");
		ASSERT_EQ(c->start_ns, T_REQ_START, "start");
		ASSERT_EQ(c->end_ns, T_FIRST_BODY + T_EVENT_STEP, "end");
		ASSERT_FALSE(c->streaming, "not streaming");
		ASSERT_FALSE(c->has_ttft, "no ttft");
	}
	genai_call__free(c);
	http_exchange__free(x);

	/* unknown servers need an OpenAI-shaped body */
	x = ptest_exchange(NULL, "/v1/chat/completions", 0, NULL, 0, NULL, 0, HTTP_BODY_NONE);
	ASSERT_EQ(provider_decode(x, NULL, &c), -ENOENT, "no shape");
	http_exchange__free(x);
	x = ptest_exchange(NULL, "/v1/chat/completions", 0, CHAT_REQ, strlen(CHAT_REQ), NULL, 0,
			   HTTP_BODY_NONE);
	snprintf(x->peer_addr, sizeof(x->peer_addr), "192.0.2.7");
	x->peer_port = 8443;
	x->flags = HTTP_X_NO_RESPONSE;
	x->resp.end_ns = 0;
	if (ASSERT_OK(provider_decode(x, NULL, &c), "decode no host")) {
		ASSERT_STREQ(c->server_address, "192.0.2.7", "peer address");
		ASSERT_EQ(c->server_port, 8443, "peer port");
		ASSERT_STREQ(c->provider_name, "openai", "openai-compatible default");
		ASSERT_TRUE(c->flags & GENAI_F_NO_RESPONSE, "no response flag");
		ASSERT_NULL(c->error_type, "no response is not an HTTP error");
		ASSERT_EQ(c->end_ns, T_REQ_START + 1000000, "ends with the request");
	}
	genai_call__free(c);
	http_exchange__free(x);

	x = ptest_exchange("[::1]:8080", "/v1/chat/completions", 200, CHAT_REQ, strlen(CHAT_REQ),
			   NULL, 0, HTTP_BODY_NONE);
	if (ASSERT_OK(provider_decode(x, NULL, &c), "decode v6")) {
		ASSERT_STREQ(c->server_address, "::1", "v6 host");
		ASSERT_EQ(c->server_port, 8080, "v6 port");
	}
	genai_call__free(c);
	http_exchange__free(x);
	genai_call__free(NULL);
}

struct repair_case {
	const char *in, *out;
};

void test_provider_json_repair(void)
{
	static const struct repair_case cases[] = {
		{ "{\"a\":1,\"b\":[1,2", "{\"a\":1,\"b\":[1]}" },
		{ "{\"a\":1,", "{\"a\":1}" },
		{ "{\"a\":\"hel", "{\"a\":\"hel\"}" },
		{ "{\"a\":\"x\\", "{\"a\":\"x\"}" },
		{ "{\"a\":\"x\\u00", "{\"a\":\"x\"}" },
		{ "{\"a\":\"x\\n", "{\"a\":\"x\\n\"}" },
		{ "{\"ke", "{}" },
		{ "{\"key\":", "{}" },
		{ "[{\"a\":{\"b\":true},\"c\":nu", "[{\"a\":{\"b\":true}}]" },
		{ "[1,2,3]", "[1,2,3]" },
		{ "{\"a\":[]}garbage", "{\"a\":[]}" },
	};
	struct tt_buf b;
	size_t i;

	tt_buf_init(&b, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!ASSERT_OK(pj_repair(cases[i].in, strlen(cases[i].in), &b), cases[i].in))
			continue;
		ASSERT_MEMEQ(b.data, b.len, cases[i].out, strlen(cases[i].out), cases[i].in);
	}
	ASSERT_ERR(pj_repair("tru", 3, &b), "bare token");
	ASSERT_ERR(pj_repair("]", 1, &b), "stray close");
	tt_buf_free(&b);
}

void test_provider_json_repair_depth(void)
{
	size_t n = TT_MAX_JSON_DEPTH + 10;
	char *s = malloc(n);
	struct tt_buf b;

	memset(s, '[', n);
	tt_buf_init(&b, 2 * n);
	ASSERT_EQ(pj_repair(s, n, &b), -E2BIG, "nesting cap");
	ASSERT_NULL(pj_parse(s, n, true), "deep garbage gives nothing");
	tt_buf_free(&b);
	free(s);
}

static const char *const all_fixtures[] = {
	"openai/chat_basic",
	"openai/chat_tools",
	"openai/chat_tool_result",
	"openai/chat_stream_usage",
	"openai/chat_stream_tools",
	"openai/chat_stream_nousage",
	"openai/chat_stream_cut",
	"openai/chat_error_429",
	"openai/chat_error_401",
	"openai/azure_deployment",
	"openai/azure_v1",
	"openai/compat_vllm",
	"openai/compat_openrouter",
	"openai/responses_basic",
	"openai/responses_custom_tool",
	"openai/responses_stream",
	"openai/responses_stream_cut",
	"openai/responses_stream_error",
	"anthropic/messages_basic",
	"anthropic/messages_stream_tools",
	"anthropic/messages_tool_result",
	"anthropic/messages_stream_error",
	"anthropic/messages_error_429",
	"anthropic/proxy_litellm",
	"gemini/generate_basic",
	"gemini/stream_sse_tools",
	"gemini/stream_array",
	"gemini/stream_array_cut",
	"gemini/error_429",
	"gemini/vertex",
	"ollama/chat_stream_tools",
	"ollama/chat_nostream",
	"ollama/generate_stream",
	"ollama/chat_error",
	"openai/groq_stream",
	"openai/deepseek_cache",
	"openai/openrouter_cost",
	"openai/mistral_stream_tools",
	"openai/xai_reasoning",
	"openai/together_stream",
	"openai/fireworks_basic",
	"cohere/chat_tools",
	"cohere/chat_tool_result",
	"cohere/stream_tools",
	"cohere/stream_text",
	"cohere/error_429",
	"generic/unknown_json",
	"generic/unknown_sse",
	"generic/unknown_ndjson_tools",
	"generic/usage_only",
	"generic/tool_result",
};

/* Every fixture decodes, with and without content, without leaks (ASan) or log noise. */
void test_provider_all_fixtures(void)
{
	struct genai_call *c;
	size_t i;

	for (i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++) {
		c = ptest_decode(all_fixtures[i], false);
		if (c)
			ASSERT_NULL(c->input_messages, "no content by default");
		genai_call__free(c);
		c = ptest_decode(all_fixtures[i], true);
		genai_call__free(c);
	}
}

/*
 * Cut each response at every byte (large ones at a stride) and decode it as a truncated
 * response in guarded memory: never a crash or over-read, and the request side is unchanged.
 */
static void sweep_one(const char *dir)
{
	struct provider_opts o = { .capture_content = true };
	struct genai_call *full = ptest_decode(dir, false), *c;
	size_t cut, stride;
	struct fixture f;
	bool ok;

	ok = fixture_load(dir, &f);
	if (!ASSERT_OK_PTR(full, dir) || !ASSERT_TRUE(ok, dir))
		goto out;
	stride = f.resp_len > 8192 ? 97 : 1;
	for (cut = 0; cut <= f.resp_len; cut += stride) {
		struct http_exchange *x;
		void *g;
		int err;

		x = fixture_exchange(&f, cut, -1);
		x->flags = HTTP_X_RESP_TRUNCATED;
		if (x->resp.body_len) {
			g = test__guarded(x->resp.body, x->resp.body_len);
			free(x->resp.body);
			x->resp.body = g;
		}
		err = provider_decode(x, &o, &c);
		if (x->resp.body_len) {
			test__guarded_free(x->resp.body);
			x->resp.body = NULL;
		}
		http_exchange__free(x);
		if (!ASSERT_OK(err, dir))
			break;
		if (full->request_model)
			ASSERT_STREQ(c->request_model, full->request_model, dir);
		ASSERT_LE(c->n_tool_calls, full->n_tool_calls, "never more tool calls than whole");
		genai_call__free(c);
	}
out:
	fixture_free(&f);
	genai_call__free(full);
}

void test_provider_truncation_sweep(void)
{
	size_t i;

	for (i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++) {
		if (!strcmp(all_fixtures[i], "openai/compat_vllm") ||
		    !strcmp(all_fixtures[i], "anthropic/proxy_litellm") ||
		    !strcmp(all_fixtures[i], "generic/usage_only"))
			continue; /* the evidence is in the response: a cut one may have none */
		if (test__start_subtest(all_fixtures[i]))
			sweep_one(all_fixtures[i]);
	}
}

void test_provider_garbage(void)
{
	static const char *const targets[] = {
		"/v1/chat/completions",
		"/v1/responses",
		"/v1/messages",
		"/v1beta/models/g:streamGenerateContent",
		"/api/chat",
		"/api/generate",
	};
	struct provider_opts o = { .capture_content = true };
	uint64_t seed = 42;
	char buf[512];
	size_t i, j, k;

	for (i = 0; i < 400; i++) {
		struct http_exchange *x;
		struct genai_call *c = NULL;
		size_t n = test__rand(&seed) % sizeof(buf);

		for (j = 0; j < n; j++) {
			static const char alpha[] =
				"{}[]\":,0123456789.-eE truefalsnl\\u\n"
				"data: event:choices delta tool_calls";
			buf[j] = alpha[test__rand(&seed) % (sizeof(alpha) - 1)];
		}
		k = i % (sizeof(targets) / sizeof(targets[0]));
		x = ptest_exchange("api.openai.com", targets[k], i % 3 ? 200 : 500, buf, n, buf, n,
				   (enum http_body_kind)(i % 4));
		if (!provider_decode(x, &o, &c))
			ASSERT_OK_PTR(c, "call");
		genai_call__free(c);
		http_exchange__free(x);
	}
}

/* Both NULL, or the same string. */
static void same_str(const char *b, const char *a, const char *what)
{
	if (a)
		ASSERT_STREQ(b, a, what);
	else
		ASSERT_NULL(b, what);
}

static void same_call(const struct genai_call *a, const struct genai_call *b, const char *what)
{
	size_t i;

	same_str(b->response_id, a->response_id, what);
	same_str(b->response_model, a->response_model, what);
	same_str(b->request_model, a->request_model, what);
	same_str(b->error_type, a->error_type, what);
	same_str(b->error_message, a->error_message, what);
	same_str(b->input_messages, a->input_messages, what);
	same_str(b->output_messages, a->output_messages, what);
	ASSERT_EQ(b->usage.input_tokens, a->usage.input_tokens, what);
	ASSERT_EQ(b->usage.output_tokens, a->usage.output_tokens, what);
	ASSERT_EQ(b->usage.has_input_tokens, a->usage.has_input_tokens, what);
	ASSERT_EQ(b->streaming, a->streaming, what);
	ASSERT_EQ(b->flags, a->flags, what);
	ASSERT_EQ(b->first_chunk_ns, a->first_chunk_ns ? T_FIRST_BODY : 0, "one arrival for all");
	if (ASSERT_EQ(b->n_finish_reasons, a->n_finish_reasons, what)) {
		for (i = 0; i < a->n_finish_reasons; i++)
			ASSERT_STREQ(b->finish_reasons[i], a->finish_reasons[i], what);
	}
	if (ASSERT_EQ(b->n_tool_calls, a->n_tool_calls, what)) {
		for (i = 0; i < a->n_tool_calls; i++) {
			same_str(b->tool_calls[i].id, a->tool_calls[i].id, what);
			ASSERT_STREQ(b->tool_calls[i].name, a->tool_calls[i].name, what);
			ASSERT_STREQ(b->tool_calls[i].arguments, a->tool_calls[i].arguments, what);
			ASSERT_STREQ(b->tool_calls[i].type, a->tool_calls[i].type, what);
			ASSERT_EQ(b->tool_calls[i].ready_ns, T_FIRST_BODY, "one arrival for all");
		}
	}
}

/*
 * A stream that arrived as a plain body (a server that labels it application/json) is split
 * by the provider and decodes as the stream does; all its events arrived with the first byte.
 * (Not Ollama's: its plain body is taken as one object, and cJSON reads the first line only.)
 */
void test_provider_plain_stream(void)
{
	static const char *const streams[] = {
		"openai/chat_stream_usage",
		"openai/chat_stream_tools",
		"openai/chat_stream_cut",
		"openai/compat_openrouter",
		"openai/responses_stream",
		"openai/responses_stream_cut",
		"openai/responses_stream_error",
		"anthropic/messages_stream_tools",
		"anthropic/messages_stream_error",
		"gemini/stream_sse_tools",
		"cohere/stream_tools",
		"cohere/stream_text",
		"generic/unknown_sse",
	};
	struct provider_opts o = { .capture_content = true };
	struct genai_call *whole, *c;
	struct http_exchange *x;
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		whole = ptest_decode(streams[i], true);
		x = fixture_as(streams[i], HTTP_BODY_PLAIN, &ok);
		c = NULL;
		if (whole && ASSERT_TRUE(ok, streams[i]) &&
		    ASSERT_OK(provider_decode(x, &o, &c), streams[i]))
			same_call(whole, c, streams[i]);
		genai_call__free(c);
		genai_call__free(whole);
		http_exchange__free(x);
	}
}

/* Caps: long texts, huge tool arguments, too many tool calls, oversized input history. */
void test_provider_caps(void)
{
	struct provider_opts o = { .capture_content = true };
	size_t big = TT_MAX_GENAI_TEXT + 100, i;
	struct tt_buf req, resp;
	struct http_exchange *x;
	struct genai_call *c = NULL;
	char *text = malloc(big + 1);

	memset(text, 'a', big);
	text[big] = '\0';
	tt_buf_init(&req, 8u << 20);
	tt_buf_init(&resp, 8u << 20);
	/* three user messages of 600 KB: only the latest fit in the content cap */
	tt_buf_addstr(&req, "{\"model\":\"m\",\"messages\":[");
	for (i = 0; i < 3; i++)
		tt_buf_printf(&req, "%s{\"role\":\"user\",\"content\":\"%d%.*s\"}", i ? "," : "",
			      (int)i, 600 * 1024, text);
	tt_buf_addstr(&req, "]}");
	/* one text longer than a part may be, arguments over their cap, too many tool calls */
	tt_buf_printf(&resp,
		      "{\"id\":\"x\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
		      "\"message\":{\"content\":\"%s\",\"tool_calls\":[",
		      text);
	for (i = 0; i < TT_MAX_GENAI_TOOLS + 10; i++)
		tt_buf_printf(&resp,
			      "%s{\"id\":\"c%zu\",\"function\":{\"name\":\"f\",\"arguments\":"
			      "\"%s\"}}",
			      i ? "," : "", i, i ? "{}" : text);
	tt_buf_addstr(&resp, "]}}]}");
	x = ptest_exchange("api.openai.com", "/v1/chat/completions", 200, (char *)req.data, req.len,
			   (char *)resp.data, resp.len, HTTP_BODY_PLAIN);
	if (ASSERT_OK(provider_decode(x, &o, &c), "decode")) {
		ASSERT_TRUE(c->flags & GENAI_F_CONTENT_TRUNCATED, "content truncated flag");
		ASSERT_LE(c->n_tool_calls, TT_MAX_GENAI_TOOLS, "tool calls capped");
		ASSERT_EQ(strlen(c->tool_calls[0].arguments), TT_MAX_GENAI_ARGS, "args capped");
		ASSERT_STREQ(c->tool_calls[1].arguments, "{}", "small args intact");
		ASSERT_TRUE(c->input_messages && strlen(c->input_messages) <= TT_MAX_GENAI_CONTENT,
			    "input within cap");
		ASSERT_TRUE(
			c->input_messages &&
				!strncmp(
					c->input_messages,
					"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"2",
					52),
			"latest message kept");
		ASSERT_NULL(c->output_messages, "output over the cap is dropped");
		ASSERT_EQ(c->n_finish_reasons, 1, "finish still there");
	}
	genai_call__free(c);
	http_exchange__free(x);
	tt_buf_free(&req);
	tt_buf_free(&resp);
	free(text);
}
