/* SPDX-License-Identifier: MIT */
/* pipeline.h: captured records -> HTTP exchanges -> LLM calls -> linked spans (live and replay). */
#ifndef TT_PIPELINE_H
#define TT_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "aead_bind.h"
#include "conn.h"
#include "linker.h"
#include "provider.h"
#include "select.h"
#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pipeline_opts {
	struct provider_opts provider;
	struct linker_opts linker;
	struct conn_opts conn;	/* zeroes: the tt_limits.h defaults */
	span_sink_fn span_sink; /* receives every finished span (takes ownership) */
	void *span_ctx;
	/* optional taps (--format exchanges|calls): see each exchange / call, own nothing */
	void (*on_exchange)(const struct http_exchange *x, void *ctx);
	void (*on_call)(const struct genai_call *c, void *ctx);
	void *tap_ctx;
	/*
	 * --select (NULL: everything): the records of processes not selected (by their own
	 * identity or an ancestor's) are dropped here, before reassembly and the linker, so their
	 * trees are never built. A process is decided at exec, with the TT_REC_IDENT that follows
	 * it when the selection names a kind only the identity has.
	 */
	const struct selection *select;
	/*
	 * With a pod-label term: the pod labels of the container of id (select_ident.labels
	 * form) into out, *used bytes; live only (main reads the runtime's state). 0 or -errno.
	 */
	int (*pod_labels)(const struct tt_ident *id, char *out, size_t size, size_t *used,
			  void *ctx);
	void *labels_ctx;
};

struct pipeline_stats {
	uint64_t records;
	uint64_t exchanges;	/* HTTP exchanges reassembled */
	uint64_t llm_calls;	/* decoded as LLM API calls */
	uint64_t http_other;	/* other HTTP exchanges (tool HTTP calls) */
	uint64_t decode_errors; /* provider_decode failures other than "not an LLM call" */
	uint64_t peers;		/* connections whose peer address became known */
	const struct conn_stats *conn;
	const struct tt_budget *mem; /* the connection table's byte budget */
	struct linker_stats linker;
	struct aead_hold_stats aead; /* sealed TLS records held for their socket */
	uint64_t unselected;	     /* --select: records of processes not selected, dropped */
	uint64_t unselected_procs;   /* ... processes decided against at exec or when found */
	uint64_t selected_procs;     /* ... processes selected now */
};

struct pipeline;

/*
 * Process-wide allocator setting for the pipeline's steady state: exchanges of a few MiB are
 * built and freed all the time, and glibc returning the top of the heap to the kernel after
 * each (then faulting it back in) cost more than a tenth of decoding gzip SSE. Freed memory
 * is kept for reuse up to 16 MiB. Called once by main (and the HTTP benchmark).
 */
void pipeline_tune_malloc(void);
struct pipeline *pipeline__new(const struct pipeline_opts *o);
/* One record already checked by tt_rec_validate, in arrival order. */
void pipeline__record(struct pipeline *p, const void *rec, size_t size);
/*
 * A process that was running before tracing started (see linker__add_existing). id: its
 * identity when known (NULL: not), to decide --select; its TT_REC_IDENT record still follows.
 * -ESRCH when --select leaves it out.
 */
int pipeline__add_existing(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			   uint64_t attach_ns, const char *exe_path, const char *args,
			   size_t args_len, const struct tt_ident *id);
/* Whether --select took pid (true without --select), as the records so far decided. */
bool pipeline__selected(const struct pipeline *p, uint32_t pid);
/* Periodic work: idle connection expiry. now_ns is boot-clock time. */
void pipeline__tick(struct pipeline *p, uint64_t now_ns);
/* End of input: deliver pending exchanges, end open spans at now_ns and export them. */
void pipeline__finish(struct pipeline *p, uint64_t now_ns);
void pipeline__stats(struct pipeline *p, struct pipeline_stats *st);
void pipeline__free(struct pipeline *p);

#ifdef __cplusplus
}
#endif
#endif /* TT_PIPELINE_H */
