// SPDX-License-Identifier: MIT
/* otlp_json.c: OTLP/JSON encoding of spans (protobuf JSON mapping with the OTLP exceptions). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "jsonw.h"
#include "otlp_json.h"

uint64_t otlp_unix_ns(const struct otlp_clock *c, uint64_t boot_ns)
{
	/* unsigned wrap-around makes this right whichever of the two clocks is ahead */
	return boot_ns - c->boot_ns + c->real_ns;
}

uint32_t otlp_span_flags(const struct tt_span *s)
{
	return s->trace_flags | 0x100u | (s->remote_parent ? 0x200u : 0);
}

bool otlp_first_of_resource(struct tt_span *const *spans, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (spans[j]->resource == spans[i]->resource)
			return false;
	return true;
}

int otlp_resource_each(const struct tt_resource *r, const struct otlp_meta *m,
		       int (*fn)(const struct attr *a, void *ctx), void *ctx)
{
	struct attr svc = { .key = "service.name", .type = ATTR_STR };
	bool svc_done = false;
	const struct attr *a;
	size_t i;
	int err;

	svc.s = (char *)m->service_name;
	for (i = 0; r && i < r->attrs.n; i++) {
		a = &r->attrs.v[i];
		if (m->service_name && !strcmp(a->key, "service.name")) {
			a = &svc;
			svc_done = true;
		}
		err = fn(a, ctx);
		if (err)
			return err;
	}
	if (m->service_name && !svc_done) {
		err = fn(&svc, ctx);
		if (err)
			return err;
	}
	for (i = 0; m->extra && i < m->extra->n; i++) {
		a = &m->extra->v[i];
		if ((r && attrs_get(&r->attrs, a->key)) ||
		    (m->service_name && !strcmp(a->key, "service.name")))
			continue;
		err = fn(a, ctx);
		if (err)
			return err;
	}
	return 0;
}

int otlp_json_double(struct tt_buf *b, double d)
{
	char s[40];

	if (isnan(d))
		return tt_buf_addstr(b, "\"NaN\"");
	if (isinf(d))
		return tt_buf_addstr(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	snprintf(s, sizeof(s), "%.15g", d);
	if (strtod(s, NULL) != d)
		snprintf(s, sizeof(s), "%.17g", d);
	return tt_buf_addstr(b, s);
}

static int json_value(struct tt_buf *b, const struct attr *a)
{
	size_t i;
	int err = 0;

	switch (a->type) {
	case ATTR_STR:
		err = tt_buf_addstr(b, "{\"stringValue\":");
		return err ?: jsonw_cstr(b, a->s ? a->s : "") ?: tt_buf_addc(b, '}');
	case ATTR_INT:
		return tt_buf_printf(b, "{\"intValue\":\"%" PRId64 "\"}", a->i);
	case ATTR_DOUBLE:
		err = tt_buf_addstr(b, "{\"doubleValue\":");
		return err ?: otlp_json_double(b, a->d) ?: tt_buf_addc(b, '}');
	case ATTR_BOOL:
		return tt_buf_printf(b, "{\"boolValue\":%s}", a->b ? "true" : "false");
	case ATTR_STR_ARRAY:
		err = tt_buf_addstr(b, "{\"arrayValue\":{\"values\":[");
		for (i = 0; !err && i < a->arr.n; i++) {
			err = tt_buf_addstr(b, i ? ",{\"stringValue\":" : "{\"stringValue\":");
			err = err ?: jsonw_cstr(b, a->arr.v[i]) ?: tt_buf_addc(b, '}');
		}
		return err ?: tt_buf_addstr(b, "]}}");
	}
	/* an unset attribute (never produced by span.c) is an empty AnyValue */
	return tt_buf_addstr(b, "{}");
}

struct json_attrs {
	struct tt_buf *b;
	size_t n;
};

static int json_attr(const struct attr *a, void *ctx)
{
	struct json_attrs *j = ctx;
	int err;

	err = tt_buf_addstr(j->b, j->n++ ? ",{\"key\":" : "{\"key\":");
	err = err ?: jsonw_cstr(j->b, a->key) ?: tt_buf_addstr(j->b, ",\"value\":");
	return err ?: json_value(j->b, a) ?: tt_buf_addc(j->b, '}');
}

static int json_span_attrs(struct tt_buf *b, const struct attr_list *l)
{
	struct json_attrs j = { .b = b };
	size_t i;
	int err;

	if (!l->n)
		return 0;
	err = tt_buf_addstr(b, ",\"attributes\":[");
	for (i = 0; !err && i < l->n; i++)
		err = json_attr(&l->v[i], &j);
	return err ?: tt_buf_addc(b, ']');
}

/* Span.events: time, name, attributes; the count of those over the cap after them. */
static int json_span_events(struct tt_buf *b, const struct tt_span *s, const struct otlp_meta *m)
{
	const struct tt_span_event *e;
	size_t i;
	int err;

	if (!s->n_events && !s->dropped_events)
		return 0;
	err = tt_buf_addstr(b, ",\"events\":[");
	for (i = 0; !err && i < s->n_events; i++) {
		e = &s->events[i];
		err = tt_buf_printf(b,
				    "%s{\"timeUnixNano\":\"%" PRIu64 "\",\"name\":", i ? "," : "",
				    otlp_unix_ns(&m->clock, e->time_ns));
		err = err ?: jsonw_cstr(b, e->name ? e->name : "");
		err = err ?: json_span_attrs(b, &e->attrs) ?: tt_buf_addc(b, '}');
	}
	err = err ?: tt_buf_addc(b, ']');
	if (!err && s->dropped_events)
		err = tt_buf_printf(b, ",\"droppedEventsCount\":%u", s->dropped_events);
	return err;
}

static int json_ids(struct tt_buf *b, const struct tt_span *s)
{
	char hex[33];
	int err;

	hex_encode(s->trace_id, 16, hex);
	err = tt_buf_printf(b, "{\"traceId\":\"%s\"", hex);
	hex_encode(s->span_id, 8, hex);
	err = err ?: tt_buf_printf(b, ",\"spanId\":\"%s\"", hex);
	if (s->has_parent) {
		hex_encode(s->parent_id, 8, hex);
		err = err ?: tt_buf_printf(b, ",\"parentSpanId\":\"%s\"", hex);
	}
	return err;
}

static int json_span(struct tt_buf *b, const struct tt_span *s, const struct otlp_meta *m)
{
	uint64_t start = otlp_unix_ns(&m->clock, s->start_ns);
	uint64_t end = s->end_ns > s->start_ns ? otlp_unix_ns(&m->clock, s->end_ns) : start;
	int err;

	err = json_ids(b, s);
	err = err ?: tt_buf_printf(b, ",\"flags\":%u,\"name\":", otlp_span_flags(s));
	err = err ?: jsonw_cstr(b, s->name ? s->name : "");
	err = err   ?:
		      tt_buf_printf(b,
				    ",\"kind\":%d,\"startTimeUnixNano\":\"%" PRIu64
				    "\",\"endTimeUnixNano\":\"%" PRIu64 "\"",
				    (int)s->kind, start, end);
	err = err ?: json_span_attrs(b, &s->attrs) ?: json_span_events(b, s, m);
	err = err ?: tt_buf_printf(b, ",\"status\":{\"code\":%d", (int)s->status);
	if (!err && s->status_message && *s->status_message) {
		err = tt_buf_addstr(b, ",\"message\":");
		err = err ?: jsonw_cstr(b, s->status_message);
	}
	return err ?: tt_buf_addstr(b, "}}");
}

static int json_schema(struct tt_buf *b, const struct otlp_meta *m)
{
	int err;

	if (!m->schema_url)
		return 0;
	err = tt_buf_addstr(b, ",\"schemaUrl\":");
	return err ?: jsonw_cstr(b, m->schema_url);
}

static int json_scope(struct tt_buf *b, const struct otlp_meta *m)
{
	int err;

	err = tt_buf_addstr(b, "\"scope\":{\"name\":\"" TT_OTLP_SCOPE_NAME "\"");
	if (!err && m->scope_version) {
		err = tt_buf_addstr(b, ",\"version\":");
		err = err ?: jsonw_cstr(b, m->scope_version);
	}
	return err ?: tt_buf_addc(b, '}');
}

/* One resourceSpans: the resource of spans[first] and every later span that shares it. */
static int json_resource_spans(struct tt_buf *b, struct tt_span *const *spans, size_t n,
			       size_t first, const struct otlp_meta *m)
{
	struct tt_resource *res = spans[first]->resource;
	struct json_attrs j = { .b = b };
	size_t i, k = 0;
	int err;

	err = tt_buf_addstr(b, "{\"resource\":{\"attributes\":[");
	err = err ?: otlp_resource_each(res, m, json_attr, &j);
	err = err ?: tt_buf_addstr(b, "]},\"scopeSpans\":[{");
	err = err ?: json_scope(b, m) ?: tt_buf_addstr(b, ",\"spans\":[");
	for (i = first; !err && i < n; i++) {
		if (spans[i]->resource != res)
			continue;
		err = k++ ? tt_buf_addc(b, ',') : 0;
		err = err ?: json_span(b, spans[i], m);
	}
	err = err ?: tt_buf_addc(b, ']') ?: json_schema(b, m) ?: tt_buf_addstr(b, "}]");
	return err ?: json_schema(b, m) ?: tt_buf_addc(b, '}');
}

int otlp_json_encode(struct tt_buf *b, struct tt_span *const *spans, size_t n,
		     const struct otlp_meta *m)
{
	size_t i, groups = 0;
	int err;

	err = tt_buf_addstr(b, "{\"resourceSpans\":[");
	for (i = 0; !err && i < n; i++) {
		if (!otlp_first_of_resource(spans, i))
			continue;
		err = groups++ ? tt_buf_addc(b, ',') : 0;
		err = err ?: json_resource_spans(b, spans, n, i, m);
	}
	return err ?: tt_buf_addstr(b, "]}");
}
