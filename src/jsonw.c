// SPDX-License-Identifier: MIT
/* jsonw.c: quoted JSON strings (jsonstr.c escapes them), base64 and the text check. */
#include <string.h>

#include "jsonstr.h"
#include "jsonw.h"

int jsonw_str(struct tt_buf *b, const char *s, size_t n)
{
	int err;

	err = tt_buf_addc(b, '"') ?: jsonstr_escape(b, s, n, 0);
	return err ?: tt_buf_addc(b, '"');
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
		seq = jsonstr_utf8_len(s + i, n - i);
		if (!seq)
			return false;
		i += seq;
	}
	return true;
}
