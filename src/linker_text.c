// SPDX-License-Identifier: MIT
/* linker_text.c: text rules of the linker: credential scrubbing, agent names, tool errors. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "limits.h"
#include "linker.h"
#include "redact.h"

#define MARK_LEN (sizeof(REDACT_MARK) - 1)

/* Name parts that say "this holds a secret" (compared case-insensitively, whole parts). */
static const char *const secret_parts[] = {
	"key", "apikey", "accesskey", "secretkey", "privatekey", "token", "secret", "password",
	"passwd", "pwd", "passphrase", "credential", "credentials", "sig", "signature", "auth",
	"authorization", "cookie",
};

static bool is_name_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static bool secret_part(const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < sizeof(secret_parts) / sizeof(secret_parts[0]); k++)
		if (strlen(secret_parts[k]) == n && !strncasecmp(p, secret_parts[k], n))
			return true;
	return false;
}

/*
 * Splits name into parts at non-alphanumerics and lower-to-upper case changes (OPENAI_API_KEY,
 * x-api-key, apiKey, AWSAccessKeyId): a part naming a secret makes the whole name one.
 * Whole parts only, so max_tokens or KEYBOARD stay readable.
 */
bool linker_secret_name(const char *name, size_t len)
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
	size_t k;

	for (k = 0; k < sizeof(hdrs) / sizeof(hdrs[0]); k++)
		if (strlen(hdrs[k]) == len && !strncasecmp(name, hdrs[k], len))
			return true;
	return linker_secret_name(name, len);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* End of an unquoted shell word value starting at i. */
static size_t word_end(const char *s, size_t i)
{
	while (s[i] && !is_space(s[i]) && !strchr(";&|)`'\"", s[i]))
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
	else if (i == 0)	/* a whole argument such as curl's -H value */
		for (e = v; s[e] && s[e] != '\n'; e++)
			;
	else
		e = word_end(s, v);
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
	if (j == i || n == j || !linker_secret_name(s + j, n - j))
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
	if (s[j] != '=' || !linker_secret_name(s + i, j - i))
		return 0;
	tt_buf_add(b, s + i, j + 1 - i);
	return put_value(b, s, j + 1);
}

static bool text_boundary(const char *s, size_t i)
{
	return i == 0 || strchr(" \t\n\r'\";&|(`=", s[i - 1]);
}

char *linker_scrub_text(const char *s)
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

/* An argument that is a whole option naming a secret: the next argument is its value. */
static bool secret_option(const char *a)
{
	size_t j = 0;

	while (a[j] == '-')
		j++;
	if (!j || strchr(a, '=') || strpbrk(a, " \t"))
		return false;
	return linker_secret_name(a + j, strlen(a + j));
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

int linker_scrub_argv(char **argv, size_t argc)
{
	size_t i;
	int err;

	for (i = 0; i < argc; i++) {
		if (i + 1 < argc && (secret_option(argv[i]) ||
				     (user_option(argv[i]) && strchr(argv[i + 1], ':')))) {
			err = set_arg(&argv[i + 1], strdup(REDACT_MARK));
			if (err)
				return err;
			i++;
			continue;
		}
		err = set_arg(&argv[i], linker_scrub_text(argv[i]));
		if (err)
			return err;
	}
	return 0;
}

static void scrub_query(struct tt_buf *b, const char *q)
{
	const char *p = q, *amp, *eq;

	while (*p && *p != '#') {
		amp = p + strcspn(p, "&#");
		eq = memchr(p, '=', amp - p);
		if (eq && linker_secret_name(p, eq - p)) {
			tt_buf_add(b, p, eq + 1 - p);
			tt_buf_addstr(b, REDACT_MARK);
		} else {
			tt_buf_add(b, p, amp - p);
		}
		p = amp;
		if (*p == '&')
			tt_buf_addc(b, *p++);
	}
	tt_buf_addstr(b, p);
}

char *linker_scrub_url(const char *scheme, const char *host, const char *target)
{
	const char *t = target ? target : "", *auth, *at, *slash, *q;
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
		scrub_query(&b, q + 1);
	} else {
		tt_buf_addstr(&b, t);
	}
	out = tt_buf_steal(&b, NULL);
	if (out)
		redact_str(out);
	return out;
}

/* Agents recognised by executable, script or package path. */
static const struct {
	const char *needle;	/* in the executable path or an argument */
	const char *name;
} agent_paths[] = {
	{ "@anthropic-ai/claude-code/", "claude-code" },
	{ "claude/versions/", "claude-code" },
	{ "@openai/codex/", "codex" },
	{ "@google/gemini-cli/", "gemini-cli" },
};

static const struct {
	const char *base;	/* executable or script name */
	const char *name;
} agent_names[] = {
	{ "claude", "claude-code" },
	{ "codex", "codex" },
	{ "gemini", "gemini-cli" },
	{ "aider", "aider" },
};

static const char *const runtimes[] = {
	"node", "nodejs", "bun", "deno", "python", "pypy", "ruby", "perl", "php", "lua", "tsx",
	"ts-node", "Rscript", "java",
};

static bool is_runtime(const char *base)
{
	size_t k, n;

	for (k = 0; k < sizeof(runtimes) / sizeof(runtimes[0]); k++) {
		n = strlen(runtimes[k]);
		/* python3, python3.11, pypy3, ruby3.1 */
		if (!strncmp(base, runtimes[k], n) &&
		    (!base[n] || isdigit((unsigned char)base[n])))
			return true;
	}
	return false;
}

static const char *known_name(const char *base)
{
	size_t k;

	for (k = 0; k < sizeof(agent_names) / sizeof(agent_names[0]); k++)
		if (!strcmp(base, agent_names[k].base))
			return agent_names[k].name;
	return NULL;
}

static const char *known_path(const char *s)
{
	size_t k;

	for (k = 0; k < sizeof(agent_paths) / sizeof(agent_paths[0]); k++)
		if (strstr(s, agent_paths[k].needle))
			return agent_paths[k].name;
	return NULL;
}

/* Options of runtimes that take the next argument as their value. */
static bool option_with_value(const char *a)
{
	static const char *const opts[] = {
		"-r", "--require", "--import", "--loader", "--experimental-loader", "-X", "-W",
		"--env-file", "-I", "--config",
	};
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (!strcmp(a, opts[k]))
			return true;
	return false;
}

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool looks_like_script(const char *a)
{
	const char *dot = strrchr(base_of(a), '.');

	return strchr(a, '/') || (dot && dot[1]);
}

/* The script (or python -m module) a runtime runs, NULL for inline code or none. */
static const char *runtime_script(char *const *argv, size_t argc, bool *module)
{
	size_t i;

	*module = false;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-c") || !strcmp(a, "-e") || !strcmp(a, "--eval") ||
		    !strcmp(a, "-p") || !strcmp(a, "--print"))
			return NULL;
		if (!strcmp(a, "-m")) {
			*module = true;
			return i + 1 < argc ? argv[i + 1] : NULL;
		}
		if (a[0] == '-') {
			if (option_with_value(a))
				i++;
			continue;
		}
		if (!strcmp(a, "run") || !strcmp(a, "x") || !strcmp(a, "exec"))
			continue;	/* deno run, bun x */
		return looks_like_script(a) ? a : NULL;
	}
	return NULL;
}

/* Basename without its extension (at most 4 alphanumerics after the last dot). */
static char *strip_ext(const char *base)
{
	const char *dot = strrchr(base, '.');
	size_t n = strlen(base), k;

	if (dot && dot > base && strlen(dot + 1) <= 4) {
		for (k = 1; dot[k] && isalnum((unsigned char)dot[k]); k++)
			;
		if (!dot[k])
			n = dot - base;
	}
	return strndup(base, n);
}

char *linker_agent_name(const char *exe_path, char *const *argv, size_t argc)
{
	const char *exe = exe_path && exe_path[0] ? exe_path : (argc ? argv[0] : "");
	const char *base = base_of(exe), *name, *script;
	bool module;
	size_t i;

	name = known_path(exe);
	for (i = 0; !name && i < argc && i < 4; i++)
		name = known_path(argv[i]);
	if (!name)
		name = known_name(base);
	if (name)
		return strdup(name);
	if (!is_runtime(base))
		return strdup(base[0] ? base : "unknown");
	script = runtime_script(argv, argc, &module);
	if (!script)
		return strdup(base);
	if (module)
		return strdup(script);
	base = base_of(script);
	name = known_name(base);
	if (name)
		return strdup(name);
	return strip_ext(base);
}

static bool starts_ci(const char *s, const char *p)
{
	return !strncasecmp(s, p, strlen(p));
}

/* "exit code 2", "exit status: 1", "exited with code 127", with a non-zero number. */
static bool nonzero_exit(const char *s)
{
	static const char *const pats[] = { "exit code", "exit status", "exited with code",
					    "exit_code", "returncode" };
	const char *p;
	size_t k;

	for (k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		for (p = strcasestr(s, pats[k]); p; p = strcasestr(p + 1, pats[k])) {
			p += strlen(pats[k]);
			while (*p == ' ' || *p == ':' || *p == '=' || *p == '"')
				p++;
			if (isdigit((unsigned char)*p) && strtol(p, NULL, 10) != 0)
				return true;
			if (!*p)
				break;
		}
	}
	return false;
}

/*
 * A small heuristic, for results the API does not flag: text starting with "Error"/"error:"/
 * "fatal:" (after an optional JSON text wrapper), a Python traceback, a shell "command not
 * found", or a non-zero "exit code N". Anything else reads as a success.
 */
const char *linker_tool_error(const char *content)
{
	const char *s = content, *t;

	if (!s)
		return NULL;
	while (is_space(*s))
		s++;
	if (*s == '[' || *s == '{') {
		t = strstr(s, "\"text\":");
		if (!t)
			t = strstr(s, "\"content\":");
		if (t) {
			t = strchr(t, ':') + 1;
			while (is_space(*t))
				t++;
			if (*t == '"')
				s = t + 1;
		}
	}
	if ((starts_ci(s, "error") && (!s[5] || strchr(": \n(", s[5]))) || starts_ci(s, "fatal:"))
		return "error";
	if (strstr(content, "Traceback (most recent call last)"))
		return "traceback";
	if (strstr(content, "command not found"))
		return "command_not_found";
	if (nonzero_exit(content))
		return "exit_code";
	return NULL;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void put_utf8(struct tt_buf *b, unsigned int cp)
{
	if (cp < 0x80) {
		tt_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		tt_buf_addc(b, (char)(0xc0 | (cp >> 6)));
		tt_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		tt_buf_addc(b, (char)(0xe0 | (cp >> 12)));
		tt_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		tt_buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Decodes the JSON string at s (after its opening quote) into b; returns the index after it. */
static size_t json_string(const char *s, size_t i, struct tt_buf *b)
{
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	unsigned int cp;
	const char *e;
	int k, h;

	while (s[i] && s[i] != '"') {
		if (s[i] != '\\') {
			tt_buf_addc(b, s[i++]);
			continue;
		}
		i++;
		if (s[i] == 'u') {
			for (cp = 0, k = 1; k <= 4 && (h = hex_val(s[i + k])) >= 0; k++)
				cp = cp * 16 + h;
			if (k == 5) {
				put_utf8(b, cp);
				i += 5;
			}
			continue;
		}
		if (!s[i])
			break;
		for (e = esc; *e && *e != s[i]; e += 2)
			;
		tt_buf_addc(b, *e ? e[1] : s[i]);
		i++;
	}
	return s[i] ? i + 1 : i;
}

size_t linker_json_strings(const char *json, char **out, size_t max)
{
	struct tt_buf b;
	size_t i = 0, n = 0, j;

	while (json && json[i] && n < max) {
		if (json[i] != '"') {
			i++;
			continue;
		}
		tt_buf_init(&b, TT_MAX_TOOL_VALUE);
		i = json_string(json, i + 1, &b);
		for (j = i; is_space(json[j]); j++)
			;
		if (json[j] == ':' || !b.len) {		/* a key, or empty */
			tt_buf_free(&b);
			continue;
		}
		out[n] = tt_buf_steal(&b, NULL);
		if (out[n])
			n++;
	}
	return n;
}
