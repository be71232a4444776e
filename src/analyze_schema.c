// SPDX-License-Identifier: MIT
/* analyze_schema.c: a tool call against the tools offered (name, JSON, top-level schema). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze_internal.h"
#include "tt_limits.h"

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

/* No fraction (and in range: a cast of a larger double is undefined). */
static bool integral(double d)
{
	return d > -9e18 && d < 9e18 && d == (double)(long long)d;
}

/* JSON Schema's type names; "integer" is a number without a fraction. */
static bool type_fits(const char *type, const cJSON *v)
{
	if (!strcmp(type, "string"))
		return cJSON_IsString(v);
	if (!strcmp(type, "number"))
		return cJSON_IsNumber(v);
	if (!strcmp(type, "integer"))
		return cJSON_IsNumber(v) && integral(v->valuedouble);
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

/*
 * A field name as a summary may show it (exported without content): a plain identifier, else
 * a placeholder.
 */
static const char *shown(const char *name)
{
	size_t n =
		strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");

	return n && n <= 64 && !name[n] ? name : "(not an identifier)";
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
			snprintf(why, len, "required field %s missing", shown(e->valuestring));
			return TOOL_ARGS_MISFIT;
		}
	}
	cJSON_ArrayForEach(e, args) {
		p = props ? member(props, e->string) : NULL;
		if (!p && closed) {
			snprintf(why, len, "unknown field %s", shown(e->string));
			return TOOL_ARGS_MISFIT;
		}
		if (p && !prop_fits(p, e)) {
			snprintf(why, len, "field %s of the wrong type", shown(e->string));
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

/* ---- the private offer and argument shapes (live, without content) ---- */

/* {type} of a property schema when its type is a name or a list of names, else {}. */
static cJSON *offer_prop(const cJSON *prop)
{
	const cJSON *t = member(prop, "type"), *e;
	cJSON *o = cJSON_CreateObject();
	bool names = cJSON_IsString(t) || (cJSON_IsArray(t) && cJSON_GetArraySize(t) <= 8);

	cJSON_ArrayForEach(e, t) /* a string has no items */
		names &= cJSON_IsString(e);
	if (o && names && !cJSON_AddItemToObject(o, "type", cJSON_Duplicate(t, true))) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Whether the member key of o is an array or object with at most TT_MAX_OFFER_KEYS items. */
static const cJSON *few(const cJSON *o, const char *key)
{
	const cJSON *v = member(o, key), *e;
	int n = 0;

	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return NULL;
	cJSON_ArrayForEach(e, v) {
		if (++n > TT_MAX_OFFER_KEYS)
			return NULL;
	}
	return v;
}

/* The schema as args_fit reads it: properties' types, required names, additionalProperties. */
static cJSON *offer_schema(const cJSON *schema)
{
	const cJSON *props = few(schema, "properties"), *req = few(schema, "required"), *e;
	const cJSON *extra = member(schema, "additionalProperties");
	cJSON *o = cJSON_CreateObject(), *po = NULL, *ro = NULL, *v;
	bool ok = o != NULL;

	if (ok && cJSON_IsObject(props)) {
		po = cJSON_AddObjectToObject(o, "properties");
		ok = po && (!extra ||
			    cJSON_AddBoolToObject(o, "additionalProperties",
						  cJSON_IsTrue(extra) || cJSON_IsObject(extra)));
		cJSON_ArrayForEach(e, props) {
			if (!ok)
				break;
			v = offer_prop(e);
			ok = v && cJSON_AddItemToObject(po, e->string, v);
			if (!ok) {
				cJSON_Delete(v);
				break;
			}
		}
	}
	if (ok && cJSON_IsArray(req)) {
		ro = cJSON_AddArrayToObject(o, "required");
		ok = ro != NULL;
		cJSON_ArrayForEach(e, req) {
			if (ok && cJSON_IsString(e) &&
			    !cJSON_AddItemToArray(ro, cJSON_CreateString(e->valuestring))) {
				ok = false;
				break;
			}
		}
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int analyze_offer_add(struct cJSON *offer, const char *name, const struct cJSON *params)
{
	cJSON *e = cJSON_CreateObject(),
	      *sch = cJSON_IsObject(params) ? offer_schema(params) : NULL;

	if (!e || (cJSON_IsObject(params) && !sch) ||
	    !cJSON_AddStringToObject(e, "name", name ? name : "") ||
	    (sch && !cJSON_AddItemToObject(e, "parameters", sch))) {
		cJSON_Delete(sch);
		cJSON_Delete(e);
		return -ENOMEM;
	}
	if (!cJSON_AddItemToArray(offer, e)) {
		cJSON_Delete(e);
		return -ENOMEM;
	}
	return 0;
}

/* An empty value of v's JSON type (numbers: integral or not, as type_fits tells them). */
static cJSON *empty_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return cJSON_CreateString("");
	if (cJSON_IsNumber(v))
		return cJSON_CreateNumber(integral(v->valuedouble) ? 0 : 0.5);
	if (cJSON_IsBool(v))
		return cJSON_CreateFalse();
	if (cJSON_IsArray(v))
		return cJSON_CreateArray();
	if (cJSON_IsObject(v))
		return cJSON_CreateObject();
	return cJSON_CreateNull();
}

char *analyze_args_shape(const char *args)
{
	cJSON *a, *o, *v, *e, *keys;
	char *s = NULL;
	bool ok = true;

	if (!args)
		return NULL;
	a = cJSON_Parse(args);
	if (!a)
		return strdup(""); /* not JSON: "", which does not parse either */
	o = empty_of(a);
	ok = o != NULL;
	keys = cJSON_IsObject(o) ? a : NULL; /* an object's members; other values stand alone */
	cJSON_ArrayForEach(e, keys) {
		v = empty_of(e);
		ok = ok && v && cJSON_AddItemToObject(o, e->string, v);
		if (!ok) {
			cJSON_Delete(v);
			break;
		}
	}
	if (ok)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(a);
	if (s && strlen(s) > TT_MAX_ARGS_SHAPE) {
		free(s);
		s = NULL;
	}
	return s;
}
