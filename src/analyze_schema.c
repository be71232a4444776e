// SPDX-License-Identifier: MIT
/* analyze_schema.c: a tool call against the tools offered (name, JSON, top-level schema). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* The function object of one entry: itself, or its "function" member (OpenAI chat). */
static const cJSON *def_fn(const cJSON *e)
{
	const cJSON *f = member(e, "function");

	return cJSON_IsObject(f) ? f : e;
}

static const cJSON *def_params(const cJSON *e)
{
	const cJSON *f = def_fn(e), *p = member(f, "parameters");

	if (!p)
		p = member(f, "input_schema");
	if (!p)
		p = member(f, "inputSchema"); /* MCP */
	return cJSON_IsObject(p) ? p : NULL;
}

/*
 * Walks the entries of defs: each array element, and the elements of a Gemini
 * functionDeclarations member (one level: a definition list nests no deeper).
 */
static const cJSON *def_walk(const cJSON *defs, const char *name,
			     void (*fn)(const char *name, void *ctx), void *ctx)
{
	const cJSON *e, *d, *decls;
	const char *n;

	cJSON_ArrayForEach(e, defs) {
		decls = member(e, "functionDeclarations");
		if (!decls)
			decls = member(e, "function_declarations");
		if (cJSON_IsArray(decls)) {
			cJSON_ArrayForEach(d, decls) {
				n = cJSON_GetStringValue(member(d, "name"));
				if (n && fn)
					fn(n, ctx);
				if (n && name && !strcmp(n, name))
					return d;
			}
			continue;
		}
		n = cJSON_GetStringValue(member(def_fn(e), "name"));
		if (n && fn)
			fn(n, ctx);
		if (n && name && !strcmp(n, name))
			return e;
	}
	return NULL;
}

const cJSON *analyze_tool_def(const cJSON *defs, const char *name)
{
	return def_walk(defs, name, NULL, NULL);
}

void analyze_tool_names(const cJSON *defs, void (*fn)(const char *name, void *ctx), void *ctx)
{
	def_walk(defs, NULL, fn, ctx);
}

/* JSON Schema's type names; "integer" is a number without a fraction. */
static bool type_fits(const char *type, const cJSON *v)
{
	if (!strcmp(type, "string"))
		return cJSON_IsString(v);
	if (!strcmp(type, "number"))
		return cJSON_IsNumber(v);
	if (!strcmp(type, "integer"))
		return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
	if (!strcmp(type, "boolean"))
		return cJSON_IsBool(v);
	if (!strcmp(type, "object"))
		return cJSON_IsObject(v);
	if (!strcmp(type, "array"))
		return cJSON_IsArray(v);
	if (!strcmp(type, "null"))
		return cJSON_IsNull(v);
	return true; /* a type this check does not know: not held against the call */
}

/* The property's "type" (a name or a list of names) admits v; no type admits anything. */
static bool prop_fits(const cJSON *prop, const cJSON *v)
{
	const cJSON *t = member(prop, "type"), *e;

	if (cJSON_IsString(t))
		return type_fits(t->valuestring, v);
	if (!cJSON_IsArray(t))
		return true;
	cJSON_ArrayForEach(e, t) {
		if (cJSON_IsString(e) && type_fits(e->valuestring, v))
			return true;
	}
	return false;
}

/* The top level of the arguments against the schema's properties, required and types. */
static enum tool_check args_fit(const cJSON *schema, const cJSON *args, char *why, size_t len)
{
	const cJSON *props = member(schema, "properties"), *req, *e, *p;
	const cJSON *extra = member(schema, "additionalProperties");
	bool closed = props && !cJSON_IsTrue(extra) && !cJSON_IsObject(extra);

	if (!cJSON_IsObject(args)) {
		snprintf(why, len, "arguments are not an object");
		return TOOL_ARGS_MISFIT;
	}
	req = member(schema, "required");
	cJSON_ArrayForEach(e, req) {
		if (cJSON_IsString(e) && !member(args, e->valuestring)) {
			snprintf(why, len, "required field %s missing", e->valuestring);
			return TOOL_ARGS_MISFIT;
		}
	}
	cJSON_ArrayForEach(e, args) {
		p = props ? member(props, e->string) : NULL;
		if (!p && closed) {
			snprintf(why, len, "unknown field %s", e->string);
			return TOOL_ARGS_MISFIT;
		}
		if (p && !prop_fits(p, e)) {
			snprintf(why, len, "field %s of the wrong type", e->string);
			return TOOL_ARGS_MISFIT;
		}
	}
	return TOOL_FITS;
}

enum tool_check analyze_tool_check(const cJSON *defs, const char *name, const char *args, char *why,
				   size_t len)
{
	const cJSON *def = analyze_tool_def(defs, name), *schema;
	enum tool_check r = TOOL_FITS;
	cJSON *a;

	if (len)
		why[0] = '\0';
	if (!def)
		return TOOL_NOT_OFFERED;
	if (!args)
		return TOOL_FITS;
	a = cJSON_Parse(args);
	if (!a)
		return TOOL_ARGS_NOT_JSON;
	schema = def_params(def);
	if (schema)
		r = args_fit(schema, a, why, len);
	cJSON_Delete(a);
	return r;
}
