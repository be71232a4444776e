// SPDX-License-Identifier: MIT
/* test_procscan.c: /proc/PID/stat lines, and this test's own process read from /proc. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procscan.h"
#include "test.h"

void test_procscan_parse_stat(void)
{
	static const struct {
		const char *line;
		int err;
		uint32_t ppid;
		uint64_t ticks;
	} cases[] = {
		{ "4242 (bash) S 4200 4242 4242 34816 4250 4194560 2031 9113 0 3 4 2 19 7 20 0 1 "
		  "0 1234567 8843264 1280 18446744073709551615 1 1 0 0 0 0 65536 3670020 "
		  "1266777851 0 0 0 17 1 0 0 0 0 0\n",
		  0, 4200, 1234567 },
		/* a command name with spaces and parentheses: counted from the last ')' */
		{ "77 (a) b) (c d) R 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0", 0, 1, 99 },
		{ "5 (x) Z 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 18446744073709551615", 0, 0,
		  18446744073709551615ull },
		{ "", -EBADMSG, 0, 0 },
		{ "12 bash S 1 12 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", -EBADMSG, 0, 0 },
		{ "12 (bash) S 1 12 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0", -EBADMSG, 0, 0 },
		{ "12 (bash) S x 12 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", -EBADMSG, 0, 0 },
		{ "12 (bash)", -EBADMSG, 0, 0 },
	};
	uint64_t ticks;
	uint32_t ppid;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ppid = 0xdead;
		ticks = 0xdead;
		if (!ASSERT_EQ(procscan_parse_stat(cases[i].line, &ppid, &ticks), cases[i].err,
			       cases[i].line))
			continue;
		if (cases[i].err)
			continue;
		ASSERT_EQ(ppid, cases[i].ppid, "ppid");
		ASSERT_TRUE(ticks == cases[i].ticks, "start ticks");
	}
}

void test_procscan_self(void)
{
	static struct procscan_info pi;

	if (!ASSERT_OK(procscan_read(getpid(), &pi), "read self"))
		return;
	ASSERT_EQ(pi.pid, getpid(), "pid");
	ASSERT_EQ(pi.ppid, getppid(), "ppid");
	ASSERT_TRUE(pi.start_ns > 0, "start time");
	ASSERT_TRUE(pi.exe[0] == '/', "executable path");
	ASSERT_TRUE(pi.args_len > 0 && pi.args[pi.args_len - 1] == '\0', "command line");
	ASSERT_EQ(procscan_read(0x3ffffff0, &pi), -ENOENT, "no such process");
}

struct visits {
	pid_t pid[64];
	int n;
	int total;
	pid_t skip; /* its children are not visited */
	pid_t self_seen;
	pid_t parent_seen;
};

static int visit(pid_t pid, void *ctx)
{
	struct visits *v = ctx;

	if (v->n < 64)
		v->pid[v->n++] = pid;
	v->total++;
	if (pid == getpid())
		v->self_seen = pid;
	if (pid == getppid())
		v->parent_seen = pid;
	return pid == v->skip;
}

void test_procscan_tree(void)
{
	struct visits v = { .skip = -1 };
	pid_t kid;

	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	if (!ASSERT_TRUE(kid > 0, "fork"))
		return;
	procscan_tree(getpid(), visit, &v);
	ASSERT_EQ(v.n, 2, "this process and its child");
	ASSERT_EQ(v.pid[0], getpid(), "the root first");
	ASSERT_EQ(v.pid[1], kid, "then the child");
	v = (struct visits){ .skip = getpid() };
	procscan_tree(getpid(), visit, &v);
	ASSERT_EQ(v.n, 1, "a nonzero return keeps the walk out of the children");
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
}

void test_procscan_all(void)
{
	struct visits v = { .skip = -1 };

	ASSERT_OK(procscan_all(visit, &v), "scan");
	ASSERT_TRUE(v.total > 1, "processes found");
	ASSERT_EQ(v.self_seen, 0, "the caller is left out");
	ASSERT_EQ(v.parent_seen, getppid(), "the caller's parent is there");
	/* pid 1 started first of all */
	ASSERT_EQ(v.pid[0], 1, "oldest first");
}
