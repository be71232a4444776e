// SPDX-License-Identifier: MIT
/* proctree.c: the table of traced processes fed by fork/exec/exit records, pid reuse safe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tt_limits.h"
#include "log.h"
#include "proctree.h"
#include "str.h"

struct proctree {
	struct proc **buckets;	  /* by pid, only processes that hold their pid */
	size_t n_buckets;	  /* power of two */
	struct proc *head, *tail; /* every process, oldest first */
	size_t n;
	struct proctree_ops ops;
	void *ctx;
	struct proctree_stats st;
	bool cap_logged;
};

const char *proc_basename(const char *path)
{
	const char *s;

	if (!path)
		return "";
	s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static size_t bucket_of(const struct proctree *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->n_buckets - 1);
}

struct proctree *proctree__new(const struct proctree_ops *ops, void *ctx)
{
	struct proctree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_buckets = 256;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	if (ops)
		t->ops = *ops;
	t->ctx = ctx;
	return t;
}

static void argv_free(struct proc *p)
{
	strv_free(p->argv, p->argc);
	p->argv = NULL;
	p->argc = 0;
}

static void proc_free(struct proc *p)
{
	argv_free(p);
	free(p->exe_path);
	free(p->prev_exe);
	free(p);
}

void proctree__free(struct proctree *t)
{
	struct proc *p, *next;

	if (!t)
		return;
	for (p = t->head; p; p = next) {
		next = p->next;
		if (t->ops.drop)
			t->ops.drop(p, t->ctx);
		proc_free(p);
	}
	free(t->buckets);
	free(t);
}

struct proc *proctree__find(const struct proctree *t, uint32_t pid)
{
	struct proc *p;

	for (p = t->buckets[bucket_of(t, pid)]; p; p = p->hnext)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void hash_del(struct proctree *t, struct proc *p)
{
	struct proc **pp;

	if (!p->hashed)
		return;
	for (pp = &t->buckets[bucket_of(t, p->pid)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	}
	p->hashed = false;
	p->hnext = NULL;
}

static void hash_grow(struct proctree *t)
{
	struct proc **nb, *p;
	size_t old = t->n_buckets, i;

	nb = calloc(old * 2, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	t->n_buckets = old * 2;
	for (i = 0; i < old; i++) {
		while ((p = t->buckets[i])) {
			t->buckets[i] = p->hnext;
			p->hnext = nb[bucket_of(t, p->pid)];
			nb[bucket_of(t, p->pid)] = p;
		}
	}
	free(t->buckets);
	t->buckets = nb;
}

static void hash_add(struct proctree *t, struct proc *p)
{
	size_t b;

	if (t->n > t->n_buckets)
		hash_grow(t);
	b = bucket_of(t, p->pid);
	p->hnext = t->buckets[b];
	t->buckets[b] = p;
	p->hashed = true;
}

/* Unlinks p (released, exited, childless) and, in turn, parents that only waited for it. */
static void maybe_drop(struct proctree *t, struct proc *p)
{
	struct proc *parent;

	while (p && p->released && p->exited && !p->n_children) {
		parent = p->parent;
		hash_del(t, p);
		if (p->prev)
			p->prev->next = p->next;
		else
			t->head = p->next;
		if (p->next)
			p->next->prev = p->prev;
		else
			t->tail = p->prev;
		t->n--;
		if (t->ops.drop)
			t->ops.drop(p, t->ctx);
		proc_free(p);
		if (parent)
			parent->n_children--;
		p = parent;
	}
}

void proctree__release(struct proctree *t, struct proc *p)
{
	if (!p)
		return;
	p->released = true;
	maybe_drop(t, p);
}

/* The current holder of pid leaves the hash for a new process (pid reuse). */
static void retire(struct proctree *t, struct proc *old, uint64_t new_start)
{
	t->st.reused++;
	hash_del(t, old);
	if (!old->exited) {
		old->exited = true;
		old->exit_lost = true;
		old->exit_ns = new_start > old->start_ns ? new_start : old->start_ns;
		t->st.lost_exits++;
		tt_debug("proctree: pid=%u start=%llu: replaced before its exit was seen\n",
			 old->pid, (unsigned long long)old->start_ns);
		if (t->ops.lost_exit)
			t->ops.lost_exit(old, t->ctx);
		old->released = true;
	}
	maybe_drop(t, old);
}

static int proc_create(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
		       struct proc **out)
{
	struct proc *p, *old, *parent;

	old = proctree__find(t, pid);
	if (old)
		retire(t, old, start_ns);
	if (t->n >= TT_MAX_PROCS) {
		t->st.cap_hits++;
		if (!t->cap_logged)
			tt_warn("proctree: pid=%u: %d processes tracked, not tracking more\n", pid,
				TT_MAX_PROCS);
		t->cap_logged = true;
		return -E2BIG;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->exe_path = strdup("");
	p->argv = calloc(1, sizeof(*p->argv));
	if (!p->exe_path || !p->argv) {
		proc_free(p);
		return -ENOMEM;
	}
	p->pid = pid;
	p->ppid = ppid;
	p->start_ns = start_ns;
	parent = ppid != pid ? proctree__find(t, ppid) : NULL;
	if (parent && parent->start_ns <= start_ns) {
		p->parent = parent;
		parent->n_children++;
		parent->n_spawned++;
	}
	hash_add(t, p);
	p->prev = t->tail;
	if (t->tail)
		t->tail->next = p;
	else
		t->head = p;
	t->tail = p;
	t->n++;
	*out = p;
	return 0;
}

/* Copies exe and argv from src (what a forked child inherits). */
static int proc_inherit(struct proc *p, const struct proc *src)
{
	char **v = strv_dup((const char *const *)src->argv, src->argc);
	char *exe = strdup(src->exe_path);

	if (!v || !exe) {
		strv_free(v, src->argc);
		free(exe);
		return -ENOMEM;
	}
	free(p->exe_path);
	p->exe_path = exe;
	argv_free(p);
	p->argv = v;
	p->argc = src->argc;
	p->args_truncated = src->args_truncated;
	return 0;
}

/*
 * Whether a record's process start time names p. A process found running at attach time only
 * has /proc's start time, in clock ticks: the kernel's exact value is adopted from its first
 * record within two ticks of it.
 */
#define PREEXISTING_START_SLACK_NS 20000000ull

static bool same_start(struct proc *p, uint64_t start_ns)
{
	uint64_t d;

	if (!start_ns || p->start_ns == start_ns)
		return true;
	if (!p->preexisting)
		return false;
	d = p->start_ns > start_ns ? p->start_ns - start_ns : start_ns - p->start_ns;
	if (d > PREEXISTING_START_SLACK_NS)
		return false;
	p->start_ns = start_ns;
	return true;
}

int proctree__fork(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
		   struct proc **out)
{
	struct proc *p = proctree__find(t, pid);
	int err;

	if (p && p->start_ns == start_ns) {
		/* seen already (exec record first across CPUs): fill in the parent link */
		if (!p->parent && ppid != pid) {
			p->ppid = ppid;
			p->parent = proctree__find(t, ppid);
			if (p->parent && p->parent->start_ns <= start_ns) {
				p->parent->n_children++;
				p->parent->n_spawned++;
			} else {
				p->parent = NULL;
			}
		}
		*out = p;
		return 0;
	}
	err = proc_create(t, pid, ppid, start_ns, &p);
	if (err)
		return err;
	if (p->parent && proc_inherit(p, p->parent))
		tt_debug("proctree: pid=%u: no memory to copy the parent's argv\n", pid);
	*out = p;
	return 0;
}

static int argv_parse(struct proc *p, const char *args, size_t len)
{
	size_t n;
	char **v = strv_split(args, len, &n);

	if (!v)
		return -ENOMEM;
	argv_free(p);
	p->argv = v;
	p->argc = n;
	return 0;
}

/* Replaces exe and argv, keeping the previous executable for the exec chain. */
static int proc_set_image(struct proc *p, const char *path, size_t path_len, const char *args,
			  size_t args_len, bool truncated)
{
	char *exe = strndup(path ? path : "", path ? path_len : 0);
	int err;

	if (!exe)
		return -ENOMEM;
	err = argv_parse(p, args, args ? args_len : 0);
	if (err) {
		free(exe);
		return err;
	}
	if (p->exe_path[0]) {
		free(p->prev_exe);
		p->prev_exe = p->exe_path;
	} else {
		free(p->exe_path);
	}
	p->exe_path = exe;
	p->args_truncated = truncated;
	return 0;
}

int proctree__exec(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
		   uint64_t ts_ns, const char *path, size_t path_len, const char *args,
		   size_t args_len, bool args_truncated, struct proc **out)
{
	struct proc *p = proctree__find(t, pid);
	int err;

	if (!p || !same_start(p, start_ns) || (!start_ns && p->exited)) {
		err = proc_create(t, pid, ppid, start_ns ? start_ns : ts_ns, &p);
		if (err)
			return err;
	}
	err = proc_set_image(p, path, path_len, args, args_len, args_truncated);
	if (err)
		return err;
	p->exec_ns = ts_ns;
	p->n_exec++;
	*out = p;
	return 0;
}

int proctree__exit(struct proctree *t, uint32_t pid, uint64_t start_ns, uint64_t ts_ns,
		   int wait_status, struct proc **out)
{
	struct proc *p = proctree__find(t, pid);

	if (!p || p->exited || !same_start(p, start_ns)) {
		t->st.unknown_exits++;
		return -ENOENT;
	}
	p->exited = true;
	p->exit_ns = ts_ns > p->start_ns ? ts_ns : p->start_ns;
	p->exit_code = (wait_status >> 8) & 0xff;
	p->exit_signal = wait_status & 0x7f;
	*out = p;
	return 0;
}

int proctree__add_existing(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   const char *path, const char *args, size_t args_len, struct proc **out)
{
	struct proc *p = proctree__find(t, pid);
	int err;

	if (p && same_start(p, start_ns)) {
		*out = p;
		return 0;
	}
	err = proc_create(t, pid, ppid, start_ns, &p);
	if (err)
		return err;
	p->preexisting = true;
	err = proc_set_image(p, path, path ? strlen(path) : 0, args, args_len, false);
	if (err)
		return err;
	*out = p;
	return 0;
}

struct proc *proctree__first(const struct proctree *t)
{
	return t->head;
}

struct proc *proctree__next(const struct proc *p)
{
	return p->next;
}

void proctree__stats(const struct proctree *t, struct proctree_stats *st)
{
	*st = t->st;
	st->procs = t->n;
}
