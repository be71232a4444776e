// SPDX-License-Identifier: MIT
/* test_linker_tls.c: spans of TLS connections whose plaintext is not captured. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "linker.h"
#include "test.h"

#define MAX_SPANS 64

struct col {
	struct tt_span *v[MAX_SPANS];
	size_t n;
};

static void col_sink(struct tt_span *s, void *ctx)
{
	struct col *c = ctx;

	if (c->n < MAX_SPANS)
		c->v[c->n++] = s;
	else
		span__free(s);
}

static void col_free(struct col *c)
{
	while (c->n)
		span__free(c->v[--c->n]);
}

static struct tt_span *find(const struct col *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i]->name, name))
			return c->v[i];
	return NULL;
}

static size_t count_prefix(const struct col *c, const char *prefix)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++)
		k += !strncmp(c->v[i]->name, prefix, strlen(prefix));
	return k;
}

static const char *sattr(const struct tt_span *s, const char *key)
{
	return s ? attrs_get_str(&s->attrs, key) : NULL;
}

static long long iattr(const struct tt_span *s, const char *key)
{
	const struct attr *a = s ? attrs_get(&s->attrs, key) : NULL;

	return a && a->type == ATTR_INT ? a->i : -1;
}

static bool parent_is(const struct tt_span *child, const struct tt_span *parent)
{
	return child && parent && child->has_parent &&
	       !memcmp(child->parent_id, parent->span_id, 8);
}

static struct linker *new_linker(struct col *c)
{
	struct linker_opts o = { .single_trace = true, .host_name = "box" };

	memset(c, 0, sizeof(*c));
	return linker__new(&o, col_sink, c);
}

static void ev_start(struct linker *l, uint32_t pid, uint32_t ppid, uint64_t t, const char *path)
{
	struct tt_fork f = { 0 };
	static struct tt_exec e;

	f.h.type = TT_REC_FORK;
	f.h.pid = f.h.tid = pid;
	f.h.ts_ns = f.start_ns = t;
	f.ppid = ppid;
	linker__fork(l, &f);
	memset(&e, 0, sizeof(e));
	e.h.type = TT_REC_EXEC;
	e.h.pid = e.h.tid = pid;
	e.h.ts_ns = t + 1;
	e.start_ns = t;
	e.path_len = strlen(path);
	memcpy(e.path, path, e.path_len);
	memcpy(e.args, path, e.path_len);
	e.args_len = e.args_full = e.path_len + 1;
	linker__exec(l, &e);
}

static void ev_exit(struct linker *l, uint32_t pid, uint64_t start, uint64_t t)
{
	struct tt_exit x = { 0 };

	x.h.type = TT_REC_EXIT;
	x.h.pid = x.h.tid = pid;
	x.h.ts_ns = t;
	x.start_ns = start;
	linker__exit(l, &x);
}

/* A hello from a recorded fixture (NULL: no bytes) to 127.0.0.1:port. */
static void ev_hello(struct linker *l, uint32_t pid, uint64_t conn, uint64_t t, uint16_t port,
		     const char *fixture, uint64_t connect_ns)
{
	static uint8_t buf[sizeof(struct tt_tls_hello) + TT_HELLO_MAX];
	struct tt_tls_hello *h = (void *)buf;
	uint8_t *p = NULL;
	size_t n = 0;

	memset(buf, 0, sizeof(buf));
	if (fixture) {
		p = test__read_fixture(fixture, &n);
		ASSERT_OK_PTR(p, "fixture");
		if (n > TT_HELLO_MAX)
			n = TT_HELLO_MAX;
		if (p)
			memcpy(h->data, p, n);
		free(p);
	}
	h->s.h.type = TT_REC_TLS_HELLO;
	h->s.h.pid = h->s.h.tid = pid;
	h->s.h.ts_ns = t;
	h->s.conn = TT_CONN_SOCK | conn;
	h->s.fd = 5;
	h->s.family = 2;
	h->s.rport = port;
	h->s.raddr[0] = 127;
	h->s.raddr[3] = 1;
	h->call_len = n;
	h->len = n;
	linker__tls_hello(l, h, connect_ns);
}

static void ev_close(struct linker *l, uint32_t pid, uint64_t conn, uint64_t t, uint64_t sent,
		     uint64_t recv)
{
	struct tt_tls_close c = { 0 };

	c.h.type = TT_REC_TLS_CLOSE;
	c.h.pid = c.h.tid = pid;
	c.h.ts_ns = t;
	c.conn = TT_CONN_SOCK | conn;
	c.fd = 5;
	c.bytes[TT_DIR_WRITE] = sent;
	c.bytes[TT_DIR_READ] = recv;
	linker__tls_close(l, &c);
}

static void ev_plain(struct linker *l, uint32_t pid, uint64_t t, uint8_t src)
{
	struct tt_data d = { 0 };

	d.h.type = TT_REC_DATA;
	d.h.pid = d.h.tid = pid;
	d.h.ts_ns = t;
	d.conn = 0x7f0000001000;
	d.src = src;
	d.flags = TT_DF_FIRST | TT_DF_LAST;
	linker__data(l, &d);
}

void test_linker_tls_unsupported(void)
{
	struct tt_span *proc, *a, *b, *c3;
	struct linker_stats st;
	struct col col;
	struct linker *l = new_linker(&col);

	if (!ASSERT_OK_PTR(l, "new"))
		return;
	ev_start(l, 100, 1, 1000, "/opt/codex/bin/codex");
	/* plaintext socket traffic says nothing about TLS capture */
	ev_plain(l, 100, 1050, TT_SRC_SOCK);
	ev_hello(l, 100, 7, 1200, 443, "tls/rustls-codex.bin", 1100);
	ev_hello(l, 100, 8, 1300, 8443, NULL, 0);
	ev_hello(l, 100, 9, 1400, 443, "tls/curl.bin", 0);
	ev_close(l, 100, 7, 2000, 1900, 52000);
	ev_close(l, 100, 99, 2100, 1, 1);	/* no hello: ignored */
	ev_exit(l, 100, 1000, 3000);
	/* an exec'd process's close after its exit: ignored */
	ev_close(l, 100, 8, 3100, 5, 5);
	linker__flush(l, 4000);
	proc = find(&col, "exec codex");
	a = find(&col, "TLS localhost");
	b = find(&col, "TLS 127.0.0.1");
	c3 = find(&col, "TLS llm.example.test");
	ASSERT_OK_PTR(proc, "process span");
	if (!ASSERT_OK_PTR(a, "span named by SNI") || !ASSERT_OK_PTR(b, "span named by peer") ||
	    !ASSERT_OK_PTR(c3, "ended at exit"))
		goto out;
	ASSERT_EQ(a->kind, SPAN_KIND_CLIENT, "client span");
	ASSERT_TRUE(parent_is(a, proc), "under the process");
	ASSERT_EQ(a->start_ns, 1100, "starts at connect()");
	ASSERT_EQ(a->end_ns, 2000, "ends at close()");
	ASSERT_STREQ(sattr(a, "server.address"), "localhost", "server.address = SNI");
	ASSERT_EQ(iattr(a, "server.port"), 443, "server.port");
	ASSERT_STREQ(sattr(a, "network.peer.address"), "127.0.0.1", "peer address");
	ASSERT_EQ(iattr(a, "network.peer.port"), 443, "peer port");
	ASSERT_STREQ(sattr(a, "tls.client.server_name"), "localhost", "SNI attribute");
	ASSERT_STREQ(sattr(a, "tracetree.tls.alpn"), "h2,http/1.1", "ALPN offered");
	ASSERT_STREQ(sattr(a, "tracetree.capture"), "unsupported", "capture");
	ASSERT_TRUE(sattr(a, "tracetree.capture.reason") &&
		    strstr(sattr(a, "tracetree.capture.reason"), "/opt/codex/bin/codex"),
		    "reason names the executable");
	ASSERT_EQ(iattr(a, "tracetree.tls.bytes_sent"), 1900, "bytes sent");
	ASSERT_EQ(iattr(a, "tracetree.tls.bytes_received"), 52000, "bytes received");
	/* no hello bytes: named by the peer; open at exit: ends then, without counts */
	ASSERT_STREQ(sattr(b, "server.address"), "127.0.0.1", "server.address = peer");
	ASSERT_EQ(b->start_ns, 1300, "starts at the hello");
	ASSERT_EQ(b->end_ns, 3000, "ends at the exit");
	ASSERT_EQ(iattr(b, "tracetree.tls.bytes_sent"), -1, "no counts");
	ASSERT_NULL(sattr(b, "tls.client.server_name"), "no SNI attribute");
	ASSERT_EQ(c3->end_ns, 3000, "ends at the exit too");
	linker__stats(l, &st);
	ASSERT_EQ(st.tls_conns, 3, "connections");
	ASSERT_EQ(st.tls_unsupported, 3, "spans");
	ASSERT_EQ(st.tls_no_counts, 2, "without counts");
	ASSERT_EQ(st.tls_hidden, 0, "none hidden");
out:
	col_free(&col);
	linker__free(l);
}

/* A process whose TLS plaintext is captured never gets these spans. */
void test_linker_tls_captured(void)
{
	struct linker_stats st;
	struct col col;
	struct linker *l = new_linker(&col);

	if (!ASSERT_OK_PTR(l, "new"))
		return;
	ev_start(l, 100, 1, 1000, "/usr/bin/node");
	ev_hello(l, 100, 7, 1100, 443, "tls/node.bin", 0);
	ev_plain(l, 100, 1150, TT_SRC_SSL);
	ev_close(l, 100, 7, 2000, 600, 4000);
	/* a later connection with no plaintext of its own (pooled, failed): still no span */
	ev_hello(l, 100, 8, 2100, 443, "tls/node.bin", 0);
	ev_close(l, 100, 8, 2200, 300, 0);
	ev_hello(l, 100, 9, 2300, 443, "tls/node.bin", 0);
	ev_exit(l, 100, 1000, 3000);
	/* Go: plaintext of another source */
	ev_start(l, 200, 1, 4000, "/usr/local/bin/goagent");
	ev_hello(l, 200, 7, 4100, 443, "tls/go.bin", 0);
	ev_plain(l, 200, 4150, TT_SRC_GOTLS);
	ev_close(l, 200, 7, 4200, 600, 4000);
	ev_exit(l, 200, 4000, 5000);
	linker__flush(l, 6000);
	ASSERT_EQ(count_prefix(&col, "TLS "), 0, "no TLS spans");
	ASSERT_OK_PTR(find(&col, "exec node"), "process span");
	linker__stats(l, &st);
	ASSERT_EQ(st.tls_conns, 4, "connections seen");
	ASSERT_EQ(st.tls_hidden, 4, "all hidden");
	col_free(&col);
	linker__free(l);
}

/* Under the tool window of an agent when the SNI matches its arguments; flush: incomplete. */
void test_linker_tls_in_tool(void)
{
	struct tt_span *tool, *tls, *open;
	struct genai_call *c;
	struct col col;
	struct linker *l = new_linker(&col);
	const struct attr *a;

	if (!ASSERT_OK_PTR(l, "new"))
		return;
	ev_start(l, 100, 1, 1000, "/usr/bin/python3");
	c = calloc(1, sizeof(*c));
	c->pid = c->tid = 100;
	c->start_ns = 1100;
	c->end_ns = 1200;
	c->provider_name = "openai";
	c->operation = "chat";
	c->request_model = strdup("gpt-4o");
	c->http_status = 200;
	c->tool_calls = calloc(1, sizeof(*c->tool_calls));
	c->n_tool_calls = 1;
	c->tool_calls[0].id = strdup("call_1");
	c->tool_calls[0].name = strdup("fetch");
	c->tool_calls[0].arguments = strdup("{\"url\":\"https://llm.example.test/x\"}");
	c->tool_calls[0].type = "function";
	linker__add_call(l, c, NULL);
	/* the LLM call was captured: mark it so, then a stack of the same process that is not */
	ev_plain(l, 100, 1150, TT_SRC_SOCK);
	ev_hello(l, 100, 7, 1300, 443, "tls/curl.bin", 0);
	ev_close(l, 100, 7, 1400, 500, 900);
	ev_hello(l, 100, 8, 1500, 443, NULL, 0);
	linker__flush(l, 2000);
	tool = find(&col, "execute_tool fetch");
	tls = find(&col, "TLS llm.example.test");
	open = find(&col, "TLS 127.0.0.1");
	ASSERT_TRUE(parent_is(tls, tool), "under the tool window");
	a = open ? attrs_get(&open->attrs, "tracetree.incomplete") : NULL;
	ASSERT_TRUE(a && a->b, "open at shutdown: incomplete");
	col_free(&col);
	linker__free(l);
}
