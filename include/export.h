/* SPDX-License-Identifier: MIT */
/* export.h: the span sink: OTLP JSON Lines file, OTLP/HTTP (own thread) and the tree view. */
#ifndef TT_EXPORT_H
#define TT_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "otlp_json.h"
#include "span.h"
#include "tree_view.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What to export where. Strings are borrowed until exporter__new() returns. Zero numbers
 * mean the defaults in brackets.
 */
struct export_opts {
	const char *file; /* -o: OTLP JSON Lines path, "-" = stdout; NULL = none */
	FILE *tree;	  /* --format tree destination; NULL = none */
	const char *html; /* --html: the waterfall page (view.h), written at close; NULL = none */
	/* --metrics-output: OTLP MetricsData JSON Lines path (cumulative); NULL = none */
	const char *metrics_file;
	/*
	 * Between two metrics exports (file line, /v1/metrics POST) [60000, the SDK's default];
	 * one more at close. --metrics-interval, else OTEL_METRIC_EXPORT_INTERVAL.
	 */
	unsigned int metrics_ms;
	struct tree_view_opts tree_opts;

	/*
	 * OTLP/HTTP: traces when one of endpoint, traces_endpoint, base_endpoint is set (first
	 * wins), metrics (cumulative, every metrics_ms and at close) when one of endpoint,
	 * metrics_endpoint, base_endpoint is; the same protocol, headers, TLS, queue and retries.
	 */
	const char *endpoint;	      /* --otlp-endpoint: /v1/traces appended unless present; */
				      /* its /v1/metrics beside */
	const char *traces_endpoint;  /* OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: used as is */
	const char *metrics_endpoint; /* OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: used as is */
	const char *base_endpoint;    /* OTEL_EXPORTER_OTLP_ENDPOINT: /v1/traces, /v1/metrics */
	bool no_otlp_metrics;	      /* OTEL_METRICS_EXPORTER=none: nothing to /v1/metrics */
	const char *headers;	      /* "k=v,k2=v2", percent-encoded values; never logged */
	const char *ca_file;	      /* --otlp-ca, OTEL_EXPORTER_OTLP_CERTIFICATE: PEM CAs */
	const char *client_cert;      /* --otlp-cert, ..._CLIENT_CERTIFICATE: PEM (mTLS) */
	const char *client_key;	      /* --otlp-key, ..._CLIENT_KEY: its PEM key */
	const char *protocol;	      /* "http/protobuf" [default, as the spec] or "http/json" */
	const char *compression;      /* "gzip" [default] or "none" */
	unsigned int timeout_ms;      /* one request [10000] */

	/* OTLP content */
	const char *service_name;   /* OTEL_SERVICE_NAME: every resource's service.name */
	const char *resource_attrs; /* OTEL_RESOURCE_ATTRIBUTES "k=v,...", percent-encoded */
	const char *version;	    /* scope and SDK version */
	struct otlp_clock clock;    /* boot time -> Unix time */

	/* tuning */
	size_t batch_spans;	    /* spans per line / request [TT_MAX_EXPORT_BATCH] */
	unsigned int flush_ms;	    /* longest a finished span waits [1000] */
	size_t queue_bytes;	    /* HTTP queue incl. batch in flight [TT_MAX_EXPORT_QUEUE] */
	unsigned int drain_ms;	    /* sending time left at close [TT_EXPORT_DRAIN_MS] */
	unsigned int retry_base_ms; /* first backoff [500] */
	unsigned int retry_max_ms;  /* backoff and Retry-After cap [30000] */
	unsigned int max_attempts;  /* POSTs per batch [6] */

	/*
	 * Run first by the OTLP/HTTP sender thread (NULL: nothing). The thread starts before the
	 * tracer drops its capabilities, and capabilities are per thread: main passes a function
	 * that drops all of them (the sender needs none).
	 */
	void (*thread_init)(void);
};

struct export_stats {
	uint64_t spans;		/* spans received */
	uint64_t too_big;	/* dropped: one span encodes over TT_MAX_EXPORT_BODY */
	uint64_t file_spans;	/* written to the -o file */
	uint64_t file_errors;	/* failed writes (spans lost) */
	uint64_t http_sent;	/* accepted by the endpoint */
	uint64_t http_rejected; /* refused: partial success, 4xx/5xx, retries used up */
	uint64_t http_dropped;	/* dropped because the queue was full */
	uint64_t http_unsent;	/* still queued when the drain time ran out at close */
	uint64_t http_requests; /* POSTs, retries included */
	uint64_t http_retries;
	uint64_t queue_bytes;  /* bytes queued now */
	uint64_t tree_traces;  /* trees printed */
	uint64_t html_spans;   /* in the --html page */
	uint64_t html_dropped; /* over its caps: counted in the page */
	uint64_t metrics_sent; /* data points accepted by the /v1/metrics endpoint */
	uint64_t metrics_lost; /* ... refused, dropped (queue full) or unsent at exit */
};

/*
 * Fills the OTLP fields of o that are still NULL/0 from the standard environment, read
 * through get (getenv): OTEL_EXPORTER_OTLP_[TRACES_]{ENDPOINT,HEADERS,PROTOCOL,COMPRESSION,
 * TIMEOUT,CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
 * OTEL_METRICS_EXPORTER (none), OTEL_METRIC_EXPORT_INTERVAL (ms), OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES. Empty values count as unset.
 * 0, or -EINVAL for a timeout or interval that is not a number (the rest is still applied).
 */
int export_opts_from_env(struct export_opts *o, char *(*get)(const char *name));
/* The URL to POST to: 0, -ENOENT when no endpoint is configured, -E2BIG when len is short. */
int export_resolve_url(const struct export_opts *o, char *out, size_t len);
/* The same for metrics (-ENOENT also when no_otlp_metrics). */
int export_resolve_metrics_url(const struct export_opts *o, char *out, size_t len);
/*
 * url is plain http:// to a host other than localhost, 127.0.0.0/8 or [::1]: what is sent
 * there (headers that carry API keys) can be read on the way.
 */
bool export_url_in_clear(const char *url);
/*
 * Parses "k=v,k2=v2" (W3C baggage-like: spaces around items trimmed, values percent-decoded)
 * into string attributes. 0, or -EINVAL on a malformed entry (out is then left empty, as the
 * spec says to discard the whole value).
 */
int export_parse_kv(const char *s, struct attr_list *out);
/*
 * Delay before retry number attempt (1 = first retry): Retry-After seconds when the server
 * sent one (>= 0), else base * 2^(attempt-1) with jitter from rnd in [d/2, d]; capped at max.
 */
unsigned int export_backoff_ms(unsigned int attempt, unsigned int base_ms, unsigned int max_ms,
			       long retry_after_s, uint32_t rnd);

/* NULL with errno (EINVAL: bad option, see the log) on failure. */
struct exporter *exporter__new(const struct export_opts *o);
/* span_sink_fn: takes ownership of s. Never blocks on the network. */
void exporter__span(struct tt_span *s, void *ctx);
/* Called by the main loop every iteration, now in any monotonic ns clock: timed flush, logs. */
void exporter__tick(struct exporter *e, uint64_t now_ns);
/* Writes/queues every pending span now. 0 or the first error (-EIO on a failed write). */
int exporter__flush(struct exporter *e);
void exporter__stats(struct exporter *e, struct export_stats *st);
/*
 * Flushes, prints what is left of the tree, sends what is queued for at most drain_ms, counts
 * the rest as unsent, logs a report and frees e. st (optional) gets the final counters.
 */
void exporter__close(struct exporter *e, struct export_stats *st);
/* One-line summary of the counters, as exporter__close() logs it. */
int export_stats_format(const struct export_stats *st, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_EXPORT_H */
