// SPDX-License-Identifier: MIT
/* prov_anthropic.c: Anthropic Messages API, JSON and SSE (also on Vertex and proxies). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"

/* ---- request ---- */

static cJSON *block_part(const cJSON *b)
{
	const char *type = pj_str(b, "type");
	cJSON *part;

	if (!type)
		return NULL;
	if (!strcmp(type, "text"))
		return prov_part_text("text", pj_str(b, "text"));
	if (!strcmp(type, "thinking"))
		return prov_part_text("reasoning", pj_str(b, "thinking"));
	if (!strcmp(type, "tool_use"))
		return prov_part_tool_call_json(pj_str(b, "id"), pj_str(b, "name"),
						pj_get(b, "input"));
	if (!strcmp(type, "tool_result"))
		return prov_part_tool_response(pj_str(b, "tool_use_id"), pj_get(b, "content"));
	part = cJSON_CreateObject();
	cJSON_AddStringToObject(part, "type", type);
	return part;
}

static int message(struct prov_ctx *p, const cJSON *m)
{
	const char *role = pj_str(m, "role");
	const cJSON *content = pj_get(m, "content"), *b;
	cJSON *parts = cJSON_CreateArray();
	int results = 0, others = 0;

	if (cJSON_IsString(content))
		cJSON_AddItemToArray(parts, prov_part_text("text", content->valuestring));
	cJSON_ArrayForEach(b, content) {
		const char *type = pj_str(b, "type");

		if (type && !strcmp(type, "tool_result"))
			results++;
		else
			others++;
		cJSON_AddItemToArray(parts, block_part(b));
	}
	/* a user turn that only carries tool results is the tool's turn */
	if (results && !others && role && !strcmp(role, "user"))
		role = "tool";
	return prov_in_msg(p, role, parts);
}

static int tool_results(struct prov_ctx *p, const cJSON *m)
{
	const cJSON *b;
	int err = 0;

	cJSON_ArrayForEach(b, pj_get(m, "content")) {
		const char *type = pj_str(b, "type");

		if (type && !strcmp(type, "tool_result"))
			err = prov_add_tool_result(p, pj_str(b, "tool_use_id"), NULL,
						   pj_get(b, "content"), pj_true(b, "is_error"));
		if (err)
			return err;
	}
	return 0;
}

static int system_and_tools(struct prov_ctx *p, const cJSON *rq)
{
	const cJSON *sys = p->capture ? pj_get(rq, "system") : NULL, *e;
	int err = 0;

	if (cJSON_IsString(sys))
		err = prov_sys_text(p, sys->valuestring);
	if (cJSON_IsArray(sys)) {
		cJSON_ArrayForEach(e, sys)
			err = err ?: prov_sys_text(p, pj_str(e, "text"));
	}
	cJSON_ArrayForEach(e, pj_get(rq, "tools"))
		err = err   ?:
			      prov_tool_def(p, pj_str(e, "type") ?: "function", pj_str(e, "name"),
					    pj_str(e, "description"), pj_get(e, "input_schema"));
	return err;
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	int err;

	err = prov_set_str(&c->request_model, pj_str(rq, "model"));
	prov_set_dbl(&r->temperature, &r->has_temperature, rq, "temperature");
	prov_set_dbl(&r->top_p, &r->has_top_p, rq, "top_p");
	prov_set_i64(&r->top_k, &r->has_top_k, rq, "top_k");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_tokens");
	c->streaming = pj_true(rq, "stream");
	err = err ?: prov_set_stop(p, pj_get(rq, "stop_sequences"));
	err = err ?: prov_set_str(&c->service_tier, pj_str(rq, "service_tier"));
	err = err ?: prov_history(p, pj_get(rq, "messages"), "assistant", tool_results, message);
	if (!err) /* the tools offered, always: their private record (prov_tool_def) */
		err = system_and_tools(p, rq);
	return err;
}

/* ---- response ---- */

/*
 * Anthropic's input_tokens excludes cached tokens; the conventions want them included. Usage
 * fields are cumulative in a stream, so each report overlays what it carries and the input
 * total is recomputed from the parts.
 */
struct usage_parts {
	int64_t input, cache_read, cache_write;
	bool has_input;
};

static void usage(struct prov_ctx *p, struct usage_parts *u, const cJSON *o)
{
	struct genai_usage *g = &p->c->usage;

	if (!cJSON_IsObject(o))
		return;
	prov_set_i64(&u->input, &u->has_input, o, "input_tokens");
	prov_set_i64(&g->output_tokens, &g->has_output_tokens, o, "output_tokens");
	prov_set_i64(&g->cache_read_tokens, &g->has_cache_read_tokens, o,
		     "cache_read_input_tokens");
	prov_set_i64(&g->cache_write_tokens, &g->has_cache_write_tokens, o,
		     "cache_creation_input_tokens");
	if (!u->has_input)
		return;
	g->has_input_tokens = true;
	g->input_tokens = u->input + (g->has_cache_read_tokens ? g->cache_read_tokens : 0) +
			  (g->has_cache_write_tokens ? g->cache_write_tokens : 0);
}

static int content_block(struct prov_ctx *p, int idx, const cJSON *b)
{
	const char *type = pj_str(b, "type");
	struct prov_block *blk;
	char *args = NULL;
	int err = 0;

	if (!type)
		return 0;
	if (!strcmp(type, "text") || !strcmp(type, "thinking"))
		return prov_block_text(p, 0, type[1] == 'e' ? PROV_BLK_TEXT : PROV_BLK_REASONING,
				       idx, pj_str(b, type));
	if (strcmp(type, "tool_use") && strcmp(type, "server_tool_use"))
		return 0;
	blk = prov_block(p, 0, PROV_BLK_TOOL, idx);
	if (!blk)
		return 0;
	blk->tool_type = type[0] == 't' ? "function" : "server_tool_use";
	err = prov_set_str(&blk->id, pj_str(b, "id"));
	err = err ?: prov_set_str(&blk->name, pj_str(b, "name"));
	/* in a stream, input starts as {} and arrives as input_json_delta fragments */
	if (!err && cJSON_IsObject(pj_get(b, "input")) && cJSON_GetArraySize(pj_get(b, "input"))) {
		args = cJSON_PrintUnformatted(pj_get(b, "input"));
		err = args ? prov_block_add(p, blk, args, strlen(args)) : -ENOMEM;
		free(args);
	}
	return err;
}

static int message_object(struct prov_ctx *p, struct usage_parts *u, const cJSON *m)
{
	struct genai_call *c = p->c;
	const cJSON *b;
	int idx = 0, err;

	err = prov_set_str(&c->response_id, pj_str(m, "id"));
	err = err ?: prov_set_str(&c->response_model, pj_str(m, "model"));
	usage(p, u, pj_get(m, "usage"));
	err = err ?: prov_set_str(&c->service_tier, pj_str(pj_get(m, "usage"), "service_tier"));
	cJSON_ArrayForEach(b, pj_get(m, "content"))
		err = err ?: content_block(p, idx++, b);
	err = err ?: prov_set_finish(p, 0, pj_str(m, "stop_reason"));
	if (!p->n_choices)
		p->n_choices = 1;
	return err;
}

static int block_delta(struct prov_ctx *p, int idx, const cJSON *d)
{
	const char *type = pj_str(d, "type"), *s = NULL;
	enum prov_block_kind kind = PROV_BLK_TEXT;

	if (!type)
		return 0;
	if (!strcmp(type, "text_delta")) {
		s = pj_str(d, "text");
	} else if (!strcmp(type, "thinking_delta")) {
		s = pj_str(d, "thinking");
		kind = PROV_BLK_REASONING;
	} else if (!strcmp(type, "input_json_delta")) {
		s = pj_str(d, "partial_json");
		kind = PROV_BLK_TOOL;
	}
	return prov_block_text(p, 0, kind, idx, s);
}

/* What a stream's events build on: the usage parts so far, and whether message_stop came. */
struct stream_state {
	struct usage_parts *u;
	bool stopped;
};

static int event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	struct stream_state *st = arg;
	struct usage_parts *u = st->u;
	const char *type = pj_str(d, "type") ?: ev->event;
	int64_t idx = 0;

	if (!d || !type)
		return 0;
	if (!strcmp(type, "message_start"))
		return message_object(p, u, pj_get(d, "message"));
	if (!strcmp(type, "error"))
		return prov_set_error(p, pj_get(d, "error"));
	if (!strcmp(type, "message_stop")) {
		st->stopped = true;
		return 0;
	}
	if (!strcmp(type, "message_delta")) {
		usage(p, u, pj_get(d, "usage"));
		return prov_set_finish(p, 0, pj_str(pj_get(d, "delta"), "stop_reason"));
	}
	pj_int(d, "index", &idx);
	if (idx < 0 || idx >= TT_MAX_GENAI_BLOCKS)
		return 0;
	if (!strcmp(type, "content_block_start")) {
		prov_mark_chunk(p, ev);
		return content_block(p, (int)idx, pj_get(d, "content_block"));
	}
	if (!strcmp(type, "content_block_delta")) {
		prov_mark_chunk(p, ev);
		return block_delta(p, (int)idx, pj_get(d, "delta"));
	}
	return 0;
}

static int decode_stream(struct prov_ctx *p, struct usage_parts *u, const struct http_event *ev,
			 size_t n)
{
	struct stream_state st = { .u = u };
	int err = prov_each_event(p, ev, n, event, &st);

	prov_stream_end(p, st.stopped);
	return err;
}

/* Tool blocks that never got input (stream cut, or a tool without parameters) get {}. */
static int empty_inputs(struct prov_ctx *p)
{
	size_t i;
	int err = 0;

	for (i = 0; i < p->n_blocks && !err; i++)
		if (p->blocks[i].kind == PROV_BLK_TOOL && !p->blocks[i].data.len &&
		    !(p->c->flags & GENAI_F_INCOMPLETE))
			err = prov_block_add(p, &p->blocks[i], "{}", 2);
	return err;
}

static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		     const struct http_event *ev, size_t n)
{
	const char *type = pj_str(body, "type");

	if (p->m->known_host)
		return true;
	if (pj_get(rq, "model") && pj_get(rq, "max_tokens") && pj_get(rq, "messages"))
		return true;
	if (type)
		return !strcmp(type, "message") || !strcmp(type, "error");
	return n && ev[0].event && !strcmp(ev[0].event, "message_start");
}

int prov_anthropic_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	struct usage_parts u = { 0 };
	cJSON *body;
	size_t n;
	int err;

	p->c->operation = "chat";
	err = prov_start(p, shape_ok, parse_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = decode_stream(p, &u, ev, n);
	} else if (cJSON_IsObject(body)) {
		if (pj_get(body, "error"))
			err = prov_set_error(p, pj_get(body, "error"));
		else
			err = message_object(p, &u, body);
	}
	err = err ?: empty_inputs(p);
	cJSON_Delete(body);
	return err;
}
