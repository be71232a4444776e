/* SPDX-License-Identifier: MIT */
/* metrics.h: the tracer's counters as one snapshot, and its Prometheus text exposition. */
#ifndef TT_METRICS_H
#define TT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Capture kinds: the tt_data sources (enum tt_src), the label kind="..." of the counts. */
#define METRICS_KINDS 7

/* Plaintext records and bytes by kind, counted as records arrive (main thread). */
struct metrics_capture {
	uint64_t chunks[METRICS_KINDS];
	uint64_t bytes[METRICS_KINDS];
	uint64_t other_chunks; /* a source this build does not name */
	uint64_t other_bytes;
};

/*
 * Everything /metrics shows, copied from the counters --stats prints (loader, events,
 * pipeline, prober, exporter) by the main thread: the HTTP server reads only this copy.
 */
struct tt_metrics {
	const char *version;
	uint64_t records;	  /* taken from the ring buffer (or a capture) */
	uint64_t bad_records;	  /* failed validation */
	uint64_t lost_records;	  /* the ring buffer was full */
	uint64_t lost_bytes;	  /* payload bytes in those */
	uint64_t truncated_calls; /* calls over the per-call cap */
	struct metrics_capture cap;
	uint64_t exchanges; /* HTTP exchanges reassembled */
	uint64_t llm_calls; /* decoded as model calls */
	uint64_t gaps;	    /* lost-byte events in reassembly */
	uint64_t mem_drops; /* holders dropped by the memory budget */
	uint64_t mem_dropped_bytes;
	uint64_t spans;		  /* finished spans given to the exporter */
	uint64_t file_spans;	  /* written to the -o file */
	uint64_t file_errors;	  /* failed writes */
	uint64_t http_sent;	  /* accepted by the OTLP endpoint */
	uint64_t http_rejected;	  /* refused or retries used up */
	uint64_t http_dropped;	  /* the export queue was full */
	uint64_t too_big;	  /* one span over the request cap */
	uint64_t http_requests;	  /* POSTs, retries included */
	uint64_t probed_files;	  /* files with probes attached (gauge) */
	uint64_t inspections;	  /* files the inspection worker took */
	uint64_t inspect_dropped; /* its queue was full */
	uint64_t held;		  /* processes held at exec */
	uint64_t hold_timeouts;	  /* continued at the deadline, not probed yet */
	uint64_t unselected;	  /* records of processes --select leaves out */
	/* gauges */
	uint64_t procs;	      /* processes in the linker's table */
	uint64_t conns_open;  /* connections being reassembled */
	uint64_t mem_used;    /* bytes held in reassembly */
	uint64_t mem_limit;   /* the budget (--mem-budget) */
	uint64_t queue_bytes; /* OTLP/HTTP queue */
	bool attached;	      /* the probes are attached (live, after start) */
};

/* The label value of a capture kind (enum tt_src), NULL past the last. */
const char *metrics_kind_name(unsigned int kind);
/* Counts one checked record if it is plaintext (TT_REC_DATA) by its source. */
void metrics_capture_record(struct metrics_capture *c, const void *rec, size_t size);
/* Appends s as a label value of the text format: \ " and newline escaped. 0 or -E2BIG/-ENOMEM. */
int metrics_label_value(struct tt_buf *b, const char *s);
/*
 * Appends m in the Prometheus text exposition format 0.0.4: every metric with # HELP and
 * # TYPE, counters ending in _total, names tracetree_*. 0, or -E2BIG/-ENOMEM from b.
 */
int metrics_format(struct tt_buf *b, const struct tt_metrics *m);

#ifdef __cplusplus
}
#endif
#endif /* TT_METRICS_H */
