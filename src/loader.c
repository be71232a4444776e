// SPDX-License-Identifier: MIT
/* loader.c: BPF skeleton lifecycle (open, configure, load, attach) and uprobe attachment. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "log.h"
#include "tracetree.skel.h"

#define LOADER_MAX_FILES	4096
#define LOADER_MAX_THREADS	4096	/* threads of one process given their own events */
#define LOADER_SYNC_PASSES	4

/*
 * Two ways to attach a uprobe:
 *
 * System-wide (--all, TT_UPROBE_ATTACH=all, or when the kernel cannot do the per-process
 * way): one perf event per probe with pid = -1. The kernel puts the breakpoint into every
 * process that maps the file, and the BPF programs drop the untracked ones: every other user
 * of the library pays the trap on each call (about 0.7 us per hit on an emulated instruction,
 * 10 us on a single-stepped one).
 *
 * Per process (-p, -- COMMAND): the breakpoint goes only into the traced processes, so the rest
 * of the host pays nothing. A uprobe perf event attached to a task is filtered by that task's
 * mm and does not follow fork by itself; with attr.inherit it does, from the first instruction
 * of the child, with no round trip through user space. Inheritance only works for uprobes
 * created through tracefs (uprobe_events): events of the uprobe PMU re-read their path from the
 * opener's memory at fork and are not inherited. And a BPF program attached to a tracefs event
 * runs once per attachment on every hit that passes the filter, so each probe gets:
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
 *     were opened, so none can hold a copy (loader__reap).
 */
enum attach_mode {
	ATTACH_SYSTEM = 0,
	ATTACH_PER_PID,
};

struct probe_spec {
	int tp_id;		/* tracefs event id; 0 = attached system-wide instead */
	int event;		/* N in tracetree_<pid>/e<N> */
};

struct probed_file {
	dev_t dev;
	ino_t ino;
	bool attached;		/* false: inspected, nothing to probe */
	int first_spec;		/* per-pid mode: its probes in l->specs */
	int n_specs;
};

/* Per-pid mode: the perf events that open the probes of the files to one process. */
struct pid_group {
	pid_t tgid;
	int pidfd;		/* readable once the process has exited */
	int files_done;		/* files (in l->files order) attached so far */
	uint64_t opened;	/* clock ticks since boot at its first event; 0 = none */
	bool exited;
	int *fds;
	int n_fds, cap_fds;
};

struct loader {
	struct tracetree *skel;
	struct bpf_link **links;
	int n_links, cap_links;
	struct probed_file files[LOADER_MAX_FILES];
	int n_files;
	int n_probed;
	int ncpus;
	enum attach_mode mode;
	char tracefs[64];
	struct probe_spec *specs;
	int n_specs, cap_specs;
	int n_events;		/* tracefs events created (names e0..) */
	int files_synced;	/* files whose events every traced process has */
	struct pid_group *groups;
	int n_groups, cap_groups;
	uint64_t n_perf_events;	/* per-process events opened so far */
};

/* Grows *p (of *cap elements of size sz) to hold at least need; 0 or -ENOMEM. */
static int grow(void **p, int *cap, int need, size_t sz)
{
	int ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, (size_t)ncap * sz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static int add_link(struct loader *l, struct bpf_link *link)
{
	if (grow((void **)&l->links, &l->cap_links, l->n_links + 1, sizeof(*l->links))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->links[l->n_links++] = link;
	return 0;
}

/* --- tracefs uprobe events ------------------------------------------------------------------- */

static int tracefs_write(const struct loader *l, const char *cmd)
{
	char path[96];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/uprobe_events", l->tracefs);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, cmd, strlen(cmd));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static int tracefs_event_id(const struct loader *l, int event)
{
	char path[128];
	int id = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/tracetree_%d/e%d/id", l->tracefs, getpid(), event);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &id) != 1)
		id = -EBADMSG;
	fclose(f);
	return id;
}

/* Removes the events left behind by tracers that died without cleaning up. */
static void tracefs_remove_stale(const struct loader *l)
{
	char path[96], line[512], cmd[128];
	int pid, ev;
	FILE *f;

	snprintf(path, sizeof(path), "%s/uprobe_events", l->tracefs);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*c:tracetree_%d/e%d", &pid, &ev) != 2 || pid == getpid() ||
		    !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(cmd, sizeof(cmd), "-:tracetree_%d/e%d\n", pid, ev);
		tracefs_write(l, cmd);
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

static void pick_mode(struct loader *l, const struct loader_opts *o)
{
	static const char *const dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	const char *env = getenv("TT_UPROBE_ATTACH");
	char path[96];
	size_t i;

	l->mode = ATTACH_SYSTEM;
	if (o->all)
		return;
	if (env && (!strcmp(env, "all") || !strcmp(env, "system"))) {
		tt_info("loader: TT_UPROBE_ATTACH=%s: uprobes are attached system-wide", env);
		return;
	}
	if (env && *env && strcmp(env, "pid"))
		tt_warn("loader: TT_UPROBE_ATTACH=%s not understood (pid, all): ignored", env);
	if (!inherit_read_supported()) {
		tt_info("loader: the kernel refuses inherited events with PERF_SAMPLE_READ "
			"(before Linux 6.12): uprobes are attached system-wide, so other processes "
			"using the TLS libraries pay a trap per call");
		return;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/uprobe_events", dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(l->tracefs, sizeof(l->tracefs), "%s", dirs[i]);
			l->mode = ATTACH_PER_PID;
			tracefs_remove_stale(l);
			tt_info("loader: uprobes open for the traced processes only (%s, inherited "
				"at fork)", l->tracefs);
			return;
		}
	}
	tt_info("loader: no tracefs uprobe_events: uprobes are attached system-wide, so other "
		"processes using the TLS libraries pay a trap per call");
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

struct loader *loader__new(const struct loader_opts *o)
{
	struct loader *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->ncpus = libbpf_num_possible_cpus();
	pick_mode(l, o);
	if (l->mode == ATTACH_PER_PID)
		raise_nofile();
	l->skel = tracetree__open();
	if (!l->skel) {
		err = -errno;
		tt_err("loader: opening the BPF object failed: %s", strerror(-err));
		goto fail;
	}
	l->skel->rodata->cfg_all = o->all;
	l->skel->rodata->cfg_self = o->self;
	l->skel->rodata->cfg_call_cap = o->call_cap;
	l->skel->rodata->cfg_wake_bytes = o->ringbuf_size / 4;
	err = bpf_map__set_max_entries(l->skel->maps.events, (uint32_t)o->ringbuf_size);
	if (!err)
		err = bpf_map__set_autocreate(l->skel->maps.abi_anchor, false);
	if (err)
		goto fail;
	err = tracetree__load(l->skel);
	if (err) {
		tt_err("loader: loading the BPF programs failed: %s (run with -vv for the "
		       "verifier log)", strerror(-err));
		goto fail;
	}
	/* the tracepoints; the uprobes are attached per file by loader__probe_file */
	err = tracetree__attach(l->skel);
	if (err) {
		tt_err("loader: attaching the tracepoints failed: %s", strerror(-err));
		goto fail;
	}
	return l;
fail:
	loader__free(l);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

static struct probed_file *find_file(struct loader *l, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < l->n_files; i++)
		if (l->files[i].dev == dev && l->files[i].ino == ino)
			return &l->files[i];
	return NULL;
}

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

/* Per-pid mode: a tracefs event for one probe and the anchor carrying its program. */
static int attach_event(struct loader *l, struct bpf_program *prog, const char *path,
			uint64_t off, bool retprobe, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = cookie);
	struct probe_spec *sp;
	struct bpf_link *link;
	char cmd[4200];
	int ev, id, fd, err;

	if (strpbrk(path, " \t\n") || strlen(path) > 4000)
		return -EINVAL;
	err = grow((void **)&l->specs, &l->cap_specs, l->n_specs + 1, sizeof(*l->specs));
	if (err)
		return err;
	ev = l->n_events++;
	snprintf(cmd, sizeof(cmd), "%c:tracetree_%d/e%d %s:%#llx\n", retprobe ? 'r' : 'p',
		 getpid(), ev, path, (unsigned long long)off);
	err = tracefs_write(l, cmd);
	if (err)
		return err;
	id = tracefs_event_id(l, ev);
	if (id < 0)
		return id;
	fd = perf_open(id, 0, false);
	if (fd < 0)
		return fd;
	link = bpf_program__attach_perf_event_opts(prog, fd, &po);
	if (!link) {
		err = -errno;
		close(fd);
		return err;
	}
	err = add_link(l, link);	/* the link owns fd */
	if (err)
		return err;
	sp = &l->specs[l->n_specs++];
	sp->tp_id = id;
	sp->event = ev;
	return 0;
}

static int attach_one(struct loader *l, struct bpf_program *prog, const char *path, uint64_t off,
		      bool retprobe, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe, .bpf_cookie = cookie);
	struct bpf_link *link;
	int err;

	if (l->mode == ATTACH_PER_PID) {
		err = attach_event(l, prog, path, off, retprobe, cookie);
		if (!err)
			return 0;
		tt_info("loader: %s: tracefs uprobe at %#llx failed (%s): attaching it system-wide",
			path, (unsigned long long)off, strerror(-err));
	}
	link = bpf_program__attach_uprobe_opts(prog, -1, path, off, &uo);
	if (!link)
		return -errno;
	return add_link(l, link);
}

/* Go: Write captured after its stack check, Read stashed at entry and emitted at each RET. */
static int attach_go(struct loader *l, const struct tt_target *t)
{
	struct tracetree *s = l->skel;
	int i, err;

	err = attach_one(l, s->progs.go_write_enter, t->path, t->go_write_at, false, 0);
	if (!err)
		err = attach_one(l, s->progs.go_read_enter, t->path, t->off[TT_FN_GO_READ], false,
				 0);
	for (i = 0; !err && i < t->n_go_read_rets; i++)
		err = attach_one(l, s->progs.go_read_ret, t->path, t->go_read_rets[i], false, 0);
	if (err)
		tt_warn("loader: %s: attaching the Go crypto/tls probes failed: %s", t->path,
			strerror(-err));
	return err;
}

/* Distance from the internal function to the return site in the _ex wrapper (bpf/tls.bpf.c). */
static uint64_t int_cookie(const struct tt_target *t, enum tt_func in, enum tt_func ex)
{
	int64_t d = (int64_t)(t->int_site[ex] - t->off[in]);

	return t->int_site[ex] && d > INT32_MIN && d < INT32_MAX ? (uint64_t)(uint32_t)(int32_t)d
								  : 0;
}

static int attach_target(struct loader *l, const struct tt_target *t)
{
	struct tracetree *s = l->skel;
	struct {
		enum tt_func fn;
		struct bpf_program *enter, *exit;
		uint64_t cookie;
	} plan[] = {
		{ TT_FN_SSL_WRITE_INT, s->progs.ssl_wint_enter, s->progs.ssl_wint_exit,
		  int_cookie(t, TT_FN_SSL_WRITE_INT, TT_FN_SSL_WRITE_EX) },
		{ TT_FN_SSL_READ_INT, s->progs.ssl_rint_enter, s->progs.ssl_rint_exit,
		  int_cookie(t, TT_FN_SSL_READ_INT, TT_FN_SSL_READ_EX) },
		{ TT_FN_SSL_WRITE, s->progs.ssl_write_enter, s->progs.ssl_write_exit, 0 },
		{ TT_FN_SSL_WRITE_EX, s->progs.ssl_writeex_enter, s->progs.ssl_writeex_exit, 0 },
		{ TT_FN_SSL_READ, s->progs.ssl_read_enter, s->progs.ssl_read_exit, 0 },
		{ TT_FN_SSL_READ_EX, s->progs.ssl_readex_enter, s->progs.ssl_readex_exit, 0 },
		{ TT_FN_SSL_FREE, s->progs.ssl_free_enter, NULL, 0 },
		{ TT_FN_GNUTLS_SEND, s->progs.gtls_send_enter, s->progs.gtls_send_exit, 0 },
		{ TT_FN_GNUTLS_RECV, s->progs.gtls_recv_enter, s->progs.gtls_recv_exit, 0 },
		{ TT_FN_PR_WRITE, s->progs.nss_write_enter, s->progs.nss_write_exit, 0 },
		{ TT_FN_PR_SEND, s->progs.nss_write_enter, s->progs.nss_write_exit, 0 },
		{ TT_FN_PR_READ, s->progs.nss_read_enter, s->progs.nss_read_exit, 0 },
		{ TT_FN_PR_RECV, s->progs.nss_read_enter, s->progs.nss_read_exit, 0 },
		{ TT_FN_AEAD_SEAL, s->progs.aead_seal_enter, NULL, 0 },
		{ TT_FN_AEAD_OPEN, s->progs.aead_open_enter, s->progs.aead_open_exit, 0 },
	};
	enum tt_func fn;
	uint64_t off;
	int i, err = 0;

	for (i = 0; !err && i < (int)(sizeof(plan) / sizeof(plan[0])); i++) {
		fn = plan[i].fn;
		off = t->off[fn];
		/* an exported function seen to call the internal one is covered there */
		if (!off || (fn <= TT_FN_SSL_READ_EX && t->int_site[fn]))
			continue;
		err = attach_one(l, plan[i].enter, t->path, off, false, plan[i].cookie);
		if (!err && plan[i].exit)
			err = attach_one(l, plan[i].exit, t->path, off, true, 0);
		if (err) {
			tt_warn("loader: %s: attaching %s at %#llx failed: %s", t->path,
				targets_func_name(fn), (unsigned long long)off, strerror(-err));
			break;
		}
		tt_debug("loader: %s: probed %s at %#llx (%s)", t->path, targets_func_name(fn),
			 (unsigned long long)off, targets_tier_name(t->tier[fn]));
	}
	if (!err && t->go_write_at && t->n_go_read_rets)
		err = attach_go(l, t);
	return err;
}

int loader__probe_file(struct loader *l, const char *path)
{
	struct probed_file *pf;
	struct tt_target *t;
	struct stat st;
	int n, err;

	if (stat(path, &st))
		return -errno;
	if (find_file(l, st.st_dev, st.st_ino))
		return 0;
	if (l->n_files == LOADER_MAX_FILES) {
		tt_warn("loader: %s: more than %d files inspected, not probing", path,
			LOADER_MAX_FILES);
		return -ENOSPC;
	}
	pf = &l->files[l->n_files++];
	memset(pf, 0, sizeof(*pf));
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	pf->first_spec = l->n_specs;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	n = targets_inspect(path, t);
	if (n <= 0) {
		if (t->note[0])
			tt_info("loader: %s: %s TLS functions not probed: %s", path,
				t->lib[0] ? t->lib : "", t->note);
		free(t);
		return n == -ENOEXEC ? 0 : n;
	}
	err = attach_target(l, t);
	pf->n_specs = l->n_specs - pf->first_spec;
	if (!err) {
		pf->attached = true;
		l->n_probed++;
		tt_info("loader: probing %s TLS functions in %s (dev %lu ino %lu%s%s%s)",
			t->lib[0] ? t->lib : "", path, (unsigned long)st.st_dev,
			(unsigned long)st.st_ino, t->source[0] ? ", " : "", t->source,
			t->off[TT_FN_SSL_WRITE_INT] ? ", at ssl_*_internal" : "");
	}
	free(t);
	/* the processes traced so far get the new probes too */
	if (pf->n_specs)
		loader__sync(l);
	return err ? err : 1;
}

/* --- per-pid mode: the perf events of each traced process ----------------------------------- */

struct tid_set {
	pid_t *tids;
	int n, cap;
};

static bool tid_set_has(const struct tid_set *s, pid_t tid)
{
	int i;

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
	unsigned long long start;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name (field 2) may hold spaces: count from its closing parenthesis */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)	/* p: the space before field i + 1 */
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

static void group_close(struct pid_group *g)
{
	int i;

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
static struct pid_group *group_get(struct loader *l, pid_t tgid, int files_done)
{
	struct pid_group *g;
	int i;

	for (i = 0; i < l->n_groups; i++)
		if (l->groups[i].tgid == tgid && !group_exited(&l->groups[i]))
			return &l->groups[i];
	if (grow((void **)&l->groups, &l->cap_groups, l->n_groups + 1, sizeof(*l->groups)))
		return NULL;
	g = &l->groups[l->n_groups++];
	memset(g, 0, sizeof(*g));
	g->tgid = tgid;
	g->files_done = files_done;
	g->pidfd = syscall(SYS_pidfd_open, tgid, 0);
	return g;
}

/* Opens the events of specs [first, first + n) on one thread. */
static int thread_attach(struct loader *l, struct pid_group *g, pid_t tid, int first, int n)
{
	int i, fd, err;

	/* before the first event: a process started later may hold copies of it */
	if (!g->opened)
		g->opened = now_ticks();
	for (i = first; i < first + n; i++) {
		if (!l->specs[i].tp_id)
			continue;
		fd = perf_open(l->specs[i].tp_id, tid, true);
		if (fd == -ESRCH)
			return 0;	/* the thread is gone */
		if (fd < 0)
			return fd;
		err = grow((void **)&g->fds, &g->cap_fds, g->n_fds + 1, sizeof(*g->fds));
		if (err) {
			close(fd);
			return err;
		}
		g->fds[g->n_fds++] = fd;
		l->n_perf_events++;
	}
	return 0;
}

/* One pass over the threads of g's process; returns the threads newly attached or -errno. */
static int group_attach_pass(struct loader *l, struct pid_group *g, int first, int n,
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
		err = grow((void **)&seen->tids, &seen->cap, seen->n + 1, sizeof(*seen->tids));
		if (!err)
			err = thread_attach(l, g, tid, first, n);
		if (!err) {
			seen->tids[seen->n++] = tid;
			added++;
		}
	}
	closedir(d);
	return err ? err : added;
}

/*
 * Opens the events of specs [first, first + n) on every thread of g's process. A thread
 * created meanwhile by one not attached yet inherited nothing: go over the threads again
 * until none is new.
 */
static int group_attach(struct loader *l, struct pid_group *g, int first, int n)
{
	struct tid_set seen = {};
	int pass, added = 1;

	for (pass = 0; added > 0 && pass < LOADER_SYNC_PASSES; pass++)
		added = group_attach_pass(l, g, first, n, &seen);
	free(seen.tids);
	return added < 0 ? added : 0;
}

/* Brings one process up to date with the probed files. */
static int group_sync(struct loader *l, struct pid_group *g)
{
	const struct probed_file *pf;
	int err = 0;

	while (!err && g->files_done < l->n_files) {
		pf = &l->files[g->files_done];
		if (pf->n_specs)
			err = group_attach(l, g, pf->first_spec, pf->n_specs);
		if (err == -ENOENT || err == -ESRCH)
			err = 0;	/* the process exited meanwhile */
		if (!err)
			g->files_done++;
	}
	if (err)
		tt_warn("loader: pid %d: opening the probes failed: %s", g->tgid, strerror(-err));
	return err;
}

/* The latest start (clock ticks) of a traced process, or any start >= enough. */
static uint64_t newest_tracked_start(struct loader *l, uint64_t enough)
{
	struct bpf_map *m = l->skel->maps.tracked;
	uint32_t key, next, *prev;
	uint64_t start, newest = 0;

	for (prev = NULL; !bpf_map__get_next_key(m, prev, &next, sizeof(next)); prev = &key) {
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
void loader__reap(struct loader *l)
{
	uint64_t newest_open = 0, newest_start = 0;
	struct pid_group *g;
	int i, n_exited = 0;

	for (i = 0; i < l->n_groups; i++) {
		g = &l->groups[i];
		if (!group_exited(g))
			continue;
		n_exited++;
		if (g->opened > newest_open)
			newest_open = g->opened;
	}
	if (!n_exited)
		return;
	if (newest_open)
		newest_start = newest_tracked_start(l, newest_open);
	i = 0;
	while (i < l->n_groups) {
		g = &l->groups[i];
		if (!g->exited || (g->opened && g->opened <= newest_start)) {
			i++;
			continue;
		}
		group_close(g);
		*g = l->groups[--l->n_groups];
	}
}

/*
 * Gives every process of the tracked set the events of the files probed since the last call.
 * A process forked in the tree inherited the events its parent had, which are those of every
 * file synced before: only the new ones are opened, once per process, and the set is gone
 * over again for the processes forked meanwhile.
 */
int loader__sync(struct loader *l)
{
	struct bpf_map *m = l->skel->maps.tracked;
	uint32_t key, next, *prev;
	struct pid_group *g;
	int pass, added, err = 0;

	if (l->mode != ATTACH_PER_PID)
		return 0;
	loader__reap(l);
	for (pass = 0; pass < LOADER_SYNC_PASSES; pass++) {
		added = 0;
		for (prev = NULL; !bpf_map__get_next_key(m, prev, &next, sizeof(next));
		     prev = &key) {
			key = next;
			g = group_get(l, (pid_t)key, l->files_synced);
			if (!g)
				return -ENOMEM;
			if (g->files_done == l->n_files)
				continue;
			added++;
			if (group_sync(l, g))
				err = -EIO;
		}
		if (!added)
			break;
	}
	l->files_synced = l->n_files;
	return err;
}

int loader__track(struct loader *l, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	struct pid_group *g;
	uint8_t one = 1;
	int err = 0;

	/*
	 * The events first: a child forked from now on inherits them, and joins the tracked
	 * set at fork once its parent is in it. One forked before is found by the caller among
	 * the children and tracked in turn.
	 */
	if (l->mode == ATTACH_PER_PID) {
		loader__reap(l);
		g = group_get(l, pid, 0);
		err = g ? group_sync(l, g) : -ENOMEM;
	}
	/* the process tree is traced even when its probes could not be opened */
	if (bpf_map__update_elem(l->skel->maps.tracked, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return err;
}

bool loader__per_pid(const struct loader *l)
{
	return l->mode == ATTACH_PER_PID;
}

uint64_t loader__n_perf_events(const struct loader *l)
{
	return l->n_perf_events;
}

int loader__ringbuf_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader__stats(const struct loader *l, uint64_t *out)
{
	uint64_t *vals;
	uint32_t k;
	int c;

	vals = calloc(l->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < TT_ST_MAX; k++) {
		out[k] = 0;
		if (bpf_map__lookup_elem(l->skel->maps.stats, &k, sizeof(k), vals,
					 l->ncpus * sizeof(*vals), 0))
			continue;
		for (c = 0; c < l->ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

int loader__n_probed_files(const struct loader *l)
{
	return l->n_probed;
}

void loader__free(struct loader *l)
{
	char cmd[96];
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n_groups; i++)
		group_close(&l->groups[i]);
	free(l->groups);
	for (i = 0; i < l->n_links; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	/* the events are free once no perf event (inherited ones included) uses them */
	for (i = 0; i < l->n_events; i++) {
		snprintf(cmd, sizeof(cmd), "-:tracetree_%d/e%d\n", getpid(), i);
		tracefs_write(l, cmd);
	}
	free(l->specs);
	tracetree__destroy(l->skel);
	free(l);
}
