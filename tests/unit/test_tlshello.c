// SPDX-License-Identifier: MIT
/* test_tlshello.c: SNI and ALPN from recorded ClientHellos, whole, cut and corrupted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tlshello.h"

/* tests/fixtures/tls/record_hellos.py: real clients pointed at a host name */
static const struct {
	const char *file;
	const char *sni;
	const char *alpn; /* NULL: none offered */
} hellos[] = {
	{ "tls/curl.bin", "llm.example.test", "h2,http/1.1" },
	{ "tls/openssl.bin", "llm.example.test", "h2,http/1.1" },
	{ "tls/python.bin", "llm.example.test", "http/1.1" },
	{ "tls/node.bin", "llm.example.test", "h2" },
	{ "tls/gnutls.bin", "llm.example.test", NULL },
	{ "tls/go.bin", "llm.example.test", "h2,http/1.1" },
	/* rustls 0.23 in Codex 0.169.0: the SNI comes last, after an X25519MLKEM768 key share */
	{ "tls/rustls-codex.bin", "localhost", "h2,http/1.1" },
};

#define N_HELLOS (sizeof(hellos) / sizeof(hellos[0]))

static int parse_guarded(const uint8_t *p, size_t n, struct tls_hello *h)
{
	void *g = test__guarded(p, n);
	int ret = tls_hello_parse(g, n, h);

	test__guarded_free(g);
	return ret;
}

/* Where the SNI host name ends in p: from the first byte on, the hello carries it. */
static size_t sni_end(const uint8_t *p, size_t n, const char *sni)
{
	size_t k = strlen(sni), i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(p + i, sni, k))
			return i + k;
	return 0;
}

/* Hello i's bytes when its subtest runs; NULL when skipped or unreadable (asserted). */
static uint8_t *hello_bytes(size_t i, size_t *n)
{
	uint8_t *p;

	if (!test__start_subtest(hellos[i].file))
		return NULL;
	p = test__read_fixture(hellos[i].file, n);
	ASSERT_OK_PTR(p, "fixture");
	return p;
}

void test_tlshello_fixtures(void)
{
	struct tls_hello h;
	uint8_t *p;
	size_t i, n;

	for (i = 0; i < N_HELLOS; i++) {
		p = hello_bytes(i, &n);
		if (!p)
			continue;
		ASSERT_EQ(parse_guarded(p, n, &h), n, "whole hello parsed");
		ASSERT_TRUE(h.has_sni, "has SNI");
		ASSERT_STREQ(h.sni, hellos[i].sni, "SNI");
		ASSERT_EQ(h.has_alpn, hellos[i].alpn != NULL, "ALPN offered");
		if (hellos[i].alpn)
			ASSERT_STREQ(h.alpn, hellos[i].alpn, "ALPN");
		ASSERT_EQ(h.version >> 8, 3, "legacy version");
		free(p);
	}
}

/* Every prefix: never an error, never a read past it, the SNI exactly once it is all there. */
void test_tlshello_truncated(void)
{
	struct tls_hello h;
	size_t i, k, n, end;
	uint8_t *p;
	int ret;

	for (i = 0; i < N_HELLOS; i++) {
		p = hello_bytes(i, &n);
		if (!p)
			continue;
		end = sni_end(p, n, hellos[i].sni);
		ASSERT_GE(end, 1, "SNI in the fixture");
		for (k = 0; k < n; k++) {
			ret = parse_guarded(p, k, &h);
			if (!ASSERT_EQ(ret, TT_NEED_MORE, "a prefix needs more"))
				break;
			if (!ASSERT_EQ(h.has_sni, k >= end, "SNI once whole"))
				break;
			if (h.has_sni && !ASSERT_STREQ(h.sni, hellos[i].sni, "SNI of a prefix"))
				break;
		}
		free(p);
	}
}

/*
 * Every byte set to each of a few values: whatever the result, no read past the end and a
 * NUL-terminated, plausible SNI. Length fields made too large are errors.
 */
void test_tlshello_corrupted(void)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	struct tls_hello h;
	size_t n, i, v, k;
	uint8_t *p, *q;
	int ret;

	p = test__read_fixture("tls/openssl.bin", &n);
	if (!ASSERT_OK_PTR(p, "fixture"))
		return;
	q = malloc(n);
	for (i = 0; i < n; i++) {
		for (v = 0; v < sizeof(vals); v++) {
			memcpy(q, p, n);
			q[i] = vals[v];
			ret = parse_guarded(q, n, &h);
			if (!ASSERT_TRUE(ret == (int)n || ret == TT_NEED_MORE || ret == -EBADMSG,
					 "result"))
				goto out;
			if (!ASSERT_TRUE(strlen(h.sni) <= TT_TLS_SNI_MAX, "SNI bounded"))
				goto out;
			for (k = 0; h.sni[k]; k++)
				if (!ASSERT_TRUE(h.sni[k] > 0x20 && h.sni[k] < 0x7f, "printable"))
					goto out;
		}
	}
	/* record and handshake lengths: one byte more or less declared */
	memcpy(q, p, n);
	q[4]++;
	ASSERT_EQ(parse_guarded(q, n, &h), n, "a record longer than its hello: the hello");
	memcpy(q, p, n);
	q[8]++;
	ASSERT_EQ(parse_guarded(q, n, &h), -EBADMSG, "handshake longer than its record");
	memcpy(q, p, n);
	q[4]--;
	ASSERT_EQ(parse_guarded(q, n - 1, &h), TT_NEED_MORE, "handshake cut by its record");
	memcpy(q, p, n);
	q[5] = 2; /* a ServerHello */
	ASSERT_EQ(parse_guarded(q, n, &h), -EBADMSG, "not a ClientHello");
	memcpy(q, p, n);
	q[0] = 0x17; /* application data */
	ASSERT_EQ(parse_guarded(q, n, &h), -EBADMSG, "not a handshake record");
	memcpy(q, p, n);
	q[9 + 2 + 32] = 33; /* session id longer than 32 */
	ASSERT_EQ(parse_guarded(q, n, &h), -EBADMSG, "session id too long");
out:
	free(q);
	free(p);
}

/* A hand-built hello: extensions at the edges of what is accepted. */
static size_t build(uint8_t *b, const uint8_t *exts, size_t ext_len)
{
	size_t n = 0, body;

	b[n++] = 22, b[n++] = 3, b[n++] = 1, n += 2; /* record, length later */
	b[n++] = 1, n += 3;			     /* ClientHello, length later */
	b[n++] = 3, b[n++] = 3;
	memset(b + n, 0xab, 32), n += 32;		      /* random */
	b[n++] = 0;					      /* session id */
	b[n++] = 0, b[n++] = 2, b[n++] = 0x13, b[n++] = 0x01; /* one suite */
	b[n++] = 1, b[n++] = 0;				      /* null compression */
	if (exts) {
		b[n++] = ext_len >> 8, b[n++] = ext_len & 0xff;
		memcpy(b + n, exts, ext_len), n += ext_len;
	}
	body = n - 9;
	b[3] = (n - 5) >> 8, b[4] = (n - 5) & 0xff;
	b[6] = 0, b[7] = body >> 8, b[8] = body & 0xff;
	return n;
}

void test_tlshello_synthetic(void)
{
	static const uint8_t sni_bad[] = { 0, 0, 0, 10, 0, 8, 0, 0, 5, 'a', '/', 'b', '\n', 'c' };
	static const uint8_t sni_two[] = { 0,	0,   0, 16, 0, 14,  0,	 0,   3,   'o',
					   'n', 'e', 0, 0,  5, 's', 'e', 'c', 'n', 'd' };
	static const uint8_t sni_short[] = { 0, 0, 0, 5, 0, 3, 0, 0, 9 };
	static const uint8_t alpn_empty[] = { 0, 16, 0, 3, 0, 1, 0 };
	static const uint8_t vers[] = { 0, 43, 0, 3, 2, 3, 4 };
	static const uint8_t ext_over[] = { 0, 5, 0, 9, 1 };
	struct tls_hello h;
	uint8_t b[512];
	size_t n;

	n = build(b, NULL, 0);
	ASSERT_EQ(parse_guarded(b, n, &h), n, "no extensions at all");
	ASSERT_FALSE(h.has_sni, "no SNI");
	n = build(b, sni_bad, sizeof(sni_bad));
	ASSERT_EQ(parse_guarded(b, n, &h), n, "odd host name parses");
	ASSERT_FALSE(h.has_sni, "odd host name ignored");
	n = build(b, sni_two, sizeof(sni_two));
	ASSERT_EQ(parse_guarded(b, n, &h), n, "two names");
	ASSERT_STREQ(h.sni, "one", "the first name");
	n = build(b, sni_short, sizeof(sni_short));
	ASSERT_EQ(parse_guarded(b, n, &h), -EBADMSG, "name longer than its extension");
	n = build(b, alpn_empty, sizeof(alpn_empty));
	ASSERT_EQ(parse_guarded(b, n, &h), -EBADMSG, "empty protocol name");
	n = build(b, vers, sizeof(vers));
	ASSERT_EQ(parse_guarded(b, n, &h), n, "supported_versions");
	ASSERT_TRUE(h.tls13, "TLS 1.3 offered");
	n = build(b, ext_over, sizeof(ext_over));
	ASSERT_EQ(parse_guarded(b, n, &h), -EBADMSG, "extension longer than the block");
	ASSERT_EQ(parse_guarded((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h), -EBADMSG,
		  "HTTP is no hello");
	ASSERT_EQ(parse_guarded(b, 0, &h), TT_NEED_MORE, "nothing yet");
}
