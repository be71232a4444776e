/* SPDX-License-Identifier: MIT */
/* chunked.h: incremental decoder of the HTTP/1.1 chunked transfer coding. */
#ifndef TT_CHUNKED_H
#define TT_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives decoded body bytes; a negative return stops decoding with that error. */
typedef int (*chunked_data_fn)(const unsigned char *p, size_t n, void *ctx);

/* Zero it (or memset) to start; set trailers to collect the raw trailer section. */
struct chunked_dec {
	int state;
	uint64_t remain;	 /* data bytes left in the current chunk */
	size_t line;		 /* bytes of the current chunk-size or trailer line */
	size_t trailer_bytes;	 /* trailer section bytes seen */
	struct tt_buf *trailers; /* optional: trailer lines + final CRLF, for http1 */
	uint64_t data_bytes;	 /* decoded bytes so far */
};

/*
 * Decodes in[0..len): returns the bytes consumed (fewer than len once the last chunk and the
 * trailer section are complete: the rest belongs to the next message), -EBADMSG on a bad chunk
 * size, missing CRLF or an overflowing size, -E2BIG when a chunk-size line exceeds
 * TT_MAX_CHUNK_LINE or the trailer section exceeds TT_MAX_HEADER_BYTES (or the trailers cap).
 */
long chunked_dec__feed(struct chunked_dec *d, const unsigned char *in, size_t len,
		       chunked_data_fn fn, void *ctx);
bool chunked_dec__done(const struct chunked_dec *d);
/*
 * lost bytes of the encoded stream are missing. Returns 0 when they fall inside the current
 * chunk's data (decoding continues in sync), -EBADMSG when framing is lost.
 */
int chunked_dec__skip(struct chunked_dec *d, uint64_t lost);

#ifdef __cplusplus
}
#endif
#endif /* TT_CHUNKED_H */
