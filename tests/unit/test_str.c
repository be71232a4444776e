// SPDX-License-Identifier: MIT
/* test_str.c: suffixes, and string arrays: copies and the NUL-separated split of arguments. */
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "test.h"

void test_str_ends_with(void)
{
	const char *p = "/v1/traces";

	ASSERT_TRUE(str_ends_with(p, strlen(p), "/traces"), "suffix");
	ASSERT_TRUE(str_ends_with(p, strlen(p), p), "the whole string");
	ASSERT_TRUE(str_ends_with(p, 0, ""), "empty suffix");
	ASSERT_FALSE(str_ends_with(p, 3, "/traces"), "longer than s");
	ASSERT_FALSE(str_ends_with(p, strlen(p), "/trace"), "no suffix");
	ASSERT_TRUE(str_ends_with(p, 3, "/v1"), "only s[0..n) counts");
}

void test_strv_dup(void)
{
	const char *in[] = { "ls", NULL, "-l" };
	char **v;

	v = strv_dup(in, 3);
	if (!ASSERT_TRUE(v, "copy"))
		return;
	ASSERT_STREQ(v[0], "ls", "first");
	ASSERT_STREQ(v[1], "", "a NULL entry is empty");
	ASSERT_STREQ(v[2], "-l", "last");
	ASSERT_TRUE(v[0] != in[0], "a copy, not the same string");
	strv_free(v, 3);
	v = strv_dup(NULL, 0);
	ASSERT_TRUE(v, "no strings: an empty array, not NULL");
	strv_free(v, 0);
	strv_free(NULL, 5);
}

void test_strv_split(void)
{
	static const struct {
		const char *s;
		size_t len, n;
		const char *first, *last;
	} cases[] = {
		{ "ls\0-l\0", 6, 2, "ls", "-l" },
		{ "ls\0-l", 5, 2, "ls", "-l" }, /* cut without its NUL */
		{ "a\0\0b\0", 5, 3, "a", "b" }, /* an empty argument */
		{ "\0", 1, 1, "", "" },
		{ "", 0, 0, NULL, NULL },
	};
	size_t i, n;
	char **v;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = strv_split(cases[i].s, cases[i].len, &n);
		if (!ASSERT_TRUE(v, "split"))
			continue;
		ASSERT_EQ(n, cases[i].n, "count");
		if (n == cases[i].n && n) {
			ASSERT_STREQ(v[0], cases[i].first, "first");
			ASSERT_STREQ(v[n - 1], cases[i].last, "last");
		}
		strv_free(v, n);
	}
	v = strv_split(NULL, 0, &n);
	ASSERT_TRUE(v && n == 0, "no bytes at all");
	strv_free(v, n);
}
