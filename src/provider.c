// SPDX-License-Identifier: MIT
/* provider.c: recognises LLM API exchanges and dispatches them to the prov_* decoders. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"
#include "str.h"

struct host_rule {
	const char *host; /* exact, or a suffix after '.' or '-' */
	const char *provider;
	const char *system; /* legacy gen_ai.system */
};

static const struct host_rule host_rules[] = {
	{ "api.openai.com", "openai", "openai" },
	{ "api.anthropic.com", "anthropic", "anthropic" },
	{ "generativelanguage.googleapis.com", "gcp.gemini", "gemini" },
	{ "aiplatform.googleapis.com", "gcp.vertex_ai", "vertex_ai" },
	{ "openai.azure.com", "azure.ai.openai", "az.ai.openai" },
	{ "cognitiveservices.azure.com", "azure.ai.openai", "az.ai.openai" },
	{ "services.ai.azure.com", "azure.ai.openai", "az.ai.openai" },
	{ "models.ai.azure.com", "azure.ai.inference", "az.ai.inference" },
	{ "inference.ai.azure.com", "azure.ai.inference", "az.ai.inference" },
	{ "api.groq.com", "groq", "groq" },
	{ "api.deepseek.com", "deepseek", "deepseek" },
	{ "api.mistral.ai", "mistral_ai", "mistral_ai" },
	{ "api.x.ai", "x_ai", "xai" },
	{ "api.perplexity.ai", "perplexity", "perplexity" },
	{ "api.moonshot.ai", "moonshot_ai", "moonshot_ai" },
	{ "api.moonshot.cn", "moonshot_ai", "moonshot_ai" },
	{ "api.cohere.com", "cohere", "cohere" },
	{ "api.cohere.ai", "cohere", "cohere" },
	{ "openrouter.ai", "openrouter", "openrouter" },
	{ "api.together.xyz", "together", "together" },
	{ "api.together.ai", "together", "together" },
	{ "api.fireworks.ai", "fireworks", "fireworks" },
	{ "api.cerebras.ai", "cerebras", "cerebras" },
};

#define OLLAMA_PORT 11434

/* APIs known by the end of the path (first match: "/chat/completions" before "/completions"). */
static const struct path_rule {
	const char *suffix;
	enum prov_api api;
} path_rules[] = {
	{ "/chat/completions", PROV_API_OPENAI_CHAT },
	{ "/completions", PROV_API_OPENAI_COMPLETIONS },
	{ "/responses", PROV_API_OPENAI_RESPONSES },
	{ "/embeddings", PROV_API_OPENAI_EMBEDDINGS },
	{ "/v1/messages", PROV_API_ANTHROPIC },
	{ "/api/chat", PROV_API_OLLAMA_CHAT },
	{ "/api/generate", PROV_API_OLLAMA_GENERATE },
	{ "/v2/chat", PROV_API_COHERE },
};

/*
 * Paths of model APIs that are no model call (token counting): their requests carry a model and
 * messages, so the generic decoder would take them for one.
 */
static const char *const not_calls[] = {
	"count_tokens",
	"countTokens",
	"tokenize",
	"detokenize",
};

/* ---- detection ---- */

static const struct host_rule *host_lookup(const char *host)
{
	size_t i, hl = strlen(host), rl;

	for (i = 0; i < sizeof(host_rules) / sizeof(host_rules[0]); i++) {
		rl = strlen(host_rules[i].host);
		if (hl < rl || strcmp(host + hl - rl, host_rules[i].host))
			continue;
		if (hl == rl || host[hl - rl - 1] == '.' || host[hl - rl - 1] == '-')
			return &host_rules[i];
	}
	return NULL;
}

/* Splits "name[:port]" or "[v6]:port" into a lowercase name and a port (0 if none). */
static void host_split(const char *in, char *name, size_t size, int *port)
{
	const char *end, *colon;
	size_t n, i;

	*port = 0;
	if (*in == '[') {
		end = strchr(in, ']');
		in++;
		n = end ? (size_t)(end - in) : strlen(in);
		colon = end && end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(in, ':');
		if (colon && strchr(in, ':') != colon) /* bare IPv6 address */
			colon = NULL;
		n = colon ? (size_t)(colon - in) : strlen(in);
	}
	if (colon)
		*port = atoi(colon + 1);
	if (*port < 0 || *port > 65535)
		*port = 0;
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		name[i] = tolower((unsigned char)in[i]);
	name[n] = '\0';
}

/* Path of the request target without query, also for absolute-form targets. */
static const char *target_path(const char *t, size_t *len)
{
	const char *q, *p = strstr(t, "://");

	if (p && p < t + strcspn(t, "/?")) {
		p = strchr(p + 3, '/');
		t = p ? p : "/";
	}
	q = strchr(t, '?');
	*len = q ? (size_t)(q - t) : strlen(t);
	return t;
}

static bool query_has(const char *target, const char *param)
{
	const char *q = strchr(target, '?');
	size_t n = strlen(param);

	while (q) {
		q++;
		if (!strncmp(q, param, n) && (q[n] == '&' || q[n] == '\0'))
			return true;
		q = strchr(q, '&');
	}
	return false;
}

/* Copies the path segment after "marker" up to one of the stop characters. */
static void path_segment(const char *path, size_t len, const char *marker, const char *stop,
			 char *out, size_t size)
{
	const char *s = memmem(path, len, marker, strlen(marker));
	size_t n;

	out[0] = '\0';
	if (!s)
		return;
	s += strlen(marker);
	n = strcspn(s, stop);
	if (s + n > path + len)
		n = path + len - s;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static enum prov_api path_api(const struct http_exchange *x, const char *path, size_t len,
			      struct prov_match *m)
{
	size_t i;

	if (memmem(path, len, ":generateContent", 16) ||
	    memmem(path, len, ":streamGenerateContent", 22)) {
		m->path_stream = memmem(path, len, ":stream", 7) != NULL;
		m->path_sse = query_has(x->target, "alt=sse");
		path_segment(path, len, "models/", ":", m->path_model, sizeof(m->path_model));
		m->known_host = true;
		return PROV_API_GEMINI;
	}
	if (memmem(path, len, "publishers/anthropic/models/", 28) &&
	    (str_ends_with(path, len, ":rawPredict") ||
	     str_ends_with(path, len, ":streamRawPredict"))) {
		m->path_stream = str_ends_with(path, len, ":streamRawPredict");
		path_segment(path, len, "models/", ":@", m->path_model, sizeof(m->path_model));
		m->known_host = true;
		return PROV_API_ANTHROPIC;
	}
	for (i = 0; i < sizeof(path_rules) / sizeof(path_rules[0]); i++)
		if (str_ends_with(path, len, path_rules[i].suffix))
			return path_rules[i].api;
	return PROV_API_NONE;
}

static void match_provider(const struct http_exchange *x, const char *host, int port,
			   const char *path, size_t len, struct prov_match *m)
{
	const struct host_rule *r = host_lookup(host);
	bool azure_dep = memmem(path, len, "/openai/deployments/", 20) != NULL;

	if (azure_dep)
		path_segment(path, len, "/openai/deployments/", "/", m->path_model,
			     sizeof(m->path_model));
	if (r) {
		m->provider = r->provider;
		m->system = r->system;
		m->known_host = true;
		if (!strcmp(r->host, "services.ai.azure.com") && memmem(path, len, "/models/", 8)) {
			m->provider = "azure.ai.inference";
			m->system = "az.ai.inference";
		}
		return;
	}
	if (azure_dep) {
		m->provider = "azure.ai.openai";
		m->system = "az.ai.openai";
		m->known_host = true;
	} else if (port == OLLAMA_PORT || m->api == PROV_API_OLLAMA_CHAT ||
		   m->api == PROV_API_OLLAMA_GENERATE) {
		m->provider = m->system = "ollama";
		m->known_host = m->known_host || port == OLLAMA_PORT;
	} else if (m->api == PROV_API_ANTHROPIC) {
		m->provider = m->system = "anthropic";
		m->known_host = m->known_host ||
				http_headers_get(&x->req.headers, "anthropic-version");
	} else if (m->api == PROV_API_GEMINI) {
		m->provider = "gcp.gemini";
		m->system = "gemini";
	} else if (m->api == PROV_API_COHERE) {
		m->provider = m->system = "cohere";
	} else {
		/* An unknown server speaking the OpenAI API: the client is an OpenAI client. */
		m->provider = m->system = "openai";
	}
}

static int server_of(const struct http_exchange *x, char *name, size_t size, int *port)
{
	if (x->host && *x->host) {
		host_split(x->host, name, size, port);
	} else {
		snprintf(name, size, "%s", x->peer_addr);
		*port = 0;
	}
	if (!*port)
		*port = x->peer_port ? x->peer_port : (x->tls ? 443 : 80);
	return name[0] ? 0 : -ENOENT;
}

static int prov_detect(const struct http_exchange *x, struct prov_match *m)
{
	char host[256];
	const char *path;
	size_t len;
	int port;

	memset(m, 0, sizeof(*m));
	if (!x->method || strcmp(x->method, "POST") || !x->target)
		return -ENOENT;
	if (x->flags & HTTP_X_SERVER_SIDE)
		return -ENOENT;
	path = target_path(x->target, &len);
	m->api = path_api(x, path, len, m);
	if (m->api == PROV_API_NONE)
		return -ENOENT;
	server_of(x, host, sizeof(host), &port);
	match_provider(x, host, port, path, len, m);
	return 0;
}

/* The first byte of the body that is not white space is c. */
static bool body_starts(const struct http_message *b, char c)
{
	size_t i;

	for (i = 0; i < b->body_len; i++)
		if (b->body[i] != ' ' && b->body[i] != '\t' && b->body[i] != '\r' &&
		    b->body[i] != '\n')
			return b->body[i] == c;
	return false;
}

/*
 * Any other POST of a JSON object is for the generic decoder (prov_generic.c), which looks for
 * a model call in the bodies. The provider is the host's when it is known, else "unknown".
 */
static int generic_detect(const struct http_exchange *x, struct prov_match *m)
{
	const struct host_rule *r;
	const char *path;
	char host[256];
	size_t len, i;
	int port;

	memset(m, 0, sizeof(*m));
	if (!x->method || strcmp(x->method, "POST") || !x->target ||
	    (x->flags & HTTP_X_SERVER_SIDE) || !body_starts(&x->req, '{'))
		return -ENOENT;
	path = target_path(x->target, &len);
	for (i = 0; i < sizeof(not_calls) / sizeof(not_calls[0]); i++)
		if (memmem(path, len, not_calls[i], strlen(not_calls[i])))
			return -ENOENT;
	m->api = PROV_API_GENERIC;
	m->provider = m->system = "unknown";
	server_of(x, host, sizeof(host), &port);
	r = host_lookup(host);
	if (r) {
		m->provider = r->provider;
		m->system = r->system;
		m->known_host = true;
	} else if (port == OLLAMA_PORT) {
		m->provider = m->system = "ollama";
	}
	return 0;
}

bool provider_is_llm_request(const struct http_exchange *x)
{
	struct prov_match m;

	return x && !prov_detect(x, &m);
}

bool provider_is_llm_host(const char *host)
{
	char name[256];
	int port;

	if (strlen(host) >= sizeof(name))
		return false; /* longer than any name, and host_split would cut it */
	host_split(host, name, sizeof(name), &port);
	return host_lookup(name) != NULL;
}

/* ---- call lifecycle ---- */

static void ctx_free(struct prov_ctx *p)
{
	int i;

	prov_blocks_reset(p);
	free(p->blocks);
	for (i = 0; p->finish && i < TT_MAX_GENAI_CHOICES; i++)
		free(p->finish[i]);
	free(p->finish);
	http_message__clear(&p->own);
	free(p->times);
	cJSON_Delete(p->req);
	cJSON_Delete(p->in_msgs);
	cJSON_Delete(p->sys);
	cJSON_Delete(p->tool_defs);
}

static int call_init(struct genai_call *c, const struct http_exchange *x,
		     const struct prov_match *m, const struct provider_opts *o)
{
	char host[256];
	int port;

	c->pid = x->pid;
	c->tid = x->tid;
	c->conn = x->conn;
	c->seq = x->seq;
	c->start_ns = x->req.start_ns;
	c->end_ns = x->resp.end_ns ? x->resp.end_ns : x->req.end_ns;
	c->provider_name = m->provider;
	c->system = m->system;
	c->legacy_semconv = o->legacy_semconv;
	c->http_status = x->status;
	if (x->flags & HTTP_X_REQ_TRUNCATED)
		c->flags |= GENAI_F_REQ_TRUNCATED;
	if (x->flags & (HTTP_X_RESP_TRUNCATED | HTTP_X_DECODE_ERROR))
		c->flags |= GENAI_F_RESP_TRUNCATED;
	if (x->flags & HTTP_X_INCOMPLETE)
		c->flags |= GENAI_F_INCOMPLETE;
	if ((x->flags & HTTP_X_NO_RESPONSE) || !x->status)
		c->flags |= GENAI_F_NO_RESPONSE;
	if (!server_of(x, host, sizeof(host), &port)) {
		c->server_port = port;
		return prov_set_str(&c->server_address, host);
	}
	return 0;
}

static int call_post(struct genai_call *c, const struct http_exchange *x)
{
	char st[16];

	if (x->resp.kind == HTTP_BODY_SSE || x->resp.kind == HTTP_BODY_NDJSON)
		c->streaming = true;
	if (c->streaming && c->first_chunk_ns && c->first_chunk_ns >= c->start_ns) {
		c->ttft_ns = c->first_chunk_ns - c->start_ns;
		c->has_ttft = true;
	}
	if (c->http_status >= 400 && !c->error_type) {
		snprintf(st, sizeof(st), "%d", c->http_status);
		return prov_set_str(&c->error_type, st);
	}
	return 0;
}

/* Decodes x as the API m names: 0 and a call in *out, -ENOENT when it is not that API's. */
static int decode_as(const struct http_exchange *x, const struct provider_opts *opts,
		     const struct prov_match *m, struct genai_call **out)
{
	struct prov_ctx p;
	struct genai_call *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	p.x = x;
	p.opts = opts;
	p.m = m;
	p.c = c;
	p.capture = opts->capture_content;
	err = call_init(c, x, m, opts);
	if (err)
		goto cleanup;
	switch (m->api) {
	case PROV_API_ANTHROPIC:
		err = prov_anthropic_decode(&p);
		break;
	case PROV_API_GEMINI:
		err = prov_gemini_decode(&p);
		break;
	case PROV_API_OLLAMA_CHAT:
	case PROV_API_OLLAMA_GENERATE:
		err = prov_ollama_decode(&p);
		break;
	case PROV_API_COHERE:
		err = prov_cohere_decode(&p);
		break;
	case PROV_API_GENERIC:
		err = prov_generic_decode(&p);
		break;
	default:
		err = prov_openai_decode(&p);
		break;
	}
	err = err ?: prov_finish(&p);
	err = err ?: call_post(c, x);
cleanup:
	ctx_free(&p);
	if (err) {
		if (err != -ENOENT)
			tt_warn("provider: pid=%u conn=%#llx: decoding failed: %d", x->pid,
				(unsigned long long)x->conn, err);
		genai_call__free(c);
		return err;
	}
	*out = c;
	return 0;
}

int provider_decode(const struct http_exchange *x, const struct provider_opts *opts,
		    struct genai_call **out)
{
	static const struct provider_opts defaults;
	struct prov_match m;
	int err = -ENOENT;

	if (!x || !out)
		return -EINVAL;
	*out = NULL;
	opts = opts ? opts : &defaults;
	if (!prov_detect(x, &m))
		err = decode_as(x, opts, &m, out);
	/* no known API, or not the shape of the one the path names: never silent if a model call */
	if (err == -ENOENT && !generic_detect(x, &m))
		err = decode_as(x, opts, &m, out);
	return err;
}
