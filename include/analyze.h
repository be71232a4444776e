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
	unsigned int runaway_stale;   /* tool calls in a row that brought no new result */
	unsigned int latency_share;  /* % of the run's wall time one tool/process/HTTP span takes */
	unsigned int latency_ratio;  /* ... and this many times its siblings' longest */
	unsigned int latency_min_ms; /* ... and at least this long (shorter: noise) */
	unsigned int retry_errors;   /* LLM errors (429, 5xx, overloaded) in one run */
};

#define ANALYZE_OPTS_INIT                                                                          \
	{                                                                                          \
		.runaway_repeats = 5, .runaway_stale = 6, .latency_share = 50, .latency_ratio = 3, \
		.latency_min_ms = 1000, .retry_errors = 3                                          \
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
/* A tool result as tt_span.tool_result_hash: the same, 0 for NULL and a blank one too. */
uint64_t analyze_result_hash(const char *result);

/*
 * The private record the live checks use without content (tt_span.tool_offer and
 * tool_args_shape): what analyze_tool_check reads and nothing else.
 *
 * analyze_offer_add appends tool name with the JSON schema params (may be NULL) to the array
 * offer as {name, parameters: {properties: {key: {type}}, required, additionalProperties}}:
 * no description, no enum, default or nested schema. A schema with more than
 * TT_MAX_OFFER_KEYS properties keeps none (any field fits), as with required names. 0 or
 * -ENOMEM (offer is then incomplete: do not use it).
 */
struct cJSON;
int analyze_offer_add(struct cJSON *offer, const char *name, const struct cJSON *params);
/*
 * The shape of a tool call's arguments: their top level with every value replaced by an empty
 * one of its JSON type ("", 0 for an integer, 0.5 for another number, false, null, [], {}),
 * "" when args is not JSON; malloc'd. NULL when args is NULL, the shape would pass
 * TT_MAX_ARGS_SHAPE bytes, or no memory.
 */
char *analyze_args_shape(const char *args);

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
 * The handoff on every sub-agent span (an agent span whose parent is a tool span, the call that
 * started it): tracetree.subagent.objective, the tool call's gen_ai.tool.call.arguments, and
 * tracetree.subagent.result, what it returned (gen_ai.tool.call.result); both only where that
 * content was captured, named in tracetree.content.truncated where it was cut. Linear. 0 or
 * -ENOMEM.
 */
int analyze_handoffs(struct tt_span *const *spans, size_t n);

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
