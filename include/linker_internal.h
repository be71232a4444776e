/* SPDX-License-Identifier: MIT */
/* linker_internal.h: state shared by the linker's files (linker.c, linker_trace.c, _tool.c). */
#ifndef TT_LINKER_INTERNAL_H
#define TT_LINKER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "linker.h"
#include "proctree.h"
#include "span.h"

/*
 * Model (DESIGN section 5). Every process gets a span id when it appears; its span is built
 * and exported when it exits, so by then we know whether it is an agent. Tool spans open when
 * the response asking for them ends and are exported when the request carrying their result
 * starts. LLM and HTTP spans are exported as they arrive.
 *
 * A trace's ids are final once its root span can no longer adopt a remote parent: when the
 * root adopted a traceparent, or ended. Until then, finished spans of the trace are held
 * (at most TT_MAX_HELD_SPANS per trace, TT_MAX_OPEN_SPANS in all) and get the final trace id
 * when they are released; hitting a cap releases the trace early (a later traceparent is then
 * ignored and counted).
 */

struct ltrace {
	struct ltrace *prev, *next;
	uint8_t id[16];
	uint8_t remote_parent[8];
	int refs;
	struct lproc *root;		/* the process whose span is the root */
	bool final;			/* ids fixed: spans go to the sink */
	bool agent;			/* the root is an agent */
	bool remote;			/* adopted a traceparent */
	bool dropped;			/* agents_only and the root was no agent */
	struct tt_span **held;
	size_t n_held, alloc;
};

/* One tool call window of an agent. */
struct ltool {
	struct ltool *next;		/* newest first */
	uint8_t span_id[8];
	char *call_id;
	char *name;
	const char *type;
	char *arguments;		/* only with capture_content */
	char **values;			/* argument strings, to match processes and URLs */
	size_t n_values;
	uint64_t start_ns, end_ns;
	uint64_t seq;
	unsigned int n_children;
	bool closed;
	uint8_t parent_id[8];		/* the span of the request that was being served, else
					 * the agent's */
};

/* An inbound request of a server process: read, its exchange (response) not seen yet. */
struct lsrv {
	struct lsrv *next;		/* newest first */
	uint64_t conn;
	uint64_t start_ns;
	uint32_t tid;			/* the thread that read it */
	bool has_tp;
	uint8_t tp_trace[16];		/* trace id of its traceparent header */
	uint8_t span_id[8];		/* of its SERVER span, made when the exchange arrives */
};

/* Local port of a plaintext socket (from TT_REC_SOCK): server.port of its SERVER spans. */
struct lsock {
	uint32_t pid;
	uint16_t lport;
	uint64_t conn;
};

/* Open TLS client connections per process (TT_REC_TLS_HELLO, close not seen yet). */
#define TT_MAX_TLS_OPEN		256

/* A TLS client connection of a process, from its ClientHello to its close. */
struct ltls {
	struct ltls *next;		/* newest first */
	uint64_t conn;
	uint64_t start_ns;
	uint32_t tid;
	uint16_t port;
	char peer[48];			/* peer address text */
	char sni[256];			/* server_name of the hello, "" when none */
	char alpn[64];			/* protocols offered, "" when none */
};

struct lproc {
	struct proc *p;
	struct ltrace *trace;
	struct tt_resource *res;	/* built on first use, rebuilt after exec / agent */
	uint8_t span_id[8];
	uint8_t parent_id[8];
	bool has_parent;
	bool decided;			/* parent_id chosen */
	bool is_root;			/* no parent span in this trace */
	bool agent;
	bool done;			/* span exported */
	bool in_tool;			/* parent_id is a tool window of its agent */
	char *agent_name;
	char *match_first;		/* argv of the first and last exec, for tool matching */
	char *match_last;
	uint64_t span_start;
	struct ltool *tools;
	size_t n_closed;
	uint64_t tool_seq;
	struct lsrv *srv;		/* inbound requests being served */
	size_t n_srv;
	struct ltls *tls;		/* open TLS client connections */
	size_t n_tls;
	bool tls_captured;		/* TLS plaintext of this process was captured */
	/* placement deferred (lproc_exec): in linker.waiting until settled */
	struct lproc *wait_next;
	struct lproc *wait_for;		/* the agent (or would-be agent) whose call it waits for */
	bool waiting;
	bool talked;			/* sent or received captured bytes: may become an agent */
	bool finish_held;		/* it ended meanwhile: its span waits too */
	bool held_incomplete;
	bool held_release;		/* exited: release it from the proctree once finished */
	uint64_t wait_until;
	uint64_t held_end_ns;
};

struct linker {
	struct linker_opts o;
	char *service_name;
	char *host_name;
	span_sink_fn sink;
	void *ctx;
	struct proctree *pt;
	struct ltrace *traces;
	struct ltrace *single;
	size_t n_open;			/* open tool windows + held spans */
	struct linker_stats st;
	bool open_logged;
	struct lsock socks[TT_MAX_SRV_SOCKS];
	struct lproc *waiting;		/* agent children not placed yet, by exec order */
	size_t n_waiting;
};

enum tool_end {
	TOOL_END_RESULT,	/* the result came back */
	TOOL_END_EXIT,		/* the agent exited first */
	TOOL_END_FLUSH,		/* shutdown */
};

struct tool_query {
	uint64_t ts;			/* when the process started or the request was sent */
	const char *text[2];		/* process argv texts */
	const char *url;		/* host + target */
	const char *tool;		/* a tool name (MCP tools/call) */
};

/* linker_trace.c: traces, holding and handing spans on. */
void linker_open_cap_hit(struct linker *l, const char *what);
struct ltrace *ltrace_new(struct linker *l);
/* The trace ids are final: held spans go to the sink (or are dropped, agents_only). */
void ltrace_finalize(struct linker *l, struct ltrace *t);
void ltrace_put(struct linker *l, struct ltrace *t);
/* Hands a finished span on: to the sink when its trace ids are final, else held. */
void ltrace_emit(struct linker *l, struct ltrace *t, struct tt_span *s);
/* A traceparent header on a request of lp (NULL: none). */
void ltrace_adopt(struct linker *l, struct lproc *lp, const char *tp);
/* "00-<trace>-<parent>-<flags>": false when malformed. */
bool ltrace_parse_tp(const char *tp, uint8_t trace[16], uint8_t parent[8]);

/* linker.c: spans of a process. */
struct tt_span *lspan_named(struct linker *l, struct lproc *lp, const char *op,
			    const char *what, enum span_kind kind, const uint8_t *id);
void lspan_parent(struct tt_span *s, const uint8_t *parent);

/* linker_tool.c: tool call windows of an agent. */
void ltool_free(struct ltool *t);
/* parent: the span the tool span nests under (the agent's, or a SERVER span). */
int ltool_open(struct linker *l, struct lproc *lp, const struct genai_tool_call *tc,
	       uint64_t start_ns, const uint8_t *parent);
void ltools_close_all(struct linker *l, struct lproc *lp, uint64_t end_ns, enum tool_end how);
void ltools_answer(struct linker *l, struct lproc *lp, const struct genai_call *c);
struct ltool *ltool_pick(struct lproc *lp, const struct tool_query *q);

/* linker_http.c: inbound requests (SERVER spans) and MCP calls. */
struct lproc *lproc_of(struct linker *l, uint32_t pid);
void lsrv_free_all(struct linker *l, struct lproc *lp);
/*
 * The SERVER span that work of lp's thread tid at ts belongs to (traceparent: of the outgoing
 * request, may be NULL), or NULL: see linker_http.c.
 */
const uint8_t *lsrv_parent(struct lproc *lp, uint32_t tid, uint64_t ts, const char *tp);
/* A server-side exchange of lp: its SERVER span. */
int lsrv_exchange(struct linker *l, struct lproc *lp, const struct http_exchange *x);
/* A client exchange of lp that is an MCP call: its span (1), or 0 when it is none. */
int lmcp_exchange(struct linker *l, struct lproc *lp, const struct http_exchange *x);

/* linker_tls.c: TLS connections whose plaintext is not captured. */
/* A captured chunk of lp: TLS plaintext marks the process as captured. */
void ltls_data(struct lproc *lp, const struct tt_data *d);
/* The process ends (incomplete: at shutdown): its open connections end with it. */
void ltls_end_all(struct linker *l, struct lproc *lp, uint64_t end_ns, bool incomplete);
/* Frees them without spans. */
void ltls_free_all(struct lproc *lp);

#endif /* TT_LINKER_INTERNAL_H */
