// SPDX-License-Identifier: MIT
/*
 * loader_pid.c: per-process uprobe attachment (-p, -- COMMAND): tracefs uprobe events, the
 * anchors that carry their BPF programs, and the inherited perf events of each traced process.
 *
 * The breakpoint goes only into the traced processes, so the rest of the host pays nothing
 * (loader.c attaches system-wide otherwise). A uprobe perf event attached to a task is filtered
 * by that task's mm and does not follow fork by itself; with attr.inherit it does, from the
 * first instruction of the child, with no round trip through user space. Inheritance only works
 * for uprobes created through tracefs (uprobe_events): events of the uprobe PMU re-read their
 * path from the opener's memory at fork and are not inherited. And a BPF program attached to a
 * tracefs event runs once per attachment on every hit that passes the filter, so each probe
 * gets:
 *   - one tracefs event (tracetree_<tracer pid>/e<N>);
 *   - one "anchor" perf event on the tracer itself that carries the BPF program and cookie;
 *   - one plain perf event with inherit, no program, per thread of each root of the traced
 *     set (the -- COMMAND child before its exec, the -p processes): they only open the filter
 *     for their mm, and every process forked in the tree later gets a copy at fork. Only a
 *     file probed after the tree started needs explicit events in every traced process.
 *
 * What makes that hold (kernel/events/core.c, kernel/trace/trace_uprobe.c):
 *   - The uprobe filter matches event->hw.target->mm, the task the event was created for. At a
 *     context switch between two tasks whose perf contexts are clones (a parent and a child
 *     that inherited from it), the kernel swaps the contexts instead of scheduling the events
 *     out and in, so a task can end up holding the copies made for the other. When that other
 *     task exits it frees the copies it holds, which were the parent's, and the filter drops
 *     the parent: its breakpoints are removed while it runs (a sub-agent lost its LLM calls
 *     after one of its tools exited, about once in 20 runs). Events with inherit and
 *     PERF_SAMPLE_READ disable that swap (ctx->nr_no_switch_fast, Linux 6.12); kernels that
 *     refuse the combination get the system-wide attachment.
 *   - Closing an event also frees every copy inherited from it, in all the descendants. The
 *     events of a root that exited are closed only once no traced process started after they
 *     were opened, so none can hold a copy (loader_pid__reap).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <bpf/libbpf.h>

#include "buf.h"
#include "loader_pid.h"
#include "log.h"
#include "procscan.h"

#define LOADER_MAX_THREADS 4096 /* threads of one process given their own events */
#define LOADER_SYNC_PASSES 4

struct probe_spec {
	int tp_id; /* tracefs event id */
	int event; /* N in tracetree_<pid>/e<N> */
};

/* The probes of one file: specs [first, first + n). */
struct pid_file {
	size_t first, n;
};

/* The perf events that open the probes of the files to one process. */
struct pid_group {
	pid_t tgid;
	int pidfd;	   /* readable once the process has exited */
	size_t files_done; /* files (in lp->files order) attached so far */
	uint64_t opened;   /* clock ticks since boot at its first event; 0 = none */
	bool exited;
	int *fds;
	size_t n_fds, cap_fds;
};

struct loader_pid {
	char tracefs[64];
	struct bpf_map *tracked;
	struct bpf_link **links; /* the anchors */
	size_t n_links, cap_links;
	struct probe_spec *specs;
	size_t n_specs, cap_specs;
	int n_events;		/* tracefs events created (names e0..) */
	struct pid_file *files; /* files with probes, in the order they were probed */
	size_t n_files, cap_files;
	size_t files_synced; /* files whose events every traced process has */
	struct pid_group *groups;
	size_t n_groups, cap_groups;
	uint64_t n_perf_events; /* per-process events opened so far */
};

/* --- tracefs uprobe events ------------------------------------------------------------------- */

static int tracefs_write(const char *tracefs, const char *cmd)
{
	char path[96];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/uprobe_events", tracefs);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static int tracefs_event_id(const char *tracefs, int event)
{
	char path[128];
	int id = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/tracetree_%d/e%d/id", tracefs, getpid(), event);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &id) != 1)
		id = -EBADMSG;
	fclose(f);
	return id;
}

/* Removes the events left behind by tracers that died without cleaning up. */
static void tracefs_remove_stale(const char *tracefs)
{
	char path[96], line[512], cmd[128];
	int pid, ev;
	FILE *f;

	snprintf(path, sizeof(path), "%s/uprobe_events", tracefs);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*c:tracetree_%d/e%d", &pid, &ev) != 2 || pid == getpid() ||
		    !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(cmd, sizeof(cmd), "-:tracetree_%d/e%d\n", pid, ev);
		tracefs_write(tracefs, cmd);
	}
	fclose(f);
}

/* The per-process events need inherit + PERF_SAMPLE_READ (see the top of the file). */
static bool inherit_read_supported(void)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_DUMMY,
		.disabled = 1,
		.inherit = 1,
		.sample_type = PERF_SAMPLE_READ | PERF_SAMPLE_TID,
	};
	int fd;

	fd = syscall(__NR_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool loader_pid_available(char *tracefs, size_t len)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	const char *env = getenv("TT_UPROBE_ATTACH");
	char path[96];
	size_t i;

	if (env && (!strcmp(env, "all") || !strcmp(env, "system"))) {
		tt_info("loader: TT_UPROBE_ATTACH=%s: uprobes are attached system-wide", env);
		return false;
	}
	if (env && *env && strcmp(env, "pid"))
		tt_warn("loader: TT_UPROBE_ATTACH=%s not understood (pid, all): ignored", env);
	if (!inherit_read_supported()) {
		tt_info("loader: the kernel refuses inherited events with PERF_SAMPLE_READ "
			"(before Linux 6.12): uprobes are attached system-wide, so other processes "
			"using the TLS libraries pay a trap per call");
		return false;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/uprobe_events", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(tracefs, len, "%s", dirs[i]);
			tt_info("loader: uprobes open for the traced processes only (%s, inherited "
				"at fork)",
				tracefs);
			return true;
		}
	}
	tt_info("loader: no tracefs uprobe_events: uprobes are attached system-wide, so other "
		"processes using the TLS libraries pay a trap per call");
	return false;
}

/* The per-process perf events of the probes hold one descriptor each. */
static void raise_nofile(void)
{
	struct rlimit r;

	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

struct loader_pid *loader_pid__new(const char *tracefs, struct bpf_map *tracked)
{
	struct loader_pid *lp = calloc(1, sizeof(*lp));

	if (!lp)
		return NULL;
	snprintf(lp->tracefs, sizeof(lp->tracefs), "%s", tracefs);
	lp->tracked = tracked;
	tracefs_remove_stale(lp->tracefs);
	raise_nofile();
	return lp;
}

/* --- the probes: a tracefs event and its anchor each ------------------------------------------ */

static int perf_open(int tp_id, pid_t tid, bool inherit)
{
	/*
	 * Nothing is ever read or sampled from these events: PERF_SAMPLE_READ is there only
	 * because, with inherit, it keeps the kernel from swapping the perf contexts of a parent
	 * and its child at a context switch (see the top of the file).
	 */
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_TRACEPOINT,
		.config = (uint64_t)tp_id,
		.sample_period = 1,
		.sample_type = inherit ? PERF_SAMPLE_READ | PERF_SAMPLE_TID : 0,
		.inherit = inherit,
	};
	int fd;

	fd = syscall(__NR_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The anchor carrying prog on the tracer's own perf event fd (the link owns fd). */
static int anchor_attach(struct loader_pid *lp, struct bpf_program *prog, int fd, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = cookie);
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_perf_event_opts(prog, fd, &po);
	if (!link) {
		err = -errno;
		close(fd);
		return err;
	}
	if (tt_ensure_mem((void **)&lp->links, &lp->cap_links, sizeof(*lp->links),
			  lp->n_links + 1)) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	lp->links[lp->n_links++] = link;
	return 0;
}

int loader_pid__add_probe(struct loader_pid *lp, struct bpf_program *prog, const char *path,
			  uint64_t off, bool retprobe, uint64_t cookie)
{
	struct probe_spec *sp;
	char cmd[4200];
	int ev, id, fd, err;

	if (strpbrk(path, " \t\n") || strlen(path) > 4000)
		return -EINVAL;
	err = tt_ensure_mem((void **)&lp->specs, &lp->cap_specs, sizeof(*lp->specs),
			    lp->n_specs + 1);
	if (err)
		return err;
	ev = lp->n_events++;
	snprintf(cmd, sizeof(cmd), "%c:tracetree_%d/e%d %s:%#llx\n", retprobe ? 'r' : 'p', getpid(),
		 ev, path, (unsigned long long)off);
	err = tracefs_write(lp->tracefs, cmd);
	if (err)
		return err;
	id = tracefs_event_id(lp->tracefs, ev);
	if (id < 0)
		return id;
	fd = perf_open(id, 0, false);
	if (fd < 0)
		return fd;
	err = anchor_attach(lp, prog, fd, cookie);
	if (err)
		return err;
	sp = &lp->specs[lp->n_specs++];
	sp->tp_id = id;
	sp->event = ev;
	return 0;
}

int loader_pid__end_file(struct loader_pid *lp)
{
	size_t first =
		lp->n_files ? lp->files[lp->n_files - 1].first + lp->files[lp->n_files - 1].n : 0;

	if (lp->n_specs == first)
		return 0;
	if (tt_ensure_mem((void **)&lp->files, &lp->cap_files, sizeof(*lp->files), lp->n_files + 1))
		return -ENOMEM;
	lp->files[lp->n_files].first = first;
	lp->files[lp->n_files++].n = lp->n_specs - first;
	return (int)(lp->n_specs - first);
}

/* --- the perf events of each traced process -------------------------------------------------- */

struct tid_set {
	pid_t *tids;
	size_t n, cap;
};

static bool tid_set_has(const struct tid_set *s, pid_t tid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->tids[i] == tid)
			return true;
	return false;
}

/* Clock ticks since boot: the unit of the start time in /proc/PID/stat. */
static uint64_t now_ticks(void)
{
	uint64_t per_tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) / per_tick;
}

/* Start of a process in clock ticks since boot (field 22 of /proc/PID/stat); 0 if gone. */
static uint64_t proc_start_ticks(pid_t pid)
{
	uint64_t ticks;
	uint32_t ppid;

	return procscan_stat_ticks(pid, &ppid, &ticks) ? 0 : ticks;
}

static void group_close(struct pid_group *g)
{
	size_t i;

	for (i = 0; i < g->n_fds; i++)
		close(g->fds[i]);
	free(g->fds);
	if (g->pidfd >= 0)
		close(g->pidfd);
	memset(g, 0, sizeof(*g));
}

static bool group_exited(struct pid_group *g)
{
	struct pollfd p = { .fd = g->pidfd, .events = POLLIN };

	if (!g->exited)
		g->exited = g->pidfd < 0 ? kill(g->tgid, 0) && errno == ESRCH : poll(&p, 1, 0) > 0;
	return g->exited;
}

/* The group of a live process; a new one starts with the files [0, files_done) counted as
 * attached (inherited at fork). */
static struct pid_group *group_get(struct loader_pid *lp, pid_t tgid, size_t files_done)
{
	struct pid_group *g;
	size_t i;

	for (i = 0; i < lp->n_groups; i++)
		if (lp->groups[i].tgid == tgid && !group_exited(&lp->groups[i]))
			return &lp->groups[i];
	if (tt_ensure_mem((void **)&lp->groups, &lp->cap_groups, sizeof(*lp->groups),
			  lp->n_groups + 1))
		return NULL;
	g = &lp->groups[lp->n_groups++];
	memset(g, 0, sizeof(*g));
	g->tgid = tgid;
	g->files_done = files_done;
	g->pidfd = syscall(SYS_pidfd_open, tgid, 0);
	return g;
}

/* Opens the events of file f's specs on one thread. */
static int thread_attach(struct loader_pid *lp, struct pid_group *g, pid_t tid,
			 const struct pid_file *f)
{
	size_t i;
	int fd;

	/* before the first event: a process started later may hold copies of it */
	if (!g->opened)
		g->opened = now_ticks();
	for (i = f->first; i < f->first + f->n; i++) {
		fd = perf_open(lp->specs[i].tp_id, tid, true);
		if (fd == -ESRCH)
			return 0; /* the thread is gone */
		if (fd < 0)
			return fd;
		if (tt_ensure_mem((void **)&g->fds, &g->cap_fds, sizeof(*g->fds), g->n_fds + 1)) {
			close(fd);
			return -ENOMEM;
		}
		g->fds[g->n_fds++] = fd;
		lp->n_perf_events++;
	}
	return 0;
}

/* One pass over the threads of g's process; returns the threads newly attached or -errno. */
static int group_attach_pass(struct loader_pid *lp, struct pid_group *g, const struct pid_file *f,
			     struct tid_set *seen)
{
	char path[64];
	struct dirent *de;
	int added = 0, err = 0;
	pid_t tid;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", g->tgid);
	d = opendir(path);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d)) && seen->n < LOADER_MAX_THREADS) {
		tid = atoi(de->d_name);
		if (tid <= 0 || tid_set_has(seen, tid))
			continue;
		err = tt_ensure_mem((void **)&seen->tids, &seen->cap, sizeof(*seen->tids),
				    seen->n + 1);
		if (!err)
			err = thread_attach(lp, g, tid, f);
		if (!err) {
			seen->tids[seen->n++] = tid;
			added++;
		}
	}
	closedir(d);
	return err ? err : added;
}

/*
 * Opens the events of file f on every thread of g's process. A thread created meanwhile by one
 * not attached yet inherited nothing: go over the threads again until none is new.
 */
static int group_attach(struct loader_pid *lp, struct pid_group *g, const struct pid_file *f)
{
	struct tid_set seen = {};
	int pass, added = 1;

	for (pass = 0; added > 0 && pass < LOADER_SYNC_PASSES; pass++)
		added = group_attach_pass(lp, g, f, &seen);
	free(seen.tids);
	return added < 0 ? added : 0;
}

/* Brings one process up to date with the probed files. */
static int group_sync(struct loader_pid *lp, struct pid_group *g)
{
	int err = 0;

	while (!err && g->files_done < lp->n_files) {
		err = group_attach(lp, g, &lp->files[g->files_done]);
		if (err == -ENOENT || err == -ESRCH)
			err = 0; /* the process exited meanwhile */
		if (!err)
			g->files_done++;
	}
	if (err)
		tt_warn("loader: pid %d: opening the probes failed: %s", g->tgid, strerror(-err));
	return err;
}

/* The latest start (clock ticks) of a traced process, or any start >= enough. */
static uint64_t newest_tracked_start(struct loader_pid *lp, uint64_t enough)
{
	uint32_t key, next, *prev;
	uint64_t start, newest = 0;

	for (prev = NULL; !bpf_map__get_next_key(lp->tracked, prev, &next, sizeof(next));
	     prev = &key) {
		key = next;
		start = proc_start_ticks((pid_t)key);
		if (start > newest)
			newest = start;
		if (newest >= enough)
			break;
	}
	return newest;
}

/*
 * Closing an event also frees the copies inherited from it, in every descendant: the group of
 * a process that exited waits until no traced process started after its first event (none of
 * them can hold a copy then).
 */
void loader_pid__reap(struct loader_pid *lp)
{
	uint64_t newest_open = 0, newest_start = 0;
	struct pid_group *g;
	int n_exited = 0;
	size_t i;

	for (i = 0; i < lp->n_groups; i++) {
		g = &lp->groups[i];
		if (!group_exited(g))
			continue;
		n_exited++;
		if (g->opened > newest_open)
			newest_open = g->opened;
	}
	if (!n_exited)
		return;
	if (newest_open)
		newest_start = newest_tracked_start(lp, newest_open);
	i = 0;
	while (i < lp->n_groups) {
		g = &lp->groups[i];
		if (!g->exited || (g->opened && g->opened <= newest_start)) {
			i++;
			continue;
		}
		group_close(g);
		*g = lp->groups[--lp->n_groups];
	}
}

/*
 * Gives every process of the tracked set the events of the files probed since the last call.
 * A process forked in the tree inherited the events its parent had, which are those of every
 * file synced before: only the new ones are opened, once per process, and the set is gone
 * over again for the processes forked meanwhile.
 */
int loader_pid__sync(struct loader_pid *lp)
{
	uint32_t key, next, *prev;
	struct pid_group *g;
	int pass, added, err = 0;

	loader_pid__reap(lp);
	for (pass = 0; pass < LOADER_SYNC_PASSES; pass++) {
		added = 0;
		for (prev = NULL; !bpf_map__get_next_key(lp->tracked, prev, &next, sizeof(next));
		     prev = &key) {
			key = next;
			g = group_get(lp, (pid_t)key, lp->files_synced);
			if (!g)
				return -ENOMEM;
			if (g->files_done == lp->n_files)
				continue;
			added++;
			if (group_sync(lp, g))
				err = -EIO;
		}
		if (!added)
			break;
	}
	lp->files_synced = lp->n_files;
	return err;
}

int loader_pid__track(struct loader_pid *lp, pid_t pid)
{
	struct pid_group *g;

	loader_pid__reap(lp);
	g = group_get(lp, pid, 0);
	return g ? group_sync(lp, g) : -ENOMEM;
}

uint64_t loader_pid__n_perf_events(const struct loader_pid *lp)
{
	return lp->n_perf_events;
}

void loader_pid__free(struct loader_pid *lp)
{
	char cmd[96];
	size_t i;
	int ev;

	if (!lp)
		return;
	for (i = 0; i < lp->n_groups; i++)
		group_close(&lp->groups[i]);
	free(lp->groups);
	for (i = 0; i < lp->n_links; i++)
		bpf_link__destroy(lp->links[i]);
	free(lp->links);
	/* the events are free once no perf event (inherited ones included) uses them */
	for (ev = 0; ev < lp->n_events; ev++) {
		snprintf(cmd, sizeof(cmd), "-:tracetree_%d/e%d\n", getpid(), ev);
		tracefs_write(lp->tracefs, cmd);
	}
	free(lp->specs);
	free(lp->files);
	free(lp);
}
