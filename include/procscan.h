/* SPDX-License-Identifier: MIT */
/* procscan.h: the processes that ran before the tracer, read from /proc. */
#ifndef TT_PROCSCAN_H
#define TT_PROCSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_PROCSCAN_EXE_MAX  4096 /* the executable's path */
#define TT_PROCSCAN_DEPTH    64	  /* levels of descendants procscan_tree goes down */
#define TT_PROCSCAN_CHILDREN 256  /* children of one process it visits */

/* What /proc tells about one running process. */
struct procscan_info {
	uint32_t pid;
	uint32_t ppid;
	uint64_t start_ns;	       /* boot-clock ns, clock-tick precision */
	char exe[TT_PROCSCAN_EXE_MAX]; /* "" when unreadable */
	char args[TT_ARGS_MAX];	       /* NUL-separated argv, as the kernel keeps it */
	size_t args_len;
};

/* Called for each process visited; a nonzero return keeps procscan_tree out of its children. */
typedef int (*procscan_fn)(pid_t pid, void *ctx);

/*
 * The ppid (field 4) and start time in clock ticks since boot (field 22) of one
 * /proc/PID/stat line. The command name may hold spaces and parentheses: the fields are
 * counted from its last ')'. 0 or -EBADMSG.
 */
int procscan_parse_stat(const char *line, uint32_t *ppid, uint64_t *start_ticks);
/* The same of a running process, read from /proc/PID/stat: 0, -errno, -EBADMSG. */
int procscan_stat_ticks(pid_t pid, uint32_t *ppid, uint64_t *start_ticks);
/* Its ppid and start time in boot-clock ns (clock-tick precision): as procscan_stat_ticks. */
int procscan_stat(pid_t pid, uint32_t *ppid, uint64_t *start_ns);
/* Its stat, executable and command line: 0 or as procscan_stat (exe and args may be empty). */
int procscan_read(pid_t pid, struct procscan_info *pi);
/* Visits pid, then its descendants depth first (see the limits above). */
void procscan_tree(pid_t pid, procscan_fn fn, void *ctx);
/*
 * Visits every process but the caller, oldest first (parents start before their children,
 * so they come first). 0, -errno when /proc cannot be listed, or -ENOMEM (those listed
 * before memory ran out were visited).
 */
int procscan_all(procscan_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROCSCAN_H */
