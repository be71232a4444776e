/* SPDX-License-Identifier: MIT */
/*
 * prober.h: which files to probe as traced processes come and go: a program at exec, the
 * TLS libraries it loads (looked for again after a few delays), a library opened by path.
 */
#ifndef TT_PROBER_H
#define TT_PROBER_H

#include <stdint.h>
#include <sys/types.h>

#include "loader.h"

#ifdef __cplusplus
extern "C" {
#endif

struct prober;

struct prober_stats {
	uint64_t inspected;	  /* files the worker took */
	uint64_t deferred;	  /* over their process's rate: left to its next rescan */
	uint64_t dropped;	  /* the worker's queue was full */
	uint64_t rescans_dropped; /* processes not looked at again: the table was full */
	uint64_t evicted;	/* inspected files without probes evicted from the loader's table */
	uint64_t held;		/* processes stopped at exec of a file not probed yet */
	uint64_t held_max_ns;	/* the longest of those stops */
	uint64_t hold_timeouts; /* continued at the deadline, their file not probed yet */
};

/*
 * Probes through l (borrowed). The files of records are inspected and probed on a worker thread
 * while the records go on; it is started by the first record with a file, so that it has the
 * capabilities the capture thread has then (each thread has its own: drop them before the
 * records start). A process the kernel held at exec (its record says so) is continued once its
 * file is probed, or after hold_timeout_ms. NULL + errno.
 */
struct prober *prober__new(struct loader *l, unsigned int hold_timeout_ms);
/*
 * One file, through the loader, done before this returns (on this thread before the worker
 * started, then by the worker); a process gone meanwhile is not an error.
 */
void prober__file(struct prober *p, const char *path);
/* The same as a targets_*() callback (ctx = the prober). */
void prober_file_cb(const char *path, void *ctx);
/* The TLS libraries and executable of a running process, waited for. */
void prober__process(struct prober *p, pid_t pid);
/*
 * A record: an exec or a library opened means files to probe, now and after delays. Handed
 * to the worker within the process's rate: this returns at once.
 */
void prober__record(struct prober *p, const void *rec);
/* Looks again at the processes whose delay is over (called by the main loop). */
void prober__tick(struct prober *p);
/*
 * How long until prober__tick has work (CLOCK_MONOTONIC ns): a held process's deadline or a
 * rescan due; 0 when one is past, UINT64_MAX when there is none.
 */
uint64_t prober__due_in_ns(struct prober *p);
void prober__stats(struct prober *p, struct prober_stats *st);
/* Stops the worker (after the file it is on); NULL-safe. */
void prober__free(struct prober *p);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROBER_H */
