// SPDX-License-Identifier: MIT
/*
 * fuzz_elf.c: the whole inspection of a file (targets_inspect_fd: ELF headers, notes, sections,
 * symbols, the Go function table and decoder, the database's fingerprints, signatures and
 * anchors) over arbitrary file bytes, read through a memfd as a traced program's file would be.
 * Whatever the file says, every offset found must lie inside it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "targets.h"
#include "targets_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	tt_log_set_level(TT_LOG_ERROR);
	/* run from the source tree (tests/fuzz/run.sh): the shipped database */
	setenv("TT_TLS_TARGETS", "tools/tls-targets.conf", 0);
	setenv("TT_TARGETS_CACHE", "off", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct tt_target t;
	struct stat st;
	int i, n;

	if (fd < 0)
		fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size ||
	    fstat(fd, &st))
		abort();
	n = targets_inspect_fd(fd, "fuzz", &st, &t);
	if (n > TT_FN_MAX)
		abort();
	for (i = 0; i < TT_FN_MAX; i++)
		if (t.off[i] >= size && n >= 0)
			abort();
	for (i = 0; n >= 0 && i < t.n_go_read_rets; i++)
		if (t.go_read_rets[i] >= size)
			abort();
	return 0;
}
