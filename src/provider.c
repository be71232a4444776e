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
	{ "api.voyageai.com", "voyage_ai", "voyage_ai" },
};

/*
 * Bedrock Runtime's hosts are per region (bedrock-runtime.us-east-1.amazonaws.com,
 * bedrock-runtime-fips..., VPC endpoints vpce-x.bedrock-runtime.eu-west-1.vpce.amazonaws.com,
 * amazonaws.com.cn in China): a label starting "bedrock-runtime" under amazonaws.
 */
static const struct host_rule bedrock_rule = { "bedrock-runtime", "aws.bedrock", "aws.bedrock" };

#define OLLAMA_PORT 11434

/* APIs known by the end of the path (first match: "/chat/completions" before "/completions"). */
static const struct path_rule {
	const char *suffix;
	enum prov_api api;
} path_rules[] = {
	{ "/chat/completions", PROV_API_OPENAI_CHAT },
	{ "/completions", PROV_API_OPENAI_COMPLETIONS },
	{ "/responses", PROV_API_OPENAI_RESPONSES },
	{ "/api/embeddings", PROV_API_OLLAMA_EMBED },
	{ "/embeddings", PROV_API_OPENAI_EMBEDDINGS },
	{ "/v1/messages", PROV_API_ANTHROPIC },
	{ "/api/chat", PROV_API_OLLAMA_CHAT },
	{ "/api/generate", PROV_API_OLLAMA_GENERATE },
	{ "/api/embed", PROV_API_OLLAMA_EMBED },
	{ "/v2/chat", PROV_API_COHERE },
	{ "/v1/embed", PROV_API_COHERE_EMBED },
	{ "/v2/embed", PROV_API_COHERE_EMBED },
	{ "/rerank", PROV_API_RERANK },
};

/* Gemini's methods on models/M (generativelanguage and Vertex): ":method" ends the path. */
static const struct method_rule {
	const char *method;
	enum prov_api api;
	bool stream;
} gemini_methods[] = {
	{ ":generateContent", PROV_API_GEMINI, false },
	{ ":streamGenerateContent", PROV_API_GEMINI, true },
	{ ":embedContent", PROV_API_GEMINI_EMBED, false },
	{ ":batchEmbedContents", PROV_API_GEMINI_EMBED, false },
	/* Vertex: an embedding model's predict (a :predict of another kind goes generic) */
	{ ":predict", PROV_API_GEMINI_EMBED, false },
};

/*
 * Paths of model APIs that are no model call (token counting): their requests carry a model and
 * messages, so the generic decoder would take them for one.
 */
static const char *const not_calls[] = {
	"count_tokens", "countTokens", "computeTokens", "tokenize", "detokenize",
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
	if ((!strncmp(host, "bedrock-runtime", 15) || strstr(host, ".bedrock-runtime")) &&
	    (str_ends_with(host, hl, ".amazonaws.com") ||
	     str_ends_with(host, hl, ".amazonaws.com.cn")))
		return &bedrock_rule;
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

/* The query of the target has the parameter name (with a value or not). */
static bool query_key(const char *target, const char *name)
{
	const char *q = strchr(target, '?');
	size_t n = strlen(name);

	while (q) {
		q++;
		if (!strncmp(q, name, n) && (q[n] == '=' || q[n] == '&' || q[n] == '\0'))
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

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the %XX escapes of s in place (a model id or ARN in a path: "v1%3A0" is "v1:0"). */
static void url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && hex_val(s[1]) >= 0 && hex_val(s[2]) >= 0) {
			*o++ = (char)(hex_val(s[1]) << 4 | hex_val(s[2]));
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * Bedrock Runtime: /model/{modelId}/{converse,converse-stream,invoke,
 * invoke-with-response-stream}, the model id (or an ARN) URL-encoded in one segment.
 */
static enum prov_api bedrock_api(const char *path, size_t len, struct prov_match *m)
{
	static const struct {
		const char *op;
		enum prov_api api;
		bool stream;
	} ops[] = {
		{ "/converse", PROV_API_BEDROCK_CONVERSE, false },
		{ "/converse-stream", PROV_API_BEDROCK_CONVERSE, true },
		{ "/invoke", PROV_API_BEDROCK_INVOKE, false },
		{ "/invoke-with-response-stream", PROV_API_BEDROCK_INVOKE, true },
	};
	const char *id, *slash;
	size_t i, n;

	if (len < 8 || memcmp(path, "/model/", 7))
		return PROV_API_NONE;
	id = path + 7;
	slash = memchr(id, '/', len - 7);
	if (!slash || slash == id)
		return PROV_API_NONE;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		n = strlen(ops[i].op);
		if ((size_t)(path + len - slash) != n || memcmp(slash, ops[i].op, n))
			continue;
		n = (size_t)(slash - id);
		if (n >= sizeof(m->path_model))
			n = sizeof(m->path_model) - 1;
		memcpy(m->path_model, id, n);
		m->path_model[n] = '\0';
		url_decode(m->path_model);
		m->path_stream = ops[i].stream;
		/* no other API has these paths (the Anthropic decoder need not check its shape) */
		m->known_host = true;
		return ops[i].api;
	}
	return PROV_API_NONE;
}

static enum prov_api path_api(const struct http_exchange *x, const char *path, size_t len,
			      struct prov_match *m)
{
	enum prov_api api = bedrock_api(path, len, m);
	size_t i;

	if (api != PROV_API_NONE)
		return api;
	for (i = 0; i < sizeof(gemini_methods) / sizeof(gemini_methods[0]); i++) {
		if (!str_ends_with(path, len, gemini_methods[i].method) ||
		    (gemini_methods[i].api == PROV_API_GEMINI_EMBED &&
		     !memmem(path, len, "models/", 7)))
			continue;
		m->path_stream = gemini_methods[i].stream;
		m->path_sse = query_has(x->target, "alt=sse");
		path_segment(path, len, "models/", ":", m->path_model, sizeof(m->path_model));
		m->known_host = true;
		return gemini_methods[i].api;
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

/* Vertex AI names a project and a location, or a publisher's model (express mode). */
static bool vertex_path(const char *path, size_t len)
{
	return memmem(path, len, "/publishers/", 12) ||
	       (memmem(path, len, "/projects/", 10) && memmem(path, len, "/locations/", 11));
}

/*
 * Azure on any host (a proxy, a private endpoint): a deployment path, or the api-version query
 * or api-key header that only Azure's APIs take. Azure OpenAI's paths are under /openai/, Azure AI
 * Inference's (/models/chat/completions, serverless /chat/completions) are not.
 */
static bool azure_match(const struct http_exchange *x, const char *path, size_t len,
			struct prov_match *m)
{
	bool oai = memmem(path, len, "/openai/", 8) != NULL;

	if (!memmem(path, len, "/openai/deployments/", 20) &&
	    !query_key(x->target, "api-version") && !http_headers_get(&x->req.headers, "api-key"))
		return false;
	m->provider = oai ? "azure.ai.openai" : "azure.ai.inference";
	m->system = oai ? "az.ai.openai" : "az.ai.inference";
	m->known_host = true;
	return true;
}

/* Provider of a server no host rule names, from the API the path names. */
static void match_path(const struct http_exchange *x, int port, struct prov_match *m)
{
	switch (m->api) {
	case PROV_API_OLLAMA_CHAT:
	case PROV_API_OLLAMA_GENERATE:
	case PROV_API_OLLAMA_EMBED:
		m->provider = m->system = "ollama";
		break;
	case PROV_API_ANTHROPIC:
		m->provider = m->system = "anthropic";
		m->known_host = m->known_host ||
				http_headers_get(&x->req.headers, "anthropic-version");
		break;
	case PROV_API_GEMINI:
	case PROV_API_GEMINI_EMBED:
		m->provider = "gcp.gemini";
		m->system = "gemini";
		break;
	case PROV_API_COHERE:
	case PROV_API_COHERE_EMBED:
		m->provider = m->system = "cohere";
		break;
	case PROV_API_RERANK:
		m->provider = m->system = "unknown"; /* prov_embed tells Cohere's by its answer */
		break;
	case PROV_API_BEDROCK_CONVERSE:
	case PROV_API_BEDROCK_INVOKE:
		/* the path is Bedrock's; a proxy or a local endpoint still speaks its API */
		m->provider = m->system = "aws.bedrock";
		break;
	default:
		/* An unknown server speaking the OpenAI API: the client is an OpenAI client. */
		m->provider = m->system = "openai";
		break;
	}
	if (port == OLLAMA_PORT) {
		m->provider = m->system = "ollama";
		m->known_host = true;
	}
}

static void match_provider(const struct http_exchange *x, const char *host, int port,
			   const char *path, size_t len, struct prov_match *m)
{
	const struct host_rule *r = host_lookup(host);

	if (memmem(path, len, "/openai/deployments/", 20))
		path_segment(path, len, "/openai/deployments/", "/", m->path_model,
			     sizeof(m->path_model));
	if (r) {
		m->provider = r->provider;
		m->system = r->system;
		m->known_host = true;
		/* an Azure AI Foundry resource serves both Azure APIs */
		if (!strncmp(r->provider, "azure.", 6) && memmem(path, len, "/models/", 8) &&
		    !memmem(path, len, "/openai/", 8)) {
			m->provider = "azure.ai.inference";
			m->system = "az.ai.inference";
		}
		return;
	}
	if (vertex_path(path, len)) {
		m->provider = "gcp.vertex_ai";
		m->system = "vertex_ai";
		m->known_host = true;
	} else if (!azure_match(x, path, len, m)) {
		match_path(x, port, m);
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
	cJSON_Delete(p->offer);
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
	c->fd = x->fd;
	memcpy(c->peer_addr, x->peer_addr, sizeof(c->peer_addr));
	c->peer_port = x->peer_port;
	c->tls = x->tls;
	c->src = x->src;
	c->lib = x->lib;
	c->http_version = x->http_version;
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

/*
 * Request headers in which agents send the id of their conversation (gen_ai.conversation.id
 * when the body names none): Claude Code's x-claude-code-session-id, Codex's session_id and
 * conversation_id. Only a UUID is taken: a header named "session" may hold a web session's
 * credential elsewhere, and a credential is never exported.
 */
static const char *const session_headers[] = {
	"x-claude-code-session-id",
	"session_id",
	"conversation_id",
};

/* v is a UUID in its text form: 8-4-4-4-12 hex digits. */
static bool is_uuid(const char *v)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (v[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)v[i])) {
			return false;
		}
	}
	return v[36] == '\0';
}

static int session_id(struct genai_call *c, const struct http_exchange *x)
{
	const char *v;
	size_t i;

	for (i = 0; !c->conversation_id && i < sizeof(session_headers) / sizeof(*session_headers);
	     i++) {
		v = http_headers_get(&x->req.headers, session_headers[i]);
		if (v && is_uuid(v))
			return prov_set_str(&c->conversation_id, v);
	}
	return 0;
}

static int call_post(struct genai_call *c, const struct http_exchange *x)
{
	char st[16];
	int err;

	err = session_id(c, x);
	if (err)
		return err;
	if (x->resp.kind == HTTP_BODY_SSE || x->resp.kind == HTTP_BODY_NDJSON ||
	    x->resp.kind == HTTP_BODY_EVENTSTREAM)
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
	p.content_max = opts->content_max ? opts->content_max : TT_CONTENT_MAX_DEFAULT;
	if (p.content_max > TT_MAX_GENAI_CONTENT)
		p.content_max = TT_MAX_GENAI_CONTENT;
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
	case PROV_API_BEDROCK_CONVERSE:
	case PROV_API_BEDROCK_INVOKE:
		err = prov_bedrock_decode(&p);
		break;
	case PROV_API_GENERIC:
		err = prov_generic_decode(&p);
		break;
	case PROV_API_OPENAI_EMBEDDINGS:
	case PROV_API_GEMINI_EMBED:
	case PROV_API_COHERE_EMBED:
	case PROV_API_OLLAMA_EMBED:
	case PROV_API_RERANK:
		err = prov_embed_decode(&p);
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

int provider_decode_ws(const struct http_exchange *x, const struct provider_opts *opts,
		       provider_call_fn fn, void *ctx)
{
	static const struct provider_opts defaults;
	struct prov_match m = { .api = PROV_API_OPENAI_RESPONSES,
				.provider = "openai",
				.system = "openai",
				.known_host = true };
	struct prov_ws_iter it;
	struct http_exchange vx;
	struct genai_call *c;
	int n = 0, r, err = 0;

	if (!x || !fn || !prov_ws_is_llm(x))
		return -ENOENT;
	opts = opts ? opts : &defaults;
	prov_ws_iter__init(&it, x);
	while (!err && (r = prov_ws_next(&it, &vx)) > 0) {
		err = decode_as(&vx, opts, &m, &c);
		if (err == -ENOENT) {
			err = 0; /* not a response we can read: the others may be */
			continue;
		}
		if (!err) {
			if (it.realtime)
				c->api_type = "realtime";
			fn(c, ctx);
			n++;
		}
	}
	prov_ws_iter__free(&it);
	if (!err && r < 0)
		err = r;
	return err ? err : n ? n : -ENOENT;
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
