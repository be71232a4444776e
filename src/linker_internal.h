/* SPDX-License-Identifier: MIT */
/* linker_internal.h: the state and the functions the linker's files share (see the map below). */
#ifndef TT_LINKER_INTERNAL_H
#define TT_LINKER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genai.h"
#include "http_exchange.h"
#include "tt_limits.h"
#include "linker.h"
#include "proctree.h"
#include "span.h"

/*
 * The files, each calling only the ones below it (tools/check_cycles.sh):
 *   linker.c         the entry points: processes, LLM calls, time and activity, flush
 *   linker_http.c    HTTP that is no LLM call: inbound requests (opened from the request
 *                    heads conn reports, SERVER spans), client spans, MCP calls
 *   linker_local.c   both ends of a local TCP connection traced: the SERVER span of a
 *                    request under the client's span of it (sockets by their addresses)
 *   linker_tls.c     TLS connections whose plaintext is not captured
 *   linker_tool.c    tool call windows of agents: opening, closing, their spans
 *   linker_place.c   where a process's span goes: a tool window, its parent, an agent's
 *   linker_parent.c  where other work of a process goes: a tool window it matches, the
 *                    inbound request being served, the process span
 *   linker_proc.c    processes: lookup, resources, spans made and named
 *   linker_trace.c   traces: ids, spans held until they are final, traceparent
 *   linker_attrs.c, linker_text.c: attributes and text rules (call no other linker file)
 *
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

struct llocal;
struct llink;

struct ltrace {
	struct ltrace *prev, *next;
	uint8_t id[16];
	uint8_t remote_parent[8];
	int refs;
	struct lproc *root;  /* the process whose span is the root */
	struct lproc *lead;  /* --all: the agent the root launched (lplace_lineage) */
	bool final;	     /* ids fixed: spans go to the sink */
	bool agent;	     /* the root is an agent */
	bool blind;	     /* a TLS connection to an LLM API or this host was not readable */
	bool remote;	     /* adopted a traceparent */
	bool dropped;	     /* agents_only, and neither agent nor blind */
	bool inbound;	     /* of an inbound request's traceparent: no process tree's */
	struct ltrace *into; /* merged into that trace (a ref): what comes here goes there */
	struct tt_span **held;
	size_t n_held, alloc;
};

/* One tool call window of an agent. */
struct ltool {
	struct ltool *next; /* newest first */
	uint8_t span_id[8];
	char *call_id;
	char *name;
	const char *type;
	char *arguments;    /* only with capture_content */
	uint64_t args_hash; /* analyze_args_hash of the arguments, always (never exported) */
	char *args_shape;   /* analyze_args_shape of them, always (never exported) */
	char **values;	    /* argument strings, to match processes and URLs */
	size_t n_values;
	uint64_t start_ns, end_ns;
	uint64_t seq;
	unsigned int n_children;
	bool closed;
	uint8_t parent_id[8]; /* the span of the request that was being served, else
					 * the agent's */
	struct ltrace *trace; /* that request's trace (a reference), NULL: the agent's */
};

/*
 * An inbound request of a server process: its head was read (linker__request_head), its
 * exchange (response) not seen yet.
 */
struct lsrv {
	struct lsrv *next; /* newest first */
	uint64_t conn;
	uint64_t start_ns; /* of its head's first byte: its exchange's req.start_ns */
	const void *x;	   /* the exchange conn reported the head with (the one it
					 * delivers later): an identity, never read */
	uint32_t tid;	   /* the thread that read it */
	bool has_tp;
	bool worked;	      /* work was attributed to it (lsrv_parent) */
	uint8_t tp_trace[16]; /* trace id of its traceparent header */
	uint8_t span_id[8];   /* of its SERVER span, made when the exchange arrives */
	/*
	 * The parent of its SERVER span when not its process's span (linker_local.c): the
	 * traceparent's remote span, or the span of the local client's request; trace: the
	 * trace of the SERVER span and of the work done for it (a reference), NULL: lp's.
	 */
	bool has_parent;
	bool remote_parent;
	uint8_t parent_id[8];
	struct ltrace *trace;
	struct llink *link; /* waiting for its local client's request head */
};

/*
 * The addresses of a plaintext socket (from TT_REC_SOCK): server.port of its SERVER spans, and
 * the key that finds the other end of a connection between two traced processes.
 */
struct lsock {
	uint32_t pid;
	uint16_t lport;
	uint16_t rport;
	uint64_t conn;
	uint16_t family;
	uint32_t netns;
	uint8_t laddr[16];
	uint8_t raddr[16];
};

/* Slots of the socket table allocated together (struct linker.socks). */
#define TT_LSOCK_CHUNK 256

/* Open TLS client connections per process (TT_REC_TLS_HELLO, close not seen yet). */
#define TT_MAX_TLS_OPEN 256

/* A TLS client connection of a process, from its ClientHello to its close. */
struct ltls {
	struct ltls *next; /* newest first */
	uint64_t conn;
	uint64_t start_ns;
	uint32_t tid;
	int32_t fd; /* its socket's fd in the process */
	uint16_t port;
	char peer[48]; /* peer address text */
	char sni[256]; /* server_name of the hello, "" when none */
	char alpn[64]; /* protocols offered, "" when none */
	bool local;    /* the peer is a loopback address */
};

/*
 * The connection a call or request went over, as its exchange knows it: what finds its TLS
 * connection (ltls_net) when the plaintext is not tied to a socket.
 */
struct lwhere {
	uint64_t conn;	  /* the exchange's connection key */
	int fd;		  /* its socket, -1 if unknown */
	const char *peer; /* numeric peer address, "" if unknown */
	uint16_t peer_port;
	const char *host; /* server.address of the call ("" if unknown) */
	int port;	  /* server.port (0 if unknown) */
	bool tls;
	uint8_t src;	      /* enum tt_src */
	uint8_t lib;	      /* enum tt_lib */
	uint8_t http_version; /* 10, 11, 20; 0 if unknown */
	uint64_t start_ns;    /* the request's first byte */
};

/* What a span says of the connection that carried it (linker_net_attrs). */
struct lnet {
	char peer[64]; /* network.peer.address, "" when not known */
	uint16_t peer_port;
	char alpn[64];	     /* protocols the ClientHello offered, "" when none or not known */
	const char *library; /* static: the TLS library the plaintext was read from, or NULL */
	uint8_t http_version;
};

/*
 * Where a process runs and the service name it was given (a TT_REC_IDENT record, cleaned):
 * shared by the process and the children it forks, which run there too until they exec.
 */
struct lident {
	int refs;
	struct tt_ident rec;
};

struct lproc {
	struct proc *p;
	struct lident *ident; /* NULL: nothing known (a host process) */
	uint32_t vpid;	      /* its pid in its own namespace (from its own record), 0 unknown */
	struct ltrace *trace;
	struct tt_resource *res; /* built on first use, rebuilt after exec / agent */
	uint8_t span_id[8];
	uint8_t parent_id[8];
	bool has_parent;
	bool decided; /* parent_id chosen */
	bool is_root; /* no parent span in this trace */
	bool agent;
	bool done;	    /* span exported */
	bool in_tool;	    /* parent_id is a tool window of its agent */
	bool link_inferred; /* and that window was chosen by time alone */
	char *agent_name;
	char *match_first; /* argv of the first and last exec, for tool matching */
	char *match_last;
	uint64_t span_start;
	struct ltool *tools;
	size_t n_closed;
	uint64_t tool_seq;
	struct lsrv *srv; /* inbound requests being served */
	size_t n_srv;
	struct ltls *tls; /* open TLS client connections */
	size_t n_tls;
	bool tls_captured; /* TLS plaintext of this process was captured */
	/* placement deferred (lplace_exec): in linker.waiting until settled */
	struct lproc *wait_next;
	struct lproc *wait_for; /* the agent (or would-be agent) whose call it waits for */
	bool waiting;
	bool talked;	  /* sent or received captured bytes: may become an agent */
	bool finish_held; /* it ended meanwhile: its span waits too */
	bool held_incomplete;
	bool held_release; /* exited: release it from the proctree once finished */
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
	struct conv_chain *conv; /* Responses' previous_response_id -> conversation */
	size_t n_open;		 /* open tool windows + held spans */
	struct linker_stats st;
	bool open_logged;
	/*
	 * plaintext sockets, direct-mapped (linker_local.c), in chunks allocated on first use:
	 * a tracer or a replay that sees few sockets neither holds nor clears the whole table
	 */
	struct lsock *socks[TT_MAX_SRV_SOCKS / TT_LSOCK_CHUNK];
	struct llocal *local;  /* requests on local connections (linker_local.c) */
	struct lproc *waiting; /* agent children not placed yet, by exec order */
	size_t n_waiting;
};

enum tool_end {
	TOOL_END_RESULT, /* the result came back */
	TOOL_END_EXIT,	 /* the agent exited first */
	TOOL_END_FLUSH,	 /* shutdown */
};

struct tool_query {
	uint64_t ts;	     /* when the process started or the request was sent */
	const char *text[2]; /* process argv texts */
	const char *url;     /* host + target */
	const char *tool;    /* a tool name (MCP tools/call) */
	bool inferred;	     /* out: the parent was chosen by time alone (tracetree.link) */
};

/* A traceparent header as the linker uses it, parsed once where it enters (ltp_parse). */
struct ltp {
	bool present; /* the request carried one */
	bool valid;   /* and it parsed: trace and parent hold its ids */
	uint8_t trace[16];
	uint8_t parent[8];
};

/* ---- linker_trace.c: traces, holding and handing spans on ---- */

void linker_open_cap_hit(struct linker *l, const char *what);
struct ltrace *ltrace_new(struct linker *l);
/* The trace ids are final: held spans go to the sink (or are dropped, agents_only). */
void ltrace_finalize(struct linker *l, struct ltrace *t);
void ltrace_put(struct linker *l, struct ltrace *t);
/* The trace t was merged into, if it was (t else). */
struct ltrace *ltrace_live(struct ltrace *t);
/* Hands a finished span on: to the sink when its trace ids are final, else held. */
void ltrace_emit(struct linker *l, struct ltrace *t, struct tt_span *s);
/*
 * --all: the processes of trace from and its held spans move into into; from is freed. False
 * (nothing moved) when either has final ids or there is no memory.
 */
bool ltrace_merge(struct linker *l, struct ltrace *from, struct ltrace *into);
/* The traceparent header (NULL: none) of a request: present, valid, its ids. */
void ltp_parse(struct ltp *tp, const char *header);
/* The traceparent of a request of lp: its trace may adopt it as its remote parent. */
void ltrace_adopt(struct linker *l, struct lproc *lp, const struct ltp *tp);
/*
 * A trace of its own for the inbound request of lp with traceparent tp (a reference taken,
 * ids final), when tp is trusted as ltrace_adopt() would; else NULL.
 */
struct ltrace *ltrace_inbound(struct linker *l, struct lproc *lp, const struct ltp *tp);

/* ---- linker_proc.c: processes and their spans ---- */

/* lp's identity is now id's (NULL: none), its vpid vpid; its resource is rebuilt. */
int lident_set(struct lproc *lp, const struct tt_ident *id);
/* A reference to ident for a child of its process (NULL-safe). */
struct lident *lident_get(struct lident *ident);
void lident_put(struct lident *ident);

struct lproc *lproc_of(struct linker *l, uint32_t pid);
/* The executable name of p: its exe's base name, else argv[0]'s, else "unknown". */
const char *lproc_exe_name(const struct proc *p);
/* A span of lp's process named name, with a fresh id (or id when given) and process.pid. */
struct tt_span *lspan_make(struct linker *l, struct lproc *lp, const char *name,
			   enum span_kind kind, const uint8_t *id);
/* The same, named "op what" (op alone when what is NULL or empty). */
struct tt_span *lspan_named(struct linker *l, struct lproc *lp, const char *op, const char *what,
			    enum span_kind kind, const uint8_t *id);
void lspan_parent(struct tt_span *s, const uint8_t *parent);
/*
 * Marks s tracetree.link=inferred when inferred: its parent was chosen by time alone (the one
 * window or request open then), not by ids, arguments, names, thread or process ancestry.
 */
void lspan_link(struct tt_span *s, bool inferred);

/* ---- linker_parent.c: where work of a process nests ---- */

/*
 * The tool window of agent lp that q matches best (see linker_parent.c), NULL if none;
 * q->inferred: no argument or name matched it, only the time.
 */
struct ltool *ltool_pick(struct lproc *lp, struct tool_query *q);
/*
 * The SERVER span that work of lp's thread tid at ts belongs to (tp: of the outgoing request,
 * may be NULL), counted in server_attributed; NULL when none. *trace: the trace the work's
 * span goes to (that request's, else lp's). *inferred (may be NULL): chosen by time alone.
 */
const uint8_t *lsrv_parent(struct linker *l, struct lproc *lp, uint32_t tid, uint64_t ts,
			   const struct ltp *tp, struct ltrace **trace, bool *inferred);
/* The trace work of lp's thread tid at ts goes to (as lsrv_parent(), nothing counted). */
struct ltrace *lwork_trace(struct lproc *lp, uint32_t tid, uint64_t ts);
/*
 * The parent of a span of work lp did at q->ts on thread tid (a request, a connection): the
 * tool window of agent lp that q matches (*tool, when not NULL: that window or NULL), else
 * lsrv_parent(), else lp's own span. *trace: the trace the span goes to. q->inferred: that
 * parent was chosen by time alone (lp's own span never is).
 */
const uint8_t *lwork_parent(struct linker *l, struct lproc *lp, struct tool_query *q, uint32_t tid,
			    const struct ltp *tp, struct ltool **tool, struct ltrace **trace);

/* ---- linker_place.c: where the span of a process goes ---- */

/* lp exec'd (its argv is new): placed now, or waiting for its agent's next LLM call. */
void lplace_exec(struct linker *l, struct lproc *lp);
/* Chooses the parent span of lp once (a tool window of its agent, else its parent). */
void lplace_decide(struct lproc *lp);
/*
 * Takes the first waiting process that is due, placed: one waiting for agent owner (when not
 * NULL), or whose wait is over at now_ns (when not 0), or any (all). NULL when none is.
 */
struct lproc *lplace_settle_next(struct linker *l, struct lproc *owner, uint64_t now_ns, bool all);
/* lp leaves the table while it waits. */
void lplace_forget(struct linker *l, struct lproc *lp);
/* The process an LLM call of lp belongs to: a script's when lp is its transport, else lp. */
struct lproc *lplace_call_owner(struct lproc *lp);
/*
 * --all: agent (the root of its own trace) just became one: its trace is rooted at the top of
 * its launcher chain, and what its lineage started before joins it (linker_place.c).
 */
void lplace_lineage(struct linker *l, struct lproc *agent);
/* lp is a transport of agent owner: its span goes under the agent's. */
void lplace_transport(struct linker *l, struct lproc *lp, struct lproc *owner);

/* ---- linker_tool.c: tool call windows of an agent ---- */

void ltool_free(struct linker *l, struct ltool *t);
/*
 * parent: the span the tool span nests under (the agent's, or a SERVER span), in trace (lp's,
 * or that request's).
 */
int ltool_open(struct linker *l, struct lproc *lp, const struct genai_tool_call *tc,
	       uint64_t start_ns, const uint8_t *parent, struct ltrace *trace);
void ltools_close_all(struct linker *l, struct lproc *lp, uint64_t end_ns, enum tool_end how);
void ltools_answer(struct linker *l, struct lproc *lp, const struct genai_call *c);

/* ---- linker_http.c: inbound requests (SERVER spans), HTTP client spans and MCP calls ---- */

void lsrv_free_all(struct linker *l, struct lproc *lp);

/* ---- linker_local.c: both ends of a local connection traced ---- */

/* Where the addresses of plaintext socket conn of pid are (TT_REC_SOCK), NULL if unknown. */
const struct lsock *lsock_find(const struct linker *l, uint32_t pid, uint64_t conn);
/* Frees the socket table's chunks (linker__free). */
void lsock_free_all(struct linker *l);
/* A request head of client lp: on a local connection, its span id is chosen now. */
void llocal_client_head(struct linker *l, struct lproc *lp, const struct http_exchange *x);
/*
 * Inbound request r of lp opened (tp: its traceparent): the parent and trace of its SERVER
 * span: the traceparent's when trusted, else the local client's request's, now or when its
 * head comes.
 */
void llocal_server_head(struct linker *l, struct lproc *lp, struct lsrv *r, const struct ltp *tp);
/*
 * The span id chosen at the head of the client request of pid on conn that started at
 * start_ns (and its trace, into *trace): false when none was. Forgets it.
 */
bool llocal_client_take(struct linker *l, uint32_t pid, uint64_t conn, uint64_t start_ns,
			uint8_t id[8], struct ltrace **trace);
/* Frees inbound request r (no longer waiting, its trace reference put). */
void lsrv_release(struct linker *l, struct lsrv *r);
/* The client requests of pid are forgotten (the process is gone). */
void llocal_drop(struct linker *l, uint32_t pid);
void llocal_free(struct linker *l);

/* ---- linker_tls.c: TLS connections whose plaintext is not captured ---- */

/* lp moved captured bytes from src (enum tt_src): TLS plaintext marks it as captured. */
void ltls_data(struct lproc *lp, uint8_t src);
/* The process ends (incomplete: at shutdown): its open connections end with it. */
void ltls_end_all(struct linker *l, struct lproc *lp, uint64_t end_ns, bool incomplete);
/* Frees them without spans. */
void ltls_free_all(struct lproc *lp);
/*
 * --all: lp looks like an agent the tracer cannot see into: its trace is kept for a TLS
 * connection that could not be read (ltrace.blind), or lp has one open that would keep it.
 */
bool ltls_blind(const struct lproc *lp);
/*
 * What a span of lp's work over connection w says of it: the exchange's peer and protocol,
 * and, over TLS, the library and the TLS connection (the ClientHello's ALPN; its peer when the
 * exchange had none) of that very connection: by its socket when known, else the open TLS
 * connections of lp to the call's server, with what they all agree on.
 */
void ltls_net(const struct lproc *lp, const struct lwhere *w, struct lnet *n);
/* ltls_net's attributes on s (0 or -ENOMEM). */
int ltls_net_attrs(struct tt_span *s, const struct lproc *lp, const struct lwhere *w);

/* ---- linker_attrs.c: span attributes (0 or -ENOMEM) ---- */

/* Attributes and status of the LLM span of c. */
int linker_call_attrs(struct tt_span *s, const struct genai_call *c);
/* The connection of call c (w points into c). */
void linker_call_where(struct lwhere *w, const struct genai_call *c);
/* The connection of exchange x (w points into x and host, room for server.address). */
void linker_exchange_where(struct lwhere *w, const struct http_exchange *x, char *host, size_t n);
/* network.peer.*, network.protocol.* and tracetree.tls.* of n. */
int linker_net_attrs(struct attr_list *a, const struct lnet *n);
/* Attributes and status of the HTTP client span of x. */
int linker_http_attrs(struct tt_span *s, const struct http_exchange *x);
/* Attributes and status of the SERVER span of an inbound request x. */
int linker_server_attrs(struct tt_span *s, const struct http_exchange *x, uint16_t lport);
/*
 * MCP attributes and status of the span of call m made by exchange x (content_max not 0: tool
 * arguments and result too, redacted, each cut at content_max bytes).
 */
int linker_mcp_attrs(struct tt_span *s, const struct http_exchange *x, const struct mcp_call *m,
		     size_t content_max);

/* The content attributes of one span that were cut by the cap (tracetree.content.truncated). */
struct lcut {
	const char *keys[8];
	size_t n;
};

/*
 * Content attribute key = val (when not NULL): at most max bytes, never inside a UTF-8
 * sequence; when cut, or when was_cut (cut before, by the decoder), key joins *cut.
 */
int linker_content_attr(struct attr_list *a, const char *key, const char *val, size_t max,
			bool was_cut, struct lcut *cut);
/* tracetree.content.truncated: the keys of cut, when there are any. */
int linker_content_cut_attr(struct attr_list *a, const struct lcut *cut);
/* The cap of one content attribute: the linker's content_max, else the default. */
size_t linker_content_max(const struct linker *l);

/* ---- linker_text.c: text rules ---- */

/*
 * The string values (not keys) of a JSON text, unescaped, in order: at most max, each cut at
 * TT_MAX_TOOL_VALUE bytes. The caller frees out[0..n). Used to match tool arguments.
 */
size_t linker_json_strings(const char *json, char **out, size_t max);
/* Agent name of a process: claude-code, codex, gemini-cli, aider, a script or the exe name. */
char *linker_agent_name(const char *exe_path, char *const *argv, size_t argc);
/* A plain HTTP client (curl, wget, httpie's http, xh, aria2c...): a script's transport. */
bool linker_is_transport(const char *exe_path, char *const *argv, size_t argc);
/*
 * A shell or runtime running a script file (sh curl_agent.sh, python3 agent.py, a #! script),
 * not a recognised agent (claude-code, codex...): what its transports' LLM calls belong to.
 */
bool linker_script_host(const char *exe_path, char *const *argv, size_t argc);
/*
 * A process that runs another program for the user (a launcher's role, linker_place.c): env, a
 * shell running a script or a -c command (never an interactive shell), a runtime running a
 * script or inline code (never its REPL).
 */
bool linker_launcher_host(const char *exe_path, char *const *argv, size_t argc);
/* Error class of a tool result text ("error", "traceback", ...), NULL if it reads fine. */
const char *linker_tool_error(const char *content);

#endif /* TT_LINKER_INTERNAL_H */
