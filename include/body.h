/* SPDX-License-Identifier: MIT */
/* body.h: content-coding decoders (gzip, deflate, br, zstd) and the message body reader. */
#ifndef TT_BODY_H
#define TT_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http_exchange.h"
#include "sse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives decoded bytes; a negative return stops decoding with that error. */
typedef int (*body_out_fn)(const void *p, size_t n, void *ctx);

struct body_dec;

/*
 * A decoder for a Content-Encoding value such as "gzip" or "gzip, br" (codings in the order
 * they were applied; "identity", "x-gzip" and empty entries are accepted). At most max_out
 * decoded bytes are produced: a decompression bomb stops there. NULL with errno EOPNOTSUPP
 * for an unknown coding, E2BIG past TT_MAX_CODINGS codings, ENOMEM.
 */
struct body_dec *body_dec__new(const char *encodings, size_t max_out);
void body_dec__free(struct body_dec *d);
/*
 * Decodes n more bytes. 0; -E2BIG once max_out is reached (output cut there, later input is
 * ignored); -EBADMSG on corrupt data (sticky); -ENOMEM; or out's negative return.
 */
int body_dec__feed(struct body_dec *d, const void *in, size_t n, body_out_fn out, void *ctx);
/* End of input: 0, or -ENODATA when a compressed stream stopped before its end. */
int body_dec__finish(struct body_dec *d);
/* Number of real (non-identity) codings. */
size_t body_dec__codings(const struct body_dec *d);
uint64_t body_dec__out_bytes(const struct body_dec *d);
/*
 * gzip pieces of at least n coded bytes that reach a flush point are decoded by libdeflate
 * (default 2 KiB; SIZE_MAX: never). For tests and benchmarks; the output is the same.
 */
void body_dec__set_fast_min(struct body_dec *d, size_t n);
/* Coded bytes decoded by libdeflate so far. */
uint64_t body_dec__fast_bytes(const struct body_dec *d);

struct body_limits {
	size_t max_body;	/* decoded bytes kept (plain), or event data bytes kept */
	size_t max_event;	/* one SSE event / NDJSON line */
	size_t max_events;	/* events kept */
};

/*
 * Decodes one message body into its http_message: content codings from the message's
 * Content-Encoding, then by Content-Type either a plain body or SSE / NDJSON events stamped
 * with the arrival time of the bytes that completed them.
 */
struct body_reader {
	struct http_message *m;
	struct body_dec *dec;		/* NULL when the coding is unsupported (raw bytes kept) */
	struct sse_parser sse;
	struct tt_buf body;
	struct body_limits lim;
	size_t events_alloc;
	size_t events_bytes;
	uint64_t ts;			/* arrival time of the bytes being fed */
	bool broken;			/* decoding stopped (lost bytes in a compressed stream) */
	bool truncated;			/* a cap cut the body or the event list */
	bool decomp_capped;		/* the decoded size cap stopped a compressed body */
	bool decode_error;		/* unsupported or corrupt content coding */
	bool incomplete;		/* bytes were lost or the coded stream ended early */
};

/* Reads Content-Type and Content-Encoding from m->headers. 0 or -ENOMEM. */
int body_reader__init(struct body_reader *r, struct http_message *m,
		      const struct body_limits *lim);
/* Body bytes (transfer coding removed) that arrived at ts. 0 or -ENOMEM. */
int body_reader__feed(struct body_reader *r, const void *p, size_t n, uint64_t ts);
/* The body goes through a content decoder (a caller may batch small pieces for it). */
bool body_reader__coded(const struct body_reader *r);
/* Bytes of the body were lost. */
void body_reader__gap(struct body_reader *r);
/* End of the body: fills m->body / m->events and m->kind. 0 or -ENOMEM. */
int body_reader__finish(struct body_reader *r, uint64_t ts);
/* Frees the reader's own state (not what it gave to the message). */
void body_reader__free(struct body_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* TT_BODY_H */
