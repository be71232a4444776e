// SPDX-License-Identifier: MIT
/*
 * body_reader.c: a message body as the HTTP layer keeps it: decoded through coding_dec (coding.c)
 * when it carries content codings, then held whole or split into SSE / NDJSON events, each
 * with the arrival time of the read that completed it, under the body and event caps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body_reader.h"
#include "tt_limits.h"
#include "log.h"

/* Media type of a Content-Type value, without parameters, compared case-insensitively. */
static bool media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n))
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !*ct || *ct == ';';
}

static enum http_body_kind kind_of(const char *ct)
{
	if (!ct)
		return HTTP_BODY_PLAIN;
	if (media_is(ct, "text/event-stream"))
		return HTTP_BODY_SSE;
	if (media_is(ct, "application/x-ndjson") || media_is(ct, "application/ndjson") ||
	    media_is(ct, "application/jsonl") || media_is(ct, "application/x-jsonlines"))
		return HTTP_BODY_NDJSON;
	return HTTP_BODY_PLAIN;
}

/* Appends the codings of one header value, comma-separated; chunked dropped if asked. */
static int add_codings(struct tt_buf *b, const char *v, bool drop_chunked)
{
	const char *e, *t;
	size_t n;
	int err = 0;

	while (*v && !err) {
		e = strchr(v, ',');
		if (!e)
			e = v + strlen(v);
		for (t = v; t < e && (*t == ' ' || *t == '\t'); t++)
			;
		for (n = 0; t + n < e && t[n] != ';' && t[n] != ' ' && t[n] != '\t'; n++)
			;
		if (n && !(drop_chunked && n == 7 && !strncasecmp(t, "chunked", 7))) {
			if (b->len)
				err = tt_buf_add(b, ",", 1);
			if (!err)
				err = tt_buf_add(b, t, (size_t)(e - t));
		}
		v = *e ? e + 1 : e;
	}
	return err;
}

/*
 * The codings applied to a body, in the order applied: those of its Content-Encoding fields,
 * then the transfer codings of its Transfer-Encoding fields but chunked (RFC 9112 6.1: a
 * sender applies transfer codings to the content, after any content coding; chunked is the
 * framing, undone by the HTTP/1 layer). A server seldom sends "Transfer-Encoding: gzip,
 * chunked", but when it does the body is gzip like any other. "" when there are none.
 */
static int body_codings(const struct http_headers *h, struct tt_buf *b)
{
	size_t i;
	int err = 0;

	for (i = 0; i < h->n && !err; i++) {
		if (h->v[i].name && h->v[i].value && !strcasecmp(h->v[i].name, "content-encoding"))
			err = add_codings(b, h->v[i].value, false);
	}
	for (i = 0; i < h->n && !err; i++) {
		if (h->v[i].name && h->v[i].value && !strcasecmp(h->v[i].name, "transfer-encoding"))
			err = add_codings(b, h->v[i].value, true);
	}
	return err;
}

/* Charges the reader's buffers and decoder to r->acct; a refused decoder drops the body. */
static void reader_account(struct body_reader *r, struct tt_acct *up)
{
	tt_acct_init(&r->acct, up ? up->b : NULL, up);
	r->body.acct = &r->acct;
	r->sse.line.acct = &r->acct;
	r->sse.data.acct = &r->acct;
	r->sse.event.acct = &r->acct;
	r->sse.id.acct = &r->acct;
	if (!r->dec)
		return;
	if (tt_acct_charge(&r->acct, coding_dec__state_bytes(r->dec)))
		body_reader__drop(r, false);
	else
		r->dec_bytes = coding_dec__state_bytes(r->dec);
}

int body_reader__init(struct body_reader *r, struct http_message *m, const struct body_limits *lim,
		      struct tt_acct *up)
{
	struct tt_buf codings;
	const char *ce;
	int err;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->lim = *lim;
	m->kind = kind_of(http_headers_get(&m->headers, "content-type"));
	tt_buf_init(&r->body, lim->max_body);
	sse_parser__init(&r->sse, m->kind == HTTP_BODY_NDJSON ? SSE_MODE_NDJSON : SSE_MODE_SSE,
			 lim->max_event);
	tt_acct_init(&r->acct, NULL, NULL);
	tt_buf_init(&codings, TT_MAX_HEADER_BYTES);
	err = body_codings(&m->headers, &codings);
	ce = codings.len ? tt_buf_cstr(&codings) : "";
	if (err == -ENOMEM || !ce) {
		tt_buf_free(&codings);
		return -ENOMEM;
	}
	/* -E2BIG: more coding names than a head holds; undecodable, as an unknown coding */
	r->dec = err ? NULL : coding_dec__new(ce, lim->max_body);
	if (!r->dec) {
		if (!err && errno == ENOMEM) {
			tt_buf_free(&codings);
			return -ENOMEM;
		}
		tt_debug("body: cannot decode the codings \"%s\"", ce);
		r->decode_error = true;
	}
	tt_buf_free(&codings);
	reader_account(r, up);
	return 0;
}

static int add_event(const struct sse_event *ev, void *ctx)
{
	struct body_reader *r = ctx;
	struct http_message *m = r->m;
	struct http_event *e;
	size_t bytes = ev->data_len + ev->event_len + ev->id_len;

	size_t had = r->events_alloc;

	if (m->n_events >= r->lim.max_events || bytes > r->lim.max_body - r->events_bytes) {
		r->truncated = true;
		return 0;
	}
	/* the strings (with their NULs) and the array's growth; a refusal drops the body */
	if (tt_acct_charge(&r->acct, bytes + 3))
		return -ECANCELED;
	if (tt_ensure_mem((void **)&m->events, &r->events_alloc, sizeof(*e), m->n_events + 1))
		return -ENOMEM;
	if (tt_acct_charge(&r->acct, (r->events_alloc - had) * sizeof(*e)))
		return -ECANCELED;
	e = &m->events[m->n_events];
	e->data = http_message__store(m, ev->data, ev->data_len);
	e->event = ev->event ? http_message__store(m, ev->event, ev->event_len) : NULL;
	e->id = ev->id ? http_message__store(m, ev->id, ev->id_len) : NULL;
	if (!e->data || (ev->event && !e->event) || (ev->id && !e->id))
		return -ENOMEM; /* what was stored is freed with the message */
	e->data_len = ev->data_len;
	e->ts_ns = r->ts;
	m->n_events++;
	r->events_bytes += bytes;
	return 0;
}

/* Decoded bytes: kept as the body or split into events. */
static int decoded(const void *p, size_t n, void *ctx)
{
	struct body_reader *r = ctx;

	if (r->acct.dropped)
		return -ECANCELED; /* the budget dropped the body: stop decoding it */
	if (r->m->kind == HTTP_BODY_PLAIN)
		return tt_buf_add(&r->body, p, n) == -ENOMEM ? -ENOMEM : 0;
	return sse_parser__feed(&r->sse, p, n, add_event, r);
}

/* A charge of the reader was refused after the budget dropped it: it frees what it holds. */
static int reader_dropped(struct body_reader *r, int err)
{
	if (!r->acct.dropped)
		return err;
	body_reader__drop(r, false);
	return 0;
}

int body_reader__feed(struct body_reader *r, const void *p, size_t n, uint64_t ts)
{
	int err;

	r->ts = ts;
	if (r->broken || !n)
		return 0;
	if (!r->dec) {
		/* Unsupported coding: keep the raw bytes, up to the cap. */
		if (tt_buf_add_upto(&r->body, p, n) < (long)n)
			r->truncated = true;
		return reader_dropped(r, 0);
	}
	err = reader_dropped(r, coding_dec__feed(r->dec, p, n, decoded, r));
	if (err == -E2BIG) {
		r->truncated = true;
		if (coding_dec__codings(r->dec))
			r->decomp_capped = true;
		r->broken = true;
	} else if (err == -EBADMSG) {
		r->decode_error = true;
		r->broken = true;
	} else if (err) {
		return err;
	}
	return 0;
}

bool body_reader__coded(const struct body_reader *r)
{
	return r->dec && !r->broken && coding_dec__codings(r->dec);
}

void body_reader__gap(struct body_reader *r)
{
	struct http_message *m = r->m;

	r->incomplete = true;
	if (r->broken)
		return;
	if (r->dec && coding_dec__codings(r->dec)) {
		/* A compressed stream cannot be resumed past lost bytes. */
		r->broken = true;
		return;
	}
	if (m->kind != HTTP_BODY_PLAIN) {
		sse_parser__gap(&r->sse);
		return;
	}
	/* where the body's pieces meet, so that its start and its end can be read apart */
	if (!m->body_gap)
		m->gap_head = r->body.len;
	m->body_gap = true;
	m->gap_tail = r->body.len;
}

int body_reader__finish(struct body_reader *r, uint64_t ts)
{
	struct http_message *m = r->m;
	int err;

	r->ts = ts;
	if (r->mem_dropped)
		return 0; /* no body (NULL), flagged truncated */
	if (r->dec && !r->broken && coding_dec__finish(r->dec) == -ENODATA)
		r->incomplete = true;
	if (m->kind != HTTP_BODY_PLAIN) {
		if (!r->broken) {
			err = reader_dropped(r, sse_parser__finish(&r->sse, add_event, r));
			if (err)
				return err;
		}
		if (r->sse.n_oversize)
			r->truncated = true;
		return 0;
	}
	if (!tt_buf_cstr(&r->body))
		return -ENOMEM;
	m->body = (unsigned char *)tt_buf_steal(&r->body, &m->body_len);
	return m->body ? 0 : -ENOMEM;
}

void body_reader__free(struct body_reader *r)
{
	if (!r)
		return;
	coding_dec__free(r->dec);
	r->dec = NULL;
	tt_acct_release(&r->acct, r->dec_bytes);
	r->dec_bytes = 0;
	sse_parser__free(&r->sse);
	tt_buf_free(&r->body);
}

void body_reader__drop(struct body_reader *r, bool in_use)
{
	r->acct.dropped = true;
	r->mem_dropped = true;
	r->truncated = true;
	r->broken = true;
	if (in_use)
		return;
	body_reader__free(r);
	/* what is left is what it gave the message: its events */
	http_message__drop_body(r->m);
	tt_acct_release(&r->acct, r->acct.held);
	r->events_alloc = 0;
	r->events_bytes = 0;
}
