// SPDX-License-Identifier: MIT
/* prov_internal.c: JSON access, the request and the response events for the prov_* decoders. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "prov_internal.h"
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

const char *pj_text(const cJSON *content)
{
	const cJSON *e;

	if (cJSON_IsString(content))
		return content->valuestring;
	cJSON_ArrayForEach(e, content)
		if (pj_str(e, "text"))
			return pj_str(e, "text");
	return NULL;
}

struct repair {
	char stack[TT_MAX_JSON_DEPTH];	  /* '{' or '[' */
	bool key_next[TT_MAX_JSON_DEPTH]; /* object level: the next string is a key */
	int depth;
	size_t safe_len; /* prefix that ends after a whole value or an opener */
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
		case ' ':
		case '\t':
		case '\r':
		case '\n':
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

/* Length of s[0..len) without the JSON white space that ends it. */
static size_t trim_end(const char *s, size_t len)
{
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
		       s[len - 1] == '\n'))
		len--;
	return len;
}

/* Backslashes right before s[i], or -1 when they run back to s[0] (more may have been cut). */
static long escapes_before(const char *s, size_t i)
{
	size_t k = 0;

	while (k < i && s[i - 1 - k] == '\\')
		k++;
	return k == i ? -1 : (long)k;
}

int pj_tail_members(const char *s, size_t len, struct tt_buf *out)
{
	size_t end = trim_end(s, len), i, start = 0, depth = 1;
	bool in_str = false, whole = false, found = false;
	long k;

	if (!end || s[end - 1] != '}')
		return -ENOENT;
	/*
	 * Read backwards from the closing brace, where the state is known: a quote with an even
	 * number of backslashes before it opens or closes a string, brackets outside strings
	 * count the depth, and a comma at depth 1 begins a member that is wholly in s.
	 */
	for (i = end - 1; i-- > 0 && !whole;) {
		char ch = s[i];

		if (ch == '"') {
			k = escapes_before(s, i);
			if (k < 0)
				break; /* escaped or not: the bytes that would say were cut */
			if (!(k & 1))
				in_str = !in_str;
			i -= (size_t)k; /* backslashes only ever stand inside a string */
		} else if (in_str) {
			continue;
		} else if (ch == '}' || ch == ']') {
			depth++;
		} else if ((ch == '{' || ch == '[') && !--depth) {
			whole = true;
			start = i;
		} else if (ch == ',' && depth == 1) {
			found = true;
			start = i;
		}
	}
	tt_buf_reset(out);
	if (whole)
		return tt_buf_add(out, s + start, end - start);
	if (!found)
		return -ENOENT;
	return tt_buf_addc(out, '{') ?: tt_buf_add(out, s + start + 1, end - start - 1);
}

cJSON *pj_parse_gap(const void *data, size_t len, size_t head, size_t tail)
{
	cJSON *h, *t, *it;
	struct tt_buf b;

	head = head < len ? head : len;
	tail = tail < head ? head : tail < len ? tail : len;
	h = pj_parse(data, head, true);
	if (h && !cJSON_IsObject(h)) {
		cJSON_Delete(h);
		h = NULL;
	}
	tt_buf_init(&b, len - tail + 2);
	t = pj_tail_members((const char *)data + tail, len - tail, &b) ?
		    NULL :
		    cJSON_ParseWithLength((const char *)b.data, b.len);
	tt_buf_free(&b);
	if (!cJSON_IsObject(t) || !h) {
		cJSON_Delete(cJSON_IsObject(t) ? h : t);
		return cJSON_IsObject(t) ? t : h;
	}
	/* what the head began is its own; the tail adds the members that came after it */
	while ((it = t->child)) {
		cJSON_DetachItemViaPointer(t, it);
		if (cJSON_GetObjectItemCaseSensitive(h, it->string) ||
		    !cJSON_AddItemToObject(h, it->string, it))
			cJSON_Delete(it);
	}
	cJSON_Delete(t);
	return h;
}

/* ---- the request ---- */

/* Index of the last message whose "role" is role, -1 if none. */
static int last_role(const cJSON *msgs, const char *role)
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

int prov_history(struct prov_ctx *p, const cJSON *msgs, const char *model_role,
		 prov_json_fn results, prov_json_fn message)
{
	const cJSON *m;
	int i = 0, last = last_role(msgs, model_role), err = 0;

	cJSON_ArrayForEach(m, msgs) {
		if (i++ > last)
			err = results(p, m);
		if (!err && p->capture)
			err = message(p, m);
		if (err)
			return err;
	}
	return 0;
}

const cJSON *prov_request(struct prov_ctx *p)
{
	const struct http_exchange *x = p->x;

	if (!p->req_parsed) {
		p->req_parsed = true;
		if (x->req.body_gap)
			p->req = pj_parse_gap(x->req.body, x->req.body_len, x->req.gap_head,
					      x->req.gap_tail);
		else
			p->req = pj_parse(x->req.body, x->req.body_len,
					  x->flags & (HTTP_X_REQ_TRUNCATED | HTTP_X_INCOMPLETE));
	}
	return cJSON_IsObject(p->req) ? p->req : NULL;
}

/* ---- the response ---- */

bool prov_resp_truncated(const struct prov_ctx *p)
{
	return p->x->flags & (HTTP_X_RESP_TRUNCATED | HTTP_X_INCOMPLETE | HTTP_X_DECODE_ERROR);
}

int prov_each_event(struct prov_ctx *p, const struct http_event *ev, size_t n, prov_event_fn fn,
		    void *arg)
{
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		/* the last event may be the one a cap cut: keep what it holds */
		cJSON *d = pj_parse(ev[i].data, ev[i].data_len, i + 1 == n);

		if (!cJSON_IsObject(d)) {
			cJSON_Delete(d);
			d = NULL;
		}
		p->ev_ns = ev[i].ts_ns;
		err = fn(p, &ev[i], d, arg);
		cJSON_Delete(d);
	}
	return err;
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
		return -ENOMEM; /* what was stored goes with own */
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

/* JSON lines: an object on the first line and another object starting the next one. */
static bool looks_ndjson(const char *s, size_t len)
{
	const char *nl;

	while (len && (*s == ' ' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	nl = len && *s == '{' ? memchr(s, '\n', len) : NULL;
	if (!nl)
		return false;
	len -= nl - s;
	s = nl;
	while (len && (*s == ' ' || *s == '\r' || *s == '\n')) {
		s++;
		len--;
	}
	return len && *s == '{';
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
		else if (p->m->api == PROV_API_OLLAMA_CHAT ||
			 p->m->api == PROV_API_OLLAMA_GENERATE ||
			 (p->m->api == PROV_API_GENERIC && looks_ndjson(body, m->body_len)))
			err = sse_split_body(SSE_MODE_NDJSON, body, m->body_len, own_event, p);
	}
	*ev = p->own.events;
	*n = p->own.n_events;
	return err == -E2BIG ? 0 : err;
}
