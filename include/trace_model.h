/* SPDX-License-Identifier: MIT */
/* trace_model.h: spans read back from OTLP JSON Lines (any producer), grouped by trace. */
#ifndef TT_TRACE_MODEL_H
#define TT_TRACE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The spans of a file as tt_span objects (their times are Unix ns here, not boot ns), each
 * with a resource holding its resourceSpans' attributes. Spans keep the order of the file.
 */
struct trace_model {
	struct tt_span **spans;
	size_t n;
	size_t alloc;
	size_t lines;	/* lines read (blank ones too) */
	size_t skipped; /* spans without valid ids, not kept */
};

/*
 * Reads one line (one TracesData / ExportTraceServiceRequest JSON object; blank: nothing).
 * 0; -EBADMSG (not JSON / not OTLP), -E2BIG (line over TT_MAX_MODEL_LINE, or the model at
 * TT_MAX_MODEL_SPANS), -ENOMEM; err (if errlen) says why.
 */
int trace_model__read_line(struct trace_model *m, const char *line, size_t len, char *err,
			   size_t errlen);
/* Every line of buf[0..len) in turn; stops at the first error (its line number in err). */
int trace_model__read_buf(struct trace_model *m, const char *buf, size_t len, char *err,
			  size_t errlen);
/*
 * A file by name ("-": stdin): read_buf on its content (at most TT_MAX_MODEL_FILE). err does
 * not repeat the path.
 */
int trace_model__read_file(struct trace_model *m, const char *path, char *err, size_t errlen);
void trace_model__free(struct trace_model *m);

/*
 * Orders the spans by trace (traces in order of first appearance, spans of a trace in file
 * order), so that each trace is one run of m->spans. O(n log n). 0 or -ENOMEM.
 */
int trace_model__group(struct trace_model *m);
/* After group: the end of the trace that starts at m->spans[i] (i < m->n). */
size_t trace_model_trace_end(const struct trace_model *m, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* TT_TRACE_MODEL_H */
