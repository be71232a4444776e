/* SPDX-License-Identifier: MIT */
/* otlp_metrics.h: the GenAI metrics as OTLP MetricsData (JSON). */
#ifndef TT_OTLP_METRICS_H
#define TT_OTLP_METRICS_H

#include <stdint.h>

#include "buf.h"
#include "genai_metrics.h"
#include "otlp_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* AggregationTemporality: every metric is cumulative from the first data point. */
#define OTLP_TEMPORALITY_CUMULATIVE 2

/*
 * The Unix times of the data points: *start, the first data point of m (or now when there is
 * none yet or it is later), and *now_ns (boot time in, Unix time out).
 */
void otlp_metrics_times(const struct genai_metrics *m, const struct otlp_clock *clock,
			uint64_t *start, uint64_t *now_ns);

/*
 * Appends one MetricsData JSON object (no newline) with every series of m, cumulative from
 * m's first data point to now_ns (boot time; the clock turns both into Unix time). Metrics
 * without series are left out. 0, or -ENOMEM / -E2BIG from the buffer.
 */
int otlp_metrics_json(struct tt_buf *b, const struct genai_metrics *m,
		      const struct otlp_clock *clock, uint64_t now_ns, const char *version);

#ifdef __cplusplus
}
#endif
#endif /* TT_OTLP_METRICS_H */
