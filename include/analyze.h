/* SPDX-License-Identifier: MIT */
/* analyze.h: findings (agent failure modes no status code shows) computed on a trace's spans. */
#ifndef TT_ANALYZE_H
#define TT_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

enum finding_kind {
	FINDING_RUNAWAY_ITERATION,
	FINDING_TOOL_LATENCY_CONCENTRATION,
	FINDING_ERROR_IN_CONTENT,
	FINDING_UNEXPECTED_TOOL,
	FINDING_RETRY_STORM,
	FINDING_SUBAGENT_FAILURE,
	FINDING__COUNT,
};

/* Thresholds; ANALYZE_OPTS_INIT holds the documented defaults (README "Findings"). */
struct analyze_opts {
	unsigned int runaway_repeats; /* same tool + same arguments this often in one run */
	unsigned int latency_share;  /* % of the run's wall time one tool/process/HTTP span takes */
	unsigned int latency_ratio;  /* ... and this many times its siblings' longest */
	unsigned int latency_min_ms; /* ... and at least this long (shorter: noise) */
	unsigned int retry_errors;   /* LLM errors (429, 5xx, overloaded) in one run */
};

#define ANALYZE_OPTS_INIT                                                      \
	{                                                                      \
		.runaway_repeats = 5, .latency_share = 50, .latency_ratio = 3, \
		.latency_min_ms = 1000, .retry_errors = 3                      \
	}

struct finding {
	enum finding_kind kind;
	struct tt_span *span;	   /* the span it cites (one of the analysed spans) */
	char summary[256];	   /* one line, no content (names and numbers only) */
	struct attr_list evidence; /* the facts behind it, for analyze --format json */
};

struct findings {
	struct finding *v;
	size_t n;
	size_t alloc;
};

/* A tool call's arguments as tt_span.tool_args_hash: FNV-1a, never 0; NULL: 0 (unknown). */
uint64_t analyze_args_hash(const char *args);

/* "runaway_iteration", ... */
const char *finding_kind_name(enum finding_kind k);

/*
 * Appends the findings of the spans of one trace (any order; spans of other traces are
 * analysed as their own tree) to out. Linear in n (plus n log n sorting). 0 or -ENOMEM.
 */
int analyze_trace(struct tt_span *const *spans, size_t n, const struct analyze_opts *o,
		  struct findings *out);
void findings_free(struct findings *f);

/*
 * Puts each finding on the span it cites as a `tracetree.finding` event (at the span's end)
 * with tracetree.finding.kind and tracetree.finding.summary. 0 or -ENOMEM.
 */
int findings_attach(const struct findings *f);

/*
 * The JSON line of a finding (no newline): {"kind","trace_id","span_id","summary",
 * "evidence":{...}}. Returns a malloc'd string or NULL.
 */
char *finding_json(const struct finding *f);

#ifdef __cplusplus
}
#endif
#endif /* TT_ANALYZE_H */
