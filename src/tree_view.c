// SPDX-License-Identifier: MIT
/* tree_view.c: buffers finished spans per trace and prints each trace as a box-drawn tree. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tt_limits.h"
#include "hex.h"
#include "jsonstr.h"
#include "log.h"
#include "tree_view.h"

#define TV_BUCKETS    1024
#define TV_MAX_NAME   256 /* bytes of a span name kept */
#define TV_MAX_DETAIL 512 /* bytes of the detail text kept */
#define TV_MAX_INDENT 16  /* tree levels drawn; deeper spans stay at this indentation */
#define TV_MAX_LINE   2048

struct tv_node {
	uint8_t span_id[8];
	uint8_t parent_id[8];
	bool has_parent; /* a parent in this trace is expected (not remote) */
	uint64_t seq;	 /* arrival order: ties in start time keep it */
	uint64_t start_ns;
	uint64_t end_ns;
	char *name;
	char *detail;
	char *findings;	      /* "kind: summary" lines of its tracetree.finding events, or NULL */
	struct tv_node *next; /* the trace's list */
	/* set while printing */
	struct tv_node *parent;
	struct tv_node *child;
	struct tv_node *last_child;
	struct tv_node *sibling;
	bool visited;
};

struct tv_trace {
	uint8_t id[16];
	struct tv_node *nodes;
	size_t n;
	struct tv_trace *hnext; /* hash bucket */
	struct tv_trace *older; /* age list, for eviction */
	struct tv_trace *newer;
};

struct tree_view {
	FILE *out;
	unsigned int width;
	size_t max_spans;
	size_t nspans;
	uint64_t seq;
	struct tv_trace *buckets[TV_BUCKETS];
	struct tv_trace *oldest;
	struct tv_trace *newest;
	struct tree_view_stats st;
};

/* Display columns of UTF-8 text: one per code point (the view prints no wide characters). */
static size_t tv_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Cuts s to at most cols columns, ending in "…" when something was cut; s has 3 spare bytes. */
static void tv_cut(char *s, size_t cols)
{
	size_t n = 0;
	char *p;

	if (!cols || tv_cols(s) <= cols)
		return;
	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && ++n == cols)
			break;
	}
	strcpy(p, "…");
}

/*
 * A copy of s of at most max bytes that prints safely: controls become '?', and each byte that
 * starts no valid UTF-8 sequence U+FFFD (jsonstr's rule: the text the OTLP output carries).
 */
static char *tv_clean(const char *s, size_t max)
{
	const char *p = s ? s : "", *c;
	size_t n = strlen(p), i = 0, o = 0, k, len;
	char *out = malloc(max + 1);

	if (!out)
		return NULL;
	while (i < n) {
		k = jsonstr_utf8_len(p + i, n - i);
		c = p + i;
		len = k;
		if (!k) {
			c = JSONSTR_REPLACEMENT;
			len = sizeof(JSONSTR_REPLACEMENT) - 1;
		} else if (k == 1 && ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)) {
			c = "?";
		}
		if (o + len > max)
			break;
		memcpy(out + o, c, len);
		o += len;
		i += k ? k : 1;
	}
	out[o] = '\0';
	return out;
}

void tree_view_duration(uint64_t ns, char *out, size_t len)
{
	if (ns < 1000000)
		snprintf(out, len, "%" PRIu64 " µs", ns / 1000);
	else if (ns < 1000000000)
		snprintf(out, len, "%" PRIu64 " ms", ns / 1000000);
	else if (ns < UINT64_C(60000000000))
		snprintf(out, len, "%" PRIu64 ".%" PRIu64 " s", ns / 1000000000,
			 ns / 100000000 % 10);
	else
		snprintf(out, len, "%" PRIu64 "m%02" PRIu64 "s", ns / UINT64_C(60000000000),
			 ns / 1000000000 % 60);
}

/* The detail text, built with "%s, " separators into a fixed buffer. */
struct tv_det {
	char s[TV_MAX_DETAIL];
	size_t len;
	size_t group; /* start of the current group (2 spaces between groups) */
};

static void det_add(struct tv_det *d, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void det_add(struct tv_det *d, const char *sep, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->len && d->len < sizeof(d->s)) {
		n = snprintf(d->s + d->len, sizeof(d->s) - d->len, "%s",
			     d->len > d->group ? sep : "  ");
		d->len += n > 0 ? (size_t)n : 0;
	}
	if (d->len >= sizeof(d->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(d->s + d->len, sizeof(d->s) - d->len, fmt, ap);
	va_end(ap);
	d->len += n > 0 ? (size_t)n : 0;
	if (d->len >= sizeof(d->s))
		d->len = sizeof(d->s) - 1;
}

static bool attr_int(const struct attr_list *l, const char *key, int64_t *v)
{
	const struct attr *a = attrs_get(l, key);

	if (!a || a->type != ATTR_INT)
		return false;
	*v = a->i;
	return true;
}

static void det_llm(struct tv_det *d, const struct tt_span *s)
{
	const char *req = attrs_get_str(&s->attrs, "gen_ai.request.model");
	const char *resp = attrs_get_str(&s->attrs, "gen_ai.response.model");
	const struct attr *ttft = attrs_get(&s->attrs, "gen_ai.response.time_to_first_chunk");
	int64_t in = -1, out = -1;
	bool has_in, has_out;

	if (resp && (!req || strcmp(req, resp)))
		det_add(d, ", ", "%s", resp);
	else if (req && !strstr(s->name ? s->name : "", req))
		det_add(d, ", ", "%s", req);
	has_in = attr_int(&s->attrs, "gen_ai.usage.input_tokens", &in);
	has_out = attr_int(&s->attrs, "gen_ai.usage.output_tokens", &out);
	if (has_in || has_out) {
		char a[24] = "?", b[24] = "?";

		if (has_in)
			snprintf(a, sizeof(a), "%" PRId64, in);
		if (has_out)
			snprintf(b, sizeof(b), "%" PRId64, out);
		det_add(d, ", ", "%s in / %s out tokens", a, b);
	}
	if (ttft && ttft->type == ATTR_DOUBLE && ttft->d >= 0 && ttft->d < 1e6) {
		char t[24];

		tree_view_duration((uint64_t)(ttft->d * 1e9 + 0.5), t, sizeof(t));
		det_add(d, ", ", "TTFT %s", t);
	}
}

static void det_process(struct tv_det *d, const struct tt_span *s)
{
	const struct attr *args =
		s->resource ? attrs_get(&s->resource->attrs, "process.command_args") : NULL;
	int64_t pid, code;
	size_t i;

	if (attr_int(&s->attrs, "process.pid", &pid))
		det_add(d, ", ", "pid %" PRId64, pid);
	else if (s->resource)
		det_add(d, ", ", "pid %u", s->resource->pid);
	if (attr_int(&s->attrs, "process.exit.code", &code))
		det_add(d, ", ", "exit %" PRId64, code);
	if (args && args->type == ATTR_STR_ARRAY) {
		for (i = 0; i < args->arr.n; i++)
			det_add(d, i ? " " : ": ", "%s", args->arr.v[i]);
	}
}

/* Errors and cut-off spans, shown first so that a narrow terminal never hides them. */
static void tv_marks(struct tv_det *d, const struct tt_span *s)
{
	const char *etype = attrs_get_str(&s->attrs, "error.type");
	const struct attr *inc = attrs_get(&s->attrs, "tracetree.incomplete");
	const char *msg = s->status_message && *s->status_message ? s->status_message : NULL;

	if (s->status == SPAN_STATUS_ERROR) {
		if (etype && msg && strcmp(etype, msg))
			det_add(d, " ", "✗ %s: %s", etype, msg);
		else
			det_add(d, " ", "✗ %s", etype ? etype : msg ? msg : "error");
	}
	if (inc && inc->type == ATTR_BOOL && inc->b)
		det_add(d, " ", "(incomplete)");
}

/* What the line shows after the duration: marks, then details by kind of span. */
static void tv_detail(struct tv_det *d, const struct tt_span *s)
{
	const char *op = attrs_get_str(&s->attrs, "gen_ai.operation.name");
	const char *method = attrs_get_str(&s->attrs, "http.request.method");
	const char *call = attrs_get_str(&s->attrs, "gen_ai.tool.call.id");
	int64_t code;

	tv_marks(d, s);
	d->group = d->len;
	if (op && !strcmp(op, "execute_tool")) {
		if (call)
			det_add(d, ", ", "call %s", call);
	} else if (op && strcmp(op, "invoke_agent")) {
		det_llm(d, s);
	} else if (method) {
		if (attr_int(&s->attrs, "http.response.status_code", &code))
			det_add(d, ", ", "%s %" PRId64, method, code);
		else
			det_add(d, ", ", "%s", method);
	} else if (op || (s->name && !strncmp(s->name, "exec ", 5)) ||
		   attrs_get(&s->attrs, "process.exit.code")) {
		det_process(d, s);
	} else if (call) {
		det_add(d, ", ", "call %s", call);
	}
}

static unsigned int tv_hash(const uint8_t id[16])
{
	unsigned int h = 0;
	int i;

	for (i = 0; i < 16; i++)
		h = h * 31 + id[i];
	return h % TV_BUCKETS;
}

static struct tv_trace *tv_find(struct tree_view *tv, const uint8_t id[16], bool create)
{
	struct tv_trace **pp = &tv->buckets[tv_hash(id)], *t;

	for (t = *pp; t; t = t->hnext)
		if (!memcmp(t->id, id, 16))
			return t;
	if (!create)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	memcpy(t->id, id, 16);
	t->hnext = *pp;
	*pp = t;
	t->older = tv->newest;
	if (tv->newest)
		tv->newest->newer = t;
	else
		tv->oldest = t;
	tv->newest = t;
	return t;
}

static void tv_trace_free(struct tree_view *tv, struct tv_trace *t)
{
	struct tv_trace **pp = &tv->buckets[tv_hash(t->id)];
	struct tv_node *n, *next;

	while (*pp != t)
		pp = &(*pp)->hnext;
	*pp = t->hnext;
	if (t->older)
		t->older->newer = t->newer;
	else
		tv->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		tv->newest = t->older;
	for (n = t->nodes; n; n = next) {
		next = n->next;
		free(n->name);
		free(n->detail);
		free(n->findings);
		free(n);
	}
	tv->nspans -= t->n;
	free(t);
}

static int cmp_start(const void *a, const void *b)
{
	const struct tv_node *x = *(struct tv_node *const *)a, *y = *(struct tv_node *const *)b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_id(const void *a, const void *b)
{
	const struct tv_node *x = *(struct tv_node *const *)a, *y = *(struct tv_node *const *)b;

	return memcmp(x->span_id, y->span_id, 8);
}

/* The findings on a span, one line each, under its line where its children's lines hang. */
static void tv_findings(struct tree_view *tv, const struct tv_node *n, size_t draw,
			const bool *last)
{
	char line[TV_MAX_LINE];
	const char *p = n->findings, *nl;
	size_t len, i;

	while (*p) {
		nl = strchr(p, '\n');
		len = 0;
		for (i = 1; i <= draw; i++)
			len += snprintf(line + len, sizeof(line) - len, "%s",
					last[i] ? "    " : "│   ");
		snprintf(line + len, sizeof(line) - len, "%s finding %.*s", n->child ? "│" : " ",
			 (int)(nl ? nl - p : (ptrdiff_t)strlen(p)), p);
		tv_cut(line, tv->width);
		fprintf(tv->out, "%s\n", line);
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static void tv_line(struct tree_view *tv, const struct tv_node *n, int depth, const bool *last)
{
	char line[TV_MAX_LINE], dur[24];
	size_t len = 0, cols, i, draw = depth > TV_MAX_INDENT ? TV_MAX_INDENT : depth;

	line[0] = '\0';
	for (i = 1; i <= draw; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s",
				i == draw ? (last[i] ? "└── " : "├── ") :
				last[i]	  ? "    " :
					    "│   ");
	/* the name may take what is left of the name column (at least 12 columns) */
	cols = 4 * draw;
	len += snprintf(line + len, sizeof(line) - len, "%s", n->name);
	tv_cut(line, cols + 12 > TT_TREE_NAME_COLS ? cols + 12 : TT_TREE_NAME_COLS);
	len = strlen(line);
	for (cols = tv_cols(line); cols < TT_TREE_NAME_COLS && len + 1 < sizeof(line); cols++)
		line[len++] = ' ';
	line[len] = '\0';
	tree_view_duration(n->end_ns > n->start_ns ? n->end_ns - n->start_ns : 0, dur, sizeof(dur));
	/* right-align the duration in 9 columns ("µ" is two bytes, one column) */
	for (cols = tv_cols(dur); cols < 9 && len + 1 < sizeof(line); cols++)
		line[len++] = ' ';
	len += snprintf(line + len, sizeof(line) - len, "%s", dur);
	if (*n->detail && len < sizeof(line) - 4)
		snprintf(line + len, sizeof(line) - len, "  %s", n->detail);
	tv_cut(line, tv->width);
	fprintf(tv->out, "%s\n", line);
	if (n->findings)
		tv_findings(tv, n, draw, last);
}

/* Preorder walk from root with an explicit stack (no recursion on deep process chains). */
static void tv_walk(struct tree_view *tv, struct tv_node *root, struct tv_node **stack, int *depths,
		    bool *lasts)
{
	bool last[TV_MAX_INDENT + 1] = { false }, flag;
	size_t sp = 0, first, i, j;
	struct tv_node *n, *c;
	int depth;

	stack[sp] = root;
	depths[sp] = 0;
	lasts[sp++] = true;
	while (sp) {
		n = stack[--sp];
		depth = depths[sp];
		if (n->visited)
			continue;
		n->visited = true;
		if (depth <= TV_MAX_INDENT)
			last[depth] = lasts[sp];
		else
			last[TV_MAX_INDENT] = lasts[sp];
		tv_line(tv, n, depth, last);
		/* push the unvisited children, then reverse them so the earliest pops first */
		first = sp;
		for (c = n->child; c; c = c->sibling) {
			if (c->visited)
				continue;
			stack[sp] = c;
			depths[sp] = depth + 1;
			lasts[sp++] = false;
		}
		if (sp == first)
			continue;
		lasts[sp - 1] = true;
		for (i = first, j = sp - 1; i < j; i++, j--) {
			c = stack[i];
			stack[i] = stack[j];
			stack[j] = c;
			flag = lasts[i];
			lasts[i] = lasts[j];
			lasts[j] = flag;
		}
	}
}

static void tv_link(struct tv_node **by_start, struct tv_node **by_id, size_t n)
{
	struct tv_node *key, **p;
	size_t i;

	qsort(by_start, n, sizeof(*by_start), cmp_start);
	qsort(by_id, n, sizeof(*by_id), cmp_id);
	for (i = 0; i < n; i++) {
		key = by_start[i];
		key->parent = NULL;
		key->child = key->last_child = key->sibling = NULL;
		key->visited = false;
	}
	for (i = 0; i < n; i++) {
		struct tv_node probe, *pp = &probe;

		key = by_start[i];
		if (!key->has_parent)
			continue;
		memcpy(probe.span_id, key->parent_id, 8);
		p = bsearch(&pp, by_id, n, sizeof(*by_id), cmp_id);
		if (!p || *p == key)
			continue;
		key->parent = *p;
		if ((*p)->last_child)
			(*p)->last_child->sibling = key;
		else
			(*p)->child = key;
		(*p)->last_child = key;
	}
}

static void tv_print(struct tree_view *tv, struct tv_trace *t, const char *why)
{
	struct tv_node **by_start, **by_id, **stack, *n;
	char hex[33];
	bool *lasts;
	int *depths;
	size_t i;

	by_start = calloc(t->n, sizeof(*by_start));
	by_id = calloc(t->n, sizeof(*by_id));
	stack = calloc(t->n + 1, sizeof(*stack));
	depths = calloc(t->n + 1, sizeof(*depths));
	lasts = calloc(t->n + 1, sizeof(*lasts));
	if (!by_start || !by_id || !stack || !depths || !lasts) {
		tt_warn("tree_view: trace of %zu spans not printed: out of memory", t->n);
		goto out;
	}
	for (i = 0, n = t->nodes; n; n = n->next, i++)
		by_start[i] = by_id[i] = n;
	tv_link(by_start, by_id, t->n);
	if (why) {
		hex_encode(t->id, 16, hex);
		fprintf(tv->out, "incomplete trace %s (%s)\n", hex, why);
		tv->st.incomplete++;
	}
	/* roots first, then anything a broken parent chain left unreached */
	for (i = 0; i < t->n; i++)
		if (!by_start[i]->parent)
			tv_walk(tv, by_start[i], stack, depths, lasts);
	for (i = 0; i < t->n; i++)
		if (!by_start[i]->visited)
			tv_walk(tv, by_start[i], stack, depths, lasts);
	fputc('\n', tv->out);
	fflush(tv->out);
	tv->st.traces++;
out:
	free(by_start);
	free(by_id);
	free(stack);
	free(depths);
	free(lasts);
}

struct tree_view *tree_view__new(FILE *out, const struct tree_view_opts *o)
{
	struct tree_view *tv = calloc(1, sizeof(*tv));

	if (!tv)
		return NULL;
	tv->out = out;
	tv->width = o && o->width ? o->width : TT_TREE_WIDTH;
	tv->max_spans = o && o->max_spans ? o->max_spans : TT_MAX_OPEN_SPANS;
	return tv;
}

/* "kind: summary" of each finding event, cleaned (no control characters), one a line. */
static int tv_node_findings(struct tv_node *n, const struct tt_span *s)
{
	const struct tt_span_event *e;
	char tmp[TV_MAX_DETAIL], *one;
	struct tt_buf b;
	size_t i;
	int err = 0;

	tt_buf_init(&b, 4 * TV_MAX_DETAIL);
	for (i = 0; !err && i < s->n_events; i++) {
		e = &s->events[i];
		if (strcmp(e->name, "tracetree.finding"))
			continue;
		snprintf(tmp, sizeof(tmp), "%s: %s",
			 attrs_get_str(&e->attrs, "tracetree.finding.kind") ?: "?",
			 attrs_get_str(&e->attrs, "tracetree.finding.summary") ?: "");
		one = tv_clean(tmp, TV_MAX_DETAIL);
		if (!one)
			return -ENOMEM;
		err = (b.len ? tt_buf_addc(&b, '\n') : 0) ?: tt_buf_addstr(&b, one);
		free(one);
	}
	if (b.len)
		n->findings = tt_buf_steal(&b, NULL);
	tt_buf_free(&b);
	return b.len && !n->findings ? -ENOMEM : 0;
}

static struct tv_node *tv_node_new(struct tree_view *tv, const struct tt_span *s)
{
	struct tv_node *n = calloc(1, sizeof(*n));
	struct tv_det d = { .len = 0 };

	if (!n)
		return NULL;
	d.s[0] = '\0';
	tv_detail(&d, s);
	n->name = tv_clean(s->name, TV_MAX_NAME);
	n->detail = tv_clean(d.s, TV_MAX_DETAIL);
	if (!n->name || !n->detail || tv_node_findings(n, s)) {
		free(n->name);
		free(n->detail);
		free(n->findings);
		free(n);
		return NULL;
	}
	memcpy(n->span_id, s->span_id, 8);
	memcpy(n->parent_id, s->parent_id, 8);
	n->has_parent = s->has_parent && !s->remote_parent;
	n->seq = tv->seq++;
	n->start_ns = s->start_ns;
	n->end_ns = s->end_ns;
	return n;
}

int tree_view__add(struct tree_view *tv, const struct tt_span *s)
{
	struct tv_trace *t;
	struct tv_node *n;

	tv->st.spans++;
	while (tv->nspans >= tv->max_spans && tv->oldest) {
		tv->st.evicted++;
		tt_debug("tree_view: %zu spans buffered: printing the oldest trace early",
			 tv->nspans);
		tv_print(tv, tv->oldest, "printed early: too many open spans");
		tv_trace_free(tv, tv->oldest);
	}
	n = tv_node_new(tv, s);
	t = n ? tv_find(tv, s->trace_id, true) : NULL;
	if (!t) {
		if (n) {
			free(n->name);
			free(n->detail);
			free(n->findings);
			free(n);
		}
		return -ENOMEM;
	}
	n->next = t->nodes;
	t->nodes = n;
	t->n++;
	tv->nspans++;
	if (!n->has_parent) {
		tv_print(tv, t, NULL);
		tv_trace_free(tv, t);
	}
	return 0;
}

void tree_view__flush(struct tree_view *tv)
{
	while (tv && tv->oldest) {
		tv_print(tv, tv->oldest, "its root span did not end");
		tv_trace_free(tv, tv->oldest);
	}
}

void tree_view__stats(const struct tree_view *tv, struct tree_view_stats *st)
{
	*st = tv->st;
}

void tree_view__free(struct tree_view *tv)
{
	if (!tv)
		return;
	while (tv->oldest)
		tv_trace_free(tv, tv->oldest);
	free(tv);
}
