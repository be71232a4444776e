// SPDX-License-Identifier: MIT
/* redact.c: replaces key-like strings (API keys, tokens, JWTs, Bearer values) with REDACTED. */
#include <string.h>
#include <strings.h>

#include "redact.h"

#define MARK_LEN (sizeof(REDACT_MARK) - 1)

enum cls {
	CLS_KEY,	/* A-Z a-z 0-9 _ - */
	CLS_ALNUM,	/* A-Z a-z 0-9 */
	CLS_WORD,	/* A-Z a-z 0-9 _ */
	CLS_DASH,	/* A-Z a-z 0-9 - */
	CLS_UPNUM,	/* A-Z 0-9 */
	CLS_TOKEN,	/* RFC 6750 b64token: A-Z a-z 0-9 - . _ ~ + / = */
};

struct prefix_rule {
	const char *prefix;
	enum cls body;
	size_t min_body;
};

/* Every rule matches at least MARK_LEN bytes, so replacement happens in place. */
static const struct prefix_rule rules[] = {
	{ "sk-", CLS_KEY, 16 },		/* OpenAI, Anthropic (sk-ant-), OpenRouter (sk-or-) */
	{ "AIza", CLS_KEY, 30 },	/* Google API keys */
	{ "ghp_", CLS_ALNUM, 30 },	/* GitHub tokens */
	{ "gho_", CLS_ALNUM, 30 },
	{ "ghu_", CLS_ALNUM, 30 },
	{ "ghs_", CLS_ALNUM, 30 },
	{ "ghr_", CLS_ALNUM, 30 },
	{ "github_pat_", CLS_WORD, 20 },
	{ "xoxa-", CLS_DASH, 10 },	/* Slack */
	{ "xoxb-", CLS_DASH, 10 },
	{ "xoxe-", CLS_DASH, 10 },
	{ "xoxp-", CLS_DASH, 10 },
	{ "xoxr-", CLS_DASH, 10 },
	{ "xoxs-", CLS_DASH, 10 },
	{ "AKIA", CLS_UPNUM, 16 },	/* AWS access key ids */
	{ "hf_", CLS_ALNUM, 30 },	/* Hugging Face */
};

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool in_cls(unsigned char c, enum cls k)
{
	switch (k) {
	case CLS_KEY:
		return is_alnum(c) || c == '_' || c == '-';
	case CLS_ALNUM:
		return is_alnum(c);
	case CLS_WORD:
		return is_alnum(c) || c == '_';
	case CLS_DASH:
		return is_alnum(c) || c == '-';
	case CLS_UPNUM:
		return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	case CLS_TOKEN:
		return is_alnum(c) || strchr("-._~+/=", c) != NULL;
	}
	return false;
}

static size_t span_cls(const char *s, size_t len, size_t i, enum cls k)
{
	size_t j = i;

	while (j < len && in_cls((unsigned char)s[j], k))
		j++;
	return j - i;
}

/*
 * A key starts at a word boundary. The character before may also be the letter of a JSON or
 * shell escape (\n, \t) when the text is still escaped.
 */
static bool at_boundary(const char *s, size_t i)
{
	if (i == 0 || (!is_alnum((unsigned char)s[i - 1]) && s[i - 1] != '_'))
		return true;
	return i >= 2 && s[i - 2] == '\\';
}

static size_t match_prefix(const char *s, size_t len, size_t i)
{
	size_t k, pl, body;

	for (k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		pl = strlen(rules[k].prefix);
		if (len - i < pl || memcmp(s + i, rules[k].prefix, pl))
			continue;
		body = span_cls(s, len, i + pl, rules[k].body);
		if (body >= rules[k].min_body)
			return pl + body;
	}
	return 0;
}

/* header.payload.signature, base64url; the signature may be empty (alg none). */
static size_t match_jwt(const char *s, size_t len, size_t i)
{
	size_t j = i, seg;

	if (len - i < 3 || memcmp(s + i, "eyJ", 3))
		return 0;
	seg = span_cls(s, len, j, CLS_KEY);
	if (seg < 10 || j + seg >= len || s[j + seg] != '.')
		return 0;
	j += seg + 1;
	seg = span_cls(s, len, j, CLS_KEY);
	if (seg < 10 || j + seg >= len || s[j + seg] != '.')
		return 0;
	j += seg + 1;
	j += span_cls(s, len, j, CLS_KEY);
	return j - i;
}

/* "Bearer <token>": *keep gets the bytes of "Bearer " kept before the replaced token. */
static size_t match_bearer(const char *s, size_t len, size_t i, size_t *keep)
{
	size_t j = i + 6, tok;

	if (len - i < 6 || strncasecmp(s + i, "bearer", 6))
		return 0;
	if (j >= len || (s[j] != ' ' && s[j] != '\t'))
		return 0;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	tok = span_cls(s, len, j, CLS_TOKEN);
	if (tok < MARK_LEN)
		return 0;
	*keep = j - i;
	return j + tok - i;
}

/* Length of the secret starting at s[i] (0 if none); *keep = leading bytes to leave alone. */
static size_t match_at(const char *s, size_t len, size_t i, size_t *keep)
{
	size_t n;

	*keep = 0;
	if (!at_boundary(s, i))
		return 0;
	n = match_prefix(s, len, i);
	if (!n)
		n = match_jwt(s, len, i);
	if (!n)
		n = match_bearer(s, len, i, keep);
	return n;
}

size_t redact_mem(char *s, size_t len)
{
	size_t r = 0, w = 0, n, keep;

	if (!s)
		return 0;
	while (r < len) {
		n = match_at(s, len, r, &keep);
		if (!n || n - keep < MARK_LEN) {
			s[w++] = s[r++];
			continue;
		}
		memmove(s + w, s + r, keep);
		w += keep;
		memcpy(s + w, REDACT_MARK, MARK_LEN);
		w += MARK_LEN;
		r += n;
	}
	return w;
}

size_t redact_str(char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = redact_mem(s, strlen(s));
	s[n] = '\0';
	return n;
}

bool redact_has_secret(const char *s, size_t len)
{
	size_t i, n, keep;

	for (i = 0; s && i < len; i++) {
		n = match_at(s, len, i, &keep);
		if (n && n - keep >= MARK_LEN)
			return true;
	}
	return false;
}
