// SPDX-License-Identifier: MIT
/*
 * test_linker_net.c: the connection attributes of an LLM span are those of the connection that
 * carried the call (network.peer.*, network.protocol.*, tracetree.tls.library and .alpn): by
 * its socket when the plaintext names it (an fd, the record cipher's inode), else by the open
 * TLS connections of the process to the call's server, with only what they all agree on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker.h"
#include "linker_test.h"
#include "tlshello.h"
#include "test.h"

#define LOCAL 0x7f000001u

static void net_start(struct lt *t, uint32_t pid, const char *path)
{
	ev_fork(t, pid, 1, 1000);
	ev_exec(t, pid, 1000, 1001, path, path, NULL);
}

/* A ClientHello (a recorded fixture's) of pid's socket inode ino, fd fd, to addr:port at ts. */
static void net_hello(struct lt *t, uint32_t pid, uint64_t ino, int fd, uint64_t ts, uint32_t addr,
		      uint16_t port, const char *fixture)
{
	static uint8_t buf[sizeof(struct tt_tls_hello) + TT_HELLO_MAX];
	struct tt_tls_hello *h = (void *)buf;
	struct tls_hello th;

	if (!hello_rec(h, pid, ino, fd, ts, addr, port, fixture))
		return;
	linker__tls_hello(t->l, &h->s, tls_hello_parse(h->data, h->len, &th) >= 0 ? &th : NULL, 0);
}

static void net_close(struct lt *t, uint32_t pid, uint64_t ino, int fd, uint64_t ts)
{
	struct tt_tls_close c = { 0 };

	ev_hdr(&c.h, TT_REC_TLS_CLOSE, pid, ts);
	c.conn = TT_CONN_SOCK | ino;
	c.fd = fd;
	linker__tls_close(t->l, &c);
}

/* A call for model over TLS (src) to host:port, HTTP version v, on socket fd (-1: unknown). */
static void net_call(struct lt *t, uint32_t pid, uint64_t ts, const char *model, uint8_t src,
		     const char *host, int port, uint8_t v, int fd, uint64_t conn)
{
	struct genai_call *c = call_new(pid, ts, ts + 10, model);

	free(c->server_address);
	c->server_address = strdup(host);
	c->server_port = port;
	c->tls = src != TT_SRC_SOCK;
	c->src = src;
	c->http_version = v;
	c->fd = fd;
	c->conn = conn;
	if (src == TT_SRC_SOCK) { /* a plaintext socket: its peer from TT_REC_SOCK */
		snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", host);
		c->peer_port = port;
	}
	linker__add_call(t->l, c, NULL);
}

/* a is b, or both are absent (NULL) */
static void str_is(const char *a, const char *b, const char *name, const char *key)
{
	tt_test_check(a == b || (a && b && !strcmp(a, b)), __FILE__, __LINE__, name,
		      "%s: \"%s\" != \"%s\"", key, a ? a : "(null)", b ? b : "(null)");
}

/* The span of model has these connection attributes (NULL, -1: absent). */
static void check_net(const struct lt *t, const char *model, const char *peer, long long port,
		      const char *lib, const char *alpn, const char *version)
{
	const struct tt_span *s = chat_span(t, model);
	const char *name = model;

	if (!s)
		return;
	str_is(sattr(s, "network.peer.address"), peer, name, "network.peer.address");
	ASSERT_EQ(iattr(s, "network.peer.port"), port, name);
	str_is(sattr(s, "tracetree.tls.library"), lib, name, "tracetree.tls.library");
	str_is(sattr(s, "tracetree.tls.alpn"), alpn, name, "tracetree.tls.alpn");
	ASSERT_STREQ(sattr(s, "network.protocol.name"), "http", name);
	str_is(sattr(s, "network.protocol.version"), version, name, "network.protocol.version");
}

/*
 * Go: crypto/tls plaintext names no socket. Two connections open at once to two ports of this
 * host, HTTP/2 on one (offered h2) and HTTP/1.1 on the other: each call gets its own.
 */
void test_linker_net_go_two_ports(void)
{
	struct lt t;

	if (!lt_new(&t, true))
		return;
	net_start(&t, 100, "/usr/local/bin/goagent");
	net_hello(&t, 100, 7, 5, 1100, LOCAL, 1111, "tls/go.bin");
	net_hello(&t, 100, 8, 6, 1200, LOCAL, 2222, "tls/python.bin");
	linker__activity(t.l, 100, TT_SRC_GOTLS, 1300, true);
	net_call(&t, 100, 1400, "h2-0", TT_SRC_GOTLS, "127.0.0.1", 1111, 20, -1, 0xc000a0);
	net_call(&t, 100, 1410, "h1-0", TT_SRC_GOTLS, "127.0.0.1", 2222, 11, -1, 0xc000b0);
	net_call(&t, 100, 1420, "h2-1", TT_SRC_GOTLS, "127.0.0.1", 1111, 20, -1, 0xc000a0);
	ev_exit(&t, 100, 1000, 3000, 0);
	linker__flush(t.l, 4000);
	check_net(&t, "h2-0", "127.0.0.1", 1111, "gotls", "h2,http/1.1", "2");
	check_net(&t, "h2-1", "127.0.0.1", 1111, "gotls", "h2,http/1.1", "2");
	check_net(&t, "h1-0", "127.0.0.1", 2222, "gotls", "http/1.1", "1.1");
	lt_free(&t);
}

/*
 * Two connections to one server: what they disagree on is left out, unless the protocol
 * tells them apart (HTTP/2 over TLS was offered h2); two addresses of one name: no peer.
 */
void test_linker_net_same_server(void)
{
	struct lt t;

	if (!lt_new(&t, true))
		return;
	net_start(&t, 100, "/usr/bin/node");
	net_hello(&t, 100, 7, 5, 1100, LOCAL, 1111, "tls/node.bin");
	net_hello(&t, 100, 8, 6, 1200, LOCAL, 1111, "tls/python.bin");
	linker__activity(t.l, 100, TT_SRC_SSL, 1300, true);
	net_call(&t, 100, 1400, "one-h2", TT_SRC_SSL, "127.0.0.1", 1111, 20, -1, 0xa0);
	net_call(&t, 100, 1410, "one-h1", TT_SRC_SSL, "127.0.0.1", 1111, 11, -1, 0xb0);
	net_close(&t, 100, 7, 5, 1500);
	net_close(&t, 100, 8, 6, 1510);
	/* llm.example.test (the fixtures' SNI) at two addresses */
	net_hello(&t, 100, 9, 5, 1600, 0x0a000001, 443, "tls/curl.bin");
	net_hello(&t, 100, 10, 6, 1700, 0x0a000002, 443, "tls/curl.bin");
	net_call(&t, 100, 1800, "two-addr", TT_SRC_SSL, "llm.example.test", 443, 11, -1, 0xc0);
	/* no open connection to that server: nothing from the hellos */
	net_call(&t, 100, 1810, "other", TT_SRC_SSL, "api.example.test", 443, 11, -1, 0xd0);
	ev_exit(&t, 100, 1000, 3000, 0);
	linker__flush(t.l, 4000);
	check_net(&t, "one-h2", "127.0.0.1", 1111, "openssl", "h2", "2");
	check_net(&t, "one-h1", "127.0.0.1", 1111, "openssl", NULL, "1.1");
	check_net(&t, "two-addr", NULL, -1, "openssl", "h2,http/1.1", "1.1");
	check_net(&t, "other", NULL, -1, "openssl", NULL, "1.1");
	lt_free(&t);
}

/*
 * The socket is known: its fd (the OpenSSL API), a closed one's fd taken by a new connection,
 * or its inode (the record cipher): that connection, though another goes to the same server.
 */
void test_linker_net_by_socket(void)
{
	struct lt t;

	if (!lt_new(&t, true))
		return;
	net_start(&t, 100, "/usr/bin/python3");
	net_hello(&t, 100, 7, 5, 1100, 0x0a000001, 443, "tls/python.bin");
	net_hello(&t, 100, 8, 6, 1200, 0x0a000002, 443, "tls/curl.bin");
	linker__activity(t.l, 100, TT_SRC_SSL_EX, 1300, true);
	net_call(&t, 100, 1400, "fd-6", TT_SRC_SSL_EX, "llm.example.test", 443, 11, 6, 0xa0);
	net_call(&t, 100, 1410, "fd-5", TT_SRC_SSL_EX, "llm.example.test", 443, 11, 5, 0xb0);
	net_close(&t, 100, 7, 5, 1500);
	net_hello(&t, 100, 9, 5, 1600, 0x0a000003, 8443, "tls/node.bin");
	net_call(&t, 100, 1700, "fd-5-again", TT_SRC_SSL_EX, "llm.example.test", 8443, 20, 5, 0xb0);
	/* a request on fd 5 begun before that connection (the old one's, delivered late): not
	 * the new connection's, nor another's (fd 6 is another socket) */
	net_call(&t, 100, 1550, "fd-5-late", TT_SRC_SSL_EX, "llm.example.test", 443, 11, 5, 0xe0);
	/* rustls over aws-lc: keyed by the socket's inode */
	net_call(&t, 100, 1800, "aead", TT_SRC_AEAD, "llm.example.test", 443, 11, -1,
		 TT_CONN_AEAD | 8);
	/* plaintext HTTP: the socket's peer, no TLS */
	net_call(&t, 100, 1900, "plain", TT_SRC_SOCK, "127.0.0.1", 8080, 10, 9, TT_CONN_SOCK | 20);
	ev_exit(&t, 100, 1000, 3000, 0);
	linker__flush(t.l, 4000);
	check_net(&t, "fd-6", "10.0.0.2", 443, "openssl", "h2,http/1.1", "1.1");
	check_net(&t, "fd-5", "10.0.0.1", 443, "openssl", "http/1.1", "1.1");
	check_net(&t, "fd-5-again", "10.0.0.3", 8443, "openssl", "h2", "2");
	check_net(&t, "fd-5-late", NULL, -1, "openssl", NULL, "1.1");
	check_net(&t, "aead", "10.0.0.2", 443, "aws-lc", "h2,http/1.1", "1.1");
	check_net(&t, "plain", "127.0.0.1", 8080, NULL, NULL, "1.0");
	lt_free(&t);
}
