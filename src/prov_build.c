// SPDX-License-Identifier: MIT
/* prov_build.c: builds the call record (setters, output parts, content) for the prov_* decoders. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "log.h"
#include "prov_internal.h"
#include "redact.h"

/* ---- call record setters ---- */

int prov_set_str(char **dst, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return 0;
	/* strnlen + memcpy: strndup's bound draws gcc's overread warning once LTO inlines it */
	n = strnlen(s, TT_MAX_GENAI_STR);
	d = malloc(n + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d, s, n);
	d[n] = '\0';
	free(*dst);
	*dst = d;
	return 0;
}

void prov_set_i64(int64_t *dst, bool *has, const cJSON *o, const char *key)
{
	int64_t v;

	if (pj_int(o, key, &v)) {
		*dst = v;
		*has = true;
	}
}

void prov_set_dbl(double *dst, bool *has, const cJSON *o, const char *key)
{
	double v;

	if (pj_num(o, key, &v)) {
		*dst = v;
		*has = true;
	}
}

void prov_set_sampling(struct genai_request_params *r, const cJSON *o)
{
	prov_set_dbl(&r->temperature, &r->has_temperature, o, "temperature");
	prov_set_dbl(&r->top_p, &r->has_top_p, o, "top_p");
	prov_set_dbl(&r->frequency_penalty, &r->has_frequency_penalty, o, "frequency_penalty");
	prov_set_dbl(&r->presence_penalty, &r->has_presence_penalty, o, "presence_penalty");
	prov_set_i64(&r->top_k, &r->has_top_k, o, "top_k");
	prov_set_i64(&r->seed, &r->has_seed, o, "seed");
}

static int add_stop(struct prov_ctx *p, const char *s)
{
	struct genai_call *c = p->c;
	char **v;

	if (!s || c->params.n_stop_sequences >= TT_MAX_GENAI_STOP)
		return 0;
	if (tt_ensure_mem((void **)&c->params.stop_sequences, &p->alloc_stops, sizeof(*v),
			  c->params.n_stop_sequences + 1))
		return -ENOMEM;
	v = c->params.stop_sequences;
	v[c->params.n_stop_sequences] = strndup(s, TT_MAX_GENAI_STR);
	if (!v[c->params.n_stop_sequences])
		return -ENOMEM;
	c->params.n_stop_sequences++;
	return 0;
}

int prov_set_stop(struct prov_ctx *p, const cJSON *stop)
{
	const cJSON *e;
	int err = 0;

	if (cJSON_IsString(stop))
		return add_stop(p, stop->valuestring);
	cJSON_ArrayForEach(e, stop) {
		if (cJSON_IsString(e))
			err = add_stop(p, e->valuestring);
		if (err)
			return err;
	}
	return 0;
}

/* Cut to the cap first (never inside a word: redact_text_cap), then the rules of redact.h. */
static char *dup_redacted(const char *s, size_t cap)
{
	return redact_text_cap(s, strlen(s), cap);
}

int prov_set_error(struct prov_ctx *p, const cJSON *err)
{
	struct genai_call *c = p->c;
	const char *type = NULL, *msg = NULL;
	int e;

	if (cJSON_IsString(err)) {
		msg = err->valuestring;
	} else if (cJSON_IsObject(err)) {
		type = pj_str(err, "code");
		type = type ?: pj_str(err, "status");
		type = type ?: pj_str(err, "type");
		msg = pj_str(err, "message");
	} else {
		return 0;
	}
	if (!type && !c->error_type)
		type = c->http_status >= 400 ? NULL : "_OTHER";
	e = prov_set_str(&c->error_type, type);
	if (!e && msg) {
		free(c->error_message);
		c->error_message = dup_redacted(msg, TT_MAX_GENAI_STR);
		e = c->error_message ? 0 : -ENOMEM;
	}
	return e;
}

/*
 * JSON text of a content value (redacted, capped at p->content_max); strings are taken as they
 * are. Cut to the cap before it is redacted (redact_content_cap(): never inside a word), so the
 * work is bounded. *cut: it was.
 */
static char *content_text(struct prov_ctx *p, const cJSON *v, bool *cut)
{
	char *s = cJSON_IsString(v) ? v->valuestring : cJSON_PrintUnformatted(v), *red;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	red = redact_content_cap(s, n, p->content_max);
	if (red && (n > p->content_max || strlen(red) >= p->content_max)) {
		p->c->flags |= GENAI_F_CONTENT_TRUNCATED;
		*cut = true;
	}
	if (!cJSON_IsString(v))
		free(s);
	return red;
}

/*
 * r->content_hash: of the text exported (r->content) when content is captured, so that analyze
 * on the file finds what the live check found; else of the text as it came (never exported).
 * An empty result hashes to 0: it tells nothing new or old.
 */
static int result_hash(struct genai_tool_result *r, const cJSON *content)
{
	char *s = NULL;
	const char *t;

	if (r->content)
		t = r->content;
	else if (cJSON_IsString(content))
		t = content->valuestring;
	else if (content && !cJSON_IsNull(content) && !(s = cJSON_PrintUnformatted(content)))
		return -ENOMEM;
	else
		t = s;
	r->content_hash = analyze_result_hash(t);
	free(s);
	return 0;
}

int prov_add_tool_result(struct prov_ctx *p, const char *call_id, const char *name,
			 const cJSON *content, bool is_error)
{
	struct genai_call *c = p->c;
	struct genai_tool_result *r;

	if (c->n_tool_results >= TT_MAX_GENAI_TOOLS)
		return 0;
	if (tt_ensure_mem((void **)&c->tool_results, &p->alloc_results, sizeof(*r),
			  c->n_tool_results + 1))
		return -ENOMEM;
	r = &c->tool_results[c->n_tool_results++];
	memset(r, 0, sizeof(*r));
	r->is_error = is_error;
	if (prov_set_str(&r->call_id, call_id) || prov_set_str(&r->name, name))
		return -ENOMEM;
	if (p->capture && content) {
		r->content = content_text(p, content, &r->cut);
		if (!r->content)
			return -ENOMEM;
	}
	return result_hash(r, content);
}

void prov_mark_chunk(struct prov_ctx *p, const struct http_event *ev)
{
	if (!p->c->first_chunk_ns && ev->ts_ns)
		p->c->first_chunk_ns = ev->ts_ns;
}

void prov_stream_end(struct prov_ctx *p, bool ended)
{
	if (!ended && !p->c->error_type)
		p->c->flags |= GENAI_F_INCOMPLETE;
}

/* ---- the start of a decoder ---- */

/* The model the URL names (Azure deployment, Gemini or Vertex path) if the body named none. */
static int path_model(struct prov_ctx *p)
{
	if (p->c->request_model || !p->m->path_model[0])
		return 0;
	return prov_set_str(&p->c->request_model, p->m->path_model);
}

int prov_start(struct prov_ctx *p, prov_shape_fn shape_ok, prov_json_fn parse_request,
	       const struct http_event **ev, size_t *n, cJSON **body)
{
	const struct http_message *m = &p->x->resp;
	const cJSON *rq = prov_request(p);
	int err = prov_events(p, ev, n);

	*body = NULL;
	if (!err && !*n && m->body_len)
		*body = pj_parse(m->body, m->body_len, prov_resp_truncated(p));
	if (!err && shape_ok && !shape_ok(p, rq, *body, *ev, *n))
		err = -ENOENT;
	err = err ?: (rq ? parse_request(p, rq) : 0);
	err = err ?: path_model(p);
	if (err) {
		cJSON_Delete(*body);
		*body = NULL;
	}
	return err;
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

struct prov_block *prov_block(struct prov_ctx *p, int choice, enum prov_block_kind kind, int key)
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
	if (tt_ensure_mem((void **)&p->blocks, &p->alloc_blocks, sizeof(*b), p->n_blocks + 1))
		return NULL;
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
	const struct prov_block *b;
	size_t i;

	for (i = 0; i < p->n_blocks; i++) {
		b = &p->blocks[i];
		if (b->kind == PROV_BLK_TOOL && b->last_ns && !block_time(p, b->choice, b->key) &&
		    !tt_ensure_mem((void **)&p->times, &p->alloc_times, sizeof(*p->times),
				   p->n_times + 1))
			p->times[p->n_times++] =
				(struct prov_block_time){ b->choice, b->key, b->last_ns };
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
		p->c->content_cut |= GENAI_CUT_OUTPUT;
		tt_debug("provider: pid=%u conn=%#llx: output part cut at %zu bytes", p->x->pid,
			 (unsigned long long)p->x->conn, b->data.len);
	}
	return 0;
}

int prov_block_text(struct prov_ctx *p, int choice, enum prov_block_kind kind, int key,
		    const char *text)
{
	if (!text || !*text)
		return 0;
	return prov_block_add(p, prov_block(p, choice, kind, key), text, strlen(text));
}

int prov_choice(struct prov_ctx *p, const cJSON *o, int pos)
{
	int64_t idx;
	int i;

	i = pj_int(o, "index", &idx) && idx >= 0 && idx < TT_MAX_GENAI_CHOICES ? (int)idx : pos;
	if (i >= TT_MAX_GENAI_CHOICES)
		return -1;
	if (i >= p->n_choices)
		p->n_choices = i + 1;
	return i;
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
		{ "end_turn", "stop" },
		{ "stop_sequence", "stop" },
		{ "STOP", "stop" },
		{ "stop", "stop" },
		{ "COMPLETE", "stop" },
		{ "STOP_SEQUENCE", "stop" },
		{ "TOOL_CALL", "tool_call" },
		{ "max_tokens", "length" },
		{ "MAX_TOKENS", "length" },
		{ "length", "length" },
		{ "tool_calls", "tool_call" },
		{ "tool_use", "tool_call" },
		{ "function_call", "tool_call" },
		{ "SAFETY", "content_filter" },
		{ "RECITATION", "content_filter" },
		{ "refusal", "content_filter" },
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
	size_t i, alloc = 0;

	for (i = 0; i < p->n_blocks && c->n_tool_calls < TT_MAX_GENAI_TOOLS; i++) {
		b = &p->blocks[i];
		if (b->kind != PROV_BLK_TOOL)
			continue;
		if (tt_ensure_mem((void **)&c->tool_calls, &alloc, sizeof(*t), c->n_tool_calls + 1))
			return -ENOMEM;
		t = &c->tool_calls[c->n_tool_calls++];
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
					r	      ? finish_conv(r) :
					choice_cut(p) ? "error" :
							"stop");
	}
	return msgs;
}

/*
 * JSON text of a content attribute: redacted, at most p->content_max bytes. When too large,
 * the oldest array items are dropped (the latest turns matter most) and cut (a bit of enum
 * genai_content_cut) is set in the call; the attribute stays a JSON array of whole items.
 */
static char *content_json(struct prov_ctx *p, cJSON *arr, uint32_t cut)
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
	while (total > p->content_max && drop < n)
		total -= sz[drop++];
	free(sz);
	if (drop) {
		p->c->flags |= GENAI_F_CONTENT_TRUNCATED;
		p->c->content_cut |= cut;
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
	if (!err && p->offer && !p->offer_cut) {
		c->tool_offer = cJSON_PrintUnformatted(p->offer);
		if (c->tool_offer && strlen(c->tool_offer) > TT_MAX_OFFER_BYTES) {
			free(c->tool_offer); /* a partial list would make offered tools unknown */
			c->tool_offer = NULL;
		}
	}
	if (err || !p->capture)
		return err;
	c->input_messages = content_json(p, p->in_msgs, GENAI_CUT_INPUT);
	c->system_instructions = content_json(p, p->sys, GENAI_CUT_SYSTEM);
	c->tool_definitions = content_json(p, p->tool_defs, GENAI_CUT_TOOL_DEFS);
	if (p->n_choices) {
		out = output_messages(p);
		c->output_messages = content_json(p, out, GENAI_CUT_OUTPUT);
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

cJSON *prov_part_tool_call_json(const char *id, const char *name, const cJSON *args)
{
	char *s = cJSON_PrintUnformatted(args);
	cJSON *o = prov_part_tool_call(id, name, s);

	free(s);
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
	cJSON_AddItemToObject(o, "response",
			      response ? cJSON_Duplicate(response, true) : cJSON_CreateNull());
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

/* The tool's entry in the private offer; past a cap, or short of memory, the offer is void. */
static void offer_add(struct prov_ctx *p, const char *name, const cJSON *params)
{
	if (p->offer_cut)
		return;
	if (!p->offer)
		p->offer = cJSON_CreateArray();
	if (!p->offer || cJSON_GetArraySize(p->offer) >= TT_MAX_OFFER_TOOLS ||
	    analyze_offer_add(p->offer, name, params))
		p->offer_cut = true;
}

int prov_tool_def(struct prov_ctx *p, const char *type, const char *name, const char *desc,
		  const cJSON *params)
{
	cJSON *d;

	offer_add(p, name, params);
	if (!p->capture)
		return 0;
	d = cJSON_CreateObject();
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
