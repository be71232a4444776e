// SPDX-License-Identifier: MIT
/* prov_internal.c: JSON access, call setters and response events shared by the prov_* decoders. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prov_internal.h"
#include "redact.h"
#include "sse.h"

/* ---- JSON access ---- */

const cJSON *pj_get(const cJSON *o, const char *key)
{
	if (!cJSON_IsObject(o))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

const cJSON *pj_path(const cJSON *o, ...)
{
	const char *key;
	va_list ap;

	va_start(ap, o);
	while (o && (key = va_arg(ap, const char *)))
		o = pj_get(o, key);
	va_end(ap);
	return o;
}

const char *pj_str(const cJSON *o, const char *key)
{
	const cJSON *v = pj_get(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool pj_num(const cJSON *o, const char *key, double *v)
{
	const cJSON *n = pj_get(o, key);

	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble))
		return false;
	*v = n->valuedouble;
	return true;
}

bool pj_int(const cJSON *o, const char *key, int64_t *v)
{
	double d;

	/* 2^63 itself does not fit: keep strictly inside the range. */
	if (!pj_num(o, key, &d) || d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return false;
	*v = (int64_t)d;
	return true;
}

bool pj_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(pj_get(o, key));
}

struct repair {
	char stack[TT_MAX_JSON_DEPTH];	/* '{' or '[' */
	bool key_next[TT_MAX_JSON_DEPTH];	/* object level: the next string is a key */
	int depth;
	size_t safe_len;		/* prefix that ends after a whole value or an opener */
	int safe_depth;
};

static void repair_safe(struct repair *r, size_t end)
{
	r->safe_len = end;
	r->safe_depth = r->depth;
}

static bool repair_in_key(const struct repair *r)
{
	return r->depth > 0 && r->stack[r->depth - 1] == '{' && r->key_next[r->depth - 1];
}

/* Length of s[from..to) without a trailing partial escape sequence. */
static size_t repair_trim_escape(const char *s, size_t from, size_t to)
{
	size_t i = from, last = from;

	while (i < to) {
		if (s[i] != '\\') {
			last = ++i;
			continue;
		}
		if (i + 1 >= to)
			break;
		i += s[i + 1] == 'u' ? 6 : 2;
		if (i <= to)
			last = i;
	}
	return last;
}

static int repair_close(struct repair *r, struct tt_buf *out, int depth)
{
	int err = 0;

	while (!err && depth > 0) {
		depth--;
		err = tt_buf_addc(out, r->stack[depth] == '{' ? '}' : ']');
	}
	return err;
}

int pj_repair(const char *s, size_t len, struct tt_buf *out)
{
	struct repair *r;
	size_t i, str_start = 0, tok_start = 0;
	bool in_str = false, in_tok = false, str_key = false;
	int err = -EBADMSG;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\') {
				i++;
			} else if (ch == '"') {
				in_str = false;
				if (!str_key)
					repair_safe(r, i + 1);
			}
			continue;
		}
		if (in_tok && (strchr(",]}: \t\r\n", ch))) {
			in_tok = false;
			repair_safe(r, i);
		}
		switch (ch) {
		case '"':
			in_str = true;
			str_key = repair_in_key(r);
			str_start = i + 1;
			break;
		case '{':
		case '[':
			if (r->depth >= TT_MAX_JSON_DEPTH) {
				err = -E2BIG;
				goto out;
			}
			r->stack[r->depth] = ch;
			r->key_next[r->depth++] = ch == '{';
			repair_safe(r, i + 1);
			break;
		case '}':
		case ']':
			if (!r->depth)
				goto out;
			r->depth--;
			repair_safe(r, i + 1);
			break;
		case ':':
			if (r->depth)
				r->key_next[r->depth - 1] = false;
			break;
		case ',':
			if (r->depth && r->stack[r->depth - 1] == '{')
				r->key_next[r->depth - 1] = true;
			break;
		case ' ': case '\t': case '\r': case '\n':
			break;
		default:
			if (!in_tok)
				tok_start = i;
			in_tok = true;
			break;
		}
	}
	(void)tok_start;
	tt_buf_reset(out);
	if (in_str && !str_key) {
		/* Keep a cut string value: long texts are the usual victims of a cap. */
		err = tt_buf_add(out, s, repair_trim_escape(s, str_start, len));
		err = err ?: tt_buf_addc(out, '"');
		err = err ?: repair_close(r, out, r->depth);
		goto out;
	}
	if (!r->safe_depth && !r->safe_len)
		goto out;
	err = tt_buf_add(out, s, r->safe_len);
	err = err ?: repair_close(r, out, r->safe_depth);
out:
	free(r);
	return err;
}

cJSON *pj_parse(const void *data, size_t len, bool lenient)
{
	struct tt_buf b;
	cJSON *j;

	if (!data || !len)
		return NULL;
	j = cJSON_ParseWithLength(data, len);
	if (j || !lenient)
		return j;
	tt_buf_init(&b, len + TT_MAX_JSON_DEPTH + 2);
	if (!pj_repair(data, len, &b))
		j = cJSON_ParseWithLength((const char *)b.data, b.len);
	tt_buf_free(&b);
	return j;
}

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

static int add_stop(struct genai_call *c, const char *s)
{
	char **v;

	if (!s || c->params.n_stop_sequences >= TT_MAX_GENAI_STOP)
		return 0;
	v = realloc(c->params.stop_sequences, (c->params.n_stop_sequences + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->params.stop_sequences = v;
	v[c->params.n_stop_sequences] = strndup(s, TT_MAX_GENAI_STR);
	if (!v[c->params.n_stop_sequences])
		return -ENOMEM;
	c->params.n_stop_sequences++;
	return 0;
}

int prov_set_stop(struct genai_call *c, const cJSON *stop)
{
	const cJSON *e;
	int err = 0;

	if (cJSON_IsString(stop))
		return add_stop(c, stop->valuestring);
	cJSON_ArrayForEach(e, stop) {
		if (cJSON_IsString(e))
			err = add_stop(c, e->valuestring);
		if (err)
			return err;
	}
	return 0;
}

/* The rules of redact.h on the whole text first (a cut could split a secret), then the cap. */
static char *dup_redacted(const char *s, size_t cap)
{
	char *d = redact_text(s);

	if (d && strlen(d) > cap)
		d[cap] = '\0';
	return d;
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
 * JSON text of a content value (redacted, capped); strings are taken as they are. Redacted
 * before the cap, so that a cut cannot split a secret.
 */
static char *content_text(const cJSON *v, uint32_t *flags)
{
	char *s, *red;

	if (cJSON_IsString(v)) {
		red = redact_content(v->valuestring, strlen(v->valuestring));
	} else {
		s = cJSON_PrintUnformatted(v);
		if (!s)
			return NULL;
		red = redact_json(s, strlen(s));
		free(s);
	}
	if (red && strlen(red) > TT_MAX_GENAI_CONTENT) {
		red[TT_MAX_GENAI_CONTENT] = '\0';
		*flags |= GENAI_F_CONTENT_TRUNCATED;
	}
	return red;
}

int prov_add_tool_result(struct prov_ctx *p, const char *call_id, const char *name,
			 const cJSON *content, bool is_error)
{
	struct genai_call *c = p->c;
	struct genai_tool_result *r;

	if (c->n_tool_results >= TT_MAX_GENAI_TOOLS)
		return 0;
	r = realloc(c->tool_results, (c->n_tool_results + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	c->tool_results = r;
	r += c->n_tool_results++;
	memset(r, 0, sizeof(*r));
	r->is_error = is_error;
	if (prov_set_str(&r->call_id, call_id) || prov_set_str(&r->name, name))
		return -ENOMEM;
	if (p->capture && content) {
		r->content = content_text(content, &c->flags);
		if (!r->content)
			return -ENOMEM;
	}
	return 0;
}

int prov_last_role(const cJSON *msgs, const char *role)
{
	const cJSON *m;
	int i = 0, last = -1;

	cJSON_ArrayForEach(m, msgs) {
		const char *r = pj_str(m, "role");

		if (r && !strcmp(r, role))
			last = i;
		i++;
	}
	return last;
}

void prov_mark_chunk(struct prov_ctx *p, const struct http_event *ev)
{
	if (!p->c->first_chunk_ns && ev->ts_ns)
		p->c->first_chunk_ns = ev->ts_ns;
}

const cJSON *prov_request(struct prov_ctx *p)
{
	const struct http_exchange *x = p->x;

	if (!p->req_parsed) {
		p->req_parsed = true;
		p->req = pj_parse(x->req.body, x->req.body_len,
				  x->flags & (HTTP_X_REQ_TRUNCATED | HTTP_X_INCOMPLETE));
	}
	return cJSON_IsObject(p->req) ? p->req : NULL;
}

bool prov_resp_truncated(const struct prov_ctx *p)
{
	return p->x->flags & (HTTP_X_RESP_TRUNCATED | HTTP_X_INCOMPLETE | HTTP_X_DECODE_ERROR);
}

/* ---- streams that arrived as plain bodies ---- */

/* One event of the SSE / NDJSON parser, kept in p->own (its strings in own's event storage). */
static int own_event(const struct sse_event *e, void *ctx)
{
	struct prov_ctx *p = ctx;
	struct http_message *m = &p->own;
	struct http_event *ev;

	/* nothing to decode: an empty "data:", or the one a cut ended ("data: " at the end) */
	if (!e->data_len && !e->event)
		return 0;
	if (m->n_events >= TT_MAX_SSE_EVENTS)
		return -E2BIG;
	if (tt_ensure_mem((void **)&m->events, &p->alloc_own, sizeof(*ev), m->n_events + 1))
		return -ENOMEM;
	ev = &m->events[m->n_events];
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = p->x->resp.first_body_ns;
	ev->data = http_message__store(m, e->data, e->data_len);
	ev->event = e->event ? http_message__store(m, e->event, e->event_len) : NULL;
	if (!ev->data || (e->event && !ev->event))
		return -ENOMEM;	/* what was stored goes with own */
	ev->data_len = e->data_len;
	m->n_events++;
	return 0;
}

static bool looks_sse(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	return (len >= 5 && !memcmp(s, "data:", 5)) || (len >= 6 && !memcmp(s, "event:", 6)) ||
	       (len >= 1 && *s == ':');
}

int prov_events(struct prov_ctx *p, const struct http_event **ev, size_t *n)
{
	const struct http_message *m = &p->x->resp;
	const char *body = (const char *)m->body;
	int err = 0;

	*ev = NULL;
	*n = 0;
	if (m->kind == HTTP_BODY_SSE || m->kind == HTTP_BODY_NDJSON) {
		*ev = m->events;
		*n = m->events ? m->n_events : 0;
		return 0;
	}
	if (!body || !m->body_len)
		return 0;
	/* the one SSE / NDJSON parser, as for streamed bodies; past TT_MAX_SSE_EVENTS: stop */
	if (!p->own.events) {
		if (looks_sse(body, m->body_len))
			err = sse_split_body(SSE_MODE_SSE, body, m->body_len, own_event, p);
		else if (p->m->api == PROV_API_OLLAMA_CHAT || p->m->api == PROV_API_OLLAMA_GENERATE)
			err = sse_split_body(SSE_MODE_NDJSON, body, m->body_len, own_event, p);
	}
	*ev = p->own.events;
	*n = p->own.n_events;
	return err == -E2BIG ? 0 : err;
}
