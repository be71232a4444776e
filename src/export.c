// SPDX-License-Identifier: MIT
/* export.c: fans finished spans out to the OTLP file, the OTLP/HTTP sender thread and the tree. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include <cjson/cJSON.h>

#include "export.h"
#include "limits.h"
#include "log.h"
#include "otlp_pb.h"

#define EXPORT_TIMEOUT_MS	10000
#define EXPORT_FLUSH_MS		1000
#define EXPORT_RETRY_BASE_MS	500
#define EXPORT_RETRY_MAX_MS	30000
#define EXPORT_MAX_ATTEMPTS	6
#define EXPORT_MAX_URL		2048
#define EXPORT_NOTE		256

/* One encoded request body waiting in the HTTP queue. */
struct xbatch {
	struct xbatch *next;
	size_t nspans;
	size_t len;
	unsigned char data[];
};

enum send_result {
	SEND_OK,
	SEND_FAILED,		/* refused or retries used up: counted as rejected */
	SEND_UNSENT,		/* the drain time ran out */
};

struct exporter {
	struct export_opts o;
	struct attr_list extra;		/* global resource attributes */
	char *service_name;
	char *version;
	struct otlp_meta meta;

	struct tt_span **pend;		/* finished spans not yet written or queued */
	size_t npend;
	uint64_t last_flush_ns;
	bool ticked;

	FILE *file;
	bool own_file;
	bool file_failed;

	struct tree_view *tree;

	/* OTLP/HTTP; everything below lock is shared with the sender thread */
	bool http;
	bool json;
	bool gzip;
	char *url;
	char *url_log;			/* without credentials or query, for messages */
	struct curl_slist *hdrs;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct xbatch *head;
	struct xbatch *tail;
	size_t queued;			/* bytes queued, the batch in flight included */
	bool closing;
	struct timespec deadline;	/* CLOCK_MONOTONIC, set at close */
	char note[EXPORT_NOTE];		/* sender's news for the caller thread to log */
	bool warned_overflow;
	struct export_stats st;
};

/* ---- the HTTP sender thread ----------------------------------------------------------- */

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
static void note_locked(struct exporter *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note_locked(struct exporter *e, const char *fmt, ...)
{
	va_list ap;

	if (e->note[0])
		return;
	va_start(ap, fmt);
	vsnprintf(e->note, sizeof(e->note), fmt, ap);
	va_end(ap);
}

/* True when the drain time is over (caller holds lock). */
static bool past_deadline_locked(struct exporter *e)
{
	struct timespec now;

	ts_now(&now);
	return e->closing && !ts_before(&now, &e->deadline);
}

static bool past_deadline(struct exporter *e)
{
	bool r;

	pthread_mutex_lock(&e->lock);
	r = past_deadline_locked(e);
	pthread_mutex_unlock(&e->lock);
	return r;
}

struct xfer {
	struct exporter *e;
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

	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
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

/* Reads partial_success from a 2xx answer: the spans the server refused. */
static int64_t rejected_spans(struct exporter *e, struct tt_buf *resp, char *msg, size_t len)
{
	cJSON *doc, *ps, *r;
	int64_t n = 0;

	msg[0] = '\0';
	if (!resp->len)
		return 0;
	if (!e->json) {
		if (otlp_pb_decode_response(resp->data, resp->len, &n, msg, len))
			return 0;
		return n;
	}
	doc = cJSON_ParseWithLength((const char *)resp->data, resp->len);
	ps = cJSON_GetObjectItemCaseSensitive(doc, "partialSuccess");
	r = cJSON_GetObjectItemCaseSensitive(ps, "rejectedSpans");
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
static long http_post(struct exporter *e, CURL *c, const void *body, size_t len, struct xfer *x)
{
	long status = 0, ms = e->o.timeout_ms;
	struct timespec deadline;
	bool closing;
	CURLcode rc;

	pthread_mutex_lock(&e->lock);
	closing = e->closing;
	deadline = e->deadline;
	e->st.http_requests++;
	pthread_mutex_unlock(&e->lock);
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
		pthread_mutex_lock(&e->lock);
		note_locked(e, "export: POST %s: %s (will retry)", e->url_log,
			    curl_easy_strerror(rc));
		pthread_mutex_unlock(&e->lock);
	}
	return status;
}

static bool retryable(long status)
{
	return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
}

/* Waits ms, or less when close() sets a deadline that comes first; false when it passed. */
static bool backoff_wait(struct exporter *e, unsigned int ms)
{
	struct timespec wake, until;
	bool ok;

	ts_now(&wake);
	ts_add_ms(&wake, ms);
	pthread_mutex_lock(&e->lock);
	for (;;) {
		until = wake;
		if (e->closing && ts_before(&e->deadline, &until))
			until = e->deadline;
		if (pthread_cond_timedwait(&e->cond, &e->lock, &until) == ETIMEDOUT)
			break;
	}
	ok = !past_deadline_locked(e);
	pthread_mutex_unlock(&e->lock);
	return ok;
}

static enum send_result send_batch(struct exporter *e, CURL *c, struct xbatch *b, struct xfer *x)
{
	const void *body = b->data;
	unsigned char *gz = NULL;
	unsigned int attempt, delay;
	size_t len = b->len;
	int64_t rej;
	char msg[128];
	long status;

	if (e->gzip && !gzip_body(b->data, b->len, &gz, &len))
		body = gz;
	else
		len = b->len;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, gz ? e->hdrs : e->hdrs->next);
	for (attempt = 1;; attempt++) {
		if (past_deadline(e)) {
			free(gz);
			return SEND_UNSENT;
		}
		status = http_post(e, c, body, len, x);
		if (status >= 200 && status < 300)
			break;
		if (!retryable(status) || attempt >= e->o.max_attempts) {
			pthread_mutex_lock(&e->lock);
			note_locked(e, "export: POST %s: HTTP %ld, %zu spans %s", e->url_log,
				    status, b->nspans, retryable(status) ? "given up" : "refused");
			pthread_mutex_unlock(&e->lock);
			free(gz);
			return past_deadline(e) ? SEND_UNSENT : SEND_FAILED;
		}
		delay = export_backoff_ms(attempt, e->o.retry_base_ms, e->o.retry_max_ms,
					  x->retry_after_s, (uint32_t)rand());
		pthread_mutex_lock(&e->lock);
		e->st.http_retries++;
		pthread_mutex_unlock(&e->lock);
		if (!backoff_wait(e, delay)) {
			free(gz);
			return SEND_UNSENT;
		}
	}
	free(gz);
	rej = rejected_spans(e, &x->resp, msg, sizeof(msg));
	pthread_mutex_lock(&e->lock);
	if (rej > 0 || msg[0])
		note_locked(e, "export: %s accepted part of a batch: %" PRId64
			    " spans rejected%s%s", e->url_log, rej, msg[0] ? ": " : "", msg);
	rej = rej < 0 ? 0 : rej > (int64_t)b->nspans ? (int64_t)b->nspans : rej;
	e->st.http_rejected += rej;
	e->st.http_sent += b->nspans - rej;
	pthread_mutex_unlock(&e->lock);
	return SEND_OK;
}

static CURL *sender_curl(struct exporter *e, struct xfer *x)
{
	CURL *c = curl_easy_init();
	char ua[64];

	if (!c)
		return NULL;
	snprintf(ua, sizeof(ua), "tracetree-bpf/%s", e->version ? e->version : "0");
	curl_easy_setopt(c, CURLOPT_URL, e->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)e->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, e);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	return c;
}

static void *sender_main(void *arg)
{
	struct exporter *e = arg;
	struct xfer x = { .e = e };
	enum send_result r;
	struct xbatch *b;
	CURL *c;

	tt_buf_init(&x.resp, TT_MAX_EXPORT_RESPONSE);
	c = sender_curl(e, &x);
	pthread_mutex_lock(&e->lock);
	if (!c)
		note_locked(e, "export: curl_easy_init failed: nothing will be sent");
	while (c) {
		while (!e->head && !e->closing)
			pthread_cond_wait(&e->cond, &e->lock);
		if (!e->head || past_deadline_locked(e))
			break;
		b = e->head;
		e->head = b->next;
		if (!e->head)
			e->tail = NULL;
		pthread_mutex_unlock(&e->lock);
		r = send_batch(e, c, b, &x);
		pthread_mutex_lock(&e->lock);
		if (r == SEND_FAILED)
			e->st.http_rejected += b->nspans;
		else if (r == SEND_UNSENT)
			e->st.http_unsent += b->nspans;
		e->queued -= b->len;
		free(b);
	}
	pthread_mutex_unlock(&e->lock);
	curl_easy_cleanup(c);
	tt_buf_free(&x.resp);
	return NULL;
}

/* Caller thread: queues one encoded batch; drops the oldest queued ones when full. */
static void http_enqueue(struct exporter *e, const unsigned char *p, size_t len, size_t nspans)
{
	struct xbatch *b = malloc(sizeof(*b) + len), *old;
	uint64_t dropped = 0;

	if (!b) {
		pthread_mutex_lock(&e->lock);
		e->st.http_dropped += nspans;
		pthread_mutex_unlock(&e->lock);
		return;
	}
	memcpy(b->data, p, len);
	b->len = len;
	b->nspans = nspans;
	b->next = NULL;
	pthread_mutex_lock(&e->lock);
	while (e->queued + len > e->o.queue_bytes && e->head) {
		old = e->head;
		e->head = old->next;
		if (!e->head)
			e->tail = NULL;
		e->queued -= old->len;
		dropped += old->nspans;
		free(old);
	}
	if (e->queued + len > e->o.queue_bytes) {
		/* only the batch in flight is left and the new one does not fit beside it */
		dropped += nspans;
		free(b);
	} else {
		if (e->tail)
			e->tail->next = b;
		else
			e->head = b;
		e->tail = b;
		e->queued += len;
		pthread_cond_signal(&e->cond);
	}
	e->st.http_dropped += dropped;
	pthread_mutex_unlock(&e->lock);
	if (dropped && !e->warned_overflow) {
		e->warned_overflow = true;
		tt_warn("export: OTLP/HTTP queue full (%zu bytes): dropped %" PRIu64
			" spans (counted; endpoint %s too slow or down)", e->o.queue_bytes, dropped,
			e->url_log);
	}
}

/* ---- batching and encoding (caller thread) -------------------------------------------- */

typedef int (*encode_fn)(struct tt_buf *b, struct tt_span *const *spans, size_t n,
			 const struct otlp_meta *m);
typedef void (*emit_fn)(struct exporter *e, struct tt_buf *b, size_t nspans);

/* Encodes spans[0..n); a batch over the body cap is split in halves down to single spans. */
static int encode_split(struct exporter *e, struct tt_span **spans, size_t n, encode_fn enc,
			emit_fn emit)
{
	struct tt_buf b;
	int err;

	if (!n)
		return 0;
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	err = enc(&b, spans, n, &e->meta);
	if (!err)
		emit(e, &b, n);
	tt_buf_free(&b);
	if (err != -E2BIG)
		return err;
	if (n == 1) {
		e->st.too_big++;
		tt_warn("export: span '%s' alone exceeds %u bytes encoded: dropped", spans[0]->name,
			TT_MAX_EXPORT_BODY);
		return 0;
	}
	err = encode_split(e, spans, n / 2, enc, emit);
	return encode_split(e, spans + n / 2, n - n / 2, enc, emit) ?: err;
}

static void emit_file(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	if (fwrite(b->data, 1, b->len, e->file) != b->len || fputc('\n', e->file) == EOF ||
	    fflush(e->file)) {
		e->st.file_errors += nspans;
		if (!e->file_failed)
			tt_warn("export: writing %s: %s (spans lost, counted)", e->o.file,
				strerror(errno));
		e->file_failed = true;
		return;
	}
	e->st.file_spans += nspans;
}

static void emit_http(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	http_enqueue(e, b->data, b->len, nspans);
}

/* JSON for the file and, when the protocol is http/json, the same bytes for HTTP. */
static void emit_file_and_http(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	emit_file(e, b, nspans);
	emit_http(e, b, nspans);
}

int exporter__flush(struct exporter *e)
{
	size_t i;
	int err = 0;

	if (!e || !e->npend)
		return 0;
	if (e->file && e->http && e->json) {
		err = encode_split(e, e->pend, e->npend, otlp_json_encode, emit_file_and_http);
	} else {
		if (e->file)
			err = encode_split(e, e->pend, e->npend, otlp_json_encode, emit_file);
		if (e->http)
			err = encode_split(e, e->pend, e->npend,
					   e->json ? otlp_json_encode : otlp_pb_encode,
					   emit_http) ?: err;
	}
	if (err)
		tt_warn("export: encoding %zu spans: %s", e->npend, strerror(-err));
	for (i = 0; i < e->npend; i++)
		span__free(e->pend[i]);
	e->npend = 0;
	if (!err && e->file_failed)
		err = -EIO;
	return err;
}

void exporter__span(struct tt_span *s, void *ctx)
{
	struct exporter *e = ctx;

	if (!s)
		return;
	e->st.spans++;
	if (e->tree && tree_view__add(e->tree, s))
		tt_warn("export: tree view: span '%s' not shown: out of memory", s->name);
	if (!e->file && !e->http) {
		span__free(s);
		return;
	}
	e->pend[e->npend++] = s;
	if (e->npend >= e->o.batch_spans)
		exporter__flush(e);
}

static void log_note(struct exporter *e)
{
	char note[EXPORT_NOTE];

	if (!e->http)
		return;
	pthread_mutex_lock(&e->lock);
	memcpy(note, e->note, sizeof(note));
	e->note[0] = '\0';
	pthread_mutex_unlock(&e->lock);
	if (note[0])
		tt_warn("%s", note);
}

void exporter__tick(struct exporter *e, uint64_t now_ns)
{
	if (!e)
		return;
	if (!e->ticked) {
		e->ticked = true;
		e->last_flush_ns = now_ns;
	}
	if (now_ns - e->last_flush_ns >= (uint64_t)e->o.flush_ms * 1000000) {
		exporter__flush(e);
		e->last_flush_ns = now_ns;
	}
	log_note(e);
}

void exporter__stats(struct exporter *e, struct export_stats *st)
{
	struct tree_view_stats ts;

	if (e->http) {
		pthread_mutex_lock(&e->lock);
		*st = e->st;
		st->queue_bytes = e->queued;
		pthread_mutex_unlock(&e->lock);
	} else {
		*st = e->st;
	}
	if (e->tree) {
		tree_view__stats(e->tree, &ts);
		st->tree_traces = ts.traces;
	}
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

static int http_headers(struct exporter *e)
{
	struct attr_list h = { 0 };
	struct curl_slist *l = NULL, *n;
	char line[4096];
	size_t i;
	int err = 0;

	/* hdrs->next skips Content-Encoding when gzip is off or fails for a batch */
	l = curl_slist_append(l, "Content-Encoding: gzip");
	n = l ? curl_slist_append(l, e->json ? "Content-Type: application/json" :
				  "Content-Type: application/x-protobuf") : NULL;
	l = n ? curl_slist_append(n, "Expect:") : NULL;
	if (!l) {
		curl_slist_free_all(n);
		return -ENOMEM;
	}
	if (e->o.headers) {
		err = export_parse_kv(e->o.headers, &h);
		if (err == -EINVAL)
			tt_warn("export: OTEL_EXPORTER_OTLP_HEADERS is malformed: ignored");
		if (!err && h.n > TT_MAX_EXPORT_HEADERS)
			err = -E2BIG;
	}
	for (i = 0; !err && i < h.n; i++) {
		if (snprintf(line, sizeof(line), "%s: %s", h.v[i].key, h.v[i].s) >=
		    (int)sizeof(line)) {
			err = -E2BIG;
			break;
		}
		n = curl_slist_append(l, line);
		err = n ? 0 : -ENOMEM;
		l = n ? n : l;
	}
	memset(line, 0, sizeof(line));
	attrs_free(&h);
	e->hdrs = l;
	return err == -EINVAL ? 0 : err;
}

static int http_setup(struct exporter *e, const char *url)
{
	pthread_condattr_t ca;
	int err;

	if (e->o.protocol && !strcmp(e->o.protocol, "http/json")) {
		e->json = true;
	} else if (e->o.protocol && strcmp(e->o.protocol, "http/protobuf")) {
		tt_err("export: OTLP protocol '%s' is not supported: use http/protobuf or "
		       "http/json", e->o.protocol);
		return -EINVAL;
	}
	if (e->o.compression && strcmp(e->o.compression, "gzip") &&
	    strcmp(e->o.compression, "none")) {
		tt_err("export: OTLP compression '%s' is not supported: gzip or none",
		       e->o.compression);
		return -EINVAL;
	}
	e->gzip = !e->o.compression || !strcmp(e->o.compression, "gzip");
	e->url = strdup(url);
	e->url_log = url_for_log(url);
	if (!e->url || !e->url_log)
		return -ENOMEM;
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&e->lock, NULL);
	e->http = true;		/* from here exporter_free() undoes the above */
	err = http_headers(e);
	if (err)
		return err;
	err = -pthread_create(&e->thread, NULL, sender_main, e);
	e->thread_started = !err;
	if (!err)
		tt_info("export: OTLP/HTTP %s to %s%s", e->json ? "json" : "protobuf", e->url_log,
			e->gzip ? " (gzip)" : "");
	return err;
}

static void opts_defaults(struct export_opts *o)
{
	o->timeout_ms = o->timeout_ms ?: EXPORT_TIMEOUT_MS;
	o->batch_spans = o->batch_spans ?: TT_MAX_EXPORT_BATCH;
	if (o->batch_spans > TT_MAX_EXPORT_BATCH)
		o->batch_spans = TT_MAX_EXPORT_BATCH;
	o->flush_ms = o->flush_ms ?: EXPORT_FLUSH_MS;
	o->queue_bytes = o->queue_bytes ?: TT_MAX_EXPORT_QUEUE;
	o->drain_ms = o->drain_ms ?: TT_EXPORT_DRAIN_MS;
	o->retry_base_ms = o->retry_base_ms ?: EXPORT_RETRY_BASE_MS;
	o->retry_max_ms = o->retry_max_ms ?: EXPORT_RETRY_MAX_MS;
	o->max_attempts = o->max_attempts ?: EXPORT_MAX_ATTEMPTS;
}

static int meta_setup(struct exporter *e)
{
	int err = 0;

	if (e->o.resource_attrs) {
		err = export_parse_kv(e->o.resource_attrs, &e->extra);
		if (err == -EINVAL) {
			tt_warn("export: OTEL_RESOURCE_ATTRIBUTES is malformed: ignored");
			err = 0;
		}
	}
	e->version = e->o.version ? strdup(e->o.version) : NULL;
	e->service_name = e->o.service_name ? strdup(e->o.service_name) : NULL;
	err = err ?: attrs_set_str(&e->extra, "telemetry.sdk.name", TT_OTLP_SCOPE_NAME);
	if (!err && e->version)
		err = attrs_set_str(&e->extra, "telemetry.sdk.version", e->version);
	if (err || (e->o.version && !e->version) || (e->o.service_name && !e->service_name))
		return err ?: -ENOMEM;
	e->meta.clock = e->o.clock;
	e->meta.scope_version = e->version;
	e->meta.schema_url = TT_OTLP_SCHEMA_URL;
	e->meta.service_name = e->service_name;
	e->meta.extra = &e->extra;
	return 0;
}

static int outputs_setup(struct exporter *e)
{
	if (e->o.file && !strcmp(e->o.file, "-")) {
		e->file = stdout;
	} else if (e->o.file) {
		e->file = fopen(e->o.file, "we");
		if (!e->file) {
			tt_err("export: cannot open %s: %s", e->o.file, strerror(errno));
			return -errno;
		}
		e->own_file = true;
	}
	if (e->o.tree) {
		e->tree = tree_view__new(e->o.tree, &e->o.tree_opts);
		if (!e->tree)
			return -ENOMEM;
	}
	e->pend = calloc(e->o.batch_spans, sizeof(*e->pend));
	return e->pend ? 0 : -ENOMEM;
}

static void exporter_free(struct exporter *e)
{
	struct xbatch *b;
	size_t i;

	for (i = 0; i < e->npend; i++)
		span__free(e->pend[i]);
	free(e->pend);
	while ((b = e->head)) {
		e->head = b->next;
		free(b);
	}
	if (e->http) {
		pthread_mutex_destroy(&e->lock);
		pthread_cond_destroy(&e->cond);
		curl_slist_free_all(e->hdrs);
		curl_global_cleanup();
	}
	if (e->own_file)
		fclose(e->file);
	else if (e->file)
		fflush(e->file);
	tree_view__free(e->tree);
	attrs_free(&e->extra);
	free(e->service_name);
	free(e->version);
	free(e->url);
	free(e->url_log);
	free(e);
}

struct exporter *exporter__new(const struct export_opts *o)
{
	struct exporter *e = calloc(1, sizeof(*e));
	char url[EXPORT_MAX_URL];
	int err;

	if (!e)
		return NULL;
	e->o = *o;
	opts_defaults(&e->o);
	err = meta_setup(e) ?: outputs_setup(e);
	if (!err) {
		err = export_resolve_url(&e->o, url, sizeof(url));
		if (err == -ENOENT)
			err = 0;
		else if (err)
			tt_err("export: OTLP endpoint URL longer than %d bytes", EXPORT_MAX_URL);
		else
			err = http_setup(e, url);
	}
	if (err) {
		exporter_free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

static void http_drain(struct exporter *e)
{
	struct xbatch *b;

	pthread_mutex_lock(&e->lock);
	e->closing = true;
	ts_now(&e->deadline);
	ts_add_ms(&e->deadline, e->o.drain_ms);
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	e->thread_started = false;
	/* the thread is gone: what is still queued was never sent */
	while ((b = e->head)) {
		e->head = b->next;
		e->st.http_unsent += b->nspans;
		e->queued -= b->len;
		free(b);
	}
	e->tail = NULL;
}

void exporter__close(struct exporter *e, struct export_stats *st)
{
	struct export_stats s;
	char line[512];

	if (!e)
		return;
	exporter__flush(e);
	if (e->tree)
		tree_view__flush(e->tree);
	if (e->thread_started)
		http_drain(e);
	log_note(e);
	exporter__stats(e, &s);
	if (!export_stats_format(&s, line, sizeof(line))) {
		if (s.http_dropped || s.http_unsent || s.http_rejected || s.file_errors ||
		    s.too_big)
			tt_warn("export: not every span was exported: %s", line);
		else
			tt_info("export: %s", line);
	}
	if (st)
		*st = s;
	exporter_free(e);
}
