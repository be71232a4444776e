/* SPDX-License-Identifier: MIT */
/* proctree.h: the table of traced processes fed by fork/exec/exit records, pid reuse safe. */
#ifndef TT_PROCTREE_H
#define TT_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * One process. Its identity is (pid, start_ns): a record with a known pid but another start
 * time is a new process (pid reuse). Threads are not processes. Times are boot-time ns.
 */
struct proc {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ns; /* process start (fork), with pid the identity */
	uint64_t exec_ns;  /* last exec, 0 if none seen */
	uint64_t exit_ns;  /* 0 while running */
	char *exe_path;	   /* current executable, "" when unknown */
	char *prev_exe;	   /* executable before the last exec, NULL if none */
	char **argv;	   /* current argv (argc entries, never NULL) */
	size_t argc;
	unsigned int n_exec;	/* execs seen */
	unsigned int n_spawned; /* children it started that the table saw (it is their parent) */
	bool args_truncated;	/* argv was cut by the kernel-side cap */
	bool preexisting;	/* running before the tracer attached */
	bool exited;
	bool exit_lost;	     /* replaced by a new process with its pid before its exit */
	int exit_code;	     /* (wait status >> 8) & 0xff */
	int exit_signal;     /* wait status & 0x7f, 0 when it exited normally */
	struct proc *parent; /* NULL when unknown or not traced */
	void *priv;	     /* the owner's data */

	/* Table internals. */
	unsigned int n_children; /* children still in the table */
	bool released;		 /* the owner is done with it */
	bool hashed;		 /* findable by pid (not replaced) */
	struct proc *hnext;
	struct proc *prev, *next;
};

struct proctree_ops {
	/*
	 * A running process was replaced by a new one with the same pid: its exit record was
	 * lost. It is already marked exited (exit_lost, exit_ns = the new start time); finish
	 * it here without releasing it: the table releases it after the call.
	 */
	void (*lost_exit)(struct proc *p, void *ctx);
	/* p leaves the table (released and no child needs it): free p->priv here. */
	void (*drop)(struct proc *p, void *ctx);
};

struct proctree_stats {
	uint64_t procs;		/* in the table now */
	uint64_t cap_hits;	/* processes not tracked: TT_MAX_PROCS reached */
	uint64_t reused;	/* pid reuse seen */
	uint64_t lost_exits;	/* running processes replaced without an exit record */
	uint64_t unknown_exits; /* exits of processes not in the table */
};

struct proctree;

/* ops may be NULL. */
struct proctree *proctree__new(const struct proctree_ops *ops, void *ctx);
/* Drops every process (ops->drop for each); NULL-safe. */
void proctree__free(struct proctree *t);

/*
 * A new process (not a thread). Returns 0 and *out, the new or already known process, or
 * -E2BIG when TT_MAX_PROCS processes are tracked, -ENOMEM.
 */
int proctree__fork(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
		   struct proc **out);
/*
 * pid executed path with args (args_len bytes, NUL-separated) at ts_ns. A pid not known yet
 * (fork not seen) is created. start_ns 0 means "the process now holding pid".
 */
int proctree__exec(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
		   uint64_t ts_ns, const char *path, size_t path_len, const char *args,
		   size_t args_len, bool args_truncated, struct proc **out);
/*
 * pid exited at ts_ns with a wait status. -ENOENT when the process is not in the table (or
 * start_ns, when not 0, names another process).
 */
int proctree__exit(struct proctree *t, uint32_t pid, uint64_t start_ns, uint64_t ts_ns,
		   int wait_status, struct proc **out);
/*
 * A process running before the tracer attached (marked preexisting). Add parents before
 * children (in start time order) so the parent links are found.
 */
int proctree__add_existing(struct proctree *t, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   const char *path, const char *args, size_t args_len, struct proc **out);

/* The process holding pid now (running, or exited and still kept), NULL if none. */
struct proc *proctree__find(const struct proctree *t, uint32_t pid);
/* The owner is done with p: it leaves the table once it has exited and no child needs it. */
void proctree__release(struct proctree *t, struct proc *p);
/* Iteration over every process in the table, oldest first. */
struct proc *proctree__first(const struct proctree *t);
struct proc *proctree__next(const struct proc *p);
void proctree__stats(const struct proctree *t, struct proctree_stats *st);

/* Basename of a path ("" for NULL). */
const char *proc_basename(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROCTREE_H */
