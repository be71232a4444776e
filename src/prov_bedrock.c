// SPDX-License-Identifier: MIT
/*
 * prov_bedrock.c: AWS Bedrock Runtime. Converse and ConverseStream (Bedrock's own message shape,
 * the stream an AWS event stream of typed events); InvokeModel and
 * InvokeModelWithResponseStream, whose bodies are the model's own (Anthropic Messages, Meta
 * Llama, Amazon Titan, Mistral), streamed as "chunk" events carrying each model event in base64.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"
#include "str.h"

/* ---- Converse request ---- */

static cJSON *converse_part(const cJSON *b)
{
	const cJSON *v;
	cJSON *part;

	if ((v = pj_get(b, "text")) && cJSON_IsString(v))
		return prov_part_text("text", v->valuestring);
	if ((v = pj_get(b, "toolUse")))
		return prov_part_tool_call_json(pj_str(v, "toolUseId"), pj_str(v, "name"),
						pj_get(v, "input"));
	if ((v = pj_get(b, "toolResult")))
		return prov_part_tool_response(pj_str(v, "toolUseId"), pj_get(v, "content"));
	if ((v = pj_path(b, "reasoningContent", "reasoningText", NULL)))
		return prov_part_text("reasoning", pj_str(v, "text"));
	part = cJSON_CreateObject();
	if (b && b->child && b->child->string)
		cJSON_AddStringToObject(part, "type", b->child->string);
	return part;
}

static int converse_message(struct prov_ctx *p, const cJSON *m)
{
	const char *role = pj_str(m, "role");
	const cJSON *b;
	cJSON *parts = cJSON_CreateArray();
	int results = 0, others = 0;

	cJSON_ArrayForEach(b, pj_get(m, "content")) {
		if (pj_get(b, "toolResult"))
			results++;
		else
			others++;
		cJSON_AddItemToArray(parts, converse_part(b));
	}
	/* a user turn that only carries tool results is the tool's turn */
	if (results && !others && role && !strcmp(role, "user"))
		role = "tool";
	return prov_in_msg(p, role, parts);
}

static int converse_results(struct prov_ctx *p, const cJSON *m)
{
	const cJSON *b, *r;
	const char *st;
	int err = 0;

	cJSON_ArrayForEach(b, pj_get(m, "content")) {
		r = pj_get(b, "toolResult");
		st = pj_str(r, "status");
		if (r)
			err = prov_add_tool_result(p, pj_str(r, "toolUseId"), NULL,
						   pj_get(r, "content"),
						   st && !strcmp(st, "error"));
		if (err)
			return err;
	}
	return 0;
}

static int converse_defs(struct prov_ctx *p, const cJSON *rq)
{
	const cJSON *sys = p->capture ? pj_get(rq, "system") : NULL, *e, *spec;
	int err = 0;

	cJSON_ArrayForEach(e, sys)
		err = err ?: prov_sys_text(p, pj_str(e, "text"));
	cJSON_ArrayForEach(e, pj_path(rq, "toolConfig", "tools", NULL)) {
		spec = pj_get(e, "toolSpec");
		if (spec)
			err = err   ?:
				      prov_tool_def(p, "function", pj_str(spec, "name"),
						    pj_str(spec, "description"),
						    pj_path(spec, "inputSchema", "json", NULL));
	}
	return err;
}

static int converse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_request_params *r = &p->c->params;
	const cJSON *ic = pj_get(rq, "inferenceConfig");
	int err;

	prov_set_dbl(&r->temperature, &r->has_temperature, ic, "temperature");
	prov_set_dbl(&r->top_p, &r->has_top_p, ic, "topP");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, ic, "maxTokens");
	/* the model's own parameters ride along (Anthropic's top_k) */
	prov_set_i64(&r->top_k, &r->has_top_k, pj_get(rq, "additionalModelRequestFields"), "top_k");
	err = prov_set_stop(p, pj_get(ic, "stopSequences"));
	err = err   ?:
		      prov_history(p, pj_get(rq, "messages"), "assistant", converse_results,
				   converse_message);
	if (!err) /* the tools offered, always: their private record (prov_tool_def) */
		err = converse_defs(p, rq);
	return err;
}

/* ---- Converse response ---- */

/*
 * Bedrock's inputTokens leaves out the tokens read from or written to the prompt cache (its
 * totalTokens adds them); the conventions' input tokens include them.
 */
static void converse_usage(struct prov_ctx *p, const cJSON *u)
{
	struct genai_usage *g = &p->c->usage;
	int64_t in = 0;

	if (!cJSON_IsObject(u))
		return;
	prov_set_i64(&g->output_tokens, &g->has_output_tokens, u, "outputTokens");
	prov_set_i64(&g->cache_read_tokens, &g->has_cache_read_tokens, u, "cacheReadInputTokens");
	prov_set_i64(&g->cache_write_tokens, &g->has_cache_write_tokens, u,
		     "cacheWriteInputTokens");
	if (!pj_int(u, "inputTokens", &in))
		return;
	g->input_tokens = in + (g->has_cache_read_tokens ? g->cache_read_tokens : 0) +
			  (g->has_cache_write_tokens ? g->cache_write_tokens : 0);
	g->has_input_tokens = true;
}

/* A tool call's start (toolUseId, name) into the tool block of content block idx. */
static int tool_start(struct prov_ctx *p, int idx, const cJSON *tu)
{
	struct prov_block *blk = prov_block(p, 0, PROV_BLK_TOOL, idx);
	int err;

	if (!blk)
		return 0;
	blk->tool_type = "function";
	err = prov_set_str(&blk->id, pj_str(tu, "toolUseId"));
	return err ?: prov_set_str(&blk->name, pj_str(tu, "name"));
}

static int converse_block(struct prov_ctx *p, int idx, const cJSON *b)
{
	const cJSON *tu = pj_get(b, "toolUse");
	struct prov_block *blk;
	char *args;
	int err;

	if (pj_str(b, "text"))
		return prov_block_text(p, 0, PROV_BLK_TEXT, idx, pj_str(b, "text"));
	if (pj_get(b, "reasoningContent"))
		return prov_block_text(p, 0, PROV_BLK_REASONING, idx,
				       pj_str(pj_path(b, "reasoningContent", "reasoningText", NULL),
					      "text"));
	if (!tu)
		return 0;
	err = tool_start(p, idx, tu);
	blk = prov_block(p, 0, PROV_BLK_TOOL, idx);
	if (err || !blk || !pj_get(tu, "input"))
		return err;
	args = cJSON_PrintUnformatted(pj_get(tu, "input"));
	err = args ? prov_block_add(p, blk, args, strlen(args)) : -ENOMEM;
	free(args);
	return err;
}

/*
 * An error: the exception's name is its type (the x-amzn-errortype header of a plain answer,
 * up to its ':'; the :exception-type of a stream message, a member name: "throttlingException"
 * is the SDKs' ThrottlingException, as the header names it), its payload {"message": ...}.
 */
static int set_exception(struct prov_ctx *p, const char *type, const cJSON *body)
{
	const char *hdr = http_headers_get(&p->x->resp.headers, "x-amzn-errortype");
	char name[TT_MAX_GENAI_STR];
	size_t n;
	int err;

	if (!type)
		type = hdr;
	err = prov_set_error(p, body);
	if (err || !type || !*type)
		return err;
	n = strcspn(type, ":");
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, type, n);
	name[n] = '\0';
	name[0] = (char)toupper((unsigned char)name[0]);
	free(p->c->error_type);
	p->c->error_type = NULL;
	return prov_set_str(&p->c->error_type, name);
}

static int converse_body(struct prov_ctx *p, const cJSON *body)
{
	const cJSON *b;
	int idx = 0, err = 0;

	if (p->c->http_status >= 400 || (pj_str(body, "message") && !pj_get(body, "output")))
		return set_exception(p, NULL, body);
	cJSON_ArrayForEach(b, pj_path(body, "output", "message", "content", NULL))
		err = err ?: converse_block(p, idx++, b);
	converse_usage(p, pj_get(body, "usage"));
	err = err ?: prov_set_finish(p, 0, pj_str(body, "stopReason"));
	if (!p->n_choices)
		p->n_choices = 1;
	return err;
}

static bool is_exception(const struct http_event *ev)
{
	return ev->id && (!strcmp(ev->id, "exception") || !strcmp(ev->id, "error"));
}

/* ConverseStream's events; *arg: whether metadata, the last event, came. */
static int converse_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d,
			  void *arg)
{
	const char *type = ev->event;
	const cJSON *delta;
	int64_t idx = 0;

	if (!type)
		return 0;
	if (is_exception(ev))
		return set_exception(p, type, d);
	if (!strcmp(type, "messageStop"))
		return prov_set_finish(p, 0, pj_str(d, "stopReason"));
	if (!strcmp(type, "metadata")) {
		*(bool *)arg = true;
		converse_usage(p, pj_get(d, "usage"));
		return 0;
	}
	pj_int(d, "contentBlockIndex", &idx);
	if (idx < 0 || idx >= TT_MAX_GENAI_BLOCKS)
		return 0;
	if (!strcmp(type, "contentBlockStart") && pj_path(d, "start", "toolUse", NULL)) {
		prov_mark_chunk(p, ev);
		return tool_start(p, (int)idx, pj_path(d, "start", "toolUse", NULL));
	}
	if (strcmp(type, "contentBlockDelta"))
		return 0;
	prov_mark_chunk(p, ev);
	delta = pj_get(d, "delta");
	if (pj_get(delta, "toolUse"))
		return prov_block_text(p, 0, PROV_BLK_TOOL, (int)idx,
				       pj_str(pj_get(delta, "toolUse"), "input"));
	if (pj_get(delta, "reasoningContent"))
		return prov_block_text(p, 0, PROV_BLK_REASONING, (int)idx,
				       pj_str(pj_get(delta, "reasoningContent"), "text"));
	return prov_block_text(p, 0, PROV_BLK_TEXT, (int)idx, pj_str(delta, "text"));
}

/* Bedrock answers only in its own shape: a path of Converse is enough (no other API has it). */
static int converse_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	bool ended = false;
	cJSON *body;
	size_t n;
	int err;

	p->c->operation = "chat";
	p->c->streaming = p->m->path_stream;
	err = prov_start(p, NULL, converse_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = prov_each_event(p, ev, n, converse_event, &ended);
		prov_stream_end(p, ended);
	} else if (cJSON_IsObject(body)) {
		err = converse_body(p, body);
	}
	cJSON_Delete(body);
	return err;
}

/* ---- InvokeModel: the model's own bodies ---- */

/* Standard base64 of s (padding and anything else skipped) into out. 0 or -ENOMEM. */
static int b64_decode(const char *s, struct tt_buf *out)
{
	uint32_t acc = 0;
	int bits = 0, v;
	char c;

	for (; *s; s++) {
		v = str_b64_val((unsigned char)*s);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)(acc >> bits);
			if (tt_buf_add(out, &c, 1))
				return -ENOMEM;
		}
	}
	return 0;
}

/* One model event for p->own (its strings in inner's storage). */
static int inner_add(struct prov_ctx *p, struct http_message *in, size_t *alloc,
		     const struct http_event *outer, const void *data, size_t len)
{
	struct http_event *e;

	if (in->n_events >= TT_MAX_SSE_EVENTS)
		return 0;
	if (tt_ensure_mem((void **)&in->events, alloc, sizeof(*e), in->n_events + 1))
		return -ENOMEM;
	e = &in->events[in->n_events];
	memset(e, 0, sizeof(*e));
	e->ts_ns = outer->ts_ns;
	e->data = http_message__store(in, data, len);
	e->event = outer->event ? http_message__store(in, outer->event, strlen(outer->event)) :
				  NULL;
	e->id = outer->id ? http_message__store(in, outer->id, strlen(outer->id)) : NULL;
	if (!e->data || (outer->event && !e->event) || (outer->id && !e->id))
		return -ENOMEM;
	e->data_len = len;
	in->n_events++;
	(void)p;
	return 0;
}

/*
 * InvokeModelWithResponseStream: the "chunk" events' bytes (base64 of one model event each)
 * become the events the model's decoder reads from p->own, with their arrival times;
 * exceptions stay as they came.
 */
static int unwrap_chunks(struct prov_ctx *p)
{
	struct http_message in = { 0 };
	const struct http_event *ev;
	size_t n, i, alloc = 0;
	struct tt_buf raw;
	cJSON *d;
	int err;

	err = prov_events(p, &ev, &n);
	tt_buf_init(&raw, TT_MAX_SSE_EVENT);
	for (i = 0; i < n && !err; i++) {
		d = NULL;
		tt_buf_reset(&raw);
		if (!is_exception(&ev[i]))
			d = pj_parse(ev[i].data, ev[i].data_len, false);
		if (pj_str(d, "bytes"))
			err = b64_decode(pj_str(d, "bytes"), &raw);
		else
			err = tt_buf_add(&raw, ev[i].data, ev[i].data_len);
		err = err   ?:
			      inner_add(p, &in, &alloc, &ev[i], raw.data ? (char *)raw.data : "",
					raw.len);
		cJSON_Delete(d);
	}
	tt_buf_free(&raw);
	http_message__clear(&p->own);
	p->own = in;
	p->alloc_own = alloc;
	return err;
}

/* Exceptions of an invoke stream (the model's decoder does not know them). */
static int invoke_exceptions(struct prov_ctx *p)
{
	size_t i;
	cJSON *d;
	int err = 0;

	for (i = 0; i < p->own.n_events && !err; i++) {
		if (!is_exception(&p->own.events[i]))
			continue;
		d = pj_parse(p->own.events[i].data, p->own.events[i].data_len, false);
		err = set_exception(p, p->own.events[i].event, d);
		cJSON_Delete(d);
	}
	return err;
}

static int text_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_request_params *r = &p->c->params;
	const cJSON *tg = pj_get(rq, "textGenerationConfig");
	const char *prompt = pj_str(rq, "prompt") ?: pj_str(rq, "inputText");
	cJSON *parts;
	int err;

	prov_set_sampling(r, rq);
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_gen_len");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, rq, "max_tokens");
	/* Titan's parameters are in textGenerationConfig */
	prov_set_dbl(&r->temperature, &r->has_temperature, tg, "temperature");
	prov_set_dbl(&r->top_p, &r->has_top_p, tg, "topP");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, tg, "maxTokenCount");
	err = prov_set_stop(p, pj_get(tg, "stopSequences") ?: pj_get(rq, "stop"));
	if (err || !p->capture || !prompt)
		return err;
	parts = cJSON_CreateArray();
	cJSON_AddItemToArray(parts, prov_part_text("text", prompt));
	return prov_in_msg(p, "user", parts);
}

/*
 * One Llama, Titan or Mistral object: the whole answer, or one event of a stream (counts there
 * are running totals, so each overwrites the last; the invocation metrics close the stream).
 */
static int text_object(struct prov_ctx *p, const cJSON *d)
{
	struct genai_usage *u = &p->c->usage;
	const cJSON *r, *metrics = pj_get(d, "amazon-bedrock-invocationMetrics");
	int err = 0;

	prov_set_i64(&u->input_tokens, &u->has_input_tokens, d, "prompt_token_count");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, d, "generation_token_count");
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, d, "inputTextTokenCount");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, d, "totalOutputTextTokenCount");
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, metrics, "inputTokenCount");
	prov_set_i64(&u->output_tokens, &u->has_output_tokens, metrics, "outputTokenCount");
	err = prov_block_text(p, 0, PROV_BLK_TEXT, 0, pj_str(d, "generation"));
	err = err ?: prov_block_text(p, 0, PROV_BLK_TEXT, 0, pj_str(d, "outputText"));
	err = err ?: prov_set_finish(p, 0, pj_str(d, "stop_reason"));
	err = err ?: prov_set_finish(p, 0, pj_str(d, "completionReason"));
	/* Titan's results[], Mistral's outputs[] */
	cJSON_ArrayForEach(r, pj_get(d, "results")) {
		prov_set_i64(&u->output_tokens, &u->has_output_tokens, r, "tokenCount");
		err = err ?: prov_block_text(p, 0, PROV_BLK_TEXT, 0, pj_str(r, "outputText"));
		err = err ?: prov_set_finish(p, 0, pj_str(r, "completionReason"));
	}
	cJSON_ArrayForEach(r, pj_get(d, "outputs")) {
		err = err ?: prov_block_text(p, 0, PROV_BLK_TEXT, 0, pj_str(r, "text"));
		err = err ?: prov_set_finish(p, 0, pj_str(r, "stop_reason"));
	}
	if (!p->n_choices)
		p->n_choices = 1;
	return err;
}

static int text_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	if (is_exception(ev) || !d)
		return 0; /* invoke_exceptions() */
	if (pj_get(d, "amazon-bedrock-invocationMetrics"))
		*(bool *)arg = true;
	if (pj_str(d, "generation") || pj_str(d, "outputText") || pj_get(d, "outputs"))
		prov_mark_chunk(p, ev);
	return text_object(p, d);
}

static bool text_shape(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		       const struct http_event *ev, size_t n)
{
	(void)p;
	(void)body;
	(void)ev;
	(void)n;
	return pj_str(rq, "prompt") || pj_str(rq, "inputText");
}

/* Llama, Titan and Mistral: a prompt in, text out. */
static int text_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	bool ended = false;
	cJSON *body;
	size_t n;
	int err;

	p->c->operation = "text_completion";
	err = prov_start(p, text_shape, text_request, &ev, &n, &body);
	if (err)
		return err;
	if (n) {
		p->c->streaming = true;
		err = prov_each_event(p, ev, n, text_event, &ended);
		prov_stream_end(p, ended || p->c->error_type);
	} else if (p->c->http_status >= 400) {
		err = set_exception(p, NULL, body);
	} else if (cJSON_IsObject(body)) {
		/* Titan Embeddings: inputText in, a vector out */
		if (pj_get(body, "embedding") || pj_get(body, "embeddings"))
			p->c->operation = "embeddings";
		err = text_object(p, body);
	}
	cJSON_Delete(body);
	return err;
}

static int invoke_decode(struct prov_ctx *p)
{
	const cJSON *rq = prov_request(p);
	cJSON *body;
	int err = 0;

	if (p->m->path_stream)
		err = unwrap_chunks(p);
	/* first: a stream its exception ended is not cut */
	err = err ?: invoke_exceptions(p);
	if (err)
		return err;
	/* Anthropic on Bedrock: the Messages API, its version in the body, the model in the path */
	if (pj_str(rq, "anthropic_version") || pj_get(rq, "messages"))
		err = prov_anthropic_decode(p);
	else
		err = text_decode(p);
	if (!err && p->c->http_status >= 400 && !p->c->error_type) {
		body = pj_parse(p->x->resp.body, p->x->resp.body_len, prov_resp_truncated(p));
		err = set_exception(p, NULL, body);
		cJSON_Delete(body);
	}
	return err;
}

int prov_bedrock_decode(struct prov_ctx *p)
{
	if (p->m->api == PROV_API_BEDROCK_CONVERSE)
		return converse_decode(p);
	return invoke_decode(p);
}
