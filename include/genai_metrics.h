/* SPDX-License-Identifier: MIT */
/* genai_metrics.h: GenAI metrics aggregated in memory from finished spans (bounded series). */
#ifndef TT_GENAI_METRICS_H
#define TT_GENAI_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

enum gm_metric {
	GM_TOKEN_USAGE,	  /* gen_ai.client.token.usage, histogram {token} */
	GM_OP_DURATION,	  /* gen_ai.client.operation.duration, histogram s */
	GM_TOOL_DURATION, /* tracetree.tool.duration, histogram s (execute_tool spans) */
	GM_FINDINGS,	  /* tracetree.findings, counter {finding} (tracetree.finding events) */
	GM_N_METRICS,
};

/* The attributes of one series: NULL when absent. */
enum gm_attr {
	GM_A_OPERATION, /* gen_ai.operation.name */
	GM_A_PROVIDER,	/* gen_ai.provider.name */
	GM_A_MODEL,	/* gen_ai.request.model */
	GM_A_AGENT,	/* gen_ai.agent.name: the service.name of the process's resource */
	GM_A_TOKEN,	/* gen_ai.token.type: input, output */
	GM_A_ERROR,	/* error.type */
	GM_A_TOOL,	/* gen_ai.tool.name */
	GM_A_KIND,	/* tracetree.finding.kind */
	GM_N_ATTRS,
};

#define GM_MAX_BOUNDS 16

struct gm_series {
	enum gm_metric metric;
	char *attrs[GM_N_ATTRS];
	uint64_t count;
	double sum;
	double min, max;
	uint64_t buckets[GM_MAX_BOUNDS + 1]; /* histograms: one more than the bounds */
};

struct genai_metrics;

/* NULL and errno on failure. max_series: the cap on series (0: TT_MAX_METRIC_SERIES). */
struct genai_metrics *genai_metrics__new(size_t max_series);
void genai_metrics__free(struct genai_metrics *m);
/* Counts what span s shows: LLM calls, tool executions, findings. Keeps no reference. */
void genai_metrics__span(struct genai_metrics *m, const struct tt_span *s);

/* One tracetree.finding of kind (an event on a span): counted in tracetree.findings. */
void genai_metrics__finding(struct genai_metrics *m, const char *kind, uint64_t ts_ns);

/* The metric's name, unit, and histogram bounds (n_bounds 0: a counter). */
const char *gm_metric_name(enum gm_metric k);
const char *gm_metric_unit(enum gm_metric k);
const double *gm_metric_bounds(enum gm_metric k, size_t *n_bounds);
const char *gm_attr_key(enum gm_attr a);

/* The series so far (stable order of creation); NULL when none. */
const struct gm_series *genai_metrics__series(const struct genai_metrics *m, size_t *n);
/* Data points not counted because the series cap was reached. */
uint64_t genai_metrics__dropped(const struct genai_metrics *m);
/* The boot-time ns of the first data point (the series' start time); 0 when none. */
uint64_t genai_metrics__start_ns(const struct genai_metrics *m);

#ifdef __cplusplus
}
#endif
#endif /* TT_GENAI_METRICS_H */
