// SPDX-License-Identifier: MIT
/* span.c: spans, resources and attribute lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "buf.h"
#include "span.h"
#include "str.h"
#include "tt_limits.h"

static void attr_clear(struct attr *a)
{
	if (a->type == ATTR_STR)
		free(a->s);
	else if (a->type == ATTR_STR_ARRAY)
		strv_free(a->arr.v, a->arr.n);
	a->type = 0;
}

/* The slot for key: the existing one (value cleared) or a new one at the end. */
static struct attr *attr_slot(struct attr_list *l, const char *key)
{
	struct attr *v;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].key, key)) {
			attr_clear(&l->v[i]);
			return &l->v[i];
		}
	}
	if (tt_ensure_mem((void **)&l->v, &l->alloc, sizeof(*l->v), l->n + 1))
		return NULL;
	v = &l->v[l->n];
	v->key = strdup(key);
	if (!v->key)
		return NULL;
	v->type = 0;
	l->n++;
	return v;
}

int attrs_set_strn(struct attr_list *l, const char *key, const char *val, size_t len)
{
	struct attr *a;
	char *s;

	s = strndup(val, len);
	if (!s)
		return -ENOMEM;
	a = attr_slot(l, key);
	if (!a) {
		free(s);
		return -ENOMEM;
	}
	a->type = ATTR_STR;
	a->s = s;
	return 0;
}

int attrs_set_str(struct attr_list *l, const char *key, const char *val)
{
	return attrs_set_strn(l, key, val, strlen(val));
}

int attrs_set_int(struct attr_list *l, const char *key, int64_t val)
{
	struct attr *a = attr_slot(l, key);

	if (!a)
		return -ENOMEM;
	a->type = ATTR_INT;
	a->i = val;
	return 0;
}

int attrs_set_double(struct attr_list *l, const char *key, double val)
{
	struct attr *a = attr_slot(l, key);

	if (!a)
		return -ENOMEM;
	a->type = ATTR_DOUBLE;
	a->d = val;
	return 0;
}

int attrs_set_bool(struct attr_list *l, const char *key, bool val)
{
	struct attr *a = attr_slot(l, key);

	if (!a)
		return -ENOMEM;
	a->type = ATTR_BOOL;
	a->b = val;
	return 0;
}

int attrs_set_str_array(struct attr_list *l, const char *key, const char *const *val, size_t n)
{
	char **v = strv_dup(val, n);
	struct attr *a;

	if (!v)
		return -ENOMEM;
	a = attr_slot(l, key);
	if (!a) {
		strv_free(v, n);
		return -ENOMEM;
	}
	a->type = ATTR_STR_ARRAY;
	a->arr.v = v;
	a->arr.n = n;
	return 0;
}

const struct attr *attrs_get(const struct attr_list *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return &l->v[i];
	return NULL;
}

const char *attrs_get_str(const struct attr_list *l, const char *key)
{
	const struct attr *a = attrs_get(l, key);

	return a && a->type == ATTR_STR ? a->s : NULL;
}

void attrs_free(struct attr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		attr_clear(&l->v[i]);
		free(l->v[i].key);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
	l->alloc = 0;
}

struct tt_resource *resource__new(uint32_t pid, uint64_t start_ns)
{
	struct tt_resource *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pid = pid;
	r->start_ns = start_ns;
	r->refs = 1;
	return r;
}

struct tt_resource *resource__get(struct tt_resource *r)
{
	if (r)
		r->refs++;
	return r;
}

void resource__put(struct tt_resource *r)
{
	if (!r || --r->refs > 0)
		return;
	attrs_free(&r->attrs);
	free(r);
}

struct tt_span *span__new(const char *name, enum span_kind kind, struct tt_resource *res)
{
	struct tt_span *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->kind = kind;
	s->trace_flags = 1;
	s->resource = resource__get(res);
	return s;
}

int span__set_name(struct tt_span *s, const char *name)
{
	char *n = strdup(name);

	if (!n)
		return -ENOMEM;
	free(s->name);
	s->name = n;
	return 0;
}

int span__set_status(struct tt_span *s, enum span_status st, const char *message)
{
	char *m = NULL;

	if (message) {
		m = strdup(message);
		if (!m)
			return -ENOMEM;
	}
	free(s->status_message);
	s->status = st;
	s->status_message = m;
	return 0;
}

struct tt_span_event *span__add_event(struct tt_span *s, const char *name, uint64_t time_ns)
{
	struct tt_span_event *e;

	if (s->n_events >= TT_MAX_SPAN_EVENTS) {
		s->dropped_events++;
		errno = ENOSPC;
		return NULL;
	}
	if (tt_ensure_mem((void **)&s->events, &s->events_alloc, sizeof(*s->events),
			  s->n_events + 1)) {
		errno = ENOMEM;
		return NULL;
	}
	e = &s->events[s->n_events];
	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name) {
		errno = ENOMEM;
		return NULL;
	}
	e->time_ns = time_ns;
	s->n_events++;
	return e;
}

void span__free(struct tt_span *s)
{
	size_t i;

	if (!s)
		return;
	free(s->name);
	free(s->status_message);
	attrs_free(&s->attrs);
	for (i = 0; i < s->n_events; i++) {
		free(s->events[i].name);
		attrs_free(&s->events[i].attrs);
	}
	free(s->events);
	free(s->tool_args_shape);
	free(s->tool_offer);
	resource__put(s->resource);
	free(s);
}

/*
 * Random bytes from the kernel, taken 256 at a time: a getrandom(2) per id was 5 % of the live
 * tracer's CPU per streamed call (a syscall costs most on a VM). Per thread, so no lock.
 */
static void random_bytes(uint8_t *out, size_t n)
{
	static __thread uint8_t pool[256];
	static __thread size_t left;
	size_t i;

	if (left < n) {
		if (getrandom(pool, sizeof(pool), 0) == (ssize_t)sizeof(pool)) {
			left = sizeof(pool);
		} else {
			/* getrandom only fails before the pool is ready: fall back */
			for (i = 0; i < n; i++)
				out[i] = (uint8_t)random();
			return;
		}
	}
	left -= n;
	memcpy(out, pool + left, n);
}

static void random_id(uint8_t *id, size_t n)
{
	size_t i;

	do {
		random_bytes(id, n);
		for (i = 0; i < n && !id[i]; i++)
			;
	} while (i == n);
}

void span_new_trace_id(uint8_t id[16])
{
	random_id(id, 16);
}

void span_new_span_id(uint8_t id[8])
{
	random_id(id, 8);
}
