// SPDX-License-Identifier: MIT
/* fuzz_sse.c: SSE and NDJSON splitting, cut at a point taken from the input, and whole. */
#include <stdint.h>

#include "sse.h"

static int on_event(const struct sse_event *ev, void *ctx)
{
	*(size_t *)ctx += ev->data_len + (ev->data[ev->data_len] == '\0');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sse_parser p;
	size_t cut, n = 0;
	int mode;

	if (!size)
		return 0;
	cut = data[0] % size;
	for (mode = 0; mode < 2; mode++) {
		sse_parser__init(&p, mode, 64);
		sse_parser__feed(&p, data + 1, cut ? cut - 1 : 0, on_event, &n);
		if (data[0] & 0x80)
			sse_parser__gap(&p);
		sse_parser__feed(&p, data + (cut ? cut : 1), size - (cut ? cut : 1), on_event, &n);
		sse_parser__finish(&p, on_event, &n);
		sse_parser__free(&p);
		/* whole, as a body that came unsplit (provider) */
		sse_split_body(mode, data + 1, size - 1, on_event, &n);
	}
	return 0;
}
