// SPDX-License-Identifier: MIT
/* events.c: where records come in (the ring buffer, or a capture being replayed). */
#include <errno.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include "events.h"
#include "log.h"
#include "records.h"

struct events {
	struct ring_buffer *rb;
	events_sink_fn fn;
	void *ctx;
	uint64_t bad;
	uint64_t count;
};

int events__push(struct events *ev, const void *rec, size_t size)
{
	if (tt_rec_validate(rec, size) < 0) {
		if (!ev->bad++)
			tt_warn("events: malformed record of %zu bytes dropped", size);
		return -EBADMSG;
	}
	ev->count++;
	ev->fn(rec, size, ev->ctx);
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	events__push(ctx, data, size);
	return 0;
}

struct events *events__new(int ringbuf_fd, events_sink_fn fn, void *ctx)
{
	struct events *ev;

	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NULL;
	ev->fn = fn;
	ev->ctx = ctx;
	if (ringbuf_fd < 0)
		return ev;
	ev->rb = ring_buffer__new(ringbuf_fd, on_sample, ev, NULL);
	if (!ev->rb) {
		int err = errno;

		free(ev);
		errno = err;
		return NULL;
	}
	return ev;
}

int events__poll(struct events *ev, int timeout_ms)
{
	int n, m;

	if (!ev->rb)
		return 0;
	/* records are mostly submitted without a wakeup: poll is only a timer, consume drains */
	n = ring_buffer__poll(ev->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	m = ring_buffer__consume(ev->rb);
	if (m < 0)
		return m;
	return (n > 0 ? n : 0) + m;
}

uint64_t events__bad(const struct events *ev)
{
	return ev->bad;
}

uint64_t events__count(const struct events *ev)
{
	return ev->count;
}

void events__free(struct events *ev)
{
	if (!ev)
		return;
	ring_buffer__free(ev->rb);
	free(ev);
}
