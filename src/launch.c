// SPDX-License-Identifier: MIT
/*
 * launch.c: -- COMMAND. The child is forked early and held on a pipe until the probes are
 * attached, so its first TLS byte is captured. It runs as the user privs_user_resolve() chose
 * (the one who ran sudo), switched to before it waits, so it never runs a byte of COMMAND as
 * root unless root was asked for; pid-based tracing does not mind its uid.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch.h"
#include "log.h"
#include "privs.h"

static void __attribute__((noreturn))
child_main(int go_fd, char *const *argv, const struct privs_user *u)
{
	char c;
	int err;

	err = u ? privs_user_become(u) : 0;
	if (err) {
		tt_msg("cannot run %s as %s (uid %u): %s", argv[0], u->name[0] ? u->name : "#",
		       (unsigned int)u->uid, strerror(-err));
		_exit(127);
	}
	if (read(go_fd, &c, 1) != 1)
		_exit(127); /* the tracer failed to start: do not run untraced */
	close(go_fd);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* an ignored SIGPIPE survives exec: `ls | head` would fail with EPIPE, exit 2 */
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	tt_msg("cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

int launch__start(struct launch *l, char *const *argv, const struct privs_user *u)
{
	int fds[2], err;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	l->pid = fork();
	if (l->pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (l->pid == 0) {
		close(fds[1]);
		child_main(fds[0], argv, u);
	}
	close(fds[0]);
	l->go_fd = fds[1];
	return 0;
}

int launch__go(struct launch *l)
{
	int err = 0;

	if (l->go_fd < 0)
		return -EBADF;
	if (write(l->go_fd, "g", 1) != 1)
		err = -errno;
	close(l->go_fd);
	l->go_fd = -1;
	return err;
}

bool launch__exited(struct launch *l)
{
	int status;

	if (!l->done && l->pid > 0 && waitpid(l->pid, &status, WNOHANG) == l->pid) {
		l->done = true;
		l->status = status;
	}
	return l->done;
}

void launch__abort(struct launch *l)
{
	if (l->go_fd >= 0)
		close(l->go_fd); /* the child sees EOF and exits without running */
	l->go_fd = -1;
	if (l->pid > 0 && !l->done && waitpid(l->pid, &l->status, 0) == l->pid)
		l->done = true;
}

int launch__exit_code(const struct launch *l)
{
	if (!l->done)
		return 0;
	if (WIFEXITED(l->status))
		return WEXITSTATUS(l->status);
	if (WIFSIGNALED(l->status))
		return 128 + WTERMSIG(l->status);
	return 0;
}

int launch_resolve(const char *cmd, const char *path, char *out, size_t len)
{
	const char *p, *end;

	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) ? -errno : 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), p, cmd);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}
