/* SPDX-License-Identifier: MIT */
/* otlp_json.h: a batch of finished spans as one OTLP TracesData JSON object (pure encoder). */
#ifndef TT_OTLP_JSON_H
#define TT_OTLP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_OTLP_SCOPE_NAME "tracetree-bpf"
#define TT_OTLP_SCHEMA_URL "https://opentelemetry.io/schemas/1.41.0"

/* Span times are boot-time ns; OTLP wants Unix ns: unix = t - boot_ns + real_ns. */
struct otlp_clock {
	uint64_t boot_ns; /* CLOCK_BOOTTIME ... */
	uint64_t real_ns; /* ... and CLOCK_REALTIME read at the same moment */
};

/* What the encoders add around the spans; everything may be zero/NULL. */
struct otlp_meta {
	struct otlp_clock clock;
	const char *scope_version;     /* InstrumentationScope.version; NULL = omitted */
	const char *schema_url;	       /* ResourceSpans/ScopeSpans.schemaUrl; NULL = omitted */
	const char *service_name;      /* OTEL_SERVICE_NAME: replaces every service.name */
	const struct attr_list *extra; /* global resource attributes, for keys a resource lacks */
};

/* d in the shortest %g form that reads back the same; NaN and infinities as proto3 strings. */
int otlp_json_double(struct tt_buf *b, double d);
uint64_t otlp_unix_ns(const struct otlp_clock *c, uint64_t boot_ns);
/* Span.flags: W3C trace flags | HAS_IS_REMOTE (0x100) | IS_REMOTE (0x200) for remote parents. */
uint32_t otlp_span_flags(const struct tt_span *s);
/* True when spans[i] is the first span of its resource in spans[0..i]: it opens a group. */
bool otlp_first_of_resource(struct tt_span *const *spans, size_t i);
/*
 * Calls fn on every attribute of r's OTLP resource: r's own attributes (service.name replaced
 * by m->service_name when set), then m->extra ones whose key r lacks. r may be NULL. Stops at
 * and returns the first nonzero fn result.
 */
int otlp_resource_each(const struct tt_resource *r, const struct otlp_meta *m,
		       int (*fn)(const struct attr *a, void *ctx), void *ctx);

/*
 * Appends spans[0..n) as one TracesData JSON object, one line without the newline: one
 * resourceSpans per resource (in order of first appearance), one scopeSpans each. Returns 0,
 * -E2BIG when b's cap is reached (b then holds a partial object) or -ENOMEM.
 */
int otlp_json_encode(struct tt_buf *b, struct tt_span *const *spans, size_t n,
		     const struct otlp_meta *m);

#ifdef __cplusplus
}
#endif
#endif /* TT_OTLP_JSON_H */
