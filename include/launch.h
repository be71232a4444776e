/* SPDX-License-Identifier: MIT */
/* launch.h: -- COMMAND, started only once the probes are attached, and its exit status. */
#ifndef TT_LAUNCH_H
#define TT_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct privs_user;

/* One command. Start from LAUNCH_INIT. */
struct launch {
	pid_t pid;  /* the child, -1 before launch__start */
	int go_fd;  /* the pipe it waits on, -1 once released or aborted */
	int status; /* its wait status, once done */
	bool done;  /* it exited and was reaped */
};

#define LAUNCH_INIT                    \
	{                              \
		.pid = -1, .go_fd = -1 \
	}

/*
 * Forks argv[0] (found on PATH as execvp does) stopped on a pipe: it execs only at
 * launch__go, and exits 127 without running if the tracer gives up first. The child first
 * becomes u (privs_user_become; NULL or !u->change: stays as the tracer), exiting 127 when
 * that fails. 0 or -errno.
 */
int launch__start(struct launch *l, char *const *argv, const struct privs_user *u);
/* Lets the child exec. 0 or -errno (it then sees EOF and exits 127 unrun). */
int launch__go(struct launch *l);
/* Without waiting: true once the child has exited (status kept). */
bool launch__exited(struct launch *l);
/* Gives up before launch__go: the child exits without running; waits for it. */
void launch__abort(struct launch *l);
/* The exit status a shell would give (128 + signal when killed); 0 until it exited. */
int launch__exit_code(const struct launch *l);

/*
 * The file COMMAND will exec: cmd itself when it holds a '/', else the first executable
 * DIR/cmd along path (PATH; NULL: execvp's default). 0, -ENOENT, or access()'s -errno.
 */
int launch_resolve(const char *cmd, const char *path, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_LAUNCH_H */
