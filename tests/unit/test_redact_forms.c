// SPDX-License-Identifier: MIT
/*
 * test_redact_forms.c: every form of secret issue 15 lists leaves no trace in text, argv or
 * JSON, with the readable parts around it kept; 1 MiB of hostile text redacts in linear time;
 * a cut before redaction never leaves the head of a key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redact.h"
#include "test.h"

struct form {
	const char *in;	    /* a text holding a secret */
	const char *secret; /* what must not survive */
	const char *kept;   /* what must (NULL: nothing to check) */
};

/* clang-format off */
static const struct form forms[] = {
	/* command lines */
	{ "curl --user=alice:pw0rd1 https://h/", "pw0rd1", "--user=" },
	{ "curl -ualice:pw0rd2 https://h/", "pw0rd2", "curl -u" },
	{ "sh -c 'curl -u alice:pw0rd3 https://h/'", "pw0rd3", "curl -u" },
	{ "sshpass -p pw0rd4 ssh host", "pw0rd4", "ssh host" },
	{ "sshpass -ppw0rd5 ssh host", "pw0rd5", "ssh host" },
	{ "mysql -upeter -ppw0rd6 db", "pw0rd6", "-upeter" },
	{ "/usr/bin/mysqldump -ppw0rd7 db", "pw0rd7", "db" },
	{ "tool --pass pw0rd8 -v", "pw0rd8", "-v" },
	{ "tool --pass=pw0rd9", "pw0rd9", "--pass=" },
	{ "curl -d '{\"api_key\":\"pw0rd10\"}' https://h/", "pw0rd10", "api_key" },
	{ "curl -d '{\"api_keys\":[\"pw0rd11\",\"x\"]}' h", "pw0rd11", "api_keys" },
	{ "git clone https://bob:pw0rd12@github.com/x", "pw0rd12", "github.com/x" },
	{ "psql postgres://u:pw0rd13@db.host/db", "pw0rd13", "db.host/db" },
	{ "curl 'https://h/x?access_token=pw0rd14&page=2'", "pw0rd14", "page=2" },
	{ "curl https://h/x?page=1&client_secret=pw0rd15", "pw0rd15", "page=1" },
	{ "PGPASSWORD=pw0rd16 psql", "pw0rd16", "psql" },
	{ "DB_PASS=pw0rd17 ./run", "pw0rd17", "./run" },
	{ "AWS_KEYS=pw0rd18 ./run", "pw0rd18", "./run" },
	{ "SESSION=pw0rd19 ./run", "pw0rd19", "./run" },
	{ "curl -b 'session=pw0rd20' https://h/", "pw0rd20", "https://h/" },
	{ "curl -b sid=pw0rd21 https://h/", "pw0rd21", "https://h/" },
	{ "curl --cookie 'a=pw0rd22' https://h/", "pw0rd22", "https://h/" },
	{ "git clone https://ghp0123456789abcdefghij@github.com/x", "ghp0123456789abcdefghij",
	  "github.com" },
	/* key shapes */
	{ "id ASIAIOSFODNN7EXAMPLE x", "ASIAIOSFODNN7EXAMPLE", "id" },
	/* a key inside a longer word: the whole word, no tail (found by fuzz_redact) */
	{ "id ASIAIOSFODNN7EXAMPLExfRPtail x", "xfRP", "id" },
	{ "aws wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY x", "wJalrXUtnFEMI/K7MDENG", "aws" },
	{ "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "stripe" },
	{ "stripe rk_live_51H8abcdEFGH0123", "51H8abcdEFGH0123", "stripe" },
	{ "gitlab glpat-xYz0123456789abcdEFGH", "xYz0123456789abcdEFGH", "gitlab" },
	{ "groq gsk_abcdefghijklmnop0123456789", "abcdefghijklmnop0123", "groq" },
	{ "xai xai-abcdefghijklmnop0123456789", "abcdefghijklmnop0123", NULL },
	{ "pplx pplx-abcdefghijklmnop0123456789", "abcdefghijklmnop0123", NULL },
	{ "npm npm_abcdefghijklmnop0123456789", "abcdefghijklmnop0123", NULL },
	{ "google ya29.a0AfH6SMBx-abcdefghijklmno", "a0AfH6SMBx", "google" },
	{ "sendgrid SG.abcdefghijklmnopqrstuv.wxyz0123456789", "abcdefghijklmnopqrstuv",
	  "sendgrid" },
	{ "hf hf_abcdefghijklmnopq12", "abcdefghijklmnopq12", NULL },
	{ "openai sk-abc123def456", "abc123def456", "openai" },
	{ "q=sk%2Dproj%2Dabcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx", NULL },
	{ "x=ghp%5Fabcdefghijklmnopqrstuvwxyz0123 y", "abcdefghijklmnopqrstuvwxyz", "y" },
	{ "creds Basic YWxpY2U6cHcwcmQyMw== end", "YWxpY2U6cHcwcmQyMw", "end" },
	/* JSON in text */
	{ "config {\"secrets\": {\"db\": \"pw0rd24\"}} ok", "pw0rd24", "ok" },
	{ "log {\\\"password\\\": \\\"pw0rd25\\\"} ok", "pw0rd25", "ok" },
	{ "{\"credentials\": [{\"user\": \"u\", \"pin\": \"pw0rd26\"}]}", "pw0rd26", NULL },
	{ "{\"tokens\": {\"gh\": \"pw0rd27\"}}", "pw0rd27", NULL },
	{ "{\"password\": 90210}", "90210", "password" },
	/* headers and Bearer */
	{ "Authorization: Bearer pw0rd28xyz", "pw0rd28xyz", "Authorization" },
	{ "error: got Bearer pw0rd29xyz back", "pw0rd29xyz", "back" },
};
/* clang-format on */

static void check_out(const char *out, const struct form *f, const char *how)
{
	if (!ASSERT_OK_PTR(out, how))
		return;
	ASSERT_TRUE(strstr(out, f->secret) == NULL, f->in);
	if (f->kept)
		ASSERT_TRUE(strstr(out, f->kept) != NULL, f->kept);
	ASSERT_FALSE(redact_has_secret(out, strlen(out)), "no key shape left");
}

/* Splits a command line at blanks (no quotes) into argv. */
static size_t split(const char *s, char **argv, size_t max)
{
	size_t n = 0, l;

	while (*s && n < max) {
		while (*s == ' ')
			s++;
		l = strcspn(s, " ");
		if (l)
			argv[n++] = strndup(s, l);
		s += l;
	}
	return n;
}

void test_redact_forms(void)
{
	char *argv[16], *out, *json;
	size_t i, k, n;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct form *f = &forms[i];

		out = redact_text(f->in);
		check_out(out, f, "text");
		free(out);
		out = redact_content(f->in, strlen(f->in));
		check_out(out, f, "content");
		free(out);
		/* as a JSON string value (an MCP text result, a message) */
		json = malloc(strlen(f->in) * 2 + 16);
		strcpy(json, "{\"text\":\"");
		for (k = 0, n = strlen(json); f->in[k]; k++) {
			if (f->in[k] == '"' || f->in[k] == '\\')
				json[n++] = '\\';
			json[n++] = f->in[k];
		}
		strcpy(json + n, "\"}");
		out = redact_json(json, strlen(json));
		if (ASSERT_OK_PTR(out, "json"))
			ASSERT_TRUE(strstr(out, f->secret) == NULL, json);
		free(out);
		free(json);
		/* as argv (forms without quotes) */
		if (strchr(f->in, '\'') || strchr(f->in, '"'))
			continue;
		n = split(f->in, argv, 16);
		if (!ASSERT_OK(redact_argv(argv, n), "argv"))
			continue;
		for (k = 0; k < n; k++) {
			ASSERT_TRUE(strstr(argv[k], f->secret) == NULL, f->in);
			free(argv[k]);
		}
	}
}

/* Readable things stay readable: none of these is a secret. */
void test_redact_forms_kept(void)
{
	static const char *const keep[] = {
		"git log --oneline 0123456789abcdef0123456789abcdef01234567",
		"sort -u file; ps -u root; mkdir -p /tmp/x; git checkout -b topic",
		"{\"max_tokens\": 100, \"input_tokens\": 5, \"usage\": {\"total_tokens\": 9}}",
		"Basic usage: run the basic example",
		"the skeleton sk- key, sk-learn",
		"ssh://git@github.com/x.git",
		"https://h/search?q=hello%20world&page=2",
	};
	size_t i;
	char *out;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		out = redact_text(keep[i]);
		ASSERT_STREQ(out, keep[i], keep[i]);
		free(out);
	}
}

/*
 * Hostile text in every entry point: each pass is linear (a start given up on is not tried
 * again inside the run it scanned). 1 MiB of "-eyJ" takes ~0.2 s of CPU here (ASan) and took
 * minutes when quadratic; 256 KiB of the other patterns likewise. The bound is generous (~50x)
 * and counts this thread's CPU time, not the wall clock: a loaded machine (the suite runs
 * beside stress-ng) stretches the wall time of the same work many times over.
 */
void test_redact_linear_1mib(void)
{
	static const char *const pats[] = {
		"-eyJ",	       "sk-a-",	    "a,", "\"password\":",     "://a",
		"%2",	       "Basic  -",  "a/", "{\"secret\":[\"",   "-u ",
		"\\\"key\\\"", "mysql -p ", "x=", "eyJaaaaaaaaaaaaa.", "ASIA",
	};
	size_t n, i, k, pl;
	struct timespec t0, t1;
	char *s = malloc(1024 * 1024 + 1), *r;
	double secs;

	if (!ASSERT_OK_PTR(s, "alloc"))
		return;
	for (k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		n = k ? 256 * 1024 : 1024 * 1024;
		pl = strlen(pats[k]);
		for (i = 0; i < n; i++)
			s[i] = pats[k][i % pl];
		s[n] = '\0';
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		redact_has_secret(s, n);
		free(redact_json(s, n));
		free(redact_text(s));
		free(redact_target(s, n));
		redact_mem(s, n);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		ASSERT_TRUE(secs < 10.0, pats[k]);
	}
	/* the capped pass works on the cap, not on the input */
	n = 1024 * 1024;
	for (i = 0; i < n; i++)
		s[i] = "-eyJ"[i % 4];
	s[n] = '\0';
	r = redact_text_cap(s, n, 1024);
	ASSERT_LE(strlen(r), 1024, "cut to the cap");
	free(r);
	free(s);
}

/* A cut before redaction never leaves the head of a key, nor grows past the cap. */
void test_redact_text_cap(void)
{
	static const char *const in =
		"error: key sk-proj-abcdefghijklmnopqrstuvwx1234 was refused --token abc";
	size_t cap;
	char *r;

	for (cap = 0; cap <= strlen(in) + 1; cap++) {
		r = redact_text_cap(in, strlen(in), cap);
		if (!ASSERT_OK_PTR(r, "cap"))
			return;
		ASSERT_LE(strlen(r), cap, "at most cap");
		ASSERT_TRUE(strstr(r, "sk-proj-abc") == NULL && strstr(r, "abcdefgh") == NULL,
			    "no head of the key");
		free(r);
	}
	r = redact_text_cap(in, strlen(in), 1000);
	ASSERT_STREQ(r, "error: key REDACTED was refused --token REDACTED", "whole");
	free(r);
}
