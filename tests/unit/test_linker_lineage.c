// SPDX-License-Identifier: MIT
/*
 * test_linker_lineage.c: the root of a trace is what the user started (the launcher chain of
 * an agent under --all), and every process a traced process starts appears exactly once.
 */
#include <stdlib.h>
#include <string.h>

#include "linker.h"
#include "linker_test.h"
#include "test.h"

#define CLI "/opt/agent/cli.js"

/* --all as the tracer runs it: a trace per process tree, non-agent traces dropped. */
static bool lt_all(struct lt *t)
{
	struct linker_opts o = { .agents_only = true, .host_name = "box" };

	return lt_open(t, &o);
}

/* The spans exported whose process.pid is pid (each process's own span is one of them). */
static size_t n_of_pid(const struct lt *t, const char *name, long long pid)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i]->name, name) && iattr(t->v[i], "process.pid") == pid)
			n++;
	return n;
}

/*
 * bash (interactive, pid 50) -> node cli.js (100) -> node --expose-gc cli.js (101) ->
 * node --expose-gc --max-old-space-size=8192 cli.js (102), which calls the model. The two
 * re-execs of node only start the next one and wait: the first node is the root, each has its
 * span with its exit code, the shell is left out.
 */
static void node_relaunch(struct lt *t)
{
	ev_spawn(t, 50, 1, 500, "/bin/bash", "bash", NULL);
	ev_spawn(t, 100, 50, 1000, "/usr/bin/node", "node", CLI, "--print", "hi", NULL);
	ev_spawn(t, 101, 100, 1100, "/usr/bin/node", "node", "--expose-gc", CLI, "--print", "hi",
		 NULL);
	ev_spawn(t, 102, 101, 1200, "/usr/bin/node", "node", "--expose-gc",
		 "--max-old-space-size=8192", CLI, "--print", "hi", NULL);
	linker__activity(t->l, 102, TT_SRC_SSL, 1900, true);
	linker__add_call(t->l, call_new(102, 2000, 3000, "gpt-4o"), NULL);
	ev_exit(t, 102, 1200, 4000, 0);
	ev_exit(t, 101, 1100, 4100, 2 << 8);
	ev_exit(t, 100, 1000, 4200, 3 << 8);
	ev_exit(t, 50, 500, 5000, 0);
}

void test_linker_lineage_relaunch(void)
{
	static const char *const names[] = { "all", "command" };
	struct tt_span *a, *b, *c, *chat;
	struct linker_stats st;
	struct lt t;
	int k;

	for (k = 0; k < 2; k++) {
		if (!test__start_subtest(names[k]))
			continue;
		if (k ? !lt_new(&t, true) : !lt_all(&t))
			return;
		node_relaunch(&t);
		if (!LT_NEED(&t, { &c, "invoke_agent cli" }, { &chat, "chat gpt-4o" }))
			goto next;
		ASSERT_EQ(t.n, k ? 5 : 4, "spans: the nodes, the call (and the shell, one trace)");
		a = b = NULL;
		for (size_t i = 0; i < t.n; i++) {
			if (iattr(t.v[i], "process.pid") == 100 &&
			    !strcmp(t.v[i]->name, "exec node"))
				a = t.v[i];
			if (iattr(t.v[i], "process.pid") == 101 &&
			    !strcmp(t.v[i]->name, "exec node"))
				b = t.v[i];
		}
		if (!ASSERT_OK_PTR(a, "first node") || !ASSERT_OK_PTR(b, "second node"))
			goto next;
		ASSERT_TRUE(all_one_trace(&t), "one trace");
		if (k)
			ASSERT_TRUE(parent_is(a, find(&t, "exec bash")),
				    "command: under its shell");
		else
			ASSERT_FALSE(a->has_parent, "all: the first node is the root");
		ASSERT_TRUE(parent_is(b, a), "the re-exec under the first node");
		ASSERT_TRUE(parent_is(c, b), "the agent under the re-exec");
		ASSERT_TRUE(parent_is(chat, c), "its call under the agent");
		ASSERT_EQ(iattr(a, "process.exit.code"), 3, "first node exit code");
		ASSERT_EQ(iattr(b, "process.exit.code"), 2, "second node exit code");
		ASSERT_EQ(iattr(c, "process.exit.code"), 0, "agent exit code");
		ASSERT_EQ(iattr(c, "process.pid"), 102, "agent pid");
		linker__stats(t.l, &st);
		ASSERT_EQ(st.spans_dropped, k ? 0 : 1, "all: only the shell's span dropped");
		if (!k)
			ASSERT_NULL(find(&t, "exec bash"), "all: the user's shell is left out");
next:
		lt_free(&t);
	}
}

/*
 * Not launchers: a process found running (the test runner, the user's shell), one that started
 * another process too, one that talked, another program that is no shim (sudo-like binary).
 */
void test_linker_lineage_stops(void)
{
	static const char *const names[] = { "preexisting", "two children", "talked",
					     "other binary" };
	struct tt_span *agent;
	struct lt t;
	int k;

	for (k = 0; k < 4; k++) {
		if (!test__start_subtest(names[k]))
			continue;
		if (!lt_all(&t))
			return;
		if (k == 0)
			linker__add_existing(t.l, 90, 1, 900, 950, "/usr/bin/python3",
					     "python3\0run.py\0", 15);
		else if (k == 3)
			ev_spawn(&t, 90, 1, 900, "/usr/bin/doas", "doas", "python3", "agent.py",
				 NULL);
		else
			ev_spawn(&t, 90, 1, 900, "/usr/bin/python3", "python3", "agent.py", NULL);
		if (k == 1) {
			ev_spawn(&t, 91, 90, 950, "/bin/true", "true", NULL);
			ev_exit(&t, 91, 950, 960, 0);
		}
		if (k == 2)
			linker__activity(t.l, 90, TT_SRC_SSL, 970, true);
		ev_spawn(&t, 100, 90, 1000, "/usr/bin/python3", "python3", "agent.py", NULL);
		linker__add_call(t.l, call_new(100, 2000, 3000, "gpt-4o"), NULL);
		ev_exit(&t, 100, 1000, 4000, 0);
		ev_exit(&t, 90, 900, 4100, 0);
		if (LT_NEED(&t, { &agent, "invoke_agent agent" })) {
			ASSERT_FALSE(agent->has_parent, "the agent is the root");
			ASSERT_EQ(t.n, 2, "the agent and its call only");
		}
		lt_free(&t);
	}
}

/*
 * A python agent whose answer asks for two tools runs both at once, in the opposite order,
 * with argv lists (no shell); each lives for a moment. Its answer is decoded only after they
 * started (a streamed response whose end is read later): under --all they began traces of
 * their own, the agent being none yet. Each appears exactly once, under its own tool span.
 */
static void reverse_children(struct lt *t, bool late)
{
	struct genai_call *c;

	ev_spawn(t, 50, 1, 500, "/bin/bash", "bash", NULL);
	ev_spawn(t, 100, 50, 1000, "/usr/bin/python3", "python3", "agent.py", NULL);
	linker__activity(t->l, 100, TT_SRC_SSL, 1900, true);
	c = call_new(100, 2000, 3000, "gpt-4o");
	call_ask(c, "call_a", "run", "{\"argv\":[\"/bin/echo\",\"alpha-one\"]}");
	call_ask(c, "call_b", "run", "{\"argv\":[\"/usr/bin/printf\",\"%s\",\"beta-two\"]}");
	if (!late)
		linker__add_call(t->l, c, NULL);
	ev_spawn(t, 301, 100, 3100, "/usr/bin/printf", "/usr/bin/printf", "%s", "beta-two", NULL);
	ev_spawn(t, 300, 100, 3101, "/bin/echo", "/bin/echo", "alpha-one", NULL);
	ev_exit(t, 300, 3101, 3102, 0);
	ev_exit(t, 301, 3100, 3103, 1 << 8);
	if (late)
		linker__add_call(t->l, c, NULL);
	c = call_new(100, 4000, 5000, "gpt-4o");
	call_answer(c, "call_b", NULL, "beta-two", false);
	call_answer(c, "call_a", NULL, "alpha-one", false);
	linker__add_call(t->l, c, NULL);
	ev_exit(t, 100, 1000, 6000, 0);
	ev_exit(t, 50, 500, 7000, 0);
}

void test_linker_lineage_reverse_children(void)
{
	static const char *const names[] = { "all", "all, answer late", "command",
					     "command, answer late" };
	struct tt_span *ta = NULL, *tb = NULL, *pa, *pb, *agent;
	struct lt t;
	int k;

	for (k = 0; k < 4; k++) {
		if (!test__start_subtest(names[k]))
			continue;
		if (k < 2 ? !lt_all(&t) : !lt_new(&t, true))
			return;
		reverse_children(&t, k & 1);
		for (size_t i = 0; i < t.n; i++) {
			const char *id = sattr(t.v[i], "gen_ai.tool.call.id");

			if (id && !strcmp(id, "call_a"))
				ta = t.v[i];
			if (id && !strcmp(id, "call_b"))
				tb = t.v[i];
		}
		if (!LT_NEED(&t, { &agent, "invoke_agent agent" }, { &pa, "exec echo" },
			     { &pb, "exec printf" }) ||
		    !ASSERT_OK_PTR(ta, "tool a") || !ASSERT_OK_PTR(tb, "tool b"))
			goto next;
		ASSERT_EQ(n_of_pid(&t, "exec echo", 300), 1, "echo exactly once");
		ASSERT_EQ(n_of_pid(&t, "exec printf", 301), 1, "printf exactly once");
		ASSERT_TRUE(parent_is(pa, ta), "echo under tool a");
		ASSERT_TRUE(parent_is(pb, tb), "printf under tool b");
		ASSERT_TRUE(parent_is(ta, agent), "tool a under the agent");
		ASSERT_TRUE(parent_is(tb, agent), "tool b under the agent");
		ASSERT_EQ(iattr(pb, "process.exit.code"), 1, "printf exit code");
		ASSERT_EQ(iattr(pa, "process.exit.code"), 0, "echo exit code");
		ASSERT_TRUE(all_one_trace(&t), "one trace");
		ASSERT_EQ(t.n, k < 2 ? 7 : 8, "agent, 2 calls, 2 tools, 2 processes (and bash)");
		if (k < 2)
			ASSERT_FALSE(agent->has_parent, "all: the agent is the root");
next:
		lt_free(&t);
		ta = tb = NULL;
	}
}
