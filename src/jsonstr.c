// SPDX-License-Identifier: MIT
/*
 * jsonstr.c: the one codec for JSON string text (escaping for the OTLP JSON encoder and for
 * redaction, unescaping for redaction and the linker) and for the UTF-8 rule it shares with
 * protobuf strings, so both encodings carry the same text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "jsonstr.h"

size_t jsonstr_utf8_len(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

size_t jsonstr_utf8_fixed_len(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k, out = 0;

	while (i < n) {
		k = jsonstr_utf8_len(p + i, n - i);
		out += k ? k : sizeof(JSONSTR_REPLACEMENT) - 1;
		i += k ? k : 1;
	}
	return out;
}

int jsonstr_add_utf8(struct tt_buf *b, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, run, k;
	int err = 0;

	while (!err && i < n) {
		for (run = i; run < n && (k = jsonstr_utf8_len(p + run, n - run)); run += k)
			;
		if (run > i) {
			err = tt_buf_add(b, p + i, run - i);
			i = run;
			continue;
		}
		err = tt_buf_add(b, JSONSTR_REPLACEMENT, sizeof(JSONSTR_REPLACEMENT) - 1);
		i++;
	}
	return err;
}

/* Whether c goes out as it is (a run of such bytes is copied in one go). */
static bool plain(unsigned char c, unsigned int flags)
{
	return c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || (flags & JSONSTR_RAW));
}

/* The escape of an ASCII byte that is not plain(). */
static int escape_byte(struct tt_buf *b, unsigned char c, unsigned int flags)
{
	char u[7] = { '\\', 'u', '0', '0' };

	switch (c) {
	case '"':
		return tt_buf_add(b, "\\\"", 2);
	case '\\':
		return tt_buf_add(b, "\\\\", 2);
	case '\n':
		return tt_buf_add(b, "\\n", 2);
	case '\r':
		return tt_buf_add(b, "\\r", 2);
	case '\t':
		return tt_buf_add(b, "\\t", 2);
	case '\b':
		if (flags & JSONSTR_SHORT_BF)
			return tt_buf_add(b, "\\b", 2);
		break;
	case '\f':
		if (flags & JSONSTR_SHORT_BF)
			return tt_buf_add(b, "\\f", 2);
		break;
	}
	hex_encode(&c, 1, u + 4); /* and a NUL, not sent */
	return tt_buf_add(b, u, 6);
}

int jsonstr_escape(struct tt_buf *b, const char *s, size_t n, unsigned int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, seq;
	int err = 0;

	while (!err && i < n) {
		for (run = i; run < n && plain(p[run], flags); run++)
			;
		if (run > i) {
			err = tt_buf_add(b, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] < 0x80) {
			err = escape_byte(b, p[i++], flags);
			continue;
		}
		seq = jsonstr_utf8_len(p + i, n - i);
		err = seq ? tt_buf_add(b, p + i, seq) : tt_buf_add(b, "\\ufffd", 6);
		i += seq ? seq : 1;
	}
	return err;
}

size_t jsonstr_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '"')
		i += s[i] == '\\' ? 2 : 1;
	return i < n ? i : n;
}

/* Appends what fits: the prefix a byte-at-a-time writer would leave at the cap. */
static int put(struct tt_buf *b, const void *p, size_t n)
{
	long k = tt_buf_add_upto(b, p, n);

	if (k < 0)
		return (int)k;
	return (size_t)k < n ? -E2BIG : 0;
}

static bool hex4(const char *s, size_t n, size_t i, uint32_t *cp)
{
	uint32_t v = 0;
	size_t k;
	int d;

	if (i + 4 > n)
		return false;
	for (k = i; k < i + 4; k++) {
		d = hex_digit(s[k]);
		if (d < 0)
			return false;
		v = v * 16 + (uint32_t)d;
	}
	*cp = v;
	return true;
}

/* Bytes of the \uXXXX escape at s[i] (the backslash), a surrogate pair as one; 0 if none. */
static size_t u_escape(const char *s, size_t n, size_t i, uint32_t *cp)
{
	uint32_t lo;

	if (!hex4(s, n, i + 2, cp))
		return 0;
	if (*cp < 0xd800 || *cp >= 0xe000)
		return 6;
	if (*cp < 0xdc00 && i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' &&
	    hex4(s, n, i + 8, &lo) && lo >= 0xdc00 && lo < 0xe000) {
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
		return 12;
	}
	*cp = 0xfffd; /* a lone surrogate */
	return 6;
}

/* UTF-8 of cp (<= U+10FFFF) into out[4]; returns its length. */
static size_t utf8_encode(unsigned char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The character a short escape \c stands for: \b \f \n \r \t, else c itself (\" \\ \/). */
static char short_escape(char c)
{
	static const char esc[] = "b\bf\fn\nr\rt\t";
	size_t k;

	for (k = 0; esc[k]; k += 2)
		if (esc[k] == c)
			return esc[k + 1];
	return c;
}

int jsonstr_unescape(struct tt_buf *b, const char *s, size_t n)
{
	unsigned char u[4];
	const char *bs;
	size_t i = 0, k;
	uint32_t cp;
	char c;
	int err = 0;

	while (!err && i < n) {
		bs = memchr(s + i, '\\', n - i);
		k = bs ? (size_t)(bs - s) : n;
		if (k > i) {
			err = put(b, s + i, k - i);
			i = k;
			continue;
		}
		if (i + 1 >= n)
			break;
		if (s[i + 1] == 'u' && (k = u_escape(s, n, i, &cp))) {
			err = put(b, u, utf8_encode(u, cp));
			i += k;
			continue;
		}
		c = short_escape(s[i + 1]);
		err = put(b, &c, 1);
		i += 2;
	}
	return err;
}
