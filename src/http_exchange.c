// SPDX-License-Identifier: MIT
/* http_exchange.c: header list and destructor of the HTTP exchange record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http_exchange.h"
#include "redact.h"
#include "tt_limits.h"

int http_headers_add(struct http_headers *h, const char *name, size_t nlen, const char *value,
		     size_t vlen)
{
	struct http_header *v;

	if (h->n >= TT_MAX_HEADERS)
		return -E2BIG;
	if (tt_ensure_mem((void **)&h->v, &h->alloc, sizeof(*h->v), h->n + 1))
		return -ENOMEM;
	v = &h->v[h->n];
	v->name = strndup(name, nlen);
	v->value = redact_header_value(name, nlen, value, vlen);
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return -ENOMEM;
	}
	h->n++;
	return 0;
}

const char *http_headers_get(const struct http_headers *h, const char *name)
{
	size_t i;

	if (!h || !name)
		return NULL;
	for (i = 0; i < h->n; i++) {
		if (h->v[i].name && !strcasecmp(h->v[i].name, name))
			return h->v[i].value;
	}
	return NULL;
}

void http_headers__clear(struct http_headers *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
	h->alloc = 0;
}

/*
 * Event strings are small (a few hundred bytes) and many (thousands per streamed response):
 * one malloc and one free each cost as much as splitting the event. They are carved out of
 * blocks instead, whose sizes double from STORE_MIN to STORE_MAX (below glibc's mmap
 * threshold: no mmap and munmap per block). A string of STORE_BIG or more gets a block of its
 * own behind the current one, so that at most a quarter of a block is ever left unused.
 */
#define STORE_MIN 1024u
#define STORE_MAX (64u * 1024)
#define STORE_BIG (STORE_MAX / 4)

struct http_str_block {
	struct http_str_block *next; /* older block */
	size_t size;		     /* bytes of data[] */
	size_t used;
	char data[];
};

static struct http_str_block *block_new(size_t size)
{
	struct http_str_block *b = malloc(sizeof(*b) + size);

	if (b) {
		b->size = size;
		b->used = 0;
	}
	return b;
}

char *http_message__store(struct http_message *m, const void *p, size_t n)
{
	struct http_str_block *b = m->event_store;
	size_t size;
	char *s;

	if (b && n + 1 >= STORE_BIG) {
		b = block_new(n + 1);
		if (!b)
			return NULL;
		b->next = m->event_store->next;
		m->event_store->next = b;
	} else if (!b || b->size - b->used < n + 1) {
		size = b ? b->size * 2 : STORE_MIN;
		if (size > STORE_MAX)
			size = STORE_MAX;
		b = block_new(size > n ? size : n + 1);
		if (!b)
			return NULL;
		b->next = m->event_store;
		m->event_store = b;
	}
	s = b->data + b->used;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	b->used += n + 1;
	return s;
}

void http_message__drop_body(struct http_message *m)
{
	struct http_str_block *b, *next;
	size_t i;

	free(m->body);
	m->body = NULL;
	m->body_len = 0;
	m->body_gap = false;
	m->gap_head = m->gap_tail = 0;
	if (m->event_store) {
		for (b = m->event_store; b; b = next) {
			next = b->next;
			free(b);
		}
	} else {
		for (i = 0; i < m->n_events; i++) {
			free(m->events[i].event);
			free(m->events[i].data);
			free(m->events[i].id);
		}
	}
	free(m->events);
	m->events = NULL;
	m->n_events = 0;
	m->event_store = NULL;
}

void http_message__clear(struct http_message *m)
{
	if (!m)
		return;
	http_headers__clear(&m->headers);
	http_message__drop_body(m);
	memset(m, 0, sizeof(*m));
}

void http_exchange__free(struct http_exchange *x)
{
	if (!x)
		return;
	free(x->method);
	free(x->target);
	free(x->host);
	free(x->reason);
	http_message__clear(&x->req);
	http_message__clear(&x->resp);
	free(x);
}
