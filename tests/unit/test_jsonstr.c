// SPDX-License-Identifier: MIT
/* test_jsonstr.c: the JSON string codec: UTF-8 rule, escaping both ways, caps, bounds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonstr.h"
#include "test.h"

struct utf8_case {
	const char *in;
	size_t n;
	size_t len; /* jsonstr_utf8_len() of the first sequence */
	const char *name;
};

static const struct utf8_case utf8_cases[] = {
	{ "a", 1, 1, "ASCII" },
	{ "\x7f", 1, 1, "DEL is ASCII" },
	{ "\xc3\xa9", 2, 2, "two bytes" },
	{ "\xe2\x82\xac", 3, 3, "three bytes" },
	{ "\xf0\x9f\x98\x80", 4, 4, "four bytes" },
	{ "\xef\xbf\xbf", 3, 3, "U+FFFF" },
	{ "\xf4\x8f\xbf\xbf", 4, 4, "U+10FFFF, the last" },
	{ "\xed\x9f\xbf", 3, 3, "U+D7FF, below the surrogates" },
	{ "\xee\x80\x80", 3, 3, "U+E000, above the surrogates" },
	/* overlong forms */
	{ "\xc0\xaf", 2, 0, "overlong C0" },
	{ "\xc1\xbf", 2, 0, "overlong C1" },
	{ "\xe0\x9f\xbf", 3, 0, "overlong three bytes" },
	{ "\xf0\x8f\xbf\xbf", 4, 0, "overlong four bytes" },
	/* surrogates and beyond U+10FFFF */
	{ "\xed\xa0\x80", 3, 0, "high surrogate" },
	{ "\xed\xbf\xbf", 3, 0, "low surrogate" },
	{ "\xf4\x90\x80\x80", 4, 0, "U+110000" },
	{ "\xf5\x80\x80\x80", 4, 0, "lead F5" },
	{ "\xff", 1, 0, "FF" },
	/* continuation bytes where a lead is wanted, and the reverse */
	{ "\x80", 1, 0, "lone continuation" },
	{ "\xbf", 1, 0, "lone continuation BF" },
	{ "\xc3\x41", 2, 0, "lead without continuation" },
	{ "\xe2\x82\x41", 3, 0, "third byte not a continuation" },
	{ "\xf0\x9f\x98\xc0", 4, 0, "fourth byte not a continuation" },
	/* cut short by n */
	{ "\xc3", 1, 0, "truncated two" },
	{ "\xe2\x82", 2, 0, "truncated three" },
	{ "\xf0\x9f\x98", 3, 0, "truncated four" },
};

void test_jsonstr_utf8_len(void)
{
	size_t i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		void *g = test__guarded(c->in, c->n);

		if (!ASSERT_OK_PTR(g, "guarded copy"))
			return;
		ASSERT_EQ(jsonstr_utf8_len(g, c->n), c->len, c->name);
		test__guarded_free(g);
	}
}

static void check_fixed(const char *in, size_t n, const char *want, size_t want_len,
			const char *name)
{
	struct tt_buf b;

	tt_buf_init(&b, 1 << 12);
	ASSERT_EQ(jsonstr_utf8_fixed_len(in, n), want_len, name);
	if (ASSERT_OK(jsonstr_add_utf8(&b, in, n), name))
		ASSERT_MEMEQ(b.data, b.len, want, want_len, name);
	tt_buf_free(&b);
}

#define FIXED(in, want, name) check_fixed(in, sizeof(in) - 1, want, sizeof(want) - 1, name)

/* Every byte that starts no sequence is one U+FFFD; valid text passes untouched. */
void test_jsonstr_utf8_fix(void)
{
	FIXED("", "", "empty");
	FIXED("caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80", "valid");
	FIXED("a\xff"
	      "b",
	      "a\xef\xbf\xbd"
	      "b",
	      "one bad byte");
	FIXED("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "overlong: two");
	FIXED("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "surrogate: three");
	FIXED("x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd", "truncated at the end");
	FIXED("\xe2\x82\xe2\x82\xac", "\xef\xbf\xbd\xef\xbf\xbd\xe2\x82\xac",
	      "resynchronised on the next lead");
	FIXED("nul\0ok", "nul\0ok", "NUL is valid UTF-8");
}

static void check_escape(const char *in, size_t n, unsigned int flags, const char *want,
			 const char *name)
{
	struct tt_buf b;

	tt_buf_init(&b, 1 << 12);
	if (ASSERT_OK(jsonstr_escape(&b, in, n, flags), name))
		ASSERT_MEMEQ(b.data, b.len, want, strlen(want), name);
	tt_buf_free(&b);
}

/* Every control character, both forms of \b \f, quotes, backslash, DEL, slash. */
void test_jsonstr_escape(void)
{
	static const char *const want[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006",
		"\\u0007", "\\u0008", "\\t",	 "\\n",	    "\\u000b", "\\u000c", "\\r",
		"\\u000e", "\\u000f", "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014",
		"\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001a", "\\u001b",
		"\\u001c", "\\u001d", "\\u001e", "\\u001f",
	};
	char c, name[32];
	int i;

	for (i = 0; i < 32; i++) {
		c = (char)i;
		snprintf(name, sizeof(name), "control %#x", i);
		check_escape(&c, 1, 0, want[i], name);
		check_escape(&c, 1, JSONSTR_RAW, want[i], name);
	}
	check_escape("\b\f", 2, JSONSTR_SHORT_BF, "\\b\\f", "short \\b \\f");
	check_escape("\"\\", 2, 0, "\\\"\\\\", "quote and backslash");
	check_escape("a/b\x7f~ ", 6, 0, "a/b\x7f~ ", "slash, DEL and the rest of ASCII as is");
	check_escape("", 0, 0, "", "empty");
}

/* Invalid UTF-8 is \ufffd a byte by default; JSONSTR_RAW copies high bytes unchecked. */
void test_jsonstr_escape_utf8(void)
{
	check_escape("caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 12, 0,
		     "caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "valid kept");
	check_escape("\xff", 1, 0, "\\ufffd", "invalid byte");
	check_escape("\xc3", 1, 0, "\\ufffd", "truncated");
	check_escape("\xc0\xaf", 2, 0, "\\ufffd\\ufffd", "overlong");
	check_escape("\xed\xa0\x80", 3, 0, "\\ufffd\\ufffd\\ufffd", "surrogate");
	check_escape("\xf4\x90\x80\x80", 4, 0, "\\ufffd\\ufffd\\ufffd\\ufffd", "past U+10FFFF");
	check_escape("\xff\xc0\xaf\n", 4, JSONSTR_RAW, "\xff\xc0\xaf\\n", "raw");
}

/* What escaping writes, unescaping gives back: every byte value, RAW and short forms alike. */
void test_jsonstr_round_trip(void)
{
	unsigned int flags[] = { JSONSTR_RAW, JSONSTR_RAW | JSONSTR_SHORT_BF };
	struct tt_buf e, u;
	char all[256];
	size_t i, f;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (char)i;
	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		tt_buf_init(&e, 1 << 12);
		tt_buf_init(&u, 1 << 12);
		ASSERT_OK(jsonstr_escape(&e, all, sizeof(all), flags[f]), "escape");
		ASSERT_EQ(jsonstr_end((const char *)e.data, e.len, 0), e.len, "no bare quote");
		ASSERT_OK(jsonstr_unescape(&u, (const char *)e.data, e.len), "unescape");
		ASSERT_MEMEQ(u.data, u.len, all, sizeof(all), "every byte back");
		tt_buf_free(&e);
		tt_buf_free(&u);
	}
}

static void check_unescape(const char *in, const char *want, size_t want_len, const char *name)
{
	struct tt_buf b;
	size_t n = strlen(in);
	void *g = test__guarded(in, n);

	if (!ASSERT_OK_PTR(g, "guarded copy"))
		return;
	tt_buf_init(&b, 1 << 12);
	if (ASSERT_OK(jsonstr_unescape(&b, g, n), name))
		ASSERT_MEMEQ(b.data, b.len, want, want_len, name);
	tt_buf_free(&b);
	test__guarded_free(g);
}

#define UNESC(in, want, name) check_unescape(in, want, sizeof(want) - 1, name)

void test_jsonstr_unescape(void)
{
	UNESC("plain", "plain", "plain");
	UNESC("\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t", "every short escape");
	UNESC("\\x\\'\\a", "x'a", "unknown escapes are the character");
	UNESC("\\u0041\\u00e9\\u20AC", "A\xc3\xa9\xe2\x82\xac", "\\u, both cases of hex");
	UNESC("\\ud83d\\ude00", "\xf0\x9f\x98\x80", "surrogate pair joined");
	UNESC("\\uD83D\\uDE00!", "\xf0\x9f\x98\x80!", "surrogate pair, upper case");
	UNESC("\\ud83d", "\xef\xbf\xbd", "lone high surrogate at the end");
	UNESC("\\ud83dx", "\xef\xbf\xbdx", "lone high surrogate");
	UNESC("\\ude00\\ud83d", "\xef\xbf\xbd\xef\xbf\xbd", "low before high: two lone ones");
	UNESC("\\ud83d\\u0041",
	      "\xef\xbf\xbd"
	      "A",
	      "high then not a low");
	UNESC("\\ud83d\\ud83d\\ude00", "\xef\xbf\xbd\xf0\x9f\x98\x80", "high, then a pair");
	UNESC("a\\u0000b", "a\0b", "\\u0000 is a NUL byte");
	UNESC("\\u12", "u12", "\\u cut short by the end");
	UNESC("\\u12G4", "u12G4", "\\u with a non-hex digit");
	UNESC("end\\", "end", "backslash at the end dropped");
	UNESC("\xff\xc3", "\xff\xc3", "bytes copied unchecked");
}

/* The cap keeps the prefix a byte-at-a-time writer would, even inside a code point. */
void test_jsonstr_unescape_cap(void)
{
	struct tt_buf b;

	tt_buf_init(&b, 4);
	ASSERT_EQ(jsonstr_unescape(&b, "abc\\u20ac", 9), -E2BIG, "cut");
	ASSERT_MEMEQ(b.data, b.len, "abc\xe2", 4, "prefix up to the cap");
	ASSERT_EQ(jsonstr_unescape(&b, "x", 1), -E2BIG, "full");
	ASSERT_EQ(b.len, 4, "nothing more");
	tt_buf_free(&b);
	tt_buf_init(&b, 3);
	ASSERT_OK(jsonstr_unescape(&b, "a\\n\\\"", 5), "exactly at the cap");
	ASSERT_MEMEQ(b.data, b.len, "a\n\"", 3, "all of it");
	tt_buf_free(&b);
}

void test_jsonstr_escape_cap(void)
{
	struct tt_buf b;

	tt_buf_init(&b, 4);
	ASSERT_EQ(jsonstr_escape(&b, "abc\n", 4, 0), -E2BIG, "escape does not fit");
	ASSERT_EQ(b.len, 3, "what came before the escape stays");
	tt_buf_free(&b);
	tt_buf_init(&b, 2);
	ASSERT_EQ(jsonstr_add_utf8(&b, "\xff", 1), -E2BIG, "U+FFFD does not fit");
	ASSERT_EQ(b.len, 0, "nothing half written");
	tt_buf_free(&b);
}

void test_jsonstr_end(void)
{
	static const struct {
		const char *s;
		size_t end;
	} v[] = {
		{ "abc\"rest", 3 }, { "a\\\"b\"", 4 }, /* an escaped quote is skipped */
		{ "a\\\\\"", 3 },		       /* an escaped backslash, then the quote */
		{ "\\u0022\"", 6 },		       /* \u0022 is text, not a quote */
		{ "open", 4 },			       /* not closed: n */
		{ "open\\", 5 }, /* a backslash at the end: n, never past it */
		{ "\"", 0 },
	};
	size_t i, n;
	void *g;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].s);
		g = test__guarded(v[i].s, n);
		if (!ASSERT_OK_PTR(g, "guarded copy"))
			return;
		ASSERT_EQ(jsonstr_end(g, n, 0), v[i].end, v[i].s);
		test__guarded_free(g);
	}
}
