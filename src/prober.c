// SPDX-License-Identifier: MIT
/*
 * prober.c: which files to probe as traced processes come and go. A program is probed at
 * exec in case it carries TLS itself; the libraries it maps are probed once the dynamic
 * linker or its runtime has loaded them, which is later: its maps are read again after a
 * few delays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "prober.h"
#include "prober_work.h"
#include "targets.h"
#include "tt_abi.h"

#define MAX_RESCANS 1024
/* After exec, a process maps its TLS library only once the dynamic linker or its runtime
 * loads it: look again at these delays (ns). */
static const uint64_t rescan_delays[] = { 20000000ull, 250000000ull, 2000000000ull };

struct rescan {
	pid_t pid;
	int step;
	uint64_t due_ns;
};

struct prober {
	struct loader *loader;
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

/* On the worker: one file, through the loader; a process gone meanwhile is not an error. */
static void probe_one(pid_t pid, const char *path, void *ctx)
{
	struct prober *p = ctx;
	int err = loader__probe_file(p->loader, path);

	if (err < 0 && err != -ENOENT && err != -ESRCH)
		tt_debug("prober: %s: %s", path, strerror(-err));
}

struct prober *prober__new(struct loader *l)
{
	struct prober *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loader = l;
	return p;
}

/*
 * Hands a file of a traced process over to the worker, within the process's rate. The worker
 * is started here, by the capture thread, at the first record with a file: a thread has
 * capabilities of its own, and it gets those the capture thread holds then (main drops the
 * others once the first probes are attached, before the records start).
 */
static void submit(struct prober *p, pid_t pid, const char *path)
{
	int err;

	if (!p->work) {
		p->work = prober_work__new(probe_one, p);
		if (!p->work) {
			tt_warn("prober: starting the worker failed: %s: probing in the record loop",
				strerror(errno));
			probe_one(pid, path, p);
			return;
		}
	}
	err = prober_work__submit(p->work, pid, path, mono_ns());
	if (err == -ENOSPC)
		tt_debug("prober: %s: the inspection queue is full: dropped", path);
}

void prober__file(struct prober *p, const char *path)
{
	if (!p->work)
		probe_one(0, path, p); /* before tracing starts: no worker yet */
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

void prober__tick(struct prober *p)
{
	uint64_t now = mono_ns();
	int i = 0;

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

void prober__record(struct prober *p, const void *rec)
{
	const struct tt_hdr *h = rec;
	char path[TT_PATH_MAX + 64];

	if (h->type == TT_REC_LIBOPEN) {
		const struct tt_libopen *lo = rec;

		/* relative names are resolved by the process: fall back to its maps then */
		if (lo->path[0] == '/') {
			snprintf(path, sizeof(path), "/proc/%u/root%.*s", h->pid, (int)lo->path_len,
				 lo->path);
			submit(p, (pid_t)h->pid, path);
		}
		schedule_rescan(p, (pid_t)h->pid);
	} else if (h->type == TT_REC_EXEC) {
		/* a new program: probe it now if it carries TLS itself, its libraries later */
		snprintf(path, sizeof(path), "/proc/%u/exe", h->pid);
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
}

void prober__free(struct prober *p)
{
	if (!p)
		return;
	prober_work__free(p->work);
	free(p);
}
