/* SPDX-License-Identifier: MIT */
/* loader.h: BPF skeleton lifecycle, probe attachment and the tracked-process set. */
#ifndef TT_LOADER_H
#define TT_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "targets.h"
#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct loader;

struct loader_opts {
	bool all;	   /* trace every process */
	uint32_t self;	   /* the tracer's own tgid */
	uint32_t call_cap; /* payload bytes per SSL call */
	uint64_t ringbuf_size;
	bool hold; /* stop a traced process at exec of a file not probed yet */
};

/* Opens, configures and loads the BPF object, attaches the tracepoints. NULL + errno. */
struct loader *loader__new(const struct loader_opts *opts);
/*
 * Probes the TLS functions of the file open at fd (from targets_open; name is for the log),
 * once per (dev, inode): inspected and attached through fd itself, never by name again.
 * Returns 1 if probes were attached, 0 if the file was known already, is not ELF or carries
 * no TLS functions, -errno on error (-ENOSPC: every entry of the table has probes). Safe to call
 * from one thread while another tracks processes (the file is inspected without the lock).
 */
int loader__probe_fd(struct loader *l, int fd, const char *name);
/* loader__probe_fd of the file targets_open(path) gives. */
int loader__probe_file(struct loader *l, const char *path);
/*
 * Adds a process to the tracked set (its future children join in the kernel). Unless tracing
 * everything, the uprobes are opened for the traced processes only (their children inherit
 * them at fork): other processes never hit them.
 */
int loader__track(struct loader *l, pid_t pid);
/*
 * Per-pid mode: gives every process of the tracked set the probes of the files probed since
 * the last call (loader__probe_file calls it; the older ones were inherited at fork). 0 or
 * -errno.
 */
int loader__sync(struct loader *l);
/*
 * Holding at exec (bpf/proc.bpf.c): continues pid, stopped at exec (start_ns: its start time,
 * against pid reuse), unless something else stopped it meanwhile (then it is theirs to
 * continue). probed: its file is probed, so that the next exec of it is not held. Returns 1
 * when continued, 0 when there was nothing to continue (gone, continued already) or it is left
 * to whoever else stopped it, -errno. When it was held until now, its stop time goes to
 * *since_ns (boot time; left alone otherwise).
 */
int loader__hold_release(struct loader *l, pid_t pid, uint64_t start_ns, bool probed,
			 uint64_t *since_ns);
/*
 * Holds no process from now on, and continues every process still held. For the exit and error
 * paths (loader__free calls it too). Returns how many were continued.
 */
int loader__hold_end(struct loader *l);
struct holdwatch;
/* Starts w, the watchdog of the holds (holdwatch.h), when holding; 0 or -errno. */
int loader__hold_start_watch(struct loader *l, struct holdwatch *w, unsigned int timeout_ms);
/* True when the file at path was inspected already (probed, or nothing to probe). */
bool loader__inspected(struct loader *l, const char *path);
/* Closes the per-process events of processes that exited once no traced process can hold a
 * copy inherited from them; main may call it periodically. */
void loader__reap(struct loader *l);
/* True when uprobes are attached per traced process rather than system-wide. */
bool loader__per_pid(const struct loader *l);
/* Per-process perf events opened so far (for stats). */
uint64_t loader__n_perf_events(const struct loader *l);
int loader__ringbuf_fd(const struct loader *l);
/* Sums the per-CPU counters into out[TT_ST_MAX]. */
int loader__stats(const struct loader *l, uint64_t *out);
int loader__n_probed_files(const struct loader *l);
/* Entries of inspected files without probes evicted from the full table (for stats). */
uint64_t loader__n_evicted(const struct loader *l);
/* Detaches everything; NULL-safe. */
void loader__free(struct loader *l);

#ifdef __cplusplus
}
#endif
#endif /* TT_LOADER_H */
