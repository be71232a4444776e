/* SPDX-License-Identifier: MIT */
/* capfile.h: capture files (--record / replay): a versioned header and the raw records. */
#ifndef TT_CAPFILE_H
#define TT_CAPFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Layout, all integers little-endian:
 *   header: "TTCAPv1\n" magic (8), u32 header size, u32 ABI version, u64 boot-clock ns and
 *           u64 realtime ns taken at the same instant (the clock base), char host[64],
 *           u32 flags, u32 reserved
 *   records: u32 size, then size bytes of one tt_abi.h record, repeated to end of file.
 * A reader accepts headers larger than it knows (newer writers append fields).
 */
#define TT_CAP_MAGIC	"TTCAPv1\n"
#define TT_CAP_HOST_LEN 64

struct capfile_header {
	uint32_t abi;
	uint64_t boot_ns; /* CLOCK_BOOTTIME at start */
	uint64_t real_ns; /* CLOCK_REALTIME at the same instant */
	char host[TT_CAP_HOST_LEN];
	uint32_t flags;
};

struct capfile_writer;
struct capfile_reader;

struct capfile_writer *capfile_writer__open(const char *path, const struct capfile_header *h);
int capfile_writer__write(struct capfile_writer *w, const void *rec, size_t size);
int capfile_writer__flush(struct capfile_writer *w);
/* Flushes and closes; returns 0 or the first write error. NULL-safe. */
int capfile_writer__close(struct capfile_writer *w);

struct capfile_reader *capfile_reader__open(const char *path, struct capfile_header *h);
/* Next record: 1 with *rec and *size set (valid until the next call), 0 at end, -EBADMSG on a
 * truncated or oversized record, -errno on I/O errors. */
int capfile_reader__next(struct capfile_reader *r, const void **rec, size_t *size);
void capfile_reader__close(struct capfile_reader *r);

#ifdef __cplusplus
}
#endif
#endif /* TT_CAPFILE_H */
