// SPDX-License-Identifier: MIT
/*
 * test_conn_attrs.c: every connection-derived attribute of an LLM span is its own connection's,
 * through the pipeline: one process with several TLS connections at once and one after
 * another (an SSL* freed and reused, a socket fd closed and reused), calls interleaved, Host
 * headers without a port so that server.port comes from the connection's peer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker_test.h"
#include "pipeline.h"
#include "test.h"
#include "tt_abi.h"

#define PID 300

struct ca {
	struct lt t;
	struct pipeline *p;
	uint64_t ts;
	uint64_t pos[4][2]; /* by connection slot */
	uint8_t lib[4];	    /* enum tt_lib its records carry, by connection slot */
};

static bool ca_open(struct ca *c)
{
	struct pipeline_opts o = { .linker = { .single_trace = true, .host_name = "box" },
				   .span_sink = lt_sink };
	static const char args[] = "python3\0agent.py";
	struct tt_exec e;

	memset(c, 0, sizeof(*c));
	o.span_ctx = &c->t;
	c->ts = 1000;
	c->p = pipeline__new(&o);
	if (!ASSERT_OK_PTR(c->p, "pipeline"))
		return false;
	memset(&e, 0, sizeof(e));
	e.h = (struct tt_hdr){ .type = TT_REC_EXEC, .size = sizeof(e), .pid = PID, .tid = PID };
	e.h.ts_ns = e.start_ns = c->ts;
	e.ppid = 1;
	e.path_len = strlen("/usr/bin/python3");
	memcpy(e.path, "/usr/bin/python3", e.path_len);
	e.args_len = e.args_full = sizeof(args);
	memcpy(e.args, args, sizeof(args));
	pipeline__record(c->p, &e, sizeof(e));
	return true;
}

/* fd connect()s to 10.0.0.last:port. */
static void ca_connect(struct ca *c, int fd, uint8_t last, uint16_t port)
{
	struct tt_connect r = {
		.h = { .type = TT_REC_CONNECT, .size = sizeof(r), .pid = PID, .tid = PID },
		.fd = fd,
		.family = 2,
		.port = port,
		.addr = { 10, 0, 0, last },
	};

	r.h.ts_ns = ++c->ts;
	pipeline__record(c->p, &r, sizeof(r));
}

/* A TT_REC_SSL_FD (ssl runs on fd) or a TT_REC_CLOSE (SSL_free of ssl). */
static void ca_conn_ev(struct ca *c, uint16_t type, uint64_t ssl, int fd)
{
	struct tt_conn_ev r = {
		.h = { .type = type, .size = sizeof(r), .pid = PID, .tid = PID },
		.conn = ssl,
		.fd = fd,
	};

	r.h.ts_ns = ++c->ts;
	pipeline__record(c->p, &r, sizeof(r));
}

/* One SSL call on ssl (positions of slot k, restarted when an SSL* is freed). */
static void ca_io(struct ca *c, int k, uint64_t ssl, int fd, int dir, const char *text)
{
	size_t n = strlen(text);
	uint8_t buf[sizeof(struct tt_data) + 1024];
	struct tt_data *r = (void *)buf;

	if (!ASSERT_LE(n, 1024, "call fits"))
		return;
	memset(r, 0, sizeof(*r));
	r->h = (struct tt_hdr){ .type = TT_REC_DATA, .pid = PID, .tid = PID + 1 + k };
	r->h.ts_ns = ++c->ts;
	r->h.size = (uint32_t)(sizeof(*r) + n);
	r->conn = ssl;
	r->pos = c->pos[k][dir];
	r->call_len = r->len = (uint32_t)n;
	r->dir = (uint8_t)dir;
	r->flags = TT_DF_FIRST | TT_DF_LAST;
	r->src = TT_SRC_SSL;
	r->lib = c->lib[k];
	r->fd = fd;
	memcpy(r->data, text, n);
	c->pos[k][dir] += n;
	pipeline__record(c->p, r, sizeof(*r) + n);
}

/* The request of a chat call for model on ssl (Host without a port), or its response. */
static void ca_request(struct ca *c, int k, uint64_t ssl, int fd, const char *model)
{
	char body[128], req[512];

	snprintf(body, sizeof(body), "{\"model\":\"%s\",\"messages\":[]}", model);
	snprintf(req, sizeof(req),
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: llm.internal\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	ca_io(c, k, ssl, fd, TT_DIR_WRITE, req);
}

static void ca_response(struct ca *c, int k, uint64_t ssl, int fd, const char *model)
{
	char body[256], resp[512];

	snprintf(body, sizeof(body),
		 "{\"id\":\"r-%s\",\"object\":\"chat.completion\",\"model\":\"%s\",\"choices\":"
		 "[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}",
		 model, model);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "\r\n%s",
		 strlen(body), body);
	ca_io(c, k, ssl, fd, TT_DIR_READ, resp);
}

static void check_port(const struct lt *t, const char *model, long long port)
{
	const struct tt_span *s = chat_span(t, model);

	if (!s)
		return;
	ASSERT_STREQ(sattr(s, "server.address"), "llm.internal", "server.address: the Host");
	ASSERT_EQ(iattr(s, "server.port"), port, model);
}

#define SSL_A 0x7000a0ull
#define SSL_B 0x7000b0ull

void test_conn_attrs_own_connection(void)
{
	struct ca c;

	if (!ca_open(&c))
		return;
	/* A on fd 5 to :1111 and B on fd 6 to :2222, calls on both in flight at once */
	ca_connect(&c, 5, 1, 1111);
	ca_connect(&c, 6, 2, 2222);
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_A, 5);
	ca_request(&c, 0, SSL_A, 5, "a-1");
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_B, 6);
	ca_request(&c, 1, SSL_B, 6, "b-1");
	ca_response(&c, 1, SSL_B, 6, "b-1");
	ca_response(&c, 0, SSL_A, 5, "a-1");
	ca_request(&c, 1, SSL_B, 6, "b-2");
	ca_request(&c, 0, SSL_A, 5, "a-2");
	ca_response(&c, 0, SSL_A, 5, "a-2");
	ca_response(&c, 1, SSL_B, 6, "b-2");
	/* A freed; its SSL* comes back for a connection on fd 7 to :3333 */
	ca_conn_ev(&c, TT_REC_CLOSE, SSL_A, -1);
	memset(c.pos[0], 0, sizeof(c.pos[0]));
	ca_connect(&c, 7, 3, 3333);
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_A, 7);
	ca_request(&c, 0, SSL_A, 7, "a2-1");
	/* B's fd 6 closed and connected again to :4444, for a new SSL* */
	ca_connect(&c, 6, 4, 4444);
	ca_conn_ev(&c, TT_REC_SSL_FD, 0x7000c0ull, 6);
	ca_request(&c, 2, 0x7000c0ull, 6, "c-1");
	ca_response(&c, 2, 0x7000c0ull, 6, "c-1");
	ca_response(&c, 0, SSL_A, 7, "a2-1");
	pipeline__finish(c.p, ++c.ts);
	check_port(&c.t, "a-1", 1111);
	check_port(&c.t, "a-2", 1111);
	check_port(&c.t, "b-1", 2222);
	check_port(&c.t, "b-2", 2222);
	check_port(&c.t, "a2-1", 3333);
	check_port(&c.t, "c-1", 4444);
	pipeline__free(c.p);
	lt_free(&c.t);
}

/* fd's socket (inode ino) starts TLS to 10.0.0.last:port with the ClientHello of fixture. */
static void ca_hello(struct ca *c, int fd, uint64_t ino, uint8_t last, uint16_t port,
		     const char *fixture)
{
	static uint8_t buf[sizeof(struct tt_tls_hello) + TT_HELLO_MAX];
	size_t n = hello_rec((void *)buf, PID, ino, fd, ++c->ts, 0x0a000000u | last, port, fixture);

	if (n)
		pipeline__record(c->p, buf, n);
}

static void check_net(const struct lt *t, const char *model, const char *peer, long long port,
		      const char *alpn, const char *lib)
{
	const struct tt_span *s = chat_span(t, model);
	const char *name = model;

	if (!s)
		return;
	ASSERT_STREQ(sattr(s, "network.peer.address"), peer, name);
	ASSERT_EQ(iattr(s, "network.peer.port"), port, name);
	ASSERT_STREQ(sattr(s, "tracetree.tls.library"), lib, name);
	ASSERT_STREQ(sattr(s, "tracetree.tls.alpn"), alpn, name);
	ASSERT_STREQ(sattr(s, "network.protocol.name"), "http", name);
	ASSERT_STREQ(sattr(s, "network.protocol.version"), "1.1", name);
}

/*
 * Through the pipeline: the exchange's socket, TLS library and HTTP version reach the span of
 * its call, with the ALPN of that socket's ClientHello; two connections to one server, calls
 * in flight on both, one connection's fd reused by the next.
 */
void test_conn_attrs_tls_connection(void)
{
	struct ca c;

	if (!ca_open(&c))
		return;
	ca_connect(&c, 5, 1, 443);
	ca_connect(&c, 6, 2, 443);
	ca_hello(&c, 5, 51, 1, 443, "tls/python.bin");
	ca_hello(&c, 6, 61, 2, 443, "tls/curl.bin");
	/* B's probes are in a BoringSSL file; A's records are from before the records said (0) */
	c.lib[1] = TT_LIB_BORINGSSL;
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_A, 5);
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_B, 6);
	ca_request(&c, 0, SSL_A, 5, "a-1");
	ca_request(&c, 1, SSL_B, 6, "b-1");
	ca_response(&c, 1, SSL_B, 6, "b-1");
	ca_response(&c, 0, SSL_A, 5, "a-1");
	/* A ends; fd 5 is a new connection, of another client (node's hello), SSL_A again */
	ca_conn_ev(&c, TT_REC_CLOSE, SSL_A, -1);
	{
		struct tt_tls_close r = {
			.h = { .type = TT_REC_TLS_CLOSE, .size = sizeof(r), .pid = PID, .tid = PID },
			.conn = TT_CONN_SOCK | 51,
			.fd = 5,
		};

		r.h.ts_ns = ++c.ts;
		pipeline__record(c.p, &r, sizeof(r));
	}
	memset(c.pos[0], 0, sizeof(c.pos[0]));
	c.lib[0] = TT_LIB_LIBRESSL;
	ca_connect(&c, 5, 3, 443);
	ca_hello(&c, 5, 52, 3, 443, "tls/node.bin");
	ca_conn_ev(&c, TT_REC_SSL_FD, SSL_A, 5);
	ca_request(&c, 0, SSL_A, 5, "a2-1");
	ca_response(&c, 0, SSL_A, 5, "a2-1");
	pipeline__finish(c.p, ++c.ts);
	check_net(&c.t, "a-1", "10.0.0.1", 443, "http/1.1", "openssl");
	check_net(&c.t, "b-1", "10.0.0.2", 443, "h2,http/1.1", "boringssl");
	check_net(&c.t, "a2-1", "10.0.0.3", 443, "h2", "libressl");
	pipeline__free(c.p);
	lt_free(&c.t);
}
