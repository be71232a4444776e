// SPDX-License-Identifier: MIT
/* test_linker.c: span trees linked from synthetic process, LLM call and HTTP event sequences. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_test.h"
#include "tt_limits.h"
#include "linker.h"
#include "linker_internal.h"
#include "linker_test.h"
#include "mcp.h"
#include "redact.h"
#include "test.h"

/* ---- spans ---- */

/* ---- events ---- */

#define FAKE_KEY "sk-test-FAKE-tracetree-0123456789abcdefABCDEF"

/* python3 agent pid 100 (started at 1000 by an untraced parent). */
static void start_agent(struct lt *t, uint32_t pid, uint64_t ts)
{
	ev_spawn(t, pid, 1, ts, "/usr/bin/python3", "python3", "tools/demo_agent.py", "--api-key",
		 FAKE_KEY, NULL);
}

/* A one-trace linker, its python3 agent pid 100 started at 1000. */
static bool lt_agent(struct lt *t)
{
	if (!lt_new(t, true))
		return false;
	start_agent(t, 100, 1000);
	return true;
}

/* The agent (pid 100) asks gpt-4o, from 2000 to 3000, for tool name with args as call id. */
static int agent_asks(struct lt *t, const char *id, const char *name, const char *args)
{
	struct genai_call *c = call_new(100, 2000, 3000, "gpt-4o");

	call_ask(c, id, name, args);
	return linker__add_call(t->l, c, NULL);
}

/* Its next call, from 4000 to 5000, answers call id (tp: its traceparent, NULL: none). */
static int agent_answers(struct lt *t, const char *id, const char *content, const char *tp)
{
	struct genai_call *c = call_new(100, 4000, 5000, "gpt-4o");

	call_answer(c, id, NULL, content, false);
	return linker__add_call(t->l, c, tp);
}

/* A linker with a trace per process tree that adopts traceparents (--all --trust-traceparent). */
static bool lt_trusting(struct lt *t)
{
	struct linker_opts o = { .trust_traceparent = true, .host_name = "box" };

	return lt_open(t, &o);
}

/* ---- tests ---- */

void test_linker_agent_tool_tree(void)
{
	struct tt_span *agent, *chat1, *chat2, *tool, *sh, *ls;
	const struct attr *args;
	struct linker_stats st;
	struct lt t;

	if (!lt_agent(&t))
		return;
	ASSERT_OK(agent_asks(&t, "call_1", "run_command", "{\"command\": \"ls /tmp\"}"), "call 1");
	ev_spawn(&t, 200, 100, 3100, "/bin/sh", "/bin/sh", "-c", "ls /tmp", NULL);
	ev_spawn(&t, 201, 200, 3200, "/usr/bin/ls", "ls", "/tmp", NULL);
	ev_exit(&t, 201, 3200, 3300, 0);
	ev_exit(&t, 200, 3100, 3400, 0);
	ASSERT_OK(agent_answers(&t, "call_1", NULL, NULL), "call 2");
	ASSERT_EQ(t.n, 0, "held until the root ends (its ids may still change)");
	ev_exit(&t, 100, 1000, 6000, 0);
	ASSERT_EQ(t.n, 6, "six spans");

	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &chat1, "chat gpt-4o", 0 },
		     { &chat2, "chat gpt-4o", 1 }, { &tool, "execute_tool run_command" },
		     { &sh, "exec sh" }, { &ls, "exec ls" }))
		goto out;
	ASSERT_FALSE(agent->has_parent, "agent is the root");
	ASSERT_FALSE(agent->remote_parent, "no remote parent");
	ASSERT_EQ(agent->kind, SPAN_KIND_INTERNAL, "agent kind");
	ASSERT_EQ(agent->start_ns, 1000, "agent start (fork)");
	ASSERT_EQ(agent->end_ns, 6000, "agent end (exit)");
	ASSERT_STREQ(sattr(agent, "gen_ai.operation.name"), "invoke_agent", "agent op");
	ASSERT_STREQ(sattr(agent, "gen_ai.agent.name"), "demo_agent", "agent name");
	ASSERT_EQ(iattr(agent, "process.pid"), 100, "agent pid");
	ASSERT_EQ(iattr(agent, "process.exit.code"), 0, "agent exit code");
	ASSERT_EQ(agent->status, SPAN_STATUS_UNSET, "agent status");
	ASSERT_STREQ(rattr(agent, "service.name"), "demo_agent", "service.name");
	ASSERT_STREQ(rattr(agent, "process.executable.name"), "python3", "exe name");
	ASSERT_STREQ(rattr(agent, "process.executable.path"), "/usr/bin/python3", "exe path");
	ASSERT_STREQ(rattr(agent, "host.name"), "box", "host.name");
	ASSERT_EQ(attrs_get(&agent->resource->attrs, "process.pid")->i, 100, "resource pid");
	ASSERT_EQ(attrs_get(&agent->resource->attrs, "process.parent_pid")->i, 1, "ppid");
	args = attrs_get(&agent->resource->attrs, "process.command_args");
	if (ASSERT_OK_PTR(args, "command_args") && ASSERT_EQ(args->arr.n, 4, "4 args")) {
		ASSERT_STREQ(args->arr.v[1], "tools/demo_agent.py", "script arg");
		ASSERT_STREQ(args->arr.v[3], "REDACTED", "api key redacted");
	}

	ASSERT_TRUE(parent_is(chat1, agent), "chat1 under agent");
	ASSERT_TRUE(parent_is(chat2, agent), "chat2 under agent");
	ASSERT_EQ(chat1->kind, SPAN_KIND_CLIENT, "chat kind");
	ASSERT_EQ(chat1->start_ns, 2000, "chat1 start");
	ASSERT_EQ(chat1->end_ns, 3000, "chat1 end");
	ASSERT_EQ(chat2->start_ns, 4000, "chat2 start");
	ASSERT_EQ(iattr(chat1, "gen_ai.usage.input_tokens"), 100, "input tokens");
	ASSERT_EQ(iattr(chat1, "process.pid"), 100, "chat pid");
	ASSERT_STREQ(rattr(chat1, "service.name"), "demo_agent", "chat resource");

	ASSERT_TRUE(parent_is(tool, agent), "tool under agent");
	ASSERT_EQ(tool->kind, SPAN_KIND_INTERNAL, "tool kind");
	ASSERT_EQ(tool->start_ns, 3000, "tool starts at the response end");
	ASSERT_EQ(tool->end_ns, 4000, "tool ends at the result request");
	ASSERT_STREQ(sattr(tool, "gen_ai.operation.name"), "execute_tool", "tool op");
	ASSERT_STREQ(sattr(tool, "gen_ai.tool.name"), "run_command", "tool name");
	ASSERT_STREQ(sattr(tool, "gen_ai.tool.call.id"), "call_1", "call id");
	ASSERT_STREQ(sattr(tool, "gen_ai.tool.type"), "function", "tool type");
	ASSERT_NULL(sattr(tool, "gen_ai.tool.call.arguments"), "no arguments without capture");
	ASSERT_EQ(tool->status, SPAN_STATUS_UNSET, "tool ok");
	ASSERT_FALSE(battr(tool, "tracetree.tool.result_missing"), "result came");

	ASSERT_TRUE(parent_is(sh, tool), "sh under the tool");
	ASSERT_EQ(sh->start_ns, 3100, "sh start");
	ASSERT_EQ(sh->end_ns, 3400, "sh end");
	ASSERT_EQ(iattr(sh, "process.exit.code"), 0, "sh exit");
	ASSERT_STREQ(rattr(sh, "service.name"), "sh", "sh service");
	ASSERT_EQ(attrs_get(&sh->resource->attrs, "process.parent_pid")->i, 100, "sh ppid");
	ASSERT_TRUE(parent_is(ls, sh), "ls under sh");
	ASSERT_EQ(iattr(ls, "process.pid"), 201, "ls pid");
	ASSERT_TRUE(all_one_trace(&t), "one trace");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.spans, 6, "stats spans");
	ASSERT_EQ(st.procs, 0, "every process left the table");
out:
	lt_free(&t);
}

/* The first bytes of a request pid sends at ts (a TLS write). */
static void ev_send(struct lt *t, uint32_t pid, uint64_t ts)
{
	linker__activity(t->l, pid, TT_SRC_SSL, ts, true);
}

/*
 * Codex runs a tool as soon as its call is complete in the stream: the process starts and
 * ends before the response does, i.e. before the linker learns of the call. It waits, unplaced,
 * and goes under the tool span, which starts when the call was ready.
 */
void test_linker_tool_before_response_end(void)
{
	struct tt_span *agent, *tool, *sh, *late;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	ev_send(&t, 100, 2000); /* its first LLM request: no agent yet, but it talks */
	ev_spawn(&t, 200, 100, 2600, "/bin/bash", "bash", "-c", "echo hi-tool", NULL);
	ev_exit(&t, 200, 2600, 2700, 0);
	c = call_new(100, 2000, 3000, "gpt-test");
	call_ask(c, "call_1", "exec_command", "{\"cmd\":\"echo hi-tool\"}");
	c->tool_calls[0].ready_ns = 2500;
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 3500, 3600, "gpt-test");
	call_answer(c, "call_1", NULL, NULL, false);
	linker__add_call(t.l, c, NULL);
	/*
	 * A child that waits longer than TT_PLACE_WAIT_NS is placed then, from what is known: no
	 * window is open at its start, so under the agent, even though a later call's window
	 * (ready at 4900, delivered after the wait) would have held it.
	 */
	ev_spawn(&t, 300, 100, 5000, "/usr/bin/git", "git", "status", NULL);
	ev_exit(&t, 300, 5000, 5100, 0);
	linker__tick(t.l, 5000 + TT_PLACE_WAIT_NS);
	c = call_new(100, 4000, 5000 + TT_PLACE_WAIT_NS + 10, "gpt-test");
	call_ask(c, "call_2", "exec_command", "{\"cmd\":\"git status\"}");
	c->tool_calls[0].ready_ns = 4900;
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 5000 + TT_PLACE_WAIT_NS + 100, 0);
	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" },
		     { &tool, "execute_tool exec_command" }, { &sh, "exec bash" },
		     { &late, "exec git" }))
		goto out;
	if (tool->start_ns != 2500)
		tool = nth(&t, "execute_tool exec_command", 1);
	ASSERT_EQ(tool->start_ns, 2500, "the tool starts when its call was ready");
	ASSERT_EQ(tool->end_ns, 3500, "and ends at the result request");
	ASSERT_TRUE(parent_is(sh, tool), "bash under the tool");
	ASSERT_EQ(sh->start_ns, 2600, "bash start");
	ASSERT_EQ(sh->end_ns, 2700, "bash end");
	ASSERT_TRUE(parent_is(late, agent), "git under the agent: no window was open");
out:
	lt_free(&t);
}

/* Two tool calls open at once; their processes start in either order. */
/* s's tracetree.link is v (NULL: absent) */
static bool link_is(const struct tt_span *s, const char *v)
{
	const char *a = sattr(s, "tracetree.link");

	return v ? a && !strcmp(a, v) : !a;
}

void test_linker_parallel_tools(void)
{
	static const char *const names[] = { "in order", "opposite order", "no argument match" };
	struct tt_span *ta, *tb, *pa, *pb;
	struct genai_call *c;
	struct lt t;
	int k;

	for (k = 0; k < 3; k++) {
		if (!test__start_subtest(names[k]))
			continue;
		if (!lt_new(&t, true))
			return;
		start_agent(&t, 100, 1000);
		c = call_new(100, 2000, 3000, "gpt-4o");
		call_ask(c, "call_a", "run_command",
			 k < 2 ? "{\"command\":\"ls -l /tmp\"}" : "{\"n\":\"1\"}");
		call_ask(c, "call_b", "run_command",
			 k < 2 ? "{\"command\":\"cat \\\"/etc/host name\\\"\"}" : "{\"n\":\"2\"}");
		linker__add_call(t.l, c, NULL);
		if (k == 1) {
			ev_spawn(&t, 301, 100, 3100, "/bin/sh", "sh", "-c",
				 "cat \"/etc/host name\"", NULL);
			ev_spawn(&t, 300, 100, 3120, "/bin/sh", "sh", "-c", "ls -l /tmp", NULL);
		} else {
			ev_spawn(&t, 300, 100, 3100, "/bin/sh", "sh", "-c",
				 k < 2 ? "ls -l /tmp" : "x", NULL);
			ev_spawn(&t, 301, 100, 3120, "/bin/sh", "sh", "-c",
				 k < 2 ? "cat \"/etc/host name\"" : "y", NULL);
		}
		/* the second one ends first */
		ev_exit(&t, 301, k == 1 ? 3100 : 3120, 3500, 0);
		ev_exit(&t, 300, k == 1 ? 3120 : 3100, 3600, 1 << 8);
		c = call_new(100, 4000, 5000, "gpt-4o");
		call_answer(c, "call_b", NULL, NULL, false);
		call_answer(c, "call_a", NULL, NULL, false);
		linker__add_call(t.l, c, NULL);
		ev_exit(&t, 100, 1000, 6000, 0);

		ta = tb = NULL;
		for (size_t i = 0; i < t.n; i++) {
			const char *id = sattr(t.v[i], "gen_ai.tool.call.id");

			if (id && !strcmp(id, "call_a"))
				ta = t.v[i];
			if (id && !strcmp(id, "call_b"))
				tb = t.v[i];
		}
		pa = find_arg(&t, "exec sh", k < 2 ? "ls -l /tmp" : "x");
		pb = find_arg(&t, "exec sh", k < 2 ? "cat \"/etc/host name\"" : "y");
		if (ASSERT_OK_PTR(ta, "tool a") && ASSERT_OK_PTR(tb, "tool b") &&
		    ASSERT_OK_PTR(pa, "proc a") && ASSERT_OK_PTR(pb, "proc b")) {
			ASSERT_TRUE(parent_is(pa, ta), "ls under tool a");
			ASSERT_TRUE(parent_is(pb, tb), "cat under tool b");
			ASSERT_EQ(ta->start_ns, 3000, "a start");
			ASSERT_EQ(tb->end_ns, 4000, "b end");
			ASSERT_EQ(pa->status, SPAN_STATUS_ERROR, "exit 1 is an error");
			ASSERT_STREQ(sattr(pa, "error.type"), "1", "error.type = exit code");
			ASSERT_EQ(iattr(pa, "process.exit.code"), 1, "exit code 1");
			ASSERT_EQ(pb->status, SPAN_STATUS_UNSET, "exit 0 ok");
			/* by arguments, or by time alone (the windows differ by start only) */
			ASSERT_TRUE(link_is(pa, k < 2 ? NULL : "inferred"), "link a");
			ASSERT_TRUE(link_is(pb, k < 2 ? NULL : "inferred"), "link b");
			ASSERT_NULL(sattr(ta, "tracetree.link"), "a tool by call id");
		}
		lt_free(&t);
	}
}

static struct http_exchange *http_new(uint32_t pid, const char *method, const char *host,
				      const char *target, int status, uint64_t t0, uint64_t t1)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	x->pid = pid;
	x->tid = pid;
	x->tls = true;
	x->fd = -1;
	x->method = strdup(method);
	x->host = strdup(host);
	x->target = strdup(target);
	x->status = status;
	x->req.start_ns = t0;
	x->req.end_ns = t0 + 1;
	x->resp.start_ns = t1 - 1;
	x->resp.end_ns = t1;
	return x;
}

/* Hands the linker x, an exchange that is no LLM or MCP call, and frees it. */
static int add_http(struct lt *t, struct http_exchange *x)
{
	int err = linker__add_http(t->l, x, NULL);

	http_exchange__free(x);
	return err;
}

void test_linker_http_in_tool(void)
{
	struct tt_span *fetch, *cmd, *agent, *get, *miss, *early, *curl, *curl_get;
	size_t i;
	struct http_exchange *x;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	x = http_new(100, "GET", "config.example.com", "/v1/settings", 200, 1500, 1600);
	ASSERT_OK(add_http(&t, x), "early request");
	c = call_new(100, 2000, 3000, "gpt-4o");
	call_ask(c, "call_cmd", "run_command", "{\"command\":\"curl -s https://example.org/x\"}");
	call_ask(c, "call_fetch", "fetch_url",
		 "{\"url\":\"https://docs.example.com/page?token=REDACTED\"}");
	linker__add_call(t.l, c, NULL);
	/* the command's curl makes its own request: it stays under curl */
	ev_spawn(&t, 300, 100, 3050, "/usr/bin/curl", "curl", "-s", "https://example.org/x", NULL);
	x = http_new(300, "GET", "example.org", "/x", 200, 3100, 3200);
	add_http(&t, x);
	ev_exit(&t, 300, 3050, 3300, 0);
	/* the agent fetches (started after the command: argument match must win over time) */
	x = http_new(100, "GET", "docs.example.com", "/page?token=abc123&lang=en", 200, 3400, 3500);
	add_http(&t, x);
	x = http_new(100, "POST", "docs.example.com:8443", "/missing?api_key=k", 404, 3600, 3700);
	add_http(&t, x);
	c = call_new(100, 4000, 5000, "gpt-4o");
	call_answer(c, "call_cmd", NULL, NULL, false);
	call_answer(c, "call_fetch", NULL, NULL, false);
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);

	get = nth(&t, "GET", 1);
	early = nth(&t, "GET", 0);
	curl_get = nth(&t, "GET", 0);
	if (!LT_NEED(&t, { &fetch, "execute_tool fetch_url" }, { &cmd, "execute_tool run_command" },
		     { &agent, "invoke_agent demo_agent" }, { &miss, "POST" },
		     { &curl, "exec curl" }) ||
	    !ASSERT_EQ(t.n, 10, "ten spans"))
		goto out;
	/* by URL: curl's span waits for its placement, so emission order is not start order */
	for (i = 0; i < t.n; i++) {
		const char *u = sattr(t.v[i], "url.full");

		if (!u || strcmp(t.v[i]->name, "GET"))
			continue;
		if (strstr(u, "config.example.com"))
			early = t.v[i];
		else if (strstr(u, "example.org"))
			curl_get = t.v[i];
		else if (strstr(u, "docs.example.com"))
			get = t.v[i];
	}
	ASSERT_STREQ(early->name, "GET", "early span");
	ASSERT_TRUE(parent_is(early, agent), "outside any window: under the agent");
	ASSERT_STREQ(sattr(early, "url.full"), "https://config.example.com/v1/settings", "url");
	ASSERT_TRUE(parent_is(curl_get, curl), "curl's request under curl");
	ASSERT_TRUE(parent_is(curl, cmd), "curl under the command tool");
	ASSERT_STREQ(get->name, "GET", "fetch span");
	ASSERT_TRUE(parent_is(get, fetch), "agent's GET under the fetch tool");
	ASSERT_EQ(get->kind, SPAN_KIND_CLIENT, "client");
	ASSERT_EQ(get->start_ns, 3400, "GET start");
	ASSERT_EQ(get->end_ns, 3500, "GET end");
	ASSERT_STREQ(sattr(get, "http.request.method"), "GET", "method");
	ASSERT_STREQ(sattr(get, "url.full"), "https://docs.example.com/page?token=REDACTED&lang=en",
		     "query secret removed");
	ASSERT_STREQ(sattr(get, "server.address"), "docs.example.com", "server.address");
	ASSERT_EQ(iattr(get, "server.port"), 443, "server.port");
	ASSERT_EQ(iattr(get, "http.response.status_code"), 200, "status code");
	ASSERT_EQ(iattr(get, "process.pid"), 100, "pid");
	ASSERT_EQ(get->status, SPAN_STATUS_UNSET, "200 ok");
	ASSERT_TRUE(parent_is(miss, fetch), "POST by host match");
	ASSERT_NULL(sattr(miss, "tracetree.link"), "by host: not inferred");
	ASSERT_NULL(sattr(get, "tracetree.link"), "by URL: not inferred");
	ASSERT_NULL(sattr(curl, "tracetree.link"), "by argv: not inferred");
	ASSERT_NULL(sattr(curl_get, "tracetree.link"), "its process: not inferred");
	ASSERT_NULL(sattr(early, "tracetree.link"), "its process: not inferred");
	ASSERT_EQ(miss->status, SPAN_STATUS_ERROR, "404 is a client error");
	ASSERT_STREQ(sattr(miss, "error.type"), "404", "error.type");
	ASSERT_STREQ(sattr(miss, "server.address"), "docs.example.com", "address without port");
	ASSERT_EQ(iattr(miss, "server.port"), 8443, "port from Host");
	ASSERT_STREQ(sattr(miss, "url.full"),
		     "https://docs.example.com:8443/missing?api_key=REDACTED", "api_key removed");
out:
	lt_free(&t);
}

void test_linker_subagent(void)
{
	static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	struct tt_span *agent, *tool, *sub, *subchat, *chat0, *ls;
	struct linker_stats st;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	agent_asks(&t, "call_s", "run_subagent", "{\"prompt\":\"count the files in /tmp\"}");
	ev_spawn(&t, 400, 100, 3100, "/usr/bin/python3", "/usr/bin/python3",
		 "/work/tools/demo_agent.py", "--prompt", "count the files in /tmp", "--api-key",
		 FAKE_KEY, NULL);
	c = call_new(400, 3200, 3300, "gpt-4o-mini");
	call_ask(c, "call_ls", "run_command", "{\"command\":\"ls /tmp | wc -l\"}");
	/* a sub-agent is not a trace root: its traceparent is ignored */
	linker__add_call(t.l, c, tp);
	ev_spawn(&t, 401, 400, 3400, "/bin/sh", "/bin/sh", "-c", "ls /tmp | wc -l", NULL);
	ev_exit(&t, 401, 3400, 3500, 0);
	c = call_new(400, 3600, 3700, "gpt-4o-mini");
	call_answer(c, "call_ls", NULL, NULL, false);
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 400, 3100, 3800, 0);
	agent_answers(&t, "call_s", NULL, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent", .arg = "tools/demo_agent.py" },
		     { &sub, "invoke_agent demo_agent", .arg = "/work/tools/demo_agent.py" },
		     { &tool, "execute_tool run_subagent" }, { &ls, "execute_tool run_command" },
		     { &subchat, "chat gpt-4o-mini" }, { &chat0, "chat gpt-4o" }))
		goto out;
	ASSERT_EQ(t.n, 9, "nine spans");
	ASSERT_TRUE(parent_is(sub, tool), "sub-agent under the tool that started it");
	ASSERT_STREQ(sattr(sub, "gen_ai.agent.name"), "demo_agent", "sub-agent name");
	ASSERT_TRUE(parent_is(subchat, sub), "sub-agent's LLM call under it");
	ASSERT_TRUE(parent_is(ls, sub), "sub-agent's tool under it");
	ASSERT_TRUE(parent_is(find(&t, "exec sh"), ls), "sub-agent's command under its tool");
	ASSERT_TRUE(parent_is(chat0, agent), "parent's call under the parent");
	ASSERT_TRUE(all_one_trace(&t), "one trace");
	ASSERT_FALSE(agent->remote_parent, "traceparent of the sub-agent not adopted");
	ASSERT_TRUE(memcmp(agent->trace_id, "\x4b\xf9\x2f\x35", 4) != 0, "own trace id");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.traceparents_ignored, 1, "ignored and counted");
	ASSERT_EQ(st.traceparents, 0, "none adopted");
out:
	lt_free(&t);
}

void test_linker_pid_reuse(void)
{
	struct tt_span *sh, *git, *first, *second;
	struct lt t;

	if (!lt_agent(&t))
		return;
	ev_spawn(&t, 200, 100, 2000, "/bin/sh", "sh", "-c", "true", NULL);
	ev_exit(&t, 200, 2000, 2100, 0);
	/* same pid, new process */
	ev_spawn(&t, 200, 100, 3000, "/usr/bin/git", "git", "status", NULL);
	ev_exit(&t, 200, 2000, 3050, 0); /* stale: names the first one */
	ev_exit(&t, 200, 3000, 3100, 0);
	/* a pid reused while we never saw its exit */
	ev_spawn(&t, 201, 100, 4000, "/bin/sleep", "sleep", "1", NULL);
	ev_spawn(&t, 201, 100, 5000, "/bin/date", "date", NULL);
	ev_exit(&t, 201, 5000, 5100, 0);
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &sh, "exec sh" }, { &git, "exec git" }, { &first, "exec sleep" },
		     { &second, "exec date" }))
		goto out;
	ASSERT_EQ(t.n, 5, "five spans");
	ASSERT_TRUE(memcmp(sh->span_id, git->span_id, 8) != 0, "distinct spans");
	ASSERT_EQ(sh->end_ns, 2100, "first ended at its exit");
	ASSERT_EQ(git->start_ns, 3000, "second starts at its fork");
	ASSERT_EQ(git->end_ns, 3100, "stale exit ignored");
	ASSERT_STREQ(rattr(git, "process.executable.name"), "git", "second resource");
	ASSERT_STREQ(rattr(sh, "process.executable.name"), "sh", "first resource");
	ASSERT_EQ(first->end_ns, 5000, "lost exit: ended when the pid was reused");
	ASSERT_TRUE(battr(first, "tracetree.process.exit_lost"), "flagged");
	ASSERT_EQ(iattr(first, "process.exit.code"), -1, "no exit code");
	ASSERT_EQ(iattr(second, "process.exit.code"), 0, "replacement exit code");
	ASSERT_TRUE(parent_is(git, find(&t, "exec python3")), "under its parent");
	ASSERT_TRUE(parent_is(sh, find(&t, "exec python3")), "first one too");
out:
	lt_free(&t);
}

void test_linker_missing_result(void)
{
	struct tt_span *tool, *agent, *killed;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	c = call_new(100, 2000, 3000, "claude-sonnet-4-5");
	c->provider_name = "anthropic";
	call_ask(c, "toolu_01", "Bash", "{\"command\":\"sleep 100\"}");
	linker__add_call(t.l, c, NULL);
	ev_spawn(&t, 200, 100, 3100, "/bin/sleep", "sleep", "100", NULL);
	ev_exit(&t, 200, 3100, 8000, 9); /* SIGKILL */
	ev_exit(&t, 100, 1000, 9000, 1 << 8);

	if (!LT_NEED(&t, { &tool, "execute_tool Bash" }, { &agent, "invoke_agent demo_agent" },
		     { &killed, "exec sleep" }))
		goto out;
	ASSERT_EQ(tool->start_ns, 3000, "start");
	ASSERT_EQ(tool->end_ns, 9000, "ends at the agent's exit");
	ASSERT_TRUE(battr(tool, "tracetree.tool.result_missing"), "flagged");
	ASSERT_TRUE(parent_is(killed, tool), "process under the tool");
	ASSERT_EQ(killed->status, SPAN_STATUS_ERROR, "killed: error");
	ASSERT_STREQ(sattr(killed, "error.type"), "SIGKILL", "signal name");
	ASSERT_EQ(iattr(killed, "process.exit.code"), 137, "128 + signal");
	ASSERT_EQ(agent->status, SPAN_STATUS_ERROR, "agent exit 1");
	ASSERT_STREQ(sattr(agent, "error.type"), "1", "agent error.type");
out:
	lt_free(&t);
}

void test_linker_traceparent(void)
{
	static const uint8_t tid[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
					 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
	static const uint8_t pid[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };
	struct tt_span *agent, *proc;
	struct linker_stats st;
	struct lt t; /* --all --trust-traceparent */
	size_t i;

	if (!lt_trusting(&t))
		return;
	start_agent(&t, 100, 1000);
	agent_asks(&t, "call_1", "run_command", "{\"command\":\"date\"}");
	ev_spawn(&t, 200, 100, 3100, "/bin/date", "date", NULL);
	ev_exit(&t, 200, 3100, 3200, 0);
	ASSERT_EQ(t.n, 0, "held while a traceparent may still come");
	agent_answers(&t, "call_1", NULL,
		      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
	ASSERT_EQ(t.n, 0, "uppercase traceparent ignored");
	linker__add_call(t.l, call_new(100, 5100, 5200, "gpt-4o"),
			 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	ASSERT_EQ(t.n, 5, "released once the ids are final");
	linker__add_call(t.l, call_new(100, 5300, 5400, "gpt-4o"),
			 "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	ASSERT_EQ(t.n, 6, "later spans go straight out");
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &proc, "exec date" }))
		goto out;
	ASSERT_TRUE(agent->has_parent, "agent has the remote parent");
	ASSERT_TRUE(agent->remote_parent, "remote flag");
	ASSERT_MEMEQ(agent->parent_id, 8, pid, 8, "remote parent span id");
	for (i = 0; i < t.n; i++)
		ASSERT_MEMEQ(t.v[i]->trace_id, 16, tid, 16, "remote trace id everywhere");
	ASSERT_FALSE(proc->remote_parent, "only the agent span");
	ASSERT_TRUE(parent_is(proc, find(&t, "execute_tool run_command")), "date under tool");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.traceparents, 1, "adopted once");
	ASSERT_EQ(st.traceparents_ignored, 2, "invalid and second one ignored");
out:
	lt_free(&t);
}

/* "00-<trace id>-<parent>-01" naming trace id id. */
static void tp_naming(char out[64], const uint8_t id[16], const char *parent)
{
	int i;

	memcpy(out, "00-", 3);
	for (i = 0; i < 16; i++)
		snprintf(out + 3 + 2 * i, 3, "%02x", id[i]);
	snprintf(out + 35, 64 - 35, "-%s-01", parent);
}

/*
 * --all: a traced process cannot name the trace its spans go to unless told to trust it, and
 * even then never the trace of another process tree (another tenant's).
 */
void test_linker_traceparent_untrusted(void)
{
	static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	static const uint8_t tid[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
					 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
	struct linker_opts all = { .agents_only = true, .host_name = "box" };
	struct linker_stats st;
	uint8_t victim[16];
	size_t n_a, n_b;
	char forged[64];
	struct lt t;
	size_t i;

	if (test__start_subtest("not trusted") && lt_open(&t, &all)) {
		start_agent(&t, 100, 1000);
		linker__add_call(t.l, call_new(100, 2000, 3000, "gpt-4o"), tp);
		ev_exit(&t, 100, 1000, 4000, 0);
		linker__stats(t.l, &st);
		ASSERT_EQ(st.traceparents, 0, "not adopted");
		ASSERT_EQ(st.traceparents_ignored, 1, "ignored and counted");
		ASSERT_EQ(t.n, 2, "agent and chat exported");
		for (i = 0; i < t.n; i++) {
			ASSERT_FALSE(!memcmp(t.v[i]->trace_id, tid, 16), "not the named trace");
			ASSERT_FALSE(t.v[i]->remote_parent, "no remote parent");
		}
		lt_free(&t);
	}
	if (test__start_subtest("not another tree's trace") && lt_trusting(&t)) {
		start_agent(&t, 100, 1000); /* tree A: its own trace, not final yet */
		start_agent(&t, 300, 1100); /* tree B, another user's, names A's trace */
		if (!ASSERT_OK_PTR(lproc_of(t.l, 100), "A known"))
			goto out;
		memcpy(victim, lproc_of(t.l, 100)->trace->id, 16);
		tp_naming(forged, victim, "00f067aa0ba902b7");
		linker__add_call(t.l, call_new(300, 2000, 3000, "gpt-4o"), forged);
		linker__stats(t.l, &st);
		ASSERT_EQ(st.traceparents, 0, "another tree's trace id not adopted");
		ASSERT_EQ(st.traceparents_ignored, 1, "counted");
		/* a traceparent of a remote trace is still adopted: the flag is honoured */
		linker__add_call(t.l, call_new(300, 3100, 3200, "gpt-4o"), tp);
		linker__stats(t.l, &st);
		ASSERT_EQ(st.traceparents, 1, "remote trace adopted");
		ev_exit(&t, 300, 1100, 4000, 0);
		ev_exit(&t, 100, 1000, 5000, 0);
		for (i = 0, n_a = n_b = 0; i < t.n; i++) {
			n_a += !memcmp(t.v[i]->trace_id, victim, 16);
			n_b += !memcmp(t.v[i]->trace_id, tid, 16);
		}
		ASSERT_EQ(n_a, 1, "A's trace: A's process span only");
		ASSERT_EQ(n_b, 3, "B's agent and its two calls in the remote trace");
out:
		lt_free(&t);
	}
}

void test_linker_parent_exits_first(void)
{
	struct tt_span *sub, *bg, *root;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_spawn(&t, 100, 1, 1000, "/bin/bash", "bash", "run.sh", NULL);
	ev_fork(&t, 200, 100, 2000); /* subshell */
	ev_spawn(&t, 201, 200, 2100, "/bin/sleep", "sleep", "10", NULL);
	ev_exit(&t, 200, 2000, 2200, 0);
	ev_exit(&t, 100, 1000, 3000, 0);
	ASSERT_EQ(t.n, 2, "parents exported at their exit");
	ev_exit(&t, 201, 2100, 12000, 0);
	ASSERT_EQ(t.n, 3, "orphan exported at its exit");
	sub = t.v[0];
	if (!LT_NEED(&t, { &root, "exec bash" }, { &bg, "exec sleep" }))
		goto out;
	ASSERT_STREQ(sub->name, "exec bash", "subshell named after the inherited exe");
	ASSERT_EQ(iattr(sub, "process.pid"), 200, "subshell first");
	ASSERT_TRUE(parent_is(sub, t.v[1]), "subshell under bash");
	ASSERT_TRUE(parent_is(bg, sub), "orphan keeps its parent span");
	ASSERT_EQ(bg->end_ns, 12000, "orphan end");
	ASSERT_TRUE(all_one_trace(&t), "one trace");
out:
	lt_free(&t);
}

void test_linker_tool_errors(void)
{
	struct tt_span *t1, *t2, *t3, *t4;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	c = call_new(100, 2000, 3000, "claude-sonnet-4-5");
	call_ask(c, "toolu_1", "Read", "{\"path\":\"/root/x\"}");
	call_ask(c, "toolu_2", "Python", "{\"code\":\"1/0\"}");
	call_ask(c, "toolu_3", "Bash", "{\"command\":\"ls\"}");
	call_ask(c, "toolu_4", "Bash", "{\"command\":\"ls /nope\"}");
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 4000, 5000, "claude-sonnet-4-5");
	call_answer(c, "toolu_1", NULL, "permission denied\nmore", true);
	call_answer(c, "toolu_2", NULL,
		    "Traceback (most recent call last):\nZeroDivisionError: division by zero",
		    false);
	call_answer(c, "toolu_3", NULL, "total 4\nfoo.txt", false);
	call_answer(c, "toolu_4", NULL, "ls: cannot access '/nope'\n[exit code 2]", false);
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);
	if (!LT_NEED(&t, { &t1, "execute_tool Read" }, { &t2, "execute_tool Python" },
		     { &t3, "execute_tool Bash", 0 }, { &t4, "execute_tool Bash", 1 }))
		goto out;
	/* results are processed last to first */
	if (!strcmp(sattr(t3, "gen_ai.tool.call.id"), "toolu_4")) {
		struct tt_span *x = t3;

		t3 = t4;
		t4 = x;
	}
	ASSERT_EQ(t1->status, SPAN_STATUS_ERROR, "is_error");
	ASSERT_STREQ(sattr(t1, "error.type"), "tool_error", "flagged error");
	ASSERT_STREQ(t1->status_message, "permission denied", "first line as message");
	ASSERT_STREQ(sattr(t1, "gen_ai.tool.call.result"), "permission denied\nmore", "result");
	ASSERT_EQ(t2->status, SPAN_STATUS_ERROR, "traceback");
	ASSERT_STREQ(sattr(t2, "error.type"), "traceback", "traceback class");
	ASSERT_EQ(t3->status, SPAN_STATUS_UNSET, "fine result");
	ASSERT_NULL(sattr(t3, "error.type"), "no error.type");
	ASSERT_EQ(t4->status, SPAN_STATUS_ERROR, "non-zero exit code");
	ASSERT_STREQ(sattr(t4, "error.type"), "exit_code", "exit code class");
	ASSERT_EQ(t4->end_ns, 4000, "ends at the request");
out:
	lt_free(&t);
}

void test_linker_tool_error_text(void)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "Error: file not found", "error" },
		{ "  error: bad input", "error" },
		{ "ERROR something", "error" },
		{ "fatal: not a git repository", "error" },
		{ "Errors are fine here? no: Errorless", NULL },
		{ "[{\"type\":\"text\",\"text\":\"Error: boom\"}]", "error" },
		{ "x\nTraceback (most recent call last):\n  File", "traceback" },
		{ "sh: 1: frob: command not found", "command_not_found" },
		{ "done\n[exit code 127]", "exit_code" },
		{ "exited with code 0", NULL },
		{ "exit status: 3", "exit_code" },
		{ "all good, 0 errors", NULL },
		{ "", NULL },
	};
	size_t i;
	const char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = linker_tool_error(cases[i].in);
		if (cases[i].want)
			ASSERT_STREQ(got, cases[i].want, cases[i].in);
		else
			ASSERT_NULL(got, cases[i].in);
	}
	ASSERT_NULL(linker_tool_error(NULL), "NULL");
}

/* Id-less APIs (Gemini) resend every earlier result: the newest ones answer the open calls. */
void test_linker_idless_results(void)
{
	struct tt_span *a, *b;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	c = call_new(100, 2000, 3000, "gemini-2.5-flash");
	call_ask(c, NULL, "get_weather", "{\"city\":\"Paris\"}");
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 4000, 5000, "gemini-2.5-flash");
	call_answer(c, NULL, "get_weather", "sunny", false);
	call_ask(c, NULL, "get_weather", "{\"city\":\"Oslo\"}");
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 6000, 7000, "gemini-2.5-flash");
	call_answer(c, NULL, "get_weather", "sunny", false);
	call_answer(c, NULL, "get_weather", "Error: unknown city", false);
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 8000, 0);
	if (!LT_NEED(&t, { &a, "execute_tool get_weather", 0 },
		     { &b, "execute_tool get_weather", 1 }))
		goto out;
	ASSERT_EQ(a->start_ns, 3000, "first start");
	ASSERT_EQ(a->end_ns, 4000, "first answered by the second request");
	ASSERT_EQ(a->status, SPAN_STATUS_UNSET, "first ok");
	ASSERT_EQ(b->start_ns, 5000, "second start");
	ASSERT_EQ(b->end_ns, 6000, "second answered by the third request");
	ASSERT_EQ(b->status, SPAN_STATUS_ERROR, "the newest result belongs to it");
	ASSERT_NULL(sattr(a, "gen_ai.tool.call.id"), "no id");
	ASSERT_EQ(t.n, 6, "agent, 3 chats, 2 tools");
out:
	lt_free(&t);
}

void test_linker_llm_attrs(void)
{
	static const char *fr[] = { "tool_calls" };
	struct tt_span *s, *e;
	const struct attr *a;
	struct genai_call *c;
	struct lt t;

	if (!lt_agent(&t))
		return;
	c = call_new(100, 500, 3000, "gpt-4o"); /* starts before the process: clamped */
	c->response_model = strdup("gpt-4o-2024-08-06");
	c->response_id = strdup("chatcmpl-1");
	c->conversation_id = strdup("conv_1");
	c->api_type = "chat_completions";
	c->system = "openai";
	c->legacy_semconv = true;
	c->finish_reasons = calloc(1, sizeof(char *));
	c->finish_reasons[0] = strdup(fr[0]);
	c->n_finish_reasons = 1;
	c->usage.cache_read_tokens = 64;
	c->usage.has_cache_read_tokens = true;
	c->usage.cache_write_tokens = 8;
	c->usage.has_cache_write_tokens = true;
	c->params.temperature = 0.2;
	c->params.has_temperature = true;
	c->params.max_tokens = 256;
	c->params.has_max_tokens = true;
	c->streaming = true;
	c->has_ttft = true;
	c->ttft_ns = 410000000;
	c->input_messages = strdup("[{\"role\":\"user\"}]");
	c->flags = GENAI_F_RESP_TRUNCATED;
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 4000, 5000, "gpt-4o");
	c->http_status = 429;
	c->error_type = strdup("rate_limit_exceeded");
	c->error_message = strdup("Rate limit reached");
	c->usage.has_input_tokens = c->usage.has_output_tokens = false;
	linker__add_call(t.l, c, NULL);
	c = call_new(100, 5100, 5200, "gpt-4o");
	c->http_status = 500;
	c->request_model = (free(c->request_model), NULL);
	c->response_model = strdup("gpt-4o-mini");
	linker__add_call(t.l, c, NULL);
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &s, "chat gpt-4o", 0 }, { &e, "chat gpt-4o", 1 }))
		goto out;
	ASSERT_EQ(s->start_ns, 1000, "clamped to the process start");
	ASSERT_STREQ(sattr(s, "gen_ai.operation.name"), "chat", "op");
	ASSERT_STREQ(sattr(s, "gen_ai.provider.name"), "openai", "provider");
	ASSERT_STREQ(sattr(s, "gen_ai.system"), "openai", "legacy system");
	ASSERT_STREQ(sattr(s, "gen_ai.request.model"), "gpt-4o", "request model");
	ASSERT_STREQ(sattr(s, "gen_ai.response.model"), "gpt-4o-2024-08-06", "response model");
	ASSERT_STREQ(sattr(s, "gen_ai.response.id"), "chatcmpl-1", "response id");
	ASSERT_STREQ(sattr(s, "gen_ai.conversation.id"), "conv_1", "conversation");
	ASSERT_STREQ(sattr(s, "openai.api.type"), "chat_completions", "api type");
	a = attrs_get(&s->attrs, "gen_ai.response.finish_reasons");
	if (ASSERT_OK_PTR(a, "finish reasons") && ASSERT_EQ(a->arr.n, 1, "one"))
		ASSERT_STREQ(a->arr.v[0], "tool_calls", "reason");
	ASSERT_EQ(iattr(s, "gen_ai.usage.input_tokens"), 100, "input");
	ASSERT_EQ(iattr(s, "gen_ai.usage.output_tokens"), 20, "output");
	ASSERT_EQ(iattr(s, "gen_ai.usage.cache_read.input_tokens"), 64, "cache read");
	ASSERT_EQ(iattr(s, "gen_ai.usage.cache_creation.input_tokens"), 8, "cache creation");
	ASSERT_EQ(iattr(s, "gen_ai.usage.cache_write.input_tokens"), 8, "cache write");
	ASSERT_EQ(iattr(s, "gen_ai.usage.reasoning.output_tokens"), -1, "absent stays absent");
	ASSERT_DOUBLE_EQ(attrs_get(&s->attrs, "gen_ai.request.temperature")->d, 0.2, "temp");
	ASSERT_EQ(iattr(s, "gen_ai.request.max_tokens"), 256, "max tokens");
	ASSERT_TRUE(battr(s, "gen_ai.request.stream"), "stream");
	ASSERT_DOUBLE_EQ(attrs_get(&s->attrs, "gen_ai.response.time_to_first_chunk")->d, 0.41,
			 "ttft seconds");
	ASSERT_STREQ(sattr(s, "server.address"), "api.openai.com", "server");
	ASSERT_EQ(iattr(s, "server.port"), 443, "port");
	ASSERT_EQ(iattr(s, "http.response.status_code"), 200, "status code");
	ASSERT_STREQ(sattr(s, "gen_ai.input.messages"), "[{\"role\":\"user\"}]", "content");
	ASSERT_NULL(sattr(s, "gen_ai.output.messages"), "absent content");
	ASSERT_TRUE(battr(s, "tracetree.truncated"), "truncated flag");
	ASSERT_FALSE(battr(s, "tracetree.incomplete"), "not incomplete");
	ASSERT_EQ(s->status, SPAN_STATUS_UNSET, "ok");
	ASSERT_EQ(e->status, SPAN_STATUS_ERROR, "429 error");
	ASSERT_STREQ(sattr(e, "error.type"), "rate_limit_exceeded", "error type");
	ASSERT_STREQ(e->status_message, "Rate limit reached", "message");
	ASSERT_EQ(iattr(e, "gen_ai.usage.input_tokens"), -1, "no usage");
	e = find(&t, "chat gpt-4o-mini");
	if (ASSERT_OK_PTR(e, "named after the response model"))
		ASSERT_STREQ(sattr(e, "error.type"), "500", "status as error.type");
out:
	lt_free(&t);
}

void test_linker_flush(void)
{
	struct tt_span *agent, *tool, *child, *pre;
	struct genai_call *c;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	/* -p PID: the agent ran before we attached at 5000 */
	ASSERT_OK(linker__add_existing(t.l, 100, 1, 1000, 5000, "/usr/local/bin/claude",
				       "claude\0--dangerously-skip-permissions\0", 39),
		  "existing");
	c = call_new(100, 6000, 7000, "claude-sonnet-4-5");
	call_ask(c, "toolu_1", "Bash", "{\"command\":\"make test\"}");
	linker__add_call(t.l, c, NULL);
	ev_spawn(&t, 200, 100, 7100, "/usr/bin/make", "make", "test", NULL);
	linker__flush(t.l, 9000);
	ASSERT_EQ(t.n, 4, "agent, chat, tool, make");
	if (!LT_NEED(&t, { &agent, "invoke_agent claude-code" }, { &tool, "execute_tool Bash" },
		     { &child, "exec make" }))
		goto out;
	pre = agent;
	ASSERT_EQ(pre->start_ns, 5000, "starts at attach time");
	ASSERT_TRUE(battr(pre, "tracetree.process.preexisting"), "flagged preexisting");
	ASSERT_EQ(agent->end_ns, 9000, "ended at shutdown");
	ASSERT_TRUE(battr(agent, "tracetree.incomplete"), "agent incomplete");
	ASSERT_EQ(iattr(agent, "process.exit.code"), -1, "no exit code");
	ASSERT_STREQ(rattr(agent, "service.name"), "claude-code", "service");
	ASSERT_EQ(tool->end_ns, 9000, "tool ended at shutdown");
	ASSERT_TRUE(battr(tool, "tracetree.incomplete"), "tool incomplete");
	ASSERT_FALSE(battr(tool, "tracetree.tool.result_missing"), "not a missing result");
	ASSERT_TRUE(battr(child, "tracetree.incomplete"), "child incomplete");
	ASSERT_TRUE(parent_is(child, tool), "child under the tool");
	ASSERT_EQ(child->end_ns, 9000, "child end");
	/* records after the flush do not export anything twice */
	ev_exit(&t, 200, 7100, 9500, 0);
	ev_exit(&t, 100, 1000, 9600, 0);
	linker__flush(t.l, 10000);
	ASSERT_EQ(t.n, 4, "nothing twice");
out:
	lt_free(&t);
}

void test_linker_caps(void)
{
	struct linker_opts o = { .single_trace = true };
	struct linker_stats st;
	struct genai_call *c;
	size_t i, k, before;
	struct lt t;
	char id[32];

	if (test__start_subtest("held spans")) {
		if (!lt_open(&t, &o))
			return;
		start_agent(&t, 100, 1000);
		for (i = 0; i < TT_MAX_HELD_SPANS + 10; i++) {
			ev_fork(&t, 1000 + i, 100, 2000 + 2 * i);
			ev_exit(&t, 1000 + i, 2000 + 2 * i, 2001 + 2 * i, 0);
		}
		ASSERT_EQ(t.total, TT_MAX_HELD_SPANS + 10, "released early, nothing lost");
		linker__add_call(t.l, call_new(100, 20000, 21000, "gpt-4o"),
				 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
		linker__stats(t.l, &st);
		ASSERT_EQ(st.open_cap_hits, 1, "counted");
		ASSERT_EQ(st.traceparents_ignored, 1, "too late for a traceparent");
		lt_free(&t);
	}
	if (test__start_subtest("open tool spans")) {
		o.single_trace = false;
		o.trust_traceparent = true;
		if (!lt_open(&t, &o))
			return;
		start_agent(&t, 100, 1000);
		/* finalise the trace so tool spans are not also held */
		linker__add_call(t.l, call_new(100, 1100, 1200, "gpt-4o"),
				 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
		for (k = 0; k * 1000 < TT_MAX_OPEN_SPANS + 1000; k++) {
			c = call_new(100, 2000 + k, 2000 + k, "gpt-4o");
			for (i = 0; i < 1000; i++) {
				snprintf(id, sizeof(id), "call_%zu_%zu", k, i);
				call_ask(c, id, "t", NULL);
			}
			linker__add_call(t.l, c, NULL);
		}
		linker__stats(t.l, &st);
		ASSERT_EQ(st.open_cap_hits, 1000, "tools over the cap counted");
		before = t.total;
		linker__flush(t.l, 900000);
		ASSERT_EQ(t.total - before, TT_MAX_OPEN_SPANS + 1,
			  "open tools and the agent exported");
		lt_free(&t);
	}
	if (test__start_subtest("processes")) {
		o.single_trace = true;
		if (!lt_open(&t, &o))
			return;
		for (i = 0; i <= TT_MAX_PROCS; i++)
			ev_fork(&t, 10 + i, 1, 100 + i);
		linker__stats(t.l, &st);
		ASSERT_EQ(st.procs_cap_hits, 1, "one process over the cap");
		ASSERT_EQ(st.procs, TT_MAX_PROCS, "table full");
		ASSERT_EQ(linker__add_call(t.l, call_new(10 + TT_MAX_PROCS, 1, 2, "m"), NULL),
			  -ENOENT, "call of an untracked process");
		linker__flush(t.l, 1000000);
		ASSERT_EQ(t.total, TT_MAX_PROCS, "every tracked process exported");
		lt_free(&t);
	}
}

void test_linker_all_mode(void)
{
	struct linker_opts o = { .agents_only = true };
	struct tt_span *agent, *sh;
	struct linker_stats st;
	struct lt t;

	if (!lt_open(&t, &o))
		return;
	ev_spawn(&t, 50, 1, 500, "/bin/bash", "bash", NULL); /* a login shell */
	start_agent(&t, 100, 1000);
	ev_fork(&t, 100, 50, 1000); /* the fork record comes late */
	linker__add_call(t.l, call_new(100, 2000, 3000, "gpt-4o"), NULL);
	ev_spawn(&t, 200, 100, 3100, "/bin/sh", "sh", "-c", "id", NULL);
	ev_exit(&t, 200, 3100, 3200, 0);
	ev_spawn(&t, 60, 50, 3300, "/usr/bin/vim", "vim", NULL);
	ev_exit(&t, 60, 3300, 3400, 0);
	ev_exit(&t, 100, 1000, 4000, 0);
	ev_exit(&t, 50, 500, 5000, 0);
	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &sh, "exec sh" }))
		goto out;
	ASSERT_EQ(t.n, 3, "agent, chat, sh");
	ASSERT_FALSE(agent->has_parent, "top-most agent is a root");
	ASSERT_TRUE(parent_is(sh, agent), "sh under the agent");
	ASSERT_TRUE(all_one_trace(&t), "one trace");
	ASSERT_NULL(find(&t, "exec bash"), "non-agent shell dropped");
	ASSERT_NULL(find(&t, "exec vim"), "non-agent trace dropped");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.spans_dropped, 2, "dropped spans counted");
out:
	lt_free(&t);
}

void test_linker_scrub_argv(void)
{
	static const struct {
		const char *in[8];
		const char *out[8];
	} cases[] = {
		{ { "curl", "-H", "Authorization: Bearer abc.def", "https://x" },
		  { "curl", "-H", "Authorization: REDACTED", "https://x" } },
		{ { "curl", "-H", "x-api-key: abc123" }, { "curl", "-H", "x-api-key: REDACTED" } },
		{ { "curl", "--header=Cookie: a=b" }, { "curl", "--header=Cookie: REDACTED" } },
		{ { "tool", "--api-key", "abc", "--model", "m" },
		  { "tool", "--api-key", "REDACTED", "--model", "m" } },
		{ { "tool", "--api-key=abc" }, { "tool", "--api-key=REDACTED" } },
		{ { "tool", "--token", "t", "--password", "pw" },
		  { "tool", "--token", "REDACTED", "--password", "REDACTED" } },
		{ { "tool", "--max-tokens", "100", "--password" },
		  { "tool", "--max-tokens", "100", "--password" } },
		{ { "env", "OPENAI_API_KEY=abc", "GITHUB_TOKEN=x", "DB_PASSWORD=y", "MAX_TOKENS=9",
		    "HOME=/root", "client_secret=z" },
		  { "env", "OPENAI_API_KEY=REDACTED", "GITHUB_TOKEN=REDACTED",
		    "DB_PASSWORD=REDACTED", "MAX_TOKENS=9", "HOME=/root",
		    "client_secret=REDACTED" } },
		{ { "python3", "a.py", "sk-ant-api03-abcdefghijklmnopqrstuvwxyz" },
		  { "python3", "a.py", "REDACTED" } },
		{ { "x", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl" },
		  { "x", "REDACTED" } },
		{ { "curl", "-u", "user:pass", "https://x" },
		  { "curl", "-u", "REDACTED", "https://x" } },
		{ { "git", "push", "-u", "origin" }, { "git", "push", "-u", "origin" } },
		{ { "sh", "-c",
		    "curl -H 'Authorization: Bearer abc' -H \"x-api-key: k1\" --api-key k2 u && "
		    "OPENAI_API_KEY='s p' ./run --token=t3; echo done" },
		  { "sh", "-c",
		    "curl -H 'Authorization: REDACTED' -H \"x-api-key: REDACTED\" --api-key REDACTED u && "
		    "OPENAI_API_KEY='REDACTED' ./run --token=REDACTED; echo done" } },
		{ { "ls", "-la", "/tmp" }, { "ls", "-la", "/tmp" } },
	};
	char *argv[8];
	size_t i, j, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 0; n < 8 && cases[i].in[n]; n++)
			argv[n] = strdup(cases[i].in[n]);
		if (!ASSERT_OK(redact_argv(argv, n), "scrub"))
			return;
		for (j = 0; j < n; j++) {
			ASSERT_STREQ(argv[j], cases[i].out[j], cases[i].in[j]);
			free(argv[j]);
		}
	}
}

/*
 * url.full of HTTP client spans (redact_url). The names behind these rules (apiKey,
 * AWSAccessKeyId, x-api-key; not max_tokens, KEYBOARD) are test_redact_secret_name's.
 */
void test_linker_scrub_url(void)
{
	static const struct {
		const char *scheme, *host, *target;
		const char *want, *what;
	} cases[] = {
		{ "https", "api.x.com",
		  "/v1?key=abc&alt=sse&sig=zz&X-Amz-Signature=q&monkey=1#frag",
		  "https://api.x.com/v1?key=REDACTED&alt=sse&sig=REDACTED&"
		  "X-Amz-Signature=REDACTED&monkey=1#frag",
		  "query secrets" },
		{ "http", "proxy", "http://user:pw@host.example/p?access_token=1",
		  "http://host.example/p?access_token=REDACTED", "absolute form" },
		{ "https", "h", "", "https://h", "empty target" },
	};
	size_t i;
	char *u;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u = redact_url(cases[i].scheme, cases[i].host, cases[i].target);
		ASSERT_STREQ(u, cases[i].want, cases[i].what);
		free(u);
	}
}

void test_linker_agent_names(void)
{
	static const struct {
		const char *exe;
		const char *argv[6];
		const char *want;
	} cases[] = {
		{ "/usr/local/bin/claude", { "claude" }, "claude-code" },
		{ "/root/.local/share/claude/versions/1.0.3", { "claude" }, "claude-code" },
		{ "/usr/bin/node",
		  { "node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js" },
		  "claude-code" },
		{ "/usr/bin/node",
		  { "node", "/usr/lib/node_modules/@openai/codex/bin/codex.js" },
		  "codex" },
		{ "/opt/codex/codex", { "codex", "exec" }, "codex" },
		{ "/usr/bin/node", { "node", "/usr/local/bin/gemini" }, "gemini-cli" },
		{ "/usr/bin/bun",
		  { "bun", "/x/node_modules/@google/gemini-cli/dist/index.js" },
		  "gemini-cli" },
		{ "/usr/bin/python3",
		  { "python3", "/usr/local/bin/aider", "--model", "x" },
		  "aider" },
		{ "/usr/bin/python3.11",
		  { "python3.11", "-u", "tools/demo_agent.py" },
		  "demo_agent" },
		{ "/usr/bin/python3", { "python3", "-m", "mypkg.agent" }, "mypkg.agent" },
		{ "/usr/bin/python3", { "python3", "-c", "print(1)" }, "python3" },
		{ "/usr/bin/node", { "node", "--require", "./otel.js", "app.mjs" }, "app" },
		{ "/usr/bin/deno", { "deno", "run", "-A", "agent.ts" }, "agent" },
		{ "/usr/bin/curl", { "curl", "-s", "https://api.openai.com" }, "curl" },
		{ "/bin/bash", { "bash", "-eu", "-o", "pipefail", "run_agent.sh" }, "run_agent" },
		{ "/bin/sh", { "sh", "-c", "curl https://x" }, "sh" },
		{ "/bin/dash", { "dash", "-s" }, "dash" },
		{ "/usr/bin/zsh", { "zsh", "deploy" }, "deploy" },
		/* #! scripts: the executable is the script, argv the interpreter's */
		{ "/w/curl_agent.sh", { "/bin/sh", "/w/curl_agent.sh", "https://x" }, "curl_agent" },
		{ "/w/bot.py", { "/usr/bin/env", "python3", "/w/bot.py", "-v" }, "bot" },
		{ "/usr/local/bin/mybot", { "/usr/local/bin/mybot", "run" }, "mybot" },
		{ "", { "/opt/bin/mybot" }, "mybot" },
	};
	size_t i, n;
	char *name;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 0; n < 6 && cases[i].argv[n]; n++)
			;
		name = linker_agent_name(cases[i].exe, (char *const *)cases[i].argv, n);
		ASSERT_STREQ(name, cases[i].want, cases[i].exe);
		free(name);
	}
}

void test_linker_edges(void)
{
	struct linker_opts o = { .single_trace = true,
				 .capture_content = true,
				 .service_name = "svc" };
	struct tt_span *late, *p, *tool;
	struct linker_stats st;
	struct tt_fork f = { 0 };
	struct lt t;

	if (!lt_open(&t, &o))
		return;
	ev_spawn(&t, 100, 1, 1000, "/usr/bin/curl", "curl", "https://api.openai.com", NULL);
	f.h.pid = 100;
	f.h.tid = 101; /* a thread of 100 */
	f.ppid = 100;
	f.start_ns = 1500;
	ASSERT_OK(linker__fork(t.l, &f), "thread ignored");
	ASSERT_OK(agent_asks(&t, "call_1", "shell", "{\"cmd\":\"ls\"}"), "call");
	ev_fork(&t, 200, 100, 3200); /* keeps its parent in the table */
	ev_exit(&t, 100, 1000, 3500, 0);
	/* the response of a close-delimited exchange may come after the exit record */
	ASSERT_EQ(linker__add_call(t.l, call_new(100, 3100, 3400, "late-model"), NULL), 0, "late");
	ASSERT_EQ(linker__add_call(t.l, call_new(999, 1, 2, "m"), NULL), -ENOENT, "unknown pid");
	if (!LT_NEED(&t, { &p, "invoke_agent curl" }, { &late, "chat late-model" },
		     { &tool, "execute_tool shell" }))
		goto out;
	ASSERT_TRUE(parent_is(late, p), "late call still under its process");
	ASSERT_TRUE(same_trace(late, p), "same trace");
	ASSERT_STREQ(rattr(p, "service.name"), "svc", "OTEL_SERVICE_NAME override");
	ASSERT_STREQ(sattr(tool, "gen_ai.tool.call.arguments"), "{\"cmd\":\"ls\"}",
		     "arguments with content capture");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.late_calls, 1, "late call counted");
	ASSERT_EQ(st.calls_no_proc, 1, "unknown pid counted");
	ASSERT_EQ(t.n, 4, "agent, 2 chats, tool: no thread span");
	ev_exit(&t, 200, 3200, 3600, 0);
	/* once the process left the table, a late call has no process */
	ASSERT_EQ(linker__add_call(t.l, call_new(100, 3100, 3400, "m"), NULL), -ENOENT, "gone");
	ASSERT_EQ(t.n, 5, "the child's span");
out:
	lt_free(&t);
}

/* ---- inbound requests (SERVER spans) and MCP calls ---- */

#define SOCK_A (TT_CONN_SOCK | 0x100)
#define SOCK_B (TT_CONN_SOCK | 0x200)
#define SOCK_C (TT_CONN_SOCK | 0x300)

/*
 * The head of a request on conn whose first byte thread tid of pid read at ts (server: the
 * process read it), as conn reports it, with its traceparent header (NULL: none).
 */
static void ev_head(struct lt *t, uint32_t pid, uint32_t tid, uint64_t conn, uint64_t ts,
		    bool server, const char *target, const char *traceparent)
{
	struct http_exchange x = { .pid = pid,
				   .tid = tid,
				   .conn = conn,
				   .fd = -1,
				   .method = "POST",
				   .target = (char *)target,
				   .req.start_ns = ts,
				   .flags = server ? HTTP_X_SERVER_SIDE : 0 };

	linker__request_head(t->l, &x, traceparent);
}

/* An inbound request's head (ev_head, server side). */
static void ev_read(struct lt *t, uint32_t pid, uint32_t tid, uint64_t conn, uint64_t ts,
		    const char *target, const char *traceparent)
{
	ev_head(t, pid, tid, conn, ts, true, target, traceparent);
}

static void ev_sock(struct lt *t, uint32_t pid, uint64_t conn, uint16_t lport)
{
	struct tt_sock s = {
		.h = { .type = TT_REC_SOCK, .pid = pid }, .conn = conn, .lport = lport, .family = 2
	};

	linker__sock(t->l, &s);
}

static void served(struct lt *t, uint32_t pid, uint64_t conn, const char *target, int status,
		   uint64_t t0, uint64_t t1)
{
	struct http_exchange *x = http_new(pid, "POST", "svc.local:9999", target, status, t0, t1);

	x->tls = false;
	x->conn = conn;
	x->flags = HTTP_X_SERVER_SIDE;
	snprintf(x->peer_addr, sizeof(x->peer_addr), "10.0.0.9");
	x->peer_port = 5555;
	add_http(t, x);
}

/* An LLM call of pid 100 made by thread tid from t0 to t1 (model: its name). */
static void call_by(struct lt *t, uint32_t tid, uint64_t t0, uint64_t t1, const char *model)
{
	struct genai_call *c = call_new(100, t0, t1, model);

	c->tid = tid;
	linker__add_call(t->l, c, NULL);
}

void test_linker_server_spans(void)
{
	static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	static const char tp_out[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01";
	struct tt_span *agent, *s1, *s2, *s3, *chat1, *chat2, *chat3, *chat4, *chat5, *tool, *get;
	struct http_exchange *x;
	struct genai_call *c;
	struct linker_stats st;
	struct lt t;

	if (!lt_agent(&t))
		return;
	ev_sock(&t, 100, SOCK_A, 8080);
	/* not an inbound request: one the process sends as a client */
	ev_head(&t, 100, 101, SOCK_C, 1500, false, "/x", tp);
	/* request 1 read by thread 101: its call and tool window nest under it */
	ev_read(&t, 100, 101, SOCK_A, 2000, "/ask?x=1", NULL);
	c = call_new(100, 2100, 2200, "llama3.2");
	c->tid = 101;
	call_ask(c, "call_1", "fetch_url", "{\"url\":\"http://docs.local/a\"}");
	linker__add_call(t.l, c, NULL);
	/* request 2 on thread 102, with a traceparent */
	ev_read(&t, 100, 102, SOCK_B, 2300, "/ask", tp);
	call_by(&t, 102, 2400, 2500, "llama3.2");
	/* a third thread while two are open: not attributable... */
	call_by(&t, 103, 2600, 2700, "llama3.2");
	/* ...unless its traceparent carries the trace of one */
	c = call_new(100, 2750, 2790, "llama3.2");
	c->tid = 103;
	linker__add_call(t.l, c, tp_out);
	/* the fetch of request 1's tool: under the tool window */
	x = http_new(100, "GET", "docs.local", "/a", 200, 2800, 2850);
	x->tid = 101;
	add_http(&t, x);
	c = call_new(100, 2900, 2950, "llama3.2");
	c->tid = 101;
	call_answer(c, "call_1", NULL, "ok", false);
	linker__add_call(t.l, c, NULL);
	served(&t, 100, SOCK_A, "/ask?x=1", 200, 2000, 3000);
	served(&t, 100, SOCK_B, "/ask", 503, 2300, 3100);
	/* one request at a time: another thread's work is attributed by time */
	ev_read(&t, 100, 101, SOCK_A, 4000, "/health", NULL);
	call_by(&t, 107, 4100, 4200, "llama3.2");
	served(&t, 100, SOCK_A, "/health", 200, 4000, 4300);
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &s1, "POST /ask", 0 },
		     { &s2, "POST /ask", 1 }, { &s3, "POST /health" },
		     { &tool, "execute_tool fetch_url" }, { &get, "GET" }))
		goto out;
	/* by start: request 2's calls are in its traceparent's trace, exported first */
	chat1 = started_at(&t, "chat llama3.2", 2100);
	chat2 = started_at(&t, "chat llama3.2", 2400);
	chat3 = started_at(&t, "chat llama3.2", 2600);
	chat4 = started_at(&t, "chat llama3.2", 2750);
	chat5 = started_at(&t, "chat llama3.2", 4100);
	if (!ASSERT_TRUE(chat1 && chat2 && chat3 && chat4 && chat5, "five calls"))
		goto out;
	ASSERT_EQ(s1->kind, SPAN_KIND_SERVER, "SERVER");
	ASSERT_TRUE(parent_is(s1, agent), "SERVER under the process");
	ASSERT_EQ(s1->start_ns, 2000, "start");
	ASSERT_EQ(s1->end_ns, 3000, "end");
	ASSERT_STREQ(sattr(s1, "http.request.method"), "POST", "method");
	ASSERT_STREQ(sattr(s1, "url.path"), "/ask", "path without query");
	ASSERT_STREQ(sattr(s1, "url.scheme"), "http", "scheme");
	ASSERT_EQ(iattr(s1, "server.port"), 8080, "the accepting port, not Host's");
	ASSERT_STREQ(sattr(s1, "server.address"), "svc.local", "Host");
	ASSERT_STREQ(sattr(s1, "client.address"), "10.0.0.9", "client");
	ASSERT_EQ(iattr(s1, "client.port"), 5555, "client port");
	ASSERT_EQ(iattr(s1, "http.response.status_code"), 200, "status");
	ASSERT_EQ(s1->status, SPAN_STATUS_UNSET, "200");
	ASSERT_EQ(iattr(s2, "server.port"), 9999, "Host's port when the socket is unknown");
	ASSERT_EQ(s2->status, SPAN_STATUS_ERROR, "5xx");
	ASSERT_STREQ(sattr(s2, "error.type"), "503", "error.type");
	ASSERT_TRUE(parent_is(chat1, s1), "same thread");
	ASSERT_TRUE(parent_is(tool, s1), "its tool window too");
	ASSERT_TRUE(parent_is(get, tool), "the tool's request under the tool");
	ASSERT_TRUE(parent_is(chat2, s2), "thread 102");
	ASSERT_TRUE(s2->has_parent && s2->remote_parent &&
			    id_is(s2->parent_id, 8, "00f067aa0ba902b7"),
		    "request 2 under its traceparent's span");
	ASSERT_TRUE(parent_is(chat3, agent), "ambiguous: under the process");
	ASSERT_TRUE(parent_is(chat4, s2), "traceparent of the inbound request");
	ASSERT_TRUE(parent_is(chat5, s3), "the only open request");
	/* chosen by time alone: the only request open then, on another thread */
	ASSERT_STREQ(sattr(chat5, "tracetree.link"), "inferred", "by time");
	ASSERT_NULL(sattr(chat1, "tracetree.link"), "by thread");
	ASSERT_NULL(sattr(chat4, "tracetree.link"), "by traceparent");
	ASSERT_NULL(sattr(chat3, "tracetree.link"), "its process");
	ASSERT_NULL(sattr(get, "tracetree.link"), "by URL");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.server_spans, 3, "server spans");
	ASSERT_EQ(st.server_attributed, 5, "attributed: 3 calls, the tool's call, by time");
out:
	lt_free(&t);
}

/*
 * Two requests whose heads came in one read (HTTP/2 streams 1 and 3, with traceparents), the
 * call made for the first (its trace) while both are open, then the second's exchange first.
 */
static void two_at_once(struct lt *t)
{
	static const char tp1[] = "00-11111111111111111111111111111111-00f067aa0ba902b7-01";
	static const char tp3[] = "00-33333333333333333333333333333333-00f067aa0ba902b7-01";
	struct http_exchange *x1 = http_new(100, "POST", "svc", "/s1", 200, 5000, 5500);
	struct http_exchange *x3 = http_new(100, "POST", "svc", "/s3", 200, 5000, 5400);
	struct genai_call *c = call_new(100, 5100, 5200, "m5");

	x1->conn = x3->conn = SOCK_B;
	x1->flags = x3->flags = HTTP_X_SERVER_SIDE;
	linker__request_head(t->l, x1, tp1);
	linker__request_head(t->l, x3, tp3);
	c->tid = 109;
	linker__add_call(t->l, c, "00-11111111111111111111111111111111-1111111111111111-01");
	add_http(t, x3);
	add_http(t, x1);
}

/*
 * A request's exchange takes the open request its head opened (same connection and start): on
 * an HTTP/2 connection streams end in any order, and the others stay open. An exchange whose
 * head opened nothing gets a SERVER span of its own and takes nothing.
 */
void test_linker_server_order(void)
{
	struct tt_span *agent, *first, *second, *third, *unrep, *c1, *c2, *c3, *c4;
	struct linker_stats st;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	/* a server exchange of a process the linker does not know, and its head */
	ev_read(&t, 999, 999, SOCK_A, 10, "/x", NULL);
	served(&t, 999, SOCK_A, "/x", 200, 10, 20);
	linker__stats(t.l, &st);
	ASSERT_EQ(st.http_ignored, 1, "unknown process");
	start_agent(&t, 100, 1000);
	ev_read(&t, 100, 101, SOCK_A, 2000, "/first", NULL);
	ev_read(&t, 100, 102, SOCK_A, 2100, "/second", NULL);
	call_by(&t, 101, 2200, 2300, "m1");
	served(&t, 100, SOCK_A, "/second", 200, 2100, 2500);
	/* the first one is still open: the only one now */
	call_by(&t, 107, 2600, 2700, "m2");
	served(&t, 100, SOCK_A, "/first", 200, 2000, 3000);
	/* an exchange before the next head, whose own head opened nothing */
	ev_read(&t, 100, 101, SOCK_A, 3500, "/third", NULL);
	served(&t, 100, SOCK_A, "/unreported", 200, 3200, 3300);
	call_by(&t, 101, 3600, 3700, "m3");
	served(&t, 100, SOCK_A, "/third", 200, 3500, 3800);
	/* nothing is open any more */
	call_by(&t, 101, 4000, 4100, "m4");
	two_at_once(&t);
	ev_exit(&t, 100, 1000, 6000, 0);
	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &first, "POST /first" },
		     { &second, "POST /second" }, { &third, "POST /third" },
		     { &unrep, "POST /unreported" }, { &c1, "chat m1" }, { &c2, "chat m2" },
		     { &c3, "chat m3" }, { &c4, "chat m4" }))
		goto out;
	ASSERT_TRUE(parent_is(c1, first), "thread 101: the first request");
	ASSERT_TRUE(parent_is(c2, first), "after the second ended: the only open one");
	ASSERT_TRUE(parent_is(c3, third), "the unreported exchange took nothing");
	ASSERT_TRUE(parent_is(c4, agent), "after the requests: under the process");
	ASSERT_EQ(first->start_ns, 2000, "first start");
	ASSERT_TRUE(parent_is(unrep, agent), "its own SERVER span");
	ASSERT_TRUE(memcmp(unrep->span_id, third->span_id, 8) != 0, "not the third's id");
	ASSERT_TRUE(parent_is(find(&t, "chat m5"), find(&t, "POST /s1")),
		    "the same start: each exchange took the request of its own head");
	linker__stats(t.l, &st);
	ASSERT_EQ(st.server_spans, 6, "server spans");
	ASSERT_EQ(st.server_attributed, 4, "attributed");
out:
	lt_free(&t);
}

/*
 * An MCP call of pid (request and response bodies) decoded as the pipeline does and handed to
 * the linker.
 */
static int add_mcp(struct lt *t, uint32_t pid, const char *req, const char *resp, uint64_t t0,
		   uint64_t t1, const char *traceparent)
{
	struct http_exchange *x = http_new(pid, "POST", "127.0.0.1:3000", "/mcp", 200, t0, t1);
	struct mcp_call *m = NULL;
	int err;

	x->tls = false;
	xt_set_body(&x->req, req);
	xt_add_header(&x->req.headers, "Mcp-Session-Id", "sess-9");
	if (resp)
		xt_set_body(&x->resp, resp);
	err = mcp_decode(x, &m);
	if (ASSERT_OK(err, "decode"))
		err = linker__add_mcp(t->l, x, m, traceparent);
	mcp_call__free(m);
	http_exchange__free(x);
	return err;
}

void test_linker_mcp_calls(void)
{
	struct linker_opts o = { .single_trace = true, .capture_content = true };
	struct tt_span *agent, *tool, *mcp, *init, *bad;
	struct lt t;

	if (!lt_open(&t, &o))
		return;
	start_agent(&t, 100, 1000);
	ASSERT_OK(add_mcp(&t, 100,
			  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}",
			  "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":"
			  "\"2025-06-18\"}}",
			  1100, 1200, NULL),
		  "initialize");
	agent_asks(&t, "call_7", "mcp__calc__add", "{\"a\":2,\"b\":3}");
	add_mcp(&t, 100,
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":"
		"{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[{\"type\":\"text\","
		"\"text\":\"5\"}]}}",
		3100, 3200, NULL);
	add_mcp(&t, 100,
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":"
		"{\"name\":\"nope\"}}",
		"{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":"
		"-32602,\"message\":\"Unknown tool: nope\"}}",
		3300, 3400, NULL);
	agent_answers(&t, "call_7", "5", NULL);
	ev_exit(&t, 100, 1000, 6000, 0);

	if (!LT_NEED(&t, { &agent, "invoke_agent demo_agent" }, { &init, "initialize" },
		     { &bad, "execute_tool nope" }, { &tool, "execute_tool mcp__calc__add" },
		     { &mcp, "execute_tool add" }))
		goto out;
	ASSERT_TRUE(parent_is(init, agent), "initialize under the agent");
	ASSERT_STREQ(sattr(init, "mcp.method.name"), "initialize", "method");
	ASSERT_STREQ(sattr(init, "mcp.protocol.version"), "2025-06-18", "version");
	ASSERT_NULL(sattr(init, "gen_ai.operation.name"), "not a tool");
	ASSERT_TRUE(parent_is(mcp, tool), "the MCP call under the tool call that caused it");
	ASSERT_EQ(mcp->kind, SPAN_KIND_CLIENT, "CLIENT");
	ASSERT_STREQ(sattr(mcp, "mcp.method.name"), "tools/call", "method");
	ASSERT_STREQ(sattr(mcp, "gen_ai.operation.name"), "execute_tool", "operation");
	ASSERT_STREQ(sattr(mcp, "gen_ai.tool.name"), "add", "tool");
	ASSERT_STREQ(sattr(mcp, "gen_ai.tool.call.id"), "call_7", "the LLM's call id");
	ASSERT_STREQ(sattr(mcp, "jsonrpc.request.id"), "2", "id");
	ASSERT_STREQ(sattr(mcp, "mcp.session.id"), "289ed044dfae5806", "session (hashed)");
	ASSERT_STREQ(sattr(mcp, "server.address"), "127.0.0.1", "server");
	ASSERT_EQ(iattr(mcp, "server.port"), 3000, "port");
	ASSERT_STREQ(sattr(mcp, "gen_ai.tool.call.arguments"), "{\"a\":2,\"b\":3}", "arguments");
	ASSERT_EQ(mcp->status, SPAN_STATUS_UNSET, "ok");
	ASSERT_EQ(bad->status, SPAN_STATUS_ERROR, "JSON-RPC error");
	ASSERT_STREQ(sattr(bad, "rpc.response.status_code"), "-32602", "code");
	ASSERT_STREQ(sattr(bad, "error.type"), "-32602", "error.type");
	ASSERT_NULL(sattr(bad, "gen_ai.tool.call.id"), "another tool: no call id");
out:
	lt_free(&t);
}

/* A request that is no LLM call (plain HTTP, MCP) hands its traceparent on as an LLM call does. */
void test_linker_http_traceparent(void)
{
	static const char tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
	static const uint8_t trace[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
					   0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
	static const uint8_t parent[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };
	static const char *const names[] = { "http", "mcp" };
	struct http_exchange *x;
	struct linker_stats st;
	struct tt_span *agent;
	struct lt t;
	int k;

	for (k = 0; k < 2; k++) {
		if (!test__start_subtest(names[k]) || !lt_trusting(&t))
			continue;
		start_agent(&t, 100, 1000);
		if (k == 0) {
			x = http_new(100, "GET", "x.test", "/", 200, 1100, 1200);
			linker__add_http(t.l, x, tp);
			http_exchange__free(x);
		} else {
			add_mcp(&t, 100, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
				"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", 1100, 1200, tp);
		}
		ev_exit(&t, 100, 1000, 2000, 0);
		agent = find(&t, "exec python3");
		if (ASSERT_OK_PTR(agent, "process span") && ASSERT_EQ(t.n, 2, "two spans")) {
			ASSERT_TRUE(agent->remote_parent, "remote parent");
			ASSERT_MEMEQ(agent->parent_id, 8, parent, 8, "its span id");
			ASSERT_MEMEQ(agent->trace_id, 16, trace, 16, "its trace id");
			ASSERT_MEMEQ(t.v[0]->trace_id, 16, trace, 16, "the request's span too");
		}
		linker__stats(t.l, &st);
		ASSERT_EQ(st.traceparents, 1, "adopted");
		ASSERT_EQ(st.mcp_calls, k, "MCP calls");
		lt_free(&t);
	}
}

/*
 * A shell script making its LLM calls with curl (tests/e2e/agents/curl_agent.sh): the script is
 * the agent, the curls its transports; the tool runs from a subshell ($(sh -c "$cmd" | head));
 * the second curl starts inside the tool window and still is no part of the tool.
 */
void test_linker_transport_script(void)
{
	struct tt_span *agent, *curl1, *curl2, *chat1, *chat2, *tool, *sub, *sh, *ls, *head;
	struct genai_call *c;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	/* started as ./curl_agent.sh: the kernel runs "/bin/sh ./curl_agent.sh URL" */
	ev_exec(&t, 100, 1000, 1000, "/w/agents/curl_agent.sh", "/bin/sh",
		"/w/agents/curl_agent.sh", "https://127.0.0.1:8443", NULL);
	ev_spawn(&t, 101, 100, 1100, "/usr/bin/curl", "curl", "-sS", "-H",
		 "Authorization: Bearer " FAKE_KEY, "-d", "{\"messages\":[]}", "https://x/v1",
		 NULL);
	c = call_new(101, 1200, 1300, "gpt-4o-mini");
	call_ask(c, "call_1", "run_command", "{\"command\": \"ls /tmp\"}");
	ASSERT_OK(linker__add_call(t.l, c, NULL), "call 1");
	ev_exit(&t, 101, 1100, 1350, 0);
	ev_fork(&t, 102, 100, 1400); /* out=$(/bin/sh -c "$cmd" | head -n 3) */
	ev_spawn(&t, 103, 102, 1410, "/bin/sh", "/bin/sh", "-c", "ls /tmp", NULL);
	ev_spawn(&t, 105, 102, 1415, "/usr/bin/head", "head", "-n", "3", NULL);
	ev_fork(&t, 104, 103, 1430);
	ev_exec(&t, 104, 1430, 1435, "/usr/bin/ls", "ls", "/tmp", NULL);
	ev_exit(&t, 104, 1430, 1440, 0);
	ev_exit(&t, 103, 1410, 1450, 0);
	ev_exit(&t, 105, 1415, 1460, 0);
	ev_exit(&t, 102, 1400, 1470, 0);
	/* the second curl carries the result (and so the command text) */
	ev_spawn(&t, 106, 100, 1500, "/usr/bin/curl", "curl", "-sS", "-d",
		 "{\"tool_calls\":[{\"arguments\":\"{\\\"command\\\": \\\"ls /tmp\\\"}\"}]}",
		 "https://x/v1", NULL);
	c = call_new(106, 1600, 1700, "gpt-4o-mini");
	call_answer(c, "call_1", NULL, "a b c", false);
	ASSERT_OK(linker__add_call(t.l, c, NULL), "call 2");
	ev_exit(&t, 106, 1500, 1750, 0);
	ev_exit(&t, 100, 1000, 1800, 0);

	if (!LT_NEED(&t, { &agent, "invoke_agent curl_agent" },
		     { &curl1, "exec curl", .arg = "{\"messages\":[]}" },
		     { &curl2, "exec curl", 1 }, { &chat1, "chat gpt-4o-mini", 0 },
		     { &chat2, "chat gpt-4o-mini", 1 }, { &tool, "execute_tool run_command" },
		     { &sub, "exec curl_agent.sh" }, { &sh, "exec sh" }, { &ls, "exec ls" },
		     { &head, "exec head" }))
		goto out;
	ASSERT_EQ(t.n, 10, "ten spans");
	ASSERT_NULL(find(&t, "invoke_agent curl"), "curl is no agent");
	ASSERT_FALSE(agent->has_parent, "the script is the root");
	ASSERT_EQ(iattr(agent, "process.pid"), 100, "agent pid");
	ASSERT_STREQ(sattr(agent, "gen_ai.agent.name"), "curl_agent", "named after the script");
	ASSERT_STREQ(rattr(agent, "service.name"), "curl_agent", "service.name");
	ASSERT_EQ(agent->end_ns, 1800, "agent end");
	ASSERT_TRUE(parent_is(curl1, agent), "curl 1 under the agent");
	ASSERT_TRUE(parent_is(curl2, agent), "curl 2 moved from the tool to the agent");
	ASSERT_TRUE(parent_is(chat1, curl1), "chat 1 under its curl");
	ASSERT_TRUE(parent_is(chat2, curl2), "chat 2 under its curl");
	ASSERT_EQ(iattr(chat1, "process.pid"), 101, "chat 1 pid");
	ASSERT_TRUE(parent_is(tool, agent), "the tool is the script's");
	ASSERT_EQ(iattr(tool, "process.pid"), 100, "tool pid");
	ASSERT_EQ(tool->start_ns, 1300, "tool starts at the end of response 1");
	ASSERT_EQ(tool->end_ns, 1600, "tool ends at the start of request 2");
	ASSERT_FALSE(battr(tool, "tracetree.tool.result_missing"), "closed by the result");
	ASSERT_TRUE(parent_is(sub, tool), "the subshell started in the window");
	ASSERT_TRUE(parent_is(sh, tool), "the subshell's sh -c is the tool's");
	ASSERT_TRUE(parent_is(ls, sh), "ls under sh");
	ASSERT_TRUE(parent_is(head, tool), "the subshell's head: in the window");
	ASSERT_TRUE(all_one_trace(&t), "one trace");
out:
	lt_free(&t);
}

/*
 * curl is the agent itself when no script runs it: from `sh -c` (inline code), or started by
 * a recognised agent (its own HTTP client is not curl: the curl is a sub-agent in its tool).
 */
void test_linker_transport_no_script(void)
{
	struct tt_span *sh, *curl, *claude, *tool, *sub;
	struct genai_call *c;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_exec(&t, 100, 1000, 1000, "/bin/sh", "sh", "-c", "curl -s https://x/v1", NULL);
	ev_spawn(&t, 101, 100, 1100, "/usr/bin/curl", "curl", "-s", "https://x/v1", NULL);
	linker__add_call(t.l, call_new(101, 1200, 1300, "gpt-4o"), NULL);
	ev_exit(&t, 101, 1100, 1400, 0);
	ev_exit(&t, 100, 1000, 1500, 0);
	if (!LT_NEED(&t, { &sh, "exec sh" }, { &curl, "invoke_agent curl" }))
		goto out;
	ASSERT_TRUE(parent_is(curl, sh), "curl agent under sh -c");
	ASSERT_TRUE(parent_is(find(&t, "chat gpt-4o"), curl), "chat under curl");
	lt_free(&t);

	if (!lt_new(&t, true))
		return;
	ev_exec(&t, 200, 2000, 2000, "/usr/local/bin/claude", "claude", NULL);
	c = call_new(200, 2100, 2200, "claude-sonnet-4");
	call_ask(c, "toolu_1", "Bash", "{\"command\":\"curl -s https://x/v1\"}");
	linker__add_call(t.l, c, NULL);
	ev_spawn(&t, 201, 200, 2300, "/usr/bin/curl", "curl", "-s", "https://x/v1", NULL);
	linker__add_call(t.l, call_new(201, 2400, 2500, "gpt-4o"), NULL);
	ev_exit(&t, 201, 2300, 2600, 0);
	ev_exit(&t, 200, 2000, 2700, 0);
	if (!LT_NEED(&t, { &claude, "invoke_agent claude-code" }, { &tool, "execute_tool Bash" },
		     { &sub, "invoke_agent curl" }))
		goto out;
	ASSERT_TRUE(parent_is(sub, tool), "curl sub-agent under the Bash tool");
	ASSERT_TRUE(parent_is(find(&t, "chat gpt-4o"), sub), "its chat under it");
	ASSERT_EQ(tool->end_ns, 2700, "the curl's call answers no tool of claude");
out:
	lt_free(&t);
}

/*
 * --all: the script's first curl, started before the script was an agent, began a trace of its
 * own; it moves into the agent's. A python script's `r=$(curl)`-style subshell is skipped.
 */
void test_linker_transport_all_mode(void)
{
	struct linker_opts o = { .agents_only = true };
	struct tt_span *agent, *curl, *chat;
	struct lt t;

	if (!lt_open(&t, &o))
		return;
	ev_spawn(&t, 100, 1, 1000, "/usr/bin/python3", "python3", "-u", "bot.py", NULL);
	ev_fork(&t, 101, 100, 1100); /* a forked worker... */
	/* ...running curl */
	ev_spawn(&t, 102, 101, 1200, "/usr/bin/wget", "wget", "-qO-", "https://x/v1", NULL);
	linker__add_call(t.l, call_new(102, 1300, 1400, "gpt-4o"), NULL);
	ev_exit(&t, 102, 1200, 1500, 0);
	ev_exit(&t, 101, 1100, 1550, 0);
	ev_exit(&t, 100, 1000, 1600, 0);
	if (!LT_NEED(&t, { &agent, "invoke_agent bot" }, { &curl, "exec wget" },
		     { &chat, "chat gpt-4o" }))
		goto out;
	ASSERT_TRUE(parent_is(curl, agent), "wget under the agent");
	ASSERT_TRUE(parent_is(chat, curl), "chat under wget");
	ASSERT_TRUE(same_trace(agent, curl) && same_trace(agent, chat), "the agent's trace");
	ASSERT_FALSE(agent->has_parent, "the agent is the root");
out:
	lt_free(&t);
}

/* `ls | head`: ls ends on SIGPIPE, which is not a failure; SIGKILL still is. */
void test_linker_sigpipe_not_error(void)
{
	struct tt_span *ls, *killed;
	struct lt t;

	if (!lt_new(&t, true))
		return;
	ev_spawn(&t, 300, 1, 1000, "/usr/bin/ls", "ls", "/tmp", NULL);
	ev_exit(&t, 300, 1000, 2000, 13); /* SIGPIPE */
	ev_spawn(&t, 301, 1, 1100, "/usr/bin/sleep", "sleep", "9", NULL);
	ev_exit(&t, 301, 1100, 2100, 9); /* SIGKILL */
	linker__flush(t.l, 3000);
	ls = find(&t, "exec ls");
	killed = find(&t, "exec sleep");
	if (ASSERT_OK_PTR(ls, "ls span")) {
		ASSERT_EQ(iattr(ls, "process.exit.code"), 141, "exit code kept");
		ASSERT_EQ(ls->status, SPAN_STATUS_UNSET, "not an error");
		ASSERT_NULL(sattr(ls, "error.type"), "no error.type");
	}
	if (ASSERT_OK_PTR(killed, "sleep span"))
		ASSERT_EQ(killed->status, SPAN_STATUS_ERROR, "SIGKILL is an error");
	lt_free(&t);
}
