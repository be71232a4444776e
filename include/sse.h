/* SPDX-License-Identifier: MIT */
/* sse.h: incremental splitter of text/event-stream and NDJSON bodies into events. */
#ifndef TT_SSE_H
#define TT_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sse_mode {
	SSE_MODE_SSE = 0, /* text/event-stream (WHATWG HTML, server-sent events) */
	SSE_MODE_NDJSON,  /* one event per non-empty line */
};

/*
 * A dispatched event; the views are valid during the callback only and are not NUL-terminated
 * (they may point into the buffer being fed).
 */
struct sse_event {
	const char *event; /* "event:" value, NULL if none */
	size_t event_len;
	const char *data; /* data lines joined with '\n' (NDJSON: the line) */
	size_t data_len;
	const char *id; /* "id:" value of this event, NULL if none */
	size_t id_len;
	long retry; /* "retry:" milliseconds of this event, -1 if none */
};

/* A negative return stops sse_parser__feed with that error. */
typedef int (*sse_event_fn)(const struct sse_event *ev, void *ctx);

struct sse_parser {
	enum sse_mode mode;
	size_t max_event;   /* bytes of one line or one event's data */
	struct tt_buf line; /* partial line */
	struct tt_buf data; /* data of the event being built */
	struct tt_buf event;
	struct tt_buf id;
	/*
	 * The event's only data line and its event name while they are still in the buffer being
	 * fed (NULL: none, or in data / event): copied only if the event outlives the feed call.
	 */
	const char *data_view, *event_view;
	size_t data_view_len, event_view_len;
	long retry;
	bool has_event, has_id;
	bool cr;	     /* last byte was CR: a following LF belongs to that line end */
	unsigned char bom;   /* BOM bytes matched at the start */
	bool started;	     /* BOM check done */
	bool skip_line;	     /* rest of an oversized line is dropped */
	bool skip_event;     /* rest of an oversized event, or after lost bytes, is dropped */
	uint64_t n_events;   /* dispatched */
	uint64_t n_oversize; /* events or lines dropped by max_event */
};

/* max_event 0 = TT_MAX_SSE_EVENT. */
void sse_parser__init(struct sse_parser *p, enum sse_mode mode, size_t max_event);
void sse_parser__free(struct sse_parser *p);
/* Splits buf; calls fn for each complete event. 0, -ENOMEM, or fn's negative return. */
int sse_parser__feed(struct sse_parser *p, const void *buf, size_t len, sse_event_fn fn, void *ctx);
/*
 * Bytes were lost: the partial line and event are dropped and parsing resumes after the next
 * empty line (SSE) or line end (NDJSON).
 */
void sse_parser__gap(struct sse_parser *p);
/*
 * End of the body: an NDJSON line without a final newline is delivered, and so is an SSE event
 * whose lines are complete but that lacks the final empty line (servers that close right after
 * the last event); a partial last line is dropped.
 */
int sse_parser__finish(struct sse_parser *p, sse_event_fn fn, void *ctx);

/*
 * Splits a whole body in one call (a stream that arrived as a plain body) with the rules of
 * the parser above and the default max_event, except that the end of buf also ends its last
 * line: a body cut by a cap still gives its last event, cut. 0, -ENOMEM or fn's negative
 * return.
 */
int sse_split_body(enum sse_mode mode, const void *buf, size_t len, sse_event_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TT_SSE_H */
