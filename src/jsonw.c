// SPDX-License-Identifier: MIT
/* jsonw.c: JSON string escaping and base64 into capped buffers. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "jsonw.h"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid (RFC 3629 ranges). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
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
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

int jsonw_str(struct tt_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, seq;
	char esc[8];
	int err;

	err = tt_buf_addc(b, '"');
	while (!err && i < n) {
		/* copy the longest run that needs no escaping in one go */
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' &&
			      p[run] != '\\'; run++)
			;
		if (run > i) {
			err = tt_buf_add(b, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80) {
			seq = utf8_seq(p + i, n - i);
			if (seq) {
				err = tt_buf_add(b, p + i, seq);
				i += seq;
			} else {
				err = tt_buf_addstr(b, "\\ufffd");
				i++;
			}
			continue;
		}
		switch (p[i]) {
		case '"': err = tt_buf_addstr(b, "\\\""); break;
		case '\\': err = tt_buf_addstr(b, "\\\\"); break;
		case '\n': err = tt_buf_addstr(b, "\\n"); break;
		case '\r': err = tt_buf_addstr(b, "\\r"); break;
		case '\t': err = tt_buf_addstr(b, "\\t"); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 15];
			err = tt_buf_add(b, esc, 6);
		}
		i++;
	}
	return err ? err : tt_buf_addc(b, '"');
}

int jsonw_cstr(struct tt_buf *b, const char *s)
{
	if (!s)
		return tt_buf_addstr(b, "null");
	return jsonw_str(b, s, strlen(s));
}

int jsonw_base64(struct tt_buf *b, const void *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	char out[4];
	size_t i;
	int err = 0;

	for (i = 0; !err && i + 2 < n; i += 3) {
		out[0] = tbl[s[i] >> 2];
		out[1] = tbl[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		out[2] = tbl[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		out[3] = tbl[s[i + 2] & 63];
		err = tt_buf_add(b, out, 4);
	}
	if (!err && i < n) {
		out[0] = tbl[s[i] >> 2];
		if (i + 1 < n) {
			out[1] = tbl[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			out[2] = tbl[(s[i + 1] & 15) << 2];
		} else {
			out[1] = tbl[(s[i] & 3) << 4];
			out[2] = '=';
		}
		out[3] = '=';
		err = tt_buf_add(b, out, 4);
	}
	return err;
}

bool jsonw_is_text(const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i = 0, seq;

	while (i < n) {
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
		if (s[i] == 0x7f)
			return false;
		seq = utf8_seq(s + i, n - i);
		if (!seq)
			return false;
		i += seq;
	}
	return true;
}
