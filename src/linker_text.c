// SPDX-License-Identifier: MIT
/* linker_text.c: text rules of the linker: agent names, transports, tool errors, JSON strings. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "jsonstr.h"
#include "tt_limits.h"
#include "linker_internal.h"
#include "redact.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Agents recognised by executable, script or package path. */
static const struct {
	const char *needle; /* in the executable path or an argument */
	const char *name;
} agent_paths[] = {
	{ "@anthropic-ai/claude-code/", "claude-code" },
	{ "claude/versions/", "claude-code" },
	{ "@openai/codex/", "codex" },
	{ "@google/gemini-cli/", "gemini-cli" },
};

static const struct {
	const char *base; /* executable or script name */
	const char *name;
} agent_names[] = {
	{ "claude", "claude-code" },
	{ "codex", "codex" },
	{ "gemini", "gemini-cli" },
	{ "aider", "aider" },
};

static const char *const runtimes[] = {
	"node", "nodejs", "bun", "deno", "python",  "pypy",    "ruby",
	"perl", "php",	  "lua", "tsx",	 "ts-node", "Rscript", "java",
};

/* Shells: a script they run is an agent like a runtime's (curl_agent.sh -> curl_agent). */
static const char *const shells[] = {
	"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "fish",
};

/*
 * Plain HTTP clients: a process of these making LLM calls is the transport of the script that
 * runs it (see linker_is_transport()).
 */
static const char *const transports[] = {
	"curl", "wget", "wget2", "http", "https", "httpie", "xh", "xhs", "curlie", "aria2c",
};

static bool in_list(const char *base, const char *const *list, size_t n)
{
	size_t k, len;

	for (k = 0; k < n; k++) {
		len = strlen(list[k]);
		/* python3, python3.11, pypy3, ruby3.1, bash5 */
		if (!strncmp(base, list[k], len) &&
		    (!base[len] || isdigit((unsigned char)base[len])))
			return true;
	}
	return false;
}

static bool is_shell(const char *base)
{
	return in_list(base, shells, sizeof(shells) / sizeof(shells[0]));
}

static bool is_runtime(const char *base)
{
	return in_list(base, runtimes, sizeof(runtimes) / sizeof(runtimes[0])) || is_shell(base);
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
		"-r", "--require", "--import",	 "--loader", "--experimental-loader",
		"-X", "-W",	   "--env-file", "-I",	     "--config",
	};
	size_t k;

	for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
		if (!strcmp(a, opts[k]))
			return true;
	return false;
}

static bool looks_like_script(const char *a)
{
	const char *dot = strrchr(proc_basename(a), '.');

	return strchr(a, '/') || (dot && dot[1]);
}

/* The script a shell runs: its first operand; none with -c or -s (inline or stdin). */
static const char *shell_script(char *const *argv, size_t argc)
{
	size_t i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' || a[0] == '+') {
			if (strchr(a + 1, 'c') && a[1] != '-')
				return NULL; /* -c, -ec, -xc */
			if (strchr(a + 1, 's') && a[1] != '-')
				return NULL;
			if (!strcmp(a + 1, "o") || !strcmp(a, "--rcfile") ||
			    !strcmp(a, "--init-file"))
				i++;
			continue;
		}
		return a;
	}
	return NULL;
}

/* The script (or python -m module) runtime rt runs, NULL for inline code or none. */
static const char *runtime_script(const char *rt, char *const *argv, size_t argc, bool *module)
{
	size_t i;

	*module = false;
	if (is_shell(rt))
		return shell_script(argv, argc);
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
			continue; /* deno run, bun x */
		return looks_like_script(a) ? a : NULL;
	}
	return NULL;
}

/* What a process runs: its executable's path, else (not known yet) its argv[0]. */
static const char *exe_of(const char *exe_path, char *const *argv, size_t argc)
{
	return exe_path && exe_path[0] ? exe_path : (argc ? argv[0] : "");
}

/*
 * The runtime of a process (its basename) and in *off where its argv starts: the executable,
 * or for a script started through its #! line (the kernel runs "interpreter script args", the
 * executable path being the script's) the interpreter in argv[0], or after "env [-S] [NAME=V]"
 * for "#!/usr/bin/env python3". NULL when it is none.
 */
static const char *runtime_of(const char *exe_path, char *const *argv, size_t argc, size_t *off)
{
	const char *exe = exe_of(exe_path, argv, argc);
	const char *base = proc_basename(exe);
	size_t i = 0;

	*off = 0;
	if (is_runtime(base))
		return base;
	if (argc > 1 && !strcmp(proc_basename(argv[0]), "env"))
		for (i = 1; i < argc - 1 && (argv[i][0] == '-' || strchr(argv[i], '=')); i++)
			;
	if (i + 1 < argc && is_runtime(proc_basename(argv[i]))) {
		*off = i;
		return proc_basename(argv[i]);
	}
	return NULL;
}

/* The script a process runs through a runtime or shell, NULL if none. */
static const char *process_script(const char *exe_path, char *const *argv, size_t argc,
				  const char **rt, bool *module)
{
	size_t off;

	*module = false;
	*rt = runtime_of(exe_path, argv, argc, &off);
	return *rt ? runtime_script(*rt, argv + off, argc - off, module) : NULL;
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
	const char *exe = exe_of(exe_path, argv, argc);
	const char *base = proc_basename(exe), *name, *script, *rt;
	bool module;
	size_t i;

	name = known_path(exe);
	for (i = 0; !name && i < argc && i < 4; i++)
		name = known_path(argv[i]);
	if (!name)
		name = known_name(base);
	if (name)
		return strdup(name);
	script = process_script(exe_path, argv, argc, &rt, &module);
	if (!rt)
		return strdup(base[0] ? base : "unknown");
	if (!script)
		return strdup(rt);
	if (module)
		return strdup(script);
	base = proc_basename(script);
	name = known_name(base);
	if (name)
		return strdup(name);
	return strip_ext(base);
}

bool linker_is_transport(const char *exe_path, char *const *argv, size_t argc)
{
	const char *exe = exe_of(exe_path, argv, argc);

	return in_list(proc_basename(exe), transports, sizeof(transports) / sizeof(transports[0]));
}

bool linker_script_host(const char *exe_path, char *const *argv, size_t argc)
{
	const char *exe = exe_of(exe_path, argv, argc);
	const char *script, *rt;
	bool module;
	size_t i;

	if (known_path(exe) || known_name(proc_basename(exe)))
		return false;
	for (i = 0; i < argc && i < 4; i++)
		if (known_path(argv[i]))
			return false;
	script = process_script(exe_path, argv, argc, &rt, &module);
	return script && !known_name(proc_basename(script));
}

/* A shell's -c (with its command string): -c, -ec, -xc... */
static bool shell_inline(char *const *argv, size_t argc)
{
	size_t i;

	for (i = 1; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--"); i++)
		if (argv[i][1] != '-' && strchr(argv[i] + 1, 'c'))
			return i + 1 < argc;
	return false;
}

bool linker_launcher_host(const char *exe_path, char *const *argv, size_t argc)
{
	const char *rt, *script;
	bool module;
	size_t off, i;

	if (argc > 1 && !strcmp(proc_basename(argv[0]), "env"))
		return true;
	rt = runtime_of(exe_path, argv, argc, &off);
	if (!rt)
		return false;
	if (!is_shell(rt)) {
		/* a script, a module or inline code: not its REPL */
		for (i = off + 1; i < argc; i++)
			if (argv[i][0] != '-' || !strcmp(argv[i], "-c") || !strcmp(argv[i], "-e") ||
			    !strcmp(argv[i], "--eval") || !strcmp(argv[i], "-m"))
				return true;
		return false;
	}
	/* a shell: a script or a -c command, never an interactive one (-i, stdin) */
	for (i = off + 1; i < argc; i++)
		if (!strcmp(argv[i], "-i") || !strcmp(argv[i], "--interactive"))
			return false;
	script = process_script(exe_path, argv, argc, &rt, &module);
	return script || shell_inline(argv + off, argc - off);
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

size_t linker_json_strings(const char *json, char **out, size_t max)
{
	size_t i = 0, n = 0, j, e, len = json ? strlen(json) : 0;
	struct tt_buf b;

	while (i < len && n < max) {
		if (json[i] != '"') {
			i++;
			continue;
		}
		e = jsonstr_end(json, len, i + 1);
		tt_buf_init(&b, TT_MAX_TOOL_VALUE);
		jsonstr_unescape(&b, json + i + 1, e - i - 1); /* cut at the cap */
		i = e < len ? e + 1 : len;
		for (j = i; is_space(json[j]); j++)
			;
		if (json[j] == ':' || !b.len) { /* a key, or empty */
			tt_buf_free(&b);
			continue;
		}
		out[n] = tt_buf_steal(&b, NULL);
		if (out[n])
			n++;
	}
	return n;
}
