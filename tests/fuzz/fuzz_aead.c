// SPDX-License-Identifier: MIT
/*
 * fuzz_aead.c: sealed TLS records held until their thread's socket write (aead_bind.c), fed
 * operations described by the input. Each operation is a control byte (low 2 bits: add, bind,
 * process exit, add a large record; then the process and thread) and 8 bytes of arguments. A
 * record passed on must be a valid data record of the bind's connection that lies inside the
 * bind's pending bytes, in the thread's order; at the end every record held was either passed
 * on or counted dropped, and nothing stays held.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aead_bind.h"
#include "log.h"
#include "records.h"

#define OP_SIZE 9

struct check {
	const struct tt_aead_bind *b;
	uint64_t passed;
};

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void on_pass(const void *rec, size_t size, void *ctx)
{
	const struct tt_data *d = rec;
	struct check *c = ctx;
	uint64_t off;

	if (tt_rec_validate(rec, size) != TT_REC_DATA || size != sizeof(*d) + d->len)
		abort();
	if (d->conn != c->b->conn || d->fd != c->b->fd || d->h.pid != c->b->h.pid ||
	    d->h.tid != c->b->h.tid)
		abort();
	/* inside the bind's pending bytes [base, base + len) */
	off = d->pos - c->b->base;
	if (d->pos < c->b->base || off > c->b->len || d->len > c->b->len - off)
		abort();
	c->passed++;
}

/* A position: small ones, or near the top of the range (a record from a hostile capture). */
static uint64_t pos_of(const uint8_t *p)
{
	uint64_t v = get(p, 2);

	return p[2] & 0x80 ? UINT64_MAX - v : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t rec[sizeof(struct tt_data) + 70000];
	struct aead_hold *h = aead_hold__new();
	struct tt_data *d = (struct tt_data *)rec;
	uint64_t added = 0, refused = 0, passed = 0;
	struct aead_hold_stats st;
	struct tt_aead_bind b;
	struct check c;
	size_t off;
	uint32_t len;

	tt_log_set_level(TT_LOG_ERROR);
	if (!h)
		abort();
	for (off = 0; off + OP_SIZE <= size; off += OP_SIZE) {
		const uint8_t *a = data + off + 1;
		uint8_t ctl = data[off];
		uint32_t pid = 1 + ((ctl >> 2) & 3), tid = pid * 10 + ((ctl >> 4) & 3);

		switch (ctl & 3) {
		case 0:
		case 3:
			len = (uint32_t)get(a + 3, 2);
			if ((ctl & 3) == 3)
				len = len << 4 & 0xfffff; /* up to 1 MiB, over TT_CHUNK */
			memset(d, 0, sizeof(*d));
			d->h.type = TT_REC_DATA;
			d->h.abi = 1;
			d->h.size = (uint32_t)(sizeof(*d) + len);
			d->h.pid = pid;
			d->h.tid = tid;
			d->conn = TT_CONN_PEND | tid;
			d->pos = pos_of(a);
			d->len = len;
			d->call_len = len;
			d->flags = a[5] & 7;
			d->src = TT_SRC_AEAD;
			d->fd = -1;
			if (len > sizeof(rec) - sizeof(*d))
				break;
			/* as the pipeline gives it: only records the events check let through */
			if (tt_rec_validate(d, sizeof(*d) + len) != TT_REC_DATA)
				break;
			if (aead_hold__add(h, d, sizeof(*d) + len))
				refused++;
			else
				added++;
			break;
		case 1:
			memset(&b, 0, sizeof(b));
			b.h.type = TT_REC_AEAD_BIND;
			b.h.abi = 1;
			b.h.size = sizeof(b);
			b.h.pid = pid;
			b.h.tid = tid;
			b.conn = TT_CONN_AEAD | a[7];
			b.fd = a[6];
			b.base = pos_of(a);
			b.len = a[5] & 0x80 ? UINT64_MAX - get(a + 3, 2) : get(a + 3, 3);
			c = (struct check){ &b, 0 };
			aead_hold__bind(h, &b, on_pass, &c);
			passed += c.passed;
			break;
		case 2:
			aead_hold__drop_pid(h, pid);
			break;
		}
	}
	for (len = 1; len <= 4; len++)
		aead_hold__drop_pid(h, len);
	aead_hold__stats(h, &st);
	/* every record held went on or was dropped; refused ones count dropped too */
	if (st.held != added || st.bound != passed || st.held + refused != st.bound + st.dropped)
		abort();
	aead_hold__free(h);
	return 0;
}
