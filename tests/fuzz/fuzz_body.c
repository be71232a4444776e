// SPDX-License-Identifier: MIT
/*
 * fuzz_body.c: content-coding decoders (the first byte picks the coding) with a small cap.
 * Differential: the input is decoded twice, in halves with the libdeflate gzip path taking
 * every piece it can, and whole with zlib alone. When either ends well, both must, with the
 * same bytes; when both stop at the cap, with the same bytes up to it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coding.h"
#include "log.h"

#define CAP (1u << 20)

struct sink {
	unsigned char *p;
	size_t n;
};

static int sink(const void *p, size_t n, void *ctx)
{
	struct sink *s = ctx;

	if (n > CAP - s->n)
		abort(); /* the decoder let more than its cap through */
	memcpy(s->p + s->n, p, n);
	s->n += n;
	return 0;
}

/* The first error of the feeds, else the finish result. */
static int run(const char *coding, const uint8_t *in, size_t n, size_t split, size_t fast_min,
	       struct sink *out)
{
	struct coding_dec *d = coding_dec__new(coding, CAP);
	int err;

	if (!d)
		return 1;
	coding_dec__set_fast_min(d, fast_min);
	err = coding_dec__feed(d, in, split, sink, out);
	if (!err)
		err = coding_dec__feed(d, in + split, n - split, sink, out);
	if (!err)
		err = coding_dec__finish(d);
	coding_dec__free(d);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codings[] = {
		"gzip", "deflate", "br", "zstd", "gzip, br", "deflate, zstd", "identity", "br, gzip"
	};
	static unsigned char *b1, *b2;
	struct sink s1, s2;
	const char *coding;
	int e1, e2;

	tt_log_set_level(TT_LOG_ERROR);
	if (!size)
		return 0;
	if (!b1 && (!(b1 = malloc(CAP)) || !(b2 = malloc(CAP))))
		abort();
	coding = codings[data[0] & 7];
	s1 = (struct sink){ b1, 0 };
	s2 = (struct sink){ b2, 0 };
	e1 = run(coding, data + 1, size - 1, (size - 1) / 2, 1, &s1);
	e2 = run(coding, data + 1, size - 1, size - 1, SIZE_MAX, &s2);
	if ((!e1 || !e2) && e1 != e2)
		abort();
	if ((!e1 || (e1 == -E2BIG && e2 == -E2BIG)) && (s1.n != s2.n || memcmp(b1, b2, s1.n)))
		abort();
	return 0;
}
