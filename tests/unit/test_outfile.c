// SPDX-License-Identifier: MIT
/* test_outfile.c: output files are private, never followed through a link, not inherited. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "test.h"

static int file_mode(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror("write");
		fchmod(fd, mode);
		close(fd);
	}
}

void test_outfile_private(void)
{
	char dir[] = "/tmp/tt-outfile-XXXXXX", path[96], other[96], lnk[96];
	mode_t old = umask(0);
	struct stat st;
	FILE *f;
	int fd;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		goto out;
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(other, sizeof(other), "%s/victim", dir);
	snprintf(lnk, sizeof(lnk), "%s/link", dir);

	fd = outfile_open(path);
	if (ASSERT_GE(fd, 0, "created"))
		ASSERT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "close-on-exec");
	close(fd);
	ASSERT_EQ(file_mode(path), 0600, "created 0600 whatever the umask");

	/* an existing file of ours, readable by all: truncated and made private */
	write_file(path, "old contents", 0644);
	f = outfile_fopen(path);
	if (ASSERT_OK_PTR(f, "existing file")) {
		fputs("new", f);
		fclose(f);
	}
	ASSERT_EQ(file_mode(path), 0600, "made 0600");
	ASSERT_OK(stat(path, &st), "stat");
	ASSERT_EQ(st.st_size, 3, "truncated, then written");

	/* a symlink planted at the path: not followed, the target untouched */
	write_file(other, "victim", 0644);
	ASSERT_OK(symlink(other, lnk), "symlink");
	ASSERT_EQ(outfile_open(lnk), -ELOOP, "symlink refused");
	ASSERT_NULL(outfile_fopen(lnk), "symlink refused (FILE)");
	ASSERT_EQ(errno, ELOOP, "errno");
	unlink(lnk);

	/* a hard link to another file: refused before anything is truncated */
	ASSERT_OK(link(other, lnk), "hard link");
	ASSERT_EQ(outfile_open(lnk), -EPERM, "hard link refused");
	ASSERT_OK(stat(other, &st), "stat victim");
	ASSERT_EQ(st.st_size, 6, "victim not truncated");
	ASSERT_EQ(file_mode(other), 0644, "victim's mode kept");
	unlink(lnk);

	/* another user's file (root only can make one): refused, untouched */
	if (geteuid() == 0 && !chown(other, 65534, 65534)) {
		ASSERT_EQ(outfile_open(other), -EPERM, "a file of another user refused");
		ASSERT_OK(stat(other, &st), "stat victim");
		ASSERT_EQ(st.st_size, 6, "not truncated");
	}

	fd = outfile_open("/dev/null");
	ASSERT_GE(fd, 0, "a device is opened as it is");
	close(fd);
	ASSERT_EQ(file_mode("/dev/null") & 0666, 0666, "/dev/null's mode untouched");
	unlink(other);
	unlink(path);
	rmdir(dir);
out:
	umask(old);
}
