// SPDX-License-Identifier: MIT
/*
 * health_http.c: the health server's words. A request head is parsed in one pass over bytes a
 * hostile local process may send; the verdict of /healthz comes from the counters the main
 * thread published, never from the pipeline itself.
 */
#include <errno.h>
#include <string.h>

#include "health_http.h"
#include "tt_parse.h"

/* RFC 9110 tchar: what a method and a header name are made of. */
static bool is_tchar(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return true;
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* The end of the line starting at i: the index of its '\n', or len when it has none yet. */
static size_t line_end(const char *buf, size_t len, size_t i)
{
	const char *nl = memchr(buf + i, '\n', len - i);

	return nl ? (size_t)(nl - buf) : len;
}

/* The line buf[i..e) without the CR before its LF. */
static size_t strip_cr(const char *buf, size_t i, size_t e)
{
	return e > i && buf[e - 1] == '\r' ? e - 1 : e;
}

/* "METHOD SP /target SP HTTP/1.x" in buf[0..e). */
static int parse_request_line(const char *buf, size_t e, struct health_req *r)
{
	size_t i = 0, t;

	while (i < e && i < 16 && is_tchar((unsigned char)buf[i]))
		i++;
	if (!i || i >= e || buf[i] != ' ')
		return -EBADMSG;
	r->method = buf;
	r->method_len = i++;
	if (i >= e || buf[i] != '/')
		return -EBADMSG;
	t = i;
	while (i < e && (unsigned char)buf[i] > 0x20 && (unsigned char)buf[i] < 0x7f)
		i++;
	r->path = buf + t;
	r->path_len = i - t;
	if (memchr(r->path, '?', r->path_len))
		r->path_len = (size_t)((const char *)memchr(r->path, '?', r->path_len) - r->path);
	if (e - i != 9 || memcmp(buf + i, " HTTP/1.", 8) || buf[i + 8] < '0' || buf[i + 8] > '9')
		return -EBADMSG;
	return 0;
}

/* "name: value" in buf[i..e): a token, a colon, then no control character but HTAB. */
static int parse_header(const char *buf, size_t i, size_t e)
{
	size_t n = i;

	while (n < e && is_tchar((unsigned char)buf[n]))
		n++;
	if (n == i || n >= e || buf[n] != ':')
		return -EBADMSG;
	for (n++; n < e; n++) {
		unsigned char c = (unsigned char)buf[n];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -EBADMSG;
	}
	return 0;
}

int health_parse_request(const char *buf, size_t len, struct health_req *r)
{
	size_t i = 0, e, end;
	int err;

	memset(r, 0, sizeof(*r));
	if (len > TT_HEALTH_MAX_REQ)
		len = TT_HEALTH_MAX_REQ;
	e = line_end(buf, len, 0);
	if (e == len)
		return len == TT_HEALTH_MAX_REQ ? -E2BIG : TT_NEED_MORE;
	err = parse_request_line(buf, strip_cr(buf, 0, e), r);
	if (err)
		return err;
	for (i = e + 1;; i = e + 1) {
		e = line_end(buf, len, i);
		if (e == len)
			return len == TT_HEALTH_MAX_REQ ? -E2BIG : TT_NEED_MORE;
		end = strip_cr(buf, i, e);
		if (end == i)
			return (int)(e + 1);
		err = parse_header(buf, i, end);
		if (err)
			return err;
	}
}

/* A sink's counters at now_ns: a success ends a failing run, a failure starts one. */
static void sink_update(struct health_sink *k, uint64_t ok, uint64_t failed, uint64_t now_ns,
			bool first)
{
	if (!first && ok != k->ok) {
		k->fail_since_ns = 0;
	} else if (!first && failed != k->failed) {
		if (!k->fail_since_ns)
			k->fail_since_ns = now_ns;
		k->last_fail_ns = now_ns;
	}
	k->ok = ok;
	k->failed = failed;
}

void health_state_update(struct health_state *s, const struct tt_metrics *m, uint64_t now_ns)
{
	uint64_t moved = m->http_sent + m->http_rejected + m->too_big;
	bool first = !s->loop_ns;

	if (first || !m->queue_bytes || moved != s->moved)
		s->progress_ns = now_ns;
	s->moved = moved;
	sink_update(&s->file, m->file_spans, m->file_errors, now_ns, first);
	sink_update(&s->http, m->http_sent, m->http_rejected, now_ns, first);
	s->m = *m;
	s->loop_ns = now_ns;
}

/* Failing for TT_HEALTH_EXPORT_NS, and still lately: a failure long past is not. */
static bool sink_failing(const struct health_sink *k, uint64_t now_ns)
{
	return k->fail_since_ns && now_ns - k->fail_since_ns >= TT_HEALTH_EXPORT_NS &&
	       now_ns - k->last_fail_ns < TT_HEALTH_EXPORT_NS;
}

static unsigned long long secs(uint64_t ns)
{
	return (unsigned long long)(ns / 1000000000ull);
}

bool health_check(const struct health_state *s, uint64_t now_ns, struct tt_buf *why)
{
	bool ok = true;

	if (!s->m.attached) {
		ok = false;
		tt_buf_addstr(why, "probes: not attached yet\n");
	}
	if (!s->loop_ns) {
		ok = false;
		tt_buf_addstr(why, "main loop: not started yet\n");
	} else if (now_ns - s->loop_ns >= TT_HEALTH_LOOP_NS) {
		ok = false;
		tt_buf_printf(why,
			      "main loop: silent for %llu s (the ring buffer is not drained)\n",
			      secs(now_ns - s->loop_ns));
	}
	if (s->loop_ns && s->m.queue_bytes && now_ns - s->progress_ns >= TT_HEALTH_EXPORT_NS) {
		ok = false;
		tt_buf_printf(why, "exporter: %llu bytes queued, none sent for %llu s\n",
			      (unsigned long long)s->m.queue_bytes, secs(now_ns - s->progress_ns));
	}
	if (sink_failing(&s->http, now_ns)) {
		ok = false;
		tt_buf_printf(why,
			      "exporter: OTLP/HTTP export failing for %llu s (%llu spans "
			      "refused so far)\n",
			      secs(now_ns - s->http.fail_since_ns),
			      (unsigned long long)s->m.http_rejected);
	}
	if (sink_failing(&s->file, now_ns)) {
		ok = false;
		tt_buf_printf(why,
			      "exporter: writing the -o file failing for %llu s (%llu errors)\n",
			      secs(now_ns - s->file.fail_since_ns),
			      (unsigned long long)s->m.file_errors);
	}
	return ok;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static bool path_is(const struct health_req *r, const char *p)
{
	return r->path_len == strlen(p) && !memcmp(r->path, p, r->path_len);
}

/* The body of a request for path, and its status. */
static int body_for(struct tt_buf *body, int ret, const struct health_req *r,
		    const struct health_state *s, uint64_t now_ns, const char **type)
{
	*type = "text/plain; charset=utf-8";
	if (ret <= 0)
		return tt_buf_addstr(body, "bad request\n") ?: 400;
	if (r->method_len != 3 || memcmp(r->method, "GET", 3))
		return tt_buf_addstr(body, "only GET\n") ?: 405;
	if (path_is(r, "/healthz")) {
		if (health_check(s, now_ns, body))
			return tt_buf_addstr(body, "ok\n") ?: 200;
		return body->len ? 503 : -ENOMEM;
	}
	if (path_is(r, "/metrics")) {
		*type = "text/plain; version=0.0.4; charset=utf-8";
		return metrics_format(body, &s->m) ?: 200;
	}
	return tt_buf_addstr(body, "not found: /healthz or /metrics\n") ?: 404;
}

int health_respond(struct tt_buf *out, int ret, const struct health_req *r,
		   const struct health_state *s, uint64_t now_ns)
{
	struct tt_buf body;
	const char *type;
	int status, err;

	tt_buf_init(&body, out->cap);
	status = body_for(&body, ret, r, s, now_ns, &type);
	if (status < 0) {
		tt_buf_free(&body);
		return status;
	}
	err = tt_buf_printf(out,
			    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
			    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			    status, reason(status), type, body.len,
			    status == 405 ? "Allow: GET\r\n" : "");
	err = err ?: tt_buf_add(out, body.data, body.len);
	tt_buf_free(&body);
	return err;
}
