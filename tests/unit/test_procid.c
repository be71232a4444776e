// SPDX-License-Identifier: MIT
/* test_procid.c: a process's identity read from /proc and the runtime's OCI configs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procid.h"
#include "procscan.h"
#include "test.h"
#include "tt_limits.h"

#define ID	 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2	 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define ID3	 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define TASK_DIR "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"

void test_procid_nspid(void)
{
	static const char st[] = "Name:\tsleep\nNSpid:\t48211\t7\t1\nNSpgid:\t48211\n";

	ASSERT_EQ(procid_parse_nspid(st, strlen(st)), 1, "innermost");
	ASSERT_EQ(procid_parse_nspid("NSpid:\t4242\n", 12), 4242, "host only");
	ASSERT_EQ(procid_parse_nspid("NSpid:\t4242", 11), 4242, "no newline");
	ASSERT_EQ(procid_parse_nspid("NSpid:\t4242\t99999999999\n", 24), 0, "too large");
	ASSERT_EQ(procid_parse_nspid("Name:\tx\nNSpgid:\t5\n", 18), 0, "no NSpid");
	ASSERT_EQ(procid_parse_nspid("", 0), 0, "empty");
}

void test_procid_service(void)
{
	static const char env[] =
		"A=1\0XOTEL_SERVICE_NAME=no\0OTEL_SERVICE_NAME=billing\x01-agent\0"
		"OTEL_SERVICE_NAME=second\0";
	char out[TT_IDENT_SVC_LEN], big[300];

	procid_parse_service(env, sizeof(env) - 1, out, sizeof(out));
	ASSERT_STREQ(out, "billing-agent", "the first, cleaned");
	procid_parse_service("A=1\0B=2", 7, out, sizeof(out));
	ASSERT_STREQ(out, "", "not set");
	procid_parse_service("OTEL_SERVICE_NAME=", 18, out, sizeof(out));
	ASSERT_STREQ(out, "", "set empty");
	procid_parse_service("OTEL_SERVICE_NAME=ab", 19, out, sizeof(out));
	ASSERT_STREQ(out, "a", "cut by len, no NUL needed");
	memcpy(big, "OTEL_SERVICE_NAME=", 18);
	memset(big + 18, 's', sizeof(big) - 18);
	procid_parse_service(big, sizeof(big), out, sizeof(out));
	ASSERT_EQ(strlen(out), TT_IDENT_SVC_LEN - 1, "capped");
}

/* A copy of the containerd fixture under a root of our own (the test removes it). */
static bool make_root(char *root, char *file, size_t n)
{
	unsigned char *text;
	char dir[512];
	size_t len;
	FILE *f;

	text = test__read_fixture("oci" TASK_DIR ID "/config.json", &len);
	if (!ASSERT_OK_PTR(text, "fixture") || !ASSERT_OK_PTR(mkdtemp(root), "mkdtemp")) {
		free(text);
		return false;
	}
	snprintf(dir, sizeof(dir), "mkdir -p %s%s%s", root, TASK_DIR, ID);
	ASSERT_OK(system(dir), "mkdir");
	snprintf(file, n, "%s%s%s/config.json", root, TASK_DIR, ID);
	f = fopen(file, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	free(text);
	return ASSERT_OK_PTR(f, "write");
}

void test_procid_k8s(void)
{
	char root[] = "/tmp/tt-procid-XXXXXX", file[512], cmd[600], id[CGROUP_ID_LEN + 1];
	struct procid *pi;
	struct cgroup_k8s k;
	int i;

	snprintf(cmd, sizeof(cmd), "%s/oci", test__fixtures());
	pi = procid__new(cmd);
	if (!ASSERT_OK_PTR(pi, "new"))
		return;
	ASSERT_EQ(procid__k8s(pi, ID, &k), 1, "containerd");
	ASSERT_STREQ(k.pod_name, "agent-7d9f8c6b5-x2x9q", "containerd: pod");
	ASSERT_EQ(procid__k8s(pi, ID2, &k), 1, "cri-o");
	ASSERT_STREQ(k.container_name, "coder", "cri-o: container");
	ASSERT_EQ(procid__k8s(pi, ID3, &k), 0, "no bundle");
	ASSERT_STREQ(k.pod_name, "", "no bundle: empty");
	procid__free(pi);

	/* read once per container: a bundle gone since is still known, until evicted */
	if (!make_root(root, file, sizeof(file)))
		return;
	pi = procid__new(root);
	if (!ASSERT_OK_PTR(pi, "new"))
		goto cleanup;
	ASSERT_EQ(procid__k8s(pi, ID, &k), 1, "first");
	unlink(file);
	ASSERT_EQ(procid__k8s(pi, ID, &k), 1, "cached");
	ASSERT_STREQ(k.pod_namespace, "ai-agents", "cached: namespace");
	for (i = 0; i < TT_MAX_IDENT_CACHE; i++) {
		snprintf(id, sizeof(id), "%064x", i + 1);
		procid__k8s(pi, id, &k);
	}
	ASSERT_EQ(procid__k8s(pi, ID, &k), 0, "evicted, read again");
	procid__free(pi);
cleanup:
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ASSERT_OK(system(cmd), "rm");
}

/* A child that exec'd sleep with env: its pid once the exec is done, -1 on failure. */
static pid_t spawn(char *const env[])
{
	char *const argv[] = { "sleep", "30", NULL };
	int fds[2];
	char c;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		execve("/bin/sleep", argv, env);
		_exit(127);
	}
	close(fds[1]);
	/* the write end closes at exec: EOF then */
	while (pid > 0 && read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	return pid;
}

void test_procid_read(void)
{
	char *const env[] = { "A=1", "OPENAI_API_KEY=sk-proj-Zx91notreal",
			      "OTEL_SERVICE_NAME=billing\x1b-agent", NULL };
	struct procid *pi = procid__new(NULL);
	struct tt_ident rec;
	uint64_t start;
	uint32_t ppid;
	pid_t pid;

	if (!ASSERT_OK_PTR(pi, "new"))
		return;
	pid = spawn(env);
	if (!ASSERT_GE(pid, 1, "spawn"))
		goto out;
	if (ASSERT_OK(procscan_stat(pid, &ppid, &start), "stat") &&
	    ASSERT_OK(procid__read(pi, pid, start, 777, &rec), "read")) {
		ASSERT_EQ(rec.h.type, TT_REC_IDENT, "type");
		ASSERT_EQ(rec.h.size, sizeof(rec), "size");
		ASSERT_EQ(rec.h.pid, (uint32_t)pid, "pid");
		ASSERT_EQ(rec.h.ts_ns, 777, "ts");
		ASSERT_EQ(rec.start_ns, start, "start");
		/* this test's namespace is the child's: its innermost pid is the one we see */
		ASSERT_EQ(rec.vpid, (uint32_t)pid, "vpid");
		ASSERT_STREQ(rec.service_name, "billing-agent", "OTEL_SERVICE_NAME, cleaned");
		ASSERT_NULL(memmem(&rec, sizeof(rec), "sk-proj", 7), "nothing else of environ");
		ASSERT_EQ(procid__read(pi, pid, start + 5000000000ull, 1, &rec), -ESRCH,
			  "another start: another process");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ASSERT_EQ(procid__read(pi, pid, start, 1, &rec), -ESRCH, "gone");
out:
	procid__free(pi);
}

/*
 * In a pid namespace of its own a process is read as its namespace's pid 1 (its status's NSpid
 * line); in ours (test_procid_read) as the pid we see, without its status. Needs root.
 */
void test_procid_read_pidns(void)
{
	struct procid *pi;
	struct tt_ident rec;
	uint64_t start = 0;
	uint32_t ppid;
	pid_t pid;

	if (geteuid()) {
		test__skip("a pid namespace needs root");
		return;
	}
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	if (!ASSERT_GE(pid, 1, "clone(CLONE_NEWPID)"))
		return;
	pi = procid__new(NULL);
	if (ASSERT_OK_PTR(pi, "new") && ASSERT_OK(procscan_stat(pid, &ppid, &start), "stat") &&
	    ASSERT_OK(procid__read(pi, pid, start, 1, &rec), "read")) {
		ASSERT_EQ(rec.h.pid, (uint32_t)pid, "the pid we see");
		ASSERT_EQ(rec.vpid, 1, "vpid: the first process of its namespace");
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (pi)
		ASSERT_EQ(procid__read(pi, pid, start, 1, &rec), -ESRCH, "gone");
	procid__free(pi);
}
