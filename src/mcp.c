// SPDX-License-Identifier: MIT
/* mcp.c: MCP (Model Context Protocol) JSON-RPC calls over streamable HTTP, from HTTP exchanges. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tt_limits.h"
#include "mcp.h"
#include "redact.h"

void mcp_call__free(struct mcp_call *c)
{
	if (!c)
		return;
	free(c->method);
	free(c->request_id);
	free(c->session_id);
	free(c->protocol_version);
	free(c->jsonrpc_version);
	free(c->tool_name);
	free(c->prompt_name);
	free(c->resource_uri);
	free(c->arguments);
	free(c->result);
	free(c->error_message);
	free(c);
}

static const cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *get_str(const cJSON *o, const char *key)
{
	const cJSON *v = get(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* *dst = a copy of s (NULL stays NULL); false on -ENOMEM. */
static bool dup_to(char **dst, const char *s)
{
	if (!s || *dst)
		return true;
	*dst = strdup(s);
	return *dst != NULL;
}

/* *dst = s redacted (redact_text_cap(), cut at cap first); false on -ENOMEM. */
static bool text_to(char **dst, const char *s, size_t cap)
{
	if (!s || *dst)
		return true;
	*dst = redact_text_cap(s, strlen(s), cap);
	return *dst != NULL;
}

/* A JSON value as compact text, cut at TT_MAX_GENAI_CONTENT, redacted (redact_json()). */
static bool json_to(char **dst, const cJSON *v)
{
	char *s;

	if (!v)
		return true;
	s = cJSON_PrintUnformatted(v);
	if (!s)
		return false;
	*dst = redact_content_cap(s, strlen(s), TT_MAX_GENAI_CONTENT);
	free(s);
	return *dst != NULL;
}

/* The Mcp-Session-Id works as a credential: only its hash (redact_id()) leaves. */
static bool session_to(char **dst, const char *s)
{
	if (!s || *dst)
		return true;
	*dst = redact_id(s, strlen(s));
	return *dst != NULL;
}

/* A JSON-RPC id as text: strings as they are, integers in decimal. */
static bool id_text(char **dst, const cJSON *id)
{
	char buf[32];

	if (cJSON_IsString(id))
		return dup_to(dst, id->valuestring);
	if (!cJSON_IsNumber(id))
		return true;
	if (id->valuedouble == floor(id->valuedouble) && fabs(id->valuedouble) < 9e15)
		snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)id->valuedouble);
	else
		snprintf(buf, sizeof(buf), "%.17g", id->valuedouble);
	return dup_to(dst, buf);
}

/* The request of the body: the object itself or the first request of a batch. */
static const cJSON *request_of(const cJSON *body)
{
	const cJSON *e;

	if (cJSON_IsArray(body)) {
		cJSON_ArrayForEach(e, body)
			if (get_str(e, "method"))
				return e;
		return NULL;
	}
	return body;
}

static int parse_request(struct mcp_call *c, const cJSON *req)
{
	const cJSON *params = get(req, "params");
	const char *m = get_str(req, "method");
	bool ok = true;

	ok &= dup_to(&c->method, m);
	ok &= dup_to(&c->jsonrpc_version, get_str(req, "jsonrpc"));
	ok &= id_text(&c->request_id, get(req, "id"));
	if (!strcmp(m, "tools/call")) {
		ok &= dup_to(&c->tool_name, get_str(params, "name"));
		ok &= json_to(&c->arguments, get(params, "arguments"));
	} else if (!strcmp(m, "prompts/get")) {
		ok &= dup_to(&c->prompt_name, get_str(params, "name"));
	} else if (!strncmp(m, "resources/", 10)) {
		ok &= text_to(&c->resource_uri, get_str(params, "uri"), TT_MAX_GENAI_CONTENT);
	} else if (!strcmp(m, "initialize")) {
		ok &= dup_to(&c->protocol_version, get_str(params, "protocolVersion"));
	}
	return ok ? 0 : -ENOMEM;
}

/* The response to c in one JSON text (an object or a batch), if it is there. */
static int match_response(struct mcp_call *c, const char *text, size_t len)
{
	const cJSON *e, *id, *err, *res;
	cJSON *j = cJSON_ParseWithLength(text, len), *one = NULL;
	char *idt = NULL;
	int ret = 0;
	bool ok = true;

	if (!j)
		return 0;
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j) {
			if (!cJSON_IsObject(e) || get(e, "method"))
				continue;
			if (!id_text(&idt, get(e, "id")))
				ok = false;
			if (idt && !strcmp(idt, c->request_id))
				one = (cJSON *)e;
			free(idt);
			idt = NULL;
			if (one)
				break;
		}
	} else if (cJSON_IsObject(j) && !get(j, "method")) {
		ok &= id_text(&idt, get(j, "id"));
		if (idt && !strcmp(idt, c->request_id))
			one = j;
		free(idt);
	}
	if (one) {
		c->has_response = true;
		err = get(one, "error");
		res = get(one, "result");
		id = get(err, "code");
		if (cJSON_IsObject(err)) {
			c->has_error = true;
			/* a code out of int64_t range would be undefined to convert: not a code */
			c->error_code = cJSON_IsNumber(id) && fabs(id->valuedouble) < 9e15 ?
						(int64_t)id->valuedouble :
						0;
			ok &= text_to(&c->error_message, get_str(err, "message"), TT_MAX_GENAI_STR);
		}
		if (cJSON_IsTrue(get(res, "isError")))
			c->tool_error = true;
		/* initialize: the version the server agreed to, not the one proposed */
		if (!strcmp(c->method, "initialize") && get_str(res, "protocolVersion")) {
			free(c->protocol_version);
			c->protocol_version = NULL;
			ok &= dup_to(&c->protocol_version, get_str(res, "protocolVersion"));
		}
		ok &= json_to(&c->result, res);
		ret = 1;
	}
	cJSON_Delete(j);
	return ok ? ret : -ENOMEM;
}

static int parse_response(struct mcp_call *c, const struct http_exchange *x)
{
	size_t i;
	int r = 0;

	if (!c->request_id)
		return 0;
	if (x->resp.kind == HTTP_BODY_PLAIN && x->resp.body)
		r = match_response(c, (const char *)x->resp.body, x->resp.body_len);
	/* the stream may carry notifications and server requests before the response */
	for (i = 0; x->resp.kind == HTTP_BODY_SSE && i < x->resp.n_events && r == 0; i++)
		if (x->resp.events[i].data)
			r = match_response(c, x->resp.events[i].data, x->resp.events[i].data_len);
	return r < 0 ? r : 0;
}

int mcp_decode(const struct http_exchange *x, struct mcp_call **out)
{
	const cJSON *req, *ver;
	struct mcp_call *c;
	cJSON *body;
	int err;

	*out = NULL;
	if (!x->method || strcmp(x->method, "POST") || !x->req.body || !x->req.body_len ||
	    (x->req.body[0] != '{' && x->req.body[0] != '['))
		return -ENOENT;
	body = cJSON_ParseWithLength((const char *)x->req.body, x->req.body_len);
	if (!body)
		return -ENOENT;
	req = request_of(body);
	ver = get(req, "jsonrpc");
	if (!get_str(req, "method") || !cJSON_IsString(ver) || strcmp(ver->valuestring, "2.0")) {
		cJSON_Delete(body);
		return -ENOENT;
	}
	c = calloc(1, sizeof(*c));
	err = c ? parse_request(c, req) : -ENOMEM;
	cJSON_Delete(body);
	if (!err &&
	    !session_to(&c->session_id, http_headers_get(&x->req.headers, "mcp-session-id")))
		err = -ENOMEM;
	if (!err &&
	    !session_to(&c->session_id, http_headers_get(&x->resp.headers, "mcp-session-id")))
		err = -ENOMEM;
	if (!err) {
		/* the header, when sent, wins over initialize's proposal */
		const char *pv = http_headers_get(&x->req.headers, "mcp-protocol-version");

		if (pv) {
			free(c->protocol_version);
			c->protocol_version = NULL;
			err = dup_to(&c->protocol_version, pv) ? 0 : -ENOMEM;
		}
	}
	if (!err)
		err = parse_response(c, x);
	if (err) {
		mcp_call__free(c);
		return err;
	}
	*out = c;
	return 0;
}
