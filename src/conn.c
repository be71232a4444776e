// SPDX-License-Identifier: MIT
/*
 * conn.c: the connection table: TLS plaintext chunks in, HTTP exchanges out; connections by
 * (pid, id), their lifetime, reassembly by position, which protocol a connection speaks and
 * the dispatch to it. HTTP/1.x: conn_http1.c, HTTP/2: conn_h2.c; below both, conn_core.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "body_reader.h"
#include "conn.h"
#include "conn_internal.h"
#include "tt_limits.h"
#include "log.h"
#include "records.h"
#include "stream.h"

/* ---- connection lifecycle ---- */

static size_t bucket_of(const struct conn_table *t, uint32_t pid, uint64_t id)
{
	uint64_t k = (id ^ ((uint64_t)pid << 40) ^ pid) * 0x9e3779b97f4a7c15ull;

	return (size_t)(k >> 32) & (t->nbuckets - 1);
}

static void lru_unlink(struct conn_table *t, struct conn *c)
{
	if (c->older)
		c->older->newer = c->newer;
	else
		t->oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else
		t->newest = c->older;
	c->older = c->newer = NULL;
}

static void lru_append(struct conn_table *t, struct conn *c)
{
	c->older = t->newest;
	c->newer = NULL;
	if (t->newest)
		t->newest->newer = c;
	else
		t->oldest = c;
	t->newest = c;
}

static void conn_free(struct conn *c)
{
	int i;

	for (i = 0; i < 2; i++) {
		stream__free(&c->h[i].st);
		tt_buf_free(&c->h[i].trailers);
		if (c->h[i].reading)
			body_reader__free(&c->h[i].br);
	}
	for (i = 0; (size_t)i < c->nq; i++)
		http_exchange__free(c->q[i].x);
	h2_session__free(c->h2);
	conn_ws__free(c->ws);
	/* what its readers handed to the queue and to h2 streams went with them */
	tt_acct_release(&c->acct, c->acct.held);
	free(c->q);
	free(c);
}

/*
 * Ends a connection: closed says the peer really ended it (responses delimited by close are
 * complete); otherwise it is only no longer watched and open messages are incomplete.
 */
static void conn_end(struct conn_table *t, struct conn *c, uint64_t ts, bool closed)
{
	struct conn **pp = &t->buckets[bucket_of(t, c->pid, c->id)];

	if (c->h2)
		conn_h2_end(t, c, ts, closed);
	conn_http1_end(t, c, ts, closed);
	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	lru_unlink(t, c);
	t->count--;
	conn_free(c);
}

static struct conn *conn_find(struct conn_table *t, uint32_t pid, uint64_t id)
{
	struct conn *c = t->buckets[bucket_of(t, pid, id)];

	while (c && (c->pid != pid || c->id != id))
		c = c->hnext;
	return c;
}

static struct conn *conn_get(struct conn_table *t, uint32_t pid, uint64_t id)
{
	struct conn *c = conn_find(t, pid, id);
	size_t b;
	int i;

	if (c)
		return c;
	if (t->count >= t->o.max_conns) {
		if (!t->warned_full)
			tt_warn("conn: table full (%zu connections): dropping the idlest ones",
				t->count);
		t->warned_full = true;
		t->st.caps_hit++;
		t->st.conns_evicted++;
		conn_end(t, t->oldest, 0, false);
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->q = calloc(t->o.max_pending, sizeof(*c->q));
	if (!c || !c->q) {
		free(c);
		return NULL;
	}
	c->pid = pid;
	c->id = id;
	c->fd = -1;
	tt_acct_init(&c->acct, &t->budget, NULL);
	for (i = 0; i < 2; i++) {
		stream__init(&c->h[i].st, t->o.max_stream_buf);
		stream__set_budget(&c->h[i].st, &t->budget, &c->acct);
		tt_buf_init(&c->h[i].trailers, t->o.max_header_bytes);
		c->h[i].dir = i;
	}
	b = bucket_of(t, pid, id);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	lru_append(t, c);
	t->count++;
	t->st.conns_opened++;
	return c;
}

static void set_defaults(struct conn_opts *o)
{
	if (!o->max_conns)
		o->max_conns = TT_MAX_CONNS;
	if (!o->max_stream_buf)
		o->max_stream_buf = TT_MAX_STREAM_BUF;
	if (!o->max_header_bytes)
		o->max_header_bytes = TT_MAX_HEADER_BYTES;
	if (!o->max_body)
		o->max_body = TT_MAX_BODY;
	if (!o->max_event)
		o->max_event = TT_MAX_SSE_EVENT;
	if (!o->max_events)
		o->max_events = TT_MAX_SSE_EVENTS;
	if (!o->max_pending)
		o->max_pending = TT_MAX_PENDING_REQS;
	if (!o->idle_ns)
		o->idle_ns = TT_CONN_IDLE_NS;
	if (!o->mem_budget)
		o->mem_budget = TT_MEM_BUDGET;
}

/* ---- the memory budget: the largest holder goes first ---- */

/* a is the holder being charged or one it is part of: its storage is in use. */
static bool acct_in_use(const struct tt_budget *b, const struct tt_acct *a)
{
	const struct tt_acct *x;

	for (x = b->charging; x; x = x->up) {
		if (x == a)
			return true;
	}
	return false;
}

/* What c holds: its largest holder that can be dropped (kind and index), and its bytes. */
enum holder { H_NONE, H_TAIL, H_READER, H_PEND, H_H2, H_WS };

static size_t conn_largest(const struct conn *c, enum holder *kind, size_t *idx)
{
	size_t best = 0, i, n;

	*kind = H_NONE;
	for (i = 0; i < 2; i++) {
		const struct half *h = &c->h[i];

		/* a tail being parsed in place is not dropped under its parser */
		if (!h->st.acct.busy && h->st.acct.held > best) {
			best = h->st.acct.held;
			*kind = H_TAIL;
			*idx = i;
		}
		if (h->reading && !h->br.acct.dropped && h->br.acct.held > best) {
			best = h->br.acct.held;
			*kind = H_READER;
			*idx = i;
		}
	}
	for (i = 0; i < c->nq; i++) {
		if (c->q[i].held > best) {
			best = c->q[i].held;
			*kind = H_PEND;
			*idx = i;
		}
	}
	if (c->h2 && (n = h2_session__largest(c->h2, &i)) > best) {
		best = n;
		*kind = H_H2;
		*idx = i;
	}
	if ((n = conn_ws_held(c)) > best) {
		best = n;
		*kind = H_WS;
	}
	return best;
}

/* A tail dropped with bytes in it: they are lost, as when the tail's cap is hit. */
static void tail_drop(struct conn_table *t, struct conn *c, struct half *h)
{
	if (!stream__drop_tail(&h->st))
		return;
	conn_cap(t, c, "memory budget");
	if (h->state == HS_H2)
		conn_h2_gap(t, c, h, 0);
	else if (h->state == HS_WS)
		conn_ws_lost(c, h);
	else if (h->state != HS_SNIFF && h->state != HS_SKIP)
		conn_http1_lost(h, false);
}

/*
 * The budget's evict hook: drops the largest holder of the connection that holds the most. A
 * scan of the table per drop: each frees at least used / connections bytes, so the scans cost
 * a bounded number of steps per byte stored.
 */
static bool conn_evict(struct tt_budget *b, void *ctx)
{
	struct conn_table *t = ctx;
	struct conn *c, *big = NULL;
	enum holder kind;
	size_t idx = 0, held, used = b->used;
	struct tt_acct *a = NULL;

	for (c = t->oldest; c; c = c->newer) {
		if (!big || c->acct.held > big->acct.held)
			big = c;
	}
	if (!big || !(held = conn_largest(big, &kind, &idx)))
		return false;
	if (kind == H_TAIL)
		a = &big->h[idx].st.acct;
	else if (kind == H_READER)
		a = &big->h[idx].br.acct;
	else if (kind == H_WS)
		a = conn_ws_acct(big);
	if (a && acct_in_use(b, a)) {
		/* the requester itself is the largest: it is refused, and frees what it holds */
		a->dropped = true;
		tt_budget_dropped(b, held);
		return false;
	}
	tt_budget_dropped(b, held);
	switch (kind) {
	case H_TAIL:
		tail_drop(t, big, &big->h[idx]);
		break;
	case H_READER:
		body_reader__drop(&big->h[idx].br, false);
		conn_cap(t, big, "memory budget");
		break;
	case H_PEND:
		conn_http1_drop(t, big, idx);
		break;
	case H_WS:
		conn_ws_drop(t, big);
		break;
	default:
		h2_session__drop(big->h2, idx, b->charging);
		conn_cap(t, big, "memory budget");
		break;
	}
	return b->used < used;
}

struct conn_table *conn_table__new(const struct conn_opts *opts, http_exchange_sink_fn sink,
				   void *ctx)
{
	struct conn_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (opts)
		t->o = *opts;
	set_defaults(&t->o);
	t->lim.max_body = t->o.max_body;
	t->lim.max_event = t->o.max_event;
	t->lim.max_events = t->o.max_events;
	t->sink = sink;
	t->ctx = ctx;
	tt_buf_init(&t->gather, GATHER_MAX);
	tt_budget_init(&t->budget, t->o.mem_budget, conn_evict, t);
	for (t->nbuckets = 64; t->nbuckets < t->o.max_conns / 2; t->nbuckets *= 2)
		;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void conn_table__set_head_sink(struct conn_table *t, conn_head_fn head)
{
	t->head_sink = head;
}

void conn_table__free(struct conn_table *t)
{
	struct conn *c, *next;

	if (!t)
		return;
	for (c = t->oldest; c; c = next) {
		next = c->newer;
		conn_free(c);
	}
	tt_buf_free(&t->gather);
	conn_peers__free(t->peers);
	free(t->buckets);
	free(t);
}

/* ---- protocol sniffing and dispatch by protocol ---- */

/* Bytes that could be the middle of an HTTP/1 message: text such as JSON or SSE lines. */
static bool looks_like_text(const char *p, size_t n)
{
	size_t i, lim = n < 64 ? n : 64;

	for (i = 0; i < lim; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n')
			return false;
	}
	return lim > 0;
}

/*
 * The first bytes of a connection decide its protocol and which side carries requests: 0 (the
 * halves are set up for it), STOP (more bytes needed) or n (not HTTP: skipped). Tracing that
 * starts while a keep-alive connection is open (-p on a running agent) sees it mid-message:
 * HTTP/1 then looks for the next message start, within TT_MAX_MIDSTREAM_PROBE bytes.
 */
static long half_sniff(struct conn_table *t, struct conn *c, struct half *h, const char *p,
		       size_t n)
{
	long r;

	switch (http1_sniff(p, n)) {
	case HTTP1_SNIFF_MORE:
		/* a head may start here: its time is this byte's arrival, not its line's end */
		if (!h->head_ts) {
			h->head_ts = h->ts;
			h->head_tid = h->tid;
		}
		return STOP;
	case HTTP1_SNIFF_H2:
		t->st.h2_prefaces++;
		r = conn_h2_sniff(t, c, h, p, n, true);
		if (r == -ENOMEM)
			conn_skip(c);
		return r == -ENOMEM ? (long)n : r;
	case HTTP1_SNIFF_OTHER:
		if (looks_like_text(p, n)) {
			conn_http1_start(t, c, true);
			return 0;
		}
		r = conn_h2_sniff(t, c, h, p, n, false);
		if (r == 0 || r == STOP)
			return r;
		t->st.non_http++;
		tt_debug("conn: pid=%u ssl=%#llx: not HTTP/1.x, skipped", c->pid,
			 (unsigned long long)c->id);
		conn_skip(c);
		return (long)n;
	case HTTP1_SNIFF_REQUEST:
		c->server_side = h->dir == TT_DIR_READ;
		break;
	case HTTP1_SNIFF_RESPONSE:
		c->server_side = h->dir == TT_DIR_WRITE;
		break;
	}
	conn_http1_start(t, c, false);
	return 0;
}

/* Parses as much of p as possible; returns the bytes consumed. */
static size_t half_parse(struct conn_table *t, struct conn *c, struct half *h,
			 const unsigned char *p, size_t n)
{
	long r;

	if (h->state == HS_SNIFF) {
		r = half_sniff(t, c, h, (const char *)p, n);
		if (r)
			return r == STOP ? 0 : (size_t)r;
	}
	switch (h->state) {
	case HS_SKIP:
		return n;
	case HS_H2:
		return conn_h2_parse(t, c, h, p, n);
	default:
		return conn_http1_parse(t, c, h, p, n);
	}
}

static void half_keep(struct conn_table *t, struct conn *c, struct half *h, const void *p, size_t n)
{
	if (!n || h->state == HS_SKIP)
		return;
	if (stream__keep(&h->st, p, n)) {
		conn_cap(t, c, "stream buffer");
		if (h->state == HS_H2)
			conn_h2_gap(t, c, h, 0);
		else if (h->state == HS_WS)
			conn_ws_lost(c, h);
		else if (h->state != HS_SNIFF)
			conn_http1_lost(h, false);
	}
}

/* Bytes of half h in stream order: parsed, or kept in its tail until more come. */
static void half_input(struct conn_table *t, struct conn *c, struct half *h, const unsigned char *p,
		       size_t n)
{
	size_t used;

	if (!h->st.tail.len) {
		used = half_parse(t, c, h, p, n);
		half_keep(t, c, h, p + used, n - used);
		return;
	}
	half_keep(t, c, h, p, n);
	h->st.acct.busy = true; /* parsed in place: the budget must not free it meanwhile */
	used = half_parse(t, c, h, h->st.tail.data, h->st.tail.len);
	h->st.acct.busy = false;
	stream__consume(&h->st, used);
}

/* lost bytes are missing before what comes next on half h (cut: the capture cap cut them). */
static void half_gap(struct conn_table *t, struct conn *c, struct half *h, uint64_t lost, bool cut)
{
	t->st.gaps++;
	t->st.bytes_lost += lost;
	tt_debug("conn: pid=%u ssl=%#llx: gap of %llu bytes (%s)", c->pid,
		 (unsigned long long)c->id, (unsigned long long)lost, h->dir ? "read" : "write");
	switch (h->state) {
	case HS_SNIFF:
	case HS_SKIP:
		return;
	case HS_H2:
		conn_h2_gap(t, c, h, lost);
		return;
	default:
		conn_http1_gap(t, c, h, lost, cut);
		return;
	}
}

/* ---- records in ---- */

/*
 * A call that starts a new connection under an identity in use (the key is an address in the
 * process, not the connection): at position 0 on a stream that had advanced (an SSL* reused,
 * positions restarted by SSL_free), or where positions run on across connections (Go's
 * crypto/tls: no end of a connection is probed, and Go's allocator gives a new *tls.Conn the
 * address of one closed before), with bytes only a connection's first call carries: the
 * HTTP/2 client preface, or an HTTP/1 message start where HTTP/2 frames run (a frame's 24-bit
 * length would have to spell the method). Taking it for the old connection would decode it
 * with the old one's protocol and HPACK state, and give its calls the old one's attributes.
 */
static bool conn_reused(const struct conn *c, const struct half *h, const struct tt_data *rec)
{
	enum http1_sniff k;

	if (!(rec->flags & TT_DF_FIRST) || !h->st.started)
		return false;
	if (!rec->pos)
		return h->st.next;
	if (rec->pos != h->st.next)
		return false; /* bytes were lost before it: not known to start anything */
	if (rec->len >= H2_PREFACE_LEN && !memcmp(rec->data, H2_CLIENT_PREFACE, H2_PREFACE_LEN))
		return true;
	if (c->proto != P_HTTP2)
		return false;
	k = http1_sniff((const char *)rec->data, rec->len);
	return k == HTTP1_SNIFF_REQUEST || k == HTTP1_SNIFF_RESPONSE;
}

int conn_table__feed(struct conn_table *t, const struct tt_data *rec, size_t rec_size)
{
	struct conn *c;
	struct half *h;
	uint64_t gap, end;
	size_t off;

	if (rec_size < sizeof(*rec) || rec->len > rec_size - sizeof(*rec) || rec->dir > 1)
		return -EINVAL;
	t->st.records++;
	t->st.bytes += rec->len;
	c = conn_get(t, rec->h.pid, rec->conn);
	if (c && conn_reused(c, &c->h[rec->dir], rec)) {
		conn_end(t, c, rec->h.ts_ns, true);
		c = conn_get(t, rec->h.pid, rec->conn);
	}
	if (!c)
		return -ENOMEM;
	lru_unlink(t, c);
	lru_append(t, c);
	c->last_ts = rec->h.ts_ns;
	c->tls = rec->src != TT_SRC_SOCK;
	c->src = rec->src;
	c->lib = rec->lib;
	if (c->fd < 0 && rec->fd >= 0)
		c->fd = rec->fd;
	h = &c->h[rec->dir];
	h->ts = rec->h.ts_ns;
	h->tid = rec->h.tid;
	if (rec->flags & TT_DF_FIRST) {
		h->call_known = true;
		h->call_pos = rec->pos;
		/* messages start at call boundaries in practice: a place to resume */
		if (h->state == HS_RESYNC && !h->st.tail.len)
			h->line_start = true;
	}
	off = stream__admit(&h->st, rec->pos, rec->len, &gap);
	t->st.dup_bytes += off < rec->len ? off : rec->len;
	if (c->proto == P_SKIP) {
		t->st.skipped_bytes += rec->len;
		return 0;
	}
	/* a gap inside a call marked truncated is its middle, cut by the cap (BPF sends the head
	 * and the tail of such a call) */
	if (gap)
		half_gap(t, c, h, gap, h->call_known && (rec->flags & TT_DF_TRUNCATED));
	/* after any gap: a call that starts with new bytes is where HTTP/2 frames can resume */
	if ((rec->flags & TT_DF_FIRST) && !off && rec->len && h->state == HS_H2 && !h->st.tail.len)
		conn_h2_call_start(c, h);
	if (off < rec->len)
		half_input(t, c, h, rec->data + off, rec->len - off);
	if ((rec->flags & (TT_DF_TRUNCATED | TT_DF_LAST)) == (TT_DF_TRUNCATED | TT_DF_LAST) &&
	    h->call_known && c->proto != P_SKIP) {
		end = h->call_pos + rec->call_len;
		gap = stream__skip_to(&h->st, end);
		if (gap)
			half_gap(t, c, h, gap, true);
	}
	if (rec->flags & TT_DF_LAST)
		h->call_known = false;
	conn_deliver_ready(t, c);
	return 0;
}

void conn_table__close(struct conn_table *t, uint32_t pid, uint64_t conn, uint64_t ts_ns)
{
	struct conn *c = conn_find(t, pid, conn);

	if (!c)
		return;
	t->st.conns_closed++;
	conn_end(t, c, ts_ns, true);
}

void conn_table__proc_exit(struct conn_table *t, uint32_t pid, uint64_t ts_ns)
{
	struct conn *c, *next;

	for (c = t->oldest; c; c = next) {
		next = c->newer;
		if (c->pid == pid) {
			t->st.conns_closed++;
			conn_end(t, c, ts_ns, true);
		}
	}
}

void conn_table__set_peer(struct conn_table *t, uint32_t pid, uint64_t conn, int fd,
			  const char *addr, uint16_t port)
{
	struct conn *c = conn_get(t, pid, conn);
	size_t i;

	if (!c)
		return;
	if (fd >= 0)
		c->fd = fd;
	if (addr) {
		snprintf(c->peer, sizeof(c->peer), "%s", addr);
		c->port = port;
	}
	for (i = 0; i < c->nq; i++) {
		c->q[i].x->fd = c->fd;
		memcpy(c->q[i].x->peer_addr, c->peer, sizeof(c->peer));
		c->q[i].x->peer_port = c->port;
	}
}

void conn_table__connect(struct conn_table *t, const struct tt_connect *c)
{
	/* out of memory: later connections go without a peer name, as after a collision */
	conn_peers__add(&t->peers, c);
}

bool conn_table__ssl_fd(struct conn_table *t, const struct tt_conn_ev *e)
{
	const struct conn_peer *p = conn_peers__find(t->peers, e->h.pid, e->fd);

	if (!p || !p->addr[0]) {
		conn_table__set_peer(t, e->h.pid, e->conn, e->fd, "", 0);
		return false;
	}
	conn_table__set_peer(t, e->h.pid, e->conn, e->fd, p->addr, p->port);
	return true;
}

void conn_table__sock(struct conn_table *t, const struct tt_sock *s)
{
	char addr[INET6_ADDRSTRLEN];

	tt_rec_addr(s->family, s->raddr, addr, sizeof(addr));
	conn_table__set_peer(t, s->h.pid, s->conn, s->fd, addr, s->rport);
}

uint64_t conn_table__connect_ns(const struct conn_table *t, uint32_t pid, int32_t fd, uint16_t port)
{
	const struct conn_peer *p = conn_peers__find(t->peers, pid, fd);

	return p && p->port == port ? p->ts : 0;
}

void conn_table__expire(struct conn_table *t, uint64_t now_ns)
{
	while (t->oldest && t->oldest->last_ts + t->o.idle_ns <= now_ns) {
		t->st.conns_expired++;
		conn_end(t, t->oldest, 0, false);
	}
}

void conn_table__flush(struct conn_table *t)
{
	while (t->oldest)
		conn_end(t, t->oldest, 0, false);
}

const struct conn_stats *conn_table__stats(const struct conn_table *t)
{
	return &t->st;
}

size_t conn_table__count(const struct conn_table *t)
{
	return t->count;
}

const struct tt_budget *conn_table__budget(const struct conn_table *t)
{
	return &t->budget;
}
