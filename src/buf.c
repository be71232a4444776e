// SPDX-License-Identifier: MIT
/* buf.c: growable byte buffer with a hard cap. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* ---- the byte budget ---- */

void tt_budget_init(struct tt_budget *b, size_t limit, tt_evict_fn evict, void *ctx)
{
	*b = (struct tt_budget){ .limit = limit, .evict = evict, .ctx = ctx };
}

void tt_acct_init(struct tt_acct *a, struct tt_budget *b, struct tt_acct *up)
{
	*a = (struct tt_acct){ .b = b, .up = up };
}

/* Makes room for n more bytes under the limit, evicting others; false when it cannot. */
static bool budget_room(struct tt_budget *b, struct tt_acct *a, size_t n)
{
	struct tt_acct *was = b->charging;
	bool ok = true;

	b->charging = a;
	while (b->used + n > b->limit) {
		/* evict only marks the requester dropped, never frees its storage */
		if (a->dropped || !b->evict || !b->evict(b, b->ctx)) {
			ok = false;
			break;
		}
	}
	b->charging = was;
	return ok && !a->dropped;
}

int tt_acct_charge(struct tt_acct *a, size_t n)
{
	struct tt_budget *b = a->b;

	if (!b || !n)
		return 0;
	if (a->dropped) {
		b->refused++;
		return -E2BIG;
	}
	if (b->limit && (n > b->limit || !budget_room(b, a, n))) {
		/* the holder refused is dropped (its owner frees it): a body never gets holes */
		b->refused++;
		if (!a->dropped) {
			a->dropped = true;
			tt_budget_dropped(b, a->held);
		}
		return -E2BIG;
	}
	b->used += n;
	if (b->used > b->high)
		b->high = b->used;
	for (; a; a = a->up)
		a->held += n;
	return 0;
}

void tt_acct_release(struct tt_acct *a, size_t n)
{
	if (!a->b || !n)
		return;
	a->b->used -= n;
	for (; a; a = a->up)
		a->held -= n;
}

void tt_budget_dropped(struct tt_budget *b, size_t n)
{
	b->drops++;
	b->dropped_bytes += n;
}

size_t tt_acct_hand_up(struct tt_acct *a)
{
	size_t n = a->held;

	a->held = 0;
	return n;
}

/* ---- buffers ---- */

void tt_buf_init(struct tt_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
	b->acct = NULL;
}

void tt_buf_free(struct tt_buf *b)
{
	if (!b)
		return;
	free(b->data);
	if (b->acct)
		tt_acct_release(b->acct, b->alloc);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

/* Makes room for need bytes plus a NUL; need <= cap is the caller's check. */
static int buf_reserve(struct tt_buf *b, size_t need)
{
	size_t alloc;
	unsigned char *p;

	if (need + 1 <= b->alloc)
		return 0;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need + 1)
		alloc *= 2;
	if (alloc > b->cap + 1)
		alloc = b->cap + 1;
	if (b->acct && tt_acct_charge(b->acct, alloc - b->alloc))
		return -E2BIG;
	p = realloc(b->data, alloc);
	if (!p) {
		if (b->acct)
			tt_acct_release(b->acct, alloc - b->alloc);
		return -ENOMEM;
	}
	b->data = p;
	b->alloc = alloc;
	return 0;
}

int tt_buf_add(struct tt_buf *b, const void *p, size_t n)
{
	int err;

	if (n > b->cap - b->len)
		return -E2BIG;
	if (!n)
		return 0;
	err = buf_reserve(b, b->len + n);
	if (err)
		return err;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

long tt_buf_add_upto(struct tt_buf *b, const void *p, size_t n)
{
	size_t room = b->cap - b->len;
	int err;

	if (n > room)
		n = room;
	err = tt_buf_add(b, p, n);
	return err ? err : (long)n;
}

int tt_buf_addc(struct tt_buf *b, char c)
{
	return tt_buf_add(b, &c, 1);
}

int tt_buf_addstr(struct tt_buf *b, const char *s)
{
	return tt_buf_add(b, s, strlen(s));
}

int tt_buf_printf(struct tt_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n, err;
	char *big;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return tt_buf_add(b, small, n);
	big = malloc((size_t)n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	err = tt_buf_add(b, big, n);
	free(big);
	return err;
}

void tt_buf_consume(struct tt_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

const char *tt_buf_cstr(struct tt_buf *b)
{
	if (buf_reserve(b, b->len))
		return NULL;
	b->data[b->len] = '\0';
	return (const char *)b->data;
}

char *tt_buf_steal(struct tt_buf *b, size_t *len)
{
	char *p;

	if (!tt_buf_cstr(b))
		return NULL;
	p = (char *)b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

int tt_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (elem_sz && n > SIZE_MAX / elem_sz)
		return -ENOMEM;
	p = realloc(*data, n * elem_sz);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = n;
	return 0;
}
