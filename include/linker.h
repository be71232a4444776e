/* SPDX-License-Identifier: MIT */
/* linker.h: links processes, LLM calls, tool calls and HTTP requests into span trees. */
#ifndef TT_LINKER_H
#define TT_LINKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genai.h"
#include "http_exchange.h"
#include "redact.h"
#include "span.h"
#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct linker_opts {
	/*
	 * `-- COMMAND` / `-p PID`: every process shares one trace, the first process without a
	 * traced parent is its root. Otherwise (--all) the top-most agent of each process tree
	 * starts a trace.
	 */
	bool single_trace;
	/* --all: drop the spans of traces whose root never became an agent. */
	bool agents_only;
	/* Export tool call arguments (gen_ai.tool.call.arguments): content capture is on. */
	bool capture_content;
	const char *service_name;	/* OTEL_SERVICE_NAME: overrides service.name; may be NULL */
	const char *host_name;		/* host.name; may be NULL */
};

struct linker_stats {
	uint64_t spans;			/* spans given to the sink */
	uint64_t spans_dropped;		/* of non-agent traces (agents_only) */
	uint64_t open_cap_hits;		/* TT_MAX_OPEN_SPANS reached: tool not opened, held
					 * spans released early */
	uint64_t calls_no_proc;		/* LLM calls of processes not in the table */
	uint64_t http_no_proc;		/* HTTP exchanges of processes not in the table */
	uint64_t http_ignored;		/* server-side exchanges of unknown processes */
	uint64_t server_spans;		/* SERVER spans of inbound requests */
	uint64_t server_attributed;	/* LLM/HTTP/tool spans placed under a SERVER span */
	uint64_t server_forgotten;	/* inbound requests dropped at TT_MAX_SRV_OPEN */
	uint64_t mcp_calls;		/* MCP JSON-RPC calls (spans with mcp.* attributes) */
	uint64_t late_calls;		/* LLM calls after their process span was exported */
	uint64_t results_unmatched;	/* tool results with no open tool call */
	uint64_t traceparents;		/* remote parents adopted */
	uint64_t traceparents_ignored;	/* not on a trace root, too late, or invalid */
	uint64_t procs_cap_hits;	/* TT_MAX_PROCS reached */
	uint64_t tls_conns;		/* TLS client connections seen (ClientHello) */
	uint64_t tls_unsupported;	/* ... made spans: their process's plaintext is not
					 * captured (tracetree.capture=unsupported) */
	uint64_t tls_hidden;		/* ... of processes whose TLS plaintext is captured:
					 * no span */
	uint64_t tls_no_counts;		/* ... ended at their process's exit, no byte counts */
	uint64_t tls_forgotten;		/* ... dropped at TT_MAX_TLS_OPEN, or of unknown
					 * processes */
	uint64_t procs;			/* processes in the table now */
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
 * One decoded LLM call; takes ownership of c. traceparent: the W3C header of the request,
 * NULL if none.
 */
int linker__add_call(struct linker *l, struct genai_call *c, const char *traceparent);
/*
 * A non-LLM HTTP exchange (not owned; its traceparent header is read from it). Client side: an
 * MCP call or an HTTP client span. Server side (HTTP_X_SERVER_SIDE): the SERVER span of the
 * inbound request.
 */
int linker__add_http(struct linker *l, const struct http_exchange *x);
/* The addresses of a plaintext socket (TT_REC_SOCK): the local port of its SERVER spans. */
void linker__sock(struct linker *l, const struct tt_sock *s);
/*
 * A TLS client connection (TT_REC_TLS_HELLO) of a process. connect_ns: when its connect() was
 * seen, 0 if not. It becomes a span when it ends if no TLS plaintext of its process was
 * captured by then: see linker_tls.c for the rule.
 */
void linker__tls_hello(struct linker *l, const struct tt_tls_hello *h, uint64_t connect_ns);
/* Its end (TT_REC_TLS_CLOSE): close(), or exit_group() with the socket still open. */
void linker__tls_close(struct linker *l, const struct tt_tls_close *c);
/*
 * Every captured chunk, in order: a chunk the process read that starts an HTTP/1.x request
 * opens an inbound request, so the LLM calls, tools and requests made while serving it nest
 * under its SERVER span (which is exported when its exchange arrives).
 */
void linker__data(struct linker *l, const struct tt_data *d);
/* Time passes (boot-time ns): children of agents waiting too long for placement are placed. */
void linker__tick(struct linker *l, uint64_t now_ns);
/* Ends every open span at now_ns (tracetree.incomplete=true) and exports everything. */
void linker__flush(struct linker *l, uint64_t now_ns);
void linker__stats(const struct linker *l, struct linker_stats *st);

/* Redaction of text taken from traced programs: the rules of redact.h (kept names). */
static inline int linker_scrub_argv(char **argv, size_t argc)
{
	return redact_argv(argv, argc);
}

static inline char *linker_scrub_text(const char *s)
{
	return redact_text(s);
}

static inline bool linker_secret_name(const char *name, size_t len)
{
	return redact_secret_name(name, len);
}

static inline char *linker_scrub_url(const char *scheme, const char *host, const char *target)
{
	return redact_url(scheme, host, target);
}

/*
 * The string values (not keys) of a JSON text, unescaped, in order: at most max, each cut at
 * TT_MAX_TOOL_VALUE bytes. The caller frees out[0..n). Used to match tool arguments.
 */
size_t linker_json_strings(const char *json, char **out, size_t max);
/* Attributes and status of the LLM span of c (linker_attrs.c); 0 or -ENOMEM. */
int linker_call_attrs(struct tt_span *s, const struct genai_call *c);
/* Attributes and status of the HTTP client span of x; 0 or -ENOMEM. */
int linker_http_attrs(struct tt_span *s, const struct http_exchange *x);
/* Attributes and status of the SERVER span of an inbound request x; 0 or -ENOMEM. */
int linker_server_attrs(struct tt_span *s, const struct http_exchange *x, uint16_t lport);
struct mcp_call;
/*
 * MCP attributes and status of the span of call m made by exchange x (content: tool arguments
 * and result too, redacted); 0 or -ENOMEM.
 */
int linker_mcp_attrs(struct tt_span *s, const struct http_exchange *x, const struct mcp_call *m,
		     bool content);
/* Agent name of a process: claude-code, codex, gemini-cli, aider, a script or the exe name. */
char *linker_agent_name(const char *exe_path, char *const *argv, size_t argc);
/* A plain HTTP client (curl, wget, httpie's http, xh, aria2c...): a script's transport. */
bool linker_is_transport(const char *exe_path, char *const *argv, size_t argc);
/*
 * A shell or runtime running a script file (sh curl_agent.sh, python3 agent.py, a #! script),
 * not a recognised agent (claude-code, codex...): what its transports' LLM calls belong to.
 */
bool linker_script_host(const char *exe_path, char *const *argv, size_t argc);
/* Error class of a tool result text ("error", "traceback", ...), NULL if it reads fine. */
const char *linker_tool_error(const char *content);

#ifdef __cplusplus
}
#endif
#endif /* TT_LINKER_H */
