// SPDX-License-Identifier: MIT
/* test_jsonw.c: JSON escaping, base64 and the text check. */
#include <errno.h>
#include <string.h>

#include "jsonw.h"
#include "test.h"

static void check_str(const char *in, size_t n, const char *want, const char *name)
{
	struct tt_buf b;

	tt_buf_init(&b, 1 << 16);
	if (ASSERT_OK(jsonw_str(&b, in, n), name))
		ASSERT_STREQ(tt_buf_cstr(&b), want, name);
	tt_buf_free(&b);
}

void test_jsonw_escaping(void)
{
	check_str("plain", 5, "\"plain\"", "plain");
	check_str("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "quote and backslash");
	check_str("l1\r\nl2\t", 7, "\"l1\\r\\nl2\\t\"", "whitespace escapes");
	check_str("\x01\x1f", 2, "\"\\u0001\\u001f\"", "control characters");
	check_str("nul\0x", 5, "\"nul\\u0000x\"", "embedded NUL");
	check_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "valid UTF-8 kept");
	check_str("\xff", 1, "\"\\ufffd\"", "invalid byte");
	check_str("\xc3", 1, "\"\\ufffd\"", "truncated sequence");
	check_str("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"", "surrogate rejected");
	check_str("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"", "overlong rejected");
}

void test_jsonw_base64(void)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	struct tt_buf b;
	size_t i;

	tt_buf_init(&b, 1024);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tt_buf_reset(&b);
		ASSERT_OK(jsonw_base64(&b, v[i].in, strlen(v[i].in)), "encode");
		ASSERT_STREQ(tt_buf_cstr(&b), v[i].out, v[i].in);
	}
	tt_buf_free(&b);
}

void test_jsonw_is_text(void)
{
	ASSERT_TRUE(jsonw_is_text("GET / HTTP/1.1\r\n\r\n", 18), "http head");
	ASSERT_TRUE(jsonw_is_text("\xe2\x82\xac", 3), "utf-8");
	ASSERT_FALSE(jsonw_is_text("\x1f\x8b\x08", 3), "gzip magic");
	ASSERT_FALSE(jsonw_is_text("a\0b", 3), "NUL");
	ASSERT_FALSE(jsonw_is_text("\x7f", 1), "DEL");
}

void test_jsonw_cap(void)
{
	struct tt_buf b;

	tt_buf_init(&b, 4);
	ASSERT_EQ(jsonw_str(&b, "abcdef", 6), -E2BIG, "cap hit is an error");
	ASSERT_LE(b.len, 4, "never beyond the cap");
	tt_buf_free(&b);
}
