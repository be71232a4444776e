// SPDX-License-Identifier: MIT
/* prov_cohere.c: Cohere v2 chat (/v2/chat), a JSON body or an SSE stream of typed events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"

/* ---- request ---- */

static int message_in(struct prov_ctx *p, const cJSON *msg)
{
	const char *role = pj_str(msg, "role"), *text = pj_text(pj_get(msg, "content"));
	const cJSON *tc, *fn;
	cJSON *parts = cJSON_CreateArray();

	if (role && !strcmp(role, "tool")) {
		cJSON_AddItemToArray(parts, prov_part_tool_response(pj_str(msg, "tool_call_id"),
								    pj_get(msg, "content")));
		return prov_in_msg(p, "tool", parts);
	}
	if (text)
		cJSON_AddItemToArray(parts, prov_part_text("text", text));
	cJSON_ArrayForEach(tc, pj_get(msg, "tool_calls")) {
		fn = pj_get(tc, "function");
		cJSON_AddItemToArray(parts,
				     prov_part_tool_call(pj_str(tc, "id"), pj_str(fn, "name"),
							 pj_str(fn, "arguments")));
	}
	return prov_in_msg(p, role, parts);
}

static int message_result(struct prov_ctx *p, const cJSON *msg)
{
	const char *role = pj_str(msg, "role");

	if (!role || strcmp(role, "tool"))
		return 0;
	return prov_add_tool_result(p, pj_str(msg, "tool_call_id"), NULL, pj_get(msg, "content"),
				    false);
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	const char *fmt = pj_str(pj_get(rq, "response_format"), "type");
	const cJSON *t, *fn;
	int err;

	err = prov_set_str(&c->request_model, pj_str(rq, "model"));
	prov_set_sampling(r, rq);
	/* Cohere names top_p and top_k "p" and "k" */
	prov_set_dbl(&r->top_p, &r->has_top_p, rq, "p");
	prov_set_i64(&r->top_k, &r->has_top_k, rq, "k");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_tokens");
	c->streaming = pj_true(rq, "stream");
	err = err ?: prov_set_stop(p, pj_get(rq, "stop_sequences"));
	if (!err && fmt)
		err = prov_set_str(&c->output_type, !strcmp(fmt, "json_object") ? "json" : fmt);
	err = err   ?:
		      prov_history(p, pj_get(rq, "messages"), "assistant", message_result,
				   message_in);
	cJSON_ArrayForEach(t, pj_get(rq, "tools")) {
		fn = pj_get(t, "function");
		err = err   ?:
			      prov_tool_def(p, pj_str(t, "type"), pj_str(fn, "name"),
					    pj_str(fn, "description"), pj_get(fn, "parameters"));
	}
	return err;
}

/* ---- response ---- */

/*
 * usage.tokens counts what the model read and wrote (the prompt with Cohere's template);
 * usage.billed_units what is billed, less when the template is free. The conventions' input
 * tokens are those used, so tokens wins; billed_units when a response has nothing else.
 */
static void set_usage(struct genai_usage *u, const cJSON *usage)
{
	const cJSON *tok = pj_get(usage, "tokens"), *bill = pj_get(usage, "billed_units");

	prov_set_i64(&u->input_tokens, &u->has_input_tokens, bill, "input_tokens");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, bill, "output_tokens");
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, tok, "input_tokens");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, tok, "output_tokens");
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens, usage, "cached_tokens");
}

static int tool_call(struct prov_ctx *p, int key, const cJSON *tc)
{
	const cJSON *fn = pj_get(tc, "function");
	const char *args = pj_str(fn, "arguments");
	struct prov_block *b = prov_block(p, 0, PROV_BLK_TOOL, key);
	int err;

	if (!b)
		return 0; /* over the block cap: counted by the cap, not an error */
	err = prov_set_str(&b->id, pj_str(tc, "id"));
	err = err ?: prov_set_str(&b->name, pj_str(fn, "name"));
	if (!err && args)
		err = prov_block_add(p, b, args, strlen(args));
	return err;
}

/* The assistant message of a body: text parts, the tool plan, tool calls. */
static int message_out(struct prov_ctx *p, const cJSON *msg)
{
	const cJSON *e;
	int key = 0, err;

	err = prov_block_text(p, 0, PROV_BLK_REASONING, 0, pj_str(msg, "tool_plan"));
	cJSON_ArrayForEach(e, pj_get(msg, "content")) {
		err = err ?: prov_block_text(p, 0, PROV_BLK_TEXT, key, pj_str(e, "text"));
		key++;
	}
	key = 0;
	cJSON_ArrayForEach(e, pj_get(msg, "tool_calls"))
		err = err ?: tool_call(p, key++, e);
	return err;
}

static int body_object(struct prov_ctx *p, const cJSON *o)
{
	int err;

	if (cJSON_IsString(pj_get(o, "message"))) /* an error: {"id", "message"} */
		return prov_set_error(p, pj_get(o, "message"));
	err = prov_set_str(&p->c->response_id, pj_str(o, "id"));
	set_usage(&p->c->usage, pj_get(o, "usage"));
	err = err ?: message_out(p, pj_get(o, "message"));
	return err ?: prov_set_finish(p, 0, pj_str(o, "finish_reason"));
}

/* The event's index, the key of the block it adds to; -1 when out of range. */
static int event_key(const cJSON *d)
{
	int64_t i = 0;

	pj_int(d, "index", &i);
	return i >= 0 && i < TT_MAX_GENAI_BLOCKS ? (int)i : -1;
}

static int stream_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	const char *type = pj_str(d, "type") ?: ev->event;
	const cJSON *msg = pj_path(d, "delta", "message", NULL);
	const cJSON *tc = pj_get(msg, "tool_calls");
	int key = event_key(d);
	bool *ended = arg;

	if (!type || key < 0)
		return 0;
	if (!strcmp(type, "message-start"))
		return prov_set_str(&p->c->response_id, pj_str(d, "id"));
	if (!strcmp(type, "message-end")) {
		*ended = true;
		set_usage(&p->c->usage, pj_path(d, "delta", "usage", NULL));
		if (pj_get(pj_get(d, "delta"), "error"))
			return prov_set_error(p, pj_get(pj_get(d, "delta"), "error"));
		return prov_set_finish(p, 0, pj_str(pj_get(d, "delta"), "finish_reason"));
	}
	if (!strcmp(type, "content-delta")) {
		prov_mark_chunk(p, ev);
		return prov_block_text(p, 0, PROV_BLK_TEXT, key,
				       pj_str(pj_get(msg, "content"), "text"));
	}
	if (!strcmp(type, "tool-plan-delta")) {
		prov_mark_chunk(p, ev);
		return prov_block_text(p, 0, PROV_BLK_REASONING, 0, pj_str(msg, "tool_plan"));
	}
	if (!strcmp(type, "tool-call-start") || !strcmp(type, "tool-call-delta")) {
		prov_mark_chunk(p, ev);
		return tool_call(p, key, tc);
	}
	return 0;
}

/* For a host we do not know, the bodies must look like Cohere's. */
static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		     const struct http_event *ev, size_t n)
{
	const char *type;
	cJSON *d;
	bool ok;

	(void)rq;
	if (p->m->known_host)
		return true;
	if (body)
		return pj_get(body, "finish_reason") && cJSON_IsObject(pj_get(body, "message"));
	if (!n)
		return false;
	d = pj_parse(ev[0].data, ev[0].data_len, false);
	type = pj_str(d, "type");
	ok = type && !strcmp(type, "message-start");
	cJSON_Delete(d);
	return ok;
}

int prov_cohere_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	bool ended = false;
	cJSON *body;
	size_t n;
	int err;

	p->c->operation = "chat";
	err = prov_start(p, shape_ok, parse_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = prov_each_event(p, ev, n, stream_event, &ended);
		prov_stream_end(p, ended);
	} else if (cJSON_IsObject(body)) {
		err = body_object(p, body);
	}
	cJSON_Delete(body);
	return err;
}
