// SPDX-License-Identifier: MIT
/* prov_generic.c: a model call on an API no other decoder knows, read by common field names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"

/*
 * Never silent: an agent on an API we do not decode still gets its LLM span when the bodies
 * carry the evidence of a model call, a request that names a model and what it asks of it
 * (messages, prompt, input, contents), or a response that counts the tokens it produced.
 * Ordinary JSON APIs carry neither. Fields are found under the names the common APIs use; the
 * walks are bounded in depth and visit each JSON node once, so the work stays linear in the
 * bodies.
 */

#define WALK_DEPTH 6 /* levels below a body's top object searched for counts and tool calls */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const asks[] = { "messages", "prompt", "input", "contents" };
static const char *const model_keys[] = { "model", "modelId", "model_id", "modelVersion" };
static const char *const id_keys[] = { "id", "response_id", "responseId", "generation_id" };
static const char *const in_keys[] = {
	"input_tokens",	    "prompt_tokens",   "inputTokens",	    "promptTokens",
	"promptTokenCount", "inputTokenCount", "prompt_eval_count",
};
static const char *const out_keys[] = {
	"output_tokens",	"completion_tokens", "outputTokens", "completionTokens",
	"candidatesTokenCount", "outputTokenCount",  "eval_count",
};
static const char *const cache_keys[] = {
	"cached_tokens",	   "cache_read_input_tokens", "cacheReadInputTokens",
	"cachedContentTokenCount", "prompt_cache_hit_tokens",
};
static const char *const reasoning_keys[] = { "reasoning_tokens", "reasoningTokens",
					      "thoughtsTokenCount" };
static const char *const finish_keys[] = { "finish_reason", "finishReason", "stop_reason",
					   "stopReason", "done_reason" };
static const char *const max_keys[] = { "max_tokens",	     "max_completion_tokens",
					"max_output_tokens", "max_new_tokens",
					"maxTokens",	     "maxOutputTokens" };
/* objects that are one tool call when they also carry a name */
static const char *const tool_types[] = { "tool_use", "tool_call", "function_call" };
/* members of a response that echo the request (its history, the tools it offers), not output */
static const char *const echoes[] = {
	"usage", "usageMetadata", "tools",    "functions", "tool_choice",  "messages",
	"input", "history",	  "contents", "prompt",	   "instructions",
};

static const char *first_str(const cJSON *o, const char *const *keys, size_t n)
{
	const char *s;
	size_t i;

	for (i = 0; i < n; i++)
		if ((s = pj_str(o, keys[i])) && *s)
			return s;
	return NULL;
}

/* The first count of keys in o, unless *has already. */
static bool first_count(const cJSON *o, const char *const *keys, size_t n, int64_t *v, bool *has)
{
	int64_t t;
	size_t i;

	for (i = 0; !*has && i < n; i++) {
		if (pj_int(o, keys[i], &t) && t >= 0) {
			*v = t;
			*has = true;
			return true;
		}
	}
	return false;
}

/*
 * Token counts in o and below it, pre-order: the first count of each kind wins (a usage object
 * before the counts of what it nests, billed_units before Cohere's tokens).
 */
static void usage_walk(const cJSON *o, int depth, struct genai_usage *u)
{
	const cJSON *e;
	bool any = false;
	double cost;

	if (depth > WALK_DEPTH)
		return;
	if (cJSON_IsObject(o)) {
		any |= first_count(o, in_keys, N(in_keys), &u->input_tokens, &u->has_input_tokens);
		any |= first_count(o, out_keys, N(out_keys), &u->output_tokens,
				   &u->has_output_tokens);
		first_count(o, cache_keys, N(cache_keys), &u->cache_read_tokens,
			    &u->has_cache_read_tokens);
		first_count(o, reasoning_keys, N(reasoning_keys), &u->reasoning_tokens,
			    &u->has_reasoning_tokens);
		if (any && !u->has_cost && pj_num(o, "cost", &cost)) {
			u->cost = cost;
			u->has_cost = true;
		}
	} else if (!cJSON_IsArray(o)) {
		return;
	}
	cJSON_ArrayForEach(e, o)
		usage_walk(e, depth + 1, u);
}

static void merge_count(int64_t *to, bool *has_to, int64_t v, bool has)
{
	if (has) {
		*to = v;
		*has_to = true;
	}
}

/* A later event's counts replace an earlier one's (streams send running or final totals). */
static void usage_merge(struct genai_usage *to, const struct genai_usage *u)
{
	merge_count(&to->input_tokens, &to->has_input_tokens, u->input_tokens, u->has_input_tokens);
	merge_count(&to->output_tokens, &to->has_output_tokens, u->output_tokens,
		    u->has_output_tokens);
	merge_count(&to->cache_read_tokens, &to->has_cache_read_tokens, u->cache_read_tokens,
		    u->has_cache_read_tokens);
	merge_count(&to->reasoning_tokens, &to->has_reasoning_tokens, u->reasoning_tokens,
		    u->has_reasoning_tokens);
	if (u->has_cost) {
		to->cost = u->cost;
		to->has_cost = true;
	}
}

/* ---- evidence ---- */

static bool asks_model(const cJSON *rq)
{
	const cJSON *v;
	size_t i;

	if (!first_str(rq, model_keys, N(model_keys)))
		return false;
	for (i = 0; i < N(asks); i++) {
		v = pj_get(rq, asks[i]);
		if ((cJSON_IsString(v) && *v->valuestring) || cJSON_GetArraySize(v) > 0)
			return true;
	}
	return false;
}

static bool counts_tokens(const cJSON *o)
{
	struct genai_usage u = { 0 };

	usage_walk(o, 0, &u);
	return u.has_output_tokens;
}

/* Usage comes at the end of a stream, a model name at its start: the first and last events. */
#define EDGE_EVENTS 4

static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		     const struct http_event *ev, size_t n)
{
	size_t i;
	bool ok;

	(void)p;
	if (!rq || pj_get(rq, "jsonrpc")) /* JSON-RPC (MCP) is mcp.c's */
		return false;
	if (asks_model(rq) || counts_tokens(body))
		return true;
	for (i = 0; i < n; i++) {
		cJSON *d;

		if (i == EDGE_EVENTS && n > 2 * EDGE_EVENTS)
			i = n - EDGE_EVENTS;
		d = pj_parse(ev[i].data, ev[i].data_len, false);
		ok = counts_tokens(d);
		cJSON_Delete(d);
		if (ok)
			return true;
	}
	return false;
}

/* ---- request ---- */

static int message_in(struct prov_ctx *p, const cJSON *msg)
{
	const char *text = pj_text(pj_get(msg, "content")) ?: pj_text(pj_get(msg, "parts"));
	cJSON *parts;

	if (!text)
		return 0;
	parts = cJSON_CreateArray();
	cJSON_AddItemToArray(parts, prov_part_text("text", text));
	return prov_in_msg(p, pj_str(msg, "role") ?: "user", parts);
}

/* Results of the tool calls the previous response asked for: role "tool", or result blocks. */
static int message_results(struct prov_ctx *p, const cJSON *msg)
{
	const char *role = pj_str(msg, "role"), *type;
	const cJSON *b;
	int err = 0;

	if (role && !strcmp(role, "tool"))
		return prov_add_tool_result(p, pj_str(msg, "tool_call_id") ?: pj_str(msg, "id"),
					    pj_str(msg, "name"), pj_get(msg, "content"), false);
	cJSON_ArrayForEach(b, pj_get(msg, "content")) {
		type = pj_str(b, "type");
		if (!err && type && !strcmp(type, "tool_result"))
			err = prov_add_tool_result(p, pj_str(b, "tool_use_id"), NULL,
						   pj_get(b, "content"), pj_true(b, "is_error"));
	}
	return err;
}

static const char *operation_of(const struct prov_ctx *p, const cJSON *rq)
{
	const char *t = p->x->target;
	size_t len = strcspn(t, "?");

	if (memmem(t, len, "embed", 5))
		return "embeddings";
	if (pj_get(rq, "messages") || pj_get(rq, "contents") || memmem(t, len, "chat", 4))
		return "chat";
	if (memmem(t, len, "generateContent", 15))
		return "generate_content";
	if (pj_get(rq, "prompt") || memmem(t, len, "complet", 7))
		return "text_completion";
	return "chat";
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	const cJSON *pr = pj_get(rq, "prompt");
	size_t i;
	int err;

	c->operation = operation_of(p, rq);
	err = prov_set_str(&c->request_model, first_str(rq, model_keys, N(model_keys)));
	prov_set_sampling(r, rq);
	for (i = 0; i < N(max_keys); i++)
		prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, max_keys[i]);
	c->streaming = pj_true(rq, "stream");
	err = err ?: prov_set_stop(p, pj_get(rq, "stop") ?: pj_get(rq, "stop_sequences"));
	err = err   ?:
		      prov_history(p, pj_get(rq, "messages"), "assistant", message_results,
				   message_in);
	if (!err && p->capture && cJSON_IsString(pr) && *pr->valuestring) {
		cJSON *parts = cJSON_CreateArray();

		cJSON_AddItemToArray(parts, prov_part_text("text", pr->valuestring));
		err = prov_in_msg(p, "user", parts);
	}
	return err;
}

/* ---- response ---- */

static bool is_tool_type(const char *type)
{
	size_t i;

	for (i = 0; type && i < N(tool_types); i++)
		if (!strcmp(type, tool_types[i]))
			return true;
	return false;
}

static struct prov_block *tool_block_of(struct prov_ctx *p, int choice, int key, const char *id,
					bool may_open)
{
	struct prov_block *b;
	size_t i;

	for (i = p->n_blocks; i-- > 0;) {
		b = &p->blocks[i];
		if (b->choice == choice && b->kind == PROV_BLK_TOOL && b->key == key) {
			/* a new id under a used index is a new call */
			if (id && b->id && strcmp(b->id, id))
				break;
			return prov_block(p, choice, PROV_BLK_TOOL, key);
		}
	}
	if (!may_open)
		return NULL;
	if (i != (size_t)-1)
		key = 1000000 + (int)p->n_blocks;
	return prov_block(p, choice, PROV_BLK_TOOL, key);
}

/*
 * One tool call: OpenAI's {id, index, function: {name, arguments}}, a block {type: tool_use,
 * id, name, input}, Gemini's functionCall {name, args}, or the flat {id, name, arguments}. A
 * stream's later pieces name no tool: they continue the call of the same index.
 */
static int tool_item(struct prov_ctx *p, int choice, const cJSON *tc, int pos)
{
	const cJSON *fn = pj_get(tc, "function") ?: pj_get(tc, "functionCall") ?: tc;
	const char *id =
		first_str(tc, (const char *const[]){ "id", "call_id", "toolCallId", "toolUseId" }, 4) ?:
			pj_str(fn, "id");
	const char *name = pj_str(fn, "name");
	const cJSON *args = pj_get(fn, "arguments")	?:
				    pj_get(fn, "args")	?:
				    pj_get(fn, "input") ?:
							  pj_get(fn, "parameters");
	struct prov_block *b;
	int64_t idx;
	char *s;
	int err;

	if (!cJSON_IsObject(tc))
		return 0;
	if (!pj_int(tc, "index", &idx) || idx < 0 || idx >= 1000000)
		idx = pos;
	b = tool_block_of(p, choice, (int)idx, id, name && *name);
	if (!b)
		return 0;
	err = prov_set_str(&b->id, id);
	err = err ?: prov_set_str(&b->name, name && *name ? name : NULL);
	if (err || !args)
		return err;
	if (cJSON_IsString(args))
		return prov_block_add(p, b, args->valuestring, strlen(args->valuestring));
	if (b->data.len || !(cJSON_IsObject(args) || cJSON_IsArray(args)))
		return 0;
	s = cJSON_PrintUnformatted(args);
	if (!s)
		return -ENOMEM;
	err = prov_block_add(p, b, s, strlen(s));
	free(s);
	return err;
}

static int tool_list(struct prov_ctx *p, int choice, const cJSON *list)
{
	const cJSON *tc;
	int pos = 0, err = 0;

	if (cJSON_IsObject(list)) /* one call, as a stream's delta may carry it */
		return tool_item(p, choice, list, 0);
	cJSON_ArrayForEach(tc, list) {
		err = tool_item(p, choice, tc, pos++);
		if (err)
			return err;
	}
	return 0;
}

static bool is_key(const cJSON *e, const char *key)
{
	return e->string && !strcmp(e->string, key);
}

static bool is_echo(const cJSON *e)
{
	size_t i;

	for (i = 0; e->string && i < N(echoes); i++)
		if (!strcmp(e->string, echoes[i]))
			return true;
	return false;
}

static int out_walk(struct prov_ctx *p, const cJSON *o, int choice, int depth);

/* The members of o: tool call lists, choices, and what they nest. */
static int out_members(struct prov_ctx *p, const cJSON *o, int choice, int depth)
{
	const cJSON *e, *ch;
	int pos, err = 0;

	cJSON_ArrayForEach(e, o) {
		if (is_echo(e))
			continue;
		if (is_key(e, "tool_calls") || is_key(e, "toolCalls")) {
			err = tool_list(p, choice, e);
		} else if (is_key(e, "functionCall")) {
			err = tool_item(p, choice, e, 0);
		} else if (cJSON_IsArray(e) && (is_key(e, "choices") || is_key(e, "candidates"))) {
			pos = 0;
			cJSON_ArrayForEach(ch, e) {
				int i = prov_choice(p, ch, pos++);

				err = err ?: (i < 0 ? 0 : out_walk(p, ch, i, depth + 1));
			}
		} else {
			err = out_walk(p, e, choice, depth + 1);
		}
		if (err)
			return err;
	}
	return 0;
}

/* Tool calls, finish reasons and (with content on) text of a response object, by choice. */
static int out_walk(struct prov_ctx *p, const cJSON *o, int choice, int depth)
{
	const char *type = pj_str(o, "type"), *t;
	int err = 0;

	if (depth > WALK_DEPTH)
		return 0;
	if (cJSON_IsString(o) && p->capture && *o->valuestring && o->string &&
	    (!strcmp(o->string, "text") || !strcmp(o->string, "content") ||
	     !strcmp(o->string, "response") || !strcmp(o->string, "output_text") ||
	     !strcmp(o->string, "generated_text")))
		return prov_block_text(p, choice, PROV_BLK_TEXT, 0, o->valuestring);
	if (!cJSON_IsObject(o) && !cJSON_IsArray(o))
		return 0;
	if (cJSON_IsObject(o)) {
		if (is_tool_type(type) && pj_str(o, "name"))
			return tool_item(p, choice, o, 1000 + (int)p->n_blocks);
		t = first_str(o, finish_keys, N(finish_keys));
		err = prov_set_finish(p, choice, t);
	}
	return err ?: out_members(p, o, choice, depth);
}

static int response_object(struct prov_ctx *p, const cJSON *o)
{
	struct genai_call *c = p->c;
	struct genai_usage u = { 0 };
	const cJSON *in = pj_get(o, "message") ?: pj_get(o, "response");
	const cJSON *e = pj_get(o, "error");
	int err;

	err = prov_set_str(&c->response_model, first_str(o, model_keys, N(model_keys)) ?:
						       first_str(in, model_keys, N(model_keys)));
	err = err   ?:
		      prov_set_str(&c->response_id, first_str(o, id_keys, N(id_keys)) ?:
							    first_str(in, id_keys, N(id_keys)));
	if (!err && e && !cJSON_IsNull(e) && !cJSON_IsFalse(e))
		err = prov_set_error(p, e);
	else if (!err && c->http_status >= 400)
		err = prov_set_error(p, pj_get(o, "message") ?: pj_get(o, "detail"));
	usage_walk(o, 0, &u);
	usage_merge(&c->usage, &u);
	return err ?: out_walk(p, o, 0, 0);
}

struct stream_state {
	bool ended; /* [DONE], or an event that finishes or counts the call */
};

static int stream_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	struct stream_state *st = arg;
	bool had = p->c->usage.has_output_tokens;
	int err;

	if (!d) {
		if (ev->data && !strncmp(ev->data, "[DONE]", 6))
			st->ended = true;
		return 0;
	}
	prov_mark_chunk(p, ev);
	err = response_object(p, d);
	if (first_str(d, finish_keys, N(finish_keys)) || pj_true(d, "done") ||
	    (!had && p->c->usage.has_output_tokens))
		st->ended = true;
	return err;
}

/* Whether the bytes may hold a token count: cheaper than parsing them to find none. */
static bool mentions_tokens(const void *s, size_t len)
{
	static const char *const words[] = { "_tokens", "Tokens", "TokenCount", "_count" };
	size_t i;

	for (i = 0; s && i < N(words); i++)
		if (memmem(s, len, words[i], strlen(words[i])))
			return true;
	return false;
}

/*
 * Most JSON POSTs are no model call: when the request asks no model, the response is parsed
 * only if its bytes name a token count somewhere.
 */
static bool may_be_call(struct prov_ctx *p)
{
	const struct http_message *m = &p->x->resp;
	size_t i;

	if (asks_model(prov_request(p)))
		return true;
	if (mentions_tokens(m->body, m->body_len))
		return true;
	for (i = 0; m->events && i < m->n_events; i++)
		if (mentions_tokens(m->events[i].data, m->events[i].data_len))
			return true;
	return false;
}

int prov_generic_decode(struct prov_ctx *p)
{
	struct stream_state st = { 0 };
	const struct http_event *ev;
	cJSON *body;
	size_t n;
	int err;

	if (!may_be_call(p))
		return -ENOENT;
	p->c->decode = "generic";
	p->c->operation = "chat";
	err = prov_start(p, shape_ok, parse_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = prov_each_event(p, ev, n, stream_event, &st);
		prov_stream_end(p, st.ended);
	} else if (cJSON_IsObject(body)) {
		err = response_object(p, body);
	}
	cJSON_Delete(body);
	return err;
}
