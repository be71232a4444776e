// SPDX-License-Identifier: MIT
/* provider.c: recognises LLM API exchanges and dispatches them to the prov_* decoders. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "prov_internal.h"
#include "redact.h"

struct host_rule {
	const char *host;		/* exact, or a suffix after '.' or '-' */
	const char *provider;
	const char *system;		/* legacy gen_ai.system */
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

/* ---- detection ---- */

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

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
		if (colon && strchr(in, ':') != colon)	/* bare IPv6 address */
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
	if (memmem(path, len, ":generateContent", 16) ||
	    memmem(path, len, ":streamGenerateContent", 22)) {
		m->path_stream = memmem(path, len, ":stream", 7) != NULL;
		m->path_sse = query_has(x->target, "alt=sse");
		path_segment(path, len, "models/", ":", m->path_model, sizeof(m->path_model));
		m->known_host = true;
		return PROV_API_GEMINI;
	}
	if (memmem(path, len, "publishers/anthropic/models/", 28) &&
	    (ends_with(path, len, ":rawPredict") || ends_with(path, len, ":streamRawPredict"))) {
		m->path_stream = ends_with(path, len, ":streamRawPredict");
		path_segment(path, len, "models/", ":@", m->path_model, sizeof(m->path_model));
		m->known_host = true;
		return PROV_API_ANTHROPIC;
	}
	if (ends_with(path, len, "/chat/completions"))
		return PROV_API_OPENAI_CHAT;
	if (ends_with(path, len, "/completions"))
		return PROV_API_OPENAI_COMPLETIONS;
	if (ends_with(path, len, "/responses"))
		return PROV_API_OPENAI_RESPONSES;
	if (ends_with(path, len, "/embeddings"))
		return PROV_API_OPENAI_EMBEDDINGS;
	if (ends_with(path, len, "/v1/messages"))
		return PROV_API_ANTHROPIC;
	if (ends_with(path, len, "/api/chat"))
		return PROV_API_OLLAMA_CHAT;
	if (ends_with(path, len, "/api/generate"))
		return PROV_API_OLLAMA_GENERATE;
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
		m->known_host = m->known_host || http_headers_get(&x->req.headers,
								   "anthropic-version");
	} else if (m->api == PROV_API_GEMINI) {
		m->provider = "gcp.gemini";
		m->system = "gemini";
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

bool provider_is_llm_request(const struct http_exchange *x)
{
	struct prov_match m;

	return x && !prov_detect(x, &m);
}

/* ---- output assembly ---- */

/*
 * When the tool block of (choice, key) was last added to before a reset: a stream's final object
 * (Responses' response.completed) repeats every call, and the call was ready when its own events
 * came, not then.
 */
static uint64_t block_time(const struct prov_ctx *p, int choice, int key)
{
	size_t i;

	for (i = 0; i < p->n_times; i++)
		if (p->times[i].choice == choice && p->times[i].key == key)
			return p->times[i].ns;
	return 0;
}

struct prov_block *prov_block(struct prov_ctx *p, int choice, enum prov_block_kind kind,
			      int key)
{
	struct prov_block *b;
	size_t i;

	if (choice < 0 || choice >= TT_MAX_GENAI_CHOICES)
		return NULL;
	for (i = p->n_blocks; i-- > 0;) {
		b = &p->blocks[i];
		if (b->choice == choice && b->kind == kind && b->key == key) {
			if (p->ev_ns && !(kind == PROV_BLK_TOOL && block_time(p, choice, key)))
				b->last_ns = p->ev_ns;
			return b;
		}
	}
	if (p->n_blocks >= TT_MAX_GENAI_BLOCKS)
		return NULL;
	if (p->n_blocks == p->alloc_blocks) {
		size_t n = p->alloc_blocks ? p->alloc_blocks * 2 : 8;

		b = realloc(p->blocks, n * sizeof(*b));
		if (!b)
			return NULL;
		p->blocks = b;
		p->alloc_blocks = n;
	}
	b = &p->blocks[p->n_blocks++];
	memset(b, 0, sizeof(*b));
	b->choice = choice;
	b->kind = kind;
	b->key = key;
	b->tool_type = "function";
	b->last_ns = kind == PROV_BLK_TOOL ? block_time(p, choice, key) : 0;
	if (!b->last_ns)
		b->last_ns = p->ev_ns;
	tt_buf_init(&b->data, kind == PROV_BLK_TOOL ? TT_MAX_GENAI_ARGS : TT_MAX_GENAI_TEXT);
	if (choice >= p->n_choices)
		p->n_choices = choice + 1;
	return b;
}

void prov_blocks_reset(struct prov_ctx *p)
{
	struct prov_block_time *t;
	size_t i;

	for (i = 0; i < p->n_blocks; i++) {
		if (p->blocks[i].kind == PROV_BLK_TOOL && p->blocks[i].last_ns &&
		    !block_time(p, p->blocks[i].choice, p->blocks[i].key)) {
			t = realloc(p->times, (p->n_times + 1) * sizeof(*t));
			if (t) {
				p->times = t;
				t[p->n_times++] = (struct prov_block_time){ p->blocks[i].choice,
									    p->blocks[i].key,
									    p->blocks[i].last_ns };
			}
		}
	}
	for (i = 0; i < p->n_blocks; i++) {
		free(p->blocks[i].id);
		free(p->blocks[i].name);
		tt_buf_free(&p->blocks[i].data);
	}
	p->n_blocks = 0;
}

int prov_block_add(struct prov_ctx *p, struct prov_block *b, const char *s, size_t n)
{
	long got;

	if (!b || !s || !n || (b->kind != PROV_BLK_TOOL && !p->capture))
		return 0;
	got = tt_buf_add_upto(&b->data, s, n);
	if (got < 0)
		return (int)got;
	if ((size_t)got < n && !b->cut) {
		b->cut = true;
		p->c->flags |= GENAI_F_CONTENT_TRUNCATED;
		tt_debug("provider: pid=%u conn=%#llx: output part cut at %zu bytes", p->x->pid,
			 (unsigned long long)p->x->conn, b->data.len);
	}
	return 0;
}

int prov_set_finish(struct prov_ctx *p, int choice, const char *reason)
{
	if (!reason || choice < 0 || choice >= TT_MAX_GENAI_CHOICES)
		return 0;
	if (!p->finish) {
		p->finish = calloc(TT_MAX_GENAI_CHOICES, sizeof(*p->finish));
		if (!p->finish)
			return -ENOMEM;
	}
	if (choice >= p->n_choices)
		p->n_choices = choice + 1;
	return prov_set_str(&p->finish[choice], reason);
}

/* The conventions' OutputMessage.finish_reason for a provider-native reason. */
static const char *finish_conv(const char *r)
{
	static const char *const map[][2] = {
		{ "end_turn", "stop" }, { "stop_sequence", "stop" }, { "STOP", "stop" },
		{ "stop", "stop" }, { "max_tokens", "length" }, { "MAX_TOKENS", "length" },
		{ "length", "length" }, { "tool_calls", "tool_call" }, { "tool_use", "tool_call" },
		{ "function_call", "tool_call" }, { "SAFETY", "content_filter" },
		{ "RECITATION", "content_filter" }, { "refusal", "content_filter" },
		{ "content_filter", "content_filter" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(r, map[i][0]))
			return map[i][1];
	return r;
}

static int finish_tool_calls(struct prov_ctx *p)
{
	struct genai_call *c = p->c;
	struct genai_tool_call *t;
	struct prov_block *b;
	size_t i;

	for (i = 0; i < p->n_blocks && c->n_tool_calls < TT_MAX_GENAI_TOOLS; i++) {
		b = &p->blocks[i];
		if (b->kind != PROV_BLK_TOOL)
			continue;
		t = realloc(c->tool_calls, (c->n_tool_calls + 1) * sizeof(*t));
		if (!t)
			return -ENOMEM;
		c->tool_calls = t;
		t += c->n_tool_calls++;
		memset(t, 0, sizeof(*t));
		t->type = b->tool_type;
		t->ready_ns = b->last_ns;
		if (prov_set_str(&t->id, b->id) || prov_set_str(&t->name, b->name))
			return -ENOMEM;
		if (b->data.len) {
			/* the rules of redact.h inside the JSON's strings: valid JSON stays so */
			t->arguments = redact_json((const char *)b->data.data, b->data.len);
			if (!t->arguments)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool choice_cut(const struct prov_ctx *p)
{
	return prov_resp_truncated(p) || (p->c->flags & GENAI_F_INCOMPLETE);
}

static int finish_reasons(struct prov_ctx *p)
{
	struct genai_call *c = p->c;
	const char *r;
	int i;

	for (i = 0; i < p->n_choices; i++) {
		r = p->finish ? p->finish[i] : NULL;
		if (!r && choice_cut(p))
			r = "error";
		if (!r)
			continue;
		if (!c->finish_reasons) {
			c->finish_reasons = calloc(p->n_choices, sizeof(char *));
			if (!c->finish_reasons)
				return -ENOMEM;
		}
		c->finish_reasons[c->n_finish_reasons] = strndup(r, TT_MAX_GENAI_STR);
		if (!c->finish_reasons[c->n_finish_reasons++])
			return -ENOMEM;
	}
	return 0;
}

static cJSON *block_part(const struct prov_block *b)
{
	const char *s = b->data.len ? (const char *)b->data.data : "";

	/* data has a spare byte for the NUL (tt_buf_cstr would need a non-const buffer) */
	if (b->data.data)
		b->data.data[b->data.len] = '\0';
	switch (b->kind) {
	case PROV_BLK_TEXT:
		return prov_part_text("text", s);
	case PROV_BLK_REASONING:
		return prov_part_text("reasoning", s);
	case PROV_BLK_REFUSAL:
		return prov_part_text("refusal", s);
	case PROV_BLK_TOOL:
		return prov_part_tool_call(b->id, b->name, b->data.len ? s : NULL);
	}
	return NULL;
}

static cJSON *output_messages(struct prov_ctx *p)
{
	cJSON *msgs = cJSON_CreateArray(), *msg, *parts;
	const char *r;
	size_t i;
	int ch;

	for (ch = 0; msgs && ch < p->n_choices; ch++) {
		r = p->finish ? p->finish[ch] : NULL;
		msg = cJSON_CreateObject();
		parts = cJSON_AddArrayToObject(msg, "parts");
		if (!parts || !cJSON_AddItemToArray(msgs, msg)) {
			cJSON_Delete(msg);
			break;
		}
		cJSON_AddStringToObject(msg, "role", p->role ? p->role : "assistant");
		for (i = 0; i < p->n_blocks; i++)
			if (p->blocks[i].choice == ch)
				cJSON_AddItemToArray(parts, block_part(&p->blocks[i]));
		cJSON_AddStringToObject(msg, "finish_reason",
					r ? finish_conv(r) : choice_cut(p) ? "error" : "stop");
	}
	return msgs;
}

/*
 * JSON text of a content attribute: redacted, at most TT_MAX_GENAI_CONTENT bytes. When too
 * large, the oldest array items are dropped (the latest turns matter most).
 */
static char *content_json(cJSON *arr, uint32_t *flags)
{
	int n = cJSON_GetArraySize(arr), drop = 0;
	size_t total = 2, *sz;
	char *s, *red;
	int i;

	if (!arr || !n)
		return NULL;
	sz = calloc(n, sizeof(*sz));
	if (!sz)
		return NULL;
	for (i = 0; i < n; i++) {
		s = cJSON_PrintUnformatted(cJSON_GetArrayItem(arr, i));
		sz[i] = s ? strlen(s) + 1 : 0;
		total += sz[i];
		free(s);
	}
	while (total > TT_MAX_GENAI_CONTENT && drop < n)
		total -= sz[drop++];
	free(sz);
	if (drop) {
		*flags |= GENAI_F_CONTENT_TRUNCATED;
		if (drop == n)
			return NULL;
		while (drop--)
			cJSON_DeleteItemFromArray(arr, 0);
	}
	s = cJSON_PrintUnformatted(arr);
	if (!s)
		return NULL;
	red = redact_json(s, strlen(s));
	free(s);
	return red;
}

int prov_finish(struct prov_ctx *p)
{
	struct genai_call *c = p->c;
	cJSON *out;
	int err;

	err = finish_tool_calls(p);
	err = err ?: finish_reasons(p);
	if (err || !p->capture)
		return err;
	c->input_messages = content_json(p->in_msgs, &c->flags);
	c->system_instructions = content_json(p->sys, &c->flags);
	c->tool_definitions = content_json(p->tool_defs, &c->flags);
	if (p->n_choices) {
		out = output_messages(p);
		c->output_messages = content_json(out, &c->flags);
		cJSON_Delete(out);
	}
	return 0;
}

/* ---- content parts ---- */

cJSON *prov_part_text(const char *type, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "type", type) ||
	    !cJSON_AddStringToObject(o, "content", text ? text : "")) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

cJSON *prov_part_tool_call(const char *id, const char *name, const char *args_json)
{
	cJSON *o = cJSON_CreateObject(), *args = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", "tool_call");
	if (id)
		cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", name ? name : "");
	if (args_json) {
		args = cJSON_Parse(args_json);
		if (!args)
			args = cJSON_CreateString(args_json);
		cJSON_AddItemToObject(o, "arguments", args);
	}
	return o;
}

cJSON *prov_part_tool_response(const char *id, const cJSON *response)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "type", "tool_call_response");
	if (id)
		cJSON_AddStringToObject(o, "id", id);
	cJSON_AddItemToObject(o, "response", response ? cJSON_Duplicate(response, true) :
						       cJSON_CreateNull());
	return o;
}

static int add_to(cJSON **arr, cJSON *item)
{
	if (!item)
		return -ENOMEM;
	if (!*arr)
		*arr = cJSON_CreateArray();
	if (!*arr || !cJSON_AddItemToArray(*arr, item)) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	return 0;
}

int prov_in_msg(struct prov_ctx *p, const char *role, cJSON *parts)
{
	cJSON *m = cJSON_CreateObject();

	if (!m || !parts) {
		cJSON_Delete(m);
		cJSON_Delete(parts);
		return -ENOMEM;
	}
	cJSON_AddStringToObject(m, "role", role ? role : "user");
	cJSON_AddItemToObject(m, "parts", parts);
	return add_to(&p->in_msgs, m);
}

int prov_sys_text(struct prov_ctx *p, const char *text)
{
	return text ? add_to(&p->sys, prov_part_text("text", text)) : 0;
}

int prov_tool_def(struct prov_ctx *p, const char *type, const char *name, const char *desc,
		  const cJSON *params)
{
	cJSON *d = cJSON_CreateObject();

	if (!d)
		return -ENOMEM;
	cJSON_AddStringToObject(d, "type", type ? type : "function");
	cJSON_AddStringToObject(d, "name", name ? name : "");
	if (desc)
		cJSON_AddStringToObject(d, "description", desc);
	if (params)
		cJSON_AddItemToObject(d, "parameters", cJSON_Duplicate(params, true));
	return add_to(&p->tool_defs, d);
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

int provider_decode(const struct http_exchange *x, const struct provider_opts *opts,
		    struct genai_call **out)
{
	static const struct provider_opts defaults;
	struct prov_match m;
	struct prov_ctx p;
	struct genai_call *c;
	int err;

	if (!x || !out)
		return -EINVAL;
	*out = NULL;
	opts = opts ? opts : &defaults;
	if (prov_detect(x, &m))
		return -ENOENT;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	p.x = x;
	p.opts = opts;
	p.m = &m;
	p.c = c;
	p.capture = opts->capture_content;
	err = call_init(c, x, &m, opts);
	if (err)
		goto cleanup;
	switch (m.api) {
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
