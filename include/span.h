/* SPDX-License-Identifier: MIT */
/* span.h: the span model (spans, resources, attributes) shared by the linker and exporters. */
#ifndef TT_SPAN_H
#define TT_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Values are the OTLP enum numbers (exported as integers). */
enum span_kind {
	SPAN_KIND_INTERNAL = 1,
	SPAN_KIND_SERVER = 2,
	SPAN_KIND_CLIENT = 3,
};

enum span_status {
	SPAN_STATUS_UNSET = 0,
	SPAN_STATUS_OK = 1,
	SPAN_STATUS_ERROR = 2,
};

enum attr_type {
	ATTR_STR = 1,
	ATTR_INT,
	ATTR_DOUBLE,
	ATTR_BOOL,
	ATTR_STR_ARRAY,
};

struct attr {
	char *key;
	enum attr_type type;
	union {
		char *s;
		int64_t i;
		double d;
		bool b;
		struct {
			char **v;
			size_t n;
		} arr;
	};
};

/* Ordered attributes; setting an existing key replaces its value in place. */
struct attr_list {
	struct attr *v;
	size_t n;
	size_t alloc;
};

int attrs_set_str(struct attr_list *l, const char *key, const char *val);
int attrs_set_strn(struct attr_list *l, const char *key, const char *val, size_t len);
int attrs_set_int(struct attr_list *l, const char *key, int64_t val);
int attrs_set_double(struct attr_list *l, const char *key, double val);
int attrs_set_bool(struct attr_list *l, const char *key, bool val);
/* Copies the n strings. */
int attrs_set_str_array(struct attr_list *l, const char *key, const char *const *val, size_t n);
const struct attr *attrs_get(const struct attr_list *l, const char *key);
/* The string value of key, NULL if absent or not a string. */
const char *attrs_get_str(const struct attr_list *l, const char *key);
void attrs_free(struct attr_list *l);

/*
 * The OTLP resource of one traced process (service.name, process.pid, ...). Reference-counted:
 * every span of the process holds a reference, so a span can be exported after its process
 * is gone from the process table.
 */
struct tt_resource {
	uint32_t pid;
	uint64_t start_ns; /* process start (boot ns): with pid, its identity */
	struct attr_list attrs;
	int refs;
};

struct tt_resource *resource__new(uint32_t pid, uint64_t start_ns);
struct tt_resource *resource__get(struct tt_resource *r);
void resource__put(struct tt_resource *r);

/* A time-stamped annotation of a span (OTLP Span.Event). */
struct tt_span_event {
	char *name;
	uint64_t time_ns; /* boot-time ns, like the span's times */
	struct attr_list attrs;
};

struct tt_span {
	uint8_t trace_id[16];
	uint8_t span_id[8];
	uint8_t parent_id[8]; /* all zero for a root span */
	bool has_parent;
	bool remote_parent;  /* parent came from a traceparent header */
	uint8_t trace_flags; /* W3C flags (01 = sampled) */
	char *name;
	enum span_kind kind;
	uint64_t start_ns; /* boot-time ns; exporters convert with their clock base */
	uint64_t end_ns;
	enum span_status status;
	char *status_message;
	struct attr_list attrs;
	struct tt_span_event *events; /* at most TT_MAX_SPAN_EVENTS; the rest are counted */
	size_t n_events;
	size_t events_alloc;
	uint32_t dropped_events; /* OTLP dropped_events_count */
	/*
	 * Not exported (content stays private): a hash of a tool call's arguments, which the
	 * linker keeps whether or not content is captured, so findings can tell repeats. 0: none.
	 */
	uint64_t tool_args_hash;
	/*
	 * Not exported either, for findings without content: a tool span's result as a hash
	 * (genai_tool_result.content_hash, 0: none) and its arguments' shape (their top-level
	 * keys with empty values of the same JSON types, analyze_args_shape; "" when they are
	 * not JSON; NULL unknown); an LLM span's offered tools (genai_call.tool_offer).
	 */
	uint64_t tool_result_hash;
	char *tool_args_shape;
	char *tool_offer;
	struct tt_resource *resource; /* a reference owned by the span */
};

/* A span with fresh ids unset (zero), a copy of name, and a reference to res. */
struct tt_span *span__new(const char *name, enum span_kind kind, struct tt_resource *res);
int span__set_name(struct tt_span *s, const char *name);
int span__set_status(struct tt_span *s, enum span_status st, const char *message);
void span__free(struct tt_span *s);
/*
 * Appends an event named name at time_ns: the new event (its attributes to fill), or NULL
 * with errno ENOSPC once the span holds TT_MAX_SPAN_EVENTS (the event is counted in
 * dropped_events) or ENOMEM.
 */
struct tt_span_event *span__add_event(struct tt_span *s, const char *name, uint64_t time_ns);

/* Receives each finished span; takes ownership (free with span__free). */
typedef void (*span_sink_fn)(struct tt_span *s, void *ctx);

/* Random ids (from getrandom), never all zero. */
void span_new_trace_id(uint8_t id[16]);
void span_new_span_id(uint8_t id[8]);

#ifdef __cplusplus
}
#endif
#endif /* TT_SPAN_H */
