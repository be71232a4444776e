/* SPDX-License-Identifier: MIT */
/* analyze_internal.h: the span index (analyze_index.c), tool-definition checks (analyze_schema.c). */
#ifndef TT_ANALYZE_INTERNAL_H
#define TT_ANALYZE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

enum tool_check {
	TOOL_FITS = 0,
	TOOL_NOT_OFFERED,
	TOOL_ARGS_NOT_JSON,
	TOOL_ARGS_MISFIT, /* required field missing, unknown field or wrong type */
};

/*
 * The definition of tool name in defs (gen_ai.tool.definitions parsed: the GenAI shape
 * {type, name, parameters}, OpenAI chat's {type, function: {name, parameters}}, Anthropic's
 * {name, input_schema}, Gemini's {functionDeclarations: [...]}), NULL if none.
 */
const cJSON *analyze_tool_def(const cJSON *defs, const char *name);
/* Calls fn on every tool name defs offers (shapes as above). */
void analyze_tool_names(const cJSON *defs, void (*fn)(const char *name, void *ctx), void *ctx);
/*
 * Whether the call of name with arguments args (JSON text, NULL: unknown) fits defs; why gets
 * the field at fault for TOOL_ARGS_MISFIT (a name from the schema or the arguments).
 */
enum tool_check analyze_tool_check(const cJSON *defs, const char *name, const char *args, char *why,
				   size_t len);

/* What a span is in an agent run. */
#define ANALYZE_NONE SIZE_MAX

enum role {
	ROLE_OTHER,
	ROLE_AGENT,
	ROLE_LLM,
	ROLE_TOOL,
	ROLE_PROCESS,
	ROLE_HTTP,
};

struct node {
	struct tt_span *s;
	size_t parent; /* index, ANALYZE_NONE for a root (or a parent not in the trace) */
	size_t run;    /* the nearest agent above (a root when there is none) */
	enum role role;
	uint64_t dur;
	size_t top;	  /* the longest child */
	uint64_t top_dur; /* its duration and the second longest's */
	uint64_t second_dur;
	size_t n_children;
	cJSON *defs; /* LLM: gen_ai.tool.definitions parsed, once */
	bool defs_read;
};

struct index {
	struct node *v;
	size_t n;
	size_t *slots; /* open addressing on span ids: node index + 1, 0 empty */
	size_t mask;
	size_t *first; /* children as lists in span order: first[parent], next[child] */
	size_t *next;
};

/*
 * Indexes spans[0..n) (one trace): parents by id (a loop of parents or a missing parent makes
 * a root; a duplicate id keeps the first span), roles, runs, durations, children. Linear.
 * 0 or -ENOMEM (free it either way).
 */
int aindex__build(struct index *x, struct tt_span *const *spans, size_t n);
void aindex__free(struct index *x);

/* An LLM node's gen_ai.tool.definitions parsed (an array; once, kept in nd), NULL if none. */
cJSON *analyze_node_defs(struct node *nd);

#endif /* TT_ANALYZE_INTERNAL_H */
