// SPDX-License-Identifier: MIT
/*
 * outfile.c: output files are created private. They hold every plaintext byte (--record, --raw)
 * or the exported spans (-o) of every traced user, and the tracer runs as root in directories
 * others may write to (/tmp): a planted symlink or hard link must not redirect the write, and a
 * planted file must not keep a mode that lets its planter read it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* The checks on an opened fd: 0 or -errno. */
static int outfile_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (st.st_uid != geteuid() || st.st_nlink != 1)
		return -EPERM;
	if ((st.st_mode & 077) && fchmod(fd, 0600))
		return -errno;
	/* truncated only now: O_TRUNC would have emptied a file that is not ours */
	return ftruncate(fd, 0) ? -errno : 0;
}

int outfile_open(const char *path)
{
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	err = outfile_check(fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

FILE *outfile_fopen(const char *path)
{
	int fd = outfile_open(path);
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}
