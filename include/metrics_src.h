/* SPDX-License-Identifier: MIT */
/* metrics_src.h: the tracer's counters (loader, events, pipeline, prober, exporter) gathered. */
#ifndef TT_METRICS_SRC_H
#define TT_METRICS_SRC_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "export.h"
#include "health.h"
#include "loader.h"
#include "metrics.h"
#include "pipeline.h"
#include "prober.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where the counters are (each may be NULL: its numbers stay 0). */
struct metrics_src {
	struct loader *loader;
	struct events *events;
	struct pipeline *pipe;
	struct prober *prober;
	struct exporter *exp;
	const struct metrics_capture *cap;
	const char *version;
};

/* The snapshot of every counter now (on the thread that owns them: main). */
void metrics_src_collect(const struct metrics_src *s, struct tt_metrics *m);
/* Collects and publishes to h once *last_ns is a second old (CLOCK_MONOTONIC). NULL-safe. */
void metrics_src_publish(struct health *h, const struct metrics_src *s, uint64_t *last_ns);
/*
 * The --stats lines on stderr: with stats, every counter; at exit (final) without it, only
 * the first line and only when records were lost, truncated or bad, and the warning when the
 * ring buffer overflowed.
 */
void metrics_src_log(const struct metrics_src *s, bool final, bool stats);

#ifdef __cplusplus
}
#endif
#endif /* TT_METRICS_SRC_H */
