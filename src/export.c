// SPDX-License-Identifier: MIT
/*
 * export.c: fans finished spans out to the OTLP file (JSON Lines), the OTLP/HTTP sender
 * (export_http.c, its own thread) and the tree, in batches.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "export_http.h"
#include "tt_limits.h"
#include "log.h"
#include "otlp_metrics.h"
#include "otlp_metrics_pb.h"
#include "outfile.h"
#include "otlp_pb.h"
#include "view.h"

#define EXPORT_TIMEOUT_MS    10000
#define EXPORT_FLUSH_MS	     1000
#define EXPORT_RETRY_BASE_MS 500
#define EXPORT_RETRY_MAX_MS  30000
#define EXPORT_MAX_ATTEMPTS  6
#define EXPORT_MAX_URL	     2048
#define EXPORT_METRICS_MS    60000

struct exporter {
	struct export_opts o;
	struct attr_list extra; /* global resource attributes */
	char *service_name;
	char *version;
	struct otlp_meta meta;

	struct tt_span **pend; /* finished spans not yet written or queued */
	size_t npend;
	uint64_t last_flush_ns;
	bool ticked;

	FILE *file;
	bool own_file;
	bool file_failed;

	struct tree_view *tree;
	struct view *html; /* the spans kept for the --html page */

	struct genai_metrics *metrics; /* --metrics-output, /v1/metrics */
	FILE *mfile;
	uint64_t metrics_last_ns; /* the latest span end: metrics' time (live and replay) */
	uint64_t metrics_written_ns;

	struct export_http *http; /* OTLP/HTTP, when an endpoint is set */
	struct export_stats st;	  /* the http_* counters are the sender's */
};

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

/* The --html page keeps the same OTLP JSON lines view reads from a file. */
static void emit_html(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	(void)nspans;
	if (view__add_line(e->html, (const char *)b->data, b->len) == -ENOMEM)
		tt_warn("export: --html: out of memory (spans lost)");
}

static void emit_http(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	export_http__enqueue(e->http, EXPORT_TRACES, b->data, b->len, nspans);
}

/* JSON for the file and, when the protocol is http/json, the same bytes for HTTP. */
static void emit_file_and_http(struct exporter *e, struct tt_buf *b, size_t nspans)
{
	emit_file(e, b, nspans);
	emit_http(e, b, nspans);
}

int exporter__flush(struct exporter *e)
{
	bool http, json;
	size_t i;
	int err = 0;

	if (!e || !e->npend)
		return 0;
	http = export_http__has(e->http, EXPORT_TRACES);
	json = http && export_http__json(e->http);
	if (e->file && json) {
		err = encode_split(e, e->pend, e->npend, otlp_json_encode, emit_file_and_http);
	} else {
		if (e->file)
			err = encode_split(e, e->pend, e->npend, otlp_json_encode, emit_file);
		if (http) {
			int herr = encode_split(e, e->pend, e->npend,
						json ? otlp_json_encode : otlp_pb_encode,
						emit_http);

			err = herr ?: err;
		}
	}
	if (e->html)
		err = encode_split(e, e->pend, e->npend, otlp_json_encode, emit_html) ?: err;
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
	if (e->metrics) {
		genai_metrics__span(e->metrics, s);
		if (s->end_ns > e->metrics_last_ns)
			e->metrics_last_ns = s->end_ns;
	}
	if (e->tree && tree_view__add(e->tree, s))
		tt_warn("export: tree view: span '%s' not shown: out of memory", s->name);
	if (!e->file && !export_http__has(e->http, EXPORT_TRACES) && !e->html) {
		span__free(s);
		return;
	}
	e->pend[e->npend++] = s;
	if (e->npend >= e->o.batch_spans)
		exporter__flush(e);
}

/* Every series so far (cumulative) to /v1/metrics, when there are any. */
static void metrics_post(struct exporter *e)
{
	bool json = export_http__json(e->http);
	struct tt_buf b;
	size_t n;
	int err;

	if (!genai_metrics__series(e->metrics, &n))
		return;
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	err = (json ? otlp_metrics_json : otlp_metrics_pb)(&b, e->metrics, &e->o.clock,
							   e->metrics_last_ns, e->version);
	if (!err)
		export_http__enqueue(e->http, EXPORT_METRICS, b.data, b.len, n);
	else
		tt_warn("export: metrics request not encoded: %s (%zu series)", strerror(-err), n);
	tt_buf_free(&b);
}

/* One MetricsData line with every series so far (cumulative); the same to /v1/metrics. */
static void metrics_write(struct exporter *e)
{
	struct tt_buf b;

	if (!e->metrics)
		return;
	if (export_http__has(e->http, EXPORT_METRICS))
		metrics_post(e);
	if (!e->mfile)
		return;
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (otlp_metrics_json(&b, e->metrics, &e->o.clock, e->metrics_last_ns, e->version) ||
	    fwrite(b.data, 1, b.len, e->mfile) != b.len || fputc('\n', e->mfile) == EOF ||
	    fflush(e->mfile))
		tt_warn("export: metrics line not written to %s", e->o.metrics_file);
	tt_buf_free(&b);
}

void exporter__tick(struct exporter *e, uint64_t now_ns)
{
	if (!e)
		return;
	if (e->metrics && now_ns - e->metrics_written_ns >= (uint64_t)e->o.metrics_ms * 1000000) {
		if (e->metrics_written_ns)
			metrics_write(e);
		e->metrics_written_ns = now_ns;
	}
	if (!e->ticked) {
		e->ticked = true;
		e->last_flush_ns = now_ns;
	}
	if (now_ns - e->last_flush_ns >= (uint64_t)e->o.flush_ms * 1000000) {
		exporter__flush(e);
		e->last_flush_ns = now_ns;
	}
	export_http__log_note(e->http);
}

void exporter__stats(struct exporter *e, struct export_stats *st)
{
	struct tree_view_stats ts;

	*st = e->st;
	if (e->http)
		export_http__stats(e->http, st);
	if (e->tree) {
		tree_view__stats(e->tree, &ts);
		st->tree_traces = ts.traces;
	}
	if (e->html) {
		struct view_stats vs;

		view__stats(e->html, &vs);
		st->html_spans = vs.spans;
		st->html_dropped = vs.dropped;
	}
}

/* ---- setup and teardown --------------------------------------------------------------- */

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
	o->metrics_ms = o->metrics_ms ?: EXPORT_METRICS_MS;
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
		e->file = outfile_fopen(e->o.file);
		if (!e->file) {
			int err = -errno;

			tt_err("export: cannot open %s: %s", e->o.file, strerror(-err));
			return err;
		}
		e->own_file = true;
	}
	if (e->o.metrics_file) {
		e->mfile = outfile_fopen(e->o.metrics_file);
		e->metrics = e->mfile ? genai_metrics__new(0) : NULL;
		if (!e->metrics) {
			int err = -errno;

			tt_err("export: cannot open %s: %s", e->o.metrics_file, strerror(-err));
			return err;
		}
	}
	if (e->o.tree) {
		e->tree = tree_view__new(e->o.tree, &e->o.tree_opts);
		if (!e->tree)
			return -ENOMEM;
	}
	if (e->o.html) {
		e->html = view__new(NULL);
		if (!e->html)
			return -ENOMEM;
	}
	e->pend = calloc(e->o.batch_spans, sizeof(*e->pend));
	return e->pend ? 0 : -ENOMEM;
}

static void exporter_free(struct exporter *e)
{
	size_t i;

	for (i = 0; i < e->npend; i++)
		span__free(e->pend[i]);
	free(e->pend);
	export_http__free(e->http);
	if (e->own_file)
		fclose(e->file);
	else if (e->file)
		fflush(e->file);
	tree_view__free(e->tree);
	view__free(e->html);
	genai_metrics__free(e->metrics);
	if (e->mfile)
		fclose(e->mfile);
	attrs_free(&e->extra);
	free(e->service_name);
	free(e->version);
	free(e);
}

/* The OTLP/HTTP sender, when an endpoint is configured for spans or metrics. */
static int http_setup(struct exporter *e)
{
	char traces[EXPORT_MAX_URL], metrics[EXPORT_MAX_URL];
	const char *url[EXPORT_N_SIGNALS] = { traces, metrics };
	int err, merr;

	err = export_resolve_url(&e->o, traces, sizeof(traces));
	merr = export_resolve_metrics_url(&e->o, metrics, sizeof(metrics));
	if ((err && err != -ENOENT) || (merr && merr != -ENOENT)) {
		tt_err("export: OTLP endpoint URL longer than %d bytes", EXPORT_MAX_URL);
		return -E2BIG;
	}
	if (err && merr)
		return 0;
	url[EXPORT_TRACES] = err ? NULL : traces;
	url[EXPORT_METRICS] = merr ? NULL : metrics;
	if (url[EXPORT_METRICS] && !e->metrics) {
		e->metrics = genai_metrics__new(0);
		if (!e->metrics)
			return -ENOMEM;
	}
	e->http = export_http__new(&e->o, url);
	return e->http ? 0 : -errno;
}

struct exporter *exporter__new(const struct export_opts *o)
{
	struct exporter *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return NULL;
	e->o = *o;
	opts_defaults(&e->o);
	err = meta_setup(e) ?: outputs_setup(e) ?: http_setup(e);
	if (err) {
		exporter_free(e);
		errno = -err;
		return NULL;
	}
	return e;
}

/* The --html page, at close: what was kept of every span exported. */
static void html_write(struct exporter *e)
{
	FILE *f;
	int err;

	if (!e->html)
		return;
	f = outfile_fopen(e->o.html);
	if (!f) {
		tt_err("export: cannot write %s: %s", e->o.html, strerror(errno));
		return;
	}
	err = view__write(e->html, f, e->o.html);
	if (fclose(f) || err)
		tt_err("export: writing %s failed", e->o.html);
	else
		tt_info("export: %s written", e->o.html);
}

void exporter__close(struct exporter *e, struct export_stats *st)
{
	struct export_stats s;
	char line[768];

	if (!e)
		return;
	exporter__flush(e);
	metrics_write(e);
	if (e->tree)
		tree_view__flush(e->tree);
	export_http__drain(e->http);
	export_http__log_note(e->http);
	html_write(e);
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
