// SPDX-License-Identifier: MIT
/*
 * redact_json.c: redaction of JSON texts (request and response bodies, tool arguments and
 * results) that keeps them valid JSON: the text rules of redact.c inside each string value,
 * JSON inside strings walked as JSON, a member whose name names a secret hidden whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jsonstr.h"
#include "redact.h"
#include "redact_internal.h"

#define JSON_DEPTH 4 /* JSON inside JSON strings (tool arguments in messages) */

static bool looks_json(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && redact_is_space(s[i]))
		i++;
	return i < n && (s[i] == '{' || s[i] == '[');
}

static int json_walk(struct tt_buf *out, const char *s, size_t len, int depth);

/*
 * A string value's body s[0..n): the text rule on its unescaped text (the JSON rules when it
 * holds JSON), written back escaped when something changed, as it was otherwise.
 */
static int json_value(struct tt_buf *out, const char *s, size_t n, int depth)
{
	struct tt_buf u, in;
	const char *p;
	char *red = NULL;
	size_t at = out->len;
	bool kept = false;
	int err = 0;

	tt_buf_init(&u, n + 1); /* unescaped text is never longer */
	err = jsonstr_unescape(&u, s, n);
	p = err ? NULL : tt_buf_cstr(&u);
	if (!p) {
		err = -ENOMEM;
	} else if (memchr(p, '\0', u.len)) {
		/* \u0000 inside: key shapes only, on the escaped text */
		err = tt_buf_add(out, s, n);
		if (!err)
			out->len = at + redact_mem((char *)out->data + at, n);
	} else if (depth < JSON_DEPTH && looks_json(p, u.len)) {
		tt_buf_init(&in, u.len * 2 * MARK_LEN + 64);
		err = json_walk(&in, p, u.len, depth + 1);
		red = err ? NULL : tt_buf_steal(&in, NULL);
		tt_buf_free(&in);
	} else {
		red = redact_text(p);
		err = red ? 0 : -ENOMEM;
	}
	if (red && !strcmp(red, p) && !redact_has_secret(s, n)) {
		err = tt_buf_add(out, s, n);
		kept = true; /* what is written is s, which just passed the detector */
	} else if (red) {
		err = jsonstr_escape(out, red, strlen(red), JSONSTR_RAW | JSONSTR_SHORT_BF);
	}
	/*
	 * An escape can show a key the text does not ("\sk-..." is the text "sk-..." inside a
	 * word): what is written must pass the detector too, or the whole string is hidden.
	 */
	if (red && !err && !kept &&
	    redact_has_secret((const char *)out->data + at, out->len - at)) {
		out->len = at;
		err = tt_buf_addstr(out, REDACT_MARK);
	}
	free(red);
	tt_buf_free(&u);
	return err;
}

/* Whether a run between strings has words other than JSON literals and exponents. */
static bool has_words(const char *s, size_t n)
{
	size_t i = 0, w;

	while (i < n) {
		if (!isalpha((unsigned char)s[i])) {
			i++;
			continue;
		}
		for (w = i; i < n && isalpha((unsigned char)s[i]); i++)
			;
		if (!(i - w == 1 && (s[w] == 'e' || s[w] == 'E')) &&
		    !(i - w == 4 && (!strncmp(s + w, "true", 4) || !strncmp(s + w, "null", 4))) &&
		    !(i - w == 5 && !strncmp(s + w, "false", 5)))
			return true;
	}
	return false;
}

/* Bytes outside strings: JSON punctuation, or text when the input is not quite JSON. */
static int json_between(struct tt_buf *out, const char *s, size_t n)
{
	char *t, *red;
	int err;

	if (!has_words(s, n))
		return tt_buf_add(out, s, n);
	t = strndup(s, n);
	red = t ? redact_text(t) : NULL;
	err = red ? tt_buf_addstr(out, red) : -ENOMEM;
	free(red);
	free(t);
	return err;
}

/* Whether s[0..n) holds only bytes of set (a NUL is in none). */
static bool only_of(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/* Whether the member name s[0..n) (escaped, as in the text: \u0070assword) names a secret. */
static bool key_secret(const char *s, size_t n, bool *count)
{
	struct tt_buf u;
	const char *k = s;
	bool r;

	*count = false;
	if (!memchr(s, '\\', n)) {
		*count = redact_count_name(s, n);
		return redact_secret_name(s, n);
	}
	tt_buf_init(&u, n + 1);
	if (jsonstr_unescape(&u, s, n) || !(k = tt_buf_cstr(&u))) {
		tt_buf_free(&u);
		return true; /* cannot tell: hide it */
	}
	*count = redact_count_name(k, u.len);
	r = redact_secret_name(k, u.len);
	tt_buf_free(&u);
	return r;
}

/* Index after the JSON value (object, array or bare word) starting at s[i], or len. */
static size_t value_end(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	if (s[i] != '{' && s[i] != '[') {
		while (i < len && (isalnum((unsigned char)s[i]) || strchr("+-._", s[i])) && s[i])
			i++;
		return i;
	}
	while (i < len) {
		if (s[i] == '"') {
			i = jsonstr_end(s, len, i + 1) + 1;
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == '}' || s[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

static bool is_literal(const char *s, size_t n)
{
	return (n == 4 && (!strncmp(s, "true", 4) || !strncmp(s, "null", 4))) ||
	       (n == 5 && !strncmp(s, "false", 5));
}

/*
 * After a member name that names a secret: the blanks and ':' before its value, then the
 * value whole (an object, an array, a word) as "REDACTED"; a string is left to the caller.
 * Returns the index after what it wrote, i when s[i] starts a string.
 */
static size_t hide_value(struct tt_buf *out, const char *s, size_t len, size_t i, bool count,
			 int *err)
{
	size_t j = i, e;

	while (j < len && strchr(" \t\r\n:", s[j]) && s[j])
		j++;
	*err = tt_buf_add(out, s + i, j - i);
	if (*err || j >= len || s[j] == '"')
		return j;
	e = value_end(s, len, j);
	if (e == j)
		return j;
	if (is_literal(s + j, e - j) || (count && isdigit((unsigned char)s[j]) && s[j] != '{'))
		*err = tt_buf_add(out, s + j, e - j);
	else
		*err = tt_buf_addstr(out, "\"" REDACT_MARK "\"");
	return e;
}

static int json_walk(struct tt_buf *out, const char *s, size_t len, int depth)
{
	const char *q;
	size_t i = 0, e, j;
	bool closed, opt = false, secret = false, member = false, count = false;
	int err = 0;

	while (i < len && !err) {
		if (secret && s[i] != '"') {
			/* the value of a secret member: hidden whole unless it is a string */
			j = hide_value(out, s, len, i, count, &err);
			if (err || j >= len)
				break;
			if (s[j] != '"')
				secret = member = false;
			if (j > i) {
				i = j;
				continue;
			}
		}
		if (s[i] != '"') {
			q = memchr(s + i, '"', len - i);
			j = q ? (size_t)(q - s) : len;
			if (!only_of(s + i, j - i, " \t\r\n:"))
				member = secret = false; /* not "name": "value" */
			if (!only_of(s + i, j - i, " \t\r\n,"))
				opt = false; /* not the next item of an array */
			err = json_between(out, s + i, j - i);
			i = j;
			continue;
		}
		e = jsonstr_end(s, len, i + 1);
		closed = e < len;
		for (j = e + 1; closed && j < len && redact_is_space(s[j]); j++)
			;
		if (closed && j < len && s[j] == ':') { /* a member name */
			err = tt_buf_addc(out, '"');
			err = err ?: json_value(out, s + i + 1, e - i - 1, JSON_DEPTH);
			err = err ?: tt_buf_addc(out, '"');
			secret = key_secret(s + i + 1, e - i - 1, &count);
			member = true;
		} else {
			err = tt_buf_addc(out, '"');
			if (!err && ((member && secret) || opt))
				err = tt_buf_addstr(out, REDACT_MARK);
			else if (!err)
				err = json_value(out, s + i + 1, e - i - 1, depth);
			if (!err && closed)
				err = tt_buf_addc(out, '"');
			/* ["--token", "V"]: an argv in JSON */
			opt = !opt && !member &&
			      redact_secret_option(s + i + 1, strnlen(s + i + 1, e - i - 1));
			secret = member = false;
		}
		i = closed ? e + 1 : len;
	}
	return err;
}

char *redact_json(const char *json, size_t len)
{
	struct tt_buf b;
	char *out;
	int err;

	tt_buf_init(&b, len * 2 * MARK_LEN + 64);
	err = json_walk(&b, json, len, 0);
	out = err ? NULL : tt_buf_steal(&b, NULL);
	tt_buf_free(&b);
	if (err == -E2BIG)
		return strdup(REDACT_MARK); /* cannot happen with valid input: hide it all */
	if (!err && !out)
		out = strdup("");
	if (!out)
		errno = ENOMEM;
	return out;
}

char *redact_content(const char *s, size_t len)
{
	char *t, *out;

	len = strnlen(s, len);
	if (looks_json(s, len))
		return redact_json(s, len);
	t = strndup(s, len);
	out = t ? redact_text(t) : NULL;
	free(t);
	if (!out)
		errno = ENOMEM;
	return out;
}

char *redact_content_cap(const char *s, size_t len, size_t cap)
{
	char *out;

	len = strnlen(s, len);
	out = redact_content(s, redact_safe_cut(s, len, cap));
	if (out && strlen(out) > cap)
		out[cap] = '\0';
	return out;
}
