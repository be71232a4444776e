/* SPDX-License-Identifier: MIT */
/*
 * health_http.h: what the health server says, without its sockets: the request parser, the
 * health verdict from the published counters, and the responses (/healthz, /metrics).
 */
#ifndef TT_HEALTH_HTTP_H
#define TT_HEALTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_HEALTH_MAX_REQ   4096		 /* a request head; longer ones get 400 */
#define TT_HEALTH_MAX_RESP  (256u << 10)	 /* one response, head included */
#define TT_HEALTH_LOOP_NS   (10ull * 1000000000) /* the main loop's silence before 503 */
#define TT_HEALTH_EXPORT_NS (60ull * 1000000000) /* a stuck or failing export before 503 */

/* A parsed request head: views into the bytes given to the parser. */
struct health_req {
	const char *method;
	size_t method_len;
	const char *path; /* the target without its query */
	size_t path_len;
};

/*
 * Parses one HTTP/1.x request head in buf[0..len) ("METHOD /target HTTP/1.x", header lines,
 * an empty line; CRLF or LF). Returns the bytes of the head (> 0), TT_NEED_MORE while it may
 * still come (len < TT_HEALTH_MAX_REQ), -E2BIG when it cannot fit, -EBADMSG when malformed.
 * Linear in len; reads nothing past it.
 */
int health_parse_request(const char *buf, size_t len, struct health_req *r);

/* One way out (the -o file, OTLP/HTTP): failing since its last success? */
struct health_sink {
	uint64_t ok, failed;	/* its counters at the last update */
	uint64_t fail_since_ns; /* failing since (no success after), 0: not failing */
	uint64_t last_fail_ns;	/* the last failure seen */
};

/* The counters the main thread published and what the server derives from their changes. */
struct health_state {
	struct tt_metrics m;
	uint64_t loop_ns;     /* the main loop's last publication (CLOCK_MONOTONIC), 0: none */
	uint64_t progress_ns; /* the export queue was last seen empty or moving */
	uint64_t moved;	      /* spans out of the queue at the last update */
	struct health_sink file, http;
};

/* A new snapshot m at now_ns (monotonic): the state's clocks follow the exporter's counters. */
void health_state_update(struct health_state *s, const struct tt_metrics *m, uint64_t now_ns);
/*
 * Healthy: the probes are attached, the main loop published within TT_HEALTH_LOOP_NS, the
 * export queue is empty or moved within TT_HEALTH_EXPORT_NS and exports have not been failing
 * for that long. Otherwise false, with one line per reason appended to why.
 */
bool health_check(const struct health_state *s, uint64_t now_ns, struct tt_buf *why);
/*
 * The whole response to a request the parser returned ret for (400 on an error, 405 for a
 * method other than GET, 404 for a path other than /healthz and /metrics), Connection: close.
 * 0, or -E2BIG / -ENOMEM from out (cap it at TT_HEALTH_MAX_RESP).
 */
int health_respond(struct tt_buf *out, int ret, const struct health_req *r,
		   const struct health_state *s, uint64_t now_ns);

#ifdef __cplusplus
}
#endif
#endif /* TT_HEALTH_HTTP_H */
