// SPDX-License-Identifier: MIT
/*
 * redact_keys.c: key-shaped strings (API keys, tokens, JWTs, Bearer and Basic credentials,
 * AWS keys, the same percent-encoded) become REDACTED, wherever they stand in a text: the last
 * pass of every redaction (redact.c, redact_json.c) and the detector the fuzz harness re-runs
 * on their output. One pass, linear in the text: a start given up on is not tried again inside
 * the run it already scanned.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "redact_internal.h"
#include "str.h"

enum cls {
	CLS_KEY,   /* A-Z a-z 0-9 _ - */
	CLS_ALNUM, /* A-Z a-z 0-9 */
	CLS_WORD,  /* A-Z a-z 0-9 _ */
	CLS_DASH,  /* A-Z a-z 0-9 - */
	CLS_UPNUM, /* A-Z 0-9 */
	CLS_DOT,   /* A-Z a-z 0-9 _ - . */
	CLS_TOKEN, /* RFC 6750 b64token: A-Z a-z 0-9 - . _ ~ + / = */
	CLS_B64,   /* A-Z a-z 0-9 + / */
};

struct prefix_rule {
	const char *prefix;
	enum cls body;
	unsigned char min_body;
	bool digit; /* a body shorter than 20 holds a digit (else it could be a word) */
};

/* Every rule matches at least MARK_LEN bytes, so replacement happens in place. */
/* clang-format off */
static const struct prefix_rule rules[] = {
	{ "sk-", CLS_KEY, 8, true },	/* OpenAI, Anthropic (sk-ant-), OpenRouter (sk-or-) */
	{ "sk_live_", CLS_ALNUM, 8, false },	/* Stripe secret and restricted keys */
	{ "sk_test_", CLS_ALNUM, 8, false },
	{ "rk_live_", CLS_ALNUM, 8, false },
	{ "rk_test_", CLS_ALNUM, 8, false },
	{ "AIza", CLS_KEY, 30, false },	/* Google API keys */
	{ "ya29.", CLS_DOT, 16, false },	/* Google OAuth access tokens */
	{ "ghp_", CLS_ALNUM, 20, false },	/* GitHub tokens */
	{ "gho_", CLS_ALNUM, 20, false },
	{ "ghu_", CLS_ALNUM, 20, false },
	{ "ghs_", CLS_ALNUM, 20, false },
	{ "ghr_", CLS_ALNUM, 20, false },
	{ "github_pat_", CLS_WORD, 20, false },
	{ "glpat-", CLS_KEY, 16, false },	/* GitLab */
	{ "xoxa-", CLS_DASH, 10, false },	/* Slack */
	{ "xoxb-", CLS_DASH, 10, false },
	{ "xoxe-", CLS_DASH, 10, false },
	{ "xoxp-", CLS_DASH, 10, false },
	{ "xoxr-", CLS_DASH, 10, false },
	{ "xoxs-", CLS_DASH, 10, false },
	{ "AKIA", CLS_UPNUM, 16, false },	/* AWS access key ids, long-term and temporary */
	{ "ASIA", CLS_UPNUM, 16, false },
	{ "hf_", CLS_ALNUM, 16, false },	/* Hugging Face */
	{ "gsk_", CLS_ALNUM, 16, false },	/* Groq */
	{ "xai-", CLS_ALNUM, 16, false },	/* xAI */
	{ "pplx-", CLS_ALNUM, 16, false },	/* Perplexity */
	{ "npm_", CLS_ALNUM, 16, false },	/* npm */
	{ "SG.", CLS_DOT, 16, false },		/* SendGrid */
};
/* clang-format on */
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

#define CB(k) (1u << (k))
#define CB_ALNUM                                                                                   \
	(CB(CLS_KEY) | CB(CLS_ALNUM) | CB(CLS_WORD) | CB(CLS_DASH) | CB(CLS_DOT) | CB(CLS_TOKEN) | \
	 CB(CLS_B64))

/*
 * The classes of each byte (bit k: in class k): the scans test every byte of every text
 * exported, one load each rather than a chain of comparisons.
 */
static const unsigned char cls_bits[256] = {
	['0' ... '9'] = CB_ALNUM | CB(CLS_UPNUM),
	['A' ... 'Z'] = CB_ALNUM | CB(CLS_UPNUM),
	['a' ... 'z'] = CB_ALNUM,
	['_'] = CB(CLS_KEY) | CB(CLS_WORD) | CB(CLS_DOT) | CB(CLS_TOKEN),
	['-'] = CB(CLS_KEY) | CB(CLS_DASH) | CB(CLS_DOT) | CB(CLS_TOKEN),
	['.'] = CB(CLS_DOT) | CB(CLS_TOKEN),
	['~'] = CB(CLS_TOKEN),
	['='] = CB(CLS_TOKEN),
	['+'] = CB(CLS_TOKEN) | CB(CLS_B64),
	['/'] = CB(CLS_TOKEN) | CB(CLS_B64),
};

static bool is_alnum(unsigned char c)
{
	return cls_bits[c] & CB(CLS_ALNUM);
}

static bool in_cls(unsigned char c, enum cls k)
{
	return cls_bits[c] & CB(k);
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

/*
 * One pass over a text. A start given up on fails again at every later start of the same rule
 * inside the run it scanned (the same run follows, only shorter): such starts are not tried
 * again, else "eyJ-eyJ-..." or "sk-a-sk-a-..." would take time quadratic in its length.
 */
struct scan {
	size_t rule_fail_end[N_RULES]; /* end of the body of the last start given up on */
	size_t jwt_fail_end;	       /* end of the first segment of the last JWT given up on */
	size_t b64_end;		       /* end of the last base64 run tried as an AWS secret key */
};

static bool has_digit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return true;
	return false;
}

static size_t match_prefix(const char *s, size_t len, size_t i, struct scan *sc)
{
	size_t k, pl, body;

	for (k = 0; k < N_RULES; k++) {
		if (s[i] != rules[k].prefix[0])
			continue;
		pl = strlen(rules[k].prefix);
		if (len - i < pl || memcmp(s + i, rules[k].prefix, pl) ||
		    i + pl <= sc->rule_fail_end[k])
			continue;
		body = span_cls(s, len, i + pl, rules[k].body);
		if (body >= rules[k].min_body &&
		    (!rules[k].digit || body >= 20 || has_digit(s + i + pl, body)))
			return pl + body;
		sc->rule_fail_end[k] = i + pl + body;
	}
	return 0;
}

/* header.payload.signature, base64url; the signature may be empty (alg none). */
static size_t match_jwt(const char *s, size_t len, size_t i, struct scan *sc)
{
	size_t j = i, seg, first;

	if (i < sc->jwt_fail_end || len - i < 3 || memcmp(s + i, "eyJ", 3))
		return 0;
	first = seg = span_cls(s, len, j, CLS_KEY);
	if (seg < 10 || j + seg >= len || s[j + seg] != '.')
		goto fail;
	j += seg + 1;
	seg = span_cls(s, len, j, CLS_KEY);
	if (seg < 10 || j + seg >= len || s[j + seg] != '.')
		goto fail;
	j += seg + 1;
	j += span_cls(s, len, j, CLS_KEY);
	return j - i;
fail:
	sc->jwt_fail_end = i + first;
	return 0;
}

/* Whether base64 s[0..n) decodes to text holding a ':' (user:password). */
static bool b64_has_colon(const char *s, size_t n)
{
	unsigned int acc = 0, bits = 0;
	size_t i;
	int v;

	for (i = 0; i < n; i++) {
		v = str_b64_val((unsigned char)s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6 | (unsigned int)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (((acc >> bits) & 0xff) == ':')
				return true;
		}
	}
	return false;
}

/*
 * "Bearer <token>", and "Basic <base64 of user:password>" (Basic is also a word: the token must
 * decode to a credential). *keep gets the bytes of the scheme and blanks kept before it.
 */
static size_t match_scheme(const char *s, size_t len, size_t i, size_t *keep)
{
	size_t j, tok, sl;
	bool basic;

	if (len - i >= 6 && !strncasecmp(s + i, "bearer", 6))
		sl = 6, basic = false;
	else if (len - i >= 5 && !strncasecmp(s + i, "basic", 5))
		sl = 5, basic = true;
	else
		return 0;
	j = i + sl;
	if (j >= len || (s[j] != ' ' && s[j] != '\t'))
		return 0;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	tok = span_cls(s, len, j, CLS_TOKEN);
	if (tok < MARK_LEN || (basic && !b64_has_colon(s + j, tok)))
		return 0;
	*keep = j - i;
	return j + tok - i;
}

/*
 * An AWS secret access key: 40 base64 characters standing alone, both cases and a digit (a
 * hex digest has one case). Only runs that start after a non-base64 byte are tried.
 */
static size_t match_aws_secret(const char *s, size_t len, size_t i, struct scan *sc)
{
	size_t n, k;
	bool up = false, lo = false, dg = false;

	size_t at = i;

	if (i < sc->b64_end || (i && (in_cls((unsigned char)s[i - 1], CLS_B64) || s[i - 1] == '=')))
		return 0;
	n = span_cls(s, len, i, CLS_B64);
	sc->b64_end = i + n;
	/* escaped text (\n, \u0013): the key starts after the escape */
	if (i && s[i - 1] == '\\')
		at = i + (s[i] == 'u' && n >= 5 ? 5 : 1);
	if (i + n - at != 40 || (i + n < len && s[i + n] == '='))
		return 0;
	for (k = at; k < i + n; k++) {
		up |= s[k] >= 'A' && s[k] <= 'Z';
		lo |= s[k] >= 'a' && s[k] <= 'z';
		dg |= s[k] >= '0' && s[k] <= '9';
	}
	return up && lo && dg ? n : 0; /* the escape letter hidden with it */
}

/* Whether c may start a prefix rule, a JWT, or Bearer / Basic: a quick test before them. */
static bool may_start(unsigned char c)
{
	size_t k;

	for (k = 0; k < N_RULES; k++)
		if ((unsigned char)rules[k].prefix[0] == c)
			return true;
	return c == 'e' || c == 'b' || c == 'B';
}

/* Length of the secret starting at s[i] (0 if none); *keep = leading bytes to leave alone. */
static size_t match_at(const char *s, size_t len, size_t i, size_t *keep, struct scan *sc)
{
	size_t n = 0;

	*keep = 0;
	if (in_cls((unsigned char)s[i], CLS_B64))
		n = match_aws_secret(s, len, i, sc);
	/* the boundary first: it is false inside words, where most bytes are */
	if (n || !at_boundary(s, i) || !may_start((unsigned char)s[i]))
		return n;
	n = match_prefix(s, len, i, sc);
	if (!n)
		n = match_jwt(s, len, i, sc);
	/* a key inside a longer word hides the whole word: no tail of it is left */
	if (n)
		return n + span_cls(s, len, i + n, CLS_KEY);
	return match_scheme(s, len, i, keep);
}

/* ---- percent-encoded runs: a key in a URL query or a form body ---- */

static bool is_url_char(unsigned char c)
{
	return c && (is_alnum(c) || strchr("%-._~+/=:", c));
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes the run s[0..n) into out (n bytes); its length, 0 when it holds no %XX. */
static size_t pct_decode(const char *s, size_t n, char *out)
{
	size_t i, w = 0;
	bool any = false;
	int h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			out[w++] = (char)(h << 4 | l);
			i += 2;
			any = true;
		} else {
			out[w++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	return any ? w : 0;
}

static bool scan_has_secret(const char *s, size_t len);

/*
 * Percent-encoded runs (URL queries, form bodies) whose decoded text holds a key become
 * REDACTED whole, in place. Each run is decoded once: linear. Returns the new length.
 */
static size_t redact_pct(char *s, size_t len, bool *found)
{
	size_t r = 0, w = 0, e, n;
	char *tmp = NULL;

	while (r < len) {
		if (!is_url_char((unsigned char)s[r])) {
			s[w++] = s[r++];
			continue;
		}
		for (e = r; e < len && is_url_char((unsigned char)s[e]); e++)
			;
		n = 0;
		if (memchr(s + r, '%', e - r)) {
			if (!tmp)
				tmp = malloc(len);
			/* no memory: the run is hidden rather than kept unchecked */
			n = tmp ? pct_decode(s + r, e - r, tmp) : MARK_LEN;
		}
		if (n && (!tmp || scan_has_secret(tmp, n)) && e - r >= MARK_LEN) {
			if (found)
				*found = true;
			memcpy(s + w, REDACT_MARK, MARK_LEN);
			w += MARK_LEN;
		} else {
			memmove(s + w, s + r, e - r);
			w += e - r;
		}
		r = e;
	}
	free(tmp);
	return w;
}

/* Whether a match is REDACT_MARK itself (redacted output is not a secret). */
static bool is_mark(const char *s, size_t n)
{
	return n == MARK_LEN && !memcmp(s, REDACT_MARK, MARK_LEN);
}

static bool scan_has_secret(const char *s, size_t len)
{
	struct scan sc = { 0 };
	size_t i, n, keep;

	for (i = 0; i < len; i++) {
		n = match_at(s, len, i, &keep, &sc);
		if (n && n - keep >= MARK_LEN && !is_mark(s + i + keep, n - keep))
			return true;
	}
	return false;
}

/*
 * One pass of redact_mem(). What it leaves can join into a new shape ("x/" REDACTED "/y..."
 * a run of 40 base64 characters): redact_mem() runs it again then, a bounded number of times.
 * *found: whether it met a key shape (REDACT_MARK itself counts).
 */
static size_t mem_pass(char *s, size_t len, bool *found)
{
	struct scan sc = { 0 };
	size_t r = 0, w = 0, n, keep;

	*found = false;
	if (!s)
		return 0;
	while (r < len) {
		n = match_at(s, len, r, &keep, &sc);
		if (!n || n - keep < MARK_LEN) {
			s[w++] = s[r++];
			continue;
		}
		*found = true;
		memmove(s + w, s + r, keep);
		w += keep;
		memcpy(s + w, REDACT_MARK, MARK_LEN);
		w += MARK_LEN;
		r += n;
	}
	return memchr(s, '%', w) ? redact_pct(s, w, NULL) : w;
}

size_t redact_mem(char *s, size_t len)
{
	bool found, pct = s && memchr(s, '%', len);
	int pass;

	len = mem_pass(s, len, &found);
	/*
	 * A pass that met no shape in text with no percent-encoding left it as it was, and
	 * scan_has_secret() would make the same calls on it and find none.
	 */
	if (!found && !pct)
		return len;
	for (pass = 0; pass < 3 && redact_has_secret(s, len); pass++)
		len = mem_pass(s, len, &found);
	return len;
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
	bool found = false;
	char *t;

	if (!s)
		return false;
	if (scan_has_secret(s, len))
		return true;
	if (!memchr(s, '%', len))
		return false;
	t = malloc(len ? len : 1);
	if (!t)
		return true;
	memcpy(t, s, len);
	redact_pct(t, len, &found);
	free(t);
	return found;
}
