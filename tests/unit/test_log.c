// SPDX-License-Identifier: MIT
/* test_log.c: what the logger writes to stderr, with levels and without (tt_msg). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

void test_log_stderr(void)
{
	static const char want[] = "tracetree-bpf: error: conn: one\n"
				   "tracetree-bpf: cannot replay x: No such file\n"
				   "tracetree-bpf: warning: ends in a newline\n";
	char got[512];
	ssize_t n, len = 0;
	int fds[2];
	pid_t pid;

	if (!ASSERT_OK(pipe(fds), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		/* the runner's sink would take the lines: write them to stderr in a child */
		dup2(fds[1], STDERR_FILENO);
		tt_log_set_sink(NULL, NULL);
		tt_log_set_level(TT_LOG_ERROR);
		tt_err("conn: %s", "one");
		tt_warn("not shown under -q");
		tt_msg("cannot replay %s: %s", "x", "No such file");
		tt_log_set_level(TT_LOG_WARN);
		tt_info("not shown");
		tt_warn("ends in a newline\n");
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], got + len, sizeof(got) - 1 - len)) > 0)
		len += n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	got[len] = '\0';
	ASSERT_STREQ(got, want, "stderr");
}
