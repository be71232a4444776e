/* SPDX-License-Identifier: MIT */
/*
 * loader_pid.h: per-process uprobe attachment (-p, -- COMMAND): tracefs events whose perf events
 * open the probes in the traced processes only, inherited at fork. Used by loader.c.
 */
#ifndef TT_LOADER_PID_H
#define TT_LOADER_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_map;
struct bpf_program;
struct loader_pid;

/*
 * Whether the uprobes can be opened per process here (kernel, tracefs, TT_UPROBE_ATTACH); logs
 * which way they go. When they can, tracefs holds the tracefs directory.
 */
bool loader_pid_available(char *tracefs, size_t len);
/*
 * The per-process attachment through the tracefs directory; tracked is the BPF map of traced
 * tgids. Removes the events of tracers that died without cleaning up. NULL + errno.
 */
struct loader_pid *loader_pid__new(const char *tracefs, struct bpf_map *tracked);
/* A uprobe (retprobe) on path at file offset off running prog with cookie; 0 or -errno. */
int loader_pid__add_probe(struct loader_pid *lp, struct bpf_program *prog, const char *path,
			  uint64_t off, bool retprobe, uint64_t cookie);
/*
 * Closes a file: the probes added since the last call are opened in each process together.
 * Returns how many there were (0: nothing to sync) or -ENOMEM.
 */
int loader_pid__end_file(struct loader_pid *lp);
/* Gives every process of the tracked set the probes of the files closed since the last call. */
int loader_pid__sync(struct loader_pid *lp);
/* Opens every file's probes in pid (its children forked from now on inherit them). */
int loader_pid__track(struct loader_pid *lp, pid_t pid);
/* Closes the events of processes that exited once no traced process can hold a copy. */
void loader_pid__reap(struct loader_pid *lp);
uint64_t loader_pid__n_perf_events(const struct loader_pid *lp);
/* Closes every event and removes the tracefs events; NULL-safe. */
void loader_pid__free(struct loader_pid *lp);

#endif /* TT_LOADER_PID_H */
