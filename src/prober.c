// SPDX-License-Identifier: MIT
/*
 * prober.c: which files to probe as traced processes come and go. A program is probed at
 * exec in case it carries TLS itself; the libraries it maps are probed once the dynamic
 * linker or its runtime has loaded them, which is later: its maps are read again after a
 * few delays. A process the kernel stopped at exec of a file not probed yet (bpf/proc.bpf.c)
 * is continued once the file is done, or at its deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "prober.h"
#include "prober_work.h"
#include "targets.h"
#include "tt_abi.h"
#include "tt_limits.h"

#define MAX_RESCANS 1024
/* After exec, a process maps its TLS library only once the dynamic linker or its runtime
 * loads it: look again at these delays (ns). */
static const uint64_t rescan_delays[] = { 20000000ull, 250000000ull, 2000000000ull };

struct rescan {
	pid_t pid;
	int step;
	uint64_t due_ns;
};

struct hold {
	pid_t pid;
	uint64_t start_ns;    /* the process's start (boot time), as in its exec record */
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
};

struct prober {
	struct loader *loader;
	/* processes stopped at exec, continued by the worker or at their deadline (tick) */
	pthread_mutex_t hold_lock;
	struct hold holds[TT_MAX_HELD];
	int n_holds;
	uint64_t hold_timeout_ns;
	uint64_t held, held_max_ns, hold_timeouts;
	struct prober_work *work; /* opens, inspects and probes off the capture thread (lazily) */
	struct rescan rescans[MAX_RESCANS];
	int n_rescans;
	uint64_t rescans_dropped; /* processes not looked at again: the table was full */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Takes pid's hold out of the table: false when it is not there (continued already). */
static bool hold_take(struct prober *p, pid_t pid, struct hold *out)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&p->hold_lock);
	for (i = 0; i < p->n_holds; i++) {
		if (p->holds[i].pid != pid)
			continue;
		*out = p->holds[i];
		p->holds[i] = p->holds[--p->n_holds];
		found = true;
		break;
	}
	pthread_mutex_unlock(&p->hold_lock);
	return found;
}

/* Continues a held process (probed: its file is done), counting how long it was held. */
static void hold_end(struct prober *p, const struct hold *h, bool probed, bool timeout)
{
	uint64_t since = 0, now = boot_ns();
	int err = loader__hold_release(p->loader, h->pid, h->start_ns, probed, &since);

	if (err < 0)
		tt_warn("prober: continuing pid %d failed: %s", h->pid, strerror(-err));
	if (!since)
		return; /* gone, or continued already */
	pthread_mutex_lock(&p->hold_lock);
	if (now > since && now - since > p->held_max_ns)
		p->held_max_ns = now - since;
	if (timeout)
		p->hold_timeouts++;
	pthread_mutex_unlock(&p->hold_lock);
	if (!err)
		tt_info("prober: pid %d left stopped: someone else stopped it while it was held",
			h->pid);
	else if (timeout)
		tt_warn("prober: pid %d continued after %llu ms: its file is not probed yet",
			h->pid, (unsigned long long)((now - since) / 1000000));
	else
		tt_debug("prober: pid %d held %llu us", h->pid,
			 (unsigned long long)((now - since) / 1000));
}

/* On the worker: one file, through the loader; a process gone meanwhile is not an error. */
static void probe_one(pid_t pid, const char *path, bool held, void *ctx)
{
	struct prober *p = ctx;
	int err = loader__probe_file(p->loader, path);
	struct hold h;

	if (err < 0 && err != -ENOENT && err != -ESRCH)
		tt_debug("prober: %s: %s", path, strerror(-err));
	if (held && hold_take(p, pid, &h))
		hold_end(p, &h, err >= 0, false);
}

struct prober *prober__new(struct loader *l, unsigned int hold_timeout_ms)
{
	struct prober *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loader = l;
	p->hold_timeout_ns = (uint64_t)hold_timeout_ms * 1000000ull;
	pthread_mutex_init(&p->hold_lock, NULL);
	return p;
}

/*
 * Hands a file of a traced process over to the worker, within the process's rate. The worker
 * is started here, by the capture thread, at the first record with a file: a thread has
 * capabilities of its own, and it gets those the capture thread holds then (main drops the
 * others once the first probes are attached, before the records start).
 */
static bool work_start(struct prober *p)
{
	if (p->work)
		return true;
	p->work = prober_work__new(probe_one, p);
	if (!p->work)
		tt_warn("prober: starting the worker failed: %s: probing in the record loop",
			strerror(errno));
	return p->work != NULL;
}

static void submit(struct prober *p, pid_t pid, const char *path)
{
	/*
	 * A file inspected already (a program run again, an image's library in its next
	 * container) is nothing to do for the worker, which would only find it known: one stat
	 * here instead of waking it (its context switch was a tenth of the tracer's CPU per exec).
	 */
	if (p->work && loader__inspected(p->loader, path))
		return;
	if (!work_start(p))
		probe_one(pid, path, false, p);
	else if (prober_work__submit(p->work, pid, path, mono_ns()) == -ENOSPC)
		tt_debug("prober: %s: the inspection queue is full: dropped", path);
}

/*
 * A process stopped at exec of path, a file the kernel did not know as probed: continued at
 * once when it was inspected meanwhile, else once the worker is done with it, or at the
 * deadline whatever happens to the file.
 */
static void hold_start(struct prober *p, pid_t pid, uint64_t start_ns, const char *path)
{
	struct hold h = { pid, start_ns, mono_ns() + p->hold_timeout_ns };
	bool added = false;

	p->held++;
	if (loader__inspected(p->loader, path)) {
		hold_end(p, &h, true, false);
		return;
	}
	pthread_mutex_lock(&p->hold_lock);
	if (p->n_holds < TT_MAX_HELD) {
		p->holds[p->n_holds++] = h;
		added = true;
	}
	pthread_mutex_unlock(&p->hold_lock);
	if (!added) {
		hold_end(p, &h, false, false);
	} else if (!work_start(p)) {
		probe_one(pid, path, true, p);
	} else if (prober_work__submit_held(p->work, pid, path) && hold_take(p, pid, &h)) {
		tt_debug("prober: %s: no room to inspect it while pid %d waits", path, pid);
		hold_end(p, &h, false, false);
	}
}

void prober__file(struct prober *p, const char *path)
{
	if (!p->work)
		probe_one(0, path, false, p); /* before tracing starts: no worker yet */
	else if (!prober_work__submit(p->work, 0, path, 0))
		prober_work__wait(p->work);
}

void prober_file_cb(const char *path, void *ctx)
{
	prober__file(ctx, path);
}

void prober__process(struct prober *p, pid_t pid)
{
	targets_process(pid, prober_file_cb, p);
}

struct rescan_ctx {
	struct prober *p;
	pid_t pid;
};

static void rescan_file_cb(const char *path, void *ctx)
{
	struct rescan_ctx *rc = ctx;

	submit(rc->p, rc->pid, path);
}

static void schedule_rescan(struct prober *p, pid_t pid)
{
	struct rescan *r;
	int i;

	/* one schedule a process: a library opened anew starts it over */
	for (i = 0; i < p->n_rescans; i++) {
		if (p->rescans[i].pid == pid) {
			p->rescans[i].step = 0;
			p->rescans[i].due_ns = mono_ns() + rescan_delays[0];
			return;
		}
	}
	if (p->n_rescans == MAX_RESCANS) {
		p->rescans_dropped++;
		return;
	}
	r = &p->rescans[p->n_rescans++];
	r->pid = pid;
	r->step = 0;
	r->due_ns = mono_ns() + rescan_delays[0];
}

/* Continues the held processes whose deadline is over. */
static void hold_tick(struct prober *p, uint64_t now)
{
	struct hold due[64];
	int i = 0, n = 0;

	pthread_mutex_lock(&p->hold_lock);
	while (i < p->n_holds && n < (int)(sizeof(due) / sizeof(due[0]))) {
		if (p->holds[i].deadline_ns > now) {
			i++;
			continue;
		}
		due[n++] = p->holds[i];
		p->holds[i] = p->holds[--p->n_holds];
	}
	pthread_mutex_unlock(&p->hold_lock);
	for (i = 0; i < n; i++)
		hold_end(p, &due[i], false, true);
}

void prober__tick(struct prober *p)
{
	uint64_t now = mono_ns();
	int i = 0;

	hold_tick(p, now);
	while (i < p->n_rescans) {
		struct rescan *r = &p->rescans[i];
		struct rescan_ctx rc = { p, r->pid };

		if (r->due_ns > now) {
			i++;
			continue;
		}
		if (targets_process(r->pid, rescan_file_cb, &rc) >= 0 &&
		    ++r->step < (int)(sizeof(rescan_delays) / sizeof(rescan_delays[0]))) {
			r->due_ns = now + rescan_delays[r->step];
			i++;
			continue;
		}
		/* done or gone */
		p->rescans[i] = p->rescans[--p->n_rescans];
	}
}

uint64_t prober__due_in_ns(struct prober *p)
{
	uint64_t now = mono_ns(), due = UINT64_MAX;
	int i;

	pthread_mutex_lock(&p->hold_lock);
	for (i = 0; i < p->n_holds; i++)
		if (p->holds[i].deadline_ns < due)
			due = p->holds[i].deadline_ns;
	pthread_mutex_unlock(&p->hold_lock);
	for (i = 0; i < p->n_rescans; i++)
		if (p->rescans[i].due_ns < due)
			due = p->rescans[i].due_ns;
	if (due == UINT64_MAX)
		return due;
	return due > now ? due - now : 0;
}

void prober__record(struct prober *p, const void *rec)
{
	const struct tt_hdr *h = rec;
	char path[TT_PATH_MAX + 64];

	if (h->type == TT_REC_LIBOPEN) {
		const struct tt_libopen *lo = rec;

		/*
		 * Held: stopped as the open returned, the descriptor still open names the very
		 * file. Relative names are resolved by the process: fall back to its maps then.
		 * The record has no start time: a pid reused meanwhile is continued early, never
		 * left stopped.
		 */
		if (lo->flags & TT_LIBOPEN_HELD) {
			snprintf(path, sizeof(path), "/proc/%u/fd/%d", h->pid, lo->fd);
			hold_start(p, (pid_t)h->pid, 0, path);
		} else if (lo->path[0] == '/') {
			snprintf(path, sizeof(path), "/proc/%u/root%.*s", h->pid, (int)lo->path_len,
				 lo->path);
			submit(p, (pid_t)h->pid, path);
		}
		schedule_rescan(p, (pid_t)h->pid);
	} else if (h->type == TT_REC_EXEC) {
		const struct tt_exec *ex = rec;

		/* a new program: probe it now if it carries TLS itself, its libraries later */
		snprintf(path, sizeof(path), "/proc/%u/exe", h->pid);
		if (ex->flags & TT_EXEC_HELD)
			hold_start(p, (pid_t)h->pid, ex->start_ns, path);
		else
			submit(p, (pid_t)h->pid, path);
		schedule_rescan(p, (pid_t)h->pid);
	}
}

void prober__stats(struct prober *p, struct prober_stats *st)
{
	struct prober_work_stats ws = {};

	if (p->work)
		prober_work__stats(p->work, &ws);
	st->inspected = ws.done;
	st->deferred = ws.deferred;
	st->dropped = ws.dropped;
	st->rescans_dropped = p->rescans_dropped;
	st->evicted = loader__n_evicted(p->loader);
	pthread_mutex_lock(&p->hold_lock);
	st->held = p->held;
	st->held_max_ns = p->held_max_ns;
	st->hold_timeouts = p->hold_timeouts;
	pthread_mutex_unlock(&p->hold_lock);
}

void prober__free(struct prober *p)
{
	if (!p)
		return;
	prober_work__free(p->work);
	pthread_mutex_destroy(&p->hold_lock);
	free(p);
}
