/* SPDX-License-Identifier: MIT */
/*
 * holdwatch.h: continuing the processes the kernel stopped at exec (bpf/proc.bpf.c "held" and
 * "hold_ctl" maps), and a watchdog process that does it when the tracer cannot: killed, stopped
 * or stuck, a held process is continued all the same.
 */
#ifndef TT_HOLDWATCH_H
#define TT_HOLDWATCH_H

#include <stdint.h>
#include <sys/types.h>

#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Continues pid if the "held" map (held_fd) still holds it (start_ns: its start, 0: any), by
 * deleting its entry first: whoever deletes it continues it, once. Its entry goes to *out. A
 * process someone else stopped meanwhile (TT_HOLD_USER_STOP) is left to them. Returns 1 when
 * continued, 0 when left stopped or not held (out->since_ns = 0 then), -errno when SIGCONT
 * failed.
 */
int holdwatch_release(int held_fd, pid_t pid, uint64_t start_ns, struct tt_hold *out);
/*
 * Stops holding (hold_ctl[0] = 1), waits until no exec program can still add a process, and
 * continues every held process. Returns how many were continued.
 */
int holdwatch_end_all(int held_fd, int ctl_fd);

struct holdwatch {
	pid_t pid; /* the watchdog; 0: none */
	int fd;	   /* our end of its pipe: it ends all holds when this closes */
};

/*
 * Starts the watchdog: a process of its own (own session: a terminal's signals to the tracer
 * do not reach it; only CAP_KILL kept) that continues a process held longer than twice
 * timeout_ms plus a second (the tracer's own deadline goes first), and every held one once the
 * tracer is gone (its pipe closed). Call it before
 * the tracer drops its capabilities. 0 or -errno.
 */
int holdwatch__start(struct holdwatch *w, int held_fd, int ctl_fd, unsigned int timeout_ms);
/* Closes the pipe and reaps the watchdog (after it ended the holds); no-op without one. */
void holdwatch__stop(struct holdwatch *w);

#ifdef __cplusplus
}
#endif
#endif /* TT_HOLDWATCH_H */
