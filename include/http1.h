/* SPDX-License-Identifier: MIT */
/* http1.h: HTTP/1.x head parser (zero-copy views), body framing rules, headers kept. */
#ifndef TT_HTTP1_H
#define TT_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http_exchange.h"
#include "tt_limits.h"
#include "tt_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One header line, pointing into the parsed buffer. */
struct http1_field {
	const char *name; /* NULL: obs-fold continuation of the previous field's value */
	size_t name_len;
	const char *value; /* without leading and trailing whitespace */
	size_t value_len;
};

struct http1_head {
	/* Request line. */
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	/* Status line. */
	int status;
	const char *reason;
	size_t reason_len;
	int minor; /* HTTP/1.<minor> */
	size_t n_fields;
	struct http1_field fields[TT_MAX_HEADERS];
};

enum http1_sniff {
	HTTP1_SNIFF_OTHER = -1, /* not HTTP/1.x */
	HTTP1_SNIFF_MORE = TT_NEED_MORE,
	HTTP1_SNIFF_REQUEST = 1, /* starts with a request line */
	HTTP1_SNIFF_RESPONSE,	 /* starts with a status line */
	HTTP1_SNIFF_H2,		 /* the HTTP/2 connection preface */
};

enum http1_framing {
	HTTP1_FRAME_NONE = 0, /* no body */
	HTTP1_FRAME_LENGTH,   /* Content-Length bytes */
	HTTP1_FRAME_CHUNKED,  /* Transfer-Encoding: chunked */
	HTTP1_FRAME_CLOSE,    /* response delimited by the end of the connection */
	HTTP1_FRAME_TUNNEL,   /* 101 or 2xx to CONNECT: no longer HTTP after the head */
};

/*
 * Parses a request (or response) head ending with an empty line. max_bytes caps the head:
 * -E2BIG when no end is found within it, or on more than TT_MAX_HEADERS fields; -EBADMSG on a
 * malformed line (checked as soon as the first line is complete, so garbage fails early).
 * Leading empty lines before a request line are skipped (RFC 9112 2.2).
 */
long http1_parse_request(const char *buf, size_t len, size_t max_bytes, struct http1_head *h);
long http1_parse_response(const char *buf, size_t len, size_t max_bytes, struct http1_head *h);
/* Parses header lines up to and including an empty line (a chunked trailer section). */
long http1_parse_fields(const char *buf, size_t len, size_t max_bytes, struct http1_head *h);

/* Classifies the first bytes of a connection direction. */
enum http1_sniff http1_sniff(const char *buf, size_t len);
enum http1_line {
	HTTP1_LINE_NO = -1,
	HTTP1_LINE_MORE = TT_NEED_MORE, /* incomplete, could still be one */
	HTTP1_LINE_YES = 1,
};

/*
 * Whether buf starts with a complete, valid request line (is_request) or status line. Used to
 * find where to resume after lost bytes; decides within the first TT_MAX_START_LINE bytes.
 */
enum http1_line http1_line_starts_message(const char *buf, size_t len, bool is_request);

/* Body framing (RFC 9112 6.3). Return enum http1_framing, or -EBADMSG on a bad length. */
int http1_request_framing(const struct http1_head *h, uint64_t *length);
int http1_response_framing(const struct http1_head *h, const char *req_method, uint64_t *length);

/* First field named name (case-insensitive), or NULL. */
const struct http1_field *http1_head_field(const struct http1_head *h, const char *name);
/*
 * Appends the fields of h to out as owned strings: obs-fold continuations joined with one space,
 * credential values replaced by REDACT_MARK (redact_header_value(): the name is kept).
 * 0, -E2BIG past TT_MAX_HEADERS entries in out, or -ENOMEM.
 */
int http1_headers_append(struct http_headers *out, const struct http1_head *h);

#ifdef __cplusplus
}
#endif
#endif /* TT_HTTP1_H */
