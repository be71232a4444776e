/* SPDX-License-Identifier: MIT */
/*
 * conn_internal.h: the connection table's internals: conn.c (the table, sniffing, dispatch)
 * calls the protocol halves conn_http1.c and conn_h2.c, and all of them conn_core.c.
 */
#ifndef TT_CONN_INTERNAL_H
#define TT_CONN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "body_reader.h"
#include "buf.h"
#include "chunked.h"
#include "conn.h"
#include "http1.h"
#include "http2.h"
#include "stream.h"

enum half_state {
	HS_SNIFF = 0, /* protocol not known yet */
	HS_HEAD,      /* at a message start: reading a head */
	HS_BODY,
	HS_RESYNC, /* after lost or bad bytes: looking for the next message start */
	HS_SKIP,   /* not HTTP/1: bytes are dropped */
	HS_H2,	   /* HTTP/2: bytes go to the connection's h2 session */
	HS_WS,	   /* WebSocket frames (conn_ws.c), after 101 Switching Protocols */
};

/* Stop the parse loop: the rest must wait for more bytes. */
#define STOP (-1)

/* One direction of a connection. */
struct half {
	struct stream st;
	enum half_state state;
	int dir;	 /* enum tt_dir */
	bool is_req;	 /* carries requests */
	bool line_start; /* resync: the next byte starts a line */
	bool lost;	 /* bytes lost before the next message: flag it */
	bool call_known; /* call_pos holds the current call's first position */
	uint64_t call_pos;
	uint64_t head_ts; /* arrival of the current head's first byte */
	uint32_t head_tid;
	uint64_t ts;	 /* arrival of the bytes being parsed */
	uint32_t tid;	 /* thread that moved them */
	int frame;	 /* enum http1_framing */
	uint64_t remain; /* HTTP1_FRAME_LENGTH: body bytes left */
	struct chunked_dec ch;
	struct tt_buf trailers;
	bool reading; /* br is initialised */
	struct body_reader br;
	struct http_exchange *x; /* exchange whose message this half is reading */
	struct http_message *m;
};

/* An exchange waiting on its connection, in request order. */
struct pend {
	struct http_exchange *x;
	size_t held; /* bytes of its finished messages, in the connection's holder */
	bool req_done;
	bool resp_seen;
	bool resp_done;
};

enum conn_proto { P_UNKNOWN = 0, P_HTTP1, P_SKIP, P_HTTP2 };

struct conn {
	struct conn *hnext;	    /* hash chain */
	struct conn *older, *newer; /* LRU list */
	uint32_t pid;
	uint64_t id;
	uint64_t last_ts;
	int fd;
	char peer[64];
	uint16_t port;
	bool tls;    /* its records are TLS plaintext, not a plain socket's */
	uint8_t src; /* enum tt_src of its records */
	uint8_t lib; /* enum tt_lib of its records */
	enum conn_proto proto;
	bool server_side;
	bool midstream;	      /* tracing began inside it: looking for a first message */
	uint32_t probe_bytes; /* bytes searched for it so far */
	bool warned;	      /* a cap was logged for this connection */
	uint64_t seq;
	struct half h[2]; /* by enum tt_dir */
	size_t nq;
	struct pend *q;
	struct tt_acct acct;	  /* all it holds of the table's budget */
	struct h2_session *h2;	  /* P_HTTP2 */
	struct conn_table *table; /* P_HTTP2: the h2 session's sink needs it */
	struct conn_ws *ws;	  /* after a 101 to WebSocket (conn_ws.c) */
};

/* Where a process's socket fd connect()ed to, and when. */
struct conn_peer {
	uint32_t pid;
	int32_t fd;
	uint16_t port;
	uint64_t ts; /* of the connect(): the start of a TLS connection span */
	char addr[INET6_ADDRSTRLEN];
};

struct conn_peers;

struct conn_table {
	struct conn_opts o;
	struct body_limits lim;
	http_exchange_sink_fn sink;
	conn_head_fn head_sink; /* may be NULL */
	void *ctx;		/* of both */
	struct conn **buckets;
	size_t nbuckets;
	size_t count;
	struct conn *oldest, *newest;
	struct conn_stats st;
	bool warned_full;
	struct http1_head head;	  /* scratch: parsed head views */
	struct tt_buf gather;	  /* scratch: chunk data of one read, for a decoder */
	struct conn_peers *peers; /* connect() targets, from the first one on */
	struct tt_budget budget;  /* over every connection's holders */
};

#define GATHER_MAX (16u * 1024) /* chunk data of one read gathered (conn_http1.c) */

/* ---- conn_peer.c: connect() targets by (pid, fd) ---- */

/* Records a connect(); the table is made on the first. 0 or -ENOMEM. */
int conn_peers__add(struct conn_peers **pp, const struct tt_connect *c);
/* What (pid, fd) last connected to, or NULL (p may be NULL). */
const struct conn_peer *conn_peers__find(const struct conn_peers *p, uint32_t pid, int32_t fd);
void conn_peers__free(struct conn_peers *p);

/* ---- conn_core.c: used by every protocol ---- */

/* A cap was hit on c: counted, and logged once per connection. */
void conn_cap(struct conn_table *t, struct conn *c, const char *what);
/* Stamps x with where it happened: c's process, connection, socket, peer and side. */
void conn_stamp(const struct conn *c, struct http_exchange *x);
/* Counts x and hands it to the table's sink (freed when there is none): the one way out. */
void conn_sink(struct conn_table *t, struct http_exchange *x);
/* A request head was parsed into x (still the table's): to the head sink, if there is one. */
void conn_head(struct conn_table *t, const struct http_exchange *x);
/* c is given up (not HTTP, a tunnel): its bytes are dropped from now on. */
void conn_skip(struct conn *c);

/* ---- conn_http1.c ---- */

/* c speaks HTTP/1 (midstream: tracing began inside a message; look for the next start). */
void conn_http1_start(struct conn_table *t, struct conn *c, bool midstream);
/* Bytes of an HTTP/1 half: returns those consumed (the rest waits in the tail). */
size_t conn_http1_parse(struct conn_table *t, struct conn *c, struct half *h,
			const unsigned char *p, size_t n);
/* lost bytes are missing before what comes next on an HTTP/1 half (cut: by the capture cap). */
void conn_http1_gap(struct conn_table *t, struct conn *c, struct half *h, uint64_t lost, bool cut);
/* Bytes of h were dropped: it looks for the next message start (at a line start: line_start). */
void conn_http1_lost(struct half *h, bool line_start);
/* The budget drops what c's queue entry idx holds: its finished bodies. */
void conn_http1_drop(struct conn_table *t, struct conn *c, size_t idx);
/* Delivers the exchanges at the head of c's queue whose request and response are done. */
void conn_deliver_ready(struct conn_table *t, struct conn *c);
/* The connection ends (closed: really closed): open messages end, the queue is delivered. */
void conn_http1_end(struct conn_table *t, struct conn *c, uint64_t ts, bool closed);

/* ---- conn_ws.c: a connection that became a WebSocket ---- */

struct conn_ws;

/* x is a 101 Switching Protocols to WebSocket. */
bool conn_ws_is_upgrade(const struct http_exchange *x);
/*
 * x (the 101 exchange, off the queue) takes c over: both halves read WebSocket frames into
 * its events until the connection ends. 0, or -ENOMEM (x stays the caller's).
 */
int conn_ws_start(struct conn_table *t, struct conn *c, struct http_exchange *x);
/* Frames of half h: all n bytes are taken (a partial frame waits in the parser). */
size_t conn_ws_parse(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		     size_t n);
/* Bytes of h were lost or dropped: its frames end there (the exchange is incomplete). */
void conn_ws_lost(struct conn *c, struct half *h);
/* Bytes the exchange's messages hold in the budget; the budget drops them. */
size_t conn_ws_held(const struct conn *c);
struct tt_acct *conn_ws_acct(struct conn *c);
void conn_ws_drop(struct conn_table *t, struct conn *c);
/* The connection ends at ts (0: unknown): the exchange is delivered. */
void conn_ws_end(struct conn_table *t, struct conn *c, uint64_t ts);
void conn_ws__free(struct conn_ws *w);

/* ---- conn_h2.c ---- */

/*
 * The first bytes of half h are not HTTP/1: the HTTP/2 client preface (preface), a server's
 * first SETTINGS or frames of a running connection. Switches the connection to HTTP/2 and
 * returns 0, or returns STOP (more bytes needed) or -EPROTONOSUPPORT (not HTTP/2).
 */
long conn_h2_sniff(struct conn_table *t, struct conn *c, struct half *h, const char *p, size_t n,
		   bool preface);
/* Bytes of an HTTP/2 half: returns those consumed (the rest waits in the tail). */
size_t conn_h2_parse(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		     size_t n);
/* lost bytes (0: an unknown number) are missing on an HTTP/2 half. */
void conn_h2_gap(struct conn_table *t, struct conn *c, struct half *h, uint64_t lost);
/* A read or write call starts on an HTTP/2 half, at the start of its unparsed bytes. */
void conn_h2_call_start(struct conn *c, struct half *h);
/* The connection ends (closed: really closed): open streams are delivered. */
void conn_h2_end(struct conn_table *t, struct conn *c, uint64_t ts, bool closed);

#endif /* TT_CONN_INTERNAL_H */
