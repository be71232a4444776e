// SPDX-License-Identifier: MIT
/*
 * holdwatch.c: continuing the processes held at exec, by the tracer or by its watchdog. The
 * watchdog exists because a stopped process cannot continue itself: were the tracer killed
 * (SIGKILL, a crash), stopped (^Z) or stuck, what it held would stay stopped for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <bpf/bpf.h>

#include "holdwatch.h"
#include "log.h"
#include "privs.h"
#include "tt_limits.h"

#define WATCH_FD_HELD  3
#define WATCH_FD_CTL   4
#define WATCH_FD_PIPE  5
#define WATCH_POLL_MS  100
#define WATCH_GRACE_NS 1000000000ull /* past twice the deadline: the tracer's goes first */

int holdwatch_release(int held_fd, pid_t pid, uint64_t start_ns, struct tt_hold *out)
{
	uint32_t key = (uint32_t)pid;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(held_fd, &key, out) || (start_ns && out->start_ns != start_ns)) {
		memset(out, 0, sizeof(*out)); /* gone, or another process now */
		return 0;
	}
	/* whoever deletes the entry continues the process: once (tracer and watchdog race) */
	if (bpf_map_delete_elem(held_fd, &key)) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (out->flags & TT_HOLD_USER_STOP)
		return 0;
	return kill(pid, SIGCONT) ? -errno : 1;
}

int holdwatch_end_all(int held_fd, int ctl_fd)
{
	uint32_t key, zero = 0, one = 1, left = TT_MAX_HELD * 2;
	struct tt_hold h;
	int n = 0;

	bpf_map_update_elem(ctl_fd, &zero, &one, BPF_ANY);
	/*
	 * An exec program that read hold_ctl before it changed may still add a process: once
	 * every program running now has returned (an RCU grace period: they run under RCU read
	 * locks), the map holds all there will be. Without membarrier, a pause does it.
	 */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(10000);
	/* each turn deletes the first entry: bounded all the same */
	while (left-- && !bpf_map_get_next_key(held_fd, NULL, &key)) {
		if (holdwatch_release(held_fd, (pid_t)key, 0, &h) > 0)
			n++;
		else if (!h.since_ns)
			bpf_map_delete_elem(held_fd, &key);
	}
	return n;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Continues the processes held for longer than limit_ns. */
static void watch_overdue(uint64_t limit_ns)
{
	uint32_t key, next, *prev = NULL, left = TT_MAX_HELD * 2;
	uint64_t now = boot_ns();
	struct tt_hold h;

	while (left-- && !bpf_map_get_next_key(WATCH_FD_HELD, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(WATCH_FD_HELD, &key, &h) || now - h.since_ns < limit_ns)
			continue;
		holdwatch_release(WATCH_FD_HELD, (pid_t)key, h.start_ns, &h);
	}
}

static void __attribute__((noreturn)) watch_main(uint64_t limit_ns)
{
	struct pollfd pfd = { .fd = WATCH_FD_PIPE, .events = POLLIN };
	char c;

	setsid(); /* ^C, ^Z and a hangup of the tracer's terminal are not for it */
	prctl(PR_SET_NAME, "tt-holdwatch", 0, 0, 0);
	if (privs_drop_caps_to(1ull << CAP_KILL))
		_exit(1);
	for (;;) {
		int n = poll(&pfd, 1, WATCH_POLL_MS);

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && read(WATCH_FD_PIPE, &c, 1) <= 0)
			break; /* the tracer is done or gone */
		watch_overdue(limit_ns);
	}
	holdwatch_end_all(WATCH_FD_HELD, WATCH_FD_CTL);
	_exit(0);
}

/*
 * In the child: the descriptors it keeps, at fixed numbers, and no other of the tracer's (its
 * links and probes go when the tracer does; its output is not held open).
 */
static int watch_fds(int held_fd, int ctl_fd, int pipe_fd)
{
	int a, b, c, fd, null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* above the fixed numbers first, so that no dup2 overwrites a source */
	a = fcntl(held_fd, F_DUPFD, WATCH_FD_PIPE + 1);
	b = fcntl(ctl_fd, F_DUPFD, WATCH_FD_PIPE + 1);
	c = fcntl(pipe_fd, F_DUPFD, WATCH_FD_PIPE + 1);
	if (a < 0 || b < 0 || c < 0 || dup2(a, WATCH_FD_HELD) < 0 || dup2(b, WATCH_FD_CTL) < 0 ||
	    dup2(c, WATCH_FD_PIPE) < 0 || null < 0)
		return -1;
	for (fd = 0; fd < 3; fd++)
		dup2(null, fd);
	if (syscall(SYS_close_range, WATCH_FD_PIPE + 1, ~0u, 0))
		for (fd = WATCH_FD_PIPE + 1; fd < 65536; fd++)
			close(fd);
	return 0;
}

int holdwatch__start(struct holdwatch *w, int held_fd, int ctl_fd, unsigned int timeout_ms)
{
	uint64_t limit_ns = 2 * (uint64_t)timeout_ms * 1000000ull + WATCH_GRACE_NS;
	int fds[2];
	pid_t pid;

	w->pid = 0;
	w->fd = -1;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_IGN);
		if (watch_fds(held_fd, ctl_fd, fds[0]))
			_exit(1);
		watch_main(limit_ns);
	}
	close(fds[0]);
	w->pid = pid;
	w->fd = fds[1];
	return 0;
}

void holdwatch__stop(struct holdwatch *w)
{
	if (!w || !w->pid)
		return;
	close(w->fd);
	waitpid(w->pid, NULL, 0);
	w->pid = 0;
	w->fd = -1;
}
