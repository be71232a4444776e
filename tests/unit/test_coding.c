// SPDX-License-Identifier: MIT
/* test_coding.c: content-coding decoders (gzip, deflate, br, zstd, the libdeflate path). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "coding.h"
#include "test.h"

static size_t br_encode(const void *in, size_t n, unsigned char *out, size_t cap)
{
	size_t len = cap;

	if (!BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, n, in, &len, out))
		return 0;
	return len;
}

static size_t zstd_encode(const void *in, size_t n, unsigned char *out, size_t cap)
{
	size_t r = ZSTD_compress(out, cap, in, n, 3);

	return ZSTD_isError(r) ? 0 : r;
}

static int collect(const void *p, size_t n, void *ctx)
{
	return tt_buf_add(ctx, p, n);
}

struct coding_run {
	struct coding_dec *d;
	struct tt_buf *out;
};

/* A test__split_bytes receiver: the piece goes to the decoder. */
static long coding_piece(const void *p, size_t n, void *ctx)
{
	struct coding_run *r = ctx;
	int err = coding_dec__feed(r->d, p, n, collect, r->out);

	return err ? err : (long)n;
}

/*
 * Decodes len bytes in pieces of `piece` bytes (0: random, 1 to rnd_max), each behind a guard
 * page; libdeflate takes gzip pieces of at least fast_min bytes (0: the default). Returns the
 * first feed error; *finish: the end's; *fast (if not NULL): coded bytes libdeflate decoded.
 */
static int decode_pieces(const char *enc, const unsigned char *in, size_t len, size_t piece,
			 size_t rnd_max, size_t fast_min, size_t max, struct tt_buf *out,
			 int *finish, uint64_t *fast)
{
	struct coding_run r = { .d = coding_dec__new(enc, max), .out = out };
	struct coding_dec *d = r.d;
	uint64_t seed = 99;
	long err;

	if (!d)
		return -errno;
	if (fast_min)
		coding_dec__set_fast_min(d, fast_min);
	err = test__split_bytes(in, len, piece, rnd_max, &seed, coding_piece, &r);
	*finish = coding_dec__finish(d);
	if (fast)
		*fast = coding_dec__fast_bytes(d);
	coding_dec__free(d);
	return err < 0 ? (int)err : 0;
}

/* Decodes in split how (an enum test_split: whole, bytes, random); returns the feed error. */
static int decode(const char *enc, const unsigned char *in, size_t len, int how, size_t max,
		  struct tt_buf *out, int *finish)
{
	return decode_pieces(enc, in, len, test__split_piece(how), 500, 0, max, out, finish, NULL);
}

/*
 * Decodes len bytes in two feeds cut at k: the first feed error (no second feed after one),
 * *finish the end's, *fast (if not NULL) the coded bytes libdeflate decoded.
 */
static int decode_cut(const char *enc, const unsigned char *in, size_t len, size_t k, size_t max,
		      struct tt_buf *out, int *finish, uint64_t *fast)
{
	struct coding_dec *d = coding_dec__new(enc, max);
	int err;

	if (!d)
		return -errno;
	err = coding_dec__feed(d, in, k, collect, out);
	if (!err)
		err = coding_dec__feed(d, in + k, len - k, collect, out);
	*finish = coding_dec__finish(d);
	if (fast)
		*fast = coding_dec__fast_bytes(d);
	coding_dec__free(d);
	return err;
}

static unsigned char *sample(size_t *n)
{
	struct tt_buf b;
	int i;

	tt_buf_init(&b, 1 << 20);
	for (i = 0; i < 2000; i++)
		tt_buf_printf(&b, "{\"index\":%d,\"text\":\"token %d of the answer\"}\n", i, i * 7);
	return (unsigned char *)tt_buf_steal(&b, n);
}

void test_coding_decode(void)
{
	static const char *splits[] = { "whole", "bytes", "random" };
	size_t n, cap = 1 << 20, len, l2;
	unsigned char *plain = sample(&n), *enc = malloc(cap), *tmp = malloc(cap);
	struct {
		const char *name;
		const char *ce;
	} cases[] = {
		{ "gzip", "gzip" },
		{ "x-gzip", "X-Gzip" },
		{ "deflate-zlib", "deflate" },
		{ "deflate-raw", "deflate" },
		{ "br", "br" },
		{ "zstd", "zstd" },
		{ "stacked", "gzip, br" },
		{ "identity", "identity" },
		{ "gzip-members", "gzip" },
	};
	size_t i;
	int how;

	if (!ASSERT_OK_PTR(plain, "sample") || !ASSERT_OK_PTR(enc, "enc") ||
	    !ASSERT_OK_PTR(tmp, "tmp"))
		goto out;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *c = cases[i].name;

		if (!strcmp(c, "gzip") || !strcmp(c, "x-gzip"))
			len = test__deflate(plain, n, enc, cap, 6, 31);
		else if (!strcmp(c, "deflate-zlib"))
			len = test__deflate(plain, n, enc, cap, 6, 15);
		else if (!strcmp(c, "deflate-raw"))
			len = test__deflate(plain, n, enc, cap, 6, -15);
		else if (!strcmp(c, "br"))
			len = br_encode(plain, n, enc, cap);
		else if (!strcmp(c, "zstd"))
			len = zstd_encode(plain, n, enc, cap);
		else if (!strcmp(c, "stacked")) {
			l2 = test__deflate(plain, n, tmp, cap, 6, 31);
			len = br_encode(tmp, l2, enc, cap);
		} else if (!strcmp(c, "gzip-members")) {
			len = test__deflate(plain, n / 2, enc, cap, 6, 31);
			len += test__deflate(plain + n / 2, n - n / 2, enc + len, cap - len, 6, 31);
		} else {
			memcpy(enc, plain, n);
			len = n;
		}
		if (!ASSERT_NEQ(len, 0, c))
			continue;
		for (how = 0; how < 3; how++) {
			struct tt_buf out;
			int fin;

			if (!test__start_subtest(c))
				continue;
			tt_buf_init(&out, 2 << 20);
			ASSERT_OK(decode(cases[i].ce, enc, len, how, 2 << 20, &out, &fin),
				  splits[how]);
			ASSERT_OK(fin, "finish");
			ASSERT_MEMEQ(out.data, out.len, plain, n, splits[how]);
			tt_buf_free(&out);
		}
	}
out:
	free(plain);
	free(enc);
	free(tmp);
}

void test_coding_errors(void)
{
	static const unsigned char junk[] = "this is not gzip at all, not even close";
	size_t n, cap = 1 << 20, len;
	unsigned char *plain = sample(&n), *enc = malloc(cap);
	struct tt_buf out;
	int fin;

	tt_buf_init(&out, 2 << 20);
	ASSERT_EQ(decode("gzip", junk, sizeof(junk) - 1, 0, 1 << 20, &out, &fin), -EBADMSG,
		  "corrupt gzip");
	ASSERT_EQ(decode("br", junk, sizeof(junk) - 1, 0, 1 << 20, &out, &fin), -EBADMSG,
		  "corrupt br");
	ASSERT_EQ(decode("zstd", junk, sizeof(junk) - 1, 0, 1 << 20, &out, &fin), -EBADMSG,
		  "corrupt zstd");
	ASSERT_EQ(decode("compress", junk, 4, 0, 1 << 20, &out, &fin), -EOPNOTSUPP, "unknown");
	ASSERT_EQ(decode("gzip, gzip, gzip, gzip, gzip", junk, 4, 0, 1 << 20, &out, &fin), -E2BIG,
		  "too many codings");
	/* A stream cut short decodes what it has and says so at the end. */
	len = test__deflate(plain, n, enc, cap, 6, 31);
	tt_buf_reset(&out);
	ASSERT_OK(decode("gzip", enc, len / 2, 1, 1 << 20, &out, &fin), "half a gzip stream");
	ASSERT_EQ(fin, -ENODATA, "truncated stream");
	ASSERT_TRUE(out.len > 0 && out.len < n && !memcmp(out.data, plain, out.len), "prefix");
	/* Trailing garbage after a deflate stream. */
	len = test__deflate(plain, 100, enc, cap, 6, 15);
	memcpy(enc + len, "junk", 4);
	ASSERT_EQ(decode("deflate", enc, len + 4, 0, 1 << 20, &out, &fin), -EBADMSG,
		  "garbage after deflate");
	tt_buf_free(&out);
	free(plain);
	free(enc);
}

/*
 * gzip's CRC-32 and length are checked by coding.c, not by zlib: a member with a wrong trailer
 * is corrupt however its bytes arrive, and right ones (two members, the second split from the
 * first at every byte) decode to the exact input.
 */
void test_coding_gzip_trailer(void)
{
	static const char *const what[] = { "crc", "isize" };
	size_t n, cap = 1 << 20, len, l1, k;
	unsigned char *plain = sample(&n), *enc = malloc(cap);
	struct tt_buf out;
	int fin, how, i;

	tt_buf_init(&out, 2 << 20);
	if (!ASSERT_OK_PTR(enc, "alloc"))
		goto out;
	len = test__deflate(plain, n, enc, cap, 6, 31);
	for (i = 0; i < 2; i++) {
		for (how = 0; how < 3; how++) {
			enc[len - 8 + 4 * i] ^= 0x01;
			tt_buf_reset(&out);
			ASSERT_EQ(decode("gzip", enc, len, how, 1 << 20, &out, &fin), -EBADMSG,
				  what[i]);
			ASSERT_EQ(out.len, n, "output before the trailer");
			ASSERT_EQ(fin, -EBADMSG, "finish reports it");
			enc[len - 8 + 4 * i] ^= 0x01;
		}
	}
	/* member 1: 100 bytes (CRC by the table), member 2: all of it (by folding) */
	l1 = test__deflate(plain, 100, enc, cap, 6, 31);
	len = l1 + test__deflate(plain, n, enc + l1, cap - l1, 6, 31);
	for (k = l1 - 8; k <= l1 + 2; k++) {
		tt_buf_reset(&out);
		ASSERT_OK(decode_cut("gzip", enc, len, k, 1 << 20, &out, &fin, NULL), "two parts");
		ASSERT_OK(fin, "finish");
		if (!ASSERT_EQ(out.len, 100 + n, "both members") ||
		    !ASSERT_MEMEQ(out.data, 100, plain, 100, "member 1") ||
		    !ASSERT_MEMEQ(out.data + 100, n, plain, n, "member 2"))
			break;
	}
	tt_buf_reset(&out);
	ASSERT_OK(decode("gzip", enc, len, 1, 1 << 20, &out, &fin), "members byte by byte");
	ASSERT_OK(fin, "members complete");
	ASSERT_EQ(out.len, 100 + n, "members length");
out:
	tt_buf_free(&out);
	free(plain);
	free(enc);
}

void test_coding_bomb(void)
{
	size_t zeros = 64u << 20, cap = 1 << 20, len;
	unsigned char *plain = calloc(1, zeros), *enc = malloc(cap);
	struct tt_buf out;
	int fin;

	if (!ASSERT_OK_PTR(plain, "alloc") || !ASSERT_OK_PTR(enc, "alloc"))
		goto out;
	len = test__deflate(plain, zeros, enc, cap, 6, 31);
	if (!ASSERT_TRUE(len > 0 && len < 200000, "bomb is small"))
		goto out;
	tt_buf_init(&out, 2 << 20);
	ASSERT_EQ(decode("gzip", enc, len, 2, 1 << 20, &out, &fin), -E2BIG, "cap reached");
	ASSERT_EQ(out.len, 1 << 20, "output cut at the cap");
	ASSERT_OK(fin, "finish after cap");
	tt_buf_free(&out);
out:
	free(plain);
	free(enc);
}

/*
 * A gzip stream flushed after every event (Z_SYNC_FLUSH), as streaming servers send it: level
 * 0 (stored blocks, so the event text itself holds 00 00 ff ff) or 6. *bounds receives the end
 * of each flush in the coded stream.
 */
static size_t flushed_gzip(const unsigned char *plain, size_t n, size_t ev, int level,
			   unsigned char *out, size_t cap, size_t *bounds, size_t *nb)
{
	z_stream z = { 0 };
	size_t off = 0, k;
	int r;

	*nb = 0;
	if (deflateInit2(&z, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	do {
		k = n - off < ev ? n - off : ev;
		z.next_in = (unsigned char *)plain + off;
		z.avail_in = (uInt)k;
		off += k;
		r = deflate(&z, off == n ? Z_FINISH : Z_SYNC_FLUSH);
		bounds[(*nb)++] = cap - z.avail_out;
	} while (off < n && r == Z_OK);
	deflateEnd(&z);
	return r == Z_STREAM_END ? cap - z.avail_out : 0;
}

/* Events whose text carries 00 00 ff ff: a stored block with the flush marker inside it. */
static unsigned char *marked_sample(size_t *n)
{
	unsigned char *p = sample(n);
	size_t i;

	for (i = 100; p && i + 4 < *n; i += 997)
		memcpy(p + i, "\0\0\xff\xff", 4);
	return p;
}

/* gzip in pieces of `piece` bytes (0: random up to 40000), libdeflate from fast_min bytes. */
static int decode_fast(const unsigned char *in, size_t len, size_t piece, size_t fast_min,
		       size_t max, struct tt_buf *out, int *finish, uint64_t *fast)
{
	return decode_pieces("gzip", in, len, piece, 40000, fast_min, max, out, finish, fast);
}

/*
 * libdeflate decodes the pieces of a flushed gzip stream that reach a flush (coding.c, "fast
 * path"): the output is the same bytes as zlib's whatever the pieces, and it is really taken.
 */
void test_coding_gzip_fast(void)
{
	static const size_t pieces[] = { 16384, 4096, 65536, 0, 1 << 20 };
	size_t n, cap = 4 << 20, len, nb, i, *bounds = malloc(20000 * sizeof(size_t));
	unsigned char *plain = sample(&n), *enc = malloc(cap);
	struct tt_buf out;
	uint64_t fast;
	int fin, level;
	char name[64];

	tt_buf_init(&out, 4 << 20);
	if (!ASSERT_OK_PTR(plain, "sample") || !ASSERT_OK_PTR(enc, "alloc") ||
	    !ASSERT_OK_PTR(bounds, "alloc"))
		goto out;
	for (level = 0; level <= 6; level += 6) {
		free(plain);
		plain = level ? sample(&n) : marked_sample(&n);
		len = flushed_gzip(plain, n, 47, level, enc, cap, bounds, &nb);
		if (!ASSERT_TRUE(len > 0 && nb > 1000, "flushed stream"))
			goto out;
		for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
			snprintf(name, sizeof(name), "level %d pieces %zu", level, pieces[i]);
			tt_buf_reset(&out);
			ASSERT_OK(decode_fast(enc, len, pieces[i], 2048, cap, &out, &fin, &fast),
				  name);
			ASSERT_OK(fin, name);
			ASSERT_MEMEQ(out.data, out.len, plain, n, name);
			/* all but the gzip header, the first piece's head and the last block */
			ASSERT_TRUE(fast > len / 2, name);
		}
		/* every piece, however short, may go to libdeflate */
		tt_buf_reset(&out);
		ASSERT_OK(decode_fast(enc, len, 0, 1, cap, &out, &fin, &fast), "fast_min 1");
		ASSERT_OK(fin, "fast_min 1 finish");
		ASSERT_MEMEQ(out.data, out.len, plain, n, "fast_min 1");
		/* byte pieces and a disabled fast path: zlib alone, the same bytes */
		tt_buf_reset(&out);
		ASSERT_OK(decode_fast(enc, len, 1, 2048, cap, &out, &fin, &fast), "bytes");
		ASSERT_EQ(fast, 0, "bytes: zlib alone");
		ASSERT_MEMEQ(out.data, out.len, plain, n, "bytes");
		tt_buf_reset(&out);
		ASSERT_OK(decode_fast(enc, len, 16384, SIZE_MAX, cap, &out, &fin, &fast), "off");
		ASSERT_EQ(fast, 0, "off: zlib alone");
		ASSERT_MEMEQ(out.data, out.len, plain, n, "off");
	}
	/* pieces cut exactly at the flushes, 200 flushes each */
	{
		struct coding_dec *d = coding_dec__new("gzip", cap);
		size_t from = 0, to;

		if (!ASSERT_OK_PTR(d, "new"))
			goto out;
		tt_buf_reset(&out);
		for (i = 199; from < len; i += 200) {
			to = i < nb ? bounds[i] : len;
			if (!ASSERT_OK(coding_dec__feed(d, enc + from, to - from, collect, &out),
				       "flush pieces"))
				break;
			from = to;
		}
		ASSERT_OK(coding_dec__finish(d), "flush pieces finish");
		ASSERT_TRUE(coding_dec__fast_bytes(d) > len / 2, "flush pieces fast");
		ASSERT_MEMEQ(out.data, out.len, plain, n, "flush pieces");
		coding_dec__free(d);
	}
out:
	tt_buf_free(&out);
	free(plain);
	free(enc);
	free(bounds);
}

/*
 * After libdeflate, zlib goes on as a raw inflater and coding.c reads the member's trailer: two
 * members cut at every byte around the first trailer, and wrong trailers.
 */
void test_coding_gzip_fast_members(void)
{
	static const char *const what[] = { "crc", "isize" };
	size_t n, cap = 4 << 20, l1, len, nb, k, *bounds = malloc(20000 * sizeof(size_t));
	unsigned char *plain = sample(&n), *enc = malloc(cap);
	struct tt_buf out;
	uint64_t fast;
	int fin, i, err;

	tt_buf_init(&out, 4 << 20);
	if (!ASSERT_OK_PTR(plain, "sample") || !ASSERT_OK_PTR(enc, "alloc") ||
	    !ASSERT_OK_PTR(bounds, "alloc"))
		goto out;
	l1 = flushed_gzip(plain, n, 60, 6, enc, cap, bounds, &nb);
	len = l1 + flushed_gzip(plain, n / 3, 60, 6, enc + l1, cap - l1, bounds, &nb);
	if (!ASSERT_TRUE(l1 > 20000 && len > l1, "two members"))
		goto out;
	for (k = l1 - 10; k <= l1 + 2; k++) {
		tt_buf_reset(&out);
		ASSERT_OK(decode_cut("gzip", enc, len, k, cap, &out, &fin, &fast), "cut");
		ASSERT_OK(fin, "finish");
		ASSERT_TRUE(fast > l1 / 2, "member 1 by libdeflate");
		if (!ASSERT_EQ(out.len, n + n / 3, "both members") ||
		    !ASSERT_MEMEQ(out.data, n, plain, n, "member 1") ||
		    !ASSERT_MEMEQ(out.data + n, n / 3, plain, n / 3, "member 2"))
			break;
	}
	for (i = 0; i < 2; i++) {
		enc[l1 - 8 + 4 * i] ^= 0x10;
		tt_buf_reset(&out);
		err = decode_fast(enc, len, 16384, 2048, cap, &out, &fin, &fast);
		ASSERT_EQ(err, -EBADMSG, what[i]);
		ASSERT_TRUE(fast > 0, what[i]);
		ASSERT_EQ(out.len, n, what[i]); /* member 1 whole, nothing after its trailer */
		enc[l1 - 8 + 4 * i] ^= 0x10;
	}
out:
	tt_buf_free(&out);
	free(plain);
	free(enc);
	free(bounds);
}

/* Truncated, corrupt and bomb streams on the libdeflate path end as on zlib's. */
void test_coding_gzip_fast_errors(void)
{
	size_t n, cap = 4 << 20, len, nb, zeros = 64u << 20,
		  *bounds = malloc(20000 * sizeof(size_t));
	unsigned char *plain = sample(&n), *enc = malloc(cap), *big = NULL;
	struct tt_buf out;
	uint64_t fast;
	int fin, err;

	tt_buf_init(&out, 4 << 20);
	if (!ASSERT_OK_PTR(plain, "sample") || !ASSERT_OK_PTR(enc, "alloc") ||
	    !ASSERT_OK_PTR(bounds, "alloc"))
		goto out;
	len = flushed_gzip(plain, n, 80, 6, enc, cap, bounds, &nb);
	if (!ASSERT_NEQ(len, 0, "stream"))
		goto out;
	/* cut at 70 %: a prefix of the text, and the end is missing */
	ASSERT_OK(decode_fast(enc, len * 7 / 10, 16384, 2048, cap, &out, &fin, &fast), "cut");
	ASSERT_EQ(fin, -ENODATA, "cut: finish");
	ASSERT_TRUE(fast > 0, "cut: fast");
	ASSERT_TRUE(out.len > n / 2 && out.len < n && !memcmp(out.data, plain, out.len),
		    "cut: prefix");
	/* 16 bytes overwritten at 60 %: an error, never a clean end */
	memset(enc + len * 6 / 10, 0xaa, 16);
	tt_buf_reset(&out);
	err = decode_fast(enc, len, 16384, 2048, cap, &out, &fin, &fast);
	ASSERT_TRUE(err == -EBADMSG || fin == -EBADMSG, "corrupt: error");
	/* zeros flushed every 8 MiB: 16 KiB pieces inflate past the cap */
	big = calloc(1, zeros);
	if (!ASSERT_OK_PTR(big, "alloc"))
		goto out;
	len = flushed_gzip(big, zeros, 8u << 20, 6, enc, cap, bounds, &nb);
	if (!ASSERT_TRUE(len > 0 && len < 200000, "bomb is small"))
		goto out;
	tt_buf_reset(&out);
	ASSERT_EQ(decode_fast(enc, len, 16384, 2048, 1 << 20, &out, &fin, &fast), -E2BIG, "bomb");
	ASSERT_EQ(out.len, 1 << 20, "bomb: cut at the cap");
	ASSERT_OK(fin, "bomb: finish");
	/* zeros flushed every 64 KiB: libdeflate decodes them, the cap still holds */
	len = flushed_gzip(big, 4u << 20, 65536, 6, enc, cap, bounds, &nb);
	tt_buf_reset(&out);
	ASSERT_EQ(decode_fast(enc, len, 1024, 1, 1 << 20, &out, &fin, &fast), -E2BIG, "bomb 2");
	ASSERT_EQ(out.len, 1 << 20, "bomb 2: cut at the cap");
	ASSERT_TRUE(fast > 0, "bomb 2: fast");
out:
	tt_buf_free(&out);
	free(plain);
	free(enc);
	free(big);
	free(bounds);
}

/*
 * zstd frames split at every byte decode the same; a frame of zstd's pre-1.0 format (magic
 * 0xfd2fb527) and a frame naming a dictionary are refused however they are split (libzstd
 * decoded or failed each by where it was split; found by fuzz_body).
 */
void test_coding_zstd_frames(void)
{
	static const unsigned char bad[][20] = {
		{ 0x27, 0xb5, 0x2f, 0xfd, 0x04, 0x02, 0, 0, 0 },
		{ 0x28, 0xb5, 0x2f, 0xfd, 0x51, 0x2a, 0x4d, 0x18, 0x08, 0,
		  0,	0,    0x28, 0xb5, 0x2f, 0xfd, 0,    0,	  0x31, 0x04 },
	};
	static const size_t bad_len[] = { 9, 20 };
	size_t b;
	unsigned char enc[256];
	size_t l1, len, k;
	struct tt_buf out;
	int fin;

	tt_buf_init(&out, 1 << 20);
	l1 = zstd_encode("hello, ", 7, enc, sizeof(enc));
	len = l1 + zstd_encode("world", 5, enc + l1, sizeof(enc) - l1);
	if (!ASSERT_TRUE(l1 > 0 && len > l1, "two frames"))
		goto out;
	for (k = 0; k <= len; k++) {
		tt_buf_reset(&out);
		ASSERT_OK(decode_cut("zstd", enc, len, k, 1 << 20, &out, &fin, NULL), "two parts");
		ASSERT_OK(fin, "finish");
		if (!ASSERT_MEMEQ(out.data, out.len, "hello, world", 12, "frames"))
			break;
	}
	for (b = 0; b < 2; b++) {
		for (k = 0; k <= bad_len[b]; k++)
			ASSERT_EQ(decode_cut("zstd", bad[b], bad_len[b], k, 1 << 20, &out, &fin,
					     NULL),
				  -EBADMSG, b ? "dictionary frame" : "legacy frame");
	}
	/* two bytes of a next frame: the stream did not end */
	memcpy(enc + len, enc, 2);
	tt_buf_reset(&out);
	ASSERT_OK(decode("zstd", enc, len + 2, 1, 1 << 20, &out, &fin), "partial magic");
	ASSERT_EQ(fin, -ENODATA, "partial magic: finish");
out:
	tt_buf_free(&out);
}
