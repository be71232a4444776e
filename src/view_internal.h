/* SPDX-License-Identifier: MIT */
/* view_internal.h: the spans kept for the page, shared by view.c and view_read.c. */
#ifndef TT_VIEW_INTERNAL_H
#define TT_VIEW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "view.h"

/* One span: its times, and its other members as JSON text in view.data. */
struct view_span {
	uint64_t start_ns;
	uint64_t end_ns;
	size_t off; /* in view.data: the members after the times, up to and with the '}' */
	size_t len;
};

struct view {
	struct view_opts o;
	struct view_span *spans;
	size_t cap_spans;
	struct tt_buf data; /* the spans' members, capped at o.max_data */
	struct tt_buf res;  /* resources: "[[key,value],...]" each, comma-separated */
	struct tt_buf tmp;  /* one attribute value as text */
	struct view_stats st;
};

/*
 * Parses one line of OTLP JSON (line[len] need not be NUL) and keeps its spans in v (the
 * spans over a cap counted as dropped). 0, -EBADMSG (not a TracesData) or -ENOMEM.
 */
int view_read_line(struct view *v, const char *line, size_t len);
/* The kind of a span named name with this OTLP attribute array (a cJSON array, or NULL). */
enum view_kind view_span_kind(const char *name, const void *attrs_json);
const char *view_kind_name(enum view_kind k);

#endif /* TT_VIEW_INTERNAL_H */
