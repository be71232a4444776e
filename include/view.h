/* SPDX-License-Identifier: MIT */
/* view.h: the waterfall page: OTLP JSON Lines in, one self-contained HTML file out. */
#ifndef TT_VIEW_H
#define TT_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a span, from the attributes the tracer sets (README, "Attributes"). */
enum view_kind {
	VIEW_KIND_OTHER = 0,
	VIEW_KIND_AGENT,   /* gen_ai.operation.name invoke_agent / create_agent */
	VIEW_KIND_LLM,	   /* any other gen_ai.operation.name, or a gen_ai.request.model */
	VIEW_KIND_TOOL,	   /* execute_tool */
	VIEW_KIND_PROCESS, /* process.exit.code, or a span named "exec ..." */
	VIEW_KIND_HTTP,	   /* http.request.method / http.response.status_code */
	VIEW_KIND_MCP,	   /* mcp.method.name (an MCP tools/call is MCP, not a plain tool) */
};

struct view_opts {
	size_t max_spans; /* spans kept for the page, the rest counted [TT_MAX_VIEW_SPANS] */
	size_t max_data;  /* bytes of span data kept, the rest counted [TT_MAX_VIEW_DATA] */
};

struct view_stats {
	uint64_t lines;	    /* lines given */
	uint64_t bad_lines; /* not OTLP JSON (not JSON, or no resourceSpans array) */
	uint64_t spans;	    /* spans kept for the page */
	uint64_t dropped;   /* spans over a cap: counted, and said in the page */
	uint64_t bad_spans; /* a span that is no JSON object */
	uint64_t resources; /* resources kept */
};

/* NULL with errno on failure; o may be NULL (the defaults). */
struct view *view__new(const struct view_opts *o);
/*
 * One line of OTLP JSON Lines (a TracesData: resourceSpans / scopeSpans / spans; ids as
 * strings, times as strings or numbers, attributes as AnyValue). Its spans are kept in a
 * compact form for the page until a cap is reached, then counted. 0, -EBADMSG when the line is
 * not OTLP JSON (counted; the rest of the file is still read), -E2BIG for a line longer than
 * TT_MAX_VIEW_LINE, -ENOMEM. An empty or blank line is 0 and not counted as bad.
 */
int view__add_line(struct view *v, const char *line, size_t len);
void view__stats(const struct view *v, struct view_stats *st);
/* The page: HTML, its CSS and JS inline, the spans as JSON data in it. 0 or -EIO. */
int view__write(struct view *v, FILE *f, const char *title);
void view__free(struct view *v);

/*
 * Appends s[0..n) as the body of a JSON string that can sit in an HTML <script> element: as
 * jsonstr_escape() does, and '<', '>', '&', U+2028 and U+2029 as \uXXXX, so that no
 * "</script>" or "<!--" can end or change the element. 0 or the error of tt_buf_add().
 */
int view_escape(struct tt_buf *b, const char *s, size_t n);

/* `tracetree-bpf view TRACE.jsonl [-o FILE.html]`: the exit status. */
int view_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif /* TT_VIEW_H */
