/* SPDX-License-Identifier: MIT */
/* fuzz_exchange.h: an exchange's bodies from fuzz input, as the HTTP layer hands them on. */
#ifndef TT_FUZZ_EXCHANGE_H
#define TT_FUZZ_EXCHANGE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_exchange.h"
#include "sse.h"

/* The n bytes at p, NUL-terminated; NULL when out of memory. */
static inline char *fz_memdup0(const void *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* One event as the HTTP layer keeps it (split by sse.c), 10 ns after the one before. */
static inline int fz_add_event(const struct sse_event *e, void *ctx)
{
	struct http_message *m = ctx;
	struct http_event *ev = realloc(m->events, (m->n_events + 1) * sizeof(*ev));

	if (!ev)
		return -ENOMEM;
	m->events = ev;
	ev += m->n_events++;
	memset(ev, 0, sizeof(*ev));
	ev->data = fz_memdup0(e->data, e->data_len);
	ev->data_len = ev->data ? e->data_len : 0;
	ev->event = e->event ? fz_memdup0(e->event, e->event_len) : NULL;
	ev->ts_ns = 1000 + 10 * m->n_events;
	return 0;
}

/*
 * m's body of kind from the n bytes at p: a NUL-terminated copy (HTTP_BODY_PLAIN), or the
 * events the one SSE / NDJSON parser finds in them.
 */
static inline void fz_set_body(struct http_message *m, enum http_body_kind kind, const void *p,
			       size_t n)
{
	m->kind = kind;
	if (kind == HTTP_BODY_PLAIN) {
		m->body = (unsigned char *)fz_memdup0(p, n);
		m->body_len = m->body ? n : 0;
	} else {
		sse_split_body(kind == HTTP_BODY_SSE ? SSE_MODE_SSE : SSE_MODE_NDJSON, p, n,
			       fz_add_event, m);
	}
}

/*
 * x's request body of the size bytes at data and its response body of kind: the input cut at
 * its first NUL byte, or in halves when it has none.
 */
static inline void fz_set_bodies(struct http_exchange *x, const uint8_t *data, size_t size,
				 enum http_body_kind kind)
{
	const uint8_t *mid = memchr(data, 0, size);
	size_t qlen = mid ? (size_t)(mid - data) : size / 2;
	size_t rlen = size - qlen - (mid ? 1 : 0);

	fz_set_body(&x->req, HTTP_BODY_PLAIN, data, qlen);
	fz_set_body(&x->resp, kind, data + size - rlen, rlen);
}

#endif /* TT_FUZZ_EXCHANGE_H */
