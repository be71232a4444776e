// SPDX-License-Identifier: MIT
/*
 * redact.c: credentials in text taken from traced programs become REDACTED: the values that
 * command-line, header, assignment, URL and JSON-member rules name as secrets, in plain text,
 * argv, URLs, HTTP header values and request targets, then key-shaped strings (redact_keys.c);
 * redact_json.c applies the same rules inside JSON texts. The one home of redaction.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "redact.h"
#include "redact_internal.h"

/* ---- names that name a secret ---- */

/* Name parts that say "this holds a secret" (compared case-insensitively, whole parts). */
static const char *const secret_parts[] = {
	"key",	       "keys",	  "apikey",  "apikeys",	  "accesskey",	"secretkey",
	"privatekey",  "token",	  "secret",  "secrets",	  "password",	"passwords",
	"passwd",      "pass",	  "pw",	     "pwd",	  "passphrase", "credential",
	"credentials", "creds",	  "sig",     "signature", "auth",	"authorization",
	"cookie",      "cookies", "session", "sessionid", "sessid",
};

/* Endings of a one-part name that still name a secret: PGPASSWORD, GHTOKEN, PHPSESSID. */
static const char *const secret_ends[] = {
	"password", "passwd", "secret", "token", "apikey", "sessid", "sessionid",
};

/* Parts that make "tokens" (and a number under a secret name) a count: max_tokens. */
static const char *const count_parts[] = {
	"max",	    "min",	 "input", "output",    "total",	    "prompt",	  "completion",
	"cached",   "cache",	 "count", "reasoning", "num",	    "budget",	  "limit",
	"thinking", "audio",	 "text",  "image",     "accepted",  "rejected",	  "creation",
	"read",	    "remaining", "used",  "context",   "predicted", "candidates", "usage",
};

static bool is_name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

bool redact_name_in(const char *name, size_t len, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncasecmp(name, list[i], len))
			return true;
	return false;
}

#define IN(name, len, list) redact_name_in(name, len, list, sizeof(list) / sizeof(list[0]))

static bool ends_in(const char *p, size_t n, const char *const *list, size_t k)
{
	size_t i, l;

	for (i = 0; i < k; i++) {
		l = strlen(list[i]);
		if (n > l && !strncasecmp(p + n - l, list[i], l))
			return true;
	}
	return false;
}

/*
 * Calls fn on each part of name: split at non-alphanumerics and lower-to-upper case changes
 * (OPENAI_API_KEY, x-api-key, apiKey, AWSAccessKeyId); stops when fn returns true.
 */
static bool name_parts(const char *name, size_t len, bool (*fn)(const char *p, size_t n))
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
		if (i > start && fn(name + start, i - start))
			return true;
	}
	return false;
}

static bool count_part(const char *p, size_t n)
{
	return IN(p, n, count_parts);
}

bool redact_count_name(const char *name, size_t len)
{
	return name_parts(name, len, count_part);
}

static bool secret_part(const char *p, size_t n)
{
	return IN(p, n, secret_parts) ||
	       ends_in(p, n, secret_ends, sizeof(secret_ends) / sizeof(secret_ends[0]));
}

static bool tokens_part(const char *p, size_t n)
{
	return n == 6 && !strncasecmp(p, "tokens", 6);
}

/* Whole parts only, so KEYBOARD or monkey stay readable; "tokens" beside a count word too. */
bool redact_secret_name(const char *name, size_t len)
{
	if (name_parts(name, len, secret_part))
		return true;
	return name_parts(name, len, tokens_part) && !redact_count_name(name, len);
}

/* ---- rules for text: options, assignments, headers, URLs, JSON members ---- */

static bool credential_header(const char *name, size_t len)
{
	static const char *const hdrs[] = { "proxy-authorization", "set-cookie" };

	return IN(name, len, hdrs) || redact_secret_name(name, len);
}

/* End of an unquoted shell word value starting at i. */
static size_t word_end(const char *s, size_t i)
{
	while (s[i] && !redact_is_space(s[i]) && !strchr(";&|)`'\"", s[i]))
		i++;
	return i;
}

/* A value word that is an auth scheme (Bearer, Basic...) takes the word after it too. */
static size_t scheme_end(const char *s, size_t v, size_t e)
{
	static const char *const schemes[] = { "bearer", "basic", "token", "digest", "bot" };
	size_t n = e;

	if (!IN(s + v, e - v, schemes) || (s[n] != ' ' && s[n] != '\t'))
		return e;
	while (s[n] == ' ' || s[n] == '\t')
		n++;
	n = word_end(s, n);
	return n > e + 1 && !redact_is_space(s[n - 1]) ? n : e;
}

/*
 * Appends REDACT_MARK for the value at s[i..]: quoted, or a word (two after an auth scheme:
 * TOKEN=Basic dXNl...). Returns the index after it.
 */
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
	j = scheme_end(s, i, word_end(s, i));
	if (j > i)
		tt_buf_addstr(b, REDACT_MARK);
	return j;
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

/* Commands whose short options carry a password: `mysql -ppw`, `sshpass -p pw`, `curl -b`. */
enum cmd { CMD_NONE, CMD_MYSQL, CMD_SSHPASS, CMD_CURL };

static enum cmd cmd_of(const char *w, size_t n)
{
	static const char *const mysql[] = { "mysql",	  "mysqldump", "mysqladmin",  "mysqlimport",
					     "mysqlshow", "mariadb",   "mariadb-dump" };
	const char *slash = memrchr(w, '/', n);

	if (slash) {
		n -= (size_t)(slash + 1 - w);
		w = slash + 1;
	}
	if (IN(w, n, mysql))
		return CMD_MYSQL;
	if (n == 7 && !memcmp(w, "sshpass", 7))
		return CMD_SSHPASS;
	if (n == 4 && !memcmp(w, "curl", 4))
		return CMD_CURL;
	return CMD_NONE;
}

/* -u, --user, --proxy-user (curl, wget, git...): a value "user:password". */
static bool user_option(const char *a, size_t n)
{
	static const char *const opts[] = { "-u", "--user", "-U", "--proxy-user", "--http-user" };

	return IN(a, n, opts);
}

/* A short option of cmd whose value is a secret: mysql -p, sshpass -p, curl -b (cookies). */
static bool cmd_option(enum cmd cmd, const char *a, size_t n)
{
	return n == 2 && a[0] == '-' &&
	       ((a[1] == 'p' && (cmd == CMD_MYSQL || cmd == CMD_SSHPASS)) ||
		(a[1] == 'b' && cmd == CMD_CURL));
}

/* End of the (quoted or plain) value word at s[v]. */
static size_t value_end(const char *s, size_t v)
{
	if (s[v] == '\'' || s[v] == '"')
		return v + 1 + strcspn(s + v + 1, s[v] == '"' ? "\"" : "'");
	return word_end(s, v);
}

/*
 * Whether the value s[v..e) of option a[0..n) of cmd is a secret, the option not naming one:
 * user:password after -u, a cookie (name=value, not a file) after curl -b, mysql and sshpass -p.
 */
static bool opt_value_secret(enum cmd cmd, const char *a, size_t n, const char *s, size_t v,
			     size_t e)
{
	if (user_option(a, n))
		return memchr(s + v, ':', e - v) != NULL;
	if (!cmd_option(cmd, a, n))
		return false;
	return a[1] == 'p' || memchr(s + v, '=', e - v) != NULL;
}

/*
 * --secret=V, --secret V, -secret V; -u user:pw, --user=user:pw, -uuser:pw; the short options
 * of cmd_option(), -pV attached too. Returns the index after the value, 0 if none.
 */
static size_t try_option(struct tt_buf *b, const char *s, size_t i, enum cmd cmd)
{
	size_t j = i, n, v;

	while (s[j] == '-')
		j++;
	n = j;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.')
		n++;
	if (j == i || n == j)
		return 0;
	/* -ppw, -ua:pw, -bname=v: a short option and its value in one word */
	if (j == i + 1 && s[i + 2] && !redact_is_space(s[i + 2]) &&
	    opt_value_secret(cmd, s + i, 2, s, i + 2, value_end(s, i + 2))) {
		tt_buf_add(b, s + i, 2);
		return put_value(b, s, i + 2);
	}
	v = n + (s[n] == '=');
	if (s[n] != '=') {
		if (s[n] != ' ' && s[n] != '\t')
			return 0;
		while (s[v] == ' ' || s[v] == '\t')
			v++;
		if (!s[v] || s[v] == '-')
			return 0;
	}
	if (!redact_secret_name(s + j, n - j) &&
	    !opt_value_secret(cmd, s + i, n - i, s, v, value_end(s, v)))
		return 0;
	tt_buf_add(b, s + i, v - i);
	return put_value(b, s, v);
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

/* scheme://user:password@host: the password (or a long user that is a token) hidden. */
static size_t try_userinfo(struct tt_buf *b, const char *s, size_t i)
{
	size_t u = i + 3, e, colon = 0;

	for (e = u; s[e] && !redact_is_space(s[e]) && !strchr("/?#@'\"<>`\\", s[e]); e++)
		if (s[e] == ':' && !colon)
			colon = e;
	if (s[e] != '@' || e == u || (!colon && e - u < 16))
		return 0;
	tt_buf_add(b, s + i, (colon ? colon + 1 : u) - i);
	tt_buf_addstr(b, REDACT_MARK);
	tt_buf_addc(b, '@');
	return e + 1;
}

/* A quote: '"', or '\"' in text holding escaped JSON; its length, 0 if none at s[i]. */
static size_t quote_at(const char *s, size_t i, bool esc)
{
	if (esc)
		return s[i] == '\\' && s[i + 1] == '"' ? 2 : 0;
	return s[i] == '"';
}

/* Index after the string whose body starts at i (after its quote). */
static size_t str_end(const char *s, size_t i, bool esc)
{
	while (s[i]) {
		if (quote_at(s, i, esc))
			return i + quote_at(s, i, esc);
		if (s[i] == '\\' && s[i + 1]) {
			/* escaped JSON: \\ then the escaped character (\" or \\ or a letter) */
			i += 2;
			if (esc && s[i - 1] == '\\' && s[i])
				i += s[i] == '\\' && s[i + 1] ? 2 : 1;
			continue;
		}
		i++;
	}
	return i;
}

/* Index after the JSON object or array starting at s[i] (or the end of a truncated one). */
static size_t nested_end(const char *s, size_t i, bool esc)
{
	size_t depth = 0, q;

	while (s[i]) {
		q = quote_at(s, i, esc);
		if (q) {
			i = str_end(s, i + q, esc);
			continue;
		}
		if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
		i++;
	}
	return i;
}

/*
 * "name": value in text (JSON in a message, a -d argument, escaped JSON in a log line) with a
 * secret name: the whole value (a string, an object, an array, a number) becomes REDACTED.
 * Returns the index after it, 0 if none.
 */
static size_t try_member(struct tt_buf *b, const char *s, size_t i)
{
	bool esc = s[i] == '\\';
	size_t q = quote_at(s, i, esc), n0 = i + q, n = n0, v, e;

	if (!q)
		return 0;
	while (is_name_char((unsigned char)s[n]))
		n++;
	if (n == n0 || !quote_at(s, n, esc) || !redact_secret_name(s + n0, n - n0))
		return 0;
	for (v = n + q; s[v] == ' ' || s[v] == '\t'; v++)
		;
	if (s[v] != ':')
		return 0;
	for (v++; s[v] == ' ' || s[v] == '\t'; v++)
		;
	if (quote_at(s, v, esc))
		e = str_end(s, v + q, esc);
	else if (s[v] == '{' || s[v] == '[')
		e = nested_end(s, v, esc);
	else if (!strncmp(s + v, "true", 4) || !strncmp(s + v, "false", 5) ||
		 !strncmp(s + v, "null", 4) ||
		 (isdigit((unsigned char)s[v]) && redact_count_name(s + n0, n - n0)))
		return 0;
	else
		e = v + strspn(s + v,
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789+-._");
	if (e == v)
		return 0;
	tt_buf_add(b, s + i, v - i);
	tt_buf_add(b, esc ? "\\\"" : "\"", q);
	tt_buf_addstr(b, REDACT_MARK);
	tt_buf_add(b, esc ? "\\\"" : "\"", q);
	return e;
}

/*
 * What a byte is to the text rules, tested on every byte of every text: TB_BOUND, a rule may
 * start after it; TB_CMD_END, it ends a command (and the options that belong to it).
 */
enum { TB_BOUND = 1, TB_CMD_END = 2 };
static const unsigned char text_bits[256] = {
	[' '] = TB_BOUND,
	['\t'] = TB_BOUND,
	['\n'] = TB_BOUND | TB_CMD_END,
	['\r'] = TB_BOUND,
	['\''] = TB_BOUND,
	['"'] = TB_BOUND,
	[';'] = TB_BOUND | TB_CMD_END,
	['&'] = TB_BOUND | TB_CMD_END,
	['|'] = TB_BOUND | TB_CMD_END,
	['('] = TB_BOUND,
	['`'] = TB_BOUND,
	['='] = TB_BOUND,
	['?'] = TB_BOUND,
	[','] = TB_BOUND,
	['{'] = TB_BOUND,
	['['] = TB_BOUND,
};

static bool text_boundary(const char *s, size_t i)
{
	return i == 0 || text_bits[(unsigned char)s[i - 1]] & TB_BOUND;
}

/* The command a word (a path: name characters and '/') names, when it is one. */
static enum cmd word_cmd(const char *s, size_t i)
{
	size_t e = i;

	while (is_name_char((unsigned char)s[e]) || s[e] == '/')
		e++;
	return e - i >= 4 ? cmd_of(s + i, e - i) : CMD_NONE;
}

/* The text rules on s (NUL-terminated), cmd the command whose arguments s continues. */
static char *text_rules(const char *s, enum cmd cmd)
{
	struct tt_buf b;
	size_t i = 0, n, len = strlen(s);
	enum cmd c;
	char *out;

	/* every rule turns at least one byte into REDACT_MARK (two quotes): 10x bounds growth */
	tt_buf_init(&b, len * (MARK_LEN + 4) + 16);
	while (s[i]) {
		n = try_member(&b, s, i);
		if (!n && text_boundary(s, i)) {
			n = try_header(&b, s, i);
			if (!n && s[i] == '-')
				n = try_option(&b, s, i, cmd);
			if (!n)
				n = try_assign(&b, s, i);
			if (!n && s[i] != '-' && (c = word_cmd(s, i)) != CMD_NONE)
				cmd = c;
		}
		if (!n && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
			n = try_userinfo(&b, s, i);
		if (n) {
			i = n;
			continue;
		}
		if (text_bits[(unsigned char)s[i]] & TB_CMD_END)
			cmd = CMD_NONE;
		tt_buf_addc(&b, s[i++]);
	}
	out = tt_buf_steal(&b, NULL);
	if (!out)
		out = strdup("");
	if (out)
		redact_str(out);
	return out;
}

char *redact_text(const char *s)
{
	return text_rules(s, CMD_NONE);
}

size_t redact_safe_cut(const char *s, size_t len, size_t cap)
{
	size_t n = cap;

	if (len <= cap)
		return len;
	while (n && !redact_is_space(s[n - 1]) && !strchr("\"',;{}[]<>()", s[n - 1]))
		n--;
	return n;
}

char *redact_text_cap(const char *s, size_t len, size_t cap)
{
	char *t, *out;

	len = strnlen(s, len);
	t = strndup(s, redact_safe_cut(s, len, cap));
	out = t ? redact_text(t) : NULL;
	free(t);
	if (out && strlen(out) > cap)
		out[cap] = '\0';
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

static int set_arg(char **slot, char *val)
{
	if (!val)
		return -ENOMEM;
	free(*slot);
	*slot = val;
	return 0;
}

/* Whether argv value v, after option a of cmd, is a secret (or after an auth scheme). */
static bool arg_value_secret(enum cmd cmd, const char *a, const char *v)
{
	size_t n = strlen(a);
	char *two;
	bool r;

	if (redact_secret_option(a, n) || opt_value_secret(cmd, a, n, v, 0, strlen(v)))
		return true;
	if ((n != 6 || strcasecmp(a, "bearer")) && (n != 5 || strcasecmp(a, "basic")))
		return false;
	/* "Bearer" "tok": the key shapes decide, on the two words joined */
	if (asprintf(&two, "%s %s", a, v) < 0)
		return true;
	r = redact_has_secret(two, strlen(two));
	free(two);
	return r;
}

int redact_argv(char **argv, size_t argc)
{
	enum cmd cmd = CMD_NONE, c;
	size_t i;
	int err;

	for (i = 0; i < argc; i++) {
		bool value_secret = i + 1 < argc && arg_value_secret(cmd, argv[i], argv[i + 1]);

		c = argv[i][0] == '-' ? CMD_NONE : cmd_of(argv[i], strlen(argv[i]));
		/* the option naming a secret value is itself text: it may hold a key too */
		err = set_arg(&argv[i], text_rules(argv[i], cmd));
		if (!err && value_secret)
			err = set_arg(&argv[++i], strdup(REDACT_MARK));
		if (err)
			return err;
		if (c != CMD_NONE && !value_secret)
			cmd = c;
	}
	return 0;
}
