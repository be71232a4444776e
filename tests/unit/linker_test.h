/* SPDX-License-Identifier: MIT */
/* linker_test.h: a linker whose spans are collected, and the records and calls tests feed it. */
#ifndef TT_LINKER_TEST_H
#define TT_LINKER_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genai.h"
#include "linker.h"
#include "span.h"
#include "test.h"

#define LT_MAX_SPANS 512

/* One test's linker and the spans it exported, in order. */
struct lt {
	struct linker *l;
	struct tt_span *v[LT_MAX_SPANS];
	size_t n;
	size_t total; /* every span seen (also beyond LT_MAX_SPANS, freed at once) */
};

static inline void lt_sink(struct tt_span *s, void *ctx)
{
	struct lt *t = ctx;

	t->total++;
	if (t->n < LT_MAX_SPANS)
		t->v[t->n++] = s;
	else
		span__free(s);
}

/* A linker with options o into t: false (asserted) when it could not be made. */
static inline bool lt_open(struct lt *t, const struct linker_opts *o)
{
	memset(t, 0, sizeof(*t));
	t->l = linker__new(o, lt_sink, t);
	return ASSERT_OK_PTR(t->l, "new");
}

/* The usual one: host "box", one trace (single) or --all. */
static inline bool lt_new(struct lt *t, bool single)
{
	struct linker_opts o = { .single_trace = single, .host_name = "box" };

	return lt_open(t, &o);
}

static inline void lt_free(struct lt *t)
{
	linker__free(t->l);
	t->l = NULL;
	while (t->n)
		span__free(t->v[--t->n]);
}

/* ---- finding spans ---- */

/* The k-th span (from 0) named name, NULL if none. */
static inline struct tt_span *nth(const struct lt *t, const char *name, int k)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i]->name, name) && k-- == 0)
			return t->v[i];
	return NULL;
}

/* The span named name that starts at start_ns, NULL if none. */
static inline struct tt_span *started_at(const struct lt *t, const char *name, uint64_t start_ns)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i]->name, name) && t->v[i]->start_ns == start_ns)
			return t->v[i];
	return NULL;
}

static inline struct tt_span *find(const struct lt *t, const char *name)
{
	return nth(t, name, 0);
}

/* The span named name whose process.command_args contain arg, NULL if none. */
static inline struct tt_span *find_arg(const struct lt *t, const char *name, const char *arg)
{
	const struct attr *a;
	size_t i, j;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->v[i]->name, name))
			continue;
		a = attrs_get(&t->v[i]->resource->attrs, "process.command_args");
		for (j = 0; a && j < a->arr.n; j++)
			if (!strcmp(a->arr.v[j], arg))
				return t->v[i];
	}
	return NULL;
}

/* A span a test needs: the k-th named name, or (arg set) the one with arg among its args. */
struct lt_want {
	struct tt_span **out;
	const char *name;
	int k;
	const char *arg;
};

static inline bool lt_need(const struct lt *t, const struct lt_want *w, size_t n, const char *file,
			   int line)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		if (w[i].arg) {
			*w[i].out = find_arg(t, w[i].name, w[i].arg);
			ok &= tt_test_check(*w[i].out != NULL, file, line, w[i].name,
					    "no span with argument %s", w[i].arg);
		} else {
			*w[i].out = nth(t, w[i].name, w[i].k);
			ok &= tt_test_check(*w[i].out != NULL, file, line, w[i].name,
					    "no span #%d (from 0) by this name", w[i].k);
		}
	}
	return ok;
}

/*
 * Finds each span a test goes on to check, { &var, name[, k] } or { &var, name, .arg = arg } a
 * span, asserting each is there (the failure names the span): false when one is missing. The
 * entries give only the fields they use, hence the pragma.
 */
#define LT_NEED(t, ...)                                                                       \
	({                                                                                    \
		_Pragma("GCC diagnostic push")                                                \
			_Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")    \
				const struct lt_want ___w[] = { __VA_ARGS__ };                \
		_Pragma("GCC diagnostic pop")                                                 \
			lt_need(t, ___w, sizeof(___w) / sizeof(___w[0]), __FILE__, __LINE__); \
	})

/* Whether the n bytes of id (a span or trace id) are the lowercase hex text hex. */
static inline bool id_is(const uint8_t *id, size_t n, const char *hex)
{
	char buf[33];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
	buf[2 * i] = '\0';
	return !strcmp(buf, hex);
}

/* The span of the chat call for model ("chat MODEL"), asserted to be there. */
static inline const struct tt_span *chat_span(const struct lt *t, const char *model)
{
	char name[64];
	const struct tt_span *s;

	snprintf(name, sizeof(name), "chat %s", model);
	s = find(t, name);
	ASSERT_OK_PTR(s, name);
	return s;
}

static inline bool same_trace(const struct tt_span *a, const struct tt_span *b)
{
	return a && b && !memcmp(a->trace_id, b->trace_id, 16);
}

/* Every span exported is in one trace (and there is one). */
static inline bool all_one_trace(const struct lt *c)
{
	size_t i;

	for (i = 1; i < c->n; i++)
		if (!same_trace(c->v[0], c->v[i]))
			return false;
	return c->n > 0;
}

static inline bool parent_is(const struct tt_span *child, const struct tt_span *parent)
{
	return child && parent && child->has_parent &&
	       !memcmp(child->parent_id, parent->span_id, 8);
}

static inline const char *sattr(const struct tt_span *s, const char *key)
{
	return s ? attrs_get_str(&s->attrs, key) : NULL;
}

static inline long long iattr(const struct tt_span *s, const char *key)
{
	const struct attr *a = s ? attrs_get(&s->attrs, key) : NULL;

	return a && a->type == ATTR_INT ? a->i : -1;
}

static inline bool battr(const struct tt_span *s, const char *key)
{
	const struct attr *a = s ? attrs_get(&s->attrs, key) : NULL;

	return a && a->type == ATTR_BOOL && a->b;
}

static inline const char *rattr(const struct tt_span *s, const char *key)
{
	return s ? attrs_get_str(&s->resource->attrs, key) : NULL;
}

/* ---- records ---- */

/* The header of a record of type from the main thread of pid at ts. */
static inline void ev_hdr(struct tt_hdr *h, uint16_t type, uint32_t pid, uint64_t ts)
{
	h->type = type;
	h->pid = pid;
	h->tid = pid;
	h->ts_ns = ts;
}

static inline void ev_fork(struct lt *t, uint32_t pid, uint32_t ppid, uint64_t ts)
{
	struct tt_fork f = { 0 };

	ev_hdr(&f.h, TT_REC_FORK, pid, ts);
	f.ppid = ppid;
	f.start_ns = ts;
	linker__fork(t->l, &f);
}

static inline void ev_vexec(struct lt *t, uint32_t pid, uint64_t start, uint64_t ts,
			    const char *path, va_list ap)
{
	static struct tt_exec e;
	const char *a;
	size_t n = 0;

	memset(&e, 0, sizeof(e));
	ev_hdr(&e.h, TT_REC_EXEC, pid, ts);
	e.start_ns = start;
	e.path_len = strlen(path);
	memcpy(e.path, path, e.path_len);
	while ((a = va_arg(ap, const char *))) {
		memcpy(e.args + n, a, strlen(a) + 1);
		n += strlen(a) + 1;
	}
	e.args_len = n;
	e.args_full = n;
	linker__exec(t->l, &e);
}

/* exec at ts of the process started at start; argv NULL-terminated. */
static inline void ev_exec(struct lt *t, uint32_t pid, uint64_t start, uint64_t ts,
			   const char *path, ...)
{
	va_list ap;

	va_start(ap, path);
	ev_vexec(t, pid, start, ts, path, ap);
	va_end(ap);
}

/* fork at ts, exec 10 ns later; argv NULL-terminated. */
static inline void ev_spawn(struct lt *t, uint32_t pid, uint32_t ppid, uint64_t ts,
			    const char *path, ...)
{
	va_list ap;

	ev_fork(t, pid, ppid, ts);
	va_start(ap, path);
	ev_vexec(t, pid, ts, ts + 10, path, ap);
	va_end(ap);
}

static inline void ev_exit(struct lt *t, uint32_t pid, uint64_t start, uint64_t ts, int status)
{
	struct tt_exit x = { 0 };

	ev_hdr(&x.h, TT_REC_EXIT, pid, ts);
	x.start_ns = start;
	x.exit_code = status;
	linker__exit(t->l, &x);
}

/*
 * A TLS_HELLO record in buf (room for TT_HELLO_MAX bytes after it): the ClientHello of a
 * recorded fixture, sent by pid at ts on its socket inode ino, fd fd, to IPv4 addr:port. Its
 * size, 0 (asserted) when the fixture is missing.
 */
static inline size_t hello_rec(struct tt_tls_hello *h, uint32_t pid, uint64_t ino, int fd,
			       uint64_t ts, uint32_t addr, uint16_t port, const char *fixture)
{
	uint8_t *p;
	size_t n = 0;

	memset(h, 0, sizeof(*h));
	p = test__read_fixture(fixture, &n);
	if (!ASSERT_OK_PTR(p, fixture))
		return 0;
	if (n > TT_HELLO_MAX)
		n = TT_HELLO_MAX;
	memcpy(h->data, p, n);
	free(p);
	ev_hdr(&h->s.h, TT_REC_TLS_HELLO, pid, ts);
	h->s.h.size = (uint32_t)(sizeof(*h) + n);
	h->s.conn = TT_CONN_SOCK | ino;
	h->s.fd = fd;
	h->s.family = 2;
	h->s.rport = port;
	h->s.raddr[0] = addr >> 24;
	h->s.raddr[1] = addr >> 16;
	h->s.raddr[2] = addr >> 8;
	h->s.raddr[3] = addr;
	h->call_len = h->len = (uint32_t)n;
	return sizeof(*h) + n;
}

/* ---- LLM calls ---- */

static inline struct genai_call *call_new(uint32_t pid, uint64_t start, uint64_t end,
					  const char *model)
{
	struct genai_call *c = calloc(1, sizeof(*c));

	c->pid = pid;
	c->tid = pid;
	c->start_ns = start;
	c->end_ns = end;
	c->provider_name = "openai";
	c->operation = "chat";
	c->request_model = strdup(model);
	c->usage.input_tokens = 100;
	c->usage.has_input_tokens = true;
	c->usage.output_tokens = 20;
	c->usage.has_output_tokens = true;
	c->http_status = 200;
	c->server_address = strdup("api.openai.com");
	c->server_port = 443;
	return c;
}

/* c asks for tool call id (may be NULL) of tool name with JSON arguments args. */
static inline void call_ask(struct genai_call *c, const char *id, const char *name,
			    const char *args)
{
	struct genai_tool_call *t;

	c->tool_calls = realloc(c->tool_calls, (c->n_tool_calls + 1) * sizeof(*t));
	t = &c->tool_calls[c->n_tool_calls++];
	t->id = id ? strdup(id) : NULL;
	t->name = strdup(name);
	t->arguments = args ? strdup(args) : NULL;
	t->type = "function";
	t->ready_ns = 0;
}

/* c carries the result of tool call id (or, id-less, of tool name). */
static inline void call_answer(struct genai_call *c, const char *id, const char *name,
			       const char *content, bool is_error)
{
	struct genai_tool_result *r;

	c->tool_results = realloc(c->tool_results, (c->n_tool_results + 1) * sizeof(*r));
	r = &c->tool_results[c->n_tool_results++];
	memset(r, 0, sizeof(*r));
	r->call_id = id ? strdup(id) : NULL;
	r->name = name ? strdup(name) : NULL;
	r->content = content ? strdup(content) : NULL;
	r->is_error = is_error;
}

#endif /* TT_LINKER_TEST_H */
