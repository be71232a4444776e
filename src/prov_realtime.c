// SPDX-License-Identifier: MIT
/*
 * prov_realtime.c: an LLM API over WebSocket (conn_ws.c's exchange: each side's messages as
 * events) cut into one response each. The OpenAI Realtime API and the Responses API in
 * WebSocket mode send the Responses stream's events (response.created ... a terminal
 * response.done / .completed) as messages, so each response becomes an exchange of its own as
 * the Responses API over HTTP would have made it: the client's response.create (the request,
 * with the session's model) and the server's events of that response. provider.c decodes them
 * with the Responses decoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"

void prov_ws_iter__init(struct prov_ws_iter *it, const struct http_exchange *x)
{
	memset(it, 0, sizeof(*it));
	it->x = x;
	tt_buf_init(&it->body, TT_MAX_BODY);
	it->realtime = x->target && strstr(x->target, "/realtime");
}

void prov_ws_iter__free(struct prov_ws_iter *it)
{
	free(it->evs);
	free(it->model);
	cJSON_Delete(it->items);
	tt_buf_free(&it->body);
	memset(it, 0, sizeof(*it));
}

static bool is_text(const struct http_event *ev)
{
	return ev->event && (!strcmp(ev->event, "text") || !strcmp(ev->event, "binary"));
}

/* The "type" of a message, in buf (cJSON parse of each message once is the cost). */
static cJSON *msg_json(const struct http_event *ev)
{
	return is_text(ev) ? pj_parse(ev->data, ev->data_len, true) : NULL;
}

static bool terminal(const char *type)
{
	return !strcmp(type, "response.done") || !strcmp(type, "response.completed") ||
	       !strcmp(type, "response.incomplete") || !strcmp(type, "response.failed");
}

/* The request of the response that starts: the client's response.create with the model. */
static int make_body(struct prov_ws_iter *it)
{
	cJSON *d = it->create ? msg_json(it->create) : NULL, *rq;
	char *s;
	int err = 0;

	rq = cJSON_IsObject(pj_get(d, "response")) ? cJSON_DetachItemFromObject(d, "response") :
						     NULL;
	if (!rq)
		rq = cJSON_IsObject(d) ? d : cJSON_CreateObject();
	if (rq != d)
		cJSON_Delete(d);
	if (!rq)
		return -ENOMEM;
	cJSON_DeleteItemFromObject(rq, "type");
	if (!pj_get(rq, "model") && it->model && !cJSON_AddStringToObject(rq, "model", it->model))
		err = -ENOMEM;
	/* the items the client added (messages, tool results) are the response's new input */
	if (!err && it->items && !pj_get(rq, "input")) {
		cJSON_AddItemToObject(rq, "input", it->items);
		it->items = NULL;
	}
	cJSON_Delete(it->items);
	it->items = NULL;
	s = err ? NULL : cJSON_PrintUnformatted(rq);
	cJSON_Delete(rq);
	if (!s)
		return -ENOMEM;
	tt_buf_reset(&it->body);
	tt_buf_add_upto(&it->body, s, strlen(s));
	free(s);
	return tt_buf_cstr(&it->body) ? 0 : -ENOMEM;
}

static int add_event(struct prov_ws_iter *it, const struct http_event *ev)
{
	if (tt_ensure_mem((void **)&it->evs, &it->alloc, sizeof(*ev), it->n_evs + 1))
		return -ENOMEM;
	it->evs[it->n_evs++] = *ev;
	return 0;
}

/*
 * A client message: a response.create waits for the response it starts; the items of
 * conversation.item.create (Realtime: a user message, a function_call_output) wait to be its
 * input, as many as a response may list.
 */
static void on_client(struct prov_ws_iter *it, const struct http_event *ev)
{
	cJSON *d = msg_json(ev), *item;
	const char *type = pj_str(d, "type");

	if (type && !strcmp(type, "response.create"))
		it->create = ev;
	if (type && !strcmp(type, "conversation.item.create") &&
	    cJSON_IsObject(pj_get(d, "item")) &&
	    cJSON_GetArraySize(it->items) < TT_MAX_GENAI_TOOLS) {
		if (!it->items)
			it->items = cJSON_CreateArray();
		item = cJSON_DetachItemFromObject(d, "item");
		if (it->items)
			cJSON_AddItemToArray(it->items, item);
		else
			cJSON_Delete(item);
	}
	cJSON_Delete(d);
}

/* A server message: 1 when it ends the open response. */
static int on_server(struct prov_ws_iter *it, const struct http_event *ev)
{
	cJSON *d = msg_json(ev);
	const char *type = pj_str(d, "type"), *model;
	int err = 0, done = 0;

	if (!type)
		goto out;
	model = pj_str(pj_get(d, "session"), "model");
	if (model && !strncmp(type, "session.", 8)) {
		free(it->model);
		it->model = strndup(model, TT_MAX_GENAI_STR);
		if (!it->model)
			err = -ENOMEM;
	}
	if (!it->open && !strcmp(type, "response.created")) {
		it->open = true;
		it->n_evs = 0;
		it->start_ns = it->create ? it->create->ts_ns : ev->ts_ns;
		err = make_body(it);
		it->create = NULL;
	}
	if (!err && it->open && (!strncmp(type, "response.", 9) || !strcmp(type, "error"))) {
		err = add_event(it, ev);
		if (!err && terminal(type))
			done = 1;
	}
out:
	cJSON_Delete(d);
	return err ? err : done;
}

/* The response gathered so far as an exchange of its own (views into it and into x). */
static void fill(struct prov_ws_iter *it, struct http_exchange *vx)
{
	const struct http_exchange *x = it->x;

	memset(vx, 0, sizeof(*vx));
	vx->pid = x->pid;
	vx->tid = x->tid;
	vx->conn = x->conn;
	vx->fd = x->fd;
	memcpy(vx->peer_addr, x->peer_addr, sizeof(vx->peer_addr));
	vx->peer_port = x->peer_port;
	vx->seq = x->seq;
	vx->tls = x->tls;
	vx->src = x->src;
	vx->lib = x->lib;
	vx->http_version = x->http_version;
	vx->method = (char *)"POST";
	vx->target = (char *)"/v1/responses";
	vx->host = x->host;
	vx->status = 200;
	vx->flags = x->flags & ~(HTTP_X_REQ_TRUNCATED | HTTP_X_RESP_TRUNCATED);
	vx->req.body = it->body.data;
	vx->req.body_len = it->body.len;
	vx->req.kind = HTTP_BODY_PLAIN;
	vx->req.start_ns = vx->req.end_ns = it->start_ns;
	vx->resp.kind = HTTP_BODY_SSE;
	vx->resp.events = it->evs;
	vx->resp.n_events = it->n_evs;
	vx->resp.start_ns = it->n_evs ? it->evs[0].ts_ns : it->start_ns;
	vx->resp.first_body_ns = vx->resp.start_ns;
	vx->resp.end_ns = it->n_evs ? it->evs[it->n_evs - 1].ts_ns : it->start_ns;
}

int prov_ws_next(struct prov_ws_iter *it, struct http_exchange *vx)
{
	const struct http_message *q = &it->x->req, *r = &it->x->resp;
	int err;

	while (it->qi < q->n_events || it->ri < r->n_events) {
		/* in arrival order; a client message first when both came at once */
		if (it->qi < q->n_events &&
		    (it->ri >= r->n_events || q->events[it->qi].ts_ns <= r->events[it->ri].ts_ns)) {
			on_client(it, &q->events[it->qi++]);
			continue;
		}
		err = on_server(it, &r->events[it->ri++]);
		if (err < 0)
			return err;
		if (err) {
			it->open = false;
			fill(it, vx);
			return 1;
		}
	}
	if (!it->open)
		return 0;
	/* the connection ended inside a response */
	it->open = false;
	fill(it, vx);
	vx->flags |= HTTP_X_INCOMPLETE;
	return 1;
}

bool prov_ws_is_llm(const struct http_exchange *x)
{
	const struct http_event *ev = x->resp.n_events ? &x->resp.events[0] : NULL;

	if (x->resp.kind != HTTP_BODY_WS)
		return false;
	if (x->target && (strstr(x->target, "/realtime") || strstr(x->target, "/responses")))
		return true;
	/* a server that starts with the Realtime / Responses events, wherever it is */
	return ev && ev->data_len > 20 && strstr(ev->data, "\"type\"") &&
	       (strstr(ev->data, "\"session.created\"") ||
		strstr(ev->data, "\"response.created\""));
}
