/* SPDX-License-Identifier: MIT */
/* aead_bind.h: TLS records sealed by a thread, held until the socket write that sends them. */
#ifndef TT_AEAD_BIND_H
#define TT_AEAD_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Plaintext captured at the record cipher (TT_SRC_AEAD) is sealed before the stack writes it,
 * so the BPF side cannot tell its connection yet: it sends the data records keyed
 * TT_CONN_PEND | tid, at positions counted from 0 since the thread's previous bind, then a
 * tt_aead_bind when the thread writes a TLS socket. Held here in between: usually a few
 * microseconds and one record.
 */
#define AEAD_HOLD_MAX_BYTES (8u << 20) /* held payload over all threads */
#define AEAD_HOLD_MAX_RECS  4096u      /* held records over all threads (empty ones too) */

struct aead_hold_stats {
	uint64_t held;	  /* records held */
	uint64_t bound;	  /* records passed on with their connection */
	uint64_t dropped; /* records dropped: over the cap, bind lost, process gone */
	uint64_t dropped_bytes;
};

struct aead_hold;

typedef void (*aead_hold_fn)(const void *rec, size_t size, void *ctx);

struct aead_hold *aead_hold__new(void);
void aead_hold__free(struct aead_hold *h);
/* Keeps a copy of d (a TT_CONN_PEND data record of size bytes). -ENOSPC: over the cap. */
int aead_hold__add(struct aead_hold *h, const struct tt_data *d, size_t size);
/*
 * Passes the records b's thread holds to fn, in order, rewritten to b's connection and stream
 * positions; then forgets them. Records that do not fit b (a bind lost on the way) are dropped.
 */
void aead_hold__bind(struct aead_hold *h, const struct tt_aead_bind *b, aead_hold_fn fn, void *ctx);
/* Drops what the threads of process pid hold (it exited). */
void aead_hold__drop_pid(struct aead_hold *h, uint32_t pid);
void aead_hold__stats(const struct aead_hold *h, struct aead_hold_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* TT_AEAD_BIND_H */
