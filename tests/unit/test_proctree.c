// SPDX-License-Identifier: MIT
/* test_proctree.c: the process table: lifecycle, pid reuse, retention, caps. */
#include <errno.h>
#include <string.h>

#include "tt_limits.h"
#include "proctree.h"
#include "test.h"

struct seen {
	int lost, dropped;
	uint32_t last_lost_pid;
	uint64_t last_lost_start;
};

static void on_lost(struct proc *p, void *ctx)
{
	struct seen *s = ctx;

	s->lost++;
	s->last_lost_pid = p->pid;
	s->last_lost_start = p->start_ns;
}

static void on_drop(struct proc *p, void *ctx)
{
	struct seen *s = ctx;

	s->dropped++;
}

static const struct proctree_ops ops = { .lost_exit = on_lost, .drop = on_drop };

void test_proctree_lifecycle(void)
{
	static const char args[] = "/bin/sh\0-c\0ls /tmp\0";
	struct seen seen = { 0 };
	struct proctree *t = proctree__new(&ops, &seen);
	struct proc *a, *b, *x;

	if (!ASSERT_OK_PTR(t, "new"))
		return;
	ASSERT_OK(proctree__add_existing(t, 10, 1, 100, "/usr/bin/python3", "python3\0agent.py\0",
					 17, &a),
		  "existing");
	ASSERT_TRUE(a->preexisting, "preexisting flag");
	ASSERT_EQ(a->argc, 2, "existing argc");
	ASSERT_NULL(a->parent, "pid 1 not traced");
	ASSERT_OK(proctree__fork(t, 20, 10, 1000, &b), "fork");
	ASSERT_TRUE(b->parent == a, "parent link");
	ASSERT_EQ(a->n_children, 1, "child counted");
	ASSERT_STREQ(b->exe_path, "/usr/bin/python3", "fork inherits the exe");
	ASSERT_EQ(b->argc, 2, "fork inherits argv");
	ASSERT_OK(proctree__exec(t, 20, 10, 1000, 1100, "/bin/sh", 7, args, sizeof(args) - 1, false,
				 &x),
		  "exec");
	ASSERT_TRUE(x == b, "same process");
	ASSERT_STREQ(b->exe_path, "/bin/sh", "exe replaced");
	ASSERT_STREQ(b->prev_exe, "/usr/bin/python3", "previous exe kept");
	ASSERT_EQ(b->argc, 3, "argc");
	ASSERT_STREQ(b->argv[2], "ls /tmp", "argv[2]");
	ASSERT_EQ(b->exec_ns, 1100, "exec time");
	ASSERT_EQ(b->n_exec, 1, "one exec");
	ASSERT_OK(proctree__exit(t, 20, 1000, 2000, 2 << 8, &x), "exit");
	ASSERT_TRUE(b->exited, "exited");
	ASSERT_EQ(b->exit_code, 2, "exit code decoded");
	ASSERT_EQ(b->exit_signal, 0, "no signal");
	ASSERT_EQ(b->exit_ns, 2000, "exit time");
	ASSERT_EQ(proctree__exit(t, 20, 1000, 2100, 0, &x), -ENOENT, "double exit");
	ASSERT_EQ(proctree__exit(t, 99, 0, 2100, 0, &x), -ENOENT, "unknown exit");
	ASSERT_OK(proctree__exit(t, 10, 100, 3000, 9, &x), "killed");
	ASSERT_EQ(a->exit_signal, 9, "signal decoded");
	ASSERT_EQ(a->exit_code, 0, "code of a signal");

	/* the parent exits first: kept while its child is in the table */
	proctree__release(t, a);
	ASSERT_EQ(seen.dropped, 0, "parent kept for its child");
	ASSERT_TRUE(proctree__find(t, 10) == a, "still found");
	proctree__release(t, b);
	ASSERT_EQ(seen.dropped, 2, "child then parent dropped");
	ASSERT_NULL(proctree__find(t, 10), "gone");
	ASSERT_NULL(proctree__first(t), "table empty");
	proctree__free(t);
}

void test_proctree_pid_reuse(void)
{
	struct seen seen = { 0 };
	struct proctree *t = proctree__new(&ops, &seen);
	struct proctree_stats st;
	struct proc *old, *nu, *c, *x;

	if (!ASSERT_OK_PTR(t, "new"))
		return;
	ASSERT_OK(proctree__fork(t, 100, 1, 1000, &old), "first");
	ASSERT_OK(proctree__fork(t, 101, 100, 1500, &c), "child of the first");
	ASSERT_OK(proctree__exit(t, 100, 1000, 2000, 0, &x), "first exits");
	proctree__release(t, old);
	ASSERT_OK(proctree__fork(t, 100, 1, 5000, &nu), "pid reused");
	ASSERT_TRUE(nu != old, "a new process");
	ASSERT_TRUE(proctree__find(t, 100) == nu, "pid names the new one");
	ASSERT_TRUE(c->parent == old, "old child keeps its parent");
	ASSERT_EQ(seen.lost, 0, "exit was seen");
	/* an exit naming the old identity does not end the new process */
	ASSERT_EQ(proctree__exit(t, 100, 1000, 6000, 0, &x), -ENOENT, "stale exit");
	ASSERT_FALSE(nu->exited, "new one runs");
	/* a fork with a new start time while the holder runs: its exit was lost */
	ASSERT_OK(proctree__fork(t, 100, 1, 7000, &x), "reused again");
	ASSERT_EQ(seen.lost, 1, "lost exit reported");
	ASSERT_EQ(seen.last_lost_start, 5000, "the replaced one");
	ASSERT_EQ(seen.dropped, 1, "replaced childless one dropped");
	/* a repeated fork record of the same identity is the same process */
	ASSERT_OK(proctree__fork(t, 100, 1, 7000, &nu), "duplicate");
	ASSERT_TRUE(nu == x, "deduplicated");
	proctree__stats(t, &st);
	ASSERT_EQ(st.reused, 2, "reuse counted");
	ASSERT_EQ(st.lost_exits, 1, "lost exit counted");
	ASSERT_EQ(st.procs, 3, "old parent (kept), child, newest");
	proctree__free(t);
	ASSERT_EQ(seen.dropped, 4, "free drops the rest");
}

void test_proctree_exec_first(void)
{
	struct proctree *t = proctree__new(NULL, NULL);
	struct proc *p, *parent, *x;
	/* argv cut by the kernel cap: the last argument has no NUL */
	static const char args[] = { 'c', 'a', 't', 0, '/', 'e', 't' };

	if (!ASSERT_OK_PTR(t, "new"))
		return;
	ASSERT_OK(proctree__fork(t, 5, 1, 10, &parent), "parent");
	ASSERT_OK(proctree__exec(t, 6, 5, 20, 25, "/bin/cat", 8, args, sizeof(args), true, &p),
		  "exec before fork");
	ASSERT_TRUE(p->parent == parent, "parent found");
	ASSERT_EQ(p->argc, 2, "two args");
	ASSERT_STREQ(p->argv[1], "/et", "cut argument kept");
	ASSERT_TRUE(p->args_truncated, "truncated");
	ASSERT_OK(proctree__fork(t, 6, 5, 20, &x), "late fork record");
	ASSERT_TRUE(x == p, "same process");
	ASSERT_EQ(parent->n_children, 1, "counted once");
	ASSERT_OK(proctree__exec(t, 6, 5, 20, 30, NULL, 0, NULL, 0, false, &x), "empty exec");
	ASSERT_EQ(x->argc, 0, "no args");
	ASSERT_STREQ(x->exe_path, "", "no path");
	ASSERT_STREQ(proc_basename("/usr/bin/python3"), "python3", "basename");
	proctree__free(t);
}

void test_proctree_cap(void)
{
	struct proctree *t = proctree__new(NULL, NULL);
	struct proctree_stats st;
	struct proc *p;
	uint32_t i;
	int err = 0;

	if (!ASSERT_OK_PTR(t, "new"))
		return;
	for (i = 0; i < TT_MAX_PROCS && !err; i++)
		err = proctree__fork(t, 1000 + i, 1, 1 + i, &p);
	ASSERT_OK(err, "up to the cap");
	ASSERT_EQ(proctree__fork(t, 999, 1, 5, &p), -E2BIG, "over the cap");
	ASSERT_EQ(proctree__exec(t, 998, 1, 6, 6, "/x", 2, "x", 2, false, &p), -E2BIG, "exec too");
	proctree__stats(t, &st);
	ASSERT_EQ(st.cap_hits, 2, "counted");
	ASSERT_EQ(st.procs, TT_MAX_PROCS, "full");
	ASSERT_TRUE(proctree__find(t, 1000 + 4242) != NULL, "lookups still work");
	/* room again once a process leaves */
	ASSERT_OK(proctree__exit(t, 1000, 1, 9, 0, &p), "exit");
	proctree__release(t, p);
	ASSERT_OK(proctree__fork(t, 999, 1, 10, &p), "fits again");
	proctree__free(t);
}

void test_proctree_preexisting_start_slack(void)
{
	struct proctree *t = proctree__new(NULL, NULL);
	struct proc *p, *x;

	if (!ASSERT_OK_PTR(t, "new"))
		return;
	/* /proc gives the start in 10 ms ticks; the kernel's record carries the exact value */
	ASSERT_OK(proctree__add_existing(t, 50, 1, 7000000000ull, "/usr/bin/node", "node\0a.js", 10,
					 &p),
		  "existing");
	ASSERT_OK(proctree__exit(t, 50, 7004123456ull, 9000000000ull, 0, &x), "exit within a tick");
	ASSERT_TRUE(x == p, "same process");
	ASSERT_EQ(p->start_ns, 7004123456ull, "exact start adopted");
	ASSERT_OK(proctree__add_existing(t, 51, 1, 7000000000ull, "/usr/bin/node", "node", 5, &p),
		  "second existing");
	ASSERT_EQ(proctree__exit(t, 51, 8000000000ull, 9000000000ull, 0, &x), -ENOENT,
		  "a start one second off is another process");
	proctree__free(t);
}
