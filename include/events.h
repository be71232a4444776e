/* SPDX-License-Identifier: MIT */
/* events.h: the one way in for records (ring buffer or replay), validated, to a sink. */
#ifndef TT_EVENTS_H
#define TT_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct events;

/* Receives each record (already checked with tt_rec_validate); rec is valid during the call. */
typedef void (*events_sink_fn)(const void *rec, size_t size, void *ctx);

/* ringbuf_fd < 0: no ring buffer, records come only through events__push. NULL + errno. */
struct events *events__new(int ringbuf_fd, events_sink_fn fn, void *ctx);
/*
 * One record from elsewhere (a capture file), taken as a polled one is: validated, counted,
 * handed to the sink. 0, or -EBADMSG when it was malformed (dropped).
 */
int events__push(struct events *ev, const void *rec, size_t size);
/* Waits up to timeout_ms for a wakeup, then drains everything pending. Returns the number of
 * records handled or -errno (-EINTR is not an error for callers); 0 without a ring buffer. */
int events__poll(struct events *ev, int timeout_ms);
/* Records that failed validation (never expected from our BPF programs). */
uint64_t events__bad(const struct events *ev);
uint64_t events__count(const struct events *ev);
void events__free(struct events *ev);

#ifdef __cplusplus
}
#endif
#endif /* TT_EVENTS_H */
