// SPDX-License-Identifier: MIT
/* test_health.c: the health server's request parser, verdict and responses; its thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "health_http.h"
#include "test.h"
#include "tt_parse.h"

#define SEC 1000000000ull

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* Parses the n bytes of s from a guarded copy: what the parser returned. */
static int parse(const char *s, size_t n, struct health_req *r, char *path, size_t plen)
{
	char *g = test__guarded(s, n);
	int ret = health_parse_request(g, n, r);

	if (ret > 0 && path)
		snprintf(path, plen, "%.*s", (int)r->path_len, r->path);
	test__guarded_free(g);
	return ret;
}

void test_health_parse_ok(void)
{
	static const struct {
		const char *in, *path;
	} ok[] = {
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: Prometheus/2\r\n\r\n",
		  "/metrics" },
		{ "GET /healthz HTTP/1.0\n\n", "/healthz" },
		{ "GET /healthz?verbose=1 HTTP/1.1\r\nA:\r\n\r\n", "/healthz" },
		{ "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "/" },
		{ "GET /metrics HTTP/1.1\r\nX: a\tb \xc3\xa9\r\n\r\n", "/metrics" },
	};
	struct health_req r;
	char path[64];
	size_t i, n, len, head;
	int ret;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		len = strlen(ok[i].in);
		head = strstr(ok[i].in, "\n\n") ?
			       (size_t)(strstr(ok[i].in, "\n\n") - ok[i].in) + 2 :
			       (size_t)(strstr(ok[i].in, "\r\n\r\n") - ok[i].in) + 4;
		ret = parse(ok[i].in, len, &r, path, sizeof(path));
		if (!ASSERT_EQ(ret, (int)head, ok[i].in))
			continue;
		ASSERT_STREQ(path, ok[i].path, ok[i].in);
		/* every prefix of the head is a head still coming */
		for (n = 0; n < head; n++)
			if (!ASSERT_EQ(parse(ok[i].in, n, &r, NULL, 0), TT_NEED_MORE, ok[i].in))
				break;
	}
	ASSERT_EQ(health_parse_request("POST /x HTTP/1.1\r\n\r\n", 20, &r), 20, "method");
	ASSERT_EQ(r.method_len, 4, "method len");
	ASSERT_OK(memcmp(r.method, "POST", 4), "method bytes");
}

void test_health_parse_malformed(void)
{
	static const char *const bad[] = {
		"\r\n\r\n",
		" GET /metrics HTTP/1.1\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET /metrics HTTP/2.0\r\n\r\n",
		"GET /metrics HTTP/1.1 \r\n\r\n",
		"GET /met\x01rics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1.x\r\n\r\n",
		"G\xc3\xa9T /metrics HTTP/1.1\r\n\r\n",
		"GETGETGETGETGETGET /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nA: b\x1b[2J\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nA: b\rc\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nA b: c\r\n\r\n",
	};
	struct health_req r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(parse(bad[i], strlen(bad[i]), &r, NULL, 0), -EBADMSG, bad[i]);
	/* a NUL in the target */
	ASSERT_EQ(parse("GET /a\0b HTTP/1.1\r\n\r\n", 21, &r, NULL, 0), -EBADMSG, "NUL");
}

/* A head that does not end within TT_HEALTH_MAX_REQ bytes is refused there, not read on. */
void test_health_parse_cap(void)
{
	char *big = malloc(TT_HEALTH_MAX_REQ + 100);
	struct health_req r;
	size_t n;

	if (!ASSERT_OK_PTR(big, "alloc"))
		return;
	n = (size_t)snprintf(big, 64, "GET /metrics HTTP/1.1\r\nX: ");
	memset(big + n, 'a', TT_HEALTH_MAX_REQ + 100 - n);
	ASSERT_EQ(parse(big, TT_HEALTH_MAX_REQ - 1, &r, NULL, 0), TT_NEED_MORE, "one short");
	ASSERT_EQ(parse(big, TT_HEALTH_MAX_REQ, &r, NULL, 0), -E2BIG, "at the cap");
	ASSERT_EQ(parse(big, TT_HEALTH_MAX_REQ + 100, &r, NULL, 0), -E2BIG, "past it");
	memcpy(big + TT_HEALTH_MAX_REQ - 4, "\r\n\r\n", 4);
	ASSERT_EQ(parse(big, TT_HEALTH_MAX_REQ, &r, NULL, 0), TT_HEALTH_MAX_REQ, "ends at the cap");
	/* a request line alone filling it */
	memset(big, 'A', TT_HEALTH_MAX_REQ);
	ASSERT_EQ(parse(big, TT_HEALTH_MAX_REQ, &r, NULL, 0), -E2BIG, "no line end");
	free(big);
}

static void published(struct health_state *s, uint64_t now, uint64_t queue, uint64_t sent,
		      uint64_t rejected)
{
	struct tt_metrics m = { .attached = true, .queue_bytes = queue };

	m.http_sent = sent;
	m.http_rejected = rejected;
	health_state_update(s, &m, now);
}

static bool verdict(const struct health_state *s, uint64_t now, char *why, size_t len)
{
	struct tt_buf b;
	bool ok;

	tt_buf_init(&b, 4096);
	ok = health_check(s, now, &b);
	snprintf(why, len, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
	tt_buf_free(&b);
	return ok;
}

void test_health_check(void)
{
	struct health_state s = { 0 };
	struct tt_metrics m = { 0 };
	uint64_t t = 1000 * SEC;
	char why[512];
	int i;

	ASSERT_FALSE(verdict(&s, t, why, sizeof(why)), "before the first publication");
	ASSERT_STREQ(why, "probes: not attached yet\nmain loop: not started yet\n", "why");
	health_state_update(&s, &m, t); /* published, not attached */
	ASSERT_FALSE(verdict(&s, t, why, sizeof(why)), "not attached");
	ASSERT_STREQ(why, "probes: not attached yet\n", "why not attached");
	published(&s, t, 0, 0, 0);
	ASSERT_TRUE(verdict(&s, t + 9 * SEC, why, sizeof(why)), "within 10 s");
	ASSERT_FALSE(verdict(&s, t + 10 * SEC, why, sizeof(why)), "silent 10 s");
	ASSERT_STREQ(why, "main loop: silent for 10 s (the ring buffer is not drained)\n",
		     "why silent");

	/* a queue that does not move for 60 s, though the loop goes on */
	for (i = 1; i <= 60; i++)
		published(&s, t + (uint64_t)i * SEC, 500, 0, 0);
	ASSERT_FALSE(verdict(&s, t + 60 * SEC, why, sizeof(why)), "stuck");
	ASSERT_STREQ(why, "exporter: 500 bytes queued, none sent for 60 s\n", "why stuck");
	published(&s, t + 61 * SEC, 500, 1, 0); /* one batch out */
	ASSERT_TRUE(verdict(&s, t + 61 * SEC, why, sizeof(why)), "moved");

	/* failures for 60 s without a success: failing; a success ends it */
	t += 100 * SEC;
	for (i = 0; i <= 60; i++)
		published(&s, t + (uint64_t)i * SEC, 0, 1, 1 + (uint64_t)i);
	ASSERT_FALSE(verdict(&s, t + 60 * SEC, why, sizeof(why)), "failing");
	ASSERT_STREQ(why, "exporter: OTLP/HTTP export failing for 60 s (61 spans refused so far)\n",
		     "why failing");
	published(&s, t + 61 * SEC, 0, 2, 61);
	ASSERT_TRUE(verdict(&s, t + 61 * SEC, why, sizeof(why)), "a success");
	/* a failure long past, nothing since: not failing now */
	published(&s, t + 62 * SEC, 0, 2, 62);
	for (i = 63; i <= 200; i++)
		published(&s, t + (uint64_t)i * SEC, 0, 2, 62);
	ASSERT_TRUE(verdict(&s, t + 200 * SEC, why, sizeof(why)), "failure long past");
}

static int respond(const char *req, const struct health_state *s, uint64_t now, char *out,
		   size_t len)
{
	struct health_req r;
	struct tt_buf b;
	int ret = health_parse_request(req, strlen(req), &r), err;

	tt_buf_init(&b, TT_HEALTH_MAX_RESP);
	err = health_respond(&b, ret, &r, s, now);
	snprintf(out, len, "%.*s", (int)b.len, b.data ? (const char *)b.data : "");
	tt_buf_free(&b);
	return err;
}

void test_health_respond(void)
{
	struct health_state s = { 0 };
	struct tt_metrics m = { .attached = true, .version = "0.1.0" };
	char out[16384];

	health_state_update(&s, &m, 5 * SEC);
	ASSERT_OK(respond("GET /healthz HTTP/1.1\r\n\r\n", &s, 6 * SEC, out, sizeof(out)), "ok");
	ASSERT_STREQ(
		out,
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 3\r\nCache-Control: no-store\r\nConnection: close\r\n\r\nok\n",
		"200");
	ASSERT_OK(respond("GET /healthz HTTP/1.1\r\n\r\n", &s, 60 * SEC, out, sizeof(out)), "503");
	ASSERT_STREQ(
		out,
		"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 60\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
		"main loop: silent for 55 s (the ring buffer is not drained)\n",
		"503 text");
	ASSERT_OK(respond("HEAD /healthz HTTP/1.1\r\n\r\n", &s, 6 * SEC, out, sizeof(out)), "405");
	ASSERT_STREQ(
		out,
		"HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 9\r\nAllow: GET\r\nCache-Control: no-store\r\n"
		"Connection: close\r\n\r\nonly GET\n",
		"405 text");
	ASSERT_OK(respond("GET /x HTTP/1.1\r\n\r\n", &s, 6 * SEC, out, sizeof(out)), "404");
	ASSERT_OK(strncmp(out, "HTTP/1.1 404 Not Found\r\n", 24), "404 line");
	ASSERT_OK(respond("GET /metrics\r\n\r\n", &s, 6 * SEC, out, sizeof(out)), "400");
	ASSERT_OK(strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26), "400 line");
	ASSERT_OK(respond("GET /metrics HTTP/1.1\r\n\r\n", &s, 6 * SEC, out, sizeof(out)), "200");
	ASSERT_OK(strncmp(out,
			  "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
			  "charset=utf-8\r\n",
			  71),
		  "metrics type");
	ASSERT_OK_PTR(strstr(out, "\r\n\r\n# HELP tracetree_build_info "), "metrics body");
	ASSERT_OK_PTR(strstr(out, "\ntracetree_build_info{version=\"0.1.0\"} 1\n"), "version");
}

/* One request over a socket to the server on port: the whole response, NUL-ended. */
static bool exchange(int port, const char *req, char *out, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 60 };
	size_t len = 0;
	ssize_t n;
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_GE(fd, 0, "socket"))
		return false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!ASSERT_OK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), "connect") ||
	    !ASSERT_EQ(write(fd, req, strlen(req)), (ssize_t)strlen(req), "send")) {
		close(fd);
		return false;
	}
	while (len + 1 < cap && (n = read(fd, out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd);
	return true;
}

/*
 * The server thread over loopback: what it answers, beside more idle connections than it takes
 * at once (the oldest are closed for the new ones); a port in use is a clear error.
 */
void test_health_server(void)
{
	struct tt_metrics m = { .attached = true, .version = "t" };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int idle[TT_HEALTH_MAX_CLIENTS + 4], i, port;
	struct health *h, *h2;
	char out[65536], err[256], addr[64];

	h = health__new("127.0.0.1:0", NULL, err, sizeof(err));
	if (!ASSERT_OK_PTR(h, err))
		return;
	port = health__port(h);
	ASSERT_TRUE(port > 0, "port chosen");
	if (exchange(port, "GET /healthz HTTP/1.1\r\n\r\n", out, sizeof(out)))
		ASSERT_OK_PTR(strstr(out, "\r\n\r\nprobes: not attached yet\n"),
			      "before publishing");
	health__publish(h, &m, mono_now());
	if (exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)))
		ASSERT_STREQ(strstr(out, "\r\n\r\n"), "\r\n\r\nok\n", "healthy");
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < TT_HEALTH_MAX_CLIENTS + 4; i++) {
		idle[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		connect(idle[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	if (exchange(port, "GET /metrics HTTP/1.1\r\n\r\n", out, sizeof(out)))
		ASSERT_OK_PTR(strstr(out, "\ntracetree_build_info{version=\"t\"} 1\n"),
			      "metrics beside idle clients");
	for (i = 0; i < TT_HEALTH_MAX_CLIENTS + 4; i++)
		close(idle[i]);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	h2 = health__new(addr, NULL, err, sizeof(err));
	ASSERT_NULL(h2, "second listener");
	snprintf(out, sizeof(out), "cannot listen on %s: Address already in use", addr);
	ASSERT_STREQ(err, out, "bind error");
	ASSERT_NULL(health__new("9464", NULL, err, sizeof(err)), "no port");
	ASSERT_STREQ(err, "invalid --health-addr '9464' (HOST:PORT)", "address error");
	health__free(h2);
	health__free(h);
}
