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

struct prober *prober__new(struct loader *l)
{
	struct prober *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->loader = l;
	return p;
}

void prober__file(struct prober *p, const char *path)
{
	int err = loader__probe_file(p->loader, path);

	if (err < 0 && err != -ENOENT && err != -ESRCH)
		tt_debug("prober: %s: %s", path, strerror(-err));
}

void prober_file_cb(const char *path, void *ctx)
{
	prober__file(ctx, path);
}

void prober__process(struct prober *p, pid_t pid)
{
	targets_process(pid, prober_file_cb, p);
}

static void schedule_rescan(struct prober *p, pid_t pid)
{
	struct rescan *r;

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

		if (r->due_ns > now) {
			i++;
			continue;
		}
		if (targets_process(r->pid, prober_file_cb, p) >= 0 &&
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
			prober__file(p, path);
		}
		schedule_rescan(p, (pid_t)h->pid);
	} else if (h->type == TT_REC_EXEC) {
		/* a new program: probe it now if it carries TLS itself, its libraries later */
		snprintf(path, sizeof(path), "/proc/%u/exe", h->pid);
		prober__file(p, path);
		schedule_rescan(p, (pid_t)h->pid);
	}
}

void prober__free(struct prober *p)
{
	free(p);
}
