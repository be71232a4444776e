/* SPDX-License-Identifier: MIT */
/* coding.h: content-coding decoders (gzip, deflate, br, zstd) with a cap on the decoded size. */
#ifndef TT_CODING_H
#define TT_CODING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives decoded bytes; a negative return stops decoding with that error. */
typedef int (*coding_out_fn)(const void *p, size_t n, void *ctx);

struct coding_dec;

/*
 * A decoder for a Content-Encoding value such as "gzip" or "gzip, br" (codings in the order
 * they were applied; "identity", "x-gzip" and empty entries are accepted). At most max_out
 * decoded bytes are produced: a decompression bomb stops there. NULL with errno EOPNOTSUPP
 * for an unknown coding, E2BIG past TT_MAX_CODINGS codings, ENOMEM.
 */
struct coding_dec *coding_dec__new(const char *encodings, size_t max_out);
void coding_dec__free(struct coding_dec *d);
/*
 * Decodes n more bytes. 0; -E2BIG once max_out is reached (output cut there, later input is
 * ignored); -EBADMSG on corrupt data (sticky); -ENOMEM; or out's negative return.
 */
int coding_dec__feed(struct coding_dec *d, const void *in, size_t n, coding_out_fn out, void *ctx);
/* End of input: 0, or -ENODATA when a compressed stream stopped before its end. */
int coding_dec__finish(struct coding_dec *d);
/* Number of real (non-identity) codings. */
size_t coding_dec__codings(const struct coding_dec *d);
uint64_t coding_dec__out_bytes(const struct coding_dec *d);
/* Bytes the decoder's state takes (an estimate for br and zstd), for a memory budget. */
size_t coding_dec__state_bytes(const struct coding_dec *d);
/*
 * gzip pieces of at least n coded bytes that reach a flush point are decoded by libdeflate
 * (default 2 KiB; SIZE_MAX: never). For tests and benchmarks; the output is the same.
 */
void coding_dec__set_fast_min(struct coding_dec *d, size_t n);
/* Coded bytes decoded by libdeflate so far. */
uint64_t coding_dec__fast_bytes(const struct coding_dec *d);

#ifdef __cplusplus
}
#endif
#endif /* TT_CODING_H */
