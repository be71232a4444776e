// SPDX-License-Identifier: MIT
/* trace_model.c: OTLP JSON Lines read back into spans (cJSON), bounded, grouped by trace. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hex.h"
#include "trace_model.h"
#include "tt_limits.h"

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Hex text of exactly 2*n digits into id (either case: other producers write upper case). */
static bool read_id(const cJSON *v, uint8_t *id, size_t n)
{
	const char *s = cJSON_GetStringValue(v);
	bool zero = true;
	size_t i;
	int b;

	if (!s || strlen(s) != 2 * n)
		return false;
	for (i = 0; i < n; i++) {
		b = hex_byte(s + 2 * i);
		if (b < 0)
			return false;
		id[i] = (uint8_t)b;
		zero &= !b;
	}
	return !zero;
}

/* OTLP JSON writes 64-bit integers as strings; accept numbers too. */
static bool read_u64(const cJSON *v, uint64_t *out)
{
	char *end;

	if (cJSON_IsNumber(v) && v->valuedouble >= 0) {
		*out = (uint64_t)v->valuedouble;
		return true;
	}
	if (!cJSON_IsString(v) || !*v->valuestring)
		return false;
	errno = 0;
	*out = strtoull(v->valuestring, &end, 10);
	return !errno && !*end && *v->valuestring != '-';
}

static int read_i64(const cJSON *v, int64_t *out)
{
	char *end;

	if (cJSON_IsNumber(v)) {
		*out = (int64_t)v->valuedouble;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -EBADMSG;
	errno = 0;
	*out = strtoll(v->valuestring, &end, 10);
	return errno || *end || end == v->valuestring ? -EBADMSG : 0;
}

/* An arrayValue: its string elements (others as their JSON text). */
static int set_array(struct attr_list *l, const char *key, const cJSON *arr)
{
	const cJSON *vals = member(arr, "values"), *e;
	size_t n = 0, i = 0;
	char **v;
	int err;

	n = (size_t)cJSON_GetArraySize(vals);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	cJSON_ArrayForEach(e, vals) {
		const char *s = cJSON_GetStringValue(member(e, "stringValue"));

		v[i] = s ? strdup(s) : cJSON_PrintUnformatted(e);
		if (!v[i])
			break;
		i++;
	}
	err = i == n ? attrs_set_str_array(l, key, (const char *const *)v, n) : -ENOMEM;
	while (i)
		free(v[--i]);
	free(v);
	return err;
}

/* One AnyValue; a kvlistValue or bytesValue is kept as its JSON text. */
static int set_value(struct attr_list *l, const char *key, const cJSON *val)
{
	const cJSON *v;
	int64_t i;
	char *s;
	int err;

	if ((v = member(val, "stringValue")) && cJSON_IsString(v))
		return attrs_set_str(l, key, v->valuestring);
	if ((v = member(val, "intValue")))
		return read_i64(v, &i) ?: attrs_set_int(l, key, i);
	if ((v = member(val, "doubleValue")) && cJSON_IsNumber(v))
		return attrs_set_double(l, key, v->valuedouble);
	if ((v = member(val, "boolValue")) && cJSON_IsBool(v))
		return attrs_set_bool(l, key, cJSON_IsTrue(v));
	if ((v = member(val, "arrayValue")) && cJSON_IsObject(v))
		return set_array(l, key, v);
	if (!cJSON_IsObject(val) || !val->child)
		return 0; /* an empty AnyValue: nothing to keep */
	s = cJSON_PrintUnformatted(val->child);
	if (!s)
		return -ENOMEM;
	err = attrs_set_str(l, key, s);
	free(s);
	return err;
}

/* A KeyValue list; entries without a string key are skipped. */
static int read_attrs(struct attr_list *l, const cJSON *arr)
{
	const cJSON *kv;
	const char *key;
	int err;

	cJSON_ArrayForEach(kv, arr) {
		key = cJSON_GetStringValue(member(kv, "key"));
		if (!key)
			continue;
		err = set_value(l, key, member(kv, "value"));
		if (err == -ENOMEM)
			return err;
	}
	return 0;
}

static int read_events(struct tt_span *s, const cJSON *arr)
{
	struct tt_span_event *e;
	const cJSON *ev;
	uint64_t t;
	int err;

	cJSON_ArrayForEach(ev, arr) {
		t = 0;
		read_u64(member(ev, "timeUnixNano"), &t);
		e = span__add_event(s, cJSON_GetStringValue(member(ev, "name")) ?: "", t);
		if (!e) {
			if (errno == ENOSPC)
				continue;
			return -ENOMEM;
		}
		err = read_attrs(&e->attrs, member(ev, "attributes"));
		if (err)
			return err;
	}
	return 0;
}

static int read_status(struct tt_span *s, const cJSON *st)
{
	const cJSON *c = member(st, "code");
	const char *msg = cJSON_GetStringValue(member(st, "message"));
	int code = 0;

	if (cJSON_IsNumber(c))
		code = c->valueint;
	else if (cJSON_IsString(c)) /* the enum's name, which some producers write */
		code = !strcmp(c->valuestring, "STATUS_CODE_OK")    ? 1 :
		       !strcmp(c->valuestring, "STATUS_CODE_ERROR") ? 2 :
								      0;
	if (code < 0 || code > 2)
		code = 0;
	return span__set_status(s, (enum span_status)code, msg && *msg ? msg : NULL);
}

static int model_add(struct trace_model *m, struct tt_span *s)
{
	if (m->n >= TT_MAX_MODEL_SPANS)
		return -E2BIG;
	if (tt_ensure_mem((void **)&m->spans, &m->alloc, sizeof(*m->spans), m->n + 1))
		return -ENOMEM;
	m->spans[m->n++] = s;
	return 0;
}

/* One span object; a span without valid ids is counted and skipped. */
static int read_span(struct trace_model *m, const cJSON *j, struct tt_resource *res)
{
	const cJSON *kind = member(j, "kind");
	const char *name = cJSON_GetStringValue(member(j, "name"));
	struct tt_span *s;
	int err;

	s = span__new(name ? name : "", SPAN_KIND_INTERNAL, res);
	if (!s)
		return -ENOMEM;
	if (!read_id(member(j, "traceId"), s->trace_id, 16) ||
	    !read_id(member(j, "spanId"), s->span_id, 8)) {
		m->skipped++;
		span__free(s);
		return 0;
	}
	s->has_parent = read_id(member(j, "parentSpanId"), s->parent_id, 8);
	if (cJSON_IsNumber(kind) && kind->valueint >= 0 && kind->valueint <= 5)
		s->kind = (enum span_kind)kind->valueint;
	read_u64(member(j, "startTimeUnixNano"), &s->start_ns);
	read_u64(member(j, "endTimeUnixNano"), &s->end_ns);
	err = read_attrs(&s->attrs, member(j, "attributes"));
	err = err ?: read_events(s, member(j, "events"));
	err = err ?: read_status(s, member(j, "status"));
	err = err ?: model_add(m, s);
	if (err)
		span__free(s);
	return err;
}

static int read_resource_spans(struct trace_model *m, const cJSON *rs)
{
	const cJSON *ss, *sp;
	const struct attr *a;
	struct tt_resource *res;
	int64_t pid = 0;
	int err = 0;

	res = resource__new(0, 0);
	if (!res)
		return -ENOMEM;
	err = read_attrs(&res->attrs, member(member(rs, "resource"), "attributes"));
	a = attrs_get(&res->attrs, "process.pid");
	if (a && a->type == ATTR_INT)
		pid = a->i;
	res->pid = pid > 0 && pid <= UINT32_MAX ? (uint32_t)pid : 0;
	ss = member(rs, "scopeSpans");
	if (!ss)
		ss = member(rs, "instrumentationLibrarySpans"); /* before OTLP 1.0 */
	for (ss = ss ? ss->child : NULL; !err && ss; ss = ss->next)
		cJSON_ArrayForEach(sp, member(ss, "spans")) {
			err = read_span(m, sp, res);
			if (err)
				break;
		}
	resource__put(res);
	return err;
}

int trace_model__read_line(struct trace_model *m, const char *line, size_t len, char *err,
			   size_t errlen)
{
	const cJSON *rs, *arr;
	cJSON *doc;
	size_t i;
	int ret = 0;

	for (i = 0; i < len && strchr(" \t\r\n", line[i]); i++)
		;
	m->lines++;
	if (i == len)
		return 0;
	if (len > TT_MAX_MODEL_LINE)
		return fail(err, errlen, -E2BIG, "line over %u bytes", TT_MAX_MODEL_LINE);
	doc = cJSON_ParseWithLength(line, len);
	if (!doc)
		return fail(err, errlen, -EBADMSG, "not JSON");
	arr = member(doc, "resourceSpans");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(doc);
		return fail(err, errlen, -EBADMSG, "no resourceSpans array (not OTLP traces)");
	}
	cJSON_ArrayForEach(rs, arr) {
		ret = read_resource_spans(m, rs);
		if (ret)
			break;
	}
	cJSON_Delete(doc);
	if (ret == -E2BIG)
		return fail(err, errlen, ret, "more than %u spans", TT_MAX_MODEL_SPANS);
	return ret ? fail(err, errlen, ret, "out of memory") : 0;
}

int trace_model__read_buf(struct trace_model *m, const char *buf, size_t len, char *err,
			  size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	char why[192];
	int ret;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		ret = trace_model__read_line(m, p, (size_t)(nl - p), why, sizeof(why));
		if (ret)
			return fail(err, errlen, ret, "line %zu: %s", m->lines, why);
		p = nl + 1;
	}
	return 0;
}

int trace_model__read_file(struct trace_model *m, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct tt_buf b;
	char chunk[65536];
	size_t n;
	int ret = 0;

	if (!f)
		return fail(err, errlen, -errno, "%s", strerror(errno));
	tt_buf_init(&b, TT_MAX_MODEL_FILE);
	while (!ret && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ret = tt_buf_add(&b, chunk, n);
	if (!ret && ferror(f))
		ret = -EIO;
	if (f != stdin)
		fclose(f);
	if (ret) {
		tt_buf_free(&b);
		return fail(err, errlen, ret, "%s",
			    ret == -E2BIG ? "file over the size cap" : strerror(-ret));
	}
	ret = trace_model__read_buf(m, (const char *)b.data, b.len, err, errlen);
	tt_buf_free(&b);
	return ret;
}

void trace_model__free(struct trace_model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		span__free(m->spans[i]);
	free(m->spans);
	memset(m, 0, sizeof(*m));
}

struct ordered {
	struct tt_span *s;
	size_t idx;   /* place in the file */
	size_t first; /* place of its trace's first span */
};

static int by_trace(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;
	int c = memcmp(x->s->trace_id, y->s->trace_id, 16);

	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_first(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->first != y->first)
		return (x->first > y->first) - (x->first < y->first);
	return (x->idx > y->idx) - (x->idx < y->idx);
}

int trace_model__group(struct trace_model *m)
{
	struct ordered *o;
	size_t i, first = 0;

	if (m->n < 2)
		return 0;
	o = calloc(m->n, sizeof(*o));
	if (!o)
		return -ENOMEM;
	for (i = 0; i < m->n; i++) {
		o[i].s = m->spans[i];
		o[i].idx = i;
	}
	qsort(o, m->n, sizeof(*o), by_trace);
	for (i = 0; i < m->n; i++) {
		if (!i || memcmp(o[i].s->trace_id, o[i - 1].s->trace_id, 16))
			first = o[i].idx;
		o[i].first = first;
	}
	qsort(o, m->n, sizeof(*o), by_first);
	for (i = 0; i < m->n; i++)
		m->spans[i] = o[i].s;
	free(o);
	return 0;
}

size_t trace_model_trace_end(const struct trace_model *m, size_t i)
{
	size_t j = i + 1;

	while (j < m->n && !memcmp(m->spans[j]->trace_id, m->spans[i]->trace_id, 16))
		j++;
	return j;
}
