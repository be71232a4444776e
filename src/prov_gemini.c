// SPDX-License-Identifier: MIT
/* prov_gemini.c: Google Gemini generateContent / streamGenerateContent (AI Studio and Vertex). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"

/* Block keys within a candidate: text, thoughts, then one per function call. */
#define KEY_TEXT    0
#define KEY_THOUGHT 1
#define KEY_CALL0   2

/* ---- request ---- */

static cJSON *part(const cJSON *pt)
{
	const cJSON *fc = pj_get(pt, "functionCall"), *fr = pj_get(pt, "functionResponse");
	const char *text = pj_str(pt, "text");
	cJSON *o;

	if (text)
		return prov_part_text(pj_true(pt, "thought") ? "reasoning" : "text", text);
	if (fc)
		return prov_part_tool_call_json(pj_str(fc, "id"), pj_str(fc, "name"),
						pj_get(fc, "args"));
	if (fr)
		return prov_part_tool_response(pj_str(fr, "id"), pj_get(fr, "response"));
	o = cJSON_CreateObject();
	if (pj_get(pt, "inlineData") || pj_get(pt, "fileData")) {
		const cJSON *d = pj_get(pt, "inlineData") ?: pj_get(pt, "fileData");

		cJSON_AddStringToObject(o, "type", pj_get(pt, "inlineData") ? "blob" : "uri");
		if (pj_str(d, "mimeType"))
			cJSON_AddStringToObject(o, "mime_type", pj_str(d, "mimeType"));
		if (pj_str(d, "fileUri"))
			cJSON_AddStringToObject(o, "uri", pj_str(d, "fileUri"));
	} else {
		cJSON_AddStringToObject(o, "type", "unknown");
	}
	return o;
}

static int content(struct prov_ctx *p, const cJSON *ct)
{
	const char *role = pj_str(ct, "role");
	cJSON *parts = cJSON_CreateArray();
	const cJSON *pt;
	int results = 0, others = 0;

	cJSON_ArrayForEach(pt, pj_get(ct, "parts")) {
		if (pj_get(pt, "functionResponse"))
			results++;
		else
			others++;
		cJSON_AddItemToArray(parts, part(pt));
	}
	if (role && !strcmp(role, "model"))
		role = "assistant";
	else if (results && !others)
		role = "tool";
	return prov_in_msg(p, role ? role : "user", parts);
}

static int function_responses(struct prov_ctx *p, const cJSON *ct)
{
	const cJSON *pt, *fr;
	int err = 0;

	cJSON_ArrayForEach(pt, pj_get(ct, "parts")) {
		fr = pj_get(pt, "functionResponse");
		if (fr)
			err = err   ?:
				      prov_add_tool_result(p, pj_str(fr, "id"), pj_str(fr, "name"),
							   pj_get(fr, "response"), false);
	}
	return err;
}

static int system_and_tools(struct prov_ctx *p, const cJSON *rq)
{
	const cJSON *si = pj_get(rq, "systemInstruction") ?: pj_get(rq, "system_instruction");
	const cJSON *e, *t, *d;
	int err = 0;

	if (!p->capture)
		si = NULL;
	if (cJSON_IsString(si))
		err = prov_sys_text(p, si->valuestring);
	cJSON_ArrayForEach(e, pj_get(si, "parts"))
		err = err ?: prov_sys_text(p, pj_str(e, "text"));
	cJSON_ArrayForEach(t, pj_get(rq, "tools")) {
		cJSON_ArrayForEach(d, pj_get(t, "functionDeclarations"))
			err = err   ?:
				      prov_tool_def(p, "function", pj_str(d, "name"),
						    pj_str(d, "description"),
						    pj_get(d, "parameters") ?:
							    pj_get(d, "parametersJsonSchema"));
	}
	return err;
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	struct genai_call *c = p->c;
	struct genai_request_params *r = &c->params;
	const cJSON *g = pj_get(rq, "generationConfig") ?: pj_get(rq, "generation_config");
	const char *mime = pj_str(g, "responseMimeType");
	int err;

	prov_set_dbl(&r->temperature, &r->has_temperature, g, "temperature");
	prov_set_dbl(&r->top_p, &r->has_top_p, g, "topP");
	prov_set_dbl(&r->frequency_penalty, &r->has_frequency_penalty, g, "frequencyPenalty");
	prov_set_dbl(&r->presence_penalty, &r->has_presence_penalty, g, "presencePenalty");
	prov_set_i64(&r->top_k, &r->has_top_k, g, "topK");
	prov_set_i64(&r->max_tokens, &r->has_max_tokens, g, "maxOutputTokens");
	prov_set_i64(&r->seed, &r->has_seed, g, "seed");
	prov_set_i64(&r->choice_count, &r->has_choice_count, g, "candidateCount");
	err = prov_set_stop(p, pj_get(g, "stopSequences"));
	if (!err && mime)
		err = prov_set_str(&c->output_type, !strcmp(mime, "application/json") ? "json" :
						    !strcmp(mime, "text/plain")	      ? "text" :
											mime);
	err = err   ?:
		      prov_set_str(&c->reasoning_level,
				   pj_str(pj_get(g, "thinkingConfig"), "thinkingLevel"));
	err = err ?: prov_history(p, pj_get(rq, "contents"), "model", function_responses, content);
	if (!err) /* the tools offered, always: their private record (prov_tool_def) */
		err = system_and_tools(p, rq);
	return err;
}

/* ---- response ---- */

static int tool_call(struct prov_ctx *p, int ci, const cJSON *fc)
{
	struct prov_block *b;
	int key = KEY_CALL0, err;
	size_t i;
	char *args;

	for (i = 0; i < p->n_blocks; i++)
		if (p->blocks[i].choice == ci && p->blocks[i].kind == PROV_BLK_TOOL)
			key++;
	b = prov_block(p, ci, PROV_BLK_TOOL, key);
	if (!b)
		return 0;
	err = prov_set_str(&b->id, pj_str(fc, "id"));
	err = err ?: prov_set_str(&b->name, pj_str(fc, "name"));
	args = pj_get(fc, "args") ? cJSON_PrintUnformatted(pj_get(fc, "args")) : strdup("{}");
	if (!err && !args)
		err = -ENOMEM;
	if (!err)
		err = prov_block_add(p, b, args, strlen(args));
	free(args);
	return err;
}

static int candidate(struct prov_ctx *p, const cJSON *cand, int pos)
{
	const cJSON *pt;
	int ci = prov_choice(p, cand, pos), err = 0;

	if (ci < 0)
		return 0;
	cJSON_ArrayForEach(pt, pj_path(cand, "content", "parts", NULL)) {
		const char *text = pj_str(pt, "text");
		bool thought = pj_true(pt, "thought");

		if (text && *text)
			err = prov_block_text(p, ci, thought ? PROV_BLK_REASONING : PROV_BLK_TEXT,
					      thought ? KEY_THOUGHT : KEY_TEXT, text);
		else if (pj_get(pt, "functionCall"))
			err = tool_call(p, ci, pj_get(pt, "functionCall"));
		if (err)
			return err;
	}
	return prov_set_finish(p, ci, pj_str(cand, "finishReason"));
}

static void usage(struct genai_usage *u, const cJSON *m)
{
	int64_t v = 0, thoughts = 0, tool = 0;
	bool has_thoughts = false, has_tool = false, has_v = false;

	if (!cJSON_IsObject(m))
		return;
	prov_set_i64(&v, &has_v, m, "promptTokenCount");
	prov_set_i64(&tool, &has_tool, m, "toolUsePromptTokenCount");
	if (has_v) {
		u->input_tokens = v + tool;
		u->has_input_tokens = true;
	}
	prov_set_i64(&u->cache_read_tokens, &u->has_cache_read_tokens, m,
		     "cachedContentTokenCount");
	prov_set_i64(&thoughts, &has_thoughts, m, "thoughtsTokenCount");
	has_v = false;
	prov_set_i64(&v, &has_v, m, "candidatesTokenCount");
	if (has_v || has_thoughts) {
		/* thoughts are counted apart from candidates; output includes reasoning */
		u->output_tokens = (has_v ? v : 0) + thoughts;
		u->has_output_tokens = true;
	}
	if (has_thoughts) {
		u->reasoning_tokens = thoughts;
		u->has_reasoning_tokens = true;
	}
}

/* One response object: the body, an item of the body's array, or a streamed event's. */
static int response(struct prov_ctx *p, const struct http_event *ev, const cJSON *r)
{
	struct genai_call *c = p->c;
	const cJSON *cand;
	int pos = 0, err;

	if (!cJSON_IsObject(r))
		return 0;
	if (pj_get(r, "error"))
		return prov_set_error(p, pj_get(r, "error"));
	if (ev && cJSON_GetArraySize(pj_get(r, "candidates")) > 0)
		prov_mark_chunk(p, ev);
	err = prov_set_str(&c->response_id, pj_str(r, "responseId"));
	err = err ?: prov_set_str(&c->response_model, pj_str(r, "modelVersion"));
	usage(&c->usage, pj_get(r, "usageMetadata"));
	cJSON_ArrayForEach(cand, pj_get(r, "candidates"))
		err = err ?: candidate(p, cand, pos++);
	if (!err && !p->n_choices)
		err = prov_set_finish(p, 0, pj_str(pj_get(r, "promptFeedback"), "blockReason"));
	return err;
}

static int decode_body(struct prov_ctx *p, const cJSON *body)
{
	struct http_event ev = { .ts_ns = p->x->resp.first_body_ns };
	const cJSON *e;
	int err = 0;

	if (!cJSON_IsArray(body))
		return response(p, NULL, body);
	/* streamGenerateContent without alt=sse: one JSON array of responses */
	cJSON_ArrayForEach(e, body)
		err = err ?: response(p, &ev, e);
	return err;
}

static int stream_event(struct prov_ctx *p, const struct http_event *ev, const cJSON *d, void *arg)
{
	(void)arg;
	return response(p, ev, d);
}

static bool finished(const struct prov_ctx *p)
{
	int i;

	for (i = 0; i < p->n_choices; i++)
		if (p->finish && p->finish[i])
			return true;
	return false;
}

int prov_gemini_decode(struct prov_ctx *p)
{
	const struct http_event *ev;
	cJSON *body;
	size_t n;
	int err;

	p->c->operation = "generate_content";
	p->c->streaming = p->m->path_stream;
	/* no shape check: the path alone names Gemini; the model is in the path only */
	err = prov_start(p, NULL, parse_request, &ev, &n, &body);
	if (err)
		return err;
	err = prov_each_event(p, ev, n, stream_event, NULL);
	if (!err && body)
		err = decode_body(p, body);
	if (p->c->streaming)
		prov_stream_end(p, finished(p));
	cJSON_Delete(body);
	return err;
}
