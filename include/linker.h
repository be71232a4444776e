/* SPDX-License-Identifier: MIT */
/* linker.h: links processes, LLM calls, tool calls and HTTP requests into span trees. */
#ifndef TT_LINKER_H
#define TT_LINKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genai.h"
#include "http_exchange.h"
#include "span.h"
#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct linker_opts {
	/*
	 * `-- COMMAND` / `-p PID`: every process shares one trace, the first process without a
	 * traced parent is its root. Otherwise (--all) the top-most agent of each process tree
	 * starts a trace, rooted at the top of its launcher chain (linker_place.c).
	 */
	bool single_trace;
	/*
	 * --all: drop the spans of traces with no agent, unless a process of the trace made a TLS
	 * connection whose plaintext could not be read to an LLM API host or to this host
	 * (linker_tls.c: an agent the tracer cannot see into).
	 */
	bool agents_only;
	/*
	 * Without single_trace, a traceparent header on a traced program's request is adopted
	 * only with this (--trust-traceparent), and never when it names the trace of another
	 * process tree: else any process could put its spans into any trace (another tenant's).
	 * single_trace always adopts: the user chose the processes.
	 */
	bool trust_traceparent;
	/* Export tool call arguments (gen_ai.tool.call.arguments): content capture is on. */
	bool capture_content;
	size_t content_max; /* bytes of one content attribute (--content-max); 0: the default */
	const char *service_name; /* OTEL_SERVICE_NAME: overrides service.name; may be NULL */
	const char *host_name;	  /* host.name; may be NULL */
};

struct linker_stats {
	uint64_t spans;		       /* spans given to the sink */
	uint64_t spans_dropped;	       /* of traces neither agent nor blind (agents_only) */
	uint64_t open_cap_hits;	       /* TT_MAX_OPEN_SPANS reached: tool not opened, held
					 * spans released early */
	uint64_t calls_no_proc;	       /* LLM calls of processes not in the table */
	uint64_t http_no_proc;	       /* HTTP exchanges of processes not in the table */
	uint64_t http_ignored;	       /* server-side exchanges of unknown processes */
	uint64_t server_spans;	       /* SERVER spans of inbound requests */
	uint64_t server_attributed;    /* LLM/HTTP/tool spans placed under a SERVER span */
	uint64_t server_forgotten;     /* inbound requests dropped at TT_MAX_SRV_OPEN */
	uint64_t local_links;	       /* SERVER spans under the span of their local client */
	uint64_t local_late;	       /* ... not: work for it already went to another trace */
	uint64_t local_forgotten;      /* request heads forgotten at TT_MAX_LOCAL_LINKS */
	uint64_t mcp_calls;	       /* MCP JSON-RPC calls (spans with mcp.* attributes) */
	uint64_t late_calls;	       /* LLM calls after their process span was exported */
	uint64_t results_unmatched;    /* tool results with no open tool call */
	uint64_t traceparents;	       /* remote parents adopted */
	uint64_t traceparents_ignored; /* not on a trace root, too late, or invalid */
	uint64_t procs_cap_hits;       /* TT_MAX_PROCS reached */
	uint64_t tls_conns;	       /* TLS client connections seen (ClientHello) */
	uint64_t tls_unsupported;      /* ... made spans: their process's plaintext is not
					 * captured (tracetree.capture=unsupported) */
	uint64_t tls_hidden;	       /* ... of processes whose TLS plaintext is captured:
					 * no span */
	uint64_t tls_no_counts;	       /* ... ended at their process's exit, no byte counts */
	uint64_t tls_forgotten;	       /* ... dropped at TT_MAX_TLS_OPEN, or of unknown
					 * processes */
	uint64_t procs;		       /* processes in the table now */
};

struct linker;

/* Constructor: NULL and errno on failure. */
struct linker *linker__new(const struct linker_opts *o, span_sink_fn sink, void *ctx);
/* Frees everything, exporting nothing: call linker__flush() first. NULL-safe. */
void linker__free(struct linker *l);

/* Process records (threads are ignored). Return 0 or -errno; never fatal for the caller. */
int linker__fork(struct linker *l, const struct tt_fork *f);
int linker__exec(struct linker *l, const struct tt_exec *e);
int linker__exit(struct linker *l, const struct tt_exit *x);
/*
 * A process running before the tracer attached at attach_ns (its span starts then and is
 * flagged tracetree.process.preexisting). args: argv NUL-separated. Add parents first.
 */
int linker__add_existing(struct linker *l, uint32_t pid, uint32_t ppid, uint64_t start_ns,
			 uint64_t attach_ns, const char *exe_path, const char *args,
			 size_t args_len);

/*
 * Where process id->h.pid runs (TT_REC_IDENT): container, pod, vpid, service name, for its
 * resource from now on (and its forks'). -ENOENT when the process is not in the table or
 * another process now holds its pid.
 */
int linker__ident(struct linker *l, const struct tt_ident *id);

struct mcp_call;

/*
 * One decoded LLM call; takes ownership of c. traceparent: the W3C header of its request, NULL
 * if none (the pipeline reads it once, for whichever kind of exchange it is).
 */
int linker__add_call(struct linker *l, struct genai_call *c, const char *traceparent);
/*
 * One MCP call m (mcp_decode) made by the client exchange x; neither owned. traceparent: as
 * for linker__add_call.
 */
int linker__add_mcp(struct linker *l, const struct http_exchange *x, const struct mcp_call *m,
		    const char *traceparent);
/*
 * A request head conn parsed (conn_table__set_head_sink; x not owned), traceparent: its header,
 * NULL if none. One the traced process read (HTTP_X_SERVER_SIDE) opens an inbound request, so
 * the LLM calls, tools and requests made while serving it nest under its SERVER span, which is
 * exported when its exchange (x itself, delivered by conn later) reaches linker__add_http.
 * A client's head on a connection to a local address chooses the id of its span, which the
 * SERVER span of its traced server (another process of this host) nests under.
 */
void linker__request_head(struct linker *l, const struct http_exchange *x, const char *traceparent);
/*
 * Any other HTTP exchange (not owned). Client side: an HTTP client span (traceparent: as for
 * linker__add_call). Server side (HTTP_X_SERVER_SIDE): the SERVER span of the inbound request
 * (its traceparent was read from its head, see linker__request_head; this one is unused).
 */
int linker__add_http(struct linker *l, const struct http_exchange *x, const char *traceparent);
/* The addresses of a plaintext socket (TT_REC_SOCK): the local port of its SERVER spans. */
void linker__sock(struct linker *l, const struct tt_sock *s);
struct tls_hello;
/*
 * A TLS client connection of a process: the socket of its TT_REC_TLS_HELLO record and the
 * fields of its ClientHello (NULL when it could not be parsed; the pipeline parses it, the
 * linker reads no record payload). connect_ns: when its connect() was seen, 0 if not. It
 * becomes a span when it ends if no TLS plaintext of its process was captured by then: see
 * linker_tls.c for the rule.
 */
void linker__tls_hello(struct linker *l, const struct tt_sock *s, const struct tls_hello *th,
		       uint64_t connect_ns);
/* Its end (TT_REC_TLS_CLOSE): close(), or exit_group() with the socket still open. */
void linker__tls_close(struct linker *l, const struct tt_tls_close *c);
/*
 * Every captured chunk, in order, before conn parses it: pid moved bytes from src (enum
 * tt_src) at ts; first: the chunk starts a read or write call. Time passes (linker__tick); a
 * process that moves bytes may become an agent (its children wait for its calls), and one whose
 * TLS plaintext is captured shows no TLS connection spans (linker_tls.c).
 */
void linker__activity(struct linker *l, uint32_t pid, uint8_t src, uint64_t ts, bool first);
/* Time passes (boot-time ns): children of agents waiting too long for placement are placed. */
void linker__tick(struct linker *l, uint64_t now_ns);
/* Ends every open span at now_ns (tracetree.incomplete=true) and exports everything. */
void linker__flush(struct linker *l, uint64_t now_ns);
void linker__stats(const struct linker *l, struct linker_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* TT_LINKER_H */
