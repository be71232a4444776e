// SPDX-License-Identifier: MIT
/*
 * redact.c: credentials in text taken from traced programs become REDACTED: key-like strings
 * (API keys, tokens, JWTs, Bearer values), and the values that command-line, header and
 * assignment rules name as secrets, in plain text, argv, URLs, HTTP header values and request
 * targets; redact_json.c applies the same rules inside JSON texts. The one home of redaction.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "redact.h"
#include "redact_internal.h"

enum cls {
	CLS_KEY,   /* A-Z a-z 0-9 _ - */
	CLS_ALNUM, /* A-Z a-z 0-9 */
	CLS_WORD,  /* A-Z a-z 0-9 _ */
	CLS_DASH,  /* A-Z a-z 0-9 - */
	CLS_UPNUM, /* A-Z 0-9 */
	CLS_TOKEN, /* RFC 6750 b64token: A-Z a-z 0-9 - . _ ~ + / = */
};

struct prefix_rule {
	const char *prefix;
	enum cls body;
	size_t min_body;
};

/* Every rule matches at least MARK_LEN bytes, so replacement happens in place. */
/* clang-format off */
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
/* clang-format on */

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

/*
 * One pass over a text. A JWT tried at i and given up on fails again at every later start
 * inside its first segment (the same segments follow, the first only shorter): such starts
 * are not tried again, else "eyJ-eyJ-eyJ-..." would take time quadratic in its length.
 */
struct scan {
	size_t jwt_fail_end; /* end of the first segment of the last JWT given up on */
};

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
static size_t match_at(const char *s, size_t len, size_t i, size_t *keep, struct scan *sc)
{
	size_t n;

	*keep = 0;
	if (!at_boundary(s, i))
		return 0;
	n = match_prefix(s, len, i);
	if (!n)
		n = match_jwt(s, len, i, sc);
	if (!n)
		n = match_bearer(s, len, i, keep);
	return n;
}

size_t redact_mem(char *s, size_t len)
{
	struct scan sc = { 0 };
	size_t r = 0, w = 0, n, keep;

	if (!s)
		return 0;
	while (r < len) {
		n = match_at(s, len, r, &keep, &sc);
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
	struct scan sc = { 0 };
	size_t i, n, keep;

	for (i = 0; s && i < len; i++) {
		n = match_at(s, len, i, &keep, &sc);
		if (n && n - keep >= MARK_LEN)
			return true;
	}
	return false;
}

/* ---- rules for text: options, assignments, headers ---- */

/* Name parts that say "this holds a secret" (compared case-insensitively, whole parts). */
static const char *const secret_parts[] = {
	"key",	       "apikey",   "accesskey", "secretkey", "privatekey",    "token",
	"secret",      "password", "passwd",	"pwd",	     "passphrase",    "credential",
	"credentials", "sig",	   "signature", "auth",	     "authorization", "cookie",
};

static bool is_name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Whether name[0..len) is one of list[0..n), case-insensitively. */
static bool name_in(const char *name, size_t len, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncasecmp(name, list[i], len))
			return true;
	return false;
}

static bool secret_part(const char *p, size_t n)
{
	return name_in(p, n, secret_parts, sizeof(secret_parts) / sizeof(secret_parts[0]));
}

/*
 * Splits name into parts at non-alphanumerics and lower-to-upper case changes (OPENAI_API_KEY,
 * x-api-key, apiKey, AWSAccessKeyId): a part naming a secret makes the whole name one.
 * Whole parts only, so max_tokens or KEYBOARD stay readable.
 */
bool redact_secret_name(const char *name, size_t len)
{
	size_t i = 0, start;

	while (i < len) {
		while (i < len && !isalnum((unsigned char)name[i]))
			i++;
		start = i;
		while (i < len && isalnum((unsigned char)name[i])) {
			if (i > start && islower((unsigned char)name[i - 1]) &&
			    isupper((unsigned char)name[i]))
				break;
			i++;
		}
		if (i > start && secret_part(name + start, i - start))
			return true;
	}
	return false;
}

static bool credential_header(const char *name, size_t len)
{
	static const char *const hdrs[] = { "proxy-authorization", "set-cookie" };

	return name_in(name, len, hdrs, sizeof(hdrs) / sizeof(hdrs[0])) ||
	       redact_secret_name(name, len);
}

/* End of an unquoted shell word value starting at i. */
static size_t word_end(const char *s, size_t i)
{
	while (s[i] && !redact_is_space(s[i]) && !strchr(";&|)`'\"", s[i]))
		i++;
	return i;
}

/* Appends REDACT_MARK for the value at s[i..]: quoted or a word. Returns the index after it. */
static size_t put_value(struct tt_buf *b, const char *s, size_t i)
{
	char q = s[i];
	size_t j;

	if (q == '\'' || q == '"') {
		j = i + 1;
		while (s[j] && s[j] != q)
			j++;
		tt_buf_addc(b, q);
		tt_buf_addstr(b, REDACT_MARK);
		if (s[j])
			tt_buf_addc(b, q);
		return s[j] ? j + 1 : j;
	}
	j = word_end(s, i);
	if (j > i)
		tt_buf_addstr(b, REDACT_MARK);
	return j;
}

/* A value word that is an auth scheme (Bearer, Basic...) takes the word after it too. */
static size_t scheme_end(const char *s, size_t v, size_t e)
{
	static const char *const schemes[] = { "bearer", "basic", "token", "digest", "bot" };
	size_t n = e;

	if (!name_in(s + v, e - v, schemes, sizeof(schemes) / sizeof(schemes[0])) ||
	    (s[n] != ' ' && s[n] != '\t'))
		return e;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	n = word_end(s, n);
	return n > e + 1 && !redact_is_space(s[n - 1]) ? n : e;
}

/* "Name: value" where Name is a credential header. Returns the index after it, 0 if none. */
static size_t try_header(struct tt_buf *b, const char *s, size_t i)
{
	size_t j = i, v, e;
	char q = i ? s[i - 1] : 0;

	while (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == '_')
		j++;
	if (j == i || s[j] != ':' || !credential_header(s + i, j - i))
		return 0;
	v = j + 1;
	while (s[v] == ' ' || s[v] == '\t')
		v++;
	if (q == '\'' || q == '"')
		for (e = v; s[e] && s[e] != q; e++)
			;
	else if (i == 0 || q == '\n') /* a whole argument (curl -H) or a line */
		for (e = v; s[e] && s[e] != '\n'; e++)
			;
	else
		e = scheme_end(s, v, word_end(s, v));
	if (e == v)
		return 0;
	tt_buf_add(b, s + i, v - i);
	tt_buf_addstr(b, REDACT_MARK);
	return e;
}

/* --secret=V, --secret V, -secret V. Returns the index after the value, 0 if none. */
static size_t try_option(struct tt_buf *b, const char *s, size_t i)
{
	size_t j = i, n;

	while (s[j] == '-')
		j++;
	n = j;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.')
		n++;
	if (j == i || n == j || !redact_secret_name(s + j, n - j))
		return 0;
	if (s[n] == '=') {
		tt_buf_add(b, s + i, n + 1 - i);
		return put_value(b, s, n + 1);
	}
	if (s[n] != ' ' && s[n] != '\t')
		return 0;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	if (!s[n] || s[n] == '-')
		return 0;
	tt_buf_add(b, s + i, n - i);
	return put_value(b, s, n);
}

/* NAME=value with a secret NAME (env, shell assignments). Index after the value, 0 if none. */
static size_t try_assign(struct tt_buf *b, const char *s, size_t i)
{
	size_t j = i;

	if (!isalpha((unsigned char)s[j]) && s[j] != '_')
		return 0;
	while (is_name_char((unsigned char)s[j]))
		j++;
	if (s[j] != '=' || !redact_secret_name(s + i, j - i))
		return 0;
	tt_buf_add(b, s + i, j + 1 - i);
	return put_value(b, s, j + 1);
}

static bool text_boundary(const char *s, size_t i)
{
	return i == 0 || strchr(" \t\n\r'\";&|(`=", s[i - 1]);
}

char *redact_text(const char *s)
{
	struct tt_buf b;
	size_t i = 0, n, len = strlen(s);
	char *out;

	/* every rule turns at least one byte into REDACT_MARK: 8x bounds the growth */
	tt_buf_init(&b, len * MARK_LEN + 16);
	while (s[i]) {
		n = 0;
		if (text_boundary(s, i)) {
			n = try_header(&b, s, i);
			if (!n && s[i] == '-')
				n = try_option(&b, s, i);
			if (!n)
				n = try_assign(&b, s, i);
		}
		if (n) {
			i = n;
			continue;
		}
		tt_buf_addc(&b, s[i++]);
	}
	out = tt_buf_steal(&b, NULL);
	if (!out)
		out = strdup("");
	if (out)
		redact_str(out);
	return out;
}

bool redact_secret_option(const char *a, size_t len)
{
	size_t j = 0;

	while (j < len && a[j] == '-')
		j++;
	if (!j || memchr(a, '=', len) || memchr(a, ' ', len) || memchr(a, '\t', len))
		return false;
	return redact_secret_name(a + j, len - j);
}

static bool user_option(const char *a)
{
	return !strcmp(a, "-u") || !strcmp(a, "--user") || !strcmp(a, "--proxy-user");
}

static int set_arg(char **slot, char *val)
{
	if (!val)
		return -ENOMEM;
	free(*slot);
	*slot = val;
	return 0;
}

int redact_argv(char **argv, size_t argc)
{
	size_t i;
	int err;

	for (i = 0; i < argc; i++) {
		if (i + 1 < argc && (redact_secret_option(argv[i], strlen(argv[i])) ||
				     (user_option(argv[i]) && strchr(argv[i + 1], ':')))) {
			err = set_arg(&argv[i + 1], strdup(REDACT_MARK));
			if (err)
				return err;
			i++;
			continue;
		}
		err = set_arg(&argv[i], redact_text(argv[i]));
		if (err)
			return err;
	}
	return 0;
}

/*
 * The parameters of a query p[0..n) (after the '?', before any '#'): the value of each one
 * whose name secret() names becomes REDACT_MARK. 0, -E2BIG or -ENOMEM.
 */
static int scrub_query(struct tt_buf *b, const char *p, size_t n,
		       bool (*secret)(const char *name, size_t len))
{
	const char *end = p + n, *amp, *eq;
	int err = 0;

	while (!err && p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq && secret(p, (size_t)(eq - p))) {
			err = tt_buf_add(b, p, (size_t)(eq + 1 - p));
			err = err ?: tt_buf_addstr(b, REDACT_MARK);
		} else {
			err = tt_buf_add(b, p, (size_t)(amp - p));
		}
		if (!err && amp < end)
			err = tt_buf_addc(b, '&');
		p = amp < end ? amp + 1 : end;
	}
	return err;
}

char *redact_url(const char *scheme, const char *host, const char *target)
{
	const char *t = target ? target : "", *auth, *at, *slash, *q, *frag;
	struct tt_buf b;
	char *out;

	tt_buf_init(&b, strlen(t) * MARK_LEN + (host ? strlen(host) : 0) + 64);
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		/* absolute-form (proxies): drop user info */
		auth = strstr(t, "//") + 2;
		slash = auth + strcspn(auth, "/?#");
		at = memchr(auth, '@', slash - auth);
		tt_buf_add(&b, t, auth - t);
		t = at ? at + 1 : auth;
	} else {
		tt_buf_printf(&b, "%s://%s", scheme, host ? host : "");
		if (*t != '/' && *t)
			tt_buf_addc(&b, '/');
	}
	q = strchr(t, '?');
	if (q) {
		tt_buf_add(&b, t, q + 1 - t);
		frag = q + 1 + strcspn(q + 1, "#");
		scrub_query(&b, q + 1, (size_t)(frag - q - 1), redact_secret_name);
		tt_buf_addstr(&b, frag);
	} else {
		tt_buf_addstr(&b, t);
	}
	out = tt_buf_steal(&b, NULL);
	if (out)
		redact_str(out);
	return out;
}

/* ---- HTTP: header values and request-target queries, as the HTTP layer keeps them ---- */

bool redact_header_is_credential(const char *name, size_t len)
{
	static const char *const creds[] = {
		"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
		"api-key",	 "x-goog-api-key",
	};

	return name_in(name, len, creds, sizeof(creds) / sizeof(creds[0]));
}

char *redact_header_value(const char *name, size_t name_len, const char *value, size_t len)
{
	if (redact_header_is_credential(name, name_len))
		return strdup(REDACT_MARK);
	return strndup(value, len);
}

static bool query_param_secret(const char *name, size_t len)
{
	static const char *const names[] = { "key", "api_key", "apikey", "access_token", "token" };

	return name_in(name, len, names, sizeof(names) / sizeof(names[0]));
}

char *redact_target(const char *target, size_t len)
{
	const char *q = memchr(target, '?', len);
	size_t path = q ? (size_t)(q - target) + 1 : len;
	struct tt_buf b;
	char *out;

	tt_buf_init(&b, 2 * len + 64);
	if (tt_buf_add(&b, target, path) ||
	    scrub_query(&b, target + path, len - path, query_param_secret)) {
		tt_buf_free(&b);
		return NULL;
	}
	out = tt_buf_steal(&b, &len);
	if (out)
		out[redact_mem(out, len)] = '\0';
	return out;
}
