// SPDX-License-Identifier: MIT
/*
 * view_read.c: one line of OTLP JSON Lines (ours or any tracer's) to the compact span records
 * of the page. The input is anybody's: every string leaves through view_escape(), every
 * member may be missing or of the wrong type, and the work is linear in the line.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonstr.h"
#include "tt_limits.h"
#include "view_internal.h"

static const char *const kind_names[] = {
	[VIEW_KIND_OTHER] = "other", [VIEW_KIND_AGENT] = "agent",     [VIEW_KIND_LLM] = "llm",
	[VIEW_KIND_TOOL] = "tool",   [VIEW_KIND_PROCESS] = "process", [VIEW_KIND_HTTP] = "http",
	[VIEW_KIND_MCP] = "mcp",
};

const char *view_kind_name(enum view_kind k)
{
	return (unsigned int)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] :
									      "other";
}

int view_escape(struct tt_buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	int err = 0;

	if (!n) /* s may be the NULL of an empty buffer */
		return 0;
	for (i = 0; i < n && !err; i++) {
		const char *esc = NULL;
		unsigned char c = (unsigned char)s[i];

		if (c == '<')
			esc = "\\u003c";
		else if (c == '>')
			esc = "\\u003e";
		else if (c == '&')
			esc = "\\u0026";
		else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] & 0xfe) == 0xa8)
			esc = (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
		if (!esc)
			continue;
		err = jsonstr_escape(b, s + run, i - run, 0) ?: tt_buf_addstr(b, esc);
		if (c == 0xe2)
			i += 2;
		run = i + 1;
	}
	return err ?: jsonstr_escape(b, s + run, n - run, 0);
}

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* o when it is an array, else NULL (no elements). */
static const cJSON *array_of(const cJSON *o)
{
	return cJSON_IsArray(o) ? o : NULL;
}

static const char *member_str(const cJSON *o, const char *name)
{
	const cJSON *m = member(o, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* A number as JSON writes it: integers exactly (up to 2^53), others with 17 digits. */
static int add_number(struct tt_buf *b, double d)
{
	if (!isfinite(d))
		return tt_buf_addstr(b, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return tt_buf_printf(b, "%.0f", d);
	return tt_buf_printf(b, "%.17g", d);
}

static int add_quoted(struct tt_buf *b, const char *s)
{
	return tt_buf_addc(b, '"') ?: jsonstr_escape(b, s, strlen(s), 0) ?: tt_buf_addc(b, '"');
}

static int value_text(struct tt_buf *b, const cJSON *v, bool nested);

/* arrayValue and kvlistValue as JSON text: [a,b] and {"k":v}. */
static int list_text(struct tt_buf *b, const cJSON *list, bool kv)
{
	const cJSON *vals = member(list, "values"), *e;
	int err = tt_buf_addc(b, kv ? '{' : '['), i = 0;

	cJSON_ArrayForEach(e, array_of(vals)) {
		const char *k = kv ? member_str(e, "key") : NULL;

		err = err ?: i++ ? tt_buf_addc(b, ',') : 0;
		if (kv)
			err = err ?: add_quoted(b, k ? k : "") ?: tt_buf_addc(b, ':');
		err = err ?: value_text(b, kv ? member(e, "value") : e, true);
	}
	return err ?: tt_buf_addc(b, kv ? '}' : ']');
}

/*
 * An AnyValue as the text the page shows: a string as it is (nested in a list: quoted),
 * numbers and booleans as JSON writes them, lists as JSON. Depth is cJSON's nesting limit.
 */
static int value_text(struct tt_buf *b, const cJSON *v, bool nested)
{
	const cJSON *m;

	if ((m = member(v, "stringValue")) || (m = member(v, "bytesValue"))) {
		if (!cJSON_IsString(m))
			return 0;
		return nested ? add_quoted(b, m->valuestring) : tt_buf_addstr(b, m->valuestring);
	}
	if ((m = member(v, "boolValue")))
		return tt_buf_addstr(b, cJSON_IsTrue(m) ? "true" : "false");
	if ((m = member(v, "intValue")) || (m = member(v, "doubleValue"))) {
		if (cJSON_IsNumber(m))
			return add_number(b, m->valuedouble);
		/* int64 as a string (OTLP JSON), NaN and Infinity as strings: as they are */
		return cJSON_IsString(m) ? tt_buf_addstr(b, m->valuestring) : 0;
	}
	if ((m = member(v, "arrayValue")))
		return list_text(b, m, false);
	if ((m = member(v, "kvlistValue")))
		return list_text(b, m, true);
	return nested ? tt_buf_addstr(b, "null") : 0;
}

static int add_str(struct tt_buf *b, const char *s)
{
	return tt_buf_addc(b, '"') ?: view_escape(b, s, strlen(s)) ?: tt_buf_addc(b, '"');
}

/* "key":"value" for the page, from a string member (missing: an empty string). */
static int add_member(struct tt_buf *b, const char *key, const cJSON *o, const char *name)
{
	const char *s = member_str(o, name);

	return tt_buf_printf(b, "\"%s\":", key) ?: add_str(b, s ? s : "");
}

/* [[key,value],...] of an attribute array, values as text. */
static int add_attrs(struct view *v, struct tt_buf *b, const cJSON *attrs)
{
	const cJSON *a;
	int err = tt_buf_addc(b, '['), i = 0;

	cJSON_ArrayForEach(a, array_of(attrs)) {
		const char *k = member_str(a, "key");

		tt_buf_reset(&v->tmp);
		err = err ?: value_text(&v->tmp, member(a, "value"), false);
		err = err ?: tt_buf_addstr(b, i++ ? ",[" : "[") ?: add_str(b, k ? k : "");
		err = err ?: tt_buf_addc(b, ',') ?: tt_buf_addc(b, '"');
		err = err ?: view_escape(b, (const char *)v->tmp.data, v->tmp.len);
		err = err ?: tt_buf_addstr(b, "\"]");
		if (err)
			return err;
	}
	return tt_buf_addc(b, ']');
}

/* Nanoseconds since the epoch: a decimal string (OTLP JSON) or a number; else 0. */
static uint64_t time_ns(const cJSON *m)
{
	if (cJSON_IsNumber(m))
		return m->valuedouble > 0 && m->valuedouble < 1.8e19 ? (uint64_t)m->valuedouble : 0;
	if (cJSON_IsString(m)) {
		char *end;
		unsigned long long t = strtoull(m->valuestring, &end, 10);

		return *end || m->valuestring[0] == '-' ? 0 : (uint64_t)t;
	}
	return 0;
}

/* An enum of OTLP JSON: its number, or its name ("STATUS_CODE_ERROR") matched to names[]. */
static int enum_value(const cJSON *m, const char *const *names, int n)
{
	int i;

	if (cJSON_IsNumber(m))
		return m->valuedouble >= 0 && m->valuedouble < 16 ? (int)m->valuedouble : 0;
	for (i = 0; cJSON_IsString(m) && i < n; i++)
		if (!strcmp(m->valuestring, names[i]))
			return i;
	return 0;
}

static bool attr_is(const cJSON *attrs, const char *key, const char **val)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, array_of(attrs)) {
		const char *k = member_str(a, "key");

		if (k && !strcmp(k, key)) {
			*val = member_str(member(a, "value"), "stringValue");
			return true;
		}
	}
	return false;
}

enum view_kind view_span_kind(const char *name, const void *attrs_json)
{
	const cJSON *attrs = attrs_json;
	const char *op = NULL, *s;

	if (attr_is(attrs, "mcp.method.name", &s))
		return VIEW_KIND_MCP;
	if (attr_is(attrs, "gen_ai.operation.name", &op) && op) {
		if (!strcmp(op, "invoke_agent") || !strcmp(op, "create_agent"))
			return VIEW_KIND_AGENT;
		return strcmp(op, "execute_tool") ? VIEW_KIND_LLM : VIEW_KIND_TOOL;
	}
	if (attr_is(attrs, "gen_ai.request.model", &s))
		return VIEW_KIND_LLM;
	if (attr_is(attrs, "process.exit.code", &s) || (name && !strncmp(name, "exec ", 5)))
		return VIEW_KIND_PROCESS;
	if (attr_is(attrs, "http.request.method", &s) ||
	    attr_is(attrs, "http.response.status_code", &s))
		return VIEW_KIND_HTTP;
	return VIEW_KIND_OTHER;
}

static int add_events(struct view *v, struct tt_buf *b, const cJSON *events, uint64_t start)
{
	const cJSON *e;
	int err = tt_buf_addstr(b, ",\"e\":["), i = 0;

	cJSON_ArrayForEach(e, array_of(events)) {
		uint64_t t = time_ns(member(e, "timeUnixNano"));

		err = err ?: tt_buf_addstr(b, i++ ? ",{" : "{") ?: add_member(b, "n", e, "name");
		err = err ?: tt_buf_printf(b, ",\"o\":%lld,\"a\":", t ? (long long)(t - start) : 0);
		err = err ?: add_attrs(v, b, member(e, "attributes")) ?: tt_buf_addc(b, '}');
		if (err)
			return err;
	}
	return tt_buf_addc(b, ']');
}

static const char *const status_names[] = { "STATUS_CODE_UNSET", "STATUS_CODE_OK",
					    "STATUS_CODE_ERROR" };
static const char *const kind_enum[] = { "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
					 "SPAN_KIND_SERVER",	  "SPAN_KIND_CLIENT",
					 "SPAN_KIND_PRODUCER",	  "SPAN_KIND_CONSUMER" };

/* The members of one span after its times, "...}", appended to b. */
static int span_text(struct view *v, struct tt_buf *b, const cJSON *s, size_t res, uint64_t st)
{
	const cJSON *attrs = member(s, "attributes"), *status = member(s, "status");
	const char *name = member_str(s, "name"), *link = NULL;
	enum view_kind k = view_span_kind(name, attrs);
	int err;

	err = add_member(b, "t", s, "traceId") ?: tt_buf_addc(b, ',');
	err = err ?: add_member(b, "s", s, "spanId") ?: tt_buf_addc(b, ',');
	err = err ?: add_member(b, "p", s, "parentSpanId") ?: tt_buf_addc(b, ',');
	err = err ?: add_member(b, "n", s, "name");
	err = err   ?:
		      tt_buf_printf(b, ",\"k\":%d,\"y\":\"%s\",\"r\":%zu,\"c\":%d,",
				    enum_value(member(s, "kind"), kind_enum, 6), view_kind_name(k),
				    res, enum_value(member(status, "code"), status_names, 3));
	err = err ?: add_member(b, "m", status, "message");
	if (attr_is(attrs, "tracetree.link", &link) && link && !strcmp(link, "inferred"))
		err = err ?: tt_buf_addstr(b, ",\"i\":1");
	err = err ?: tt_buf_addstr(b, ",\"a\":") ?: add_attrs(v, b, attrs);
	err = err ?: add_events(v, b, member(s, "events"), st);
	return err ?: tt_buf_addc(b, '}');
}

/* Keeps one span, or counts it dropped when a cap is reached. 0 or -ENOMEM. */
static int keep_span(struct view *v, const cJSON *s, size_t res)
{
	size_t off = v->data.len, n = v->st.spans;
	struct view_span *vs;
	int err;

	if (!cJSON_IsObject(s)) {
		v->st.bad_spans++;
		return 0;
	}
	if (n >= v->o.max_spans) {
		v->st.dropped++;
		return 0;
	}
	if (tt_ensure_mem((void **)&v->spans, &v->cap_spans, sizeof(*v->spans), n + 1))
		return -ENOMEM;
	vs = &v->spans[n];
	vs->start_ns = time_ns(member(s, "startTimeUnixNano"));
	vs->end_ns = time_ns(member(s, "endTimeUnixNano"));
	if (vs->end_ns < vs->start_ns)
		vs->end_ns = vs->start_ns;
	err = span_text(v, &v->data, s, res, vs->start_ns);
	if (err) {
		v->data.len = off; /* what it wrote is taken back */
		if (err != -E2BIG)
			return err;
		v->st.dropped++;
		return 0;
	}
	vs->off = off;
	vs->len = v->data.len - off;
	v->st.spans++;
	return 0;
}

/* A resource's attributes, kept once for its spans: its index, or -E2BIG / -ENOMEM. */
static long keep_resource(struct view *v, const cJSON *resource)
{
	size_t off = v->res.len;
	int err;

	err = v->st.resources ? tt_buf_addc(&v->res, ',') : 0;
	err = err ?: add_attrs(v, &v->res, member(resource, "attributes"));
	if (err) {
		v->res.len = off;
		return err;
	}
	return (long)v->st.resources++;
}

static int read_resource_spans(struct view *v, const cJSON *rs)
{
	const cJSON *ss, *sp, *scopes = member(rs, "scopeSpans");
	bool tried = false;
	long res = -1;
	int err;

	if (!cJSON_IsArray(scopes))
		scopes = member(rs, "instrumentationLibrarySpans"); /* OTLP before 0.15 */
	cJSON_ArrayForEach(ss, array_of(scopes)) {
		const cJSON *spans = member(ss, "spans");

		cJSON_ArrayForEach(sp, array_of(spans)) {
			if (!tried && v->st.spans < v->o.max_spans) {
				tried = true;
				res = keep_resource(v, member(rs, "resource"));
				if (res == -ENOMEM)
					return -ENOMEM;
			}
			if (res < 0) { /* no room left for its resource: none of its spans */
				v->st.dropped++;
				continue;
			}
			err = keep_span(v, sp, (size_t)res);
			if (err)
				return err;
		}
	}
	return 0;
}

int view_read_line(struct view *v, const char *line, size_t len)
{
	const cJSON *rs, *all;
	cJSON *doc;
	int err = 0;

	doc = cJSON_ParseWithLength(line, len);
	all = member(doc, "resourceSpans");
	if (!cJSON_IsArray(all)) {
		cJSON_Delete(doc);
		v->st.bad_lines++;
		return -EBADMSG;
	}
	cJSON_ArrayForEach(rs, all) {
		err = read_resource_spans(v, rs);
		if (err)
			break;
	}
	cJSON_Delete(doc);
	return err;
}
