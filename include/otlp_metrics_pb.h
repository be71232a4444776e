/* SPDX-License-Identifier: MIT */
/* otlp_metrics_pb.h: the GenAI metrics as an OTLP ExportMetricsServiceRequest (protobuf). */
#ifndef TT_OTLP_METRICS_PB_H
#define TT_OTLP_METRICS_PB_H

#include <stdint.h>

#include "buf.h"
#include "genai_metrics.h"
#include "otlp_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Appends the ExportMetricsServiceRequest (same message as MetricsData) with the content
 * otlp_metrics_json() gives: every series of m, cumulative from m's first data point to now_ns
 * (boot time). b needs about 32 bytes of headroom past the final size. 0, -E2BIG at b's cap,
 * -ENOMEM.
 */
int otlp_metrics_pb(struct tt_buf *b, const struct genai_metrics *m, const struct otlp_clock *clock,
		    uint64_t now_ns, const char *version);

#ifdef __cplusplus
}
#endif
#endif /* TT_OTLP_METRICS_PB_H */
