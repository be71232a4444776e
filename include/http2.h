/* SPDX-License-Identifier: MIT */
/* http2.h: HTTP/2 frame codec and session decoder (HPACK via nghttp2): streams to exchanges. */
#ifndef TT_HTTP2_H
#define TT_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "body_reader.h"
#include "http_exchange.h"
#include "tt_limits.h"
#include "tt_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

#define H2_CLIENT_PREFACE      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN	       24
#define H2_FRAME_HEADER_LEN    9
#define H2_DEFAULT_FRAME       16384 /* SETTINGS_MAX_FRAME_SIZE before any SETTINGS */
#define H2_DEFAULT_HPACK_TABLE 4096  /* SETTINGS_HEADER_TABLE_SIZE default */

enum h2_frame_type {
	H2_DATA = 0,
	H2_HEADERS = 1,
	H2_PRIORITY = 2,
	H2_RST_STREAM = 3,
	H2_SETTINGS = 4,
	H2_PUSH_PROMISE = 5,
	H2_PING = 6,
	H2_GOAWAY = 7,
	H2_WINDOW_UPDATE = 8,
	H2_CONTINUATION = 9,
};

enum h2_frame_flags {
	H2_F_END_STREAM = 0x01,	 /* DATA, HEADERS */
	H2_F_ACK = 0x01,	 /* SETTINGS, PING */
	H2_F_END_HEADERS = 0x04, /* HEADERS, PUSH_PROMISE, CONTINUATION */
	H2_F_PADDED = 0x08,	 /* DATA, HEADERS, PUSH_PROMISE */
	H2_F_PRIORITY = 0x20,	 /* HEADERS */
};

struct h2_frame_hdr {
	uint32_t len; /* payload length (24 bits) */
	uint8_t type;
	uint8_t flags;
	uint32_t stream; /* reserved bit cleared */
};

/* Decodes the 9-byte frame header at p: H2_FRAME_HEADER_LEN, or TT_NEED_MORE when n < 9. */
long h2_parse_frame_header(const uint8_t *p, size_t n, struct h2_frame_hdr *f);
/*
 * The header block fragment (HEADERS, PUSH_PROMISE) or data (DATA) of a whole frame payload:
 * padding, priority fields and the promised stream id are removed. Other types: the payload.
 * 0, or -EBADMSG when padding or the fixed fields do not fit the payload.
 */
int h2_frame_fragment(const struct h2_frame_hdr *f, const uint8_t *payload, const uint8_t **frag,
		      size_t *frag_len);
/*
 * Whether a frame header is well-formed for its type: stream 0 or not as the type requires,
 * fixed payload sizes (PING 8, RST_STREAM 4, ...) and length <= max_len. Unknown types are
 * well-formed (they are ignored). 0 or -EBADMSG.
 */
int h2_frame_check(const struct h2_frame_hdr *f, uint32_t max_len);
/*
 * Whether the 9 bytes at p are a frame header a peer could have sent as the first one of a
 * call: a known type before CONTINUATION, defined flags, the reserved bit clear, well-formed.
 */
bool h2_frame_plausible(const uint8_t *p, uint32_t max_len);

enum h2_sniff {
	H2_SNIFF_NO = -1, /* not an HTTP/2 frame */
	H2_SNIFF_MORE = TT_NEED_MORE,
	H2_SNIFF_SERVER_PREFACE = 1, /* a SETTINGS frame: a server starting a connection */
	H2_SNIFF_FRAMES,	     /* a frame of a known type: a connection already running */
};

/*
 * Classifies the first captured bytes of a direction that are not HTTP/1 and not the client
 * preface. Known types, defined flags and stream-id rules are required, the length at most
 * H2_DEFAULT_FRAME, and a second frame header when the buffer holds one.
 */
enum h2_sniff h2_sniff(const uint8_t *p, size_t n);

/* Who sent the bytes: the client sends requests. */
enum h2_side {
	H2_C2S = 0,
	H2_S2C = 1,
};

/* How a session starts. */
enum h2_start {
	H2_START_PREFACE = 0, /* the client preface is next on the client side */
	H2_START_MIDSTREAM,   /* tracing began inside the connection: HPACK unknown */
};

struct h2_stats {
	uint64_t conns;	    /* sessions started */
	uint64_t midstream; /* of which began mid-connection */
	uint64_t frames;
	uint64_t streams;	  /* streams that became exchanges */
	uint64_t unknown_streams; /* frames of streams opened before tracing: skipped */
	uint64_t protocol_errors; /* malformed frames, bad stream ids, bad fields */
	uint64_t hpack_errors;	  /* header blocks that failed to decode */
	uint64_t hpack_resets;	  /* untrusted HPACK contexts restarted after an error */
	uint64_t broken;	  /* sessions stopped: HPACK failed on a trusted context */
	uint64_t sync_lost;	  /* directions that lost frame boundaries (lost bytes) */
	uint64_t resyncs;	  /* ... and found them again at a call boundary */
	uint64_t resets;	  /* RST_STREAM frames */
	uint64_t goaways;
	uint64_t caps_hit;	/* frame size, streams, header bytes, body caps */
	uint64_t decode_errors; /* content codings that could not be decoded */
	uint64_t decompress_capped;
};

/* Zero fields take the defaults from tt_limits.h. */
struct h2_opts {
	size_t max_header_bytes; /* TT_MAX_HEADER_BYTES: decoded fields of one block */
	size_t max_streams;	 /* TT_H2_MAX_STREAMS: open streams tracked */
	uint32_t max_frame;	 /* TT_H2_MAX_FRAME: largest frame accepted */
	struct body_limits lim;	 /* TT_MAX_BODY, TT_MAX_SSE_EVENT, TT_MAX_SSE_EVENTS */
	struct h2_stats *stats;	 /* counters (shared by sessions), NULL = the session's */
	const char *name;	 /* identity in log lines ("pid=1 ssl=0x2") */
	struct tt_acct *acct;	 /* streams' bodies are charged within it (NULL: not) */
};

struct h2_session;

/*
 * One HTTP/2 connection. Exchanges go to sink as their streams finish (both END_STREAMs, a
 * RST_STREAM, a GOAWAY that excludes them, or the end of the session); seq numbers follow the
 * order in which requests began. pid, conn, fd and peer are the caller's to fill. NULL with
 * errno set on failure.
 */
struct h2_session *h2_session__new(const struct h2_opts *opts, enum h2_start start,
				   http_exchange_sink_fn sink, void *ctx);
/*
 * A HEADERS block opened a request stream: x is its exchange being built (the session's, valid
 * only during the call), with its request head, tid, seq and req.start_ns.
 */
typedef void (*h2_head_fn)(struct http_exchange *x, void *ctx);
/* Reports each request head to head (NULL: none), with the ctx given to h2_session__new. */
void h2_session__set_head_sink(struct h2_session *s, h2_head_fn head);
/* Delivers nothing (call __end first); NULL-safe. */
void h2_session__free(struct h2_session *s);
/* The open stream holding the most bytes of the budget: its bytes (0: none) and its index. */
size_t h2_session__largest(const struct h2_session *s, size_t *idx);
/*
 * The budget drops stream idx's bodies (freed, flagged HTTP_X_MEM_DROPPED and truncated); a
 * body reader that is charging (under charging) is only marked, it frees itself.
 */
void h2_session__drop(struct h2_session *s, size_t idx, const struct tt_acct *charging);
/*
 * Bytes from one side that arrived at ts, moved by thread tid. Returns the bytes consumed:
 * whole frames (DATA payload is consumed as it comes); the rest must be offered again, with
 * what follows it, at the next call. Never fails: problems are counted and recovered from.
 */
size_t h2_session__feed(struct h2_session *s, enum h2_side side, const uint8_t *p, size_t n,
			uint64_t ts, uint32_t tid);
/* lost bytes (0: an unknown number) are missing on side: its frame boundaries are lost. */
void h2_session__gap(struct h2_session *s, enum h2_side side, uint64_t lost);
/* The next byte fed on side starts a read or write call: a frame boundary to resync at. */
void h2_session__call_start(struct h2_session *s, enum h2_side side);
/*
 * The connection ended at ts (closed: really closed, otherwise no longer watched): open
 * streams are delivered, flagged for what they lack.
 */
void h2_session__end(struct h2_session *s, uint64_t ts, bool closed);
/* Whether HPACK failed on a trusted context: nothing more comes from this session. */
bool h2_session__broken(const struct h2_session *s);
/* Open streams. */
size_t h2_session__streams(const struct h2_session *s);

#ifdef __cplusplus
}
#endif
#endif /* TT_HTTP2_H */
