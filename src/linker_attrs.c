// SPDX-License-Identifier: MIT
/* linker_attrs.c: span attributes of LLM calls (GenAI conventions) and HTTP client requests. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker_internal.h"
#include "mcp.h"
#include "redact.h"
#include "tt_limits.h"

static int set_str(struct attr_list *a, const char *key, const char *val)
{
	return val ? attrs_set_str(a, key, val) : 0;
}

static int usage_attrs(struct attr_list *a, const struct genai_usage *u)
{
	int err = 0;

	if (u->has_input_tokens)
		err |= attrs_set_int(a, "gen_ai.usage.input_tokens", u->input_tokens);
	if (u->has_output_tokens)
		err |= attrs_set_int(a, "gen_ai.usage.output_tokens", u->output_tokens);
	if (u->has_cache_read_tokens)
		err |= attrs_set_int(a, "gen_ai.usage.cache_read.input_tokens",
				     u->cache_read_tokens);
	if (u->has_cache_write_tokens) {
		/* both names while backends move from cache_creation to cache_write */
		err |= attrs_set_int(a, "gen_ai.usage.cache_creation.input_tokens",
				     u->cache_write_tokens);
		err |= attrs_set_int(a, "gen_ai.usage.cache_write.input_tokens",
				     u->cache_write_tokens);
	}
	if (u->has_reasoning_tokens)
		err |= attrs_set_int(a, "gen_ai.usage.reasoning.output_tokens",
				     u->reasoning_tokens);
	if (u->has_cost)
		err |= attrs_set_double(a, "tracetree.usage.cost", u->cost);
	return err;
}

static int param_attrs(struct attr_list *a, const struct genai_request_params *p)
{
	int err = 0;

	if (p->has_temperature)
		err |= attrs_set_double(a, "gen_ai.request.temperature", p->temperature);
	if (p->has_top_p)
		err |= attrs_set_double(a, "gen_ai.request.top_p", p->top_p);
	if (p->has_frequency_penalty)
		err |= attrs_set_double(a, "gen_ai.request.frequency_penalty",
					p->frequency_penalty);
	if (p->has_presence_penalty)
		err |= attrs_set_double(a, "gen_ai.request.presence_penalty", p->presence_penalty);
	if (p->has_top_k)
		err |= attrs_set_double(a, "gen_ai.request.top_k", (double)p->top_k);
	if (p->has_max_tokens)
		err |= attrs_set_int(a, "gen_ai.request.max_tokens", p->max_tokens);
	if (p->has_seed)
		err |= attrs_set_int(a, "gen_ai.request.seed", p->seed);
	if (p->has_choice_count)
		err |= attrs_set_int(a, "gen_ai.request.choice.count", p->choice_count);
	if (p->n_stop_sequences)
		err |= attrs_set_str_array(a, "gen_ai.request.stop_sequences",
					   (const char *const *)p->stop_sequences,
					   p->n_stop_sequences);
	return err;
}

static int ids_attrs(struct attr_list *a, const struct genai_call *c)
{
	int err = 0;

	err |= set_str(a, "gen_ai.operation.name", c->operation ? c->operation : "chat");
	err |= set_str(a, "gen_ai.provider.name", c->provider_name);
	err |= set_str(a, "tracetree.decode", c->decode);
	if (c->legacy_semconv)
		err |= set_str(a, "gen_ai.system", c->system ? c->system : c->provider_name);
	err |= set_str(a, "gen_ai.request.model", c->request_model);
	err |= set_str(a, "gen_ai.response.model", c->response_model);
	err |= set_str(a, "gen_ai.response.id", c->response_id);
	err |= set_str(a, "gen_ai.conversation.id", c->conversation_id);
	err |= set_str(a, "gen_ai.request.previous_response.id", c->previous_response_id);
	err |= set_str(a, "gen_ai.output.type", c->output_type);
	err |= set_str(a, "gen_ai.request.reasoning.level", c->reasoning_level);
	/* openai.* attributes belong to the OpenAI APIs only (api_type is set for those): an
	 * Anthropic answer also carries a service_tier, which has no attribute of its own */
	if (c->api_type) {
		err |= set_str(a, "openai.api.type", c->api_type);
		err |= set_str(a, "openai.response.service_tier", c->service_tier);
		err |= set_str(a, "openai.response.system_fingerprint", c->system_fingerprint);
	}
	if (c->n_finish_reasons)
		err |= attrs_set_str_array(a, "gen_ai.response.finish_reasons",
					   (const char *const *)c->finish_reasons,
					   c->n_finish_reasons);
	return err;
}

size_t linker_content_max(const struct linker *l)
{
	size_t max = l->o.content_max ? l->o.content_max : TT_CONTENT_MAX_DEFAULT;

	return max < TT_MAX_GENAI_CONTENT ? max : TT_MAX_GENAI_CONTENT;
}

int linker_content_attr(struct attr_list *a, const char *key, const char *val, size_t max,
			bool was_cut, struct lcut *cut)
{
	size_t n;

	if (!val)
		return 0;
	n = strlen(val);
	if (n > max) {
		n = max;
		/* back to the start of a UTF-8 sequence: the cut value stays valid text */
		while (n && ((unsigned char)val[n] & 0xc0) == 0x80)
			n--;
		was_cut = true;
	}
	if (was_cut && cut->n < sizeof(cut->keys) / sizeof(cut->keys[0]))
		cut->keys[cut->n++] = key;
	return attrs_set_strn(a, key, val, n);
}

int linker_content_cut_attr(struct attr_list *a, const struct lcut *cut)
{
	if (!cut->n)
		return 0;
	return attrs_set_str_array(a, "tracetree.content.truncated", cut->keys, cut->n);
}

/* The decoder capped these (dropping whole messages): they are set as they are. */
static int content_attrs(struct attr_list *a, const struct genai_call *c)
{
	static const struct {
		const char *key;
		size_t off;
		uint32_t cut;
	} tab[] = {
		{ "gen_ai.system_instructions", offsetof(struct genai_call, system_instructions),
		  GENAI_CUT_SYSTEM },
		{ "gen_ai.input.messages", offsetof(struct genai_call, input_messages),
		  GENAI_CUT_INPUT },
		{ "gen_ai.output.messages", offsetof(struct genai_call, output_messages),
		  GENAI_CUT_OUTPUT },
		{ "gen_ai.tool.definitions", offsetof(struct genai_call, tool_definitions),
		  GENAI_CUT_TOOL_DEFS },
	};
	struct lcut cut = { 0 };
	const char *v;
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		v = *(char *const *)((const char *)c + tab[i].off);
		err |= linker_content_attr(a, tab[i].key, v, SIZE_MAX,
					   (c->content_cut & tab[i].cut) != 0, &cut);
	}
	return err | linker_content_cut_attr(a, &cut);
}

int linker_call_attrs(struct tt_span *s, const struct genai_call *c)
{
	struct attr_list *a = &s->attrs;
	char code[16];
	int err = 0;

	err |= ids_attrs(a, c);
	err |= usage_attrs(a, &c->usage);
	err |= param_attrs(a, &c->params);
	if (c->has_embed_dims)
		err |= attrs_set_int(a, "gen_ai.embeddings.dimension.count", c->embed_dims);
	if (c->n_encoding_formats)
		err |= attrs_set_str_array(a, "gen_ai.request.encoding_formats",
					   (const char *const *)c->encoding_formats,
					   c->n_encoding_formats);
	err |= attrs_set_bool(a, "gen_ai.request.stream", c->streaming);
	if (c->has_ttft)
		err |= attrs_set_double(a, "gen_ai.response.time_to_first_chunk",
					(double)c->ttft_ns / 1e9);
	err |= set_str(a, "server.address", c->server_address);
	if (c->server_port > 0)
		err |= attrs_set_int(a, "server.port", c->server_port);
	if (c->http_status > 0)
		err |= attrs_set_int(a, "http.response.status_code", c->http_status);
	err |= content_attrs(a, c);
	if (c->flags & (GENAI_F_INCOMPLETE | GENAI_F_NO_RESPONSE))
		err |= attrs_set_bool(a, "tracetree.incomplete", true);
	if (c->flags & (GENAI_F_REQ_TRUNCATED | GENAI_F_RESP_TRUNCATED | GENAI_F_CONTENT_TRUNCATED))
		err |= attrs_set_bool(a, "tracetree.truncated", true);
	if (c->error_type || c->http_status >= 400) {
		snprintf(code, sizeof(code), "%d", c->http_status);
		err |= attrs_set_str(a, "error.type", c->error_type ? c->error_type : code);
		err |= span__set_status(s, SPAN_STATUS_ERROR, c->error_message);
	}
	return err ? -ENOMEM : 0;
}

/* server.address / server.port from the Host header, else the peer. */
static void http_server(const struct http_exchange *x, char *addr, size_t n, int *port)
{
	const char *h = x->host, *colon;

	*port = 0;
	if (h && h[0]) {
		colon = h[0] == '[' ? strstr(h, "]:") : strrchr(h, ':');
		if (colon && h[0] == '[')
			colon++;
		if (colon && colon[1]) {
			*port = atoi(colon + 1);
			snprintf(addr, n, "%.*s", (int)(colon - h), h);
		} else {
			snprintf(addr, n, "%s", h);
		}
	} else {
		snprintf(addr, n, "%s", x->peer_addr);
	}
	if (!*port)
		*port = x->peer_port ? x->peer_port : (x->tls ? 443 : 80);
}

void linker_call_where(struct lwhere *w, const struct genai_call *c)
{
	memset(w, 0, sizeof(*w));
	w->conn = c->conn;
	w->fd = c->fd;
	w->peer = c->peer_addr;
	w->peer_port = c->peer_port;
	w->host = c->server_address ? c->server_address : "";
	w->port = c->server_port;
	w->tls = c->tls;
	w->src = c->src;
	w->lib = c->lib;
	w->http_version = c->http_version;
	w->start_ns = c->start_ns;
}

void linker_exchange_where(struct lwhere *w, const struct http_exchange *x, char *host, size_t n)
{
	memset(w, 0, sizeof(*w));
	http_server(x, host, n, &w->port);
	w->conn = x->conn;
	w->fd = x->fd;
	w->peer = x->peer_addr;
	w->peer_port = x->peer_port;
	w->host = host;
	w->tls = x->tls;
	w->src = x->src;
	w->lib = x->lib;
	w->http_version = x->http_version;
	w->start_ns = x->req.start_ns;
}

/* network.protocol.version of an HTTP version as the exchange has it (OTel: "1.1", "2"). */
static const char *http_version_text(uint8_t v)
{
	switch (v) {
	case 10:
		return "1.0";
	case 11:
		return "1.1";
	case 20:
		return "2";
	default:
		return NULL;
	}
}

int linker_net_attrs(struct attr_list *a, const struct lnet *n)
{
	const char *v = http_version_text(n->http_version);
	int err = 0;

	if (n->peer[0]) {
		err |= attrs_set_str(a, "network.peer.address", n->peer);
		if (n->peer_port)
			err |= attrs_set_int(a, "network.peer.port", n->peer_port);
	}
	err |= attrs_set_str(a, "network.protocol.name", "http");
	if (v)
		err |= attrs_set_str(a, "network.protocol.version", v);
	err |= set_str(a, "tracetree.tls.library", n->library);
	if (n->alpn[0])
		err |= attrs_set_str(a, "tracetree.tls.alpn", n->alpn);
	return err ? -ENOMEM : 0;
}

/* What a client or server HTTP span says of bytes the capture lost or cut. */
static int exchange_flag_attrs(struct attr_list *a, const struct http_exchange *x)
{
	int err = 0;

	if (x->flags & (HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE))
		err |= attrs_set_bool(a, "tracetree.incomplete", true);
	if (x->flags & (HTTP_X_REQ_TRUNCATED | HTTP_X_RESP_TRUNCATED))
		err |= attrs_set_bool(a, "tracetree.truncated", true);
	return err;
}

int linker_http_attrs(struct tt_span *s, const struct http_exchange *x)
{
	struct attr_list *a = &s->attrs;
	char addr[320], host[400], code[16];
	char *url;
	int port, err = 0;

	http_server(x, addr, sizeof(addr), &port);
	if (x->host && x->host[0])
		snprintf(host, sizeof(host), "%s", x->host);
	else if (x->peer_port && x->peer_port != (x->tls ? 443 : 80))
		snprintf(host, sizeof(host), "%s:%u", x->peer_addr, x->peer_port);
	else
		snprintf(host, sizeof(host), "%s", x->peer_addr);
	url = redact_url(x->tls ? "https" : "http", host, x->target);
	if (!url)
		return -ENOMEM;
	err |= set_str(a, "http.request.method", x->method ? x->method : "_OTHER");
	err |= attrs_set_str(a, "url.full", url);
	free(url);
	if (addr[0])
		err |= attrs_set_str(a, "server.address", addr);
	err |= attrs_set_int(a, "server.port", port);
	if (x->status > 0)
		err |= attrs_set_int(a, "http.response.status_code", x->status);
	err |= exchange_flag_attrs(a, x);
	/* HTTP client spans: 4xx and 5xx are errors, and so is no response at all */
	if (x->status >= 400) {
		snprintf(code, sizeof(code), "%d", x->status);
		err |= attrs_set_str(a, "error.type", code);
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	} else if (x->flags & HTTP_X_NO_RESPONSE) {
		err |= attrs_set_str(a, "error.type", "no_response");
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	}
	return err ? -ENOMEM : 0;
}

int linker_server_attrs(struct tt_span *s, const struct http_exchange *x, uint16_t lport)
{
	struct attr_list *a = &s->attrs;
	const char *ua = http_headers_get(&x->req.headers, "user-agent");
	char addr[320], code[16];
	int port, err = 0;

	err |= set_str(a, "http.request.method", x->method ? x->method : "_OTHER");
	err |= attrs_set_str(a, "url.scheme", x->tls ? "https" : "http");
	if (x->target)
		err |= attrs_set_strn(a, "url.path", x->target, strcspn(x->target, "?#"));
	if (x->host && x->host[0]) {
		http_server(x, addr, sizeof(addr), &port);
		err |= attrs_set_str(a, "server.address", addr);
	}
	/* the port the process accepted on; the Host header's when it is not known */
	if (lport)
		err |= attrs_set_int(a, "server.port", lport);
	else if (x->host && x->host[0])
		err |= attrs_set_int(a, "server.port", port);
	if (x->peer_addr[0])
		err |= attrs_set_str(a, "client.address", x->peer_addr);
	if (x->peer_port)
		err |= attrs_set_int(a, "client.port", x->peer_port);
	if (ua)
		err |= attrs_set_str(a, "user_agent.original", ua);
	if (x->status > 0)
		err |= attrs_set_int(a, "http.response.status_code", x->status);
	err |= exchange_flag_attrs(a, x);
	/* HTTP server spans: only 5xx are errors (a 4xx is the client's) */
	if (x->status >= 500) {
		snprintf(code, sizeof(code), "%d", x->status);
		err |= attrs_set_str(a, "error.type", code);
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	}
	return err ? -ENOMEM : 0;
}

/* A content attribute: redacted like the rest of the captured text. */
static int set_content(struct attr_list *a, const char *key, const char *val, size_t max,
		       struct lcut *cut)
{
	char *c;
	int err;

	if (!val)
		return 0;
	c = strdup(val);
	if (!c)
		return -ENOMEM;
	redact_str(c);
	err = linker_content_attr(a, key, c, max, false, cut);
	free(c);
	return err;
}

static int mcp_status(struct tt_span *s, const struct http_exchange *x, const struct mcp_call *m)
{
	struct attr_list *a = &s->attrs;
	char code[32];
	int err = 0;

	if (m->has_error) {
		snprintf(code, sizeof(code), "%lld", (long long)m->error_code);
		err |= attrs_set_str(a, "rpc.response.status_code", code);
		err |= attrs_set_str(a, "error.type", code);
		err |= span__set_status(s, SPAN_STATUS_ERROR, m->error_message);
	} else if (m->tool_error) {
		err |= attrs_set_str(a, "error.type", "tool_error");
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	} else if (x->status >= 400) {
		snprintf(code, sizeof(code), "%d", x->status);
		err |= attrs_set_str(a, "error.type", code);
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	} else if (m->request_id && (x->flags & HTTP_X_NO_RESPONSE)) {
		err |= attrs_set_str(a, "error.type", "no_response");
		err |= span__set_status(s, SPAN_STATUS_ERROR, NULL);
	}
	return err;
}

int linker_mcp_attrs(struct tt_span *s, const struct http_exchange *x, const struct mcp_call *m,
		     size_t content_max)
{
	struct attr_list *a = &s->attrs;
	struct lcut cut = { 0 };
	char addr[320];
	int port, err = 0;

	err |= attrs_set_str(a, "mcp.method.name", m->method);
	err |= set_str(a, "jsonrpc.request.id", m->request_id);
	if (m->jsonrpc_version && strcmp(m->jsonrpc_version, "2.0"))
		err |= attrs_set_str(a, "jsonrpc.protocol.version", m->jsonrpc_version);
	err |= set_str(a, "mcp.session.id", m->session_id);
	err |= set_str(a, "mcp.protocol.version", m->protocol_version);
	if (m->tool_name) {
		err |= attrs_set_str(a, "gen_ai.operation.name", "execute_tool");
		err |= attrs_set_str(a, "gen_ai.tool.name", m->tool_name);
	}
	err |= set_str(a, "gen_ai.prompt.name", m->prompt_name);
	err |= set_str(a, "mcp.resource.uri", m->resource_uri);
	http_server(x, addr, sizeof(addr), &port);
	if (addr[0])
		err |= attrs_set_str(a, "server.address", addr);
	err |= attrs_set_int(a, "server.port", port);
	err |= attrs_set_str(a, "network.transport", "tcp");
	if (x->status > 0)
		err |= attrs_set_int(a, "http.response.status_code", x->status);
	if (content_max && m->tool_name) {
		err |= set_content(a, "gen_ai.tool.call.arguments", m->arguments, content_max,
				   &cut);
		err |= set_content(a, "gen_ai.tool.call.result", m->result, content_max, &cut);
		err |= linker_content_cut_attr(a, &cut);
	}
	if (x->flags & (HTTP_X_INCOMPLETE | HTTP_X_NO_RESPONSE))
		err |= attrs_set_bool(a, "tracetree.incomplete", true);
	err |= mcp_status(s, x, m);
	return err ? -ENOMEM : 0;
}
