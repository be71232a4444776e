// SPDX-License-Identifier: MIT
/*
 * body_reader.c: a message body as the HTTP layer keeps it: decoded through body_dec (body.c)
 * when it carries content codings, then held whole or split into SSE / NDJSON events, each
 * with the arrival time of the read that completed it, under the body and event caps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "body.h"
#include "limits.h"
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

int body_reader__init(struct body_reader *r, struct http_message *m,
		      const struct body_limits *lim)
{
	const char *ce = http_headers_get(&m->headers, "content-encoding");

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->lim = *lim;
	m->kind = kind_of(http_headers_get(&m->headers, "content-type"));
	tt_buf_init(&r->body, lim->max_body);
	sse_parser__init(&r->sse, m->kind == HTTP_BODY_NDJSON ? SSE_MODE_NDJSON : SSE_MODE_SSE,
			 lim->max_event);
	r->dec = body_dec__new(ce, lim->max_body);
	if (!r->dec) {
		if (errno == ENOMEM)
			return -ENOMEM;
		tt_debug("body: cannot decode content-encoding \"%s\": %s", ce, strerror(errno));
		r->decode_error = true;
	}
	return 0;
}

static int add_event(const struct sse_event *ev, void *ctx)
{
	struct body_reader *r = ctx;
	struct http_message *m = r->m;
	struct http_event *e;
	size_t bytes = ev->data_len + ev->event_len + ev->id_len;

	if (m->n_events >= r->lim.max_events || bytes > r->lim.max_body - r->events_bytes) {
		r->truncated = true;
		return 0;
	}
	if (m->n_events == r->events_alloc) {
		size_t alloc = r->events_alloc ? r->events_alloc * 2 : 16;

		e = realloc(m->events, alloc * sizeof(*e));
		if (!e)
			return -ENOMEM;
		m->events = e;
		r->events_alloc = alloc;
	}
	e = &m->events[m->n_events];
	e->data = http_message__store(m, ev->data, ev->data_len);
	e->event = ev->event ? http_message__store(m, ev->event, ev->event_len) : NULL;
	e->id = ev->id ? http_message__store(m, ev->id, ev->id_len) : NULL;
	if (!e->data || (ev->event && !e->event) || (ev->id && !e->id))
		return -ENOMEM;	/* what was stored is freed with the message */
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

	if (r->m->kind == HTTP_BODY_PLAIN)
		return tt_buf_add(&r->body, p, n) == -ENOMEM ? -ENOMEM : 0;
	return sse_parser__feed(&r->sse, p, n, add_event, r);
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
		return 0;
	}
	err = body_dec__feed(r->dec, p, n, decoded, r);
	if (err == -E2BIG) {
		r->truncated = true;
		if (body_dec__codings(r->dec))
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
	return r->dec && !r->broken && body_dec__codings(r->dec);
}

void body_reader__gap(struct body_reader *r)
{
	r->incomplete = true;
	if (r->broken)
		return;
	if (r->dec && body_dec__codings(r->dec)) {
		/* A compressed stream cannot be resumed past lost bytes. */
		r->broken = true;
		return;
	}
	if (r->m->kind != HTTP_BODY_PLAIN)
		sse_parser__gap(&r->sse);
}

int body_reader__finish(struct body_reader *r, uint64_t ts)
{
	struct http_message *m = r->m;
	int err;

	r->ts = ts;
	if (r->dec && !r->broken && body_dec__finish(r->dec) == -ENODATA)
		r->incomplete = true;
	if (m->kind != HTTP_BODY_PLAIN) {
		if (!r->broken) {
			err = sse_parser__finish(&r->sse, add_event, r);
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
	body_dec__free(r->dec);
	r->dec = NULL;
	sse_parser__free(&r->sse);
	tt_buf_free(&r->body);
}
