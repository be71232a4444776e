// SPDX-License-Identifier: MIT
/* http1.c: HTTP/1.x head parser (zero-copy views), body framing rules, headers kept. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http1.h"
#include "redact.h"

#define METHOD_MAX 32 /* longer tokens are not taken for a method when sniffing */
#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Field value and reason phrase bytes: HTAB, SP, VCHAR, obs-text. */
static bool is_text(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

/* request-target bytes: anything visible (obs-text is seen in the wild). */
static bool is_target(unsigned char c)
{
	return c > ' ' && c != 0x7f;
}

/* Length of the line at p (without CR LF or LF) and the offset after it; -1 without an LF. */
static long line_len(const char *p, size_t len, size_t *next)
{
	const char *lf = memchr(p, '\n', len);
	size_t n;

	if (!lf)
		return -1;
	n = (size_t)(lf - p);
	*next = n + 1;
	if (n && p[n - 1] == '\r')
		n--;
	return (long)n;
}

/* An unterminated line may end with the CR of its CR LF. */
static size_t partial_len(const char *p, size_t n)
{
	return n && p[n - 1] == '\r' ? n - 1 : n;
}

static enum http1_line check_version(const char *p, size_t n, size_t i, int *minor)
{
	static const char v[] = "HTTP/1.";
	size_t k;

	for (k = 0; k < sizeof(v) - 1; k++, i++) {
		if (i == n)
			return HTTP1_LINE_MORE;
		if (p[i] != v[k])
			return HTTP1_LINE_NO;
	}
	if (i == n)
		return HTTP1_LINE_MORE;
	if (!is_digit(p[i]))
		return HTTP1_LINE_NO;
	*minor = p[i] - '0';
	return HTTP1_LINE_YES;
}

/*
 * Checks a request line of n bytes (without its line end). complete says whether the line end
 * was seen; if not, MORE means the prefix is consistent with a request line.
 */
static enum http1_line scan_request_line(const char *p, size_t n, bool complete,
					 struct http1_head *h)
{
	size_t i = 0, t, tl;
	enum http1_line r;
	int minor = 1;

	while (i < n && i <= METHOD_MAX && is_tchar(p[i]))
		i++;
	if (i > METHOD_MAX)
		return HTTP1_LINE_NO;
	if (i == n)
		return complete ? HTTP1_LINE_NO : HTTP1_LINE_MORE;
	if (!i || p[i] != ' ')
		return HTTP1_LINE_NO;
	t = ++i;
	while (i < n && is_target(p[i]))
		i++;
	if (i == n)
		return complete ? HTTP1_LINE_NO : HTTP1_LINE_MORE;
	if (i == t || p[i] != ' ')
		return HTTP1_LINE_NO;
	tl = i - t;
	r = check_version(p, n, i + 1, &minor);
	if (r == HTTP1_LINE_MORE)
		return complete ? HTTP1_LINE_NO : HTTP1_LINE_MORE;
	if (r == HTTP1_LINE_NO || i + 9 != n)
		return HTTP1_LINE_NO;
	if (!complete)
		return HTTP1_LINE_MORE;
	if (h) {
		h->method = p;
		h->method_len = t - 1;
		h->target = p + t;
		h->target_len = tl;
		h->minor = minor;
	}
	return HTTP1_LINE_YES;
}

static enum http1_line scan_status_line(const char *p, size_t n, bool complete,
					struct http1_head *h)
{
	enum http1_line r;
	int minor = 1, status = 0;
	size_t i;

	r = check_version(p, n, 0, &minor);
	if (r == HTTP1_LINE_NO)
		return r;
	if (r == HTTP1_LINE_MORE)
		return complete ? HTTP1_LINE_NO : HTTP1_LINE_MORE;
	for (i = 8; i < 12; i++) {
		if (i == n)
			return complete ? HTTP1_LINE_NO : HTTP1_LINE_MORE;
		if (i == 8 ? p[i] != ' ' : !is_digit(p[i]))
			return HTTP1_LINE_NO;
		if (i > 8)
			status = status * 10 + p[i] - '0';
	}
	if (i < n && p[i] != ' ')
		return HTTP1_LINE_NO;
	for (i = i < n ? i + 1 : i; i < n; i++) {
		if (!is_text(p[i]))
			return HTTP1_LINE_NO;
	}
	if (!complete)
		return HTTP1_LINE_MORE;
	if (status < 100)
		return HTTP1_LINE_NO;
	if (h) {
		h->status = status;
		h->minor = minor;
		h->reason = n > 13 ? p + 13 : p + n;
		h->reason_len = n > 13 ? n - 13 : 0;
	}
	return HTTP1_LINE_YES;
}

static enum http1_line scan_line(const char *p, size_t n, bool complete, bool is_request,
				 struct http1_head *h)
{
	return is_request ? scan_request_line(p, n, complete, h) :
			    scan_status_line(p, n, complete, h);
}

enum http1_line http1_line_starts_message(const char *buf, size_t len, bool is_request)
{
	size_t next, n = len < TT_MAX_START_LINE ? len : TT_MAX_START_LINE;
	long l = line_len(buf, n, &next);

	if (l < 0) {
		if (scan_line(buf, partial_len(buf, n), false, is_request, NULL) == HTTP1_LINE_NO)
			return HTTP1_LINE_NO;
		return n < TT_MAX_START_LINE ? HTTP1_LINE_MORE : HTTP1_LINE_NO;
	}
	return scan_line(buf, (size_t)l, true, is_request, NULL);
}

enum http1_sniff http1_sniff(const char *buf, size_t len)
{
	size_t n = len < sizeof(H2_PREFACE) - 1 ? len : sizeof(H2_PREFACE) - 1;
	enum http1_line r;

	if (!memcmp(buf, H2_PREFACE, n))
		return n == sizeof(H2_PREFACE) - 1 ? HTTP1_SNIFF_H2 : HTTP1_SNIFF_MORE;
	r = http1_line_starts_message(buf, len, true);
	if (r == HTTP1_LINE_YES)
		return HTTP1_SNIFF_REQUEST;
	if (r == HTTP1_LINE_MORE)
		return HTTP1_SNIFF_MORE;
	r = http1_line_starts_message(buf, len, false);
	if (r == HTTP1_LINE_YES)
		return HTTP1_SNIFF_RESPONSE;
	return r == HTTP1_LINE_MORE ? HTTP1_SNIFF_MORE : HTTP1_SNIFF_OTHER;
}

/* One header line of n bytes: a field, or a continuation when it starts with whitespace. */
static int parse_field(const char *p, size_t n, struct http1_head *h)
{
	struct http1_field *f;
	size_t i = 0, e;

	if (h->n_fields >= TT_MAX_HEADERS)
		return -E2BIG;
	f = &h->fields[h->n_fields];
	if (p[0] == ' ' || p[0] == '\t') {
		if (!h->n_fields)
			return -EBADMSG;
		f->name = NULL;
		f->name_len = 0;
	} else {
		while (i < n && is_tchar(p[i]))
			i++;
		if (!i || i == n || p[i] != ':')
			return -EBADMSG;
		f->name = p;
		f->name_len = i++;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (e = n; e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'); e--)
		;
	f->value = p + i;
	f->value_len = e - i;
	for (; i < e; i++) {
		if (!is_text(p[i]))
			return -EBADMSG;
	}
	h->n_fields++;
	return 0;
}

/* Parses field lines from buf until an empty line; returns the offset after it. */
static long parse_fields(const char *buf, size_t len, size_t off, size_t max_bytes,
			 struct http1_head *h)
{
	size_t next;
	long l;
	int err;

	for (;;) {
		l = line_len(buf + off, len - off, &next);
		if (l < 0)
			return len >= max_bytes ? -E2BIG : TT_NEED_MORE;
		if (off + next > max_bytes)
			return -E2BIG;
		if (memchr(buf + off, '\r', (size_t)l))
			return -EBADMSG;
		if (!l)
			return (long)(off + next);
		err = parse_field(buf + off, (size_t)l, h);
		if (err)
			return err;
		off += next;
	}
}

static long parse_head(const char *buf, size_t len, size_t max_bytes, struct http1_head *h,
		       bool is_request)
{
	size_t off = 0, next, n;
	long l;

	h->method = h->target = h->reason = NULL;
	h->method_len = h->target_len = h->reason_len = 0;
	h->status = 0;
	h->minor = 1;
	h->n_fields = 0;
	/* A client may send a stray CRLF after a body; skip empty lines before a request. */
	while (is_request && off < len && off < 16 && (buf[off] == '\r' || buf[off] == '\n'))
		off++;
	n = len - off < TT_MAX_START_LINE ? len - off : TT_MAX_START_LINE;
	l = line_len(buf + off, n, &next);
	if (l < 0) {
		if (scan_line(buf + off, partial_len(buf + off, n), false, is_request, NULL) ==
		    HTTP1_LINE_NO)
			return -EBADMSG;
		return len >= max_bytes || n >= TT_MAX_START_LINE ? -E2BIG : TT_NEED_MORE;
	}
	if (scan_line(buf + off, (size_t)l, true, is_request, h) != HTTP1_LINE_YES)
		return -EBADMSG;
	return parse_fields(buf, len, off + next, max_bytes, h);
}

long http1_parse_request(const char *buf, size_t len, size_t max_bytes, struct http1_head *h)
{
	return parse_head(buf, len, max_bytes, h, true);
}

long http1_parse_response(const char *buf, size_t len, size_t max_bytes, struct http1_head *h)
{
	return parse_head(buf, len, max_bytes, h, false);
}

long http1_parse_fields(const char *buf, size_t len, size_t max_bytes, struct http1_head *h)
{
	h->n_fields = 0;
	return parse_fields(buf, len, 0, max_bytes, h);
}

const struct http1_field *http1_head_field(const struct http1_head *h, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < h->n_fields; i++) {
		const struct http1_field *f = &h->fields[i];

		if (f->name && f->name_len == n && !strncasecmp(f->name, name, n))
			return f;
	}
	return NULL;
}

static bool token_eq(const char *p, size_t n, const char *tok)
{
	return strlen(tok) == n && !strncasecmp(p, tok, n);
}

/* Content-Length: digits, or a list of identical values (RFC 9110 8.6). */
static int parse_length(const struct http1_head *h, uint64_t *length)
{
	bool seen = false;
	uint64_t v = 0, cur;
	size_t i, k;

	for (i = 0; i < h->n_fields; i++) {
		const struct http1_field *f = &h->fields[i];

		if (!f->name || !token_eq(f->name, f->name_len, "content-length"))
			continue;
		for (k = 0; k <= f->value_len;) {
			while (k < f->value_len && (f->value[k] == ' ' || f->value[k] == '\t'))
				k++;
			if (k == f->value_len || !is_digit(f->value[k]))
				return -EBADMSG;
			for (cur = 0; k < f->value_len && is_digit(f->value[k]); k++) {
				if (cur > (UINT64_MAX >> 4) / 10)
					return -EBADMSG;
				cur = cur * 10 + (uint64_t)(f->value[k] - '0');
			}
			while (k < f->value_len && (f->value[k] == ' ' || f->value[k] == '\t'))
				k++;
			if (seen && cur != v)
				return -EBADMSG;
			v = cur;
			seen = true;
			if (k < f->value_len && f->value[k] != ',')
				return -EBADMSG;
			k++;
		}
	}
	*length = v;
	return seen ? 1 : 0;
}

/* Whether the last transfer coding is chunked; -1 if there is no Transfer-Encoding. */
static int last_coding_chunked(const struct http1_head *h)
{
	const char *tok = NULL;
	size_t i, k, s, tl = 0;

	for (i = 0; i < h->n_fields; i++) {
		const struct http1_field *f = &h->fields[i];

		if (!f->name || !token_eq(f->name, f->name_len, "transfer-encoding"))
			continue;
		for (k = 0; k < f->value_len; k++) {
			while (k < f->value_len && (f->value[k] == ' ' || f->value[k] == '\t'))
				k++;
			for (s = k; k < f->value_len && is_tchar(f->value[k]); k++)
				;
			if (k > s) {
				tok = f->value + s;
				tl = k - s;
			}
			while (k < f->value_len && f->value[k] != ',')
				k++;
		}
		if (!tok)
			tok = "";
	}
	if (!tok)
		return -1;
	return token_eq(tok, tl, "chunked");
}

int http1_request_framing(const struct http1_head *h, uint64_t *length)
{
	int te = last_coding_chunked(h), cl;

	*length = 0;
	if (te == 1)
		return HTTP1_FRAME_CHUNKED;
	if (te == 0)
		return -EBADMSG; /* a request body must end with chunked */
	cl = parse_length(h, length);
	if (cl < 0)
		return cl;
	return cl && *length ? HTTP1_FRAME_LENGTH : HTTP1_FRAME_NONE;
}

int http1_response_framing(const struct http1_head *h, const char *req_method, uint64_t *length)
{
	bool connect = req_method && !strcmp(req_method, "CONNECT");
	int te, cl;

	*length = 0;
	if (h->status == 101 || (connect && h->status / 100 == 2))
		return HTTP1_FRAME_TUNNEL;
	if (h->status / 100 == 1 || h->status == 204 || h->status == 304 ||
	    (req_method && !strcmp(req_method, "HEAD")))
		return HTTP1_FRAME_NONE;
	te = last_coding_chunked(h);
	if (te >= 0)
		return te ? HTTP1_FRAME_CHUNKED : HTTP1_FRAME_CLOSE;
	cl = parse_length(h, length);
	if (cl < 0)
		return cl;
	if (cl)
		return *length ? HTTP1_FRAME_LENGTH : HTTP1_FRAME_NONE;
	return HTTP1_FRAME_CLOSE;
}

/* The value of field i with its continuation lines, as a new string of *len bytes. */
static char *joined_value(const struct http1_head *h, size_t i, size_t *len)
{
	size_t k, n = h->fields[i].value_len;
	char *v, *w;

	for (k = i + 1; k < h->n_fields && !h->fields[k].name; k++)
		n += 1 + h->fields[k].value_len;
	v = malloc(n + 1);
	if (!v)
		return NULL;
	memcpy(v, h->fields[i].value, h->fields[i].value_len);
	w = v + h->fields[i].value_len;
	for (k = i + 1; k < h->n_fields && !h->fields[k].name; k++) {
		*w++ = ' ';
		memcpy(w, h->fields[k].value, h->fields[k].value_len);
		w += h->fields[k].value_len;
	}
	*w = '\0';
	*len = n;
	return v;
}

/* Appends field i, its value joined with its continuation lines (obs-fold, rare) if any. */
static int field_add(struct http_headers *out, const struct http1_head *h, size_t i)
{
	const struct http1_field *f = &h->fields[i];
	char *joined;
	size_t n;
	int err;

	if (i + 1 == h->n_fields || h->fields[i + 1].name)
		return http_headers_add(out, f->name, f->name_len, f->value, f->value_len);
	joined = joined_value(h, i, &n);
	if (!joined)
		return -ENOMEM;
	err = http_headers_add(out, f->name, f->name_len, joined, n);
	free(joined);
	return err;
}

int http1_headers_append(struct http_headers *out, const struct http1_head *h)
{
	size_t i, add = 0;
	int err = 0;

	for (i = 0; i < h->n_fields; i++)
		add += h->fields[i].name != NULL;
	/* all of a head's fields or none */
	if (out->n + add > TT_MAX_HEADERS)
		return -E2BIG;
	for (i = 0; i < h->n_fields && !err; i++)
		if (h->fields[i].name)
			err = field_add(out, h, i);
	return err;
}
