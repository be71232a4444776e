// SPDX-License-Identifier: MIT
/*
 * test_pipeline_select.c: --select in the pipeline. Records of processes not selected are
 * dropped before reassembly and the linker (their trees never exist); a process is selected by
 * its own identity (exe at exec, namespace and labels from the TT_REC_IDENT that follows) or an
 * ancestor's, so the tools an agent runs stay in its tree.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capture_test.h"
#include "linker_test.h"
#include "pipeline.h"
#include "pipeline_test.h"
#include "select.h"
#include "test.h"
#include "tt_abi.h"

struct ps {
	struct lt t;
	struct pipeline *p;
	struct selection *sel;
	uint64_t pos[64][2];
	int labels_asked;
};

/* Pod labels of container "c-app" only (the pipeline's callback, as main's reads CRI-O). */
static int stub_labels(const struct tt_ident *id, char *out, size_t size, size_t *used, void *ctx)
{
	static const char labels[] = "app=claude\0tier=agent\0";
	struct ps *s = ctx;

	s->labels_asked++;
	if (strcmp(id->container_id, "c-app") || size < sizeof(labels) - 1)
		return -ENOENT;
	memcpy(out, labels, sizeof(labels) - 1);
	*used = sizeof(labels) - 1;
	return 0;
}

static bool ps_open(struct ps *s, const char *const *exprs, int n)
{
	struct pipeline_opts o = { .linker = { .agents_only = true, .host_name = "box" },
				   .span_sink = lt_sink,
				   .pod_labels = stub_labels };
	char err[128];

	memset(s, 0, sizeof(*s));
	o.span_ctx = &s->t;
	o.labels_ctx = s;
	if (n) {
		s->sel = selection__new(exprs, n, err, sizeof(err));
		if (!ASSERT_OK_PTR(s->sel, err))
			return false;
	}
	o.select = s->sel;
	s->p = pipeline__new(&o);
	return ASSERT_OK_PTR(s->p, "pipeline");
}

static void ps_close(struct ps *s, struct pipeline_stats *st)
{
	pipeline__finish(s->p, 100000);
	pipeline__stats(s->p, st);
	pipeline__free(s->p);
	selection__free(s->sel);
	lt_free(&s->t);
}

static void ps_fork(struct ps *s, uint32_t pid, uint32_t ppid, uint64_t ts)
{
	struct tt_fork f = {
		.h = { .type = TT_REC_FORK, .size = sizeof(f), .pid = pid, .tid = pid, .ts_ns = ts },
		.ppid = ppid,
		.start_ns = ts
	};

	pipeline__record(s->p, &f, sizeof(f));
}

/* Where pid runs: namespace ns, container cid (k8s name ctr). */
static void ps_ident(struct ps *s, uint32_t pid, uint64_t ts, const char *ns, const char *cid,
		     const char *ctr)
{
	struct tt_ident id = { .h = { .type = TT_REC_IDENT,
				      .size = sizeof(id),
				      .pid = pid,
				      .tid = pid,
				      .ts_ns = ts },
			       .start_ns = ts };

	snprintf(id.pod_namespace, sizeof(id.pod_namespace), "%s", ns);
	snprintf(id.container_id, sizeof(id.container_id), "%s", cid);
	snprintf(id.container_name, sizeof(id.container_name), "%s", ctr);
	pipeline__record(s->p, &id, sizeof(id));
}

static void ps_io(struct ps *s, uint32_t pid, int dir, uint64_t ts, const char *text)
{
	struct tt_data r = { .h = { .type = TT_REC_DATA, .pid = pid, .tid = pid, .ts_ns = ts },
			     .conn = TT_CONN_SOCK | (0x100ull * pid),
			     .pos = s->pos[pid % 64][dir],
			     .call_len = (uint32_t)strlen(text),
			     .len = (uint32_t)strlen(text),
			     .dir = (uint8_t)dir,
			     .flags = TT_DF_FIRST | TT_DF_LAST,
			     .src = TT_SRC_SOCK,
			     .fd = 10 };
	enum test_split mode = TEST_SPLIT_WHOLE;
	uint64_t seed = 1;

	ASSERT_OK(test__split_feed(&r, text, 0, mode, &seed, pt_feed, s->p), "feed");
	s->pos[pid % 64][dir] += strlen(text);
}

/* An LLM call of pid from t0 to t1 on a socket to 127.0.0.1:8443. */
static void ps_llm(struct ps *s, uint32_t pid, uint64_t t0, uint64_t t1)
{
	struct tt_sock r = {
		.h = { .type = TT_REC_SOCK, .size = sizeof(r), .pid = pid, .tid = pid, .ts_ns = t0 },
		.conn = TT_CONN_SOCK | (0x100ull * pid),
		.fd = 10,
		.family = 2,
		.lport = 40000,
		.rport = 8443
	};
	char req[1024], resp[1024];

	r.raddr[0] = 127;
	r.raddr[3] = 1;
	pipeline__record(s->p, &r, sizeof(r));
	pt_llm_messages(req, sizeof(req), resp, sizeof(resp));
	ps_io(s, pid, TT_DIR_WRITE, t0, req);
	ps_io(s, pid, TT_DIR_READ, t1, resp);
}

/*
 * A shell (10) starts a python agent (11) that runs ls (12) as a tool; a curl (20) of the same
 * shell calls the same API. idents: send each exec's TT_REC_IDENT (agent in namespace agents,
 * container app; curl in ci).
 */
static void ps_run(struct ps *s, bool idents)
{
	static const char py[] = "python3\0agent.py", sh[] = "bash", ls[] = "ls\0/tmp",
			  curl[] = "curl\0https://api.openai.com";

	pt_exec_at(s->p, 10, 1, 1000, 1000, "/usr/bin/bash", sh, sizeof(sh));
	if (idents)
		ps_ident(s, 10, 1000, "", "", "");
	ps_fork(s, 11, 10, 1100);
	pt_exec_at(s->p, 11, 10, 1100, 1200, "/usr/bin/python3", py, sizeof(py));
	if (idents)
		ps_ident(s, 11, 1100, "agents", "c-app", "app");
	ps_llm(s, 11, 2000, 2100);
	ps_fork(s, 12, 11, 2200);
	pt_exec_at(s->p, 12, 11, 2200, 2300, "/usr/bin/ls", ls, sizeof(ls));
	if (idents)
		ps_ident(s, 12, 2200, "agents", "c-app", "app");
	pt_exit(s->p, 12, 11, 2200, 2400);
	ps_llm(s, 11, 2500, 2600);
	ps_fork(s, 20, 10, 3000);
	pt_exec_at(s->p, 20, 10, 3000, 3100, "/usr/bin/curl", curl, sizeof(curl));
	if (idents)
		ps_ident(s, 20, 3000, "ci", "c-ci", "runner");
	ps_llm(s, 20, 3200, 3300);
	pt_exit(s->p, 20, 10, 3000, 3400);
	pt_exit(s->p, 11, 10, 1100, 5000);
	pt_exit(s->p, 10, 1, 1000, 6000);
}

/* The agent's tree alone: its process span, two chats, the tool's process; none of curl's. */
static void check_agent_only(struct ps *s, const char *name)
{
	struct tt_span *agent, *c1, *c2, *ls;

	if (!LT_NEED(&s->t, { &agent, "invoke_agent agent" }, { &c1, "chat gpt-4o", 0 },
		     { &c2, "chat gpt-4o", 1 }, { &ls, "exec ls" }))
		return;
	ASSERT_EQ(s->t.n, 4, name);
	ASSERT_TRUE(parent_is(c1, agent) && parent_is(c2, agent), "chats under the agent");
	ASSERT_TRUE(same_trace(ls, agent), "the tool's process in the agent's trace");
	ASSERT_NULL(find(&s->t, "exec bash"), "the shell is not selected");
	ASSERT_NULL(find(&s->t, "invoke_agent curl"), "curl is not selected");
}

void test_pipeline_select_exe(void)
{
	static const char *const sel[] = { "exe=*/python3" };
	struct pipeline_stats st;
	struct ps s;

	if (!ps_open(&s, sel, 1))
		return;
	ps_run(&s, false);
	check_agent_only(&s, "spans");
	ps_close(&s, &st);
	ASSERT_EQ(st.llm_calls, 2, "curl's call never reached the decoder");
	ASSERT_EQ(st.unselected_procs, 2, "bash and curl left out");
	/* bash: exec, fork of 20, exit; curl: fork, exec, sock, 2 data, exit (fork 11 passes:
	 * it is decided at its exec) */
	ASSERT_EQ(st.unselected, 1 + 1 + 1 + 1 + 1 + 1 + 2 + 1, "records dropped");
	ASSERT_EQ(st.selected_procs, 0, "every selected process exited");
	ASSERT_EQ(s.labels_asked, 0, "no label term, no labels read");
}

void test_pipeline_select_ident(void)
{
	static const char *const ns[] = { "namespace=agents" };
	static const char *const ns_ctr[] = { "namespace=agents", "container=app" };
	static const char *const label[] = { "pod-label=tier=agent" };
	static const char *const label_ci[] = { "pod-label=app=build" };
	struct pipeline_stats st;
	struct ps s;

	test__start_subtest("namespace");
	if (ps_open(&s, ns, 1)) {
		ps_run(&s, true);
		check_agent_only(&s, "spans");
		ps_close(&s, &st);
		ASSERT_EQ(st.unselected_procs, 2, "bash and curl left out");
	}
	test__start_subtest("namespace and container");
	if (ps_open(&s, ns_ctr, 2)) {
		ps_run(&s, true);
		check_agent_only(&s, "spans");
		ps_close(&s, &st);
	}
	test__start_subtest("pod label");
	if (ps_open(&s, label, 1)) {
		ps_run(&s, true);
		check_agent_only(&s, "spans");
		ps_close(&s, &st);
		/* bash has no container; the agent and curl are asked; ls is its parent's */
		ASSERT_EQ(s.labels_asked, 2, "labels read for processes in containers only");
	}
	test__start_subtest("no identity: nothing is known to match");
	if (ps_open(&s, ns, 1)) {
		ps_run(&s, false);
		ASSERT_EQ(s.t.total, 0, "no spans");
		ps_close(&s, &st);
		ASSERT_EQ(st.llm_calls, 0, "no call decoded");
		ASSERT_EQ(st.unselected_procs, 4, "bash, the agent, ls and curl decided against");
	}
	test__start_subtest("another pod's label");
	if (ps_open(&s, label_ci, 1)) {
		ps_run(&s, true);
		ASSERT_EQ(s.t.total, 0, "no spans");
		ps_close(&s, &st);
	}
}

/* Without --select every tree is built as before (curl's own is an agent too). */
void test_pipeline_select_none(void)
{
	struct pipeline_stats st;
	struct ps s;

	if (!ps_open(&s, NULL, 0))
		return;
	ps_run(&s, true);
	ASSERT_OK_PTR(find(&s.t, "invoke_agent curl"), "curl's tree");
	ASSERT_OK_PTR(find(&s.t, "invoke_agent agent"), "the agent's");
	ps_close(&s, &st);
	ASSERT_EQ(st.llm_calls, 3, "every call");
	ASSERT_EQ(st.unselected, 0, "nothing dropped");
}

/* Processes found running: parents first, a child of a selected one is selected. */
void test_pipeline_select_existing(void)
{
	static const char *const sel[] = { "exe=*/python3" };
	static const char py[] = "python3\0agent.py", sh[] = "sh";
	struct pipeline_stats st;
	struct ps s;

	if (!ps_open(&s, sel, 1))
		return;
	ASSERT_EQ(pipeline__add_existing(s.p, 30, 1, 10, 500, "/bin/sh", sh, sizeof(sh), NULL),
		  -ESRCH, "a shell: left out");
	ASSERT_OK(pipeline__add_existing(s.p, 31, 30, 20, 500, "/usr/bin/python3", py, sizeof(py),
					 NULL),
		  "the agent");
	ASSERT_OK(pipeline__add_existing(s.p, 32, 31, 30, 500, "/bin/sh", sh, sizeof(sh), NULL),
		  "its tool");
	ASSERT_TRUE(pipeline__selected(s.p, 31) && pipeline__selected(s.p, 32), "selected");
	ASSERT_FALSE(pipeline__selected(s.p, 30), "not the shell");
	ps_llm(&s, 31, 1000, 1100);
	ps_close(&s, &st);
	ASSERT_EQ(st.llm_calls, 1, "the agent's call");
	ASSERT_EQ(st.unselected_procs, 1, "the shell");
}

/* A recorded capture (curl's keep-alive OpenAI calls) replayed as `replay --select` does. */
void test_pipeline_select_capture(void)
{
	static const struct {
		const char *expr;
		size_t spans; /* invoke_agent curl, two chats, a tool */
	} cases[] = { { "exe=*/curl", 4 },
		      { "exe=*/node", 0 },
		      { "exe=/usr/bin/cur?", 4 },
		      { "namespace=default", 0 } };
	char path[512], err[128];
	size_t i;

	snprintf(path, sizeof(path), "%s/captures/curl_openai_keepalive.ttcap", test__fixtures());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *one[1] = { cases[i].expr };
		struct pipeline_opts po = { .span_sink = lt_sink };
		struct selection *sel = selection__new(one, 1, err, sizeof(err));
		struct lt t = { 0 };

		test__start_subtest(cases[i].expr);
		if (!ASSERT_OK_PTR(sel, err))
			continue;
		po.span_ctx = &t;
		po.select = sel;
		cap_replay(path, &po);
		ASSERT_EQ(t.total, cases[i].spans, cases[i].expr);
		if (cases[i].spans)
			ASSERT_OK_PTR(find(&t, "invoke_agent curl"), "the agent");
		selection__free(sel);
		lt_free(&t);
	}
}
