/* SPDX-License-Identifier: MIT */
/*
 * capture_test.h: records written into a capture file by the tests that replay one
 * (test_redact_replay.c, test_ident.c).
 */
#ifndef TT_CAPTURE_TEST_H
#define TT_CAPTURE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "tt_abi.h"

/* A record header of pid (its thread too, comm "p<pid>") at ts. */
static inline void cap_hdr(struct tt_hdr *h, uint16_t type, size_t size, uint32_t pid, uint64_t ts)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->abi = TT_ABI_VERSION;
	h->size = (uint32_t)size;
	h->pid = pid;
	h->tid = pid;
	h->ts_ns = ts;
	snprintf(h->comm, sizeof(h->comm), "p%u", pid);
}

/* One whole OpenSSL call of pid on conn moving bytes (a C string) at stream position pos. */
static inline void cap_data(struct capfile_writer *w, uint32_t pid, uint64_t conn, uint64_t ts,
			    uint8_t dir, uint64_t pos, const char *bytes)
{
	size_t n = strlen(bytes), size = sizeof(struct tt_data) + n;
	struct tt_data *d = calloc(1, size);

	if (!d)
		return;
	cap_hdr(&d->h, TT_REC_DATA, size, pid, ts);
	d->conn = conn;
	d->pos = pos;
	d->call_len = (uint32_t)n;
	d->len = (uint32_t)n;
	d->dir = dir;
	d->flags = TT_DF_FIRST | TT_DF_LAST;
	d->src = TT_SRC_SSL;
	d->fd = -1;
	memcpy(d->data, bytes, n);
	capfile_writer__write(w, d, size);
	free(d);
}

#endif /* TT_CAPTURE_TEST_H */
