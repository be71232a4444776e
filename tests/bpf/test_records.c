// SPDX-License-Identifier: MIT
/* test_records.c: the records the helpers of bpf/tt.bpf.h and bpf/tlscap.bpf.h make, read back
 * from the ring buffer: a call's bytes as tt_data chunks (data_out, emit_call), a record's
 * header (rec_reserve); and map_lookup_or_init. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "bpf_test.h"
#include "test.h"

#define MAX_RECS 40

/* The records of one run, and whether each one's payload is the source's bytes at its pos. */
struct collect {
	const __u8 *src; /* the bytes at stream position pos0 */
	__u64 pos0;
	int n;
	struct tt_data recs[MAX_RECS];
	size_t sizes[MAX_RECS];
	bool same[MAX_RECS];
};

static int collect_rec(void *ctx, void *data, size_t size)
{
	struct collect *c = ctx;
	struct tt_data *d = data;

	if (c->n >= MAX_RECS || size < sizeof(*d))
		return -E2BIG;
	c->recs[c->n] = *d;
	c->sizes[c->n] = size;
	c->same[c->n] = size == sizeof(*d) + d->len &&
			!memcmp(d->data, c->src + (d->pos - c->pos0), d->len);
	c->n++;
	return 0;
}

/* What one record of a run must hold; the rest must equal the run's. */
struct want_rec {
	__u32 len;
	__u64 off; /* from the run's first byte */
	__u8 flags;
};

static void set_run(struct helpers *s, const void *buf, __u32 len, __u32 call_len, __u8 flags)
{
	struct run_io *r = &s->bss->run_io;

	r->conn = TT_CONN_SOCK | 0x1234;
	r->buf = (uintptr_t)buf;
	r->pos = 1000000;
	r->call_len = call_len;
	r->len = len;
	r->fd = 7;
	r->dir = TT_DIR_READ;
	r->src = TT_SRC_SOCK;
	r->lib = TT_LIB_LIBRESSL; /* carried as given */
	r->flags = flags;
}

/* Checks the records collected against want[0..n). */
static void check_recs(struct helpers *s, const struct collect *c, const struct want_rec *want,
		       int n)
{
	const struct run_io *r = &s->bss->run_io;
	int i;

	if (!ASSERT_EQ(c->n, n, "records"))
		return;
	for (i = 0; i < n; i++) {
		const struct tt_data *d = &c->recs[i];

		ASSERT_EQ(d->h.type, TT_REC_DATA, "type");
		ASSERT_EQ(d->h.abi, TT_ABI_VERSION, "abi");
		ASSERT_EQ(d->h.size, c->sizes[i], "size");
		ASSERT_EQ(d->h.pid, getpid(), "pid");
		ASSERT_EQ(d->h.tid, gettid(), "tid");
		ASSERT_EQ(d->conn, r->conn, "conn");
		ASSERT_EQ(d->pos, r->pos + want[i].off, "pos");
		ASSERT_EQ(d->call_len, r->call_len, "call_len");
		ASSERT_EQ(d->len, want[i].len, "len");
		ASSERT_EQ(d->dir, r->dir, "dir");
		ASSERT_EQ(d->src, r->src, "src");
		ASSERT_EQ(d->fd, r->fd, "fd");
		ASSERT_EQ(d->flags, want[i].flags, "flags");
		ASSERT_EQ(d->lib, r->lib, "lib");
		ASSERT_TRUE(c->same[i], "payload");
	}
}

/* Runs prog on the run set in s, collecting its records. */
static bool run_collect(struct helpers *s, struct bpf_program *prog, const __u8 *src,
			struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->pos0 = s->bss->run_io.pos;
	return ASSERT_OK(bpf_test__run(prog), "run") &&
	       ASSERT_GE(bpf_test__drain(s, collect_rec, c), 0, "drain");
}

#define F TT_DF_FIRST
#define L TT_DF_LAST
#define T TT_DF_TRUNCATED
#define K TT_CHUNK

void test_data_out_run(void)
{
	static const struct {
		const char *name;
		__u32 len;
		__u8 flags;
		int n;
		struct want_rec want[4];
	} cases[] = {
		{ "small", 100, F | L, 1, { { 100, 0, F | L } } },
		{ "one_byte", 1, F | L, 1, { { 1, 0, F | L } } },
		{ "one_chunk", K, F | L, 1, { { K, 0, F | L } } },
		{ "chunk_and_a_byte", K + 1, F | L, 2, { { K, 0, F }, { 1, K, L } } },
		{ "first_iovec",
		  40000,
		  F,
		  3,
		  { { K, 0, F }, { K, K, 0 }, { 40000 - 2 * K, 2 * K, 0 } } },
		{ "last_iovec_truncated",
		  40000,
		  L | T,
		  3,
		  { { K, 0, T }, { K, K, T }, { 40000 - 2 * K, 2 * K, L | T } } },
		{ "middle_iovec", 2 * K, 0, 2, { { K, 0, 0 }, { K, K, 0 } } },
		{ "empty", 0, F | L, 0, { { 0 } } },
	};
	struct helpers *s = bpf_test__load();
	struct collect *c = calloc(1, sizeof(*c));
	__u8 *src = malloc(3 * K);
	size_t i;

	if (!s || !ASSERT_OK_PTR(c, "calloc") || !ASSERT_OK_PTR(src, "malloc"))
		goto out;
	for (i = 0; i < 3 * K; i++)
		src[i] = (__u8)(i * 7 + i / 251);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		set_run(s, src, cases[i].len, 50000, cases[i].flags);
		if (run_collect(s, s->progs.run_out, src, c))
			check_recs(s, c, cases[i].want, cases[i].n);
	}
	ASSERT_EQ(bpf_test__stat(s, TT_ST_READ_ERR), 0, "no read errors");
out:
	free(src);
	free(c);
	helpers__destroy(s);
}

/* A run whose second chunk lies on an unmapped page: its bytes are counted lost, not sent. */
void test_data_out_unreadable(void)
{
	struct helpers *s = bpf_test__load();
	struct want_rec want[] = { { K, 0, F } };
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct collect *c = calloc(1, sizeof(*c));
	__u8 *map = MAP_FAILED;

	if (!s || !ASSERT_OK_PTR(c, "calloc"))
		goto out;
	map = mmap(NULL, K + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(map != MAP_FAILED, "mmap") ||
	    !ASSERT_OK(mprotect(map + K, page, PROT_NONE), "mprotect"))
		goto out;
	memset(map, 'u', K);
	set_run(s, map, K + 100, K + 100, F | L);
	if (run_collect(s, s->progs.run_out, map, c))
		check_recs(s, c, want, 1);
	ASSERT_EQ(bpf_test__stat(s, TT_ST_READ_ERR), 1, "read errors");
	ASSERT_EQ(bpf_test__stat(s, TT_ST_LOST_BYTES), 100, "lost bytes");
	ASSERT_EQ(bpf_test__stat(s, TT_ST_LOST_RECS), 0, "lost records");
out:
	if (map != MAP_FAILED)
		munmap(map, K + page);
	free(c);
	helpers__destroy(s);
}

/*
 * A TLS call through emit_call: over the object's cfg_call_cap, its head and its last quarter
 * of the cap (TT_CALL_TAIL at most) at their own positions, every record marked.
 */
void test_emit_call(void)
{
	struct helpers *s = bpf_test__load();
	struct collect *c = calloc(1, sizeof(*c));
	struct want_rec want[MAX_RECS];
	__u32 cap, n, i, head, tail;
	__u8 *src = NULL;

	if (!s || !ASSERT_OK_PTR(c, "calloc"))
		goto out;
	cap = s->rodata->cfg_call_cap;
	n = cap + 37856;
	tail = cap / 4 < TT_CALL_TAIL ? cap / 4 : TT_CALL_TAIL;
	head = cap - tail;
	src = malloc(n);
	if (!ASSERT_OK_PTR(src, "malloc") || !ASSERT_LE(cap / K, MAX_RECS, "cap") ||
	    !ASSERT_EQ(head % K + tail % K, 0, "runs of whole chunks"))
		goto out;
	for (i = 0; i < n; i++)
		src[i] = (__u8)(i * 13 + i / 509);
	if (test__start_subtest("small")) {
		want[0] = (struct want_rec){ 3000, 0, F | L };
		set_run(s, src, 0, 3000, 0);
		if (run_collect(s, s->progs.call_out, src, c))
			check_recs(s, c, want, 1);
	}
	if (test__start_subtest("at_the_cap")) {
		for (i = 0; i < cap / K; i++)
			want[i] = (struct want_rec){ K, (__u64)i * K, i ? 0 : F };
		want[cap / K - 1].flags |= L;
		set_run(s, src, 0, cap, 0);
		if (run_collect(s, s->progs.call_out, src, c))
			check_recs(s, c, want, cap / K);
		ASSERT_EQ(bpf_test__stat(s, TT_ST_TRUNC_CALLS), 0, "not truncated");
	}
	if (test__start_subtest("over_the_cap")) {
		for (i = 0; i < head / K; i++)
			want[i] = (struct want_rec){ K, (__u64)i * K, T | (i ? 0 : F) };
		for (i = 0; i < tail / K; i++)
			want[head / K + i] = (struct want_rec){ K, n - tail + (__u64)i * K, T };
		want[cap / K - 1].flags |= L;
		set_run(s, src, 0, n, 0);
		if (run_collect(s, s->progs.call_out, src, c))
			check_recs(s, c, want, cap / K);
		ASSERT_EQ(bpf_test__stat(s, TT_ST_TRUNC_CALLS), 1, "truncated calls");
		ASSERT_EQ(bpf_test__stat(s, TT_ST_TRUNC_BYTES), n - cap, "truncated bytes");
	}
out:
	free(src);
	free(c);
	helpers__destroy(s);
}

static int take_one(void *ctx, void *data, size_t size)
{
	if (size == sizeof(struct tt_conn_ev))
		memcpy(ctx, data, size);
	return 0;
}

void test_rec_reserve(void)
{
	struct helpers *s = bpf_test__load();
	struct tt_conn_ev e = { 0 };
	struct timespec t0, t1;
	char comm[TT_COMM_LEN] = "";

	if (!s)
		return;
	s->bss->rec_type = TT_REC_CLOSE;
	if (!ASSERT_OK(prctl(PR_GET_NAME, comm), "comm") ||
	    !ASSERT_OK(clock_gettime(CLOCK_BOOTTIME, &t0), "clock") ||
	    !ASSERT_OK(bpf_test__run(s->progs.rec_out), "run") ||
	    !ASSERT_OK(clock_gettime(CLOCK_BOOTTIME, &t1), "clock") ||
	    !ASSERT_EQ(bpf_test__drain(s, take_one, &e), 1, "one record"))
		goto out;
	ASSERT_EQ(e.h.type, TT_REC_CLOSE, "type");
	ASSERT_EQ(e.h.abi, TT_ABI_VERSION, "abi");
	ASSERT_EQ(e.h.size, sizeof(e), "size");
	ASSERT_EQ(e.h.pid, getpid(), "pid");
	ASSERT_EQ(e.h.tid, gettid(), "tid");
	ASSERT_STREQ(e.h.comm, comm, "comm");
	ASSERT_GE(e.h.ts_ns, t0.tv_sec * 1000000000ull + t0.tv_nsec, "ts after");
	ASSERT_LE(e.h.ts_ns, t1.tv_sec * 1000000000ull + t1.tv_nsec, "ts before");
	ASSERT_EQ(bpf_test__stat(s, TT_ST_LOST_RECS), 0, "lost records");
out:
	helpers__destroy(s);
}

/* Runs lookup_init on key with init; the value it found or added, -1 when it found none. */
static long long lookup_init(struct helpers *s, __u32 key, __u64 init)
{
	int ret;

	s->bss->init_io.key = key;
	s->bss->init_io.init = init;
	s->bss->init_io.got = ~0ull;
	ret = bpf_test__run(s->progs.lookup_init);
	if (!ASSERT_GE(ret, 0, "run"))
		return -2;
	return ret ? -1 : (long long)s->bss->init_io.got;
}

void test_map_lookup_or_init(void)
{
	struct helpers *s = bpf_test__load();

	if (!s)
		return;
	ASSERT_EQ(lookup_init(s, 1, 40), 40, "added with init");
	ASSERT_EQ(lookup_init(s, 1, 99), 41, "found: init ignored");
	ASSERT_EQ(lookup_init(s, 2, 7), 7, "another key");
	ASSERT_EQ(lookup_init(s, 3, 0), 0, "third");
	ASSERT_EQ(lookup_init(s, 4, 0), 0, "fourth: the map is full");
	ASSERT_EQ(lookup_init(s, 5, 0), -1, "full map: NULL");
	ASSERT_EQ(lookup_init(s, 1, 0), 42, "the first still there");
	helpers__destroy(s);
}
