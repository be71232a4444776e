// SPDX-License-Identifier: MIT
/* runner.c: runs the discovered unit tests; -t NAME[/SUB] filters, -v shows all logs. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "buf.h"
#include "log.h"
#include "test.h"
#include "tt_abi.h"

/* The name on the closing line, which tests/run.sh reads: the BPF tests build this runner too. */
#ifndef TEST_SUITE
#define TEST_SUITE "unit"
#endif

#define DEFINE_TEST(name) void test_##name(void);
#include "tests.inc"
#undef DEFINE_TEST

struct test_def {
	const char *name;
	void (*fn)(void);
};

#define DEFINE_TEST(name) { #name, test_##name },
static const struct test_def tests[] = {
#include "tests.inc"
};
#undef DEFINE_TEST

static struct {
	const char *filter;	/* test name glob */
	const char *sub_filter; /* subtest name glob */
	bool verbose;
	const char *cur_test;
	const char *cur_sub;
	bool failed;
	bool skipped;
	char skip_reason[256];
	struct tt_buf log;
	int sub_pass, sub_fail;
} env;

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	va_list ap;
	char line[2048];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	tt_buf_addstr(&env.log, line);
	if (env.verbose)
		fputs(line, stdout);
}

static void log_sink(enum tt_log_level level, const char *line, void *ctx)
{
	(void)ctx;
	log_line("  log(%d): %s\n", level, line);
}

bool tt_test_check(bool ok, const char *file, int line, const char *name, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env.failed = true;
	log_line("  %s:%d: FAIL %s%s%s: %s\n", file, line, env.cur_sub ? env.cur_sub : "",
		 env.cur_sub ? "/" : "", name, msg);
	return false;
}

bool tt_test_memeq(const void *a, size_t alen, const void *b, size_t blen, const char *file,
		   int line, const char *name)
{
	const unsigned char *x = a, *y = b;
	size_t i, n = alen < blen ? alen : blen;

	if (alen == blen && (!n || !memcmp(a, b, n)))
		return true;
	for (i = 0; i < n && x[i] == y[i]; i++)
		;
	return tt_test_check(false, file, line, name,
			     "bytes differ: len %zu vs %zu, first difference at %zu", alen, blen,
			     i);
}

bool test__start_subtest(const char *name)
{
	if (env.sub_filter && fnmatch(env.sub_filter, name, 0))
		return false;
	env.cur_sub = name;
	return true;
}

void test__skip(const char *reason)
{
	env.skipped = true;
	snprintf(env.skip_reason, sizeof(env.skip_reason), "%s", reason);
}

const char *test__fixtures(void)
{
	const char *dir = getenv("TT_FIXTURES");

	return dir ? dir : "tests/fixtures";
}

unsigned char *test__read_fixture(const char *rel, size_t *len)
{
	char path[1024];
	unsigned char *data = NULL;
	long n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test__fixtures(), rel);
	f = fopen(path, "rb");
	if (!f) {
		log_line("  fixture %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
		goto out;
	}
	if (data) {
		data[n] = 0;
		*len = (size_t)n;
	}
out:
	fclose(f);
	return data;
}

/* Live guarded mappings: few at a time, so a small table is enough. */
static struct {
	void *data;
	void *base;
	size_t size;
} guarded[64];

void *test__guarded(const void *p, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (n + page - 1) / page * page;
	unsigned char *base;
	size_t i;

	for (i = 0; i < 64 && guarded[i].data; i++)
		;
	if (i == 64)
		abort();
	base = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED || mprotect(base + span, page, PROT_NONE))
		abort();
	if (n)
		memcpy(base + span - n, p, n);
	guarded[i].data = base + span - n;
	guarded[i].base = base;
	guarded[i].size = span + page;
	return guarded[i].data;
}

void test__guarded_free(void *p)
{
	size_t i;

	for (i = 0; p && i < 64; i++) {
		if (guarded[i].data == p) {
			munmap(guarded[i].base, guarded[i].size);
			guarded[i].data = NULL;
			return;
		}
	}
}

uint32_t test__rand(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

const char *const test__split_names[TEST_SPLIT_MODES] = { "whole", "bytes", "random", "overlap" };

#define SPLIT_MAX_PIECE 64 /* random cuts: 1 to 64 bytes */
#define SPLIT_MAX_BACK	5  /* overlap: bytes re-sent before a piece */
#define DF_EDGES	(TT_DF_FIRST | TT_DF_LAST | TT_DF_TRUNCATED)

/* One record of n bytes at position pos of rec's stream, in a block of exactly its size. */
static int split_emit(const struct tt_data *rec, uint64_t pos, const unsigned char *p, size_t n,
		      uint8_t flags, test_rec_fn fn, void *ctx)
{
	size_t size = sizeof(*rec) + n;
	struct tt_data *r = malloc(size);
	int err;

	if (!r)
		return -ENOMEM;
	memcpy(r, rec, sizeof(*r));
	r->h.size = (uint32_t)size;
	r->pos = pos;
	r->len = (uint32_t)n;
	r->flags = flags;
	memcpy(r->data, p, n);
	err = fn(r, size, ctx);
	free(r);
	return err;
}

/* A random cut's length with left bytes to go: 1 to max. */
static size_t split_random(size_t left, size_t max, uint64_t *seed)
{
	return 1 + test__rand(seed) % (left < max ? left : max);
}

int test__split_feed(const struct tt_data *rec, const void *data, size_t before,
		     enum test_split mode, uint64_t *seed, test_rec_fn fn, void *ctx)
{
	const unsigned char *p = data;
	uint8_t inner = rec->flags & ~DF_EDGES, fl;
	size_t len = rec->len, k, n, back;
	int err = 0;

	if (!len) /* a record of no bytes still carries its flags */
		return split_emit(rec, rec->pos, p, 0, rec->flags, fn, ctx);
	for (k = 0; k < len && !err; k += n) {
		n = len - k;
		if (mode == TEST_SPLIT_BYTES)
			n = 1;
		else if (mode != TEST_SPLIT_WHOLE)
			n = split_random(n, SPLIT_MAX_PIECE, seed);
		back = mode == TEST_SPLIT_OVERLAP ? test__rand(seed) % (SPLIT_MAX_BACK + 1) : 0;
		if (back > before + k)
			back = before + k;
		/* as bpf/tt.bpf.h's data_out: every record of a truncated call says so */
		fl = inner | (k ? 0 : rec->flags & TT_DF_FIRST) |
		     (k + n == len ? rec->flags & TT_DF_LAST : 0) | (rec->flags & TT_DF_TRUNCATED);
		err = split_emit(rec, rec->pos + k - back, p + k - back, n + back, fl, fn, ctx);
		if (!err && mode == TEST_SPLIT_OVERLAP && n == 1) /* and an exact duplicate */
			err = split_emit(rec, rec->pos + k, p + k, 1, inner, fn, ctx);
	}
	return err;
}

long test__split_bytes(const void *data, size_t n, size_t piece, size_t max, uint64_t *seed,
		       test_bytes_fn fn, void *ctx)
{
	const unsigned char *p = data;
	size_t off = 0, k;
	long took = 0;
	void *g;

	while (off < n) {
		k = piece ? (n - off < piece ? n - off : piece) : split_random(n - off, max, seed);
		g = test__guarded(p + off, k);
		took = fn(g, k, ctx);
		test__guarded_free(g);
		if (took < 0)
			return took;
		off += (size_t)took;
		if ((size_t)took < k)
			break;
	}
	return (long)off;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-l] [-t NAME[/SUBTEST]]  (globs allowed)\n", prog);
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0, skip = 0, opt;
	bool list = false;
	char *slash;
	size_t i;

	while ((opt = getopt(argc, argv, "vlt:h")) != -1) {
		switch (opt) {
		case 'v':
			env.verbose = true;
			break;
		case 'l':
			list = true;
			break;
		case 't':
			env.filter = optarg;
			slash = strchr(optarg, '/');
			if (slash) {
				*slash = '\0';
				env.sub_filter = slash + 1;
			}
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	tt_buf_init(&env.log, 16u << 20);
	tt_log_set_sink(log_sink, NULL);
	tt_log_set_level(TT_LOG_DEBUG);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test_def *t = &tests[i];

		if (env.filter && fnmatch(env.filter, t->name, 0))
			continue;
		if (list) {
			printf("%s\n", t->name);
			continue;
		}
		env.cur_test = t->name;
		env.cur_sub = NULL;
		env.failed = false;
		env.skipped = false;
		tt_buf_reset(&env.log);
		t->fn();
		if (env.failed) {
			fail++;
			printf("#%zu %s: FAIL\n", i + 1, t->name);
			if (!env.verbose && env.log.len)
				fwrite(env.log.data, 1, env.log.len, stdout);
		} else if (env.skipped) {
			skip++;
			printf("#%zu %s: SKIP (%s)\n", i + 1, t->name, env.skip_reason);
		} else {
			pass++;
			printf("#%zu %s: OK\n", i + 1, t->name);
		}
		fflush(stdout);
	}
	tt_log_set_sink(NULL, NULL);
	tt_buf_free(&env.log);
	if (!list)
		printf(TEST_SUITE ": %d passed, %d failed, %d skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}

size_t test__deflate(const void *in, size_t n, unsigned char *out, size_t cap, int level, int wbits)
{
	z_stream z = { 0 };
	size_t len;

	if (deflateInit2(&z, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		len = 0;
	else
		len = cap - z.avail_out;
	deflateEnd(&z);
	return len;
}
