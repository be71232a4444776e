// SPDX-License-Identifier: MIT
/*
 * prov_embed.c: embeddings and rerank calls. The OpenAI-style /embeddings (OpenAI, Azure, Voyage
 * and compatible servers), Gemini embedContent / batchEmbedContents, Vertex :predict of an
 * embedding model, Cohere /embed, Ollama /api/embed and /api/embeddings, and the Cohere / Voyage
 * /rerank. The vectors are never kept: only the dimension count of the first one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"

/* ---- the first vector ---- */

/* float32 values a base64 text holds (OpenAI and Voyage encoding_format "base64") */
static int64_t b64_floats(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '=')
		n--;
	return (int64_t)(n * 3 / 4 / 4);
}

/*
 * The dimension count of vector v: its length, or the floats its base64 text encodes; bits
 * packs 8 dimensions in a value (Cohere's binary and ubinary types). Not from a cut response:
 * the repaired JSON would give a cut vector its length so far.
 */
static void set_dims(struct prov_ctx *p, const cJSON *v, bool bits)
{
	struct genai_call *c = p->c;
	int64_t n;

	if (c->has_embed_dims || prov_resp_truncated(p))
		return;
	if (cJSON_IsArray(v))
		n = cJSON_GetArraySize(v);
	else if (cJSON_IsString(v))
		n = b64_floats(v->valuestring);
	else
		return;
	if (n <= 0)
		return;
	c->embed_dims = bits ? 8 * n : n;
	c->has_embed_dims = true;
}

/* Cohere "embeddings": a list of vectors (v1 embeddings_floats), or a list per type (v2). */
static void cohere_dims(struct prov_ctx *p, const cJSON *e)
{
	static const char *const types[] = { "float", "int8", "uint8", "base64" };
	size_t i;

	if (cJSON_IsArray(e)) {
		set_dims(p, cJSON_GetArrayItem(e, 0), false);
		return;
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		set_dims(p, cJSON_GetArrayItem(pj_get(e, types[i]), 0), false);
	set_dims(p, cJSON_GetArrayItem(pj_get(e, "binary"), 0), true);
	set_dims(p, cJSON_GetArrayItem(pj_get(e, "ubinary"), 0), true);
}

/* ---- usage ---- */

static void set_input(struct genai_usage *u, const cJSON *o, const char *key)
{
	prov_set_i64(&u->input_tokens, &u->has_input_tokens, o, key);
}

/* Cohere meta: tokens counts what the model read, billed_units what is billed (see cohere). */
static void cohere_usage(struct genai_usage *u, const cJSON *meta)
{
	set_input(u, pj_get(meta, "billed_units"), "input_tokens");
	set_input(u, pj_get(meta, "tokens"), "input_tokens");
}

/* OpenAI usage.prompt_tokens; Voyage and Jina have only total_tokens, all of it input. */
static void list_usage(struct genai_usage *u, const cJSON *usage)
{
	set_input(u, usage, "total_tokens");
	set_input(u, usage, "prompt_tokens");
}

/* Vertex :predict counts the tokens of each instance under its embedding's statistics. */
static void vertex_usage(struct genai_usage *u, const cJSON *preds)
{
	const cJSON *pr;
	int64_t n, sum = 0;
	bool any = false;

	cJSON_ArrayForEach(pr, preds) {
		if (pj_int(pj_path(pr, "embeddings", "statistics", NULL), "token_count", &n)) {
			sum += n;
			any = true;
		}
	}
	if (any) {
		u->input_tokens = sum;
		u->has_input_tokens = true;
	}
}

/* ---- bodies ---- */

static int body_error(struct prov_ctx *p, const cJSON *body)
{
	const cJSON *e = pj_get(body, "error");

	if (e)
		return prov_set_error(p, e);
	/* Cohere answers an error with {"message": ...} alone */
	if (p->c->http_status >= 400 && cJSON_IsString(pj_get(body, "message")))
		return prov_set_error(p, pj_get(body, "message"));
	return 0;
}

static void embed_body(struct prov_ctx *p, const cJSON *b)
{
	struct genai_usage *u = &p->c->usage;

	switch (p->m->api) {
	case PROV_API_GEMINI_EMBED:
		set_dims(p, pj_path(b, "embedding", "values", NULL), false);
		set_dims(p, pj_get(cJSON_GetArrayItem(pj_get(b, "embeddings"), 0), "values"),
			 false);
		set_dims(p,
			 pj_path(cJSON_GetArrayItem(pj_get(b, "predictions"), 0), "embeddings",
				 "values", NULL),
			 false);
		set_input(u, pj_get(b, "usageMetadata"), "promptTokenCount");
		vertex_usage(u, pj_get(b, "predictions"));
		break;
	case PROV_API_COHERE_EMBED:
		cohere_dims(p, pj_get(b, "embeddings"));
		cohere_usage(u, pj_get(b, "meta"));
		break;
	case PROV_API_OLLAMA_EMBED:
		set_dims(p, cJSON_GetArrayItem(pj_get(b, "embeddings"), 0), false);
		set_dims(p, pj_get(b, "embedding"), false);
		set_input(u, b, "prompt_eval_count");
		break;
	case PROV_API_RERANK:
		list_usage(u, pj_get(b, "usage"));
		cohere_usage(u, pj_get(b, "meta"));
		break;
	default:
		set_dims(p, pj_get(cJSON_GetArrayItem(pj_get(b, "data"), 0), "embedding"), false);
		list_usage(u, pj_get(b, "usage"));
		break;
	}
}

/* ---- request ---- */

#define MAX_FORMATS 8 /* Cohere has 5 types; more are not a real request's */

static int add_format(struct genai_call *c, const cJSON *f)
{
	char *s;

	if (!cJSON_IsString(f) || !*f->valuestring || c->n_encoding_formats >= MAX_FORMATS)
		return 0;
	if (!c->encoding_formats) {
		c->encoding_formats = calloc(MAX_FORMATS, sizeof(*c->encoding_formats));
		if (!c->encoding_formats)
			return -ENOMEM;
	}
	s = strndup(f->valuestring, TT_MAX_GENAI_STR);
	if (!s)
		return -ENOMEM;
	c->encoding_formats[c->n_encoding_formats++] = s;
	return 0;
}

/* OpenAI, Azure and Voyage encoding_format (one), Cohere embedding_types (a list). */
static int encoding_formats(struct genai_call *c, const cJSON *rq)
{
	const cJSON *f;
	int err = add_format(c, pj_get(rq, "encoding_format"));

	cJSON_ArrayForEach(f, pj_get(rq, "embedding_types"))
		err = err ?: add_format(c, f);
	return err;
}

static int parse_request(struct prov_ctx *p, const cJSON *rq)
{
	/* Gemini names the model in the path (the body's is "models/..." when there) */
	if (p->m->api == PROV_API_GEMINI_EMBED)
		return 0;
	return prov_set_str(&p->c->request_model, pj_str(rq, "model")) ?:
									 encoding_formats(p->c, rq);
}

/* ---- entry ---- */

/* For a host we do not know, the bodies must look like an embeddings or rerank call. */
static bool shape_ok(const struct prov_ctx *p, const cJSON *rq, const cJSON *body,
		     const struct http_event *ev, size_t n)
{
	static const char *const keys[] = {
		"data", "embeddings", "embedding", "results", "predictions", "error",
	};
	size_t i;

	(void)ev;
	if (p->m->known_host || n)
		return p->m->known_host;
	if (cJSON_IsString(pj_get(rq, "model")))
		return true;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (pj_get(body, keys[i]))
			return true;
	return false;
}

int prov_embed_decode(struct prov_ctx *p)
{
	struct genai_call *c = p->c;
	const struct http_event *ev;
	cJSON *body;
	size_t n;
	int err;

	c->operation = p->m->api == PROV_API_RERANK ? "rerank" : "embeddings";
	err = prov_start(p, shape_ok, parse_request, &ev, &n, &body);
	if (err)
		return err;
	/* a rerank on a server we do not know: Cohere's answer carries its meta */
	if (p->m->api == PROV_API_RERANK && !p->m->known_host && pj_get(body, "meta"))
		c->provider_name = c->system = "cohere";
	if (cJSON_IsObject(body)) {
		err = body_error(p, body);
		err = err ?: prov_set_str(&c->response_model, pj_str(body, "model"));
		if (p->m->api == PROV_API_COHERE_EMBED || p->m->api == PROV_API_RERANK)
			err = err ?: prov_set_str(&c->response_id, pj_str(body, "id"));
		embed_body(p, body);
	}
	cJSON_Delete(body);
	return err;
}
