// SPDX-License-Identifier: MIT
/*
 * fuzz_eventstream.c: the AWS event stream decoder cut at a point taken from the input (with lost
 * bytes there when asked), and whole: every header of every message is walked, and without a
 * gap the messages are the same whatever the split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eventstream.h"

struct tally {
	size_t n, bytes;
	uint32_t sum;
};

static int on_msg(const struct eventstream_msg *m, void *ctx)
{
	struct tally *t = ctx;
	const unsigned char *p = m->headers;
	struct eventstream_header h;
	size_t n = m->headers_len, i;

	while (eventstream_header_next(&p, &n, &h) > 0) {
		t->sum += h.name[0] + h.name[h.name_len - 1] + (uint32_t)h.num;
		if (h.value_len)
			t->sum += h.value[0] + h.value[h.value_len - 1];
	}
	for (i = 0; i < m->payload_len; i++)
		t->sum += m->payload[i];
	if (m->event_type_len)
		t->sum += (unsigned char)m->event_type[m->event_type_len - 1];
	t->n++;
	t->bytes += m->payload_len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally split = { 0 }, whole = { 0 };
	struct eventstream_parser p;
	size_t cut;

	if (!size)
		return 0;
	cut = 1 + data[0] % size;
	eventstream_parser__init(&p, data[0] & 0x40 ? 64 : 0);
	eventstream_parser__feed(&p, data + 1, cut - 1, on_msg, &split);
	if (data[0] & 0x80)
		eventstream_parser__gap(&p);
	eventstream_parser__feed(&p, data + cut, size - cut, on_msg, &split);
	eventstream_parser__partial(&p);
	eventstream_parser__free(&p);
	eventstream_split_body(data + 1, size - 1, on_msg, &whole);
	/* the split never changes what is read (with the default cap and no lost bytes) */
	if (!(data[0] & 0xc0) &&
	    (split.n != whole.n || split.bytes != whole.bytes || split.sum != whole.sum))
		abort();
	return 0;
}
