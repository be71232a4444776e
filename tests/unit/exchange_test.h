/* SPDX-License-Identifier: MIT */
/* exchange_test.h: HTTP exchanges in tests: a sink that keeps them, a rendering, split replay. */
#ifndef TT_EXCHANGE_TEST_H
#define TT_EXCHANGE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conn.h"
#include "http_exchange.h"
#include "test.h"

#define XT_MAX_X     64
#define XT_MAX_HEADS 16

/* A request head as the head sink saw it (conn_table__set_head_sink), when it was reported. */
struct xt_head {
	const struct http_exchange *x; /* the exchange being built (compared, not read later) */
	uint32_t pid, tid, flags;
	uint64_t conn, start_ns;
	char line[160];	  /* "METHOD target traceparent" ("(none)" without one) */
	size_t delivered; /* exchanges the sink had received by then */
};

/*
 * The exchanges a sink received, in order (more than XT_MAX_X are freed unseen), and the
 * request heads reported (xt_head_fn, the first XT_MAX_HEADS).
 */
struct xt_sink {
	struct http_exchange *x[XT_MAX_X];
	size_t n;
	struct xt_head heads[XT_MAX_HEADS];
	size_t n_heads;
};

static inline void xt_sink_fn(struct http_exchange *x, void *ctx)
{
	struct xt_sink *s = ctx;

	if (s->n < XT_MAX_X)
		s->x[s->n++] = x;
	else
		http_exchange__free(x);
}

static inline void xt_sink_free(struct xt_sink *s)
{
	while (s->n)
		http_exchange__free(s->x[--s->n]);
}

/* A header's value, "(none)" when it is absent. */
static inline const char *xt_hdr(const struct http_message *m, const char *name)
{
	const char *v = http_headers_get(&m->headers, name);

	return v ? v : "(none)";
}

/* A head sink (conn_head_fn) whose ctx is the table's xt_sink. */
static inline void xt_head_fn(const struct http_exchange *x, void *ctx)
{
	struct xt_sink *s = ctx;
	struct xt_head *h;

	if (s->n_heads >= XT_MAX_HEADS)
		return;
	h = &s->heads[s->n_heads++];
	h->x = x;
	h->pid = x->pid;
	h->tid = x->tid;
	h->flags = x->flags;
	h->conn = x->conn;
	h->start_ns = x->req.start_ns;
	snprintf(h->line, sizeof(h->line), "%s %s %s", x->method ? x->method : "-",
		 x->target ? x->target : "-", xt_hdr(&x->req, "traceparent"));
	h->delivered = s->n;
}

/* Appends a copy of the header name: value to h. */
static inline void xt_add_header(struct http_headers *h, const char *name, const char *value)
{
	if (!ASSERT_OK(tt_ensure_mem((void **)&h->v, &h->alloc, sizeof(*h->v), h->n + 1),
		       "header room"))
		return;
	h->v[h->n].name = strdup(name);
	h->v[h->n].value = strdup(value);
	h->n++;
}

/* m's body is a copy of the text body, as received without a Content-Encoding. */
static inline void xt_set_body(struct http_message *m, const char *body)
{
	m->body = (unsigned char *)strdup(body);
	m->body_len = strlen(body);
	m->kind = HTTP_BODY_PLAIN;
}

static inline bool xt_plain_body_is(const struct http_message *m, const char *want,
				    const char *name)
{
	return ASSERT_EQ(m->kind, HTTP_BODY_PLAIN, name) &&
	       ASSERT_MEMEQ(m->body, m->body_len, want, strlen(want), name);
}

/* Everything an exchange carries, as text, to compare runs split differently. */
static inline void xt_render(struct tt_buf *b, const struct http_exchange *x)
{
	const struct http_message *m[2] = { &x->req, &x->resp };
	size_t i, k;

	tt_buf_printf(b, "#%llu pid=%u tid=%u fd=%d flags=%#x %s %s host=%s -> %d %s\n",
		      (unsigned long long)x->seq, x->pid, x->tid, x->fd, x->flags,
		      x->method ? x->method : "-", x->target ? x->target : "-",
		      x->host ? x->host : "-", x->status, x->reason ? x->reason : "-");
	for (k = 0; k < 2; k++) {
		tt_buf_printf(b, " kind=%d start=%llu first=%llu end=%llu wire=%llu body=%zu:",
			      m[k]->kind, (unsigned long long)m[k]->start_ns,
			      (unsigned long long)m[k]->first_body_ns,
			      (unsigned long long)m[k]->end_ns,
			      (unsigned long long)m[k]->wire_bytes, m[k]->body_len);
		if (m[k]->body)
			tt_buf_add(b, m[k]->body, m[k]->body_len);
		for (i = 0; i < m[k]->headers.n; i++)
			tt_buf_printf(b, "\n  %s: %s", m[k]->headers.v[i].name,
				      m[k]->headers.v[i].value);
		for (i = 0; i < m[k]->n_events; i++)
			tt_buf_printf(b, "\n  ev %s|%s|%s@%llu", m[k]->events[i].event ?: "-",
				      m[k]->events[i].data, m[k]->events[i].id ?: "-",
				      (unsigned long long)m[k]->events[i].ts_ns);
		tt_buf_addc(b, '\n');
	}
}

/* The request heads a sink saw (where, when, what), as text, after its exchanges'. */
static inline void xt_render_heads(struct tt_buf *b, const struct xt_sink *s)
{
	size_t i;

	for (i = 0; i < s->n_heads; i++)
		tt_buf_printf(b, "head pid=%u tid=%u conn=%#llx flags=%#x start=%llu %s\n",
			      s->heads[i].pid, s->heads[i].tid,
			      (unsigned long long)s->heads[i].conn, s->heads[i].flags,
			      (unsigned long long)s->heads[i].start_ns, s->heads[i].line);
}

/* A test__split_feed receiver: the record goes to the connection table ctx. */
static inline int xt_conn_feed(const struct tt_data *rec, size_t size, void *ctx)
{
	return conn_table__feed(ctx, rec, size);
}

/* One replay of a conversation with its calls cut as mode says; its exchanges go to s. */
typedef bool (*xt_replay_fn)(enum test_split mode, uint64_t seed, struct xt_sink *s, void *ctx);

/*
 * Replays every way: whole first (its exchanges stay in s), then a byte at a time, then with
 * the seeds seed0 .. seed0 + nseeds - 1 each of the random modes below nmodes. Every run must
 * render exactly as the whole one, its exchanges and the request heads reported.
 */
static inline bool xt_replay_all(xt_replay_fn run, void *ctx, int nmodes, uint64_t seed0,
				 int nseeds, struct xt_sink *s)
{
	struct tt_buf want, got;
	struct xt_sink other;
	bool ok = true;
	size_t i;
	int mode, k;

	tt_buf_init(&want, 1 << 24);
	tt_buf_init(&got, 1 << 24);
	memset(s, 0, sizeof(*s));
	ok &= run(TEST_SPLIT_WHOLE, 0, s, ctx);
	for (i = 0; i < s->n; i++)
		xt_render(&want, s->x[i]);
	xt_render_heads(&want, s);
	for (mode = TEST_SPLIT_BYTES; mode < nmodes; mode++) {
		for (k = 0; k < (mode == TEST_SPLIT_BYTES ? 1 : nseeds); k++) {
			memset(&other, 0, sizeof(other));
			tt_buf_reset(&got);
			ok &= run(mode, seed0 + k, &other, ctx);
			for (i = 0; i < other.n; i++)
				xt_render(&got, other.x[i]);
			xt_render_heads(&got, &other);
			ok &= ASSERT_MEMEQ(got.data, got.len, want.data, want.len,
					   test__split_names[mode]);
			xt_sink_free(&other);
		}
	}
	if (!ok && want.len)
		tt_buf_addc(&want, 0), printf("%s\n", (char *)want.data);
	tt_buf_free(&want);
	tt_buf_free(&got);
	return ok;
}

#endif /* TT_EXCHANGE_TEST_H */
