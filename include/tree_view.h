/* SPDX-License-Identifier: MIT */
/* tree_view.h: finished spans printed as a terminal trace tree, one trace when its root ends. */
#ifndef TT_TREE_VIEW_H
#define TT_TREE_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_TREE_WIDTH	  100 /* columns of one line, … marks a cut */
#define TT_TREE_NAME_COLS 40  /* tree prefix + span name before the duration column */

struct tree_view_opts {
	unsigned int width; /* 0 = TT_TREE_WIDTH */
	size_t max_spans;   /* spans buffered across traces; 0 = TT_MAX_OPEN_SPANS */
};

struct tree_view_stats {
	uint64_t spans;	     /* spans received */
	uint64_t traces;     /* trees printed, complete or not */
	uint64_t incomplete; /* trees printed without their root (exit or eviction) */
	uint64_t evicted;    /* trees printed early because max_spans was reached */
};

/* A view writing to out (not closed by the view). NULL with errno on failure. */
struct tree_view *tree_view__new(FILE *out, const struct tree_view_opts *o);
/*
 * Copies what the view shows of s (s stays the caller's). When s is a root (no parent, or a
 * remote one) its trace is printed and forgotten. 0 or -ENOMEM.
 */
int tree_view__add(struct tree_view *tv, const struct tt_span *s);
/* Prints every buffered trace, marked incomplete (at exit). */
void tree_view__flush(struct tree_view *tv);
void tree_view__stats(const struct tree_view *tv, struct tree_view_stats *st);
void tree_view__free(struct tree_view *tv);

/* The duration as the view prints it: "850 µs", "12 ms", "2.3 s", "4m05s". */
void tree_view_duration(uint64_t ns, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_TREE_VIEW_H */
