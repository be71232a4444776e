// SPDX-License-Identifier: MIT
/* test_redact.c: key-like strings become REDACTED, everything else is left alone. */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "test.h"

struct redact_case {
	const char *in, *out;
};

static const struct redact_case cases[] = {
	{ "key sk-proj-abcdefghijklmnopqrstuvwx1234 end", "key REDACTED end" },
	{ "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz012345-_xyz", "REDACTED" },
	{ "OPENROUTER=sk-or-v1-0123456789abcdef0123456789abcdef", "OPENROUTER=REDACTED" },
	{ "\"x-goog-api-key\":\"AIzaSyD-abcdefghijklmnopqrstuvwxyz12345\"",
	  "\"x-goog-api-key\":\"REDACTED\"" },
	{ "git clone https://ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ@github.com/x",
	  "git clone https://REDACTED@github.com/x" },
	{ "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "REDACTED" },
	{ "SLACK=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp", "SLACK=REDACTED" },
	{ "AKIAIOSFODNN7EXAMPLE rest", "REDACTED rest" },
	{ "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH ok", "REDACTED ok" },
	{ "Authorization: Bearer abc.def-ghi_jkl~mno+pq/rs=", "Authorization: Bearer REDACTED" },
	{ "authorization: bearer\t0123456789", "authorization: bearer\tREDACTED" },
	{ "tok eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
	  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U x",
	  "tok REDACTED x" },
	{ "escaped \\nsk-proj-abcdefghijklmnopqrstuvwx1234", "escaped \\nREDACTED" },
	/* left alone: too short, not at a word boundary, or no key at all */
	{ "sk-short", "sk-short" },
	{ "task-abcdefghijklmnopqrstuvwxyz0123", "task-abcdefghijklmnopqrstuvwxyz0123" },
	{ "Bearer abc", "Bearer abc" },
	{ "the skeleton sk- key", "the skeleton sk- key" },
	{ "eyJhbGciOiJIUzI1NiJ9 alone", "eyJhbGciOiJIUzI1NiJ9 alone" },
	{ "", "" },
};

void test_redact_table(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = strdup(cases[i].in);
		size_t n = redact_str(s);

		ASSERT_STREQ(s, cases[i].out, cases[i].in);
		ASSERT_EQ(n, strlen(cases[i].out), "length");
		ASSERT_EQ(redact_has_secret(cases[i].in, strlen(cases[i].in)),
			  strcmp(cases[i].in, cases[i].out) != 0, "has_secret agrees");
		free(s);
	}
	ASSERT_EQ(redact_str(NULL), 0, "NULL");
}

/* Length-delimited input in guarded memory: a key touching the end is found, no over-read. */
void test_redact_mem_bounds(void)
{
	const char *in = "k=sk-proj-abcdefghijklmnopqrstuvwx1234";
	size_t len = strlen(in), n, i;
	char *g;

	g = test__guarded(in, len);
	if (!ASSERT_OK_PTR(g, "guarded"))
		return;
	n = redact_mem(g, len);
	ASSERT_MEMEQ(g, n, "k=REDACTED", 10, "redacted at the end");
	test__guarded_free(g);
	/* every prefix: never grows, never reads past len */
	for (i = 0; i <= len; i++) {
		g = test__guarded(in, i);
		if (!g)
			break;
		ASSERT_LE(redact_mem(g, i), i, "never grows");
		test__guarded_free(g);
	}
}
