/* SPDX-License-Identifier: MIT */
/* buf.h: growable byte buffer with a hard cap (curl dynbuf style). */
#ifndef TT_BUF_H
#define TT_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One byte budget over many holders. The caps of the connection table are per connection, per
 * message or per exchange and multiply (connections x pending requests x decoded bodies): the
 * budget bounds their sum. A holder is a struct tt_acct; its charges go up its chain (a body
 * reader, the HTTP/2 stream it belongs to, the connection) to the budget. A charge that would
 * take the budget past its limit calls the evict hook, which drops the largest holder (freeing
 * and uncharging what it held) until the charge fits; when the largest holder is the one being
 * charged, or nothing can be dropped, the charge is refused. Each charge is a few additions:
 * the accounting is linear in the bytes stored.
 */
struct tt_budget;
struct tt_acct;

/*
 * Drops the largest holder of b (never freeing what b->charging, or any holder marked busy,
 * is using). Returns whether bytes were released; false makes the charge fail.
 */
typedef bool (*tt_evict_fn)(struct tt_budget *b, void *ctx);

struct tt_budget {
	size_t limit;		  /* 0: no limit */
	size_t used;		  /* bytes charged now */
	size_t high;		  /* most bytes ever charged at once */
	uint64_t drops;		  /* holders dropped to make room */
	uint64_t dropped_bytes;	  /* bytes they held */
	uint64_t refused;	  /* charges refused */
	tt_evict_fn evict;	  /* NULL: charges past the limit are refused */
	void *ctx;		  /* of evict */
	struct tt_acct *charging; /* the holder being charged, during evict */
};

struct tt_acct {
	struct tt_budget *b; /* NULL: nothing is accounted */
	struct tt_acct *up;  /* the holder this one is part of (charged too), or NULL */
	size_t held;	     /* bytes charged to this holder and not released */
	bool dropped;	     /* evicted: its charges are refused until tt_acct_init */
	bool busy;	     /* its storage is being read: evict must not free it */
};

/* A holder with nothing charged, counted in up (may be NULL) and b (NULL: none). */
void tt_budget_init(struct tt_budget *b, size_t limit, tt_evict_fn evict, void *ctx);
void tt_acct_init(struct tt_acct *a, struct tt_budget *b, struct tt_acct *up);
/* n more bytes for a and those above it: 0, or -E2BIG when the budget refuses them. */
int tt_acct_charge(struct tt_acct *a, size_t n);
/* Releases n bytes of a (n <= a->held) and of those above it. */
void tt_acct_release(struct tt_acct *a, size_t n);
/*
 * Evict's bookkeeping: a holder of n bytes was dropped (counted, then released by the owner
 * as it frees them).
 */
void tt_budget_dropped(struct tt_budget *b, size_t n);
/*
 * Hands what a holds over to the holder above it: a is empty afterwards, up still counts the
 * bytes. Returns them.
 */
size_t tt_acct_hand_up(struct tt_acct *a);

struct tt_buf {
	unsigned char *data;
	size_t len;
	size_t alloc;
	size_t cap;	      /* len never exceeds this */
	struct tt_acct *acct; /* NULL, or the holder its storage is charged to */
};

/*
 * An empty buffer that will hold at most cap bytes; allocates nothing yet. Its storage is
 * charged to no holder until b->acct is set (a refused charge fails an append with -E2BIG,
 * as the cap would).
 */
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
/*
 * Hands the storage to the caller (NUL-terminated) and empties b. Its charge (b->alloc bytes
 * after tt_buf_cstr) stays with b->acct: the caller releases it when it frees the storage.
 */
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
