/* SPDX-License-Identifier: MIT */
/* export_http.h: the exporter's OTLP/HTTP sender (its own thread, queue and retries). */
#ifndef TT_EXPORT_HTTP_H
#define TT_EXPORT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"

struct export_http;

/* What a batch carries, and so where it goes. */
enum export_signal {
	EXPORT_TRACES,	/* spans to /v1/traces */
	EXPORT_METRICS, /* data points to /v1/metrics */
	EXPORT_N_SIGNALS,
};

/*
 * Starts the sender thread posting each signal's batches to its url (NULL: none) with o's
 * protocol, compression, headers, timeout, queue, retry and drain settings (o with the
 * defaults applied; read during the call only).
 * NULL + errno: EINVAL for an unsupported protocol or compression or malformed headers
 * (logged), ENOMEM, or pthread_create's error.
 */
struct export_http *export_http__new(const struct export_opts *o,
				     const char *const url[EXPORT_N_SIGNALS]);
/* http/json (else http/protobuf): the encoding the batches must have. */
bool export_http__json(const struct export_http *h);
/* sig has a URL (h may be NULL). */
bool export_http__has(const struct export_http *h, enum export_signal sig);
/*
 * Caller thread: queues one encoded batch of n spans or data points, dropping the oldest
 * queued ones of either signal when full.
 */
void export_http__enqueue(struct export_http *h, enum export_signal sig, const unsigned char *p,
			  size_t len, size_t n);
/* Logs what the sender has to say (errors, refusals), once each, on the caller thread. */
void export_http__log_note(struct export_http *h);
/* Fills the http_* (spans) and metrics_* counters and queue_bytes of st. */
void export_http__stats(struct export_http *h, struct export_stats *st);
/* Sends what is queued for at most drain_ms, stops the thread, counts the rest unsent. */
void export_http__drain(struct export_http *h);
void export_http__free(struct export_http *h);

#endif /* TT_EXPORT_HTTP_H */
