// SPDX-License-Identifier: MIT
/*
 * export_http.c: the exporter's OTLP/HTTP sender. Encoded batches (spans for /v1/traces,
 * metrics for /v1/metrics) wait in one bounded queue; one thread posts them with libcurl, retrying with backoff (and Retry-After) on the answers
 * that allow it, so the caller never blocks on the network. At close it sends for at most
 * the drain time and counts the rest as unsent.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "export_http.h"
#include "export_tls.h"
#include "tt_limits.h"
#include "log.h"
#include "otlp_pb.h"

#define EXPORT_NOTE 256

/* One encoded request body waiting in the queue. */
struct xbatch {
	struct xbatch *next;
	enum export_signal sig;
	size_t nspans; /* spans, or metric data points */
	size_t len;
	unsigned char data[];
};

enum send_result {
	SEND_OK,
	SEND_FAILED, /* refused or retries used up: counted as rejected */
	SEND_UNSENT, /* the drain time ran out */
};

struct export_http {
	struct export_opts o; /* its numbers: the strings were borrowed by __new */
	bool json;
	bool gzip;
	char *url[EXPORT_N_SIGNALS];	 /* NULL: that signal is not sent */
	char *url_log[EXPORT_N_SIGNALS]; /* without credentials or query, for messages */
	char ua[64];
	struct curl_slist *hdrs;
	struct export_tls tls; /* CA, client certificate and key, read at start */
	bool ready;	       /* curl, lock and cond set up: __free undoes them */
	pthread_t thread;
	bool thread_started;
	void (*thread_init)(void); /* export_opts.thread_init */
	/* everything below lock is shared with the sender thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct xbatch *head;
	struct xbatch *tail;
	size_t queued; /* bytes queued, the batch in flight included */
	bool closing;
	struct timespec deadline; /* CLOCK_MONOTONIC, set at close */
	char note[EXPORT_NOTE];	  /* sender's news for the caller thread to log */
	bool warned_overflow;
	uint64_t requests, retries; /* POSTs of either signal */
	struct {
		uint64_t sent, rejected, dropped, unsent;
	} st[EXPORT_N_SIGNALS]; /* spans, data points */
};

static const char *const what[EXPORT_N_SIGNALS] = { "spans", "data points" };

static void ts_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void ts_add_ms(struct timespec *ts, uint64_t ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static long ts_ms_until(const struct timespec *t)
{
	struct timespec now;

	ts_now(&now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* Caller holds lock: leaves a message for the caller thread (the first one wins). */
static void note_locked(struct export_http *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_locked(struct export_http *h, const char *fmt, ...)
{
	va_list ap;

	if (h->note[0])
		return;
	va_start(ap, fmt);
	vsnprintf(h->note, sizeof(h->note), fmt, ap);
	va_end(ap);
}

/* True when the drain time is over (caller holds lock). */
static bool past_deadline_locked(struct export_http *h)
{
	struct timespec now;

	ts_now(&now);
	return h->closing && !ts_before(&now, &h->deadline);
}

static bool past_deadline(struct export_http *h)
{
	bool r;

	pthread_mutex_lock(&h->lock);
	r = past_deadline_locked(h);
	pthread_mutex_unlock(&h->lock);
	return r;
}

struct xfer {
	struct export_http *h;
	struct tt_buf resp;
	long retry_after_s;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;

	/* keep what fits; the rest of an oversized answer is read and ignored */
	tt_buf_add_upto(&x->resp, p, size * n);
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	static const char name[] = "retry-after:";
	struct xfer *x = ctx;
	size_t len = size * n, k = sizeof(name) - 1;
	char val[64], *end;
	time_t when;
	long s;

	if (len <= k || len - k >= sizeof(val) || strncasecmp(p, name, k))
		return len;
	memcpy(val, p + k, len - k);
	val[len - k] = '\0';
	val[strcspn(val, "\r\n")] = '\0';
	s = strtol(val, &end, 10);
	if (end != val && !*end && s >= 0) {
		x->retry_after_s = s;
	} else {
		when = curl_getdate(val, NULL);
		if (when > 0)
			x->retry_after_s = when > time(NULL) ? (long)(when - time(NULL)) : 0;
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	/* aborts a transfer that would outlive the drain time at exit */
	return past_deadline(ctx);
}

static int gzip_body(const void *in, size_t n, unsigned char **out, size_t *outlen)
{
	z_stream z = { 0 };
	uLong bound;
	int r;

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	bound = deflateBound(&z, n);
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)bound;
	r = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -EIO;
	}
	return 0;
}

/*
 * Reads partial_success from a 2xx answer: the spans (or data points) the server refused. The
 * metrics response has the same shape: rejected_data_points is field 1 too.
 */
static int64_t rejected_items(struct export_http *h, enum export_signal sig, struct tt_buf *resp,
			      char *msg, size_t len)
{
	cJSON *doc, *ps, *r;
	int64_t n = 0;

	msg[0] = '\0';
	if (!resp->len)
		return 0;
	if (!h->json) {
		if (otlp_pb_decode_response(resp->data, resp->len, &n, msg, len))
			return 0;
		return n;
	}
	doc = cJSON_ParseWithLength((const char *)resp->data, resp->len);
	ps = cJSON_GetObjectItemCaseSensitive(doc, "partialSuccess");
	r = cJSON_GetObjectItemCaseSensitive(ps, sig == EXPORT_METRICS ? "rejectedDataPoints" :
									 "rejectedSpans");
	if (cJSON_IsString(r))
		n = strtoll(r->valuestring, NULL, 10);
	else if (cJSON_IsNumber(r))
		n = (int64_t)r->valuedouble;
	r = cJSON_GetObjectItemCaseSensitive(ps, "errorMessage");
	if (cJSON_IsString(r))
		snprintf(msg, len, "%s", r->valuestring);
	cJSON_Delete(doc);
	return n;
}

/* One POST: the HTTP status (0 when no answer) and Retry-After (-1 when absent). */
static long http_post(struct export_http *h, CURL *c, const char *url_log, const void *body,
		      size_t len, struct xfer *x)
{
	long status = 0, ms = h->o.timeout_ms;
	struct timespec deadline;
	bool closing;
	CURLcode rc;

	pthread_mutex_lock(&h->lock);
	closing = h->closing;
	deadline = h->deadline;
	h->requests++;
	pthread_mutex_unlock(&h->lock);
	if (closing && ts_ms_until(&deadline) < ms)
		ms = ts_ms_until(&deadline) > 1 ? ts_ms_until(&deadline) : 1;
	tt_buf_reset(&x->resp);
	x->retry_after_s = -1;
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		pthread_mutex_lock(&h->lock);
		note_locked(h, "export: POST %s: %s (will retry)", url_log, curl_easy_strerror(rc));
		pthread_mutex_unlock(&h->lock);
	}
	return status;
}

static bool retryable(long status)
{
	return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

/* Waits ms, or less when close() sets a deadline that comes first; false when it passed. */
static bool backoff_wait(struct export_http *h, unsigned int ms)
{
	struct timespec wake, until;
	bool ok;

	ts_now(&wake);
	ts_add_ms(&wake, ms);
	pthread_mutex_lock(&h->lock);
	for (;;) {
		until = wake;
		if (h->closing && ts_before(&h->deadline, &until))
			until = h->deadline;
		if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
			break;
	}
	ok = !past_deadline_locked(h);
	pthread_mutex_unlock(&h->lock);
	return ok;
}

static enum send_result send_batch(struct export_http *h, CURL *c, struct xbatch *b, struct xfer *x)
{
	const char *url_log = h->url_log[b->sig];
	const void *body = b->data;
	unsigned char *gz = NULL;
	unsigned int attempt, delay;
	size_t len = b->len;
	int64_t rej;
	char msg[128];
	long status;

	if (h->gzip && !gzip_body(b->data, b->len, &gz, &len))
		body = gz;
	else
		len = b->len;
	curl_easy_setopt(c, CURLOPT_URL, h->url[b->sig]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, gz ? h->hdrs : h->hdrs->next);
	for (attempt = 1;; attempt++) {
		if (past_deadline(h)) {
			free(gz);
			return SEND_UNSENT;
		}
		status = http_post(h, c, url_log, body, len, x);
		if (status >= 200 && status < 300)
			break;
		if (!retryable(status) || attempt >= h->o.max_attempts) {
			pthread_mutex_lock(&h->lock);
			note_locked(h, "export: POST %s: HTTP %ld, %zu %s %s", url_log, status,
				    b->nspans, what[b->sig],
				    retryable(status) ? "given up" : "refused");
			pthread_mutex_unlock(&h->lock);
			free(gz);
			return past_deadline(h) ? SEND_UNSENT : SEND_FAILED;
		}
		delay = export_backoff_ms(attempt, h->o.retry_base_ms, h->o.retry_max_ms,
					  x->retry_after_s, (uint32_t)rand());
		pthread_mutex_lock(&h->lock);
		h->retries++;
		pthread_mutex_unlock(&h->lock);
		if (!backoff_wait(h, delay)) {
			free(gz);
			return SEND_UNSENT;
		}
	}
	free(gz);
	rej = rejected_items(h, b->sig, &x->resp, msg, sizeof(msg));
	pthread_mutex_lock(&h->lock);
	if (rej > 0 || msg[0])
		note_locked(h, "export: %s accepted part of a batch: %" PRId64 " %s rejected%s%s",
			    url_log, rej, what[b->sig], msg[0] ? ": " : "", msg);
	rej = rej < 0 ? 0 : rej > (int64_t)b->nspans ? (int64_t)b->nspans : rej;
	h->st[b->sig].rejected += rej;
	h->st[b->sig].sent += b->nspans - rej;
	pthread_mutex_unlock(&h->lock);
	return SEND_OK;
}

static CURL *sender_curl(struct export_http *h, struct xfer *x)
{
	CURL *c = curl_easy_init();

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->ua);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	export_tls__apply(&h->tls, c);
	return c;
}

static void *sender_main(void *arg)
{
	struct export_http *h = arg;
	struct xfer x = { .h = h };
	enum send_result r;
	struct xbatch *b;
	CURL *c;

	pthread_setname_np(pthread_self(), "tt-export"); /* ps -L, /proc/PID/task */
	if (h->thread_init)
		h->thread_init();
	tt_buf_init(&x.resp, TT_MAX_EXPORT_RESPONSE);
	c = sender_curl(h, &x);
	pthread_mutex_lock(&h->lock);
	if (!c)
		note_locked(h, "export: curl_easy_init failed: nothing will be sent");
	while (c) {
		while (!h->head && !h->closing)
			pthread_cond_wait(&h->cond, &h->lock);
		if (!h->head || past_deadline_locked(h))
			break;
		b = h->head;
		h->head = b->next;
		if (!h->head)
			h->tail = NULL;
		pthread_mutex_unlock(&h->lock);
		r = send_batch(h, c, b, &x);
		pthread_mutex_lock(&h->lock);
		if (r == SEND_FAILED)
			h->st[b->sig].rejected += b->nspans;
		else if (r == SEND_UNSENT)
			h->st[b->sig].unsent += b->nspans;
		h->queued -= b->len;
		free(b);
	}
	pthread_mutex_unlock(&h->lock);
	curl_easy_cleanup(c);
	tt_buf_free(&x.resp);
	return NULL;
}

void export_http__enqueue(struct export_http *h, enum export_signal sig, const unsigned char *p,
			  size_t len, size_t nspans)
{
	struct xbatch *b = malloc(sizeof(*b) + len), *old;
	uint64_t dropped = 0;

	if (!b) {
		pthread_mutex_lock(&h->lock);
		h->st[sig].dropped += nspans;
		pthread_mutex_unlock(&h->lock);
		return;
	}
	memcpy(b->data, p, len);
	b->len = len;
	b->sig = sig;
	b->nspans = nspans;
	b->next = NULL;
	pthread_mutex_lock(&h->lock);
	while (h->queued + len > h->o.queue_bytes && h->head) {
		old = h->head;
		h->head = old->next;
		if (!h->head)
			h->tail = NULL;
		h->queued -= old->len;
		h->st[old->sig].dropped += old->nspans;
		dropped += old->nspans;
		free(old);
	}
	if (h->queued + len > h->o.queue_bytes) {
		/* only the batch in flight is left and the new one does not fit beside it */
		h->st[sig].dropped += nspans;
		dropped += nspans;
		free(b);
	} else {
		if (h->tail)
			h->tail->next = b;
		else
			h->head = b;
		h->tail = b;
		h->queued += len;
		pthread_cond_signal(&h->cond);
	}
	pthread_mutex_unlock(&h->lock);
	if (dropped && !h->warned_overflow) {
		h->warned_overflow = true;
		tt_warn("export: OTLP/HTTP queue full (%zu bytes): dropped %" PRIu64
			" %s (counted; endpoint %s too slow or down)",
			h->o.queue_bytes, dropped, what[sig], h->url_log[sig]);
	}
}

void export_http__log_note(struct export_http *h)
{
	char note[EXPORT_NOTE];

	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	memcpy(note, h->note, sizeof(note));
	h->note[0] = '\0';
	pthread_mutex_unlock(&h->lock);
	if (note[0])
		tt_warn("%s", note);
}

void export_http__stats(struct export_http *h, struct export_stats *st)
{
	pthread_mutex_lock(&h->lock);
	st->http_sent = h->st[EXPORT_TRACES].sent;
	st->http_rejected = h->st[EXPORT_TRACES].rejected;
	st->http_dropped = h->st[EXPORT_TRACES].dropped;
	st->http_unsent = h->st[EXPORT_TRACES].unsent;
	st->http_requests = h->requests;
	st->http_retries = h->retries;
	st->queue_bytes = h->queued;
	st->metrics_sent = h->st[EXPORT_METRICS].sent;
	st->metrics_lost = h->st[EXPORT_METRICS].rejected + h->st[EXPORT_METRICS].dropped +
			   h->st[EXPORT_METRICS].unsent;
	pthread_mutex_unlock(&h->lock);
}

bool export_http__json(const struct export_http *h)
{
	return h->json;
}

bool export_http__has(const struct export_http *h, enum export_signal sig)
{
	return h && h->url[sig];
}

/* ---- setup and teardown --------------------------------------------------------------- */

/* scheme://host[:port]/path of url: no user:password@ and no query, safe to log. */
static char *url_for_log(const char *url)
{
	const char *host = strstr(url, "://"), *at, *end;
	char *out;

	host = host ? host + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', end - host);
	if (at)
		host = at + 1;
	end = host + strcspn(host, "?#");
	out = malloc(strlen(url) + 1);
	if (out)
		snprintf(out, strlen(url) + 1, "%.*s%.*s",
			 strstr(url, "://") ? (int)(strstr(url, "://") + 3 - url) : 0, url,
			 (int)(end - host), host);
	return out;
}

static int http_headers(struct export_http *h)
{
	struct attr_list kv = { 0 };
	struct curl_slist *l = NULL, *n;
	char line[4096];
	size_t i;
	int err = 0;

	/* hdrs->next skips Content-Encoding when gzip is off or fails for a batch */
	l = curl_slist_append(l, "Content-Encoding: gzip");
	n = l ? curl_slist_append(l, h->json ? "Content-Type: application/json" :
					       "Content-Type: application/x-protobuf") :
		NULL;
	l = n ? curl_slist_append(n, "Expect:") : NULL;
	if (!l) {
		curl_slist_free_all(n);
		return -ENOMEM;
	}
	if (h->o.headers) {
		err = export_parse_kv(h->o.headers, &kv);
		if (err == -EINVAL)
			tt_warn("export: OTEL_EXPORTER_OTLP_HEADERS is malformed: ignored");
		if (!err && kv.n > TT_MAX_EXPORT_HEADERS)
			err = -E2BIG;
	}
	for (i = 0; !err && i < kv.n; i++) {
		if (snprintf(line, sizeof(line), "%s: %s", kv.v[i].key, kv.v[i].s) >=
		    (int)sizeof(line)) {
			err = -E2BIG;
			break;
		}
		n = curl_slist_append(l, line);
		err = n ? 0 : -ENOMEM;
		l = n ? n : l;
	}
	memset(line, 0, sizeof(line));
	attrs_free(&kv);
	h->hdrs = l;
	return err == -EINVAL ? 0 : err;
}

static int http_config(struct export_http *h)
{
	if (h->o.protocol && !strcmp(h->o.protocol, "http/json")) {
		h->json = true;
	} else if (h->o.protocol && strcmp(h->o.protocol, "http/protobuf")) {
		tt_err("export: OTLP protocol '%s' is not supported: use http/protobuf or "
		       "http/json",
		       h->o.protocol);
		return -EINVAL;
	}
	if (h->o.compression && strcmp(h->o.compression, "gzip") &&
	    strcmp(h->o.compression, "none")) {
		tt_err("export: OTLP compression '%s' is not supported: gzip or none",
		       h->o.compression);
		return -EINVAL;
	}
	h->gzip = !h->o.compression || !strcmp(h->o.compression, "gzip");
	snprintf(h->ua, sizeof(h->ua), "tracetree-bpf/%s", h->o.version ? h->o.version : "0");
	return 0;
}

static int http_start(struct export_http *h, const char *const url[EXPORT_N_SIGNALS])
{
	pthread_condattr_t ca;
	int err, k;

	for (k = 0; k < EXPORT_N_SIGNALS; k++) {
		if (!url[k])
			continue;
		h->url[k] = strdup(url[k]);
		h->url_log[k] = url_for_log(url[k]);
		if (!h->url[k] || !h->url_log[k])
			return -ENOMEM;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&h->lock, NULL);
	h->ready = true; /* from here export_http__free() undoes the above */
	err = http_headers(h) ?: export_tls__load(&h->tls, &h->o);
	if (err)
		return err;
	/* the values are never logged, but a plain http:// hop anyone may read: say so */
	for (k = 0; h->o.headers && k < EXPORT_N_SIGNALS; k++) {
		if (url[k] && export_url_in_clear(url[k])) {
			tt_warn("export: the OTLP headers (OTEL_EXPORTER_OTLP_HEADERS, often an API "
				"key) go unencrypted over plain http to %s: use https://",
				h->url_log[k]);
			break;
		}
	}
	err = -pthread_create(&h->thread, NULL, sender_main, h);
	h->thread_started = !err;
	for (k = 0; !err && k < EXPORT_N_SIGNALS; k++)
		if (url[k])
			tt_info("export: OTLP/HTTP %s %s to %s%s", k ? "metrics" : "spans",
				h->json ? "json" : "protobuf", h->url_log[k],
				h->gzip ? " (gzip)" : "");
	return err;
}

struct export_http *export_http__new(const struct export_opts *o,
				     const char *const url[EXPORT_N_SIGNALS])
{
	struct export_http *h = calloc(1, sizeof(*h));
	int err;

	if (!h)
		return NULL;
	h->o = *o;
	h->thread_init = o->thread_init;
	err = http_config(h) ?: http_start(h, url);
	/* the strings were borrowed for the set-up: nothing reads them later */
	h->o = (struct export_opts){
		.timeout_ms = o->timeout_ms,
		.queue_bytes = o->queue_bytes,
		.drain_ms = o->drain_ms,
		.retry_base_ms = o->retry_base_ms,
		.retry_max_ms = o->retry_max_ms,
		.max_attempts = o->max_attempts,
	};
	if (err) {
		export_http__free(h);
		errno = -err;
		return NULL;
	}
	return h;
}

void export_http__drain(struct export_http *h)
{
	struct xbatch *b;

	if (!h || !h->thread_started)
		return;
	pthread_mutex_lock(&h->lock);
	h->closing = true;
	ts_now(&h->deadline);
	ts_add_ms(&h->deadline, h->o.drain_ms);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	h->thread_started = false;
	/* the thread is gone: what is still queued was never sent */
	while ((b = h->head)) {
		h->head = b->next;
		h->st[b->sig].unsent += b->nspans;
		h->queued -= b->len;
		free(b);
	}
	h->tail = NULL;
}

void export_http__free(struct export_http *h)
{
	struct xbatch *b;
	int k;

	if (!h)
		return;
	export_http__drain(h);
	while ((b = h->head)) {
		h->head = b->next;
		free(b);
	}
	if (h->ready) {
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->cond);
		curl_slist_free_all(h->hdrs);
		curl_global_cleanup();
	}
	export_tls__free(&h->tls);
	for (k = 0; k < EXPORT_N_SIGNALS; k++) {
		free(h->url[k]);
		free(h->url_log[k]);
	}
	free(h);
}
