// SPDX-License-Identifier: MIT
/*
 * procscan.c: the processes that ran before the tracer (-p PID and its descendants, every
 * process for --all), read from /proc so the linker knows their parents, executables and
 * command lines, and the probes find their TLS libraries.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "procscan.h"
#include "targets.h"

int procscan_parse_stat(const char *line, uint32_t *ppid, uint64_t *start_ticks)
{
	const char *p = strrchr(line, ')');
	unsigned long long ticks;
	int ppid_i;

	if (!p || sscanf(p + 1,
			 " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu",
			 &ppid_i, &ticks) != 2)
		return -EBADMSG;
	*ppid = (uint32_t)ppid_i;
	*start_ticks = ticks;
	return 0;
}

int procscan_stat_ticks(pid_t pid, uint32_t *ppid, uint64_t *start_ticks)
{
	char path[64], buf[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return procscan_parse_stat(buf, ppid, start_ticks);
}

int procscan_stat(pid_t pid, uint32_t *ppid, uint64_t *start_ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks;
	int err;

	err = procscan_stat_ticks(pid, ppid, &ticks);
	if (err)
		return err;
	*start_ns = ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

int procscan_read(pid_t pid, struct procscan_info *pi)
{
	char path[64];
	ssize_t n;
	FILE *f;
	int err;

	err = procscan_stat(pid, &pi->ppid, &pi->start_ns);
	if (err)
		return err;
	pi->pid = (uint32_t)pid;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	pi->args_len = 0;
	f = fopen(path, "re");
	if (f) {
		pi->args_len = fread(pi->args, 1, sizeof(pi->args), f);
		fclose(f);
	}
	return 0;
}

static void tree_walk(pid_t pid, int depth, procscan_fn fn, void *ctx)
{
	int kids[TT_PROCSCAN_CHILDREN], n, i;

	if (fn(pid, ctx) || depth > TT_PROCSCAN_DEPTH)
		return;
	n = targets_children(pid, kids, TT_PROCSCAN_CHILDREN);
	for (i = 0; i < n; i++)
		tree_walk(kids[i], depth + 1, fn, ctx);
}

void procscan_tree(pid_t pid, procscan_fn fn, void *ctx)
{
	tree_walk(pid, 0, fn, ctx);
}

struct start_pid {
	uint64_t start_ns;
	pid_t pid;
};

static int by_start(const void *x, const void *y)
{
	const struct start_pid *a = x, *b = y;

	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

int procscan_all(procscan_fn fn, void *ctx)
{
	struct start_pid *v = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	uint32_t ppid;
	uint64_t start;
	int pid, err = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || pid == getpid() || procscan_stat(pid, &ppid, &start))
			continue;
		err = tt_ensure_mem((void **)&v, &alloc, sizeof(*v), n + 1);
		if (err)
			break;
		v[n].pid = pid;
		v[n++].start_ns = start;
	}
	closedir(d);
	/* parents start before their children: the linker wants them first */
	if (n)
		qsort(v, n, sizeof(*v), by_start);
	for (i = 0; i < n; i++)
		fn(v[i].pid, ctx);
	free(v);
	return err;
}
