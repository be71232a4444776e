/* SPDX-License-Identifier: MIT */
/*
 * health.h: --health-addr, a small HTTP/1.1 server on its own thread serving /healthz and
 * /metrics from the snapshot the main thread publishes (it reads nothing else of the tracer).
 */
#ifndef TT_HEALTH_H
#define TT_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_HEALTH_MAX_CLIENTS 16   /* at once; a new one past it closes the oldest */
#define TT_HEALTH_TIMEOUT_MS  5000 /* a client's whole exchange, from accept to close */

struct health;

/*
 * Listens on addr ("HOST:PORT", "[V6]:PORT", ":PORT" for every address; port 0 picks one)
 * and starts the server thread, which runs thread_init (may be NULL) first. NULL with errno
 * and a one-line message in err (e.g. "cannot listen on 127.0.0.1:9464: Address already in
 * use") on failure.
 */
struct health *health__new(const char *addr, void (*thread_init)(void), char *err, size_t errlen);
/* The port listened on (the one chosen for port 0). */
int health__port(const struct health *h);
/* A new snapshot, now_ns on CLOCK_MONOTONIC; the main thread's only cost. NULL-safe. */
void health__publish(struct health *h, const struct tt_metrics *m, uint64_t now_ns);
/* Stops the thread, closes every socket. NULL-safe. */
void health__free(struct health *h);

#ifdef __cplusplus
}
#endif
#endif /* TT_HEALTH_H */
