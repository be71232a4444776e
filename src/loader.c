// SPDX-License-Identifier: MIT
/* loader.c: BPF skeleton lifecycle (open, configure, load, attach) and uprobe attachment. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "buf.h"
#include "holdwatch.h"
#include "loader.h"
#include "loader_files.h"
#include "loader_pid.h"
#include "log.h"
#include "tls_lib.h"
#include "tracetree.skel.h"

/*
 * Two ways to attach a uprobe:
 *
 * System-wide (--all, TT_UPROBE_ATTACH=all, or when the kernel cannot do the per-process
 * way): one perf event per probe with pid = -1. The kernel puts the breakpoint into every
 * process that maps the file, and the BPF programs drop the untracked ones: every other user
 * of the library pays the trap on each call (about 0.7 us per hit on an emulated instruction,
 * 10 us on a single-stepped one).
 *
 * Per process (-p, -- COMMAND; loader_pid.c): the breakpoint goes only into the traced
 * processes, through tracefs events and perf events inherited at fork, so the rest of the host
 * pays nothing.
 */
struct loader {
	/*
	 * Files are inspected and probed on the prober's worker thread while the capture thread
	 * tracks processes: the lock covers the table, the links and per_pid (never held while
	 * a file is inspected).
	 */
	pthread_mutex_t lock;
	struct tracetree *skel;
	struct bpf_link **links; /* system-wide uprobes */
	size_t n_links, cap_links;
	struct loader_files files;
	int n_probed;
	int ncpus;
	bool hold;		    /* processes are held at exec (cfg_hold) */
	struct loader_pid *per_pid; /* per-process attachment; NULL: system-wide */
};

static int add_link(struct loader *l, struct bpf_link *link)
{
	if (tt_ensure_mem((void **)&l->links, &l->cap_links, sizeof(*l->links), l->n_links + 1)) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	l->links[l->n_links++] = link;
	return 0;
}

struct loader *loader__new(const struct loader_opts *o)
{
	char tracefs[64];
	bool pid_mode;
	struct loader *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->ncpus = libbpf_num_possible_cpus();
	pid_mode = !o->all && loader_pid_available(tracefs, sizeof(tracefs));
	l->skel = tracetree__open();
	if (!l->skel) {
		err = -errno;
		tt_err("loader: opening the BPF object failed: %s", strerror(-err));
		goto fail;
	}
	if (pid_mode) {
		l->per_pid = loader_pid__new(tracefs, l->skel->maps.tracked);
		if (!l->per_pid) {
			err = -errno;
			goto fail;
		}
	}
	l->skel->rodata->cfg_all = o->all;
	l->skel->rodata->cfg_self = o->self;
	l->skel->rodata->cfg_call_cap = o->call_cap;
	l->skel->rodata->cfg_hold = o->hold;
	l->skel->rodata->cfg_wake_bytes = o->ringbuf_size / 4;
	err = bpf_map__set_max_entries(l->skel->maps.events, (uint32_t)o->ringbuf_size);
	if (!err)
		err = bpf_map__set_autocreate(l->skel->maps.abi_anchor, false);
	if (err)
		goto fail;
	err = tracetree__load(l->skel);
	if (err) {
		tt_err("loader: loading the BPF programs failed: %s (run with -vv for the "
		       "verifier log)",
		       strerror(-err));
		goto fail;
	}
	l->hold = o->hold;
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

/* A uprobe at off in the file path (its /proc/self/fd link) names; name is for the log. */
static int attach_one(struct loader *l, struct bpf_program *prog, const struct tt_target *t,
		      const char *name, uint64_t off, bool retprobe, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe, .bpf_cookie = cookie);
	struct bpf_link *link;
	int err;

	if (l->per_pid) {
		err = loader_pid__add_probe(l->per_pid, prog, t->path, off, retprobe, cookie);
		if (!err)
			return 0;
		tt_info("loader: %s: tracefs uprobe at %#llx failed (%s): attaching it system-wide",
			name, (unsigned long long)off, strerror(-err));
	}
	link = bpf_program__attach_uprobe_opts(prog, -1, t->path, off, &uo);
	if (!link)
		return -errno;
	return add_link(l, link);
}

/* Go: Write captured after its stack check, Read stashed at entry and emitted at each RET. */
static int attach_go(struct loader *l, const struct tt_target *t, const char *name)
{
	struct tracetree *s = l->skel;
	int i, err;

	err = attach_one(l, s->progs.go_write_enter, t, name, t->go_write_at, false, 0);
	if (!err)
		err = attach_one(l, s->progs.go_read_enter, t, name, t->off[TT_FN_GO_READ], false,
				 0);
	for (i = 0; !err && i < t->n_go_read_rets; i++)
		err = attach_one(l, s->progs.go_read_ret, t, name, t->go_read_rets[i], false, 0);
	if (err)
		tt_warn("loader: %s: attaching the Go crypto/tls probes failed: %s", name,
			strerror(-err));
	return err;
}

/* Distance from the internal function to the return site in the _ex wrapper (bpf/tls.bpf.c). */
static uint64_t int_cookie(const struct tt_target *t, enum tt_func in, enum tt_func ex)
{
	int64_t d = (int64_t)(t->int_site[ex] - t->off[in]);

	return t->int_site[ex] && d > INT32_MIN && d < INT32_MAX ? (uint64_t)(uint32_t)(int32_t)d :
								   0;
}

/* fn probed at entry and return by the programs <prog>_enter and <prog>_exit of skeleton s */
#define PROBE_PAIR(fn, prog, cookie)                                    \
	{                                                               \
		fn, s->progs.prog##_enter, s->progs.prog##_exit, cookie \
	}

static int attach_target(struct loader *l, const struct tt_target *t, const char *name)
{
	struct tracetree *s = l->skel;
	struct {
		enum tt_func fn;
		struct bpf_program *enter, *exit;
		uint64_t cookie;
	} plan[] = {
		PROBE_PAIR(TT_FN_SSL_WRITE_INT, ssl_wint,
			   int_cookie(t, TT_FN_SSL_WRITE_INT, TT_FN_SSL_WRITE_EX)),
		PROBE_PAIR(TT_FN_SSL_READ_INT, ssl_rint,
			   int_cookie(t, TT_FN_SSL_READ_INT, TT_FN_SSL_READ_EX)),
		PROBE_PAIR(TT_FN_SSL_WRITE, ssl_write, 0),
		PROBE_PAIR(TT_FN_SSL_WRITE_EX, ssl_writeex, 0),
		PROBE_PAIR(TT_FN_SSL_READ, ssl_read, 0),
		PROBE_PAIR(TT_FN_SSL_READ_EX, ssl_readex, 0),
		{ TT_FN_SSL_FREE, s->progs.ssl_free_enter, NULL, 0 },
		PROBE_PAIR(TT_FN_GNUTLS_SEND, gtls_send, 0),
		PROBE_PAIR(TT_FN_GNUTLS_RECV, gtls_recv, 0),
		PROBE_PAIR(TT_FN_PR_WRITE, nss_write, 0),
		PROBE_PAIR(TT_FN_PR_SEND, nss_write, 0),
		PROBE_PAIR(TT_FN_PR_READ, nss_read, 0),
		PROBE_PAIR(TT_FN_PR_RECV, nss_read, 0),
		{ TT_FN_AEAD_SEAL, s->progs.aead_seal_enter, NULL, 0 },
		PROBE_PAIR(TT_FN_AEAD_OPEN, aead_open, 0),
		/* the record layer reports only calls that no probe above saw (bpf/tls.bpf.c) */
		PROBE_PAIR(TT_FN_SSL3_WRITE_BYTES, ssl_wrec, 0),
		PROBE_PAIR(TT_FN_SSL3_READ_BYTES, ssl_rrec, 0),
	};
	/* whose OpenSSL API (OpenSSL, BoringSSL, LibreSSL): the records say which (tt_abi.h) */
	uint64_t lib = (uint64_t)tt_lib_code(t->lib) << TT_LIB_COOKIE_SHIFT;
	enum tt_func fn;
	uint64_t off;
	int i, err = 0;

	for (i = 0; !err && i < (int)(sizeof(plan) / sizeof(plan[0])); i++) {
		fn = plan[i].fn;
		off = t->off[fn];
		/* an exported function seen to call the internal one is covered there */
		if (!off || (fn <= TT_FN_SSL_READ_EX && t->int_site[fn]))
			continue;
		err = attach_one(l, plan[i].enter, t, name, off, false, plan[i].cookie | lib);
		if (!err && plan[i].exit)
			err = attach_one(l, plan[i].exit, t, name, off, true, 0);
		if (err) {
			tt_warn("loader: %s: attaching %s at %#llx failed: %s", name,
				targets_func_name(fn), (unsigned long long)off, strerror(-err));
			break;
		}
		tt_debug("loader: %s: probed %s at %#llx (%s)", name, targets_func_name(fn),
			 (unsigned long long)off, targets_tier_name(t->tier[fn]));
	}
	if (!err && t->go_write_at && t->n_go_read_rets)
		err = attach_go(l, t, name);
	return err;
}

/* The entry of (dev, ino), or a new one to inspect it (*fresh); NULL when the table is full. */
static struct loader_file *file_claim(struct loader *l, const struct stat *st, bool *fresh)
{
	struct loader_file *lf;

	*fresh = false;
	pthread_mutex_lock(&l->lock);
	lf = loader_files__find(&l->files, st->st_dev, st->st_ino);
	if (!lf) {
		lf = loader_files__add(&l->files, st->st_dev, st->st_ino);
		*fresh = lf != NULL;
	}
	pthread_mutex_unlock(&l->lock);
	return lf;
}

/* The file st describes, as the kernel names it in the "known" map: exec of it is not held. */
static void file_known(struct loader *l, const struct stat *st)
{
	struct tt_file_key k = {
		.dev = (uint64_t)major(st->st_dev) << 20 | minor(st->st_dev),
		.ino = st->st_ino,
	};
	uint8_t one = 1;

	if (l->hold)
		bpf_map__update_elem(l->skel->maps.known, &k, sizeof(k), &one, sizeof(one),
				     BPF_ANY);
}

/* Attaches what inspecting (n) found in the file t describes; called with the lock held. */
static int file_apply(struct loader *l, const struct stat *st, const struct tt_target *t, int n,
		      const char *name)
{
	struct loader_file *lf = loader_files__find(&l->files, st->st_dev, st->st_ino);
	int err;

	if (n <= 0 && t->note[0])
		tt_info("loader: %s: %s TLS functions not probed: %s", name,
			t->lib[0] ? t->lib : "", t->note);
	if (n < 0) {
		/* not ELF (or unreadable now): it takes no entry, and is told again if asked */
		if (lf)
			loader_files__remove(&l->files, lf);
		return n == -ENOEXEC ? 0 : n;
	}
	if (lf)
		lf->state = LOADER_FILE_NOTHING;
	if (!n) {
		file_known(l, st);
		return 0;
	}
	err = attach_target(l, t, name);
	if (!err) {
		if (lf)
			lf->state = LOADER_FILE_ATTACHED;
		file_known(l, st);
		__atomic_add_fetch(&l->n_probed, 1, __ATOMIC_RELAXED);
		tt_info("loader: probing %s TLS functions in %s (dev %lu ino %lu%s%s%s)",
			t->lib[0] ? t->lib : "", name, (unsigned long)st->st_dev,
			(unsigned long)st->st_ino, t->source[0] ? ", " : "", t->source,
			t->off[TT_FN_SSL_WRITE_INT] ? ", at ssl_*_internal" : "");
	}
	/* the processes traced so far get the new probes too */
	if (l->per_pid && loader_pid__end_file(l->per_pid) > 0)
		loader_pid__sync(l->per_pid);
	return err ? err : 1;
}

int loader__probe_fd(struct loader *l, int fd, const char *name)
{
	struct loader_file *lf;
	struct tt_target *t;
	struct stat st;
	bool fresh;
	int n;

	if (fstat(fd, &st))
		return -errno;
	lf = file_claim(l, &st, &fresh);
	if (!lf) {
		tt_warn("loader: %s: %d files with probes, not probing more", name,
			LOADER_MAX_FILES);
		return -ENOSPC;
	}
	if (!fresh)
		return 0;
	t = calloc(1, sizeof(*t));
	/* inspected without the lock: tracking processes does not wait for it */
	n = t ? targets_inspect_opened(fd, t) : -ENOMEM;
	pthread_mutex_lock(&l->lock);
	if (t)
		n = file_apply(l, &st, t, n, name);
	else
		loader_files__remove(&l->files,
				     loader_files__find(&l->files, st.st_dev, st.st_ino));
	pthread_mutex_unlock(&l->lock);
	free(t);
	return n;
}

int loader__probe_file(struct loader *l, const char *path)
{
	struct stat st;
	int fd, n;

	fd = targets_open(path, &st);
	if (fd < 0)
		return fd == -ENOEXEC ? 0 : fd;
	n = loader__probe_fd(l, fd, path);
	close(fd);
	return n;
}

bool loader__inspected(struct loader *l, const char *path)
{
	struct loader_file *lf;
	struct stat st;
	bool done;

	if (stat(path, &st))
		return false;
	pthread_mutex_lock(&l->lock);
	lf = loader_files__find(&l->files, st.st_dev, st.st_ino);
	done = lf && lf->state != LOADER_FILE_INSPECTING;
	pthread_mutex_unlock(&l->lock);
	return done;
}

int loader__hold_release(struct loader *l, pid_t pid, uint64_t start_ns, bool probed,
			 uint64_t *since_ns)
{
	struct tt_hold h;
	uint8_t one = 1;
	int ret;

	if (!l->hold)
		return 0;
	ret = holdwatch_release(bpf_map__fd(l->skel->maps.held), pid, start_ns, &h);
	if (!h.since_ns)
		return ret; /* not held (any more) */
	if (probed)
		bpf_map__update_elem(l->skel->maps.known, &h.file, sizeof(h.file), &one,
				     sizeof(one), BPF_ANY);
	if (since_ns)
		*since_ns = h.since_ns;
	return ret;
}

int loader__hold_end(struct loader *l)
{
	if (!l->hold)
		return 0;
	return holdwatch_end_all(bpf_map__fd(l->skel->maps.held),
				 bpf_map__fd(l->skel->maps.hold_ctl));
}

int loader__hold_start_watch(struct loader *l, struct holdwatch *w, unsigned int timeout_ms)
{
	if (!l->hold)
		return 0;
	return holdwatch__start(w, bpf_map__fd(l->skel->maps.held),
				bpf_map__fd(l->skel->maps.hold_ctl), timeout_ms);
}

void loader__reap(struct loader *l)
{
	pthread_mutex_lock(&l->lock);
	if (l->per_pid)
		loader_pid__reap(l->per_pid);
	pthread_mutex_unlock(&l->lock);
}

int loader__sync(struct loader *l)
{
	int err;

	pthread_mutex_lock(&l->lock);
	err = l->per_pid ? loader_pid__sync(l->per_pid) : 0;
	pthread_mutex_unlock(&l->lock);
	return err;
}

int loader__track(struct loader *l, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;
	int err = 0;

	/*
	 * The events first: a child forked from now on inherits them, and joins the tracked
	 * set at fork once its parent is in it. One forked before is found by the caller among
	 * the children and tracked in turn.
	 */
	pthread_mutex_lock(&l->lock);
	if (l->per_pid)
		err = loader_pid__track(l->per_pid, pid);
	pthread_mutex_unlock(&l->lock);
	/* the process tree is traced even when its probes could not be opened */
	if (bpf_map__update_elem(l->skel->maps.tracked, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return err;
}

bool loader__per_pid(const struct loader *l)
{
	return l->per_pid != NULL;
}

uint64_t loader__n_perf_events(const struct loader *l)
{
	pthread_mutex_t *lock = (pthread_mutex_t *)&l->lock; /* const to the caller */
	uint64_t n;

	pthread_mutex_lock(lock);
	n = l->per_pid ? loader_pid__n_perf_events(l->per_pid) : 0;
	pthread_mutex_unlock(lock);
	return n;
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
	return __atomic_load_n(&l->n_probed, __ATOMIC_RELAXED);
}

uint64_t loader__n_evicted(const struct loader *l)
{
	return __atomic_load_n(&l->files.evicted, __ATOMIC_RELAXED);
}

void loader__free(struct loader *l)
{
	size_t i;

	if (!l)
		return;
	if (l->skel)
		loader__hold_end(l);
	loader_pid__free(l->per_pid);
	for (i = 0; i < l->n_links; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	tracetree__destroy(l->skel);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
