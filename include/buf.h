/* SPDX-License-Identifier: MIT */
/* buf.h: growable byte buffer with a hard cap (curl dynbuf style). */
#ifndef TT_BUF_H
#define TT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tt_buf {
	unsigned char *data;
	size_t len;
	size_t alloc;
	size_t cap; /* len never exceeds this */
};

/* An empty buffer that will hold at most cap bytes; allocates nothing yet. */
void tt_buf_init(struct tt_buf *b, size_t cap);
void tt_buf_free(struct tt_buf *b);
/* Empties b, keeping its storage (inline: the parsers reset buffers per line and event). */
static inline void tt_buf_reset(struct tt_buf *b)
{
	b->len = 0;
}

/* Appends n bytes: 0, -E2BIG when len + n would exceed the cap (nothing appended), -ENOMEM. */
int tt_buf_add(struct tt_buf *b, const void *p, size_t n);
/* Appends as much of p as fits under the cap; returns the bytes appended or -ENOMEM. */
long tt_buf_add_upto(struct tt_buf *b, const void *p, size_t n);
int tt_buf_addc(struct tt_buf *b, char c);
int tt_buf_addstr(struct tt_buf *b, const char *s);
int tt_buf_printf(struct tt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (n <= len). */
void tt_buf_consume(struct tt_buf *b, size_t n);
/* NUL-terminated view of the content (reserves one byte beyond len); NULL on -ENOMEM. */
const char *tt_buf_cstr(struct tt_buf *b);
/* Hands the storage to the caller (NUL-terminated) and empties b. */
char *tt_buf_steal(struct tt_buf *b, size_t *len);

/*
 * The one helper for growable arrays (libbpf's libbpf_ensure_mem is the model): makes *data,
 * an array with room for *cap elements of elem_sz bytes, hold at least need elements,
 * doubling its room (from 8) as often as that takes. 0, or -ENOMEM with *data and *cap
 * unchanged (also when the size would overflow). Caps on the element count are the caller's.
 */
int tt_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need);

#ifdef __cplusplus
}
#endif
#endif /* TT_BUF_H */
