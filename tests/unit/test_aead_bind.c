// SPDX-License-Identifier: MIT
/* test_aead_bind.c: sealed TLS records held until their socket write names the connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aead_bind.h"
#include "test.h"

struct got {
	int n;
	uint64_t conn[8], pos[8];
	int32_t fd[8];
	uint32_t len[8];
	char data[8][32];
};

static void collect(const void *rec, size_t size, void *ctx)
{
	const struct tt_data *d = rec;
	struct got *g = ctx;

	if (g->n == 8 || size != sizeof(*d) + d->len || d->len >= 32)
		return;
	g->conn[g->n] = d->conn;
	g->pos[g->n] = d->pos;
	g->fd[g->n] = d->fd;
	g->len[g->n] = d->len;
	memcpy(g->data[g->n], d->data, d->len);
	g->data[g->n][d->len] = '\0';
	g->n++;
}

/* A sealed data record of thread tid of process pid at pending position pos. */
static int add(struct aead_hold *h, uint32_t pid, uint32_t tid, uint64_t pos, const char *text)
{
	size_t n = strlen(text);
	struct tt_data *d = calloc(1, sizeof(*d) + n);
	int err;

	d->h.type = TT_REC_DATA;
	d->h.size = sizeof(*d) + n;
	d->h.pid = pid;
	d->h.tid = tid;
	d->conn = TT_CONN_PEND | tid;
	d->pos = pos;
	d->len = d->call_len = n;
	d->flags = TT_DF_FIRST | TT_DF_LAST;
	d->src = TT_SRC_AEAD;
	d->fd = -1;
	memcpy(d->data, text, n);
	err = aead_hold__add(h, d, sizeof(*d) + n);
	free(d);
	return err;
}

/* A socket write of thread tid binding its held records to socket ino from stream base on. */
static void bind_rec(struct aead_hold *h, struct got *g, uint32_t pid, uint32_t tid, uint64_t ino,
		     int fd, uint64_t base, uint64_t len)
{
	struct tt_aead_bind b = {
		.h = { .type = TT_REC_AEAD_BIND, .size = sizeof(b), .pid = pid, .tid = tid },
		.conn = TT_CONN_AEAD | ino,
		.fd = fd,
		.base = base,
		.len = len
	};

	aead_hold__bind(h, &b, collect, g);
}

void test_aead_bind_in_order_per_thread(void)
{
	struct aead_hold *h = aead_hold__new();
	struct aead_hold_stats st;
	struct got g = { 0 };

	if (!ASSERT_OK_PTR(h, "new"))
		return;
	/* two threads of one process seal interleaved; each binds to its own socket */
	ASSERT_OK(add(h, 10, 11, 0, "GET /a"), "t11 first");
	ASSERT_OK(add(h, 10, 12, 0, "POST /b"), "t12 first");
	ASSERT_OK(add(h, 10, 11, 6, " HTTP"), "t11 second");
	bind_rec(h, &g, 10, 11, 500, 7, 100, 11);
	ASSERT_EQ(g.n, 2, "thread 11's two records");
	ASSERT_EQ(g.conn[0], TT_CONN_AEAD | 500, "conn");
	ASSERT_EQ(g.pos[0], 100, "first at base");
	ASSERT_EQ(g.pos[1], 106, "second after it");
	ASSERT_EQ(g.fd[1], 7, "fd");
	ASSERT_STREQ(g.data[0], "GET /a", "payload kept");
	ASSERT_STREQ(g.data[1], " HTTP", "payload kept");
	/* a bind of another thread, or another process with the same tid, takes nothing */
	bind_rec(h, &g, 99, 12, 600, 8, 0, 7);
	ASSERT_EQ(g.n, 2, "other process: nothing");
	bind_rec(h, &g, 10, 12, 600, 8, 0, 7);
	ASSERT_EQ(g.n, 3, "thread 12's record");
	ASSERT_EQ(g.conn[2], TT_CONN_AEAD | 600, "its own socket");
	ASSERT_EQ(g.pos[2], 0, "at its base");
	/* held records after a bind start a new round at 0 */
	ASSERT_OK(add(h, 10, 11, 0, "next"), "t11 next round");
	bind_rec(h, &g, 10, 11, 500, 7, 111, 4);
	ASSERT_EQ(g.n, 4, "next round bound");
	ASSERT_EQ(g.pos[3], 111, "continues the stream");
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.held, 4, "held");
	ASSERT_EQ(st.bound, 4, "bound");
	ASSERT_EQ(st.dropped, 0, "none dropped");
	aead_hold__free(h);
}

void test_aead_bind_lost_bind_and_exit(void)
{
	struct aead_hold *h = aead_hold__new();
	struct aead_hold_stats st;
	struct got g = { 0 };

	if (!ASSERT_OK_PTR(h, "new"))
		return;
	/* the bind of the first round was lost (ring buffer full): a record at 0 again drops the
	 * old round instead of passing it to the next socket at wrong positions */
	ASSERT_OK(add(h, 10, 11, 0, "lost round"), "old");
	ASSERT_OK(add(h, 10, 11, 0, "new"), "new round");
	bind_rec(h, &g, 10, 11, 500, 7, 40, 3);
	ASSERT_EQ(g.n, 1, "only the new round");
	ASSERT_STREQ(g.data[0], "new", "the new one");
	ASSERT_EQ(g.pos[0], 40, "at the base");
	/* records beyond what the bind covers are not placed */
	ASSERT_OK(add(h, 10, 11, 0, "abcdef"), "six bytes");
	bind_rec(h, &g, 10, 11, 500, 7, 43, 2);
	ASSERT_EQ(g.n, 1, "does not fit its bind: dropped");
	/* a process that exits with records held loses them, others keep theirs */
	ASSERT_OK(add(h, 20, 21, 0, "gone"), "pid 20");
	ASSERT_OK(add(h, 30, 31, 0, "kept"), "pid 30");
	aead_hold__drop_pid(h, 20);
	bind_rec(h, &g, 20, 21, 700, 3, 0, 4);
	ASSERT_EQ(g.n, 1, "pid 20 dropped");
	bind_rec(h, &g, 30, 31, 800, 3, 0, 4);
	ASSERT_EQ(g.n, 2, "pid 30 kept");
	ASSERT_STREQ(g.data[1], "kept", "its record");
	/* the list stays usable after removals from its middle and end */
	ASSERT_OK(add(h, 30, 31, 0, "again"), "append after");
	bind_rec(h, &g, 30, 31, 800, 3, 4, 5);
	ASSERT_EQ(g.n, 3, "appended record bound");
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.dropped, 3, "lost round, misfit, exited");
	ASSERT_EQ(st.dropped_bytes, 10 + 6 + 4, "their bytes");
	aead_hold__free(h);
}

void test_aead_bind_cap(void)
{
	struct aead_hold *h = aead_hold__new();
	struct aead_hold_stats st;
	struct tt_data *d;
	size_t n = TT_CHUNK, i, fit = AEAD_HOLD_MAX_BYTES / TT_CHUNK;
	int err = 0;

	d = calloc(1, sizeof(*d) + n);
	if (!ASSERT_OK_PTR(h, "new") || !ASSERT_OK_PTR(d, "record"))
		goto out;
	d->h.pid = 1;
	d->h.tid = 2;
	d->conn = TT_CONN_PEND | 2;
	d->len = n;
	d->src = TT_SRC_AEAD;
	/* a thread that seals and never writes: memory stops at the cap */
	for (i = 0; i < fit + 5; i++) {
		d->pos = i * n;
		d->flags = i ? 0 : TT_DF_FIRST;
		err = aead_hold__add(h, d, sizeof(*d) + n);
		if (i < fit && !ASSERT_OK(err, "under the cap"))
			goto out;
	}
	ASSERT_EQ(err, -ENOSPC, "over the cap");
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.held, fit, "held up to the cap");
	ASSERT_EQ(st.dropped, 5, "the rest dropped");
	ASSERT_EQ(aead_hold__add(h, d, sizeof(*d) + n - 1), -EINVAL, "short record refused");
out:
	free(d);
	aead_hold__free(h);
}

void test_aead_bind_positions_do_not_wrap(void)
{
	struct aead_hold *h = aead_hold__new();
	struct aead_hold_stats st;
	struct got g = { 0 };

	if (!ASSERT_OK_PTR(h, "new"))
		return;
	/* a bind whose stream positions would wrap (a crafted capture) places nothing */
	ASSERT_OK(add(h, 10, 11, 0, "abcdef"), "six bytes");
	bind_rec(h, &g, 10, 11, 500, 7, UINT64_MAX - 2, 6);
	ASSERT_EQ(g.n, 0, "base + len wraps: dropped");
	/* a record whose end wraps is not inside any bind */
	ASSERT_OK(add(h, 10, 11, UINT64_MAX - 1, "abcdef"), "end wraps");
	bind_rec(h, &g, 10, 11, 500, 7, 0, 10);
	ASSERT_EQ(g.n, 0, "pos + len wraps: dropped");
	/* the last byte of the range is still a position */
	ASSERT_OK(add(h, 10, 11, 0, "x"), "one byte");
	bind_rec(h, &g, 10, 11, 500, 7, UINT64_MAX - 1, 1);
	ASSERT_EQ(g.n, 1, "fits exactly");
	ASSERT_EQ(g.pos[0], UINT64_MAX - 1, "at its base");
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.dropped, 2, "two dropped");
	ASSERT_EQ(st.bound, 1, "one bound");
	aead_hold__free(h);
}

void test_aead_bind_record_cap(void)
{
	struct aead_hold *h = aead_hold__new();
	struct aead_hold_stats st;
	struct got g = { 0 };
	unsigned int i;
	int err = 0;

	if (!ASSERT_OK_PTR(h, "new"))
		return;
	/* empty records use no payload bytes but memory and list walks: they are counted too */
	for (i = 0; i < AEAD_HOLD_MAX_RECS + 5; i++) {
		err = add(h, 1, 2 + i % 3, 1 + i, "");
		if (i < AEAD_HOLD_MAX_RECS && !ASSERT_OK(err, "under the cap"))
			break;
	}
	ASSERT_EQ(err, -ENOSPC, "over the cap");
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.held, AEAD_HOLD_MAX_RECS, "held up to the cap");
	ASSERT_EQ(st.dropped, 5, "the rest dropped");
	/* a bind frees its thread's records (a third of them), making room again */
	bind_rec(h, &g, 1, 2, 500, 7, 0, 0);
	ASSERT_OK(add(h, 1, 3, 1, ""), "room again");
	aead_hold__drop_pid(h, 1);
	aead_hold__stats(h, &st);
	ASSERT_EQ(st.held, AEAD_HOLD_MAX_RECS + 1, "held");
	ASSERT_EQ(st.bound + st.dropped, st.held + 5, "each held record bound or dropped");
	aead_hold__free(h);
}
