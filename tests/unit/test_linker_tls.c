// SPDX-License-Identifier: MIT
/* test_linker_tls.c: spans of TLS connections whose plaintext is not captured. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker.h"
#include "linker_test.h"
#include "tlshello.h"
#include "test.h"

static size_t count_prefix(const struct lt *t, const char *prefix)
{
	size_t i, k = 0;

	for (i = 0; i < t->n; i++)
		k += !strncmp(t->v[i]->name, prefix, strlen(prefix));
	return k;
}

/* pid runs path (argv: path alone), forked by ppid at ts. */
static void ev_start(struct lt *t, uint32_t pid, uint32_t ppid, uint64_t ts, const char *path)
{
	ev_fork(t, pid, ppid, ts);
	ev_exec(t, pid, ts, ts + 1, path, path, NULL);
}

/* The socket of a hello of pid's connection conn to addr:port (IPv4, host order). */
static void hello_sock(struct tt_sock *s, uint32_t pid, uint64_t conn, uint64_t ts, uint32_t addr,
		       uint16_t port)
{
	ev_hdr(&s->h, TT_REC_TLS_HELLO, pid, ts);
	s->conn = TT_CONN_SOCK | conn;
	s->fd = 5;
	s->family = 2;
	s->rport = port;
	s->raddr[0] = addr >> 24;
	s->raddr[1] = addr >> 16;
	s->raddr[2] = addr >> 8;
	s->raddr[3] = addr;
}

/* A hello from a recorded fixture (NULL: no bytes) to addr:port. */
static void ev_hello_to(struct lt *t, uint32_t pid, uint64_t conn, uint64_t ts, uint32_t addr,
			uint16_t port, const char *fixture, uint64_t connect_ns)
{
	static uint8_t buf[sizeof(struct tt_tls_hello) + TT_HELLO_MAX];
	struct tt_tls_hello *h = (void *)buf;
	struct tls_hello th;
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
	hello_sock(&h->s, pid, conn, ts, addr, port);
	h->call_len = n;
	h->len = n;
	/* parsed as the pipeline does (on_tls_hello) */
	linker__tls_hello(t->l, &h->s, tls_hello_parse(h->data, h->len, &th) >= 0 ? &th : NULL,
			  connect_ns);
}

/* A hello from a recorded fixture (NULL: no bytes) to 127.0.0.1:port. */
static void ev_hello(struct lt *t, uint32_t pid, uint64_t conn, uint64_t ts, uint16_t port,
		     const char *fixture, uint64_t connect_ns)
{
	ev_hello_to(t, pid, conn, ts, 0x7f000001, port, fixture, connect_ns);
}

static void ev_close(struct lt *t, uint32_t pid, uint64_t conn, uint64_t ts, uint64_t sent,
		     uint64_t recv)
{
	struct tt_tls_close c = { 0 };

	ev_hdr(&c.h, TT_REC_TLS_CLOSE, pid, ts);
	c.conn = TT_CONN_SOCK | conn;
	c.fd = 5;
	c.bytes[TT_DIR_WRITE] = sent;
	c.bytes[TT_DIR_READ] = recv;
	linker__tls_close(t->l, &c);
}

static void ev_plain(struct lt *t, uint32_t pid, uint64_t ts, uint8_t src)
{
	linker__activity(t->l, pid, src, ts, true);
}

void test_linker_tls_unsupported(void)
{
	struct tt_span *proc, *a, *b, *c3;
	struct linker_stats st;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_start(&t, 100, 1, 1000, "/opt/codex/bin/codex");
	/* plaintext socket traffic says nothing about TLS capture */
	ev_plain(&t, 100, 1050, TT_SRC_SOCK);
	/* nor does a chunk after a call's first: its first one is what counts */
	linker__activity(t.l, 100, TT_SRC_SSL, 1060, false);
	ev_hello(&t, 100, 7, 1200, 443, "tls/rustls-codex.bin", 1100);
	ev_hello(&t, 100, 8, 1300, 8443, NULL, 0);
	ev_hello(&t, 100, 9, 1400, 443, "tls/curl.bin", 0);
	ev_close(&t, 100, 7, 2000, 1900, 52000);
	ev_close(&t, 100, 99, 2100, 1, 1); /* no hello: ignored */
	ev_exit(&t, 100, 1000, 3000, 0);
	/* an exec'd process's close after its exit: ignored */
	ev_close(&t, 100, 8, 3100, 5, 5);
	linker__flush(t.l, 4000);
	if (!LT_NEED(&t, { &proc, "exec codex" }, { &a, "TLS localhost" }, { &b, "TLS 127.0.0.1" },
		     { &c3, "TLS llm.example.test" }))
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
	linker__stats(t.l, &st);
	ASSERT_EQ(st.tls_conns, 3, "connections");
	ASSERT_EQ(st.tls_unsupported, 3, "spans");
	ASSERT_EQ(st.tls_no_counts, 2, "without counts");
	ASSERT_EQ(st.tls_hidden, 0, "none hidden");
out:
	lt_free(&t);
}

/* A process whose TLS plaintext is captured never gets these spans. */
void test_linker_tls_captured(void)
{
	struct linker_stats st;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_start(&t, 100, 1, 1000, "/usr/bin/node");
	ev_hello(&t, 100, 7, 1100, 443, "tls/node.bin", 0);
	ev_plain(&t, 100, 1150, TT_SRC_SSL);
	ev_close(&t, 100, 7, 2000, 600, 4000);
	/* a later connection with no plaintext of its own (pooled, failed): still no span */
	ev_hello(&t, 100, 8, 2100, 443, "tls/node.bin", 0);
	ev_close(&t, 100, 8, 2200, 300, 0);
	ev_hello(&t, 100, 9, 2300, 443, "tls/node.bin", 0);
	ev_exit(&t, 100, 1000, 3000, 0);
	/* Go: plaintext of another source */
	ev_start(&t, 200, 1, 4000, "/usr/local/bin/goagent");
	ev_hello(&t, 200, 7, 4100, 443, "tls/go.bin", 0);
	ev_plain(&t, 200, 4150, TT_SRC_GOTLS);
	ev_close(&t, 200, 7, 4200, 600, 4000);
	ev_exit(&t, 200, 4000, 5000, 0);
	linker__flush(t.l, 6000);
	ASSERT_EQ(count_prefix(&t, "TLS "), 0, "no TLS spans");
	ASSERT_OK_PTR(find(&t, "exec node"), "process span");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.tls_conns, 4, "connections seen");
	ASSERT_EQ(st.tls_hidden, 4, "all hidden");
	lt_free(&t);
}

/* Under the tool window of an agent when the SNI matches its arguments; flush: incomplete. */
void test_linker_tls_in_tool(void)
{
	struct tt_span *tool, *tls, *open;
	struct genai_call *c;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_start(&t, 100, 1, 1000, "/usr/bin/python3");
	c = call_new(100, 1100, 1200, "gpt-4o");
	call_ask(c, "call_1", "fetch", "{\"url\":\"https://llm.example.test/x\"}");
	linker__add_call(t.l, c, NULL);
	/* the LLM call was captured: mark it so, then a stack of the same process that is not */
	ev_plain(&t, 100, 1150, TT_SRC_SOCK);
	ev_hello(&t, 100, 7, 1300, 443, "tls/curl.bin", 0);
	ev_close(&t, 100, 7, 1400, 500, 900);
	ev_hello(&t, 100, 8, 1500, 443, NULL, 0);
	linker__flush(t.l, 2000);
	tool = find(&t, "execute_tool fetch");
	tls = find(&t, "TLS llm.example.test");
	open = find(&t, "TLS 127.0.0.1");
	ASSERT_TRUE(parent_is(tls, tool), "under the tool window");
	ASSERT_TRUE(battr(open, "tracetree.incomplete"), "open at shutdown: incomplete");
	lt_free(&t);
}

/* A hello naming server sni (no fixture needed) to addr:443, parsed fields given directly. */
static void ev_hello_sni(struct lt *t, uint32_t pid, uint64_t conn, uint64_t ts, uint32_t addr,
			 const char *sni)
{
	struct tt_tls_hello h = { 0 };
	struct tls_hello th = { .version = 0x0303, .has_sni = true };

	snprintf(th.sni, sizeof(th.sni), "%s", sni);
	hello_sock(&h.s, pid, conn, ts, addr, 443);
	linker__tls_hello(t->l, &h.s, &th, 0);
}

/* The spans of pid's process (its resource's process.pid) in t, and whether all share a trace. */
static size_t spans_of(const struct lt *t, uint32_t pid, bool *one_trace)
{
	const uint8_t *id = NULL;
	size_t i, k = 0;

	*one_trace = true;
	for (i = 0; i < t->n; i++) {
		if (iattr(t->v[i], "process.pid") != pid)
			continue;
		if (id && memcmp(id, t->v[i]->trace_id, 16))
			*one_trace = false;
		id = t->v[i]->trace_id;
		k++;
	}
	return k;
}

/*
 * --all: a process tree without an LLM call is exported when a process of it had a TLS
 * connection that could not be read to an LLM API host (by SNI) or to this host (loopback);
 * other unreadable TLS (to any other host) and readable TLS keep it out.
 */
void test_linker_tls_all_mode(void)
{
	struct linker_opts o = { .agents_only = true };
	struct tt_span *proc, *tls, *api, *child;
	struct linker_stats st;
	bool one;
	struct lt t;

	if (!lt_open(&t, &o))
		return;
	/* 100: to this host, its SNI any name; it starts a tool that exits before it */
	ev_start(&t, 100, 1, 1000, "/opt/blind/agent");
	ev_hello(&t, 100, 7, 1100, 8443, "tls/curl.bin", 1050);
	ev_start(&t, 101, 100, 1200, "/bin/ls");
	ev_exit(&t, 101, 1200, 1300, 0);
	ev_close(&t, 100, 7, 1500, 700, 9000);
	ev_exit(&t, 100, 1000, 2000, 0);
	/* 200: an LLM API by name, at a remote address; connection open at its exit */
	ev_start(&t, 200, 1, 3000, "/opt/blind/agent2");
	ev_hello_sni(&t, 200, 7, 3100, 0x0a000005, "API.Anthropic.com");
	ev_exit(&t, 200, 3000, 3500, 1);
	/* 300: unreadable TLS to another host: not exported */
	ev_start(&t, 300, 1, 4000, "/usr/lib/jvm/bin/java");
	ev_hello_to(&t, 300, 7, 4100, 0x0a000005, 443, "tls/curl.bin", 0);
	ev_hello_sni(&t, 300, 8, 4200, 0x0a000006, "repo.example.org");
	ev_close(&t, 300, 7, 4300, 10, 10);
	ev_exit(&t, 300, 4000, 4500, 0);
	/* 400: to this host, but its TLS is read (no LLM call): not exported */
	ev_start(&t, 400, 1, 5000, "/usr/bin/curl");
	ev_hello(&t, 400, 7, 5100, 8443, "tls/curl.bin", 0);
	ev_plain(&t, 400, 5150, TT_SRC_SSL);
	ev_close(&t, 400, 7, 5200, 100, 100);
	ev_exit(&t, 400, 5000, 5500, 0);
	linker__flush(t.l, 6000);
	if (!LT_NEED(&t, { &proc, "exec agent" }, { &tls, "TLS llm.example.test" },
		     { &api, "TLS API.Anthropic.com" }))
		goto out;
	ASSERT_EQ(spans_of(&t, 100, &one), 2, "process 100: its span and its TLS span");
	ASSERT_TRUE(one, "process 100: one trace");
	ASSERT_TRUE(parent_is(tls, proc), "TLS span under its process");
	ASSERT_FALSE(proc->has_parent, "the process is the root");
	ASSERT_STREQ(sattr(tls, "tracetree.capture"), "unsupported", "capture");
	ASSERT_EQ(iattr(tls, "server.port"), 8443, "server.port");
	ASSERT_EQ(iattr(tls, "tracetree.tls.bytes_received"), 9000, "bytes received");
	ASSERT_EQ(spans_of(&t, 200, &one), 2, "process 200: its span and its TLS span");
	ASSERT_TRUE(one, "process 200: one trace");
	ASSERT_STREQ(sattr(api, "network.peer.address"), "10.0.0.5", "peer");
	ASSERT_TRUE(battr(api, "tracetree.incomplete") == false, "ended at the exit: complete");
	ASSERT_EQ(spans_of(&t, 300, &one), 0, "process 300: other hosts only: dropped");
	ASSERT_EQ(spans_of(&t, 400, &one), 0, "process 400: TLS read, no LLM call: dropped");
	/* a tool it started while its connection was open: in its trace, under it */
	child = find(&t, "exec ls");
	ASSERT_TRUE(parent_is(child, proc), "its tool under it");
	ASSERT_EQ(spans_of(&t, 101, &one), 1, "the tool's span");
	ASSERT_TRUE(child && !memcmp(child->trace_id, proc->trace_id, 16), "in its trace");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.tls_unsupported, 4, "TLS spans made (two dropped with their trace)");
	ASSERT_EQ(st.spans_dropped, 3 + 1, "java and its two TLS spans, curl");
out:
	lt_free(&t);
}
