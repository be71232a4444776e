// SPDX-License-Identifier: MIT
/* test_http1.c: HTTP/1.x head parser, sniffing, framing and header redaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "test.h"

static struct http1_head head;

static bool field_is(const struct http1_head *h, size_t i, const char *name, const char *value)
{
	const struct http1_field *f = &h->fields[i];

	if (i >= h->n_fields)
		return false;
	if (name ? !f->name || f->name_len != strlen(name) || memcmp(f->name, name, f->name_len) :
		   f->name != NULL)
		return false;
	return f->value_len == strlen(value) && !memcmp(f->value, value, f->value_len);
}

/*
 * Parses the whole input from a guarded copy, then every prefix (each must need more bytes
 * when shorter than the head), as a parser fed one byte at a time would see it.
 */
static long parse_all_prefixes(const char *in, bool req, size_t max)
{
	size_t n = strlen(in), k;
	long r, whole;
	char *g;

	g = test__guarded(in, n);
	whole = req ? http1_parse_request(g, n, max, &head) :
		      http1_parse_response(g, n, max, &head);
	test__guarded_free(g);
	for (k = 0; k < n && whole > 0; k++) {
		struct http1_head tmp;

		g = test__guarded(in, k);
		r = req ? http1_parse_request(g, k, max, &tmp) :
			  http1_parse_response(g, k, max, &tmp);
		test__guarded_free(g);
		if (k < (size_t)whole && !ASSERT_EQ(r, TT_NEED_MORE, "prefix needs more"))
			return -1000;
		if (k >= (size_t)whole && !ASSERT_EQ(r, whole, "prefix with the whole head"))
			return -1000;
	}
	/* head is filled from the last guarded copy's views: parse once more from a stable copy */
	return whole;
}

void test_http1_request(void)
{
	static const char req[] =
		"POST /v1/messages?beta=true HTTP/1.1\r\n"
		"Host: api.example.com\r\n"
		"Content-Type:application/json  \r\n"
		"X-Multi: a\r\n"
		"X-Folded: first\r\n"
		" \t second\r\n"
		"x-multi: b\r\n"
		"Content-Length: 2\r\n"
		"\r\n"
		"{}";
	long r;

	r = parse_all_prefixes(req, true, TT_MAX_HEADER_BYTES);
	if (!ASSERT_EQ(r, (long)strlen(req) - 2, "head length"))
		return;
	r = http1_parse_request(req, strlen(req), TT_MAX_HEADER_BYTES, &head);
	ASSERT_EQ(head.method_len, 4, "method len");
	ASSERT_TRUE(!memcmp(head.method, "POST", 4), "method");
	ASSERT_EQ(head.target_len, strlen("/v1/messages?beta=true"), "target len");
	ASSERT_TRUE(!memcmp(head.target, "/v1/messages?beta=true", head.target_len), "target");
	ASSERT_EQ(head.minor, 1, "minor");
	ASSERT_EQ(head.n_fields, 7, "fields");
	ASSERT_TRUE(field_is(&head, 0, "Host", "api.example.com"), "host");
	ASSERT_TRUE(field_is(&head, 1, "Content-Type", "application/json"), "ows trimmed");
	ASSERT_TRUE(field_is(&head, 3, "X-Folded", "first"), "folded first");
	ASSERT_TRUE(field_is(&head, 4, NULL, "second"), "continuation");
	ASSERT_TRUE(field_is(&head, 5, "x-multi", "b"), "repeated");
	ASSERT_STREQ(http1_head_field(&head, "x-MULTI")->value[0] == 'a' ? "a" : "?", "a",
		     "first of repeated, case-insensitive");
}

void test_http1_response(void)
{
	static const struct {
		const char *in;
		int status;
		const char *reason;
		int minor;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "OK", 1 },
		{ "HTTP/1.0 404 Not Found\nServer: x\n\n", 404, "Not Found", 0 },
		{ "HTTP/1.1 204\r\n\r\n", 204, "", 1 },
		{ "HTTP/1.1 429 \r\nRetry-After: 1\r\n\r\n", 429, "", 1 },
		{ "HTTP/1.1 100 Continue\r\n\r\n", 100, "Continue", 1 },
	};
	size_t i;
	long r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = parse_all_prefixes(cases[i].in, false, TT_MAX_HEADER_BYTES);
		if (!ASSERT_EQ(r, (long)strlen(cases[i].in), "whole head"))
			continue;
		http1_parse_response(cases[i].in, strlen(cases[i].in), TT_MAX_HEADER_BYTES, &head);
		ASSERT_EQ(head.status, cases[i].status, "status");
		ASSERT_EQ(head.minor, cases[i].minor, "minor");
		ASSERT_EQ(head.reason_len, strlen(cases[i].reason), "reason len");
		ASSERT_TRUE(!memcmp(head.reason, cases[i].reason, head.reason_len), "reason");
	}
}

void test_http1_malformed(void)
{
	static const struct {
		const char *name;
		const char *in;
		size_t len; /* 0 = strlen */
		bool req;
		long want;
	} cases[] = {
		{ "nul in method", "GE\0T / HTTP/1.1\r\n\r\n", 19, true, -EBADMSG },
		{ "ctl in value",
		  "GET / HTTP/1.1\r\nA: b\x01"
		  "c\r\n\r\n",
		  0, true, -EBADMSG },
		{ "nul in value", "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 25, true, -EBADMSG },
		{ "space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, true, -EBADMSG },
		{ "no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 0, true, -EBADMSG },
		{ "fold first", "GET / HTTP/1.1\r\n x\r\n\r\n", 0, true, -EBADMSG },
		{ "bare cr", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 0, true, -EBADMSG },
		{ "http/2 version", "GET / HTTP/2.0\r\n\r\n", 0, true, -EBADMSG },
		{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", 0, true, -EBADMSG },
		{ "no target", "GET HTTP/1.1\r\n\r\n", 0, true, -EBADMSG },
		{ "tls record", "\x16\x03\x01\x02\x00\x01", 0, true, -EBADMSG },
		{ "junk early", "{\"json\": 1}", 0, true, -EBADMSG },
		{ "status 2 digits", "HTTP/1.1 20 OK\r\n\r\n", 0, false, -EBADMSG },
		{ "status letters", "HTTP/1.1 2xx OK\r\n\r\n", 0, false, -EBADMSG },
		{ "status ctl reason", "HTTP/1.1 200 O\x02K\r\n\r\n", 0, false, -EBADMSG },
		{ "status glued", "HTTP/1.1 200OK\r\n\r\n", 0, false, -EBADMSG },
		{ "request as response", "GET / HTTP/1.1\r\n\r\n", 0, false, -EBADMSG },
		{ "truncated head", "GET / HTTP/1.1\r\nHost: a\r\n", 0, true, TT_NEED_MORE },
		{ "partial line", "HTTP/1.1 200 O", 0, false, TT_NEED_MORE },
	};
	size_t i, n;
	char *g;
	long r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		n = cases[i].len ? cases[i].len : strlen(cases[i].in);
		g = test__guarded(cases[i].in, n);
		r = cases[i].req ? http1_parse_request(g, n, 4096, &head) :
				   http1_parse_response(g, n, 4096, &head);
		test__guarded_free(g);
		ASSERT_EQ(r, cases[i].want, cases[i].name);
	}
}

void test_http1_caps(void)
{
	char *big = malloc(70000), *g;
	size_t n = 0, i;
	long r;

	if (!ASSERT_OK_PTR(big, "alloc"))
		return;
	n += sprintf(big, "GET / HTTP/1.1\r\n");
	while (n < 5000)
		n += sprintf(big + n, "X-Pad: %0100d\r\n", 7);
	/* Incomplete and already past the cap: an error, not a wait. */
	g = test__guarded(big, n);
	r = http1_parse_request(g, n, 4096, &head);
	test__guarded_free(g);
	ASSERT_EQ(r, -E2BIG, "head over cap, incomplete");
	memcpy(big + n, "\r\n", 2);
	r = http1_parse_request(big, n + 2, 4096, &head);
	ASSERT_EQ(r, -E2BIG, "head over cap, complete");
	r = http1_parse_request(big, n + 2, 8192, &head);
	ASSERT_EQ(r, (long)n + 2, "same head under a larger cap");

	n = sprintf(big, "GET / HTTP/1.1\r\n");
	for (i = 0; i <= TT_MAX_HEADERS; i++)
		n += sprintf(big + n, "A%zu: v\r\n", i);
	n += sprintf(big + n, "\r\n");
	r = http1_parse_request(big, n, TT_MAX_HEADER_BYTES, &head);
	ASSERT_EQ(r, -E2BIG, "too many fields");

	/* A start line longer than TT_MAX_START_LINE cannot be waited for. */
	n = sprintf(big, "GET /");
	memset(big + n, 'a', TT_MAX_START_LINE);
	n += TT_MAX_START_LINE;
	r = http1_parse_request(big, n, TT_MAX_HEADER_BYTES, &head);
	ASSERT_EQ(r, -E2BIG, "start line over cap");
	free(big);
}

void test_http1_sniff(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n", HTTP1_SNIFF_REQUEST },
		{ "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n", HTTP1_SNIFF_REQUEST },
		{ "HTTP/1.1 200 OK\r\n", HTTP1_SNIFF_RESPONSE },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP1_SNIFF_H2 },
		{ "PRI * HTTP/2.0\r\n", HTTP1_SNIFF_MORE },
		{ "GET / HTT", HTTP1_SNIFF_MORE },
		{ "HTTP/1.1 2", HTTP1_SNIFF_MORE },
		{ "\x16\x03\x01\x00\xa5", HTTP1_SNIFF_OTHER },
		{ "SSH-2.0-OpenSSH_9.2\r\n", HTTP1_SNIFF_OTHER },
		{ "{\"jsonrpc\":\"2.0\"}\n", HTTP1_SNIFF_OTHER },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", HTTP1_SNIFF_OTHER },
	};
	size_t i, n;
	char *g;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].in);
		g = test__guarded(cases[i].in, n);
		ASSERT_EQ(http1_sniff(g, n), cases[i].want, cases[i].in);
		test__guarded_free(g);
	}
	ASSERT_EQ(http1_line_starts_message("HTTP/1.1 200 OK\r\n", 17, true), HTTP1_LINE_NO,
		  "status line is not a request");
	ASSERT_EQ(http1_line_starts_message("data: {}\n", 9, false), HTTP1_LINE_NO, "sse line");
	ASSERT_EQ(http1_line_starts_message("HTTP/1.1 200 OK\r", 16, false), HTTP1_LINE_MORE,
		  "cr before lf");
}

void test_http1_framing(void)
{
	static const struct {
		const char *in;
		bool req;
		const char *method;
		int want;
		uint64_t len;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", true, NULL, HTTP1_FRAME_NONE, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", true, NULL, HTTP1_FRAME_LENGTH,
		  12 },
		{ "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", true, NULL, HTTP1_FRAME_NONE, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n", true,
		  NULL, HTTP1_FRAME_LENGTH, 5 },
		{ "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", true, NULL, -EBADMSG, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", true, NULL, -EBADMSG, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", true, NULL, -EBADMSG, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", true, NULL,
		  -EBADMSG, 0 },
		{ "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", true, NULL, -EBADMSG, 0 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n",
		  true, NULL, HTTP1_FRAME_CHUNKED, 0 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", true, NULL,
		  -EBADMSG, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", false, "GET", HTTP1_FRAME_LENGTH,
		  7 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", false, "HEAD", HTTP1_FRAME_NONE,
		  0 },
		{ "HTTP/1.1 204 No Content\r\n\r\n", false, "GET", HTTP1_FRAME_NONE, 0 },
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, "GET",
		  HTTP1_FRAME_NONE, 0 },
		{ "HTTP/1.1 200 OK\r\n\r\n", false, "GET", HTTP1_FRAME_CLOSE, 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n", false, NULL,
		  HTTP1_FRAME_CHUNKED, 0 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, NULL,
		  HTTP1_FRAME_CLOSE, 0 },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", false, "GET",
		  HTTP1_FRAME_TUNNEL, 0 },
		{ "HTTP/1.1 200 Connection established\r\n\r\n", false, "CONNECT",
		  HTTP1_FRAME_TUNNEL, 0 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", false, "GET", -EBADMSG, 0 },
	};
	uint64_t len;
	size_t i;
	long r;
	int f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;

		r = cases[i].req ? http1_parse_request(in, strlen(in), 4096, &head) :
				   http1_parse_response(in, strlen(in), 4096, &head);
		if (!ASSERT_EQ(r, (long)strlen(in), in))
			continue;
		f = cases[i].req ? http1_request_framing(&head, &len) :
				   http1_response_framing(&head, cases[i].method, &len);
		ASSERT_EQ(f, cases[i].want, in);
		if (f >= 0)
			ASSERT_EQ(len, cases[i].len, in);
	}
}

void test_http1_headers(void)
{
	static const char req[] =
		"GET /v1beta/models?key=AIzaSyA1234567890abcdefghijklmnopqrstu&alt=sse HTTP/1.1\r\n"
		"Host: generativelanguage.googleapis.com\r\n"
		"Authorization: Bearer sk-secret-secret-secret\r\n"
		"x-api-key: sk-ant-xyz\r\n"
		"Cookie: a=b\r\n"
		"X-Goog-Api-Key: AIza...\r\n"
		"api-key: azure\r\n"
		"Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
		"X-Folded: one\r\n"
		"\ttwo\r\n"
		" three\r\n"
		"Accept: */*\r\n"
		"\r\n";
	struct http_headers out = { 0 };
	size_t i;

	if (!ASSERT_EQ(http1_parse_request(req, strlen(req), 4096, &head), (long)strlen(req),
		       "parse"))
		return;
	if (!ASSERT_OK(http1_headers_append(&out, &head), "append"))
		return;
	ASSERT_EQ(out.n, 9, "fields");
	ASSERT_STREQ(http_headers_get(&out, "authorization"), "REDACTED", "authorization");
	ASSERT_STREQ(http_headers_get(&out, "X-API-KEY"), "REDACTED", "x-api-key");
	ASSERT_STREQ(http_headers_get(&out, "cookie"), "REDACTED", "cookie");
	ASSERT_STREQ(http_headers_get(&out, "x-goog-api-key"), "REDACTED", "x-goog-api-key");
	ASSERT_STREQ(http_headers_get(&out, "api-key"), "REDACTED", "api-key");
	ASSERT_STREQ(http_headers_get(&out, "proxy-authorization"), "REDACTED", "proxy-auth");
	ASSERT_STREQ(http_headers_get(&out, "x-folded"), "one two three", "folded joined");
	ASSERT_STREQ(http_headers_get(&out, "host"), "generativelanguage.googleapis.com", "host");
	ASSERT_NULL(http_headers_get(&out, "set-cookie"), "absent");
	for (i = 0; i < out.n; i++)
		ASSERT_NULL(strstr(out.v[i].value, "sk-"), "no key left");
	http_headers__clear(&out);
	/* appending again (a trailer section) grows the same array */
	if (ASSERT_OK(http1_headers_append(&out, &head), "append once") &&
	    ASSERT_OK(http1_headers_append(&out, &head), "append twice")) {
		ASSERT_EQ(out.n, 18, "both kept");
		ASSERT_GE(out.alloc, out.n, "room for all");
		ASSERT_STREQ(out.v[17].name, "Accept", "last of the second");
	}
	http_headers__clear(&out);
	ASSERT_TRUE(!out.v && !out.n && !out.alloc, "cleared");
}

void test_http1_trailer_fields(void)
{
	static const char tr[] = "X-Checksum: abc\r\nX-Usage: 12\r\n\r\n";
	long r = http1_parse_fields(tr, strlen(tr), 4096, &head);

	ASSERT_EQ(r, (long)strlen(tr), "trailer section");
	ASSERT_EQ(head.n_fields, 2, "fields");
	ASSERT_TRUE(field_is(&head, 1, "X-Usage", "12"), "second");
	ASSERT_EQ(http1_parse_fields(tr, 10, 4096, &head), TT_NEED_MORE, "partial");
}
