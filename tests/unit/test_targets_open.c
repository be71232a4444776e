// SPDX-License-Identifier: MIT
/*
 * test_targets_open.c: a file a traced program names is opened once (targets_open): a FIFO or a
 * device is refused without blocking, a path under /proc/PID/root stays in that root, and what
 * is inspected and attached is the file opened, even when another is renamed over its name.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets.h"
#include "test.h"

#define SYS_LIBSSL "/usr/lib/x86_64-linux-gnu/libssl.so.3"

static bool copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	bool ok = true;

	if (in < 0)
		return false;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return false;
	}
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	close(in);
	close(out);
	return ok;
}

void test_targets_open_refuses_fifo_and_devices(void)
{
	struct tt_target t;
	char dir[64], fifo[96];
	struct stat st;

	snprintf(dir, sizeof(dir), "/tmp/tt-test-open-%d", getpid());
	mkdir(dir, 0700);
	snprintf(fifo, sizeof(fifo), "%s/libssl.so.3", dir);
	if (!ASSERT_OK(mkfifo(fifo, 0600), "mkfifo"))
		return;
	/* no writer ever comes: an open for reading would wait for one forever */
	ASSERT_EQ(targets_open(fifo, &st), -ENOEXEC, "a FIFO is not opened for reading");
	ASSERT_EQ(targets_inspect(fifo, &t), -ENOEXEC, "nor inspected");
	ASSERT_EQ(targets_open("/dev/null", &st), -ENOEXEC, "a device is refused");
	ASSERT_EQ(targets_open(dir, &st), -ENOEXEC, "a directory is refused");
	ASSERT_EQ(targets_open(test__absent_path("libssl.so.3"), &st), -ENOENT, "missing");
	unlink(fifo);
	rmdir(dir);
}

void test_targets_open_in_root(void)
{
	char dir[64], link[96], path[256];
	struct stat st, want;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/tt-test-root-%d", getpid());
	mkdir(dir, 0700);
	if (!ASSERT_OK(stat("/bin/sh", &want), "stat /bin/sh"))
		return;
	/* a symlink inside the root is followed inside it (libssl.so -> libssl.so.3) */
	snprintf(link, sizeof(link), "%s/sh-link", dir);
	unlink(link);
	ASSERT_OK(symlink("/bin/sh", link), "symlink");
	snprintf(path, sizeof(path), "/proc/%d/root%s", getpid(), link);
	fd = targets_open(path, &st);
	if (ASSERT_GE(fd, 0, "symlink in the root"))
		close(fd);
	ASSERT_EQ(st.st_ino, want.st_ino, "the file it names");
	/* a /proc magic link inside the root is not (it leads to another process's files) */
	snprintf(path, sizeof(path), "/proc/%d/root/proc/self/exe", getpid());
	fd = targets_open(path, &st);
	ASSERT_EQ(fd, -ELOOP, "magic link in the root refused");
	if (fd >= 0)
		close(fd);
	/* ".." does not climb out of the root: /proc/PID/root/../../bin/sh is its /bin/sh */
	snprintf(path, sizeof(path), "/proc/%d/root/../../bin/sh", getpid());
	fd = targets_open(path, &st);
	if (ASSERT_GE(fd, 0, "dot-dot stays in the root"))
		close(fd);
	unlink(link);
	rmdir(dir);
}

/*
 * A library inspected through its descriptor while another file is renamed over its name: the
 * inspection and the path given to the kernel for the attachment are both the opened file's.
 */
void test_targets_open_swapped_file(void)
{
	char lib[64], other[64];
	struct tt_target t;
	struct stat st, at;
	uint64_t w;
	int fd, n;

	if (access(SYS_LIBSSL, R_OK)) {
		test__skip("no " SYS_LIBSSL);
		return;
	}
	setenv("TT_TARGETS_CACHE", "off", 1);
	snprintf(lib, sizeof(lib), "/tmp/tt-test-swap-%d.so", getpid());
	snprintf(other, sizeof(other), "/tmp/tt-test-swap-%d.sh", getpid());
	if (!ASSERT_TRUE(copy_file(SYS_LIBSSL, lib) && copy_file("/bin/sh", other), "copies"))
		return;
	n = targets_inspect(lib, &t);
	if (!ASSERT_GE(n, 1, "libssl carries TLS functions"))
		return;
	w = t.off[TT_FN_SSL_WRITE];
	fd = targets_open(lib, &st);
	if (!ASSERT_GE(fd, 0, "open"))
		return;
	/* the swap: after the open, before the inspection and the attachment */
	ASSERT_OK(rename(other, lib), "rename over");
	ASSERT_EQ(targets_inspect(lib, &t), 0, "the name now gives a file without TLS");
	ASSERT_EQ(targets_inspect_opened(fd, &t), n, "the descriptor still gives libssl");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], w, "SSL_write of libssl");
	ASSERT_OK(stat(t.path, &at), "the attach path");
	ASSERT_EQ(at.st_ino, st.st_ino, "attach path is the inspected inode");
	ASSERT_EQ(at.st_dev, st.st_dev, "on the same device");
	close(fd);
	unlink(lib);
}

/*
 * A file whose owner holds a write lease: an open for reading waits until the lease is given
 * back, up to /proc/sys/fs/lease-break-time (45 s). targets_open does not wait.
 */
void test_targets_open_leased_file(void)
{
	void (*old)(int);
	struct tt_target t;
	char path[64];
	struct stat st;
	int fd, lease = -1;

	/* the kernel tells the lease holder (this process) with SIGIO that someone opens it */
	old = signal(SIGIO, SIG_IGN);
	snprintf(path, sizeof(path), "/tmp/tt-test-lease-%d.so", getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (!ASSERT_GE(fd, 0, "create"))
		goto out;
	ASSERT_EQ(write(fd, ELFMAG, SELFMAG), SELFMAG, "write");
	close(fd);
	lease = open(path, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_GE(lease, 0, "open") ||
	    !ASSERT_OK(fcntl(lease, F_SETLEASE, F_WRLCK), "write lease")) {
		test__skip("no lease here");
		goto out;
	}
	ASSERT_EQ(targets_open(path, &st), -EWOULDBLOCK, "refused at once");
	ASSERT_EQ(targets_inspect(path, &t), -EWOULDBLOCK, "not inspected");
	fcntl(lease, F_SETLEASE, F_UNLCK);
out:
	if (lease >= 0)
		close(lease);
	unlink(path);
	signal(SIGIO, old);
}
