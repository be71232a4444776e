// SPDX-License-Identifier: MIT
/* test_analyze.c: OTLP JSON Lines read back, and each finding kind on a crafted trace. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "trace_model.h"
#include "test.h"

#define MS 1000000ull

struct tr {
	struct tt_span *v[64];
	size_t n;
};

/* Span number id (ids are 1..n) under parent (0: a root), from start to end in ms. */
static struct tt_span *mk(struct tr *t, const char *name, uint8_t parent, uint64_t start,
			  uint64_t end)
{
	struct tt_span *s = span__new(name, SPAN_KIND_INTERNAL, NULL);

	memset(s->trace_id, 0xab, 16);
	s->span_id[7] = (uint8_t)(t->n + 1);
	if (parent) {
		s->parent_id[7] = parent;
		s->has_parent = true;
	}
	s->start_ns = start * MS;
	s->end_ns = end * MS;
	t->v[t->n++] = s;
	return s;
}

static struct tt_span *agent(struct tr *t, uint8_t parent, uint64_t start, uint64_t end)
{
	struct tt_span *s = mk(t, "invoke_agent demo", parent, start, end);

	attrs_set_str(&s->attrs, "gen_ai.operation.name", "invoke_agent");
	attrs_set_int(&s->attrs, "process.exit.code", 0);
	return s;
}

static struct tt_span *llm(struct tr *t, uint8_t parent, uint64_t start, uint64_t end)
{
	struct tt_span *s = mk(t, "chat gpt-4o", parent, start, end);

	attrs_set_str(&s->attrs, "gen_ai.operation.name", "chat");
	attrs_set_str(&s->attrs, "gen_ai.request.model", "gpt-4o");
	attrs_set_int(&s->attrs, "gen_ai.usage.input_tokens", 10);
	attrs_set_int(&s->attrs, "gen_ai.usage.output_tokens", 5);
	return s;
}

static struct tt_span *tool(struct tr *t, const char *name, uint8_t parent, uint64_t start,
			    uint64_t end, const char *args)
{
	struct tt_span *s = mk(t, "execute_tool", parent, start, end);

	span__set_name(s, name);
	attrs_set_str(&s->attrs, "gen_ai.operation.name", "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", name);
	if (args)
		attrs_set_str(&s->attrs, "gen_ai.tool.call.arguments", args);
	return s;
}

static struct tt_span *proc(struct tr *t, const char *name, uint8_t parent, uint64_t start,
			    uint64_t end, int code)
{
	struct tt_span *s = mk(t, name, parent, start, end);

	attrs_set_int(&s->attrs, "process.exit.code", code);
	return s;
}

/* A clean run: agent 1 -> chat 2, tool 3 (-> exec 4), chat 5, tool 6, chat 7. */
static void clean_run(struct tr *t)
{
	agent(t, 0, 0, 3000);
	llm(t, 1, 10, 800);
	tool(t, "run_command", 1, 800, 1000, "{\"cmd\":\"ls\"}");
	proc(t, "exec ls", 3, 810, 990, 0);
	llm(t, 1, 1000, 1500);
	tool(t, "fetch_url", 1, 1500, 1600, "{\"url\":\"x\"}");
	llm(t, 1, 1600, 2900);
}

static void tr_free(struct tr *t)
{
	while (t->n)
		span__free(t->v[--t->n]);
}

static bool run(struct tr *t, struct findings *f)
{
	struct analyze_opts o = ANALYZE_OPTS_INIT;

	memset(f, 0, sizeof(*f));
	return ASSERT_OK(analyze_trace(t->v, t->n, &o, f), "analyze");
}

/* Exactly one finding, of kind k, citing span number id. */
static void expect_one(struct tr *t, enum finding_kind k, uint8_t id, const char *summary)
{
	struct findings f;

	if (!run(t, &f))
		return;
	if (ASSERT_EQ(f.n, 1, finding_kind_name(k))) {
		ASSERT_STREQ(finding_kind_name(f.v[0].kind), finding_kind_name(k), "kind");
		ASSERT_EQ(f.v[0].span->span_id[7], id, "cited span");
		ASSERT_STREQ(f.v[0].summary, summary, "summary");
	}
	findings_free(&f);
}

void test_analyze_clean(void)
{
	struct findings f;
	struct tr t = { 0 };

	clean_run(&t);
	if (run(&t, &f))
		ASSERT_EQ(f.n, 0, "no finding on a clean run");
	findings_free(&f);
	tr_free(&t);
}

void test_analyze_runaway(void)
{
	struct tr t = { 0 };
	uint64_t i;

	clean_run(&t);
	for (i = 0; i < 5; i++) /* the same call five times; different arguments do not count */
		tool(&t, "read_file", 1, 1600 + i * 10, 1605 + i * 10, "{\"path\":\"/a\"}");
	tool(&t, "read_file", 1, 1700, 1705, "{\"path\":\"/b\"}");
	expect_one(&t, FINDING_RUNAWAY_ITERATION, 1,
		   "tool read_file called 5 times with the same arguments");
	tr_free(&t);
	/* four are under the default threshold */
	clean_run(&t);
	for (i = 0; i < 4; i++)
		tool(&t, "read_file", 1, 1600 + i * 10, 1605 + i * 10, "{\"path\":\"/a\"}");
	{
		struct findings f;

		if (run(&t, &f))
			ASSERT_EQ(f.n, 0, "4 < 5");
		findings_free(&f);
	}
	tr_free(&t);
	/* without content: the linker's private hash of the arguments */
	clean_run(&t);
	for (i = 0; i < 5; i++)
		tool(&t, "Bash", 1, 1600 + i * 10, 1605 + i * 10, NULL)->tool_args_hash = 77;
	expect_one(&t, FINDING_RUNAWAY_ITERATION, 1,
		   "tool Bash called 5 times with the same arguments");
	tr_free(&t);
}

void test_analyze_latency(void)
{
	struct tr t = { 0 };

	agent(&t, 0, 0, 10000);
	llm(&t, 1, 0, 500);
	tool(&t, "slow_search", 1, 500, 8500, "{}");
	llm(&t, 1, 8500, 9000);
	expect_one(&t, FINDING_TOOL_LATENCY_CONCENTRATION, 3,
		   "slow_search took 80% of the run (8.0 s), 16.0x its siblings' longest");
	tr_free(&t);
}

void test_analyze_error_in_content(void)
{
	struct tr t = { 0 };
	struct tt_span *s;

	/* a process the tool ran exited 2; the tool span says nothing */
	clean_run(&t);
	proc(&t, "exec grep", 6, 1510, 1590, 2);
	expect_one(&t, FINDING_ERROR_IN_CONTENT, 6, "tool fetch_url ran exec grep, which exited 2");
	tr_free(&t);
	/* is_error on the result: the linker's tool_error */
	clean_run(&t);
	s = t.v[2];
	attrs_set_str(&s->attrs, "error.type", "tool_error");
	span__set_status(s, SPAN_STATUS_ERROR, NULL);
	expect_one(&t, FINDING_ERROR_IN_CONTENT, 3,
		   "the result of tool run_command is flagged as an error (is_error)");
	tr_free(&t);
	/* another tracer: status OK, a traceback in the result */
	clean_run(&t);
	s = t.v[5];
	span__set_status(s, SPAN_STATUS_OK, NULL);
	attrs_set_str(&s->attrs, "gen_ai.tool.call.result",
		      "Traceback (most recent call last):\n  File \"x\"\nKeyError: 1");
	expect_one(&t, FINDING_ERROR_IN_CONTENT, 6,
		   "the result of tool fetch_url reads as an error (traceback)");
	tr_free(&t);
	/* a transport error the status shows is no hidden error */
	clean_run(&t);
	s = t.v[5];
	attrs_set_str(&s->attrs, "error.type", "500");
	span__set_status(s, SPAN_STATUS_ERROR, NULL);
	proc(&t, "exec grep", 6, 1510, 1590, 2);
	{
		struct findings f;

		if (run(&t, &f))
			ASSERT_EQ(f.n, 0, "the status tells");
		findings_free(&f);
	}
	tr_free(&t);
}

static const char defs[] =
	"[{\"type\":\"function\",\"function\":{\"name\":\"run_command\",\"parameters\":{"
	"\"type\":\"object\",\"properties\":{\"cmd\":{\"type\":\"string\"},\"n\":{\"type\":"
	"\"integer\"}},\"required\":[\"cmd\"],\"additionalProperties\":false}}},"
	"{\"name\":\"fetch_url\",\"input_schema\":{\"type\":\"object\"}}]";

static void unexpected(const char *name, const char *args, const char *summary)
{
	struct tr t = { 0 };

	clean_run(&t);
	attrs_set_str(&t.v[1]->attrs, "gen_ai.tool.definitions", defs);
	attrs_set_str(&t.v[4]->attrs, "gen_ai.tool.definitions", defs);
	if (name) {
		tool(&t, name, 1, 1000, 1001, args);
		expect_one(&t, FINDING_UNEXPECTED_TOOL, 8, summary);
	} else {
		struct findings f;

		if (run(&t, &f))
			ASSERT_EQ(f.n, 0, "offered tools, fitting arguments");
		findings_free(&f);
	}
	tr_free(&t);
}

void test_analyze_unexpected_tool(void)
{
	unexpected(NULL, NULL, NULL);
	unexpected("delete_all", "{}", "tool delete_all was not among the tools offered");
	unexpected("run_command", "{\"cmd\":",
		   "tool run_command was called with arguments that "
		   "are not JSON");
	unexpected("run_command", "{\"n\":1}",
		   "tool run_command was called with arguments that "
		   "do not fit its schema: required field cmd missing");
	unexpected("run_command", "{\"cmd\":\"ls\",\"x\":1}",
		   "tool run_command was called with arguments that do not fit its schema: "
		   "unknown field x");
	unexpected("run_command", "{\"cmd\":\"ls\",\"n\":1.5}",
		   "tool run_command was called with arguments that do not fit its schema: "
		   "field n of the wrong type");
}

void test_analyze_retry_storm(void)
{
	struct tr t = { 0 };
	struct tt_span *s;
	int i;

	clean_run(&t);
	for (i = 0; i < 3; i++) {
		s = llm(&t, 1, 2000 + i * 10, 2005 + i * 10);
		attrs_set_int(&s->attrs, "http.response.status_code", i ? 529 : 429);
		span__set_status(s, SPAN_STATUS_ERROR, NULL);
	}
	expect_one(&t, FINDING_RETRY_STORM, 1,
		   "3 LLM calls failed with 429/5xx/overloaded in this run");
	tr_free(&t);
	/* two 429 and a 400: no storm */
	clean_run(&t);
	for (i = 0; i < 3; i++)
		attrs_set_int(&llm(&t, 1, 2000 + i * 10, 2005 + i * 10)->attrs,
			      "http.response.status_code", i == 2 ? 400 : 429);
	{
		struct findings f;

		if (run(&t, &f))
			ASSERT_EQ(f.n, 0, "two retryable errors");
		findings_free(&f);
	}
	tr_free(&t);
}

void test_analyze_subagent_failure(void)
{
	struct tr t = { 0 };
	struct tt_span *s;

	clean_run(&t);
	tool(&t, "run_subagent", 1, 1600, 1700, "{}"); /* 8 */
	s = agent(&t, 8, 1610, 1690);		       /* 9 */
	attrs_set_int(&s->attrs, "process.exit.code", 3);
	llm(&t, 9, 1620, 1630);
	expect_one(&t, FINDING_SUBAGENT_FAILURE, 9, "sub-agent invoke_agent demo exited 3");
	tr_free(&t);
	/* the top agent exiting non-zero is no sub-agent */
	clean_run(&t);
	attrs_set_int(&t.v[0]->attrs, "process.exit.code", 1);
	{
		struct findings f;

		if (run(&t, &f))
			ASSERT_EQ(f.n, 0, "the top agent");
		findings_free(&f);
	}
	tr_free(&t);
}

/* A loop of parent links and duplicate ids end; nothing is cited twice. */
void test_analyze_hostile_tree(void)
{
	struct findings f;
	struct tr t = { 0 };

	mk(&t, "a", 2, 0, 10);
	mk(&t, "b", 1, 0, 10);
	mk(&t, "c", 3, 0, 10);
	mk(&t, "d", 0, 0, 10)->span_id[7] = 1;
	if (run(&t, &f))
		ASSERT_EQ(f.n, 0, "none");
	findings_free(&f);
	tr_free(&t);
}

void test_analyze_attach_json(void)
{
	struct findings f;
	struct tr t = { 0 };
	char *j;

	clean_run(&t);
	proc(&t, "exec grep", 6, 1510, 1590, 2);
	if (!run(&t, &f) || !ASSERT_EQ(f.n, 1, "one"))
		goto out;
	ASSERT_OK(findings_attach(&f), "attach");
	ASSERT_EQ(t.v[5]->n_events, 1, "an event on the tool span");
	ASSERT_STREQ(t.v[5]->events[0].name, "tracetree.finding", "event name");
	ASSERT_EQ(t.v[5]->events[0].time_ns, 1600 * MS, "at its end");
	ASSERT_STREQ(attrs_get_str(&t.v[5]->events[0].attrs, "tracetree.finding.kind"),
		     "error_in_content", "kind");
	ASSERT_STREQ(attrs_get_str(&t.v[5]->events[0].attrs, "tracetree.finding.summary"),
		     "tool fetch_url ran exec grep, which exited 2", "summary");
	j = finding_json(&f.v[0]);
	ASSERT_STREQ(
		j,
		"{\"kind\":\"error_in_content\",\"trace_id\":\"abababababababababababababababab\","
		"\"span_id\":\"0000000000000006\",\"summary\":\"tool fetch_url ran exec grep, "
		"which exited 2\",\"evidence\":{\"exit_code\":2,\"process_span_id\":"
		"\"0000000000000008\",\"status_code\":0}}",
		"json line");
	free(j);
out:
	findings_free(&f);
	tr_free(&t);
}

void test_trace_model_read(void)
{
	static const char in[] =
		"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"process.pid\","
		"\"value\":{\"intValue\":\"42\"}}]},\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		"\"0102030405060708090A0B0C0D0E0F10\",\"spanId\":\"1112131415161718\","
		"\"parentSpanId\":\"2122232425262728\",\"name\":\"chat m\",\"kind\":3,"
		"\"startTimeUnixNano\":\"1000\",\"endTimeUnixNano\":2000,\"attributes\":["
		"{\"key\":\"a\",\"value\":{\"stringValue\":\"x\"}},{\"key\":\"b\",\"value\":"
		"{\"intValue\":\"-5\"}},{\"key\":\"c\",\"value\":{\"arrayValue\":{\"values\":["
		"{\"stringValue\":\"p\"},{\"intValue\":\"1\"}]}}},{\"key\":\"d\",\"value\":"
		"{\"kvlistValue\":{\"values\":[]}}}],\"events\":[{\"timeUnixNano\":\"1500\","
		"\"name\":\"tracetree.finding\",\"attributes\":[{\"key\":\"k\",\"value\":"
		"{\"boolValue\":true}}]}],\"status\":{\"code\":2,\"message\":\"boom\"}},"
		"{\"traceId\":\"zz\",\"spanId\":\"1112131415161718\"}]}]}]}\n"
		"\n"
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		"\"ff02030405060708090a0b0c0d0e0f10\",\"spanId\":\"3112131415161718\"},"
		"{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":"
		"\"4112131415161718\",\"status\":{\"code\":\"STATUS_CODE_OK\"}}]}]}]}\n";
	struct trace_model m = { 0 };
	const struct attr *a;
	struct tt_span *s;
	char err[128];

	if (!ASSERT_OK(trace_model__read_buf(&m, in, sizeof(in) - 1, err, sizeof(err)), "read"))
		goto out;
	ASSERT_EQ(m.lines, 3, "lines");
	ASSERT_EQ(m.skipped, 1, "bad trace id skipped");
	if (!ASSERT_EQ(m.n, 3, "spans"))
		goto out;
	s = m.spans[0];
	ASSERT_EQ(s->trace_id[9], 0x0a, "upper-case hex");
	ASSERT_EQ(s->span_id[7], 0x18, "span id");
	ASSERT_TRUE(s->has_parent, "parent");
	ASSERT_EQ(s->parent_id[0], 0x21, "parent id");
	ASSERT_EQ(s->kind, SPAN_KIND_CLIENT, "kind");
	ASSERT_EQ(s->start_ns, 1000, "start");
	ASSERT_EQ(s->end_ns, 2000, "end as a number");
	ASSERT_EQ(s->status, SPAN_STATUS_ERROR, "status");
	ASSERT_STREQ(s->status_message, "boom", "message");
	ASSERT_EQ(s->resource->pid, 42, "pid from the resource");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "a"), "x", "string");
	ASSERT_EQ(attrs_get(&s->attrs, "b")->i, -5, "int");
	a = attrs_get(&s->attrs, "c");
	if (ASSERT_OK_PTR(a, "array") && ASSERT_EQ(a->arr.n, 2, "two"))
		ASSERT_STREQ(a->arr.v[1], "{\"intValue\":\"1\"}", "non-string as JSON");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "d"), "{\"values\":[]}", "kvlist as JSON");
	if (ASSERT_EQ(s->n_events, 1, "event"))
		ASSERT_TRUE(attrs_get(&s->events[0].attrs, "k")->b, "event attribute");
	ASSERT_EQ(m.spans[2]->status, SPAN_STATUS_OK, "status by name");
	ASSERT_OK(trace_model__group(&m), "group");
	ASSERT_EQ(m.spans[1]->span_id[0], 0x41, "trace 1's second span follows its first");
	ASSERT_EQ(trace_model_trace_end(&m, 0), 2, "trace 1");
	ASSERT_EQ(trace_model_trace_end(&m, 2), 3, "trace 2");
out:
	trace_model__free(&m);
}

void test_trace_model_errors(void)
{
	struct trace_model m = { 0 };
	char err[128];

	ASSERT_EQ(trace_model__read_buf(&m, "{}\n", 3, err, sizeof(err)), -EBADMSG, "not OTLP");
	ASSERT_STREQ(err, "line 1: no resourceSpans array (not OTLP traces)", "why");
	ASSERT_EQ(trace_model__read_buf(&m, "\n{\"resourceSpans\":[", 19, err, sizeof(err)),
		  -EBADMSG, "cut");
	ASSERT_STREQ(err, "line 3: not JSON", "line number");
	trace_model__free(&m);
}
