// SPDX-License-Identifier: MIT
/* aead_bind.c: TLS records sealed by a thread, held until the socket write that sends them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aead_bind.h"
#include "log.h"

/* A held record: a copy, in arrival order. Few are held at a time: a list does. */
struct held {
	struct held *next;
	uint32_t pid, tid;
	size_t size;
	struct tt_data d; /* followed by the payload */
};

struct aead_hold {
	struct held *head, **tail;
	size_t bytes;
	size_t n; /* records held: empty ones cost memory and list walks too */
	struct aead_hold_stats st;
};

struct aead_hold *aead_hold__new(void)
{
	struct aead_hold *h = calloc(1, sizeof(*h));

	if (h)
		h->tail = &h->head;
	return h;
}

void aead_hold__free(struct aead_hold *h)
{
	struct held *e, *next;

	if (!h)
		return;
	for (e = h->head; e; e = next) {
		next = e->next;
		free(e);
	}
	free(h);
}

static void drop(struct aead_hold *h, struct held *e, const char *why)
{
	if (!h->st.dropped++)
		tt_warn("aead: pid=%u tid=%u: %u sealed bytes dropped: %s", e->pid, e->tid,
			e->d.len, why);
	h->st.dropped_bytes += e->d.len;
	h->bytes -= e->d.len;
	h->n--;
	free(e);
}

/* Unlinks the records match() picks, in order, handing each to fn; rebuilds the tail. */
static void take(struct aead_hold *h, int (*match)(const struct held *e, const void *arg),
		 const void *arg, void (*fn)(struct aead_hold *h, struct held *e, void *ctx),
		 void *ctx)
{
	struct held **pp = &h->head, *e;

	while ((e = *pp)) {
		if (!match(e, arg)) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		fn(h, e, ctx);
	}
	h->tail = pp;
}

static int same_thread(const struct held *e, const void *arg)
{
	const struct tt_hdr *hd = arg;

	return e->pid == hd->pid && e->tid == hd->tid;
}

static int same_pid(const struct held *e, const void *arg)
{
	return e->pid == *(const uint32_t *)arg;
}

static void drop_stale(struct aead_hold *h, struct held *e, void *ctx)
{
	drop(h, e, ctx);
}

int aead_hold__add(struct aead_hold *h, const struct tt_data *d, size_t size)
{
	struct held *e;

	if (size < sizeof(*d) || size - sizeof(*d) < d->len)
		return -EINVAL;
	/* a thread starts its records at 0 after each bind: one at 0 again means a bind was lost */
	if (d->pos == 0 && (d->flags & TT_DF_FIRST))
		take(h, same_thread, &d->h, drop_stale, (void *)"their socket write was not seen");
	if (h->bytes + d->len > AEAD_HOLD_MAX_BYTES || h->n >= AEAD_HOLD_MAX_RECS) {
		if (!h->st.dropped++)
			tt_warn("aead: more than %u sealed bytes or %u records wait for their socket: "
				"dropping",
				AEAD_HOLD_MAX_BYTES, AEAD_HOLD_MAX_RECS);
		h->st.dropped_bytes += d->len;
		return -ENOSPC;
	}
	e = malloc(sizeof(*e) + d->len);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->pid = d->h.pid;
	e->tid = d->h.tid;
	e->size = sizeof(*d) + d->len;
	memcpy(&e->d, d, e->size);
	e->d.h.size = e->size;
	*h->tail = e;
	h->tail = &e->next;
	h->bytes += d->len;
	h->n++;
	h->st.held++;
	return 0;
}

struct bind_ctx {
	const struct tt_aead_bind *b;
	aead_hold_fn fn;
	void *ctx;
};

static void pass(struct aead_hold *h, struct held *e, void *arg)
{
	struct bind_ctx *c = arg;

	/* inside the bind's pending bytes, whose stream positions base + len must not wrap (a
	 * replayed capture says anything) */
	if (e->d.pos > c->b->len || e->d.len > c->b->len - e->d.pos ||
	    c->b->base > UINT64_MAX - c->b->len) {
		drop(h, e, "their socket write was not seen");
		return;
	}
	e->d.conn = c->b->conn;
	e->d.pos += c->b->base;
	e->d.fd = c->b->fd;
	h->bytes -= e->d.len;
	h->n--;
	h->st.bound++;
	c->fn(&e->d, e->size, c->ctx);
	free(e);
}

void aead_hold__bind(struct aead_hold *h, const struct tt_aead_bind *b, aead_hold_fn fn, void *ctx)
{
	struct bind_ctx c = { .b = b, .fn = fn, .ctx = ctx };

	take(h, same_thread, &b->h, pass, &c);
}

void aead_hold__drop_pid(struct aead_hold *h, uint32_t pid)
{
	take(h, same_pid, &pid, drop_stale, (void *)"the process exited before sending them");
}

void aead_hold__stats(const struct aead_hold *h, struct aead_hold_stats *st)
{
	*st = h->st;
}
