/* SPDX-License-Identifier: MIT */
/* test.h: unit test assertions (kernel selftests style: named, return bool). */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * A test is `void test_<name>(void)` in tests/unit/test_<module>.c; the Makefile discovers it.
 * Every ASSERT_* names what it checks and returns true when it holds, so a failed precondition
 * reads `if (!ASSERT_OK(err, "parse")) return;`.
 */
bool tt_test_check(bool ok, const char *file, int line, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool tt_test_memeq(const void *a, size_t alen, const void *b, size_t blen, const char *file,
		   int line, const char *name);
/* Runs a named subtest when it matches the -t filter; returns false to skip it. */
bool test__start_subtest(const char *name);
/* Marks the current test skipped with a reason (not counted as passed). */
void test__skip(const char *reason);
/* Directory holding tests/fixtures (from TT_FIXTURES or the build). */
const char *test__fixtures(void);
/*
 * A path that cannot exist: NAME under a missing directory inside a fresh directory of the
 * runner's own (0700), not a shared name such as /nonexistent that another program may create
 * meanwhile. The string is the caller's (static storage, one per call site is enough: at most
 * 8 live at once).
 */
const char *test__absent_path(const char *name);
/* Reads a whole fixture file (relative to test__fixtures()); caller frees. NULL if absent. */
unsigned char *test__read_fixture(const char *rel, size_t *len);
/* Copies n bytes to the end of a fresh page followed by an unmapped page: over-reads crash. */
void *test__guarded(const void *p, size_t n);
void test__guarded_free(void *p);
/* in compressed in one go at level: wbits 31 = gzip, 15 = zlib, -15 = raw deflate; 0 = failed. */
size_t test__deflate(const void *in, size_t n, unsigned char *out, size_t cap, int level,
		     int wbits);
/* Deterministic PRNG for split-point tests. */
uint32_t test__rand(uint64_t *state);

struct tt_data;

/*
 * Split replay, the one harness for everything that reassembles captured calls: a call's bytes
 * go in as one record (whole), one record a byte (bytes), records cut at seeded random points
 * (random), or records cut at random points that each also re-send up to 5 bytes before them,
 * single bytes twice (overlap: what was received already must be dropped). Every way must
 * decode as the whole feed does.
 */
enum test_split {
	TEST_SPLIT_WHOLE = 0,
	TEST_SPLIT_BYTES,
	TEST_SPLIT_RANDOM,
	TEST_SPLIT_OVERLAP,
	TEST_SPLIT_MODES,
};
extern const char *const test__split_names[TEST_SPLIT_MODES];
/* Receives one record: a block of exactly size bytes, so ASan catches reads past its payload. */
typedef int (*test_rec_fn)(const struct tt_data *rec, size_t size, void *ctx);
/*
 * Feeds the rec->len bytes at data (the call or captured record rec describes: its header,
 * position, call_len and FIRST / LAST / TRUNCATED flags) to fn as records cut as mode says,
 * positions and flags kept consistent; seed drives the random cuts (NULL: whole or bytes).
 * Overlap reaches back at most `before` bytes before data (the caller's buffer holds them).
 * 0, or the first error fn returned (nothing is fed after it).
 */
int test__split_feed(const struct tt_data *rec, const void *data, size_t before,
		     enum test_split mode, uint64_t *seed, test_rec_fn fn, void *ctx);

/*
 * The same for parsers fed raw bytes: the n bytes at data go to fn in pieces of `piece` bytes
 * (0: seeded random lengths of 1 to max), each a guarded copy. fn returns how many bytes of its
 * piece it took, or a negative error; after a piece it did not take whole, nothing more is fed.
 * The bytes taken, or fn's error.
 */
typedef long (*test_bytes_fn)(const void *p, size_t n, void *ctx);
long test__split_bytes(const void *data, size_t n, size_t piece, size_t max, uint64_t *seed,
		       test_bytes_fn fn, void *ctx);
/* The piece of test__split_bytes that cuts as mode does (whole, bytes, random). */
static inline size_t test__split_piece(enum test_split mode)
{
	return mode == TEST_SPLIT_WHOLE ? SIZE_MAX : mode == TEST_SPLIT_BYTES ? 1 : 0;
}

/* clang-format off */
#define ASSERT_TRUE(c, name) tt_test_check(!!(c), __FILE__, __LINE__, name, "%s", #c)
#define ASSERT_FALSE(c, name) tt_test_check(!(c), __FILE__, __LINE__, name, "!(%s)", #c)
#define ASSERT_EQ(a, b, name) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);			\
	tt_test_check(___a == ___b, __FILE__, __LINE__, name,			\
		      "%s == %s: %lld != %lld", #a, #b, ___a, ___b);		\
})
#define ASSERT_NEQ(a, b, name) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);			\
	tt_test_check(___a != ___b, __FILE__, __LINE__, name,			\
		      "%s != %s: both %lld", #a, #b, ___a);			\
})
#define ASSERT_GE(a, b, name) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);			\
	tt_test_check(___a >= ___b, __FILE__, __LINE__, name,			\
		      "%s >= %s: %lld < %lld", #a, #b, ___a, ___b);		\
})
#define ASSERT_LE(a, b, name) ({						\
	long long ___a = (long long)(a), ___b = (long long)(b);			\
	tt_test_check(___a <= ___b, __FILE__, __LINE__, name,			\
		      "%s <= %s: %lld > %lld", #a, #b, ___a, ___b);		\
})
#define ASSERT_DOUBLE_EQ(a, b, name) ({						\
	double ___a = (a), ___b = (b);						\
	tt_test_check(___a - ___b < 1e-9 && ___b - ___a < 1e-9, __FILE__, __LINE__,	\
		      name, "%s == %s: %g != %g", #a, #b, ___a, ___b);		\
})
#define ASSERT_OK(err, name) ({							\
	long long ___e = (long long)(err);					\
	tt_test_check(___e == 0, __FILE__, __LINE__, name, "%s: error %lld", #err, ___e); \
})
#define ASSERT_ERR(err, name) ({						\
	long long ___e = (long long)(err);					\
	tt_test_check(___e < 0, __FILE__, __LINE__, name, "%s: %lld, want < 0", #err, ___e); \
})
#define ASSERT_OK_PTR(p, name) tt_test_check((p) != NULL, __FILE__, __LINE__, name, "%s is NULL", #p)
#define ASSERT_NULL(p, name) tt_test_check((p) == NULL, __FILE__, __LINE__, name, "%s not NULL", #p)
#define ASSERT_STREQ(a, b, name) ({						\
	const char *___a = (a), *___b = (b);					\
	tt_test_check(___a && ___b && !strcmp(___a, ___b), __FILE__, __LINE__, name, \
		      "%s == %s: \"%s\" != \"%s\"", #a, #b, ___a ? ___a : "(null)",	\
		      ___b ? ___b : "(null)");					\
})
#define ASSERT_MEMEQ(a, alen, b, blen, name)					\
	tt_test_memeq(a, alen, b, blen, __FILE__, __LINE__, name)
/* clang-format on */

#endif /* TT_TEST_H */
