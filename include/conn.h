/* SPDX-License-Identifier: MIT */
/* conn.h: connection table: captured TLS plaintext chunks in, HTTP/1.x and HTTP/2 exchanges out. */
#ifndef TT_CONN_H
#define TT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "http2.h"
#include "http_exchange.h"
#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Zero fields take the defaults from tt_limits.h. */
struct conn_opts {
	size_t max_conns;	 /* TT_MAX_CONNS: the least recently used is dropped */
	size_t max_stream_buf;	 /* TT_MAX_STREAM_BUF: unconsumed bytes per direction */
	size_t max_header_bytes; /* TT_MAX_HEADER_BYTES: one head, one trailer section */
	size_t max_body;	 /* TT_MAX_BODY: decoded body (or event data) bytes */
	size_t max_event;	 /* TT_MAX_SSE_EVENT: one SSE event / NDJSON line */
	size_t max_events;	 /* TT_MAX_SSE_EVENTS: events per response */
	size_t max_pending;	 /* TT_MAX_PENDING_REQS: exchanges waiting per connection */
	uint64_t idle_ns;	 /* TT_CONN_IDLE_NS: conn_table__expire drops idler ones */
	size_t mem_budget;	 /* TT_MEM_BUDGET: bytes held by all connections together */
};

struct conn_stats {
	uint64_t records;   /* data records fed */
	uint64_t bytes;	    /* payload bytes fed */
	uint64_t dup_bytes; /* bytes received twice and dropped */
	uint64_t gaps;	    /* lost-byte events: position jumps, truncated calls */
	uint64_t bytes_lost;
	uint64_t resyncs;	    /* searches for the next message start */
	uint64_t non_http;	    /* connections skipped: not HTTP/1.x */
	uint64_t h2_prefaces;	    /* connections that began with the HTTP/2 client preface */
	uint64_t midstream;	    /* connections first seen in the middle of a message */
	uint64_t upgrades;	    /* connections that left HTTP/1 (101, CONNECT tunnel) */
	uint64_t skipped_bytes;	    /* bytes dropped on skipped connections */
	uint64_t parse_errors;	    /* malformed heads, lengths, chunk framing */
	uint64_t decode_errors;	    /* content codings that could not be decoded */
	uint64_t decompress_capped; /* compressed bodies cut by the decoded-size cap */
	uint64_t caps_hit;	    /* any cap: head, body, events, pending, tail, conns */
	uint64_t conns_opened;
	uint64_t conns_closed;	/* by conn_table__close / __proc_exit */
	uint64_t conns_evicted; /* dropped at max_conns */
	uint64_t conns_expired; /* dropped by conn_table__expire */
	uint64_t exchanges;	/* delivered to the sink */
	uint64_t incomplete;	/* delivered with HTTP_X_INCOMPLETE */
	/* HTTP/2: frames, streams, HPACK state, caps, decode errors (not in the fields above) */
	struct h2_stats h2;
};

struct conn_table;

/*
 * opts NULL = defaults. sink receives each finished exchange (ownership passes), in order per
 * connection (HTTP/2: as streams end). NULL with errno set on failure.
 */
struct conn_table *conn_table__new(const struct conn_opts *opts, http_exchange_sink_fn sink,
				   void *ctx);
/*
 * Receives each request head as soon as it is parsed, before its body and its response: an
 * HTTP/1 head, or an HTTP/2 HEADERS block that opens a request stream. x is the exchange being
 * built, owned by the table and valid only during the call: where it happened (pid, tid, conn,
 * HTTP_X_SERVER_SIDE), req.start_ns (the arrival of the head's first byte), method, target,
 * host and the request headers (credentials removed). The same exchange (the same pointer)
 * reaches the sink later, with the same conn and req.start_ns. Called inside conn_table__feed:
 * it must not call back into the table.
 */
typedef void (*conn_head_fn)(const struct http_exchange *x, void *ctx);

/* Frees the table; exchanges not delivered yet are dropped (call __flush first). NULL-safe. */
void conn_table__free(struct conn_table *t);
/* Sets the head sink (NULL: none); it gets the ctx given to conn_table__new. */
void conn_table__set_head_sink(struct conn_table *t, conn_head_fn head);
/*
 * One captured chunk: rec header plus rec->len payload bytes, rec_size bytes in all. The key
 * is (rec->h.pid, rec->conn). TT_DIR_WRITE carries requests unless the connection turns out
 * to be server side. A connection that starts with the HTTP/2 preface, a server's SETTINGS or
 * HTTP/2 frames (tracing began inside it) is decoded as HTTP/2: each stream is an exchange,
 * delivered when it ends, with seq in request order. Exchanges are TLS unless the records come
 * from a plaintext socket (TT_SRC_SOCK). The key is an address that a new connection may take
 * over from a closed one (an SSL*, a Go *tls.Conn): a call that can only start a connection (at
 * position 0 after bytes, the HTTP/2 client preface, an HTTP/1 message start where HTTP/2
 * frames ran) ends the old one and starts a new one. 0, -EINVAL on a malformed record, -ENOMEM.
 */
int conn_table__feed(struct conn_table *t, const struct tt_data *rec, size_t rec_size);
/* SSL_free: what is complete is delivered; a response delimited by close ends here. */
void conn_table__close(struct conn_table *t, uint32_t pid, uint64_t conn, uint64_t ts_ns);
/* The process exited: its connections are closed. */
void conn_table__proc_exit(struct conn_table *t, uint32_t pid, uint64_t ts_ns);
/* Socket fd and numeric peer address of a connection (addr may be NULL). */
void conn_table__set_peer(struct conn_table *t, uint32_t pid, uint64_t conn, int fd,
			  const char *addr, uint16_t port);
/* A connect() (TT_REC_CONNECT): kept by (pid, fd) until a connection names that socket. */
void conn_table__connect(struct conn_table *t, const struct tt_connect *c);
/*
 * A TLS connection learnt its socket (TT_REC_SSL_FD): its fd, and the peer that (pid, fd)
 * connect()ed to, or none. Returns whether the peer became known.
 */
bool conn_table__ssl_fd(struct conn_table *t, const struct tt_conn_ev *e);
/* A plaintext socket (TT_REC_SOCK): its fd and peer. */
void conn_table__sock(struct conn_table *t, const struct tt_sock *s);
/* When (pid, fd) connect()ed to port: the start of a TLS connection; 0 when not seen. */
uint64_t conn_table__connect_ns(const struct conn_table *t, uint32_t pid, int32_t fd,
				uint16_t port);
/* Drops connections idle since before now_ns - idle_ns, delivering what they hold. */
void conn_table__expire(struct conn_table *t, uint64_t now_ns);
/* Shutdown: delivers every pending exchange, flagged incomplete where it is. */
void conn_table__flush(struct conn_table *t);
const struct conn_stats *conn_table__stats(const struct conn_table *t);
/* Open connections. */
size_t conn_table__count(const struct conn_table *t);
/*
 * The byte budget over every connection's unparsed bytes, bodies being decoded, decoders and
 * exchanges waiting in queues: used, high-water mark, holders dropped (largest first) and the
 * bytes they held. A dropped body reaches the sink empty, flagged HTTP_X_MEM_DROPPED and
 * truncated.
 */
const struct tt_budget *conn_table__budget(const struct conn_table *t);

#ifdef __cplusplus
}
#endif
#endif /* TT_CONN_H */
