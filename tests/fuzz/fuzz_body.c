// SPDX-License-Identifier: MIT
/* fuzz_body.c: content-coding decoders (the first byte picks the coding) with a small cap. */
#include <stdint.h>

#include "body.h"
#include "log.h"

static int sink(const void *p, size_t n, void *ctx)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codings[] = { "gzip", "deflate", "br", "zstd", "gzip, br",
					       "deflate, zstd", "identity", "br, gzip" };
	struct body_dec *d;
	size_t n = 0, half;

	tt_log_set_level(TT_LOG_ERROR);
	if (!size)
		return 0;
	d = body_dec__new(codings[data[0] & 7], 1 << 20);
	if (!d)
		return 0;
	half = (size - 1) / 2;
	if (!body_dec__feed(d, data + 1, half, sink, &n))
		body_dec__feed(d, data + 1 + half, size - 1 - half, sink, &n);
	body_dec__finish(d);
	body_dec__free(d);
	return 0;
}
