/* SPDX-License-Identifier: MIT */
/* fuzz_file.h: fuzz input as a file a reader opens by path (an anonymous memory file). */
#ifndef TT_FUZZ_FILE_H
#define TT_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Writes the size bytes at data to one memory file kept for the whole run and puts its path in
 * path (/proc/self/fd/N, opened afresh by the reader). 0, or -1 when it could not be written.
 */
static inline int fz_file(const uint8_t *data, size_t size, char *path, size_t len)
{
	static int fd = -1;
	size_t off = 0;
	ssize_t n;

	if (fd < 0 && (fd = memfd_create("fuzz", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0))
		return -1;
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return 0;
}

#endif /* TT_FUZZ_FILE_H */
