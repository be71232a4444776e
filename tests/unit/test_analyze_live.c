// SPDX-License-Identifier: MIT
/*
 * test_analyze_live.c: findings the live tracer makes without content (the private offer and
 * argument shapes, result hashes), runaway_iteration's stale results, the sub-agent handoff.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "buf.h"
#include "genai.h"
#include "linker_test.h"
#include "otlp_test.h"
#include "prov_test.h"
#include "test.h"
#include "tt_limits.h"

/* ---- the private offer ---- */

void test_analyze_offer_decoded(void)
{
	static const struct {
		const char *dir, *offer;
	} v[] = {
		{ "openai/chat_stream_tools",
		  "[{\"name\":\"read_file\",\"parameters\":{\"properties\":{\"path\":{\"type\":"
		  "\"string\"}}}},{\"name\":\"run_command\",\"parameters\":{\"properties\":{\"cmd\":"
		  "{\"type\":\"string\"}}}}]" },
		{ "anthropic/messages_stream_tools",
		  "[{\"name\":\"Bash\",\"parameters\":{\"properties\":{\"command\":{\"type\":"
		  "\"string\"}},\"required\":[\"command\"]}},{\"name\":\"TodoRead\",\"parameters\":"
		  "{\"properties\":{}}}]" },
	};
	struct genai_call *c;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		c = ptest_decode(v[i].dir, false);
		if (!c)
			continue;
		ASSERT_STREQ(c->tool_offer, v[i].offer, v[i].dir);
		ASSERT_TRUE(!c->tool_definitions, "no definitions without content");
		genai_call__free(c);
	}
	/* with content: the same offer beside the definitions */
	c = ptest_decode("anthropic/messages_stream_tools", true);
	if (c) {
		ASSERT_STREQ(c->tool_offer, v[1].offer, "with content");
		ASSERT_OK_PTR(c->tool_definitions, "definitions");
		genai_call__free(c);
	}
}

void test_analyze_offer_entry(void)
{
	cJSON *offer = cJSON_CreateArray(), *params, *props;
	char *s, key[16];
	int i;

	params = cJSON_Parse(
		"{\"type\":\"object\",\"description\":\"SECRET-DESC\",\"properties\":{\"path\":"
		"{\"type\":\"string\",\"description\":\"SECRET-PROP\",\"enum\":[\"SECRET-ENUM\"]},"
		"\"n\":{\"type\":[\"integer\",\"null\"],\"default\":7},\"o\":{\"properties\":{"
		"\"deep\":{\"type\":\"string\"}}}},\"required\":[\"path\",3],"
		"\"additionalProperties\":{\"type\":\"string\"}}");
	ASSERT_OK(analyze_offer_add(offer, "read", params), "add");
	ASSERT_OK(analyze_offer_add(offer, "bare", NULL), "no schema");
	cJSON_Delete(params);
	/* more properties than TT_MAX_OFFER_KEYS: none kept, any field fits */
	params = cJSON_CreateObject();
	props = cJSON_AddObjectToObject(params, "properties");
	for (i = 0; i <= TT_MAX_OFFER_KEYS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cJSON_AddItemToObject(props, key, cJSON_Parse("{\"type\":\"string\"}"));
	}
	cJSON_AddFalseToObject(params, "additionalProperties");
	ASSERT_OK(analyze_offer_add(offer, "wide", params), "wide");
	cJSON_Delete(params);
	s = cJSON_PrintUnformatted(offer);
	ASSERT_STREQ(s,
		     "[{\"name\":\"read\",\"parameters\":{\"properties\":{\"path\":{\"type\":"
		     "\"string\"},\"n\":{\"type\":[\"integer\",\"null\"]},\"o\":{}},"
		     "\"additionalProperties\":true,\"required\":[\"path\"]}},{\"name\":\"bare\"},"
		     "{\"name\":\"wide\",\"parameters\":{}}]",
		     "names, keys and types only");
	free(s);
	cJSON_Delete(offer);
}

void test_analyze_args_shape(void)
{
	static const struct {
		const char *args, *shape;
	} v[] = {
		{ "{\"path\":\"/etc/shadow\",\"n\":3,\"x\":1.5,\"f\":true,\"z\":null,\"a\":[1],"
		  "\"o\":{\"k\":\"v\"}}",
		  "{\"path\":\"\",\"n\":0,\"x\":0.5,\"f\":false,\"z\":null,\"a\":[],\"o\":{}}" },
		{ "{\"cmd\":", "" },
		{ "[\"ls\"]", "[]" },
		{ "\"text\"", "\"\"" },
		{ "{\"big\":1e300}", "{\"big\":0.5}" },
	};
	struct tt_buf b;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = analyze_args_shape(v[i].args);
		ASSERT_STREQ(s, v[i].shape, v[i].args);
		free(s);
	}
	ASSERT_TRUE(!analyze_args_shape(NULL), "unknown");
	/* a shape over TT_MAX_ARGS_SHAPE: unknown, not cut */
	tt_buf_init(&b, 1u << 20);
	tt_buf_addc(&b, '{');
	for (i = 0; i < TT_MAX_ARGS_SHAPE / 8; i++)
		tt_buf_printf(&b, "%s\"k%05zu\":1", i ? "," : "", i);
	tt_buf_addc(&b, '}');
	tt_buf_addc(&b, '\0');
	ASSERT_TRUE(!analyze_args_shape((const char *)b.data), "too large");
	tt_buf_free(&b);
}

/* ---- unexpected_tool live, without content ---- */

static void agent_start(struct lt *t)
{
	ev_spawn(t, 100, 1, 1000, "/usr/bin/python3", "python3", "agent.py", NULL);
}

/* The events named tracetree.finding on s: "kind|summary" of the first, NULL if none. */
static const char *finding_on(const struct tt_span *s, char *buf, size_t n)
{
	size_t i;

	for (i = 0; s && i < s->n_events; i++) {
		if (strcmp(s->events[i].name, "tracetree.finding"))
			continue;
		snprintf(buf, n, "%s|%s",
			 attrs_get_str(&s->events[i].attrs, "tracetree.finding.kind"),
			 attrs_get_str(&s->events[i].attrs, "tracetree.finding.summary"));
		return buf;
	}
	return NULL;
}

#define OFFER                                                                                       \
	"[{\"name\":\"read_file\",\"parameters\":{\"properties\":{\"path\":{\"type\":\"string\"}}," \
	"\"required\":[\"path\"]}},{\"name\":\"zz_hidden_tool\"}]"

/*
 * The agent is offered read_file (path required, no other field) and zz_hidden_tool; it asks
 * for name with args. Without content, the live findings on its tool span.
 */
static void live_unexpected(const char *name, const char *args, const char *want)
{
	struct linker_opts o = { .single_trace = true, .host_name = "box" };
	struct tt_span *tool, *chat;
	struct genai_call *c;
	struct tt_buf b;
	char buf[512];
	struct lt t;
	size_t i;

	if (!lt_open(&t, &o))
		return;
	agent_start(&t);
	c = call_new(100, 2000, 3000, "gpt-4o");
	c->tool_offer = strdup(OFFER);
	call_ask(c, "call_1", name, args);
	c->tool_calls[0].ready_ns = 2500; /* streamed: the tool starts before the response ends */
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 4000, 5000, "gpt-4o");
	c->tool_offer = strdup(OFFER);
	call_answer(c, "call_1", NULL, NULL, false);
	c->tool_results[0].content_hash = analyze_result_hash("a result");
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);
	snprintf(buf, sizeof(buf), "execute_tool %s", name);
	if (!LT_NEED(&t, { &tool, buf }, { &chat, "chat gpt-4o" }))
		goto out;
	ASSERT_STREQ(finding_on(tool, buf, sizeof(buf)), want, name);
	ASSERT_TRUE(!sattr(tool, "gen_ai.tool.call.arguments"), "no arguments exported");
	/* nothing private leaves: no offered tool, key or argument value in the OTLP line */
	tt_buf_init(&b, 1u << 20);
	if (ASSERT_OK(otlp_json_encode(&b, t.v, t.n, otlp_test_meta()), "encode") &&
	    ASSERT_OK(tt_buf_addc(&b, '\0'), "nul")) {
		ASSERT_TRUE(!strstr((const char *)b.data, "zz_hidden_tool"), "offered name");
		ASSERT_TRUE(!strstr((const char *)b.data, "\"required\""), "schema");
		ASSERT_TRUE(!strstr((const char *)b.data, "secret-value"), "argument value");
	}
	tt_buf_free(&b);
	for (i = 0; i < t.n; i++)
		if (t.v[i] != tool)
			ASSERT_TRUE(!finding_on(t.v[i], buf, sizeof(buf)), "no other finding");
out:
	lt_free(&t);
}

void test_analyze_unexpected_live(void)
{
	live_unexpected("delete_all", "{\"path\":\"secret-value\"}",
			"unexpected_tool|tool delete_all was not among the tools offered");
	live_unexpected("read_file", "{\"path\":\"secret-value\",\"mode\":\"secret-value\"}",
			"unexpected_tool|tool read_file was called with arguments that do not "
			"fit its schema: unknown field mode");
	live_unexpected("read_file", "{\"path\":7}",
			"unexpected_tool|tool read_file was called with arguments that do not "
			"fit its schema: field path of the wrong type");
	live_unexpected("read_file", "{\"path\":\"secret-value",
			"unexpected_tool|tool read_file was called with arguments that are not "
			"JSON");
	{
		struct linker_opts o = { .single_trace = true, .host_name = "box" };
		struct genai_call *c;
		struct tt_span *tool;
		char buf[256];
		struct lt t;

		/* a fitting call: none */
		if (!lt_open(&t, &o))
			return;
		agent_start(&t);
		c = call_new(100, 2000, 3000, "gpt-4o");
		c->tool_offer = strdup(OFFER);
		call_ask(c, "call_1", "read_file", "{\"path\":\"/etc/hosts\"}");
		linker__add_call(t.l, c, NULL);
		ev_exit(&t, 100, 1000, 6000, 0);
		if (LT_NEED(&t, { &tool, "execute_tool read_file" }))
			ASSERT_TRUE(!finding_on(tool, buf, sizeof(buf)), "fits");
		lt_free(&t);
	}
}

/* ---- runaway_iteration: calls that bring nothing new ---- */

struct tr {
	struct tt_span *v[64];
	size_t n;
};

static struct tt_span *mk(struct tr *t, const char *name, uint8_t parent, uint64_t start,
			  const char *op)
{
	struct tt_span *s = span__new(name, SPAN_KIND_INTERNAL, NULL);

	s->span_id[7] = (uint8_t)(t->n + 1);
	if (parent) {
		s->parent_id[7] = parent;
		s->has_parent = true;
	}
	s->start_ns = start * MS;
	s->end_ns = (start + 5) * MS;
	if (op)
		attrs_set_str(&s->attrs, "gen_ai.operation.name", op);
	t->v[t->n++] = s;
	return s;
}

/* A tool span of run 1: name, arguments (hash) and result, content off (hashes only). */
static void call(struct tr *t, const char *name, const char *args, const char *res)
{
	struct tt_span *s = mk(t, name, 1, 100 + t->n * 10, "execute_tool");

	attrs_set_str(&s->attrs, "gen_ai.tool.name", name);
	s->tool_args_hash = analyze_args_hash(args);
	s->tool_result_hash = analyze_result_hash(res);
}

static void tr_free(struct tr *t)
{
	while (t->n)
		span__free(t->v[--t->n]);
}

/* The findings of t: "kind|span number|summary" of the only one, "" none, "many" more. */
static void expect(struct tr *t, const char *want, const char *what)
{
	struct analyze_opts o = ANALYZE_OPTS_INIT;
	struct findings f = { 0 };
	char got[512] = "";

	if (!ASSERT_OK(analyze_trace(t->v, t->n, &o, &f), "analyze"))
		return;
	if (f.n == 1)
		snprintf(got, sizeof(got), "%s|%d|%s", finding_kind_name(f.v[0].kind),
			 f.v[0].span->span_id[7], f.v[0].summary);
	else if (f.n > 1)
		snprintf(got, sizeof(got), "many");
	ASSERT_STREQ(got, want, what);
	findings_free(&f);
	tr_free(t);
}

void test_analyze_runaway_stale(void)
{
	char args[32], res[32];
	struct tr t = { 0 };
	int i;

	/* a search asked seven ways, the same "no match" each time: six stale calls */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 7; i++) {
		snprintf(args, sizeof(args), "{\"q\":\"foo %d\"}", i);
		call(&t, "search", args, "No matches found.");
	}
	expect(&t,
	       "runaway_iteration|1|6 tool calls in a row brought no new result (tool search "
	       "returned the same result again)",
	       "the same result, different arguments");
	/* five stale calls: under the threshold */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 6; i++) {
		snprintf(args, sizeof(args), "{\"q\":\"foo %d\"}", i);
		call(&t, "search", args, "No matches found.");
	}
	expect(&t, "", "five stale calls");
	/* a cycle of two calls coming round four times (arguments differ by a counter) */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 8; i++) {
		snprintf(args, sizeof(args), "{\"p\":\"x\",\"try\":%d}", i);
		call(&t, i % 2 ? "read_file" : "list_dir", args, i % 2 ? "contents" : "a b c");
	}
	expect(&t,
	       "runaway_iteration|1|6 tool calls in a row brought no new result (tool list_dir "
	       "returned the same result again)",
	       "a cycle of tool/result pairs");
	/* a legitimate loop over different files: every result new */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 20; i++) {
		snprintf(args, sizeof(args), "{\"path\":\"f%d\"}", i);
		snprintf(res, sizeof(res), "content of f%d", i);
		call(&t, "read_file", args, res);
	}
	expect(&t, "", "different files");
	/* blank results (a command with no output) and unknown ones tell nothing */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 10; i++) {
		snprintf(args, sizeof(args), "{\"c\":\"mkdir d%d\"}", i);
		call(&t, "run", args, i % 2 ? "" : NULL);
	}
	expect(&t, "", "blank results");
	/* a new result breaks the streak: 5 stale, a new one, 5 stale */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 12; i++) {
		snprintf(args, sizeof(args), "{\"q\":%d}", i);
		call(&t, "search", args, i == 6 ? "one match" : "none");
	}
	expect(&t, "", "the streak broken");
	/* with content (analyze on a file): the exported result text */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	for (i = 0; i < 7; i++) {
		snprintf(args, sizeof(args), "{\"q\":%d}", i);
		call(&t, "search", args, NULL);
		attrs_set_str(&t.v[t.n - 1]->attrs, "gen_ai.tool.call.result", "none");
	}
	expect(&t,
	       "runaway_iteration|1|6 tool calls in a row brought no new result (tool search "
	       "returned the same result again)",
	       "from gen_ai.tool.call.result");
}

/* ---- the sub-agent handoff ---- */

/*
 * Agent 100 starts sub-agent 200 for tool call call_1 (run_subagent, objective args); 200
 * makes a call of its own and exits 1; the result goes back to 100's model.
 */
static void subagent_run(bool capture)
{
	static const char args[] = "{\"prompt\":\"Count the files in /nonexistent\"}";
	static const char res[] = "sub-agent failed (exit 1): no such directory";
	struct linker_opts o = { .single_trace = true, .host_name = "box" };
	struct tt_span *tool, *sub, *top;
	struct genai_call *c;
	char buf[512];
	struct lt t;

	o.capture_content = capture;
	if (!lt_open(&t, &o))
		return;
	agent_start(&t);
	c = call_new(100, 2000, 3000, "gpt-4o");
	call_ask(c, "call_1", "run_subagent", args);
	linker__add_call(t.l, c, NULL);
	ev_spawn(&t, 200, 100, 3100, "/usr/bin/python3", "python3", "agent.py", "--prompt",
		 "Count the files in /nonexistent", NULL);
	linker__add_call(t.l, call_new(200, 3200, 3300, "gpt-4o-mini"), NULL);
	ev_exit(&t, 200, 3100, 3400, 1 << 8);
	c = call_new(100, 4000, 5000, "gpt-4o");
	call_answer(c, "call_1", NULL, capture ? res : NULL, false);
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);
	if (!LT_NEED(&t, { &tool, "execute_tool run_subagent" },
		     { &sub, "invoke_agent agent", .arg = "Count the files in /nonexistent" }))
		goto out;
	top = nth(&t, "invoke_agent agent", 0);
	if (top == sub)
		top = nth(&t, "invoke_agent agent", 1);
	ASSERT_TRUE(parent_is(sub, tool), "the sub-agent under its tool span");
	if (capture) {
		ASSERT_STREQ(sattr(sub, "tracetree.subagent.objective"), args, "objective");
		ASSERT_STREQ(sattr(sub, "tracetree.subagent.result"), res, "result");
	} else {
		ASSERT_TRUE(!sattr(sub, "tracetree.subagent.objective"), "no objective");
		ASSERT_TRUE(!sattr(sub, "tracetree.subagent.result"), "no result");
	}
	ASSERT_STREQ(finding_on(sub, buf, sizeof(buf)),
		     "subagent_failure|sub-agent invoke_agent agent exited 1", "finding");
	ASSERT_TRUE(top && top != sub && !sattr(top, "tracetree.subagent.objective"),
		    "none on the top agent");
out:
	lt_free(&t);
}

void test_analyze_handoff(void)
{
	subagent_run(true);
	subagent_run(false);
}

/* A custom tool's free text and a provider's server tools are no unexpected call. */
void test_analyze_unexpected_kinds(void)
{
	static const char offer[] = "[{\"name\":\"apply_patch\"},{\"name\":\"code_execution\"}]";
	struct tt_span *s;
	struct tr t = { 0 };

	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	s = mk(&t, "chat m", 1, 10, "chat");
	s->tool_offer = strdup(offer);
	s = mk(&t, "execute_tool apply_patch", 1, 20, "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", "apply_patch");
	attrs_set_str(&s->attrs, "gen_ai.tool.type", "custom");
	s->tool_args_shape = strdup(""); /* "*** Begin Patch...": not JSON */
	s = mk(&t, "execute_tool bash_code_execution", 1, 30, "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", "bash_code_execution");
	attrs_set_str(&s->attrs, "gen_ai.tool.type", "server_tool_use");
	expect(&t, "", "custom and server tools");
	/* the same free text for a function tool is not JSON */
	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	s = mk(&t, "chat m", 1, 10, "chat");
	s->tool_offer = strdup(offer);
	s = mk(&t, "execute_tool apply_patch", 1, 20, "execute_tool");
	attrs_set_str(&s->attrs, "gen_ai.tool.name", "apply_patch");
	attrs_set_str(&s->attrs, "gen_ai.tool.type", "function");
	s->tool_args_shape = strdup("");
	expect(&t, "unexpected_tool|3|tool apply_patch was called with arguments that are not JSON",
	       "a function tool");
}

/* A cut objective is named cut on the sub-agent span too. */
void test_analyze_handoff_cut(void)
{
	static const char *const cut[] = { "gen_ai.tool.call.arguments" };
	struct tt_span *tool, *sub;
	const struct attr *a;
	struct tr t = { 0 };

	mk(&t, "invoke_agent a", 0, 0, "invoke_agent");
	tool = mk(&t, "execute_tool run_subagent", 1, 10, "execute_tool");
	attrs_set_str(&tool->attrs, "gen_ai.tool.call.arguments", "{\"prompt\":\"do i");
	attrs_set_str_array(&tool->attrs, "tracetree.content.truncated", cut, 1);
	sub = mk(&t, "invoke_agent b", 2, 11, "invoke_agent");
	if (ASSERT_OK(analyze_handoffs(t.v, t.n), "handoffs")) {
		ASSERT_STREQ(sattr(sub, "tracetree.subagent.objective"), "{\"prompt\":\"do i",
			     "objective");
		ASSERT_TRUE(!sattr(sub, "tracetree.subagent.result"), "no result");
		a = attrs_get(&sub->attrs, "tracetree.content.truncated");
		if (ASSERT_OK_PTR(a, "truncated") && ASSERT_EQ(a->arr.n, 1, "one"))
			ASSERT_STREQ(a->arr.v[0], "tracetree.subagent.objective", "named");
		ASSERT_TRUE(!sattr(t.v[0], "tracetree.subagent.objective"), "not on the top");
	}
	tr_free(&t);
}
