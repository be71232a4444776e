// SPDX-License-Identifier: MIT
/* prov_ollama.c: Ollama native /api/chat and /api/generate, NDJSON stream and single object. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"

#define KEY_TEXT  0
#define KEY_THINK 1
#define KEY_CALL0 2

static bool is_chat(const struct prov_ctx *p)
{
	return p->m->api == PROV_API_OLLAMA_CHAT;
}

/* ---- request ---- */

static cJSON *tool_call_part(const cJSON *tc)
{
	const cJSON *fn = pj_get(tc, "function");
	const cJSON *a = pj_get(fn, "arguments");

	if (cJSON_IsString(a))
		return prov_part_tool_call(pj_str(tc, "id"), pj_str(fn, "name"), a->valuestring);
	return prov_part_tool_call_json(pj_str(tc, "id"), pj_str(fn, "name"), a);
}

static int message(struct prov_ctx *p, const cJSON *m)
{
	const char *role = pj_str(m, "role");
	cJSON *parts = cJSON_CreateArray();
	const cJSON *tc;

	if (role && !strcmp(role, "tool")) {
		cJSON_AddItemToArray(parts, prov_part_tool_response(pj_str(m, "tool_call_id"),
								    pj_get(m, "content")));
		return prov_in_msg(p, role, parts);
	}
	if (pj_str(m, "thinking") && *pj_str(m, "thinking"))
		cJSON_AddItemToArray(parts, prov_part_text("reasoning", pj_str(m, "thinking")));
	if (pj_str(m, "content") && (*pj_str(m, "content") || !pj_get(m, "tool_calls")))
		cJSON_AddItemToArray(parts, prov_part_text("text", pj_str(m, "content")));
	cJSON_ArrayForEach(tc, pj_get(m, "tool_calls"))
		cJSON_AddItemToArray(parts, tool_call_part(tc));
	return prov_in_msg(p, role, parts);
}

static int tool_result(struct prov_ctx *p, const cJSON *m)
{
	const char *role = pj_str(m, "role");

	if (!role || strcmp(role, "tool"))
		return 0;
	return prov_add_tool_result(p, pj_str(m, "tool_call_id"),
				    pj_str(m, "tool_name") ?: pj_str(m, "name"),
				    pj_get(m, "content"), false);
}

static int prompt_and_tools(struct prov_ctx *p, const cJSON *rq)
{
	const cJSON *t, *fn;
	int err = 0;

	if (p->capture && !is_chat(p)) {
		err = prov_sys_text(p, pj_str(rq, "system"));
		if (!err && pj_str(rq, "prompt")) {
			cJSON *parts = cJSON_CreateArray();

			cJSON_AddItemToArray(parts, prov_part_text("text", pj_str(rq, "prompt")));
			err = prov_in_msg(p, "user", parts);
		}
	}
	cJSON_ArrayForEach(t, pj_get(rq, "tools")) {
		fn = pj_get(t, "function");
		err = err   ?:
			      prov_tool_def(p, pj_str(t, "type"), pj_str(fn, "name"),
					    pj_str(fn, "description"), pj_get(fn, "parameters"));
	}
	return err;
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	const cJSON *o = pj_get(rq, "options"), *fmt = pj_get(rq, "format"), *think;
	int err;

	err = prov_set_str(&c->request_model, pj_str(rq, "model"));
	/* Ollama's options take OpenAI's names */
	prov_set_sampling(r, o);
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, o, "num_predict");
	/* stream defaults to true in Ollama's native API */
	c->streaming = !cJSON_IsFalse(pj_get(rq, "stream"));
	err = err ?: prov_set_stop(p, pj_get(o, "stop"));
	if (!err &&
	    (cJSON_IsObject(fmt) || (cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "json"))))
		err = prov_set_str(&c->output_type, "json");
	think = pj_get(rq, "think");
	if (!err && cJSON_IsString(think))
		err = prov_set_str(&c->reasoning_level, think->valuestring);
	if (!err && is_chat(p))
		err = prov_history(p, pj_get(rq, "messages"), "assistant", tool_result, message);
	if (!err) /* the tools offered, always: their private record (prov_tool_def) */
		err = prompt_and_tools(p, rq);
	return err;
}

/* ---- response ---- */

static int tool_calls(struct prov_ctx *p, const cJSON *tcs)
{
	const cJSON *tc, *fn, *a;
	struct prov_block *b;
	size_t i;
	int key = KEY_CALL0, err = 0;
	char *args;

	for (i = 0; i < p->n_blocks; i++)
		if (p->blocks[i].kind == PROV_BLK_TOOL)
			key++;
	cJSON_ArrayForEach(tc, tcs) {
		fn = pj_get(tc, "function");
		a = pj_get(fn, "arguments");
		b = prov_block(p, 0, PROV_BLK_TOOL, key++);
		if (!b)
			return 0;
		err = prov_set_str(&b->id, pj_str(tc, "id"));
		err = err ?: prov_set_str(&b->name, pj_str(fn, "name"));
		args = cJSON_IsString(a) ? strdup(a->valuestring) :
		       a		 ? cJSON_PrintUnformatted(a) :
					   strdup("{}");
		if (!err && !args)
			err = -ENOMEM;
		if (!err)
			err = prov_block_add(p, b, args, strlen(args));
		free(args);
		if (err)
			return err;
	}
	return 0;
}

/* One NDJSON line of a stream, or the single object of an answer that was not streamed. */
static int line(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	bool *done = arg;
	struct genai_call *c = p->c;
	struct genai_usage *u = &c->usage;
	const cJSON *m = pj_get(d, "message");
	int err;

	if (!d)
		return 0;
	if (pj_get(d, "error"))
		return prov_set_error(p, pj_get(d, "error"));
	prov_mark_chunk(p, ev);
	if (!p->n_choices)
		p->n_choices = 1;
	err = prov_set_str(&c->response_model, pj_str(d, "model"));
	err = err   ?:
		      prov_block_text(p, 0, PROV_BLK_REASONING, KEY_THINK,
				      pj_str(m ? m : d, "thinking"));
	err = err   ?:
		      prov_block_text(p, 0, PROV_BLK_TEXT, KEY_TEXT,
				      m ? pj_str(m, "content") : pj_str(d, "response"));
	err = err ?: tool_calls(p, pj_get(m, "tool_calls"));
	if (err || !pj_true(d, "done"))
		return err;
	*done = true;
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, d, "prompt_eval_count");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, d, "eval_count");
	return prov_set_finish(p, 0, pj_str(d, "done_reason") ?: "stop");
}

static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *first,
		     const struct http_event *ev, size_t n)
{
	cJSON *d = NULL;
	bool ok;

	if (p->m->known_host ||
	    (pj_get(rq, "model") && (pj_get(rq, "messages") || pj_get(rq, "prompt"))))
		return true;
	if (!first && n)
		first = d = pj_parse(ev[0].data, ev[0].data_len, false);
	ok = pj_get(first, "done") || pj_get(first, "error");
	cJSON_Delete(d);
	return ok;
}

/* A non-streamed answer is one JSON object, possibly pretty-printed over many lines. */
static cJSON *single_object(const struct prov_ctx *p)
{
	const struct http_message *m = &p->x->resp;
	cJSON *o;

	if (m->kind != HTTP_BODY_PLAIN || !m->body_len)
		return NULL;
	o = cJSON_ParseWithLength((const char *)m->body, m->body_len);
	if (cJSON_IsObject(o))
		return o;
	cJSON_Delete(o);
	return NULL;
}

int prov_ollama_decode(struct prov_ctx *p)
{
	struct http_event one = { .ts_ns = p->x->resp.first_body_ns };
	const struct http_event *ev = NULL;
	const cJSON *rq = prov_request(p);
	cJSON *whole = single_object(p);
	bool done = false;
	size_t n = 0;
	int err = 0;

	p->c->operation = is_chat(p) ? "chat" : "text_completion";
	if (!whole)
		err = prov_events(p, &ev, &n);
	if (!err && !shape_ok(p, rq, whole, ev, n))
		err = -ENOENT;
	if (!err && rq)
		err = parse_request(p, rq);
	if (!err && whole)
		err = line(p, &one, whole, &done);
	err = err ?: prov_each_event(p, ev, n, line, &done);
	if (whole || n)
		prov_stream_end(p, done);
	cJSON_Delete(whole);
	return err;
}
