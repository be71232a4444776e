/* SPDX-License-Identifier: MIT */
/* eventstream.h: incremental decoder of AWS application/vnd.amazon.eventstream bodies. */
#ifndef TT_EVENTSTREAM_H
#define TT_EVENTSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A message (AWS event stream encoding): a 12-byte prelude (total length, headers length, both
 * big-endian u32, and the CRC32 of those 8 bytes), the headers, the payload and the CRC32 of
 * all that precedes it. A header is a 1-byte name length, the name, a 1-byte value type and the
 * value (types below).
 */
#define EVENTSTREAM_PRELUDE 12
#define EVENTSTREAM_MIN_MSG 16 /* prelude and message CRC */

enum eventstream_type {
	EVENTSTREAM_TRUE = 0,
	EVENTSTREAM_FALSE = 1,
	EVENTSTREAM_BYTE = 2,
	EVENTSTREAM_SHORT = 3,
	EVENTSTREAM_INT = 4,
	EVENTSTREAM_LONG = 5,
	EVENTSTREAM_BYTES = 6,
	EVENTSTREAM_STRING = 7,
	EVENTSTREAM_TIMESTAMP = 8,
	EVENTSTREAM_UUID = 9,
};

/* One header; views into the message. */
struct eventstream_header {
	const char *name;
	size_t name_len;
	enum eventstream_type type;
	const unsigned char *value; /* bytes / string / uuid bytes; NULL for the others */
	size_t value_len;
	int64_t num; /* bool (1/0), byte, short, int, long, timestamp (ms) */
};

/* A decoded message; views valid during the callback only, strings not NUL-terminated. */
struct eventstream_msg {
	const unsigned char *headers; /* walk with eventstream_header_next() */
	size_t headers_len;
	const unsigned char *payload;
	size_t payload_len;
	/* string values of the headers that say what the message is; NULL when absent */
	const char *message_type; /* ":message-type": "event", "exception" or "error" */
	size_t message_type_len;
	const char *event_type; /* ":event-type" of an event, ":exception-type" of an exception,
				 * ":error-code" of an error */
	size_t event_type_len;
	const char *error_message; /* ":error-message" of an error */
	size_t error_message_len;
};

/*
 * The header at *p (*n bytes left of the headers) into h, advancing *p and *n: 1, 0 at the end,
 * -EBADMSG when it is malformed (an unknown type, a value past the end).
 */
int eventstream_header_next(const unsigned char **p, size_t *n, struct eventstream_header *h);

/* A negative return stops eventstream_parser__feed with that error. */
typedef int (*eventstream_msg_fn)(const struct eventstream_msg *msg, void *ctx);

struct eventstream_parser {
	size_t max_msg;	     /* bytes of one message; longer ones are skipped, counted */
	struct tt_buf msg;   /* a message split across feeds, prelude first */
	size_t need;	     /* total length of the message in msg, 0: prelude not read yet */
	size_t skip;	     /* bytes of an oversized message still to pass over */
	bool sync;	     /* after lost or corrupt bytes: looking for a valid prelude */
	uint64_t n_msgs;     /* delivered */
	uint64_t n_oversize; /* skipped by max_msg */
	uint64_t n_bad;	     /* dropped: bad CRC or headers, or bytes skipped to resync */
};

/* max_msg 0 = TT_MAX_SSE_EVENT (the cap of one streamed event). */
void eventstream_parser__init(struct eventstream_parser *p, size_t max_msg);
void eventstream_parser__free(struct eventstream_parser *p);
/*
 * Splits buf into messages, calling fn for each whole one whose CRCs and headers are valid. A
 * prelude with a bad CRC (not an event stream, or bytes lost) makes the parser look, byte by
 * byte, for the next valid prelude. Linear in len; holds at most one message (max_msg).
 * 0, -ENOMEM or fn's negative return.
 */
int eventstream_parser__feed(struct eventstream_parser *p, const void *buf, size_t len,
			     eventstream_msg_fn fn, void *ctx);
/* Bytes were lost: the partial message is dropped and the next valid prelude is looked for. */
void eventstream_parser__gap(struct eventstream_parser *p);
/* End of the body: true when a message was left partial (the stream was cut). */
bool eventstream_parser__partial(const struct eventstream_parser *p);

/* A whole body in one call (default max_msg). 0, -ENOMEM or fn's negative return. */
int eventstream_split_body(const void *buf, size_t len, eventstream_msg_fn fn, void *ctx);

/* The first bytes of buf (len >= EVENTSTREAM_PRELUDE) are a prelude with a valid CRC. */
bool eventstream_is_prelude(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_EVENTSTREAM_H */
