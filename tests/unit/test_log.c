// SPDX-License-Identifier: MIT
/* test_log.c: what the logger writes to stderr, with levels and without (tt_msg). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static int raw(enum tt_log_level level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tt_vlog_raw(level, fmt, ap);
	va_end(ap);
	return n;
}

/* What fn writes to stderr in a child (the runner's sink would take the lines): got, NUL-ended. */
static bool child_stderr(void (*fn)(void), char *got, size_t cap)
{
	ssize_t n, len = 0;
	int fds[2];
	pid_t pid;

	if (!ASSERT_OK(pipe(fds), "pipe"))
		return false;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		tt_log_set_sink(NULL, NULL);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], got + len, cap - 1 - (size_t)len)) > 0)
		len += n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	got[len] = '\0';
	return true;
}

static void log_levels(void)
{
	tt_log_set_level(TT_LOG_ERROR);
	tt_err("conn: %s", "one");
	tt_warn("not shown under -q");
	tt_msg("cannot replay %s: %s", "x", "No such file");
	tt_log_set_level(TT_LOG_WARN);
	tt_info("not shown");
	tt_warn("ends in a newline\n");
	raw(TT_LOG_DEBUG, "not shown without -vv\n");
	tt_log_set_level(TT_LOG_DEBUG);
	raw(TT_LOG_DEBUG, "libbpf: %s", "as it came");
}

void test_log_stderr(void)
{
	static const char want[] =
		"tracetree-bpf: error: conn: one\n"
		"tracetree-bpf: cannot replay x: No such file\n"
		"tracetree-bpf: warning: ends in a newline\n"
		"libbpf: as it came";
	char got[512];

	if (child_stderr(log_levels, got, sizeof(got)))
		ASSERT_STREQ(got, want, "stderr");
}

static void log_traced_text(void)
{
	tt_log_set_level(TT_LOG_DEBUG);
	tt_warn("exec %s", "/tmp/a\ntracetree-bpf: error: forged\x1b[2J\t\a\xc2\x9b\xc3\xa9");
	raw(TT_LOG_DEBUG, "libbpf: %s\n", "x\x1b]0;t\a\ny");
}

/* Text from traced programs in a message: no control character reaches the terminal raw. */
void test_log_escapes(void)
{
	static const char want[] =
		"tracetree-bpf: warning: exec /tmp/a\\ntracetree-bpf: error: forged\\x1b[2J\\t\\x07\\x9b\xc3\xa9\n"
		"libbpf: x\\x1b]0;t\\x07\\ny\n";
	char got[512];

	if (child_stderr(log_traced_text, got, sizeof(got)))
		ASSERT_STREQ(got, want, "escaped");
}

static void log_json_lines(void)
{
	tt_log_set_format(TT_LOG_JSON);
	tt_log_set_level(TT_LOG_INFO);
	tt_info("conn: pid=%d \"q\" \\ %s", 7, "a\nb\x1b[2J\xff");
	tt_warn("no module here\n");
	tt_msg("stats: records=%d", 3);
	tt_msg("warning: %d records were lost", 2);
	tt_msg("cannot write %s", "x");
	raw(TT_LOG_INFO, "libbpf: %s\n", "loaded");
}

/* --log-format json: one object a line, the text escaped as in text mode, then as JSON. */
void test_log_json(void)
{
	static const char *const want[] = {
		"\",\"level\":\"info\",\"module\":\"conn\",\"msg\":\"pid=7 \\\"q\\\" \\\\ "
		"a\\\\nb\\\\x1b[2J\\ufffd\"}",
		"\",\"level\":\"warning\",\"msg\":\"no module here\"}",
		"\",\"level\":\"info\",\"module\":\"stats\",\"msg\":\"records=3\"}",
		"\",\"level\":\"warning\",\"msg\":\"2 records were lost\"}",
		"\",\"level\":\"error\",\"msg\":\"cannot write x\"}",
		"\",\"level\":\"info\",\"module\":\"libbpf\",\"msg\":\"loaded\"}",
	};
	char got[2048], *line, *save;
	size_t i = 0;

	if (!child_stderr(log_json_lines, got, sizeof(got)))
		return;
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		if (!ASSERT_TRUE(i < sizeof(want) / sizeof(want[0]), "lines"))
			break;
		/* {"time":"2026-01-02T03:04:05.678Z" */
		ASSERT_OK(strncmp(line, "{\"time\":\"", 9), "time key");
		ASSERT_EQ(strlen(line) > 33 ? strspn(line + 9, "0123456789-:T.") : 0, 23,
			  "time digits");
		ASSERT_EQ(line[32], 'Z', "UTC");
		ASSERT_STREQ(line + 33, want[i], want[i]);
	}
	ASSERT_EQ(i, sizeof(want) / sizeof(want[0]), "every line");
}
