/* SPDX-License-Identifier: MIT */
/*
 * prober.h: which files to probe as traced processes come and go: a program at exec, the
 * TLS libraries it loads (looked for again after a few delays), a library opened by path.
 */
#ifndef TT_PROBER_H
#define TT_PROBER_H

#include <sys/types.h>

#include "loader.h"

#ifdef __cplusplus
extern "C" {
#endif

struct prober;

/* Probes through l (borrowed). NULL + errno. */
struct prober *prober__new(struct loader *l);
/* One file, through the loader; a process gone meanwhile is not an error. */
void prober__file(struct prober *p, const char *path);
/* The same as a targets_*() callback (ctx = the prober). */
void prober_file_cb(const char *path, void *ctx);
/* The TLS libraries and executable of a running process. */
void prober__process(struct prober *p, pid_t pid);
/* A record: an exec or a library opened means files to probe, now and after delays. */
void prober__record(struct prober *p, const void *rec);
/* Looks again at the processes whose delay is over (called by the main loop). */
void prober__tick(struct prober *p);
void prober__free(struct prober *p);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROBER_H */
