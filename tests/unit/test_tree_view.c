// SPDX-License-Identifier: MIT
/* test_tree_view.c: the terminal tree: golden output, widths, incomplete traces, eviction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp_test.h"
#include "test.h"
#include "tree_view.h"

#define MS 1000000ull

struct tv_fix {
	struct tt_resource *agent, *bash, *ls;
	uint8_t trace[16];
	uint8_t seed;
};

static struct tt_span *mk(struct tv_fix *f, struct tt_resource *r, const char *name,
			  enum span_kind kind, const struct tt_span *parent, uint64_t start_ms,
			  uint64_t end_ms)
{
	struct tt_span *s = span__new(name, kind, r);

	memcpy(s->trace_id, f->trace, 16);
	memset(s->span_id, 0, 8);
	s->span_id[7] = ++f->seed;
	if (parent) {
		memcpy(s->parent_id, parent->span_id, 8);
		s->has_parent = true;
	}
	s->start_ns = start_ms * MS;
	s->end_ns = end_ms * MS;
	attrs_set_int(&s->attrs, "process.pid", r->pid);
	return s;
}

static struct tt_resource *res(uint32_t pid, const char *const *args, size_t n)
{
	struct tt_resource *r = resource__new(pid, 1);

	attrs_set_str_array(&r->attrs, "process.command_args", args, n);
	return r;
}

static void llm(struct tt_span *s, const char *model, const char *resp, int64_t in, int64_t out,
		double ttft)
{
	attrs_set_str(&s->attrs, "gen_ai.operation.name", "chat");
	attrs_set_str(&s->attrs, "gen_ai.request.model", model);
	if (resp)
		attrs_set_str(&s->attrs, "gen_ai.response.model", resp);
	attrs_set_int(&s->attrs, "gen_ai.usage.input_tokens", in);
	attrs_set_int(&s->attrs, "gen_ai.usage.output_tokens", out);
	if (ttft >= 0)
		attrs_set_double(&s->attrs, "gen_ai.response.time_to_first_chunk", ttft);
}

static void tool(struct tt_span *s, const char *name, const char *id)
{
	attrs_set_str(&s->attrs, "gen_ai.operation.name", "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", name);
	attrs_set_str(&s->attrs, "gen_ai.tool.call.id", id);
}

/* Adds (and frees) spans in the order given: children end before their parents. */
static bool feed(struct tree_view *tv, struct tt_span **v, size_t n)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		ok &= ASSERT_OK(tree_view__add(tv, v[i]), "add");
		span__free(v[i]);
	}
	return ok;
}

/*
 * The DESIGN picture: an agent with two LLM calls, a shell tool running bash -> ls, a failing
 * web tool with its HTTP request, plus a second trace whose root never ends.
 */
static void build(struct tt_span **v, size_t *n, struct tv_fix *f)
{
	const char *aargs[] = { "node", "/usr/local/bin/claude", "-p", "list /tmp" };
	const char *bargs[] = { "/bin/bash", "-c", "ls /tmp" };
	const char *largs[] = { "ls", "/tmp" };
	struct tt_span *agent, *t1, *t2, *bash, *c;
	size_t k = 0;

	memset(f, 0, sizeof(*f));
	memset(f->trace, 0xab, 16);
	f->agent = res(4242, aargs, 4);
	f->bash = res(4250, bargs, 3);
	f->ls = res(4251, largs, 2);
	agent = mk(f, f->agent, "invoke_agent claude-code", SPAN_KIND_INTERNAL, NULL, 0, 12400);
	attrs_set_str(&agent->attrs, "gen_ai.operation.name", "invoke_agent");
	attrs_set_int(&agent->attrs, "process.exit.code", 0);
	c = mk(f, f->agent, "chat claude-sonnet-4-6", SPAN_KIND_CLIENT, agent, 100, 2400);
	llm(c, "claude-sonnet-4-6", NULL, 3847, 212, 0.41);
	v[k++] = c;
	t1 = mk(f, f->agent, "execute_tool Bash", SPAN_KIND_INTERNAL, agent, 2400, 2600);
	tool(t1, "Bash", "toolu_01A2b3C4d5");
	bash = mk(f, f->bash, "exec bash", SPAN_KIND_INTERNAL, t1, 2410, 2590);
	attrs_set_int(&bash->attrs, "process.exit.code", 0);
	c = mk(f, f->ls, "exec ls", SPAN_KIND_INTERNAL, bash, 2420, 2423);
	attrs_set_int(&c->attrs, "process.exit.code", 0);
	v[k++] = c;
	v[k++] = bash;
	v[k++] = t1;
	c = mk(f, f->agent, "chat claude-sonnet-4-6", SPAN_KIND_CLIENT, agent, 2600, 3700);
	llm(c, "claude-sonnet-4-6", "claude-sonnet-4-6-20260101", 4120, 96, -1);
	v[k++] = c;
	t2 = mk(f, f->agent, "execute_tool WebFetch", SPAN_KIND_INTERNAL, agent, 3700, 9100);
	tool(t2, "WebFetch", "toolu_02");
	attrs_set_str(&t2->attrs, "error.type", "tool_error");
	span__set_status(t2, SPAN_STATUS_ERROR, "404 Not Found");
	c = mk(f, f->agent, "GET docs.example.com", SPAN_KIND_CLIENT, t2, 3800, 4000);
	attrs_set_str(&c->attrs, "http.request.method", "GET");
	attrs_set_int(&c->attrs, "http.response.status_code", 404);
	attrs_set_str(&c->attrs, "error.type", "404");
	span__set_status(c, SPAN_STATUS_ERROR, NULL);
	v[k++] = c;
	/* a process cut off at shutdown, with a very long name and a control character */
	c = mk(f, f->agent,
	       "exec a-very-long-executable-name-that-will-not-fit-the-name-column\x1b[2J",
	       SPAN_KIND_INTERNAL, t2, 4000, 9000);
	attrs_set_bool(&c->attrs, "tracetree.incomplete", true);
	v[k++] = c;
	v[k++] = t2;
	c = mk(f, f->agent, "chat claude-sonnet-4-6", SPAN_KIND_CLIENT, agent, 9100, 12300);
	llm(c, "claude-sonnet-4-6", NULL, 5000, 1500, 65.2);
	v[k++] = c;
	v[k++] = agent;
	/* trace 2: the agent is still running at exit; only its LLM call ended */
	memset(f->trace, 0xcd, 16);
	agent = mk(f, f->agent, "invoke_agent codex", SPAN_KIND_INTERNAL, NULL, 20000, 0);
	c = mk(f, f->agent, "chat gpt-5", SPAN_KIND_CLIENT, agent, 20100, 20100);
	llm(c, "gpt-5", NULL, 10, 0, 0.0004);
	v[k++] = c;
	span__free(agent);
	*n = k;
	resource__put(f->agent);
	resource__put(f->bash);
	resource__put(f->ls);
}

/* A view printing to a memory stream, and the text it printed (whole once tv_text closed it). */
struct tv_out {
	struct tree_view *tv;
	FILE *f;
	char *text;
	size_t len;
};

static bool tv_open(struct tv_out *o, const struct tree_view_opts *opts)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->text, &o->len);
	if (!ASSERT_OK_PTR(o->f, "memstream"))
		return false;
	o->tv = tree_view__new(o->f, opts);
	return ASSERT_OK_PTR(o->tv, "new");
}

/* The same, fed the spans of build(). */
static bool tv_open_fed(struct tv_out *o, const struct tree_view_opts *opts)
{
	struct tt_span *v[16];
	struct tv_fix f;
	size_t n;

	if (!tv_open(o, opts))
		return false;
	build(v, &n, &f);
	feed(o->tv, v, n);
	return true;
}

/* Everything printed so far; the stream is closed, nothing is printed after. */
static const char *tv_text(struct tv_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	return o->text;
}

static void tv_close(struct tv_out *o)
{
	tree_view__free(o->tv);
	if (o->f)
		fclose(o->f);
	free(o->text);
}

/* Every line of text is at most width columns (a UTF-8 character counts once). */
static bool lines_fit(const char *text, size_t width, const char *name)
{
	const char *p = text;
	size_t cols;

	while (p && *p) {
		for (cols = 0; *p && *p != '\n'; p++)
			cols += ((unsigned char)*p & 0xc0) != 0x80;
		if (!ASSERT_LE(cols, width, name))
			return false;
		p += *p == '\n';
	}
	return true;
}

void test_tree_view_golden(void)
{
	struct tree_view_stats st;
	struct tv_out o;

	if (!tv_open_fed(&o, NULL))
		goto out;
	fflush(o.f);
	ASSERT_TRUE(o.len > 0, "trace printed when its root ended");
	ASSERT_NULL(strstr(o.text, "codex"), "unfinished trace held back");
	tree_view__flush(o.tv);
	tree_view__stats(o.tv, &st);
	ASSERT_EQ(st.spans, 11, "spans");
	ASSERT_EQ(st.traces, 2, "traces");
	ASSERT_EQ(st.incomplete, 1, "incomplete traces");
	otlp_test_golden_text("tree_basic.txt", tv_text(&o));
	lines_fit(o.text, TT_TREE_WIDTH, "line fits 100 columns");
	ASSERT_NULL(strchr(o.text, '\x1b'), "control characters never reach the terminal");
out:
	tv_close(&o);
}

void test_tree_view_narrow(void)
{
	struct tree_view_opts opts = { .width = 60 };
	struct tv_out o;

	if (!tv_open_fed(&o, &opts))
		goto out;
	tree_view__free(o.tv); /* the unfinished trace is dropped silently by free */
	o.tv = NULL;
	lines_fit(tv_text(&o), 60, "line fits 60 columns");
	ASSERT_OK_PTR(strstr(o.text, "…\n"), "cut lines end in an ellipsis");
	ASSERT_NULL(strstr(o.text, "codex"), "unfinished trace not printed by free");
out:
	tv_close(&o);
}

void test_tree_view_eviction(void)
{
	struct tree_view_opts opts = { .max_spans = 3 };
	struct tree_view_stats st;
	struct tt_resource *r = res(7, NULL, 0);
	struct tv_fix f = { .seed = 0 };
	struct tt_span *root, *s;
	struct tv_out o;
	int i;

	if (!tv_open(&o, &opts))
		goto out;
	/* five traces, each with one child whose root never comes */
	for (i = 0; i < 5; i++) {
		memset(f.trace, i + 1, 16);
		root = mk(&f, r, "exec parent", SPAN_KIND_INTERNAL, NULL, 0, 10);
		s = mk(&f, r, "exec child", SPAN_KIND_INTERNAL, root, 1, 2);
		ASSERT_OK(tree_view__add(o.tv, s), "add");
		span__free(s);
		span__free(root);
	}
	tree_view__stats(o.tv, &st);
	ASSERT_EQ(st.evicted, 2, "two oldest traces printed early");
	ASSERT_EQ(st.traces, 2, "printed");
	fflush(o.f);
	ASSERT_OK_PTR(strstr(o.text, "incomplete trace 0101010101010101"), "oldest went first");
	ASSERT_OK_PTR(strstr(o.text, "too many open spans"), "reason shown");
	tree_view__flush(o.tv);
	tree_view__stats(o.tv, &st);
	ASSERT_EQ(st.traces, 5, "the rest at flush");
	ASSERT_EQ(st.incomplete, 5, "all incomplete");
out:
	tv_close(&o);
	resource__put(r);
}

void test_tree_view_duration(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} cases[] = {
		{ 0, "0 µs" },
		{ 850000, "850 µs" },
		{ 3 * MS, "3 ms" },
		{ 999 * MS, "999 ms" },
		{ 2300 * MS, "2.3 s" },
		{ 59999 * MS, "59.9 s" },
		{ 245000 * MS, "4m05s" },
	};
	char out[24];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tree_view_duration(cases[i].ns, out, sizeof(out));
		ASSERT_STREQ(out, cases[i].want, cases[i].want);
	}
}

/* A parent cycle (corrupt ids) still prints every span once and terminates. */
void test_tree_view_cycle(void)
{
	struct tt_resource *r = res(9, NULL, 0);
	struct tree_view_stats st;
	struct tv_fix f = { .seed = 0 };
	struct tt_span *a, *b;
	struct tv_out o;

	if (!tv_open(&o, NULL))
		goto out;
	memset(f.trace, 7, 16);
	a = mk(&f, r, "exec a", SPAN_KIND_INTERNAL, NULL, 0, 1);
	b = mk(&f, r, "exec b", SPAN_KIND_INTERNAL, a, 0, 1);
	memcpy(a->parent_id, b->span_id, 8);
	a->has_parent = true;
	ASSERT_OK(tree_view__add(o.tv, a), "a");
	ASSERT_OK(tree_view__add(o.tv, b), "b");
	span__free(a);
	span__free(b);
	tree_view__flush(o.tv);
	tree_view__stats(o.tv, &st);
	ASSERT_EQ(st.traces, 1, "printed");
	ASSERT_OK_PTR(strstr(tv_text(&o), "exec a"), "a printed");
	ASSERT_OK_PTR(strstr(o.text, "exec b"), "b printed");
	ASSERT_NULL(strstr(strstr(o.text, "exec a") + 1, "exec a"), "a once");
out:
	tv_close(&o);
	resource__put(r);
}

/*
 * Names pass jsonstr's UTF-8 rule, the OTLP output's: valid text as it is, a control '?', and
 * each byte that starts no valid sequence U+FFFD (an overlong '/', a UTF-16 surrogate, a lone
 * continuation byte, a sequence cut short).
 */
void test_tree_view_invalid_utf8(void)
{
	struct tt_resource *r = res(11, NULL, 0);
	struct tv_fix f = { .seed = 0 };
	struct tv_out o;
	struct tt_span *s;

	if (!tv_open(&o, NULL))
		goto out;
	memset(f.trace, 9, 16);
	s = mk(&f, r, "exec caf\xc3\xa9 \xc0\xaf \xed\xa0\x80 \x80 \x01 \xe2\x82",
	       SPAN_KIND_INTERNAL, NULL, 0, 1);
	ASSERT_OK(tree_view__add(o.tv, s), "add");
	span__free(s);
	ASSERT_OK_PTR(strstr(tv_text(&o),
			     "exec caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd "
			     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd ? "
			     "\xef\xbf\xbd\xef\xbf\xbd "),
		      "each invalid byte is U+FFFD, a control '?'");
out:
	tv_close(&o);
	resource__put(r);
}

/* Findings (tracetree.finding events) print under their span, where its children hang. */
void test_tree_view_findings(void)
{
	struct tt_span *root = span__new("invoke_agent a", SPAN_KIND_INTERNAL, NULL);
	struct tt_span *tool = span__new("execute_tool run", SPAN_KIND_INTERNAL, NULL);
	struct tt_span_event *e;
	struct tv_out o;
	const char *t;

	memset(root->trace_id, 1, 16);
	memset(tool->trace_id, 1, 16);
	root->span_id[0] = 1;
	tool->span_id[0] = 2;
	tool->parent_id[0] = 1;
	tool->has_parent = true;
	root->end_ns = 2000000000ull;
	tool->start_ns = 1000000ull;
	tool->end_ns = 2000000ull;
	e = span__add_event(tool, "tracetree.finding", 2000000ull);
	attrs_set_str(&e->attrs, "tracetree.finding.kind", "error_in_content");
	attrs_set_str(&e->attrs, "tracetree.finding.summary",
		      "tool run ran exec sh,\x1b which exited 2");
	e = span__add_event(root, "tracetree.finding", 2000000ull);
	attrs_set_str(&e->attrs, "tracetree.finding.kind", "retry_storm");
	attrs_set_str(&e->attrs, "tracetree.finding.summary", "3 LLM calls failed");
	if (!tv_open(&o, NULL))
		goto out;
	tree_view__add(o.tv, tool);
	tree_view__add(o.tv, root);
	t = tv_text(&o);
	ASSERT_STREQ(t,
		     "invoke_agent a                              2.0 s\n"
		     "│ finding retry_storm: 3 LLM calls failed\n"
		     "└── execute_tool run                         1 ms\n"
		     "      finding error_in_content: tool run ran exec sh,? which exited 2\n\n",
		     "finding lines");
out:
	tv_close(&o);
	span__free(root);
	span__free(tool);
}
