/* SPDX-License-Identifier: MIT */
/* analyze_internal.h: the tool-definition checks analyze.c uses (analyze_schema.c). */
#ifndef TT_ANALYZE_INTERNAL_H
#define TT_ANALYZE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

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

#endif /* TT_ANALYZE_INTERNAL_H */
