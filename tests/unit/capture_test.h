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
#include "pipeline.h"
#include "records.h"
#include "test.h"
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

/*
 * Replays the capture at path through a pipeline made with po, as `replay` does (records that
 * do not validate are left out), and finishes it a second after its last record.
 */
static inline void cap_replay(const char *path, const struct pipeline_opts *po)
{
	struct capfile_header h;
	struct capfile_reader *r = capfile_reader__open(path, &h);
	struct pipeline *p;
	const void *rec;
	size_t size;
	uint64_t last = 0;

	if (!ASSERT_OK_PTR(r, "reader"))
		return;
	p = pipeline__new(po);
	if (ASSERT_OK_PTR(p, "pipeline")) {
		while (capfile_reader__next(r, &rec, &size) > 0) {
			if (tt_rec_validate(rec, size) < 1)
				continue;
			last = ((const struct tt_hdr *)rec)->ts_ns;
			pipeline__record(p, rec, size);
		}
		pipeline__finish(p, last + 1000000000ull);
		pipeline__free(p);
	}
	capfile_reader__close(r);
}

#endif /* TT_CAPTURE_TEST_H */
