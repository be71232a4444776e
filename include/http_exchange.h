/* SPDX-License-Identifier: MIT */
/* http_exchange.h: one reassembled HTTP request/response pair, the input of every later stage. */
#ifndef TT_HTTP_EXCHANGE_H
#define TT_HTTP_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct http_header {
	char *name;  /* as sent (compare case-insensitively) */
	char *value; /* folded lines joined with one space */
};

struct http_headers {
	struct http_header *v;
	size_t n;
	size_t alloc; /* room in v when grown by tt_ensure_mem(); 0: exactly n */
};

/* Storage of event strings: a list of blocks, opaque (http_exchange.c). */
struct http_str_block;

/* One SSE event, NDJSON line or event stream message of a streaming response body. */
struct http_event {
	char *event; /* SSE "event:" field, NULL if none (NDJSON: NULL) */
	char *data;  /* SSE data lines joined with '\n'; NDJSON: the line */
	size_t data_len;
	char *id;	/* SSE "id:" field or NULL */
	uint64_t ts_ns; /* arrival time of the bytes that completed the event */
};

enum http_body_kind {
	HTTP_BODY_NONE = 0,
	HTTP_BODY_PLAIN,  /* body[] holds the decoded body */
	HTTP_BODY_SSE,	  /* text/event-stream: events[] */
	HTTP_BODY_NDJSON, /* application/x-ndjson (Ollama): events[] */
	/*
	 * application/vnd.amazon.eventstream (AWS): events[], one per message: event its
	 * :event-type (:exception-type, :error-code), id its :message-type, data its payload
	 * (an error's :error-message)
	 */
	HTTP_BODY_EVENTSTREAM,
	/*
	 * A WebSocket (conn_ws.c): events[] are the messages its side sent, in order, event
	 * "text", "binary" or "close", data the message (inflated, fragments joined)
	 */
	HTTP_BODY_WS,
};

enum http_x_flags {
	HTTP_X_INCOMPLETE = 1 << 0,	/* bytes were lost (gap) or the stream ended early */
	HTTP_X_REQ_TRUNCATED = 1 << 1,	/* request body cut by a cap */
	HTTP_X_RESP_TRUNCATED = 1 << 2, /* response body cut by a cap */
	HTTP_X_NO_RESPONSE = 1 << 3,	/* connection ended before a response */
	HTTP_X_DECODE_ERROR = 1 << 4,	/* content-encoding could not be decoded */
	HTTP_X_SERVER_SIDE = 1 << 5,	/* the traced process received the request */
	HTTP_X_MEM_DROPPED = 1 << 6,	/* a body was dropped by the memory budget (with
					 * HTTP_X_*_TRUNCATED) */
};

struct http_message {
	struct http_headers headers; /* credentials already removed (see http1.h) */
	unsigned char *body;	     /* decoded (dechunked, decompressed) body, NUL-terminated */
	size_t body_len;
	/*
	 * Bytes were lost inside a plain body (a call over the capture cap keeps its head and its
	 * tail): body[0..gap_head) is how it began and body[gap_tail..body_len) how it ended,
	 * with the lost bytes between them (and between any others before gap_tail).
	 */
	bool body_gap;
	size_t gap_head;
	size_t gap_tail;
	enum http_body_kind kind;
	struct http_event *events; /* streaming bodies */
	size_t n_events;
	/*
	 * Where the events' strings live when set (a body reader made them, with
	 * http_message__store): freed as a whole with the message. NULL: each string is its own
	 * allocation (messages built by hand).
	 */
	struct http_str_block *event_store;
	uint64_t start_ns;	/* first byte (boot-time ns) */
	uint64_t first_body_ns; /* first body byte, 0 if none */
	uint64_t end_ns;	/* last byte */
	uint64_t wire_bytes;	/* head + body bytes as transferred */
};

struct http_exchange {
	/* Where it happened. */
	uint32_t pid;	    /* tgid of the traced process */
	uint32_t tid;	    /* thread that sent the request (client side) */
	uint64_t conn;	    /* connection key within pid (SSL* for TLS) */
	int fd;		    /* socket fd, -1 if unknown */
	char peer_addr[64]; /* numeric peer address, "" if unknown */
	uint16_t peer_port; /* 0 if unknown */
	uint64_t seq;	    /* exchange number on this connection, from 0 */
	bool tls;
	uint8_t src;	      /* enum tt_src of the connection's bytes: the TLS library's probes */
	uint8_t lib;	      /* enum tt_lib of those probes (OpenSSL API: whose) */
	uint8_t http_version; /* 10, 11 (HTTP/1.x) or 20 (HTTP/2); 0 when not known */

	/* Request. */
	char *method;
	char *target; /* request-target as sent (path?query) */
	char *host;   /* Host header (or :authority), NULL if none */
	struct http_message req;

	/* Response (status 0 = none seen). */
	int status;
	char *reason;
	struct http_message resp;

	uint32_t flags; /* enum http_x_flags */
};

/*
 * Appends a header: a copy of name[0..nlen) and of value[0..vlen) with any credential in it
 * redacted (redact_header_value). 0, -E2BIG when h holds TT_MAX_HEADERS already, -ENOMEM.
 */
int http_headers_add(struct http_headers *h, const char *name, size_t nlen, const char *value,
		     size_t vlen);
/* Case-insensitive lookup of the first header named name; NULL if absent. */
const char *http_headers_get(const struct http_headers *h, const char *name);
/* Frees the headers' names, values and array and zeroes h; NULL-safe. */
void http_headers__clear(struct http_headers *h);
/*
 * A copy of p[0..n) plus a NUL in m's event storage (freed with m): no allocation per string,
 * the storage grows by blocks. NULL on ENOMEM.
 */
char *http_message__store(struct http_message *m, const void *p, size_t n);
/* Frees m's body and events (a memory budget dropped them); headers and times stay. */
void http_message__drop_body(struct http_message *m);
/* Frees what m owns (headers, body, events and their strings) and zeroes it; NULL-safe. */
void http_message__clear(struct http_message *m);
/* Frees everything the exchange owns, then the exchange; NULL-safe. */
void http_exchange__free(struct http_exchange *x);

/* Receives each finished exchange; takes ownership (free with http_exchange__free). */
typedef void (*http_exchange_sink_fn)(struct http_exchange *x, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TT_HTTP_EXCHANGE_H */
