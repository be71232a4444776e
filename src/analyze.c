// SPDX-License-Identifier: MIT
/* analyze.c: findings on one trace's spans: an index of the tree, then one pass per kind. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze.h"
#include "analyze_internal.h"
#include "buf.h"
#include "hex.h"
#include "jsonw.h"
#include "linker_internal.h"

static const char *const kind_names[FINDING__COUNT] = {
	[FINDING_RUNAWAY_ITERATION] = "runaway_iteration",
	[FINDING_TOOL_LATENCY_CONCENTRATION] = "tool_latency_concentration",
	[FINDING_ERROR_IN_CONTENT] = "error_in_content",
	[FINDING_UNEXPECTED_TOOL] = "unexpected_tool",
	[FINDING_RETRY_STORM] = "retry_storm",
	[FINDING_SUBAGENT_FAILURE] = "subagent_failure",
};

const char *finding_kind_name(enum finding_kind k)
{
	return k < FINDING__COUNT ? kind_names[k] : "unknown";
}

/* ---- findings ---- */

static struct finding *finding_add(struct findings *out, enum finding_kind k, struct tt_span *s,
				   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct finding *finding_add(struct findings *out, enum finding_kind k, struct tt_span *s,
				   const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	size_t i;

	for (i = 0; i < out->n; i++)
		if (out->v[i].kind == k && out->v[i].span == s)
			return NULL; /* one finding of a kind per span */
	if (tt_ensure_mem((void **)&out->v, &out->alloc, sizeof(*out->v), out->n + 1))
		return NULL;
	f = &out->v[out->n++];
	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->span = s;
	va_start(ap, fmt);
	vsnprintf(f->summary, sizeof(f->summary), fmt, ap);
	va_end(ap);
	return f;
}

static int64_t int_attr(const struct tt_span *s, const char *key, int64_t def)
{
	const struct attr *a = attrs_get(&s->attrs, key);

	if (a && a->type == ATTR_INT)
		return a->i;
	if (a && a->type == ATTR_STR && a->s[0])
		return strtoll(a->s, NULL, 10);
	return def;
}

static void evidence_span(struct attr_list *e, const char *key, const struct tt_span *s)
{
	char hex[17];

	hex_encode(s->span_id, 8, hex);
	attrs_set_str(e, key, hex);
}

/* -- runaway_iteration: (run, tool, arguments) repeated -- */

/* A tool call: its run, tool, the hash of its arguments or of its result, start, node. */
struct call_key {
	size_t run;
	const char *name;
	uint64_t hash;
	uint64_t start;
	size_t node;
};

uint64_t analyze_args_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	if (!s)
		return 0;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h | 1; /* never 0: 0 is "arguments unknown" */
}

uint64_t analyze_result_hash(const char *s)
{
	return s && s[strspn(s, " \t\r\n")] ? analyze_args_hash(s) : 0;
}

/* The same run, tool and hash. */
static bool call_same(const struct call_key *x, const struct call_key *y)
{
	return x->run == y->run && x->hash == y->hash && !strcmp(x->name, y->name);
}

/* By run, tool, hash, then time. */
static int call_cmp(const void *a, const void *b)
{
	const struct call_key *x = a, *y = b;
	int c;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static int find_runaway(struct index *x, const struct analyze_opts *o, struct findings *out)
{
	struct call_key *k;
	struct finding *f;
	size_t i, j, n = 0;
	const char *a;

	k = calloc(x->n ? x->n : 1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < x->n; i++) {
		const struct tt_span *s = x->v[i].s;

		if (x->v[i].role != ROLE_TOOL)
			continue;
		a = attrs_get_str(&s->attrs, "gen_ai.tool.call.arguments");
		k[n].hash = a ? analyze_args_hash(a) : s->tool_args_hash;
		k[n].name = attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name;
		if (!k[n].hash)
			continue; /* arguments unknown: repeats of a name alone prove nothing */
		k[n].run = x->v[i].run;
		k[n].start = s->start_ns;
		k[n++].node = i;
	}
	qsort(k, n, sizeof(*k), call_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && call_same(&k[i], &k[j]); j++)
			;
		if (j - i < o->runaway_repeats)
			continue;
		f = finding_add(out, FINDING_RUNAWAY_ITERATION, x->v[k[i].run].s,
				"tool %.64s called %zu times with the same arguments", k[i].name,
				j - i);
		if (!f)
			continue;
		attrs_set_str(&f->evidence, "tool", k[i].name);
		attrs_set_int(&f->evidence, "repeats", (int64_t)(j - i));
		attrs_set_int(&f->evidence, "threshold", o->runaway_repeats);
		evidence_span(&f->evidence, "first_span_id", x->v[k[i].node].s);
		evidence_span(&f->evidence, "last_span_id", x->v[k[j - 1].node].s);
	}
	free(k);
	return 0;
}

/*
 * -- runaway_iteration, its second half: tool calls in a row that brought the model nothing
 * new. A call is stale when its result (known and not blank) is one the run already got from
 * the same tool, whatever the arguments: the same tool/result pairs coming round again, or a
 * tool asked differently answering the same. A call with a new or unknown result breaks the
 * streak; runaway_stale stale calls in a row make the finding.
 */

/* By run, then time. */
static int time_cmp(const void *a, const void *b)
{
	const struct call_key *x = a, *y = b;

	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static void stale_finding(struct index *x, const struct analyze_opts *o, struct findings *out,
			  const struct call_key *first, const struct call_key *last, size_t n)
{
	struct finding *f;

	f = finding_add(out, FINDING_RUNAWAY_ITERATION, x->v[first->run].s,
			"%zu tool calls in a row brought no new result (tool %.64s returned "
			"the same result again)",
			n, first->name);
	if (!f)
		return;
	attrs_set_str(&f->evidence, "tool", first->name);
	attrs_set_int(&f->evidence, "stale_calls", (int64_t)n);
	attrs_set_int(&f->evidence, "threshold", o->runaway_stale);
	evidence_span(&f->evidence, "first_span_id", x->v[first->node].s);
	evidence_span(&f->evidence, "last_span_id", x->v[last->node].s);
}

static int find_stale(struct index *x, const struct analyze_opts *o, struct findings *out)
{
	struct call_key *k;
	bool *stale;
	size_t i, n = 0, streak = 0;
	const struct tt_span *s;

	k = calloc(x->n ? x->n : 1, sizeof(*k));
	stale = calloc(x->n ? x->n : 1, sizeof(*stale));
	if (!k || !stale) {
		free(k);
		free(stale);
		return -ENOMEM;
	}
	for (i = 0; i < x->n; i++) {
		if (x->v[i].role != ROLE_TOOL)
			continue;
		s = x->v[i].s;
		k[n] = (struct call_key){ x->v[i].run,
					  attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name,
					  s->tool_result_hash, s->start_ns, i };
		if (attrs_get_str(&s->attrs, "gen_ai.tool.call.result"))
			k[n].hash = analyze_result_hash(
				attrs_get_str(&s->attrs, "gen_ai.tool.call.result"));
		n++;
	}
	/* by (run, tool, result, time): all but the first of a group got nothing new */
	qsort(k, n, sizeof(*k), call_cmp);
	for (i = 1; i < n; i++)
		stale[k[i].node] = k[i].hash && call_same(&k[i], &k[i - 1]);
	qsort(k, n, sizeof(*k), time_cmp);
	for (i = 0; i < n; i++) {
		if (i && k[i].run != k[i - 1].run)
			streak = 0;
		streak = stale[k[i].node] ? streak + 1 : 0;
		/* at the streak's last call (finding_add keeps one per run) */
		if (streak >= o->runaway_stale &&
		    (i + 1 == n || k[i + 1].run != k[i].run || !stale[k[i + 1].node]))
			stale_finding(x, o, out, &k[i + 1 - streak], &k[i], streak);
	}
	free(stale);
	free(k);
	return 0;
}

/* -- tool_latency_concentration: a direct child of a run dominating it -- */

static void find_latency(struct index *x, const struct analyze_opts *o, struct findings *out)
{
	uint64_t run_dur, other;
	struct node *c, *r;
	struct finding *f;
	size_t i;

	for (i = 0; i < x->n; i++) {
		c = &x->v[i];
		if (c->parent == ANALYZE_NONE || c->parent != c->run ||
		    (c->role != ROLE_TOOL && c->role != ROLE_PROCESS && c->role != ROLE_HTTP))
			continue;
		r = &x->v[c->run];
		run_dur = r->dur;
		if (!run_dur || r->n_children < 2 || c->dur < o->latency_min_ms * 1000000ull)
			continue;
		other = r->top == i ? r->second_dur : r->top_dur;
		if (c->dur * 100 < run_dur * o->latency_share || c->dur < other * o->latency_ratio)
			continue;
		f = finding_add(out, FINDING_TOOL_LATENCY_CONCENTRATION, c->s,
				"%.80s took %" PRIu64
				"%% of the run (%.1f s), %.1fx its siblings' longest",
				c->s->name, c->dur * 100 / run_dur, c->dur / 1e9,
				other ? (double)c->dur / other : 0.0);
		if (!f)
			continue;
		attrs_set_int(&f->evidence, "duration_ns", (int64_t)c->dur);
		attrs_set_int(&f->evidence, "run_duration_ns", (int64_t)run_dur);
		attrs_set_int(&f->evidence, "sibling_max_ns", (int64_t)other);
		evidence_span(&f->evidence, "run_span_id", r->s);
	}
}

/* -- error_in_content: a tool's result is an error its status does not show -- */

/* error.type values a tracer sets from the result itself (linker_tool.c), not the transport */
static bool content_error_type(const char *t)
{
	static const char *const v[] = { "tool_error", "error", "traceback", "command_not_found",
					 "exit_code" };
	size_t i;

	for (i = 0; t && i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(t, v[i]))
			return true;
	return false;
}

/* The first direct process child of tool i that exited non-zero, ANALYZE_NONE if none. */
static size_t failed_process(const struct index *x, size_t i)
{
	size_t c;

	for (c = x->first[i]; c != ANALYZE_NONE; c = x->next[c])
		if (x->v[c].role == ROLE_PROCESS && int_attr(x->v[c].s, "process.exit.code", 0))
			return c;
	return ANALYZE_NONE;
}

static void find_content_errors(struct index *x, struct findings *out)
{
	const char *et, *res, *cls;
	const struct tt_span *s;
	struct finding *f;
	size_t i, p;

	for (i = 0; i < x->n; i++) {
		if (x->v[i].role != ROLE_TOOL)
			continue;
		s = x->v[i].s;
		et = attrs_get_str(&s->attrs, "error.type");
		if (s->status == SPAN_STATUS_ERROR && !content_error_type(et))
			continue; /* the status tells already (a protocol error, no response) */
		res = attrs_get_str(&s->attrs, "gen_ai.tool.call.result");
		cls = content_error_type(et) ? et : linker_tool_error(res);
		p = failed_process(x, i);
		if (!cls && p == ANALYZE_NONE)
			continue;
		if (cls && !strcmp(cls, "tool_error"))
			f = finding_add(
				out, FINDING_ERROR_IN_CONTENT, x->v[i].s,
				"the result of tool %.64s is flagged as an error (is_error)",
				attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name);
		else if (cls)
			f = finding_add(out, FINDING_ERROR_IN_CONTENT, x->v[i].s,
					"the result of tool %.64s reads as an error (%s)",
					attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name,
					cls);
		else
			f = finding_add(out, FINDING_ERROR_IN_CONTENT, x->v[i].s,
					"tool %.64s ran %.64s, which exited %" PRId64,
					attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name,
					x->v[p].s->name,
					int_attr(x->v[p].s, "process.exit.code", 0));
		if (!f)
			continue;
		if (cls)
			attrs_set_str(&f->evidence, "error_class", cls);
		if (p != ANALYZE_NONE) {
			attrs_set_int(&f->evidence, "exit_code",
				      int_attr(x->v[p].s, "process.exit.code", 0));
			evidence_span(&f->evidence, "process_span_id", x->v[p].s);
		}
		attrs_set_int(&f->evidence, "status_code", s->status);
	}
}

/* -- unexpected_tool: a call that does not fit the tools its LLM call offered -- */

/* Whether the content attribute key of s was cut by a cap (tracetree.content.truncated). */
static bool content_cut(const struct tt_span *s, const char *key)
{
	const struct attr *a = attrs_get(&s->attrs, "tracetree.content.truncated");
	size_t i;

	for (i = 0; a && a->type == ATTR_STR_ARRAY && i < a->arr.n; i++)
		if (!strcmp(a->arr.v[i], key))
			return true;
	return false;
}

/*
 * The tools offered: the linker's private offer (live, with or without content), else the
 * exported definitions unless a cap cut them (a partial list would make offered tools look
 * unexpected).
 */
cJSON *analyze_node_defs(struct node *nd)
{
	const char *d;

	if (!nd->defs_read) {
		nd->defs_read = true;
		d = nd->s->tool_offer;
		if (!d && !content_cut(nd->s, "gen_ai.tool.definitions"))
			d = attrs_get_str(&nd->s->attrs, "gen_ai.tool.definitions");
		nd->defs = d ? cJSON_Parse(d) : NULL;
		if (nd->defs && !cJSON_IsArray(nd->defs)) {
			cJSON_Delete(nd->defs);
			nd->defs = NULL;
		}
	}
	return nd->defs;
}

/*
 * The LLM call that asked for tool i: its latest sibling starting before the tool. Not "ending
 * by": a streamed call's tool starts when its last part arrived, before the response's end.
 */
static size_t asking_llm(const struct index *x, size_t i)
{
	size_t c, best = ANALYZE_NONE, p = x->v[i].parent;

	if (p == ANALYZE_NONE)
		return ANALYZE_NONE;
	for (c = x->first[p]; c != ANALYZE_NONE; c = x->next[c]) {
		if (x->v[c].role != ROLE_LLM || x->v[c].s->start_ns >= x->v[i].s->start_ns)
			continue;
		if (best == ANALYZE_NONE || x->v[c].s->start_ns > x->v[best].s->start_ns)
			best = c;
	}
	return best;
}

static void find_unexpected(struct index *x, struct findings *out)
{
	static const char *const what[] = {
		[TOOL_NOT_OFFERED] = "was not among the tools offered",
		[TOOL_ARGS_NOT_JSON] = "was called with arguments that are not JSON",
		[TOOL_ARGS_MISFIT] = "was called with arguments that do not fit its schema",
	};
	const char *name, *args, *type;
	enum tool_check r;
	struct finding *f;
	char why[128];
	cJSON *defs;
	size_t i, l;

	for (i = 0; i < x->n; i++) {
		if (x->v[i].role != ROLE_TOOL)
			continue;
		/* the provider's own tools (web search, code execution) are named by its server */
		type = attrs_get_str(&x->v[i].s->attrs, "gen_ai.tool.type");
		if (type && !strcmp(type, "server_tool_use"))
			continue;
		l = asking_llm(x, i);
		defs = l == ANALYZE_NONE ? NULL : analyze_node_defs(&x->v[l]);
		name = attrs_get_str(&x->v[i].s->attrs, "gen_ai.tool.name");
		if (!defs || !name)
			continue;
		/* the arguments as exported when whole, else their private shape (live) */
		args = attrs_get_str(&x->v[i].s->attrs, "gen_ai.tool.call.arguments");
		if (!args || content_cut(x->v[i].s, "gen_ai.tool.call.arguments"))
			args = x->v[i].s->tool_args_shape;
		if (type && strcmp(type, "function"))
			args = NULL; /* a custom tool takes free text, not JSON */
		r = analyze_tool_check(defs, name, args, why, sizeof(why));
		if (r == TOOL_FITS)
			continue;
		f = finding_add(out, FINDING_UNEXPECTED_TOOL, x->v[i].s, "tool %.64s %s%s%.100s",
				name, what[r], why[0] ? ": " : "", why);
		if (!f)
			continue;
		attrs_set_str(&f->evidence, "tool", name);
		attrs_set_str(&f->evidence, "reason",
			      r == TOOL_NOT_OFFERED   ? "not_offered" :
			      r == TOOL_ARGS_NOT_JSON ? "arguments_not_json" :
							"arguments_misfit");
		if (why[0])
			attrs_set_str(&f->evidence, "detail", why);
		evidence_span(&f->evidence, "llm_span_id", x->v[l].s);
	}
}

/* -- retry_storm: LLM errors (429, 5xx, overloaded) piling up in one run -- */

static bool llm_retryable_error(const struct tt_span *s)
{
	int64_t code = int_attr(s, "http.response.status_code", 0);
	const char *et = attrs_get_str(&s->attrs, "error.type");

	if (code == 429 || code >= 500)
		return true;
	if (!et)
		return false;
	code = strtoll(et, NULL, 10);
	return code == 429 || (code >= 500 && code < 600) || strcasestr(et, "overloaded") ||
	       strcasestr(et, "rate_limit") || strcasestr(et, "throttl");
}

static int find_retry_storm(struct index *x, const struct analyze_opts *o, struct findings *out)
{
	size_t *count, i;
	struct finding *f;

	count = calloc(x->n ? x->n : 1, sizeof(*count));
	if (!count)
		return -ENOMEM;
	for (i = 0; i < x->n; i++)
		if (x->v[i].role == ROLE_LLM && llm_retryable_error(x->v[i].s))
			count[x->v[i].run]++;
	for (i = 0; i < x->n; i++) {
		if (!count[i] || count[i] < o->retry_errors)
			continue;
		f = finding_add(out, FINDING_RETRY_STORM, x->v[i].s,
				"%zu LLM calls failed with 429/5xx/overloaded in this run",
				count[i]);
		if (!f)
			continue;
		attrs_set_int(&f->evidence, "errors", (int64_t)count[i]);
		attrs_set_int(&f->evidence, "threshold", o->retry_errors);
	}
	free(count);
	return 0;
}

/* -- subagent_failure: an agent under another one failed or handed back an error -- */

static void find_subagent(struct index *x, struct findings *out)
{
	const struct tt_span *s, *t;
	struct finding *f;
	int64_t code;
	size_t i, p;

	for (i = 0; i < x->n; i++) {
		p = x->v[i].parent;
		if (x->v[i].role != ROLE_AGENT || p == ANALYZE_NONE ||
		    x->v[x->v[p].run].role != ROLE_AGENT)
			continue;
		s = x->v[i].s;
		t = x->v[p].role == ROLE_TOOL ? x->v[p].s : NULL;
		code = int_attr(s, "process.exit.code", 0);
		if (code)
			f = finding_add(out, FINDING_SUBAGENT_FAILURE, x->v[i].s,
					"sub-agent %.80s exited %" PRId64, s->name, code);
		else if (s->status == SPAN_STATUS_ERROR)
			f = finding_add(out, FINDING_SUBAGENT_FAILURE, x->v[i].s,
					"sub-agent %.80s failed", s->name);
		else if (t && t->status == SPAN_STATUS_ERROR)
			f = finding_add(out, FINDING_SUBAGENT_FAILURE, x->v[i].s,
					"sub-agent %.80s returned an error to its parent", s->name);
		else
			continue;
		if (!f)
			continue;
		attrs_set_int(&f->evidence, "exit_code", code);
		evidence_span(&f->evidence, "parent_agent_span_id", x->v[x->v[p].run].s);
		if (t)
			evidence_span(&f->evidence, "tool_span_id", t);
	}
}

int analyze_trace(struct tt_span *const *spans, size_t n, const struct analyze_opts *o,
		  struct findings *out)
{
	struct index x;
	int err;

	err = aindex__build(&x, spans, n);
	err = err ?: find_runaway(&x, o, out);
	err = err ?: find_stale(&x, o, out);
	if (!err) {
		find_latency(&x, o, out);
		find_content_errors(&x, out);
		find_unexpected(&x, out);
	}
	err = err ?: find_retry_storm(&x, o, out);
	if (!err)
		find_subagent(&x, out);
	aindex__free(&x);
	return err;
}

/* -- the sub-agent handoff -- */

static int handoff_attr(struct tt_span *a, const struct tt_span *t, const char *from,
			const char *to, const char **cut, size_t *n_cut)
{
	const char *v = attrs_get_str(&t->attrs, from);

	if (!v)
		return 0;
	if (content_cut(t, from))
		cut[(*n_cut)++] = to;
	return attrs_set_str(&a->attrs, to, v);
}

int analyze_handoffs(struct tt_span *const *spans, size_t n)
{
	const struct attr *old;
	const char *cut[16];
	struct tt_span *a, *t;
	struct index x;
	size_t i, j, n_cut, n_old;
	int err;

	err = aindex__build(&x, spans, n);
	for (i = 0; !err && i < x.n; i++) {
		if (x.v[i].role != ROLE_AGENT || x.v[i].parent == ANALYZE_NONE ||
		    x.v[x.v[i].parent].role != ROLE_TOOL)
			continue;
		a = x.v[i].s;
		t = x.v[x.v[i].parent].s;
		n_cut = 0;
		old = attrs_get(&a->attrs, "tracetree.content.truncated");
		for (j = 0; old && old->type == ATTR_STR_ARRAY && j < old->arr.n && j < 14; j++)
			cut[n_cut++] = old->arr.v[j];
		n_old = n_cut; /* old may move as attributes are added; its strings do not */
		err = handoff_attr(a, t, "gen_ai.tool.call.arguments",
				   "tracetree.subagent.objective", cut, &n_cut);
		err = err   ?:
			      handoff_attr(a, t, "gen_ai.tool.call.result",
					   "tracetree.subagent.result", cut, &n_cut);
		if (!err && n_cut > n_old)
			err = attrs_set_str_array(&a->attrs, "tracetree.content.truncated", cut,
						  n_cut);
	}
	aindex__free(&x);
	return err ? -ENOMEM : 0;
}

void findings_free(struct findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		attrs_free(&f->v[i].evidence);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

int findings_attach(const struct findings *f)
{
	struct tt_span_event *e;
	struct tt_span *s;
	size_t i;
	int err = 0;

	for (i = 0; i < f->n; i++) {
		s = f->v[i].span;
		e = span__add_event(s, "tracetree.finding",
				    s->end_ns > s->start_ns ? s->end_ns : s->start_ns);
		if (!e) {
			if (errno == ENOSPC)
				continue; /* counted in dropped_events */
			return -ENOMEM;
		}
		err |= attrs_set_str(&e->attrs, "tracetree.finding.kind",
				     finding_kind_name(f->v[i].kind));
		err |= attrs_set_str(&e->attrs, "tracetree.finding.summary", f->v[i].summary);
	}
	return err ? -ENOMEM : 0;
}

static int json_attr_value(struct tt_buf *b, const struct attr *a)
{
	switch (a->type) {
	case ATTR_STR:
		return jsonw_cstr(b, a->s);
	case ATTR_INT:
		return tt_buf_printf(b, "%" PRId64, a->i);
	case ATTR_DOUBLE:
		return tt_buf_printf(b, "%.17g", a->d);
	case ATTR_BOOL:
		return tt_buf_addstr(b, a->b ? "true" : "false");
	default:
		return tt_buf_addstr(b, "null");
	}
}

char *finding_json(const struct finding *f)
{
	char tid[33], sid[17];
	struct tt_buf b;
	size_t i;
	int err;

	hex_encode(f->span->trace_id, 16, tid);
	hex_encode(f->span->span_id, 8, sid);
	tt_buf_init(&b, 1u << 20);
	err = tt_buf_printf(&b,
			    "{\"kind\":\"%s\",\"trace_id\":\"%s\",\"span_id\":\"%s\",\"summary\":",
			    finding_kind_name(f->kind), tid, sid);
	err = err ?: jsonw_cstr(&b, f->summary) ?: tt_buf_addstr(&b, ",\"evidence\":{");
	for (i = 0; !err && i < f->evidence.n; i++) {
		err = i ? tt_buf_addc(&b, ',') : 0;
		err = err ?: jsonw_cstr(&b, f->evidence.v[i].key) ?: tt_buf_addc(&b, ':');
		err = err ?: json_attr_value(&b, &f->evidence.v[i]);
	}
	err = err ?: tt_buf_addstr(&b, "}}");
	if (err) {
		tt_buf_free(&b);
		return NULL;
	}
	return tt_buf_steal(&b, NULL);
}
