// SPDX-License-Identifier: MIT
/*
 * metrics.c: the Prometheus text exposition (format 0.0.4) of a struct tt_metrics. Pure: the
 * health server formats the snapshot the main thread published, nothing else.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "metrics.h"
#include "tt_abi.h"

static const char *const kind_names[METRICS_KINDS] = {
	[TT_SRC_SSL] = "openssl", [TT_SRC_SSL_EX] = "openssl_ex", [TT_SRC_GNUTLS] = "gnutls",
	[TT_SRC_NSS] = "nss",	  [TT_SRC_GOTLS] = "go_tls",	  [TT_SRC_SOCK] = "socket",
	[TT_SRC_AEAD] = "aead",
};

_Static_assert(TT_SRC_AEAD + 1 == METRICS_KINDS, "a capture kind without a metrics label");

const char *metrics_kind_name(unsigned int kind)
{
	return kind < METRICS_KINDS ? kind_names[kind] : NULL;
}

void metrics_capture_record(struct metrics_capture *c, const void *rec, size_t size)
{
	const struct tt_data *d = rec;

	if (size < sizeof(*d) || d->h.type != TT_REC_DATA)
		return;
	if (d->src < METRICS_KINDS) {
		c->chunks[d->src]++;
		c->bytes[d->src] += d->len;
	} else {
		c->other_chunks++;
		c->other_bytes += d->len;
	}
}

int metrics_label_value(struct tt_buf *b, const char *s)
{
	int err = 0;

	for (; *s && !err; s++) {
		if (*s == '\\')
			err = tt_buf_add(b, "\\\\", 2);
		else if (*s == '"')
			err = tt_buf_add(b, "\\\"", 2);
		else if (*s == '\n')
			err = tt_buf_add(b, "\\n", 2);
		else
			err = tt_buf_addc(b, *s);
	}
	return err;
}

enum metric_type { M_COUNTER, M_GAUGE };

/* One metric without labels: a field of struct tt_metrics. */
struct metric_def {
	const char *name;
	enum metric_type type;
	size_t off;
	const char *help;
};

#define C(n, f, h)                                                                    \
	{                                                                             \
		"tracetree_" n "_total", M_COUNTER, offsetof(struct tt_metrics, f), h \
	}
#define G(n, f, h)                                                         \
	{                                                                  \
		"tracetree_" n, M_GAUGE, offsetof(struct tt_metrics, f), h \
	}

static const struct metric_def defs[] = {
	C("records", records, "Records taken from the ring buffer."),
	C("bad_records", bad_records, "Records that failed validation."),
	C("lost_records", lost_records, "Records lost because the ring buffer was full."),
	C("lost_bytes", lost_bytes, "Payload bytes in the records lost."),
	C("truncated_calls", truncated_calls, "TLS calls larger than the per-call capture cap."),
	C("exchanges", exchanges, "HTTP exchanges reassembled."),
	C("llm_calls", llm_calls, "HTTP exchanges decoded as model API calls."),
	C("reassembly_gaps", gaps, "Bytes lost in reassembly (position jumps, truncated calls)."),
	C("mem_budget_drops", mem_drops, "Holders dropped by the reassembly memory budget."),
	C("mem_budget_dropped_bytes", mem_dropped_bytes, "Bytes those holders held."),
	C("spans", spans, "Finished spans given to the exporter."),
	C("export_failures", http_rejected,
	  "Spans the OTLP endpoint refused or that failed every retry."),
	C("export_file_errors", file_errors, "Failed writes to the -o file (spans lost)."),
	C("export_queue_drops", http_dropped, "Spans dropped because the export queue was full."),
	C("export_too_big", too_big, "Spans dropped because one alone exceeds the request cap."),
	C("export_requests", http_requests, "OTLP/HTTP requests, retries included."),
	C("inspections", inspections, "Files the inspection worker took."),
	C("inspections_dropped", inspect_dropped, "Files not inspected: the queue was full."),
	C("held_processes", held, "Processes held at exec until their file was probed."),
	C("hold_timeouts", hold_timeouts, "Held processes continued at the deadline."),
	C("unselected_records", unselected, "Records of processes --select leaves out, dropped."),
	G("probed_files", probed_files, "Files with TLS probes attached."),
	G("traced_processes", procs, "Processes in the tracer's process table."),
	G("open_connections", conns_open, "Connections being reassembled."),
	G("reassembly_memory_bytes", mem_used, "Bytes held in reassembly."),
	G("reassembly_memory_limit_bytes", mem_limit, "The reassembly memory budget."),
	G("export_queue_bytes", queue_bytes, "Bytes waiting in the OTLP/HTTP export queue."),
};

#undef C
#undef G

static int head(struct tt_buf *b, const char *name, enum metric_type t, const char *help)
{
	return tt_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			     t == M_COUNTER ? "counter" : "gauge");
}

static uint64_t field(const struct tt_metrics *m, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)m + off, sizeof(v));
	return v;
}

/* A counter by capture kind: v[kind], then the kind this build does not name. */
static int by_kind(struct tt_buf *b, const char *name, const char *help, const uint64_t *v,
		   uint64_t other)
{
	unsigned int k;
	int err = head(b, name, M_COUNTER, help);

	for (k = 0; k <= METRICS_KINDS && !err; k++) {
		err = tt_buf_printf(b, "%s{kind=\"", name);
		err = err ?: metrics_label_value(b, k < METRICS_KINDS ? kind_names[k] : "other");
		err = err   ?:
			      tt_buf_printf(b, "\"} %llu\n",
					    (unsigned long long)(k < METRICS_KINDS ? v[k] : other));
	}
	return err;
}

/* The exporters' spans: the -o file and the OTLP endpoint are labels of one metric. */
static int exported(struct tt_buf *b, const struct tt_metrics *m)
{
	const char *n = "tracetree_spans_exported_total";
	int err = head(b, n, M_COUNTER, "Spans written to the -o file or accepted by OTLP/HTTP.");

	err = err   ?:
		      tt_buf_printf(b, "%s{exporter=\"file\"} %llu\n", n,
				    (unsigned long long)m->file_spans);
	return err   ?:
		       tt_buf_printf(b, "%s{exporter=\"otlp_http\"} %llu\n", n,
				     (unsigned long long)m->http_sent);
}

int metrics_format(struct tt_buf *b, const struct tt_metrics *m)
{
	size_t i;
	int err;

	err = head(b, "tracetree_build_info", M_GAUGE, "The tracer's version, as a label.");
	err = err ?: tt_buf_addstr(b, "tracetree_build_info{version=\"");
	err = err ?: metrics_label_value(b, m->version ? m->version : "");
	err = err ?: tt_buf_addstr(b, "\"} 1\n");
	err = err   ?:
		      head(b, "tracetree_probes_attached", M_GAUGE,
			   "1 once the probes are attached and tracing runs.");
	err = err ?: tt_buf_printf(b, "tracetree_probes_attached %d\n", m->attached ? 1 : 0);
	for (i = 0; i < sizeof(defs) / sizeof(defs[0]) && !err; i++) {
		err = head(b, defs[i].name, defs[i].type, defs[i].help);
		err = err   ?:
			      tt_buf_printf(b, "%s %llu\n", defs[i].name,
					    (unsigned long long)field(m, defs[i].off));
	}
	err = err ?: exported(b, m);
	err = err   ?:
		      by_kind(b, "tracetree_captured_chunks_total",
			      "Plaintext chunks captured, by capture kind.", m->cap.chunks,
			      m->cap.other_chunks);
	return err   ?:
		       by_kind(b, "tracetree_captured_bytes_total",
			       "Plaintext bytes captured, by capture kind.", m->cap.bytes,
			       m->cap.other_bytes);
}
