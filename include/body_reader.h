/* SPDX-License-Identifier: MIT */
/*
 * body_reader.h: the message body reader (content codings by coding.h, then plain, SSE, NDJSON
 * or AWS event stream).
 */
#ifndef TT_BODY_READER_H
#define TT_BODY_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "coding.h"
#include "eventstream.h"
#include "http_exchange.h"
#include "sse.h"

#ifdef __cplusplus
extern "C" {
#endif

struct body_limits {
	size_t max_body;   /* decoded bytes kept (plain), or event data bytes kept */
	size_t max_event;  /* one SSE event / NDJSON line */
	size_t max_events; /* events kept */
};

/*
 * Decodes one message body into its http_message: content codings from the message's
 * Content-Encoding, then by Content-Type either a plain body or SSE / NDJSON / event stream
 * events stamped
 * with the arrival time of the bytes that completed them.
 */
struct body_reader {
	struct http_message *m;
	struct coding_dec *dec; /* NULL when the coding is unsupported (raw bytes kept) */
	struct sse_parser sse;
	struct eventstream_parser es; /* HTTP_BODY_EVENTSTREAM */
	struct tt_buf body;
	struct body_limits lim;
	size_t events_alloc;
	size_t events_bytes;
	uint64_t ts;	     /* arrival time of the bytes being fed */
	bool broken;	     /* decoding stopped (lost bytes in a compressed stream) */
	bool truncated;	     /* a cap cut the body or the event list */
	bool decomp_capped;  /* the decoded size cap stopped a compressed body */
	bool decode_error;   /* unsupported or corrupt content coding */
	bool incomplete;     /* bytes were lost or the coded stream ended early */
	bool mem_dropped;    /* the memory budget dropped the body (truncated is set too) */
	struct tt_acct acct; /* what it holds of a byte budget: buffers, decoder, events */
	size_t dec_bytes;    /* the decoder's share of it */
};

/*
 * The event kept of an event stream message (HTTP_BODY_EVENTSTREAM): event its :event-type
 * (:exception-type, :error-code), id its :message-type, data its payload, or an error's
 * :error-message. Views into msg.
 */
void body_reader_message_event(const struct eventstream_msg *msg, struct sse_event *ev);

/*
 * Reads Content-Type and Content-Encoding from m->headers. What the reader stores (its buffers,
 * its decoder, the events it gives m) is charged to r->acct, counted in up and its budget (up
 * NULL: not accounted); what it gave m stays in r->acct after __free, for the caller. 0 or
 * -ENOMEM.
 */
int body_reader__init(struct body_reader *r, struct http_message *m, const struct body_limits *lim,
		      struct tt_acct *up);
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
/*
 * The budget drops the body: what it holds is freed (the message's body and events too) and
 * later bytes are ignored, flagged truncated. in_use: a charge of this reader is under way:
 * only marked, the reader frees it when that returns.
 */
void body_reader__drop(struct body_reader *r, bool in_use);

#ifdef __cplusplus
}
#endif
#endif /* TT_BODY_READER_H */
