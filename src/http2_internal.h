/* SPDX-License-Identifier: MIT */
/*
 * http2_internal.h: the HTTP/2 session's state: http2.c (frames) calls http2_hdrs.c (header
 * blocks), and both call http2_stream.c (streams, caps, errors, HPACK contexts).
 */
#ifndef TT_HTTP2_INTERNAL_H
#define TT_HTTP2_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#include "body_reader.h"
#include "http2.h"
#include "http_exchange.h"

enum dir_sync {
	DS_PREFACE = 0, /* the client preface comes next */
	DS_FRAMES,	/* at frame boundaries */
	DS_LOST,	/* bytes were lost: dropping until a call starts */
	DS_PROBE,	/* a call starts: resume if a plausible frame header is there */
};

enum blk_kind { BK_DISCARD = 0, BK_REQUEST, BK_RESPONSE, BK_TRAILERS };

/* A header block being decoded (HEADERS or PUSH_PROMISE, then CONTINUATIONs). */
struct h2_block {
	enum blk_kind kind;
	uint32_t stream;
	bool end_stream;
	bool failed;  /* HPACK failed inside it: the rest of it is not decoded */
	bool bad;     /* a field broke the HTTP/2 rules */
	bool capped;  /* fields dropped at the header caps */
	bool regular; /* a regular field was seen (pseudo-fields come first) */
	size_t bytes; /* decoded name and value bytes */
	uint64_t ts;
	uint32_t tid;
	uint64_t wire;
	char *method, *path, *authority, *status;
	struct http_headers h;
};

struct h2_stream {
	uint32_t id;
	struct http_exchange *x;
	bool req_done;
	bool resp_seen; /* final response headers */
	bool resp_done;
	bool lost;	 /* some of its frames were lost */
	bool reading[2]; /* br[side] is initialised */
	struct body_reader br[2];
	struct tt_acct acct; /* its bodies, read and being read, of the budget */
};

/* Decoding state of the frames one side sends. */
struct h2_dir {
	nghttp2_hd_inflater *hd;
	enum dir_sync sync;
	bool trusted; /* the HPACK context was followed from the connection start */
	bool was_lost;
	uint32_t max_frame; /* largest frame the other side accepts (its SETTINGS) */
	size_t table;	    /* dynamic table size the inflater allows */
	size_t want_table;  /* what the other side's SETTINGS allow: applied between blocks */
	bool in_block;
	struct h2_block blk;
	uint32_t data_stream; /* DATA frame being streamed */
	uint32_t data_left;
	uint32_t pad_left;
	bool data_end;
	uint64_t skip_left; /* frame being skipped */
	uint64_t frame_ts;  /* arrival of the first byte of a frame still incomplete */
	uint64_t ts;
	uint32_t tid;
};

struct h2_session {
	struct h2_opts o;
	struct h2_stats own;
	struct h2_stats *st;
	http_exchange_sink_fn sink;
	h2_head_fn head; /* may be NULL */
	void *ctx;	 /* of both */
	struct h2_dir d[2];
	struct h2_stream **v; /* open streams, oldest first */
	size_t n;
	size_t cap;	   /* room in v */
	uint32_t last_c2s; /* highest stream id a request opened */
	uint64_t seq;
	uint64_t last_ts;
	bool broken;
	bool warned;
	char name[64];
};

/* ---- http2_stream.c ---- */

/* A cap was hit: counted, and logged once per session. */
void h2_cap(struct h2_session *s, const char *what);
/* The peer broke the protocol on a stream: counted, logged at debug level. */
void h2_proto_error(struct h2_session *s, const char *what, uint32_t stream);
/* The open stream with this id, or NULL. */
struct h2_stream *h2_stream_find(const struct h2_session *s, uint32_t id);
/*
 * Opens stream id with a fresh exchange; at the cap on open streams the oldest one is closed
 * first (at ts). NULL when out of memory.
 */
struct h2_stream *h2_stream_open(struct h2_session *s, uint32_t id, uint64_t ts);
/* The request (side 0) or response message of a stream. */
struct http_message *h2_msg_of(struct h2_stream *st, int side);
/* Sets up the body reader of one side of a stream (failing that, the exchange is incomplete). */
void h2_reader_begin(struct h2_session *s, struct h2_stream *st, int side);
/* Ends the body reader of one side of a stream at ts, if it has one: its flags to the exchange. */
void h2_reader_end(struct h2_session *s, struct h2_stream *st, int side, uint64_t ts);
/* The stream is over, whatever it has seen: its exchange goes out flagged for what it lacks. */
void h2_stream_close(struct h2_session *s, struct h2_stream *st, uint64_t ts, uint32_t flags);
/* Every open stream is closed at ts, flagged with flags. */
void h2_streams_close_all(struct h2_session *s, uint64_t ts, uint32_t flags);
/* Frees the open streams and their exchanges, delivering nothing. */
void h2_streams_free(struct h2_session *s);
/* One side of a stream ended at ts (complete: with END_STREAM). */
void h2_msg_end(struct h2_session *s, struct h2_stream *st, int side, uint64_t ts, bool complete);
/* A fresh HPACK context whose output is right or fails, never wrong (see dir_lose, http2.c). */
void h2_ctx_reset(struct h2_session *s, struct h2_dir *d);
/* Frees the fields a header block holds. */
void h2_block_free(struct h2_block *b);
/* A header block could not be decoded. */
void h2_hpack_fail(struct h2_session *s, int side, const char *why);

/* ---- http2_hdrs.c ---- */

/* A HEADERS or PUSH_PROMISE frame starts a header block on this side. */
void h2_block_begin(struct h2_session *s, int side, const struct h2_frame_hdr *f);
/* Fragment bytes of the block (end: its last ones); wire: frame bytes to count for it. */
void h2_block_feed(struct h2_session *s, int side, const uint8_t *p, size_t n, bool end,
		   uint64_t wire);
/* A block whose end will never come (another frame cut in, or its frame was dropped). */
void h2_block_abort(struct h2_session *s, int side, uint32_t stream);

#endif /* TT_HTTP2_INTERNAL_H */
