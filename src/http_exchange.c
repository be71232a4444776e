// SPDX-License-Identifier: MIT
/* http_exchange.c: header lookup and destructor of the HTTP exchange record. */
#include <stdlib.h>
#include <strings.h>

#include "http_exchange.h"

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

static void headers_free(struct http_headers *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

static void message_free(struct http_message *m)
{
	size_t i;

	headers_free(&m->headers);
	free(m->body);
	for (i = 0; i < m->n_events; i++) {
		free(m->events[i].event);
		free(m->events[i].data);
		free(m->events[i].id);
	}
	free(m->events);
}

void http_exchange__free(struct http_exchange *x)
{
	if (!x)
		return;
	free(x->method);
	free(x->target);
	free(x->host);
	free(x->reason);
	message_free(&x->req);
	message_free(&x->resp);
	free(x);
}
