// SPDX-License-Identifier: MIT
/* test_select.c: --select expressions, their matching, the CRI-O labels and the pid set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "select.h"
#include "test.h"

#define SB "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Identities: an agent in namespace agents, a curl in ci, a host process (nothing known). */
static const char agent_labels[] = "app=claude\0team=ml\0";
static const struct select_ident agent = { "/usr/local/bin/node", "agents", "claude", agent_labels,
					   sizeof(agent_labels) - 1 };
static const char ci_labels[] = "app=build\0";
static const struct select_ident ci = { "/usr/bin/curl", "ci", "runner", ci_labels,
					sizeof(ci_labels) - 1 };
static const struct select_ident host = { "/usr/bin/curl", NULL, NULL, NULL, 0 };

static const struct select_ident *const idents[] = { &agent, &ci, &host };

static void check(const char *name, const char *const *exprs, int n, const char *want)
{
	struct selection *s;
	char err[256], got[4];
	size_t i;

	test__start_subtest(name);
	s = selection__new(exprs, n, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, name))
		return;
	for (i = 0; i < 3; i++)
		got[i] = selection__match(s, idents[i]) ? 'y' : '-';
	got[3] = '\0';
	/* want: one character per identity (agent, ci, host), y = selected */
	ASSERT_STREQ(got, want, name);
	selection__free(s);
}

void test_select_match(void)
{
	static const char *const ns[] = { "namespace=agents" };
	static const char *const ns_or[] = { "namespace=agents", "namespace=ci" };
	static const char *const ctr[] = { "container=runner" };
	static const char *const exe[] = { "exe=*/curl" };
	static const char *const exe_and_ns[] = { "exe=*/curl", "namespace=ci" };
	static const char *const exe_or_and_ns[] = { "exe=*/curl", "exe=*node", "namespace=ci",
						     "namespace=agents" };
	static const char *const label[] = { "pod-label=team=ml" };
	static const char *const label_or[] = { "pod-label=team=ml", "pod-label=app=build" };
	static const char *const label_and_ctr[] = { "pod-label=app=claude", "container=runner" };
	static const char *const exe_class[] = { "exe=/usr/[lb]*/node" };
	static const char *const none[] = { "namespace=nope" };
	static const char *const label_value[] = { "pod-label=app=clau" };

	check("nothing selects everything", NULL, 0, "yyy");
	check("a namespace", ns, 1, "y--");
	check("namespaces OR", ns_or, 2, "yy-");
	check("a container name", ctr, 1, "-y-");
	check("an exe glob, also outside containers", exe, 1, "-yy");
	check("exe AND namespace", exe_and_ns, 2, "-y-");
	check("(exe OR exe) AND (ns OR ns)", exe_or_and_ns, 4, "yy-");
	check("a pod label", label, 1, "y--");
	check("pod labels OR", label_or, 2, "yy-");
	check("a label AND a container of another pod", label_and_ctr, 2, "---");
	check("a bracket glob", exe_class, 1, "y--");
	check("no such namespace", none, 1, "---");
	check("a label value matches whole", label_value, 1, "---");
}

void test_select_malformed(void)
{
	static const struct {
		const char *expr;
		const char *msg; /* a part of the message */
	} bad[] = {
		{ "", "needs KIND=VALUE" },
		{ "agents", "give KIND=VALUE" },
		{ "ns=agents", "unknown kind 'ns'" },
		{ "Namespace=agents", "unknown kind 'Namespace'" },
		{ "namespace=", "empty namespace" },
		{ "exe=", "empty exe" },
		{ "=x", "unknown kind ''" },
		{ "pod-label=app", "pod-label=KEY=VALUE" },
		{ "pod-label==x", "pod-label=KEY=VALUE" },
		{ "pod-label=a=b=c", "no '='" },
		{ "container=a\tb", "control characters" },
	};
	char err[256], longx[SELECT_MAX_EXPR + 8];
	const char *one[1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test__start_subtest(bad[i].expr);
		err[0] = '\0';
		ASSERT_EQ(select_check(bad[i].expr, err, sizeof(err)), -EINVAL, bad[i].expr);
		ASSERT_OK_PTR(strstr(err, bad[i].msg), err);
		one[0] = bad[i].expr;
		errno = 0;
		ASSERT_NULL(selection__new(one, 1, err, sizeof(err)), "new refuses it");
		ASSERT_EQ(errno, EINVAL, "errno");
	}
	memset(longx, 'a', sizeof(longx));
	memcpy(longx, "exe=", 4);
	longx[SELECT_MAX_EXPR] = '\0';
	ASSERT_EQ(select_check(longx, err, sizeof(err)), -EINVAL, "too long");
	longx[SELECT_MAX_EXPR - 1] = '\0';
	ASSERT_OK(select_check(longx, err, sizeof(err)), "the longest");
	ASSERT_OK(select_check("pod-label=app.kubernetes.io/name=", err, sizeof(err)),
		  "an empty label value");
	ASSERT_OK(select_check("exe=/opt/my agent/bin/*", err, sizeof(err)), "a space");
	ASSERT_NULL(selection__new(one, SELECT_MAX_EXPRS + 1, err, sizeof(err)), "too many");
	ASSERT_OK_PTR(strstr(err, "more than 64"), err);
}

void test_select_crio_labels(void)
{
	static const char cfg[] =
		"{\"ociVersion\":\"1.0.2\",\"annotations\":{"
		"\"io.kubernetes.cri-o.Labels\":\"{\\\"app\\\":\\\"claude\\\",\\\"io.kubernetes."
		"pod.namespace\\\":\\\"agents\\\",\\\"bad\\\\u0001\\\":\\\"x\\\",\\\"n\\\":1,"
		"\\\"k\\\":\\\"a=b\\\",\\\"empty\\\":\\\"\\\"}\","
		"\"io.kubernetes.cri-o.SandboxID\":\"" SB "\"}}";
	static const char want[] = "app=claude\0io.kubernetes.pod.namespace=agents\0empty=\0";
	static const char nolab[] = "{\"annotations\":{\"io.kubernetes.cri-o.SandboxID\":\"x\"}}";
	char out[SELECT_MAX_LABELS], sb[65], small[18];
	size_t used;

	ASSERT_EQ(select_parse_crio(cfg, strlen(cfg), out, sizeof(out), &used, sb), 3, "kept");
	ASSERT_TRUE(tt_test_memeq(out, used, want, sizeof(want) - 1, __FILE__, __LINE__, "labels"),
		    "labels");
	ASSERT_STREQ(sb, SB, "sandbox id");
	ASSERT_EQ(select_parse_crio(cfg, strlen(cfg), small, sizeof(small), &used, sb), 2,
		  "what fits");
	ASSERT_EQ(used, 18, "app=claude and empty=: the long one left out");
	ASSERT_EQ(select_parse_crio("[1]", 3, out, sizeof(out), &used, sb), -EBADMSG, "array");
	ASSERT_EQ(select_parse_crio(nolab, strlen(nolab), out, sizeof(out), &used, sb), 0,
		  "no labels");
	ASSERT_STREQ(sb, "", "a sandbox id that is no id");
	ASSERT_EQ(select_parse_crio(cfg, strlen(cfg) - 1, out, sizeof(out), &used, sb), -EBADMSG,
		  "cut");
}

void test_select_procs(void)
{
	struct select_procs *sp = select_procs__new();
	uint32_t pid;

	if (!ASSERT_OK_PTR(sp, "new"))
		return;
	ASSERT_FALSE(select_procs__has(sp, 10), "empty");
	ASSERT_OK(select_procs__add(sp, 10), "agent selected");
	ASSERT_TRUE(select_procs__fork(sp, 10, 11), "its child is");
	ASSERT_TRUE(select_procs__fork(sp, 11, 12), "and grandchild");
	ASSERT_FALSE(select_procs__fork(sp, 99, 13), "another's child is not");
	/* a pid reused after a lost exit takes its new parent's state */
	ASSERT_FALSE(select_procs__fork(sp, 99, 12), "reused pid");
	ASSERT_FALSE(select_procs__has(sp, 12), "cleared");
	select_procs__remove(sp, 10);
	ASSERT_FALSE(select_procs__has(sp, 10), "exited");
	ASSERT_TRUE(select_procs__has(sp, 11), "the child stays");
	/* many, so the table grows and deletions shift back across wraps */
	for (pid = 1000; pid < 3000; pid++)
		if (!ASSERT_OK(select_procs__add(sp, pid), "add"))
			break;
	for (pid = 1000; pid < 3000; pid += 2)
		select_procs__remove(sp, pid);
	for (pid = 1000; pid < 3000; pid++)
		if (!ASSERT_EQ(select_procs__has(sp, pid), pid % 2 == 1, "after removals"))
			break;
	ASSERT_EQ(select_procs__count(sp), 1001, "count");
	ASSERT_EQ(select_procs__add(sp, 0), -EINVAL, "pid 0");
	select_procs__free(sp);
	select_procs__free(NULL);
}
