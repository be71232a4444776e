/* SPDX-License-Identifier: MIT */
/*
 * prober_work.h: the prober's worker thread. The capture thread hands over the files to open,
 * inspect and probe, and goes on with the records: a slow or huge file (or one that blocks)
 * holds the worker, never the capture. The queue is bounded and each process has a rate.
 * Used by prober.c.
 */
#ifndef TT_PROBER_WORK_H
#define TT_PROBER_WORK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tt_abi.h"

#define PROBER_WORK_QUEUE 256 /* files handed over and not yet taken */
#define PROBER_WORK_PIDS  256 /* processes whose rate is tracked (least recent replaced) */
#define PROBER_WORK_BURST 32  /* files a process may hand over at once */
#define PROBER_WORK_RATE  8   /* files per second a process may hand over after the burst */
#define PROBER_WORK_PATH  (TT_PATH_MAX + 64)

struct prober_work;

/*
 * Runs on the worker for each file handed over (pid: the process it came from, 0: none; held:
 * the process is stopped until this file is done, see prober_work__submit_held).
 */
typedef void (*prober_work_fn)(pid_t pid, const char *path, bool held, void *ctx);

struct prober_work_stats {
	uint64_t done;	   /* files taken by the worker */
	uint64_t deferred; /* over their process's rate: left to the process's next rescan */
	uint64_t dropped;  /* the queue was full */
};

/*
 * Starts the worker. TT_TEST_HOLD_INSPECT=FILE (tests): a path containing "tt-hold" (or a link
 * such as /proc/PID/exe to one) is held before fn until FILE exists. NULL + errno.
 */
struct prober_work *prober_work__new(prober_work_fn fn, void *ctx);
/*
 * Hands path over. With pid > 0 the process's rate applies (now_ns: CLOCK_MONOTONIC). Returns
 * 0, -EAGAIN (deferred: over the rate), -ENOSPC (dropped: queue full) or -ENAMETOOLONG.
 */
int prober_work__submit(struct prober_work *w, pid_t pid, const char *path, uint64_t now_ns);
/*
 * Hands over the file a process is held for (stopped at exec until it is probed): first in the
 * queue, outside the process's rate. Returns 0, -ENOSPC (queue full) or -ENAMETOOLONG.
 */
int prober_work__submit_held(struct prober_work *w, pid_t pid, const char *path);
/* Waits until every file handed over so far is done. */
void prober_work__wait(struct prober_work *w);
void prober_work__stats(struct prober_work *w, struct prober_work_stats *st);
/* Stops the worker (after the file it is on; those queued are dropped); NULL-safe. */
void prober_work__free(struct prober_work *w);

#endif /* TT_PROBER_WORK_H */
