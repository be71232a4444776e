// SPDX-License-Identifier: MIT
/* buf.c: growable byte buffer with a hard cap. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void tt_buf_init(struct tt_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void tt_buf_free(struct tt_buf *b)
{
	if (!b)
		return;
	free(b->data);
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
	p = realloc(b->data, alloc);
	if (!p)
		return -ENOMEM;
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
