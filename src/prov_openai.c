// SPDX-License-Identifier: MIT
/* prov_openai.c: OpenAI Chat Completions, Completions and Responses (and clones). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"

/* Responses output parts: one block key per (output item, content part). */
#define RESP_KEY(item, part) ((item)*64 + ((part) < 63 ? (part) : 63))

static bool is_api(const struct prov_ctx *p, enum prov_api api)
{
	return p->m->api == api;
}

/* ---- request ---- */

static int set_output_type(struct genai_call *c, const char *fmt)
{
	if (!fmt)
		return 0;
	if (!strcmp(fmt, "json_object") || !strcmp(fmt, "json_schema"))
		return prov_set_str(&c->output_type, "json");
	return prov_set_str(&c->output_type, fmt);
}

/* Text of a content value: a string, or the text parts of a part list, concatenated. */
static cJSON *text_parts(const cJSON *content)
{
	cJSON *parts = cJSON_CreateArray();
	const cJSON *e;
	const char *t;

	if (cJSON_IsString(content)) {
		cJSON_AddItemToArray(parts, prov_part_text("text", content->valuestring));
		return parts;
	}
	cJSON_ArrayForEach(e, content) {
		const char *type = pj_str(e, "type");
		const char *url = pj_str(pj_get(e, "image_url"), "url") ?: pj_str(e, "image_url");

		t = pj_str(e, "text");
		t = t ? t : pj_str(e, "refusal");
		if (t) {
			cJSON_AddItemToArray(parts, prov_part_text("text", t));
		} else if (type && (t = url)) {
			cJSON *u = cJSON_CreateObject();

			cJSON_AddStringToObject(u, "type", "uri");
			cJSON_AddStringToObject(u, "modality", "image");
			cJSON_AddStringToObject(u, "uri", t);
			cJSON_AddItemToArray(parts, u);
		} else if (type) {
			cJSON *g = cJSON_CreateObject();

			cJSON_AddStringToObject(g, "type", type);
			cJSON_AddItemToArray(parts, g);
		}
	}
	return parts;
}

static int chat_message(struct prov_ctx *p, const cJSON *msg)
{
	const char *role = pj_str(msg, "role");
	const cJSON *content = pj_get(msg, "content"), *tc;
	cJSON *parts;

	if (role && !strcmp(role, "tool")) {
		parts = cJSON_CreateArray();
		cJSON_AddItemToArray(parts,
				     prov_part_tool_response(pj_str(msg, "tool_call_id"), content));
		return prov_in_msg(p, "tool", parts);
	}
	parts = text_parts(content);
	cJSON_ArrayForEach(tc, pj_get(msg, "tool_calls")) {
		const cJSON *fn = pj_get(tc, "function");

		cJSON_AddItemToArray(parts,
				     prov_part_tool_call(pj_str(tc, "id"), pj_str(fn, "name"),
							 pj_str(fn, "arguments")));
	}
	return prov_in_msg(p, role, parts);
}

static int chat_result(struct prov_ctx *p, const cJSON *msg)
{
	const char *role = pj_str(msg, "role");

	if (!role || strcmp(role, "tool"))
		return 0;
	return prov_add_tool_result(p, pj_str(msg, "tool_call_id"), pj_str(msg, "name"),
				    pj_get(msg, "content"), false);
}

/*
 * A built-in tool's name: its type, but "computer" for every version of the computer tool, the
 * name its calls (computer_call) get.
 */
static const char *builtin_name(const cJSON *t)
{
	const char *type = pj_str(t, "type");

	return type && !strncmp(type, "computer", 8) ? "computer" : type;
}

static int tool_defs(struct prov_ctx *p, const cJSON *tools)
{
	const cJSON *t, *fn;
	int err = 0;

	cJSON_ArrayForEach(t, tools) {
		fn = pj_get(t, "function");
		fn = fn ? fn : t; /* Chat nests under "function", Responses does not */
		err = prov_tool_def(p, pj_str(t, "type"), pj_str(fn, "name") ?: builtin_name(t),
				    pj_str(fn, "description"), pj_get(fn, "parameters"));
		if (err)
			return err;
	}
	return 0;
}

static int responses_input(struct prov_ctx *p, const cJSON *input);

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	const cJSON *conv = pj_get(rq, "conversation");
	int err;

	err = prov_set_str(&c->request_model, pj_str(rq, "model"));
	prov_set_sampling(r, rq);
	prov_set_i64(&r->choice_count, &r->has_choice_count, rq, "n");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_tokens");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_completion_tokens");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_output_tokens");
	c->streaming = pj_true(rq, "stream");
	err = err ?: prov_set_stop(p, pj_get(rq, "stop"));
	err = err ?: set_output_type(c, pj_str(pj_get(rq, "response_format"), "type"));
	err = err ?: set_output_type(c, pj_str(pj_path(rq, "text", "format", NULL), "type"));
	err = err ?: prov_set_str(&c->reasoning_level, pj_str(rq, "reasoning_effort"));
	err = err ?: prov_set_str(&c->reasoning_level, pj_str(pj_get(rq, "reasoning"), "effort"));
	err = err ?: prov_set_str(&c->service_tier, pj_str(rq, "service_tier"));
	err = err ?: prov_set_str(&c->previous_response_id, pj_str(rq, "previous_response_id"));
	err = err   ?:
		      prov_set_str(&c->conversation_id,
				   cJSON_IsString(conv) ? conv->valuestring : pj_str(conv, "id"));
	if (err)
		return err;
	if (is_api(p, PROV_API_OPENAI_RESPONSES)) {
		if (p->capture && cJSON_IsString(pj_get(rq, "instructions")))
			err = prov_sys_text(p, pj_str(rq, "instructions"));
		err = err ?: responses_input(p, pj_get(rq, "input"));
	} else if (is_api(p, PROV_API_OPENAI_CHAT)) {
		err = prov_history(p, pj_get(rq, "messages"), "assistant", chat_result,
				   chat_message);
	} else if (p->capture && is_api(p, PROV_API_OPENAI_COMPLETIONS)) {
		const cJSON *pr = pj_get(rq, "prompt");

		if (cJSON_IsString(pr))
			err = prov_in_msg(p, "user", text_parts(pr));
	}
	if (!err) /* the tools offered, always: their private record (prov_tool_def) */
		err = tool_defs(p, pj_get(rq, "tools"));
	return err;
}

/* ---- Responses API items (request input and response output) ---- */

static const char *item_args(const cJSON *it)
{
	return pj_str(it, "arguments") ?: pj_str(it, "input");
}

static bool item_is_call(const char *type)
{
	return type && (!strcmp(type, "function_call") || !strcmp(type, "custom_tool_call") ||
			!strcmp(type, "local_shell_call") || !strcmp(type, "computer_call"));
}

static bool item_is_output(const char *type)
{
	return type &&
	       (!strcmp(type, "function_call_output") || !strcmp(type, "custom_tool_call_output") ||
		!strcmp(type, "local_shell_call_output") || !strcmp(type, "computer_call_output"));
}

static int input_item(struct prov_ctx *p, const cJSON *it)
{
	const char *type = pj_str(it, "type"), *role = pj_str(it, "role");
	cJSON *parts;

	if (item_is_call(type)) {
		parts = cJSON_CreateArray();
		cJSON_AddItemToArray(parts, prov_part_tool_call(pj_str(it, "call_id"),
								pj_str(it, "name"), item_args(it)));
		return prov_in_msg(p, "assistant", parts);
	}
	if (item_is_output(type)) {
		parts = cJSON_CreateArray();
		cJSON_AddItemToArray(parts, prov_part_tool_response(pj_str(it, "call_id"),
								    pj_get(it, "output")));
		return prov_in_msg(p, "tool", parts);
	}
	if (role)
		return prov_in_msg(p, role, text_parts(pj_get(it, "content")));
	return 0;
}

static int responses_input(struct prov_ctx *p, const cJSON *input)
{
	const cJSON *it;
	int i = 0, last = -1, err = 0;

	if (cJSON_IsString(input))
		return p->capture ? prov_in_msg(p, "user", text_parts(input)) : 0;
	cJSON_ArrayForEach(it, input) {
		const char *type = pj_str(it, "type"), *role = pj_str(it, "role");

		if (item_is_call(type) || (role && !strcmp(role, "assistant")))
			last = i;
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(it, input) {
		if (i++ > last && item_is_output(pj_str(it, "type")))
			err = prov_add_tool_result(p, pj_str(it, "call_id"), NULL,
						   pj_get(it, "output"), false);
		if (!err && p->capture)
			err = input_item(p, it);
		if (err)
			return err;
	}
	return 0;
}

static int tool_block(struct prov_ctx *p, int choice, int key, const char *id, const char *name,
		      const char *type, const char *args)
{
	struct prov_block *b = prov_block(p, choice, PROV_BLK_TOOL, key);
	int err;

	if (!b)
		return 0; /* over the block cap: counted by the cap, not an error */
	if (type)
		b->tool_type = type;
	err = prov_set_str(&b->id, id);
	err = err ?: prov_set_str(&b->name, name);
	if (!err && args && !b->data.len)
		err = prov_block_add(p, b, args, strlen(args));
	return err;
}

static int output_item(struct prov_ctx *p, int idx, const cJSON *it)
{
	const char *type = pj_str(it, "type");
	const cJSON *e;
	int part = 0, err = 0;

	if (!type)
		return 0;
	if (!strcmp(type, "function_call") || !strcmp(type, "custom_tool_call"))
		return tool_block(p, 0, RESP_KEY(idx, 0), pj_str(it, "call_id"), pj_str(it, "name"),
				  type[0] == 'f' ? "function" : "custom", item_args(it));
	if (!strcmp(type, "local_shell_call") || !strcmp(type, "computer_call")) {
		char *args = cJSON_PrintUnformatted(pj_get(it, "action"));

		err = tool_block(p, 0, RESP_KEY(idx, 0), pj_str(it, "call_id"),
				 type[0] == 'l' ? "local_shell" : "computer", "function", args);
		free(args);
		return err;
	}
	if (!strcmp(type, "reasoning")) {
		cJSON_ArrayForEach(e, pj_get(it, "summary"))
			err = err   ?:
				      prov_block_text(p, 0, PROV_BLK_REASONING,
						      RESP_KEY(idx, part++), pj_str(e, "text"));
		return err;
	}
	if (strcmp(type, "message"))
		return 0;
	cJSON_ArrayForEach(e, pj_get(it, "content")) {
		const char *refusal = pj_str(e, "refusal");

		if (refusal)
			err = err   ?:
				      prov_block_text(p, 0, PROV_BLK_REFUSAL, RESP_KEY(idx, part),
						      refusal);
		else
			err = err   ?:
				      prov_block_text(p, 0, PROV_BLK_TEXT, RESP_KEY(idx, part),
						      pj_str(e, "text"));
		part++;
	}
	return err;
}

static void responses_usage(struct genai_usage *u, const cJSON *usage)
{
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, usage, "input_tokens");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, usage, "output_tokens");
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens,
		     pj_get(usage, "input_tokens_details"), "cached_tokens");
	/* the Realtime API's name for it */
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens,
		     pj_get(usage, "input_token_details"), "cached_tokens");
	prov_set_i64(&u->reasoning_tokens, &u->has_reasoning_tokens,
		     pj_get(usage, "output_tokens_details"), "reasoning_tokens");
}

static const char *responses_finish(struct prov_ctx *p, const cJSON *resp)
{
	const char *status = pj_str(resp, "status");
	const char *why = pj_str(pj_get(resp, "incomplete_details"), "reason");
	size_t i;

	if (!status)
		return NULL;
	if (!strcmp(status, "completed")) {
		for (i = 0; i < p->n_blocks; i++)
			if (p->blocks[i].kind == PROV_BLK_TOOL)
				return "tool_calls";
		return "stop";
	}
	if (!strcmp(status, "incomplete"))
		return why && !strcmp(why, "content_filter") ? "content_filter" : "length";
	if (!strcmp(status, "failed") || !strcmp(status, "cancelled"))
		return "error";
	return NULL;
}

/* A whole response object: the JSON body or the payload of a terminal stream event. */
static int responses_object(struct prov_ctx *p, const cJSON *resp)
{
	struct genai_call *c = p->c;
	const cJSON *out = pj_get(resp, "output"), *it, *conv = pj_get(resp, "conversation");
	int idx = 0, err;

	err = prov_set_str(&c->response_id, pj_str(resp, "id"));
	err = err ?: prov_set_str(&c->response_model, pj_str(resp, "model"));
	err = err ?: prov_set_str(&c->service_tier, pj_str(resp, "service_tier"));
	err = err ?: prov_set_str(&c->conversation_id, pj_str(conv, "id"));
	if (!err && cJSON_IsObject(pj_get(resp, "error")))
		err = prov_set_error(p, pj_get(resp, "error"));
	responses_usage(&c->usage, pj_get(resp, "usage"));
	if (err)
		return err;
	if (cJSON_GetArraySize(out) > 0)
		prov_blocks_reset(p);
	cJSON_ArrayForEach(it, out) {
		err = output_item(p, idx++, it);
		if (err)
			return err;
	}
	return prov_set_finish(p, 0, responses_finish(p, resp));
}

/* ---- Chat Completions / Completions response bodies and chunks ---- */

/*
 * xAI counts reasoning beside completion_tokens, not in it, as OpenAI does: its total is the sum
 * of all three. Output tokens include reasoning ones, so they are added when the total says so.
 */
static void reasoning_beside(struct genai_usage *u, const cJSON *usage)
{
	int64_t in, out, reasoning, total;

	if (pj_int(usage, "prompt_tokens", &in) && pj_int(usage, "completion_tokens", &out) &&
	    pj_int(pj_get(usage, "completion_tokens_details"), "reasoning_tokens", &reasoning) &&
	    pj_int(usage, "total_tokens", &total) && reasoning > 0 && in >= 0 && out >= 0 &&
	    in < INT32_MAX && out < INT32_MAX && reasoning < INT32_MAX &&
	    total == in + out + reasoning)
		u->output_tokens = out + reasoning;
}

static void chat_usage(struct genai_usage *u, const cJSON *usage)
{
	const cJSON *pd = pj_get(usage, "prompt_tokens_details");

	prov_set_i64(&u->input_tokens, &u->has_input_tokens, usage, "prompt_tokens");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, usage, "completion_tokens");
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens, pd, "cached_tokens");
	/*
	 * DeepSeek reports cache hits beside prompt_tokens (which includes them, and the misses);
	 * its own field wins over the details it may also send
	 */
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens, usage,
		     "prompt_cache_hit_tokens");
	prov_set_i64(&u->cache_write_tokens, &u->has_cache_write_tokens, pd, "cache_write_tokens");
	prov_set_i64(&u->reasoning_tokens, &u->has_reasoning_tokens,
		     pj_get(usage, "completion_tokens_details"), "reasoning_tokens");
	/* OpenRouter says what the call cost (its credits) */
	prov_set_dbl(&u->cost, &u->has_cost, usage, "cost");
	reasoning_beside(u, usage);
}

/* Usage of a body or chunk: "usage", or Groq's x_groq.usage (its only one in a stream). */
static const cJSON *usage_of(const cJSON *o)
{
	const cJSON *u = pj_get(o, "usage");

	return cJSON_IsObject(u) ? u : pj_path(o, "x_groq", "usage", NULL);
}

static int chat_tool_calls(struct prov_ctx *p, int choice, const cJSON *tcs)
{
	const cJSON *tc, *fn;
	struct prov_block *b;
	int pos = 0, key, err = 0;

	cJSON_ArrayForEach(tc, tcs) {
		const char *id = pj_str(tc, "id");
		int64_t idx;

		fn = pj_get(tc, "function");
		key = pj_int(tc, "index", &idx) && idx >= 0 && idx < 1000000 ? (int)idx : pos;
		pos++;
		b = prov_block(p, choice, PROV_BLK_TOOL, key);
		/* a new id under a used index is a new call (some servers reuse index 0) */
		if (b && id && b->id && strcmp(b->id, id))
			b = prov_block(p, choice, PROV_BLK_TOOL, 1000000 + (int)p->n_blocks);
		if (!b)
			continue;
		err = prov_set_str(&b->id, id);
		err = err ?: prov_set_str(&b->name, pj_str(fn, "name"));
		if (!err && pj_str(fn, "arguments"))
			err = prov_block_add(p, b, pj_str(fn, "arguments"),
					     strlen(pj_str(fn, "arguments")));
		if (err)
			return err;
	}
	return 0;
}

/* One choice of a body (message) or of a chunk (delta): both shapes carry the same fields. */
static int chat_choice(struct prov_ctx *p, const cJSON *ch, int pos)
{
	const cJSON *m = pj_get(ch, "message") ?: pj_get(ch, "delta");
	int i = prov_choice(p, ch, pos), err;

	if (i < 0)
		return 0;
	err = prov_block_text(p, i, PROV_BLK_REASONING, 0, pj_str(m, "reasoning_content"));
	err = err ?: prov_block_text(p, i, PROV_BLK_REASONING, 0, pj_str(m, "reasoning"));
	err = err ?: prov_block_text(p, i, PROV_BLK_TEXT, 0, pj_str(m, "content"));
	/* "text": Completions; Together repeats a chunk's delta there */
	if (!cJSON_IsString(pj_get(m, "content")))
		err = err ?: prov_block_text(p, i, PROV_BLK_TEXT, 0, pj_str(ch, "text"));
	err = err ?: prov_block_text(p, i, PROV_BLK_REFUSAL, 0, pj_str(m, "refusal"));
	err = err ?: chat_tool_calls(p, i, pj_get(m, "tool_calls"));
	err = err ?: prov_set_finish(p, i, pj_str(ch, "finish_reason"));
	return err;
}

static int chat_object(struct prov_ctx *p, const cJSON *o)
{
	struct genai_call *c = p->c;
	const cJSON *ch;
	int pos = 0, err;

	if (pj_get(o, "error") && !cJSON_IsNull(pj_get(o, "error")))
		return prov_set_error(p, pj_get(o, "error"));
	err = prov_set_str(&c->response_id, pj_str(o, "id"));
	err = err ?: prov_set_str(&c->response_model, pj_str(o, "model"));
	err = err ?: prov_set_str(&c->system_fingerprint, pj_str(o, "system_fingerprint"));
	err = err ?: prov_set_str(&c->service_tier, pj_str(o, "service_tier"));
	if (cJSON_IsObject(usage_of(o)))
		chat_usage(&c->usage, usage_of(o));
	cJSON_ArrayForEach(ch, pj_get(o, "choices")) {
		err = err ?: chat_choice(p, ch, pos);
		pos++;
	}
	return err;
}

/* ---- streams ---- */

static bool stream_terminal(const char *type)
{
	/* response.done: the Realtime API's (over WebSocket, prov_realtime.c) */
	return type &&
	       (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete") ||
		!strcmp(type, "response.failed") || !strcmp(type, "response.done"));
}

static int resp_event_delta(struct prov_ctx *p, const char *type, const cJSON *d)
{
	const char *delta = pj_str(d, "delta");
	int64_t oi = 0, ci = 0;
	int key;

	pj_int(d, "output_index", &oi);
	pj_int(d, "content_index", &ci);
	if (oi < 0 || oi >= TT_MAX_GENAI_BLOCKS || ci < 0)
		return 0;
	key = RESP_KEY((int)oi, (int)(ci < 63 ? ci : 63));
	if (!strcmp(type, "response.output_text.delta"))
		return prov_block_text(p, 0, PROV_BLK_TEXT, key, delta);
	if (!strcmp(type, "response.refusal.delta"))
		return prov_block_text(p, 0, PROV_BLK_REFUSAL, key, delta);
	if (!strcmp(type, "response.reasoning_summary_text.delta") ||
	    !strcmp(type, "response.reasoning_text.delta")) {
		pj_int(d, "summary_index", &ci);
		key = RESP_KEY((int)oi, (int)(ci >= 0 && ci < 63 ? ci : 63));
		return prov_block_text(p, 0, PROV_BLK_REASONING, key, delta);
	}
	if (!strcmp(type, "response.function_call_arguments.delta") ||
	    !strcmp(type, "response.custom_tool_call_input.delta")) {
		key = RESP_KEY((int)oi, 0);
		return prov_block_add(p, prov_block(p, 0, PROV_BLK_TOOL, key), delta,
				      delta ? strlen(delta) : 0);
	}
	return 0;
}

static int resp_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d,
		      bool *terminal)
{
	const char *type = pj_str(d, "type") ?: ev->event;
	const cJSON *resp = pj_get(d, "response");
	int64_t oi = 0;

	if (!type)
		return 0;
	if (!strcmp(type, "error")) {
		const cJSON *e = pj_get(d, "error");
		char *code = NULL;
		int err;

		if (cJSON_IsObject(e))
			return prov_set_error(p, e);
		err = prov_set_str(&code, pj_str(d, "code") ?: "_OTHER");
		err = err ?: prov_set_str(&p->c->error_type, code);
		free(code);
		return err ?: prov_set_error(p, pj_get(d, "message"));
	}
	if (stream_terminal(type)) {
		*terminal = true;
		return responses_object(p, resp);
	}
	if (resp) { /* response.created, .in_progress, .queued */
		int err = prov_set_str(&p->c->response_id, pj_str(resp, "id"));

		return err ?: prov_set_str(&p->c->response_model, pj_str(resp, "model"));
	}
	if (strstr(type, ".delta"))
		prov_mark_chunk(p, ev);
	if (!strcmp(type, "response.output_item.added") ||
	    !strcmp(type, "response.output_item.done")) {
		pj_int(d, "output_index", &oi);
		if (oi < 0 || oi >= TT_MAX_GENAI_BLOCKS)
			return 0;
		if (!strcmp(type, "response.output_item.added") ||
		    item_is_call(pj_str(pj_get(d, "item"), "type")))
			return output_item(p, (int)oi, pj_get(d, "item"));
		return 0;
	}
	return resp_event_delta(p, type, d);
}

static int chat_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d)
{
	if (cJSON_GetArraySize(pj_get(d, "choices")) > 0)
		prov_mark_chunk(p, ev);
	return chat_object(p, d);
}

/* How a stream ended: [DONE] (Chat Completions) or a terminal event (Responses). */
struct stream_end {
	bool done, terminal;
};

static int stream_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	struct stream_end *end = arg;

	if (!d) {
		if (ev->data && !strncmp(ev->data, "[DONE]", 6))
			end->done = true;
		return 0;
	}
	if (is_api(p, PROV_API_OPENAI_RESPONSES))
		return resp_event(p, ev, d, &end->terminal);
	return chat_event(p, ev, d);
}

static int decode_stream(struct prov_ctx *p, const struct http_event *ev, size_t n)
{
	struct stream_end end = { 0 };
	int err = prov_each_event(p, ev, n, stream_event, &end);

	prov_stream_end(p, end.done || end.terminal);
	return err;
}

/* ---- entry ---- */

static bool shape_known(const cJSON *o)
{
	static const char *const objects[] = {
		"chat.completion", "chat.completion.chunk", "text_completion", "response", "list",
	};
	const char *obj = pj_str(o, "object"), *type = pj_str(o, "type");
	size_t i;

	for (i = 0; obj && i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(obj, objects[i]))
			return true;
	return pj_get(o, "choices") || pj_get(o, "error") ||
	       (type && !strncmp(type, "response.", 9));
}

/* For a host we do not know, the bodies must look like the API the path names. */
static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		     const struct http_event *ev, size_t n)
{
	cJSON *d;
	bool ok;

	if (p->m->known_host)
		return true;
	if (pj_get(rq, "model") &&
	    (pj_get(rq, "messages") || pj_get(rq, "prompt") || pj_get(rq, "input")))
		return true;
	if (body)
		return shape_known(body);
	if (!n)
		return false;
	d = pj_parse(ev[0].data, ev[0].data_len, false);
	ok = shape_known(d);
	cJSON_Delete(d);
	return ok;
}

static void set_operation(struct prov_ctx *p)
{
	struct genai_call *c = p->c;

	switch (p->m->api) {
	case PROV_API_OPENAI_COMPLETIONS:
		c->operation = "text_completion";
		break;
	case PROV_API_OPENAI_RESPONSES:
		c->operation = "chat";
		c->api_type = "responses";
		break;
	default:
		c->operation = "chat";
		c->api_type = "chat_completions";
		break;
	}
}

int prov_openai_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	cJSON *body;
	size_t n;
	int err;

	set_operation(p);
	err = prov_start(p, shape_ok, parse_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = decode_stream(p, ev, n);
	} else if (is_api(p, PROV_API_OPENAI_RESPONSES) && cJSON_IsObject(body) &&
		   !pj_get(body, "choices")) {
		err = responses_object(p, body);
	} else if (cJSON_IsObject(body)) {
		err = chat_object(p, body);
	}
	cJSON_Delete(body);
	return err;
}
