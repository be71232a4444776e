/* SPDX-License-Identifier: MIT */
/* stream.h: one direction of a connection: byte positions, duplicates, gaps, unconsumed tail. */
#ifndef TT_STREAM_H
#define TT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Chunks arrive in capture order, each with the stream position of its first byte. Bytes
 * already received (duplicates, overlaps) are skipped; a jump forward is a gap: those bytes
 * were lost (ring buffer full, truncated call) and are never waited for, so a stalled
 * connection never holds back what follows. The consumer parses new bytes in place and keeps
 * only an unconsumed tail (a partial head) here, bounded by the cap.
 */
struct stream {
	struct tt_buf tail;  /* bytes received but not consumed yet */
	struct tt_acct acct; /* what the tail's storage holds of a byte budget */
	uint64_t next;	     /* stream position after the last byte received */
	bool started;
	uint64_t n_chunks;
	uint64_t n_gaps;
	uint64_t lost_bytes;
	uint64_t dup_bytes;
};

/* cap bounds the unconsumed tail (0 = TT_MAX_STREAM_BUF). */
void stream__init(struct stream *s, size_t cap);
void stream__free(struct stream *s);
/* The tail's storage is charged to budget b, within up (a connection's holder; may be NULL). */
void stream__set_budget(struct stream *s, struct tt_budget *b, struct tt_acct *up);
/* Frees the tail's storage (the budget took it back): what it held is lost; returns its length. */
size_t stream__drop_tail(struct stream *s);
/*
 * Places a chunk of len bytes at pos: returns the index of its first new byte (len when all of
 * it was seen before) and sets *gap to the bytes lost right before that byte. On a gap the tail
 * is dropped: what it held cannot be continued.
 */
size_t stream__admit(struct stream *s, uint64_t pos, size_t len, uint64_t *gap);
/* The bytes before position end are lost (a call cut by the capture cap); returns how many. */
uint64_t stream__skip_to(struct stream *s, uint64_t end);
/*
 * Appends unconsumed bytes to the tail: 0, -E2BIG over the cap or refused by the budget (tail
 * dropped and its storage freed), -ENOMEM.
 */
int stream__keep(struct stream *s, const void *p, size_t n);
/* Drops the first n bytes of the tail. */
void stream__consume(struct stream *s, size_t n);
/* Forgets everything (the connection started again). */
void stream__reset(struct stream *s);

#ifdef __cplusplus
}
#endif
#endif /* TT_STREAM_H */
