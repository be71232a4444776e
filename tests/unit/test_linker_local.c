// SPDX-License-Identifier: MIT
/*
 * test_linker_local.c: both ends of a local TCP connection traced: a client (curl) posts to a
 * local agent service, which calls an LLM for it. The client's span of the request is the
 * parent of the service's SERVER span, in one trace with the LLM call it caused, whichever
 * end's records come first; a traceparent header on the request still wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker_test.h"
#include "pipeline_test.h"
#include "pipeline.h"
#include "test.h"
#include "tt_abi.h"
#include "tt_limits.h"

#define SH_PID	50  /* runs both (single trace: the root) */
#define SRV_PID 100 /* python3 agent_service.py */
#define CLI_PID 200 /* curl */

#define SRV_PORT 8080
#define CLI_PORT 40001

/* connections: the service's accepted socket, the client's, the service's to the LLM */
enum { C_SRV, C_CLI, C_LLM, N_CONNS };

#define TP_TRACE  "4bf92f3577b34da6a3ce929d0e0e4736"
#define TP_PARENT "00f067aa0ba902b7"
#define TP	  "00-" TP_TRACE "-" TP_PARENT "-01"

struct loc {
	struct lt t;
	struct pipeline *p;
	uint64_t pos[N_CONNS][2];
};

static const uint32_t conn_pid[N_CONNS] = { SRV_PID, CLI_PID, SRV_PID };

static uint64_t conn_of(int k)
{
	return TT_CONN_SOCK | (0x100ull * (uint64_t)(k + 1));
}

static bool loc_open(struct loc *s, bool single)
{
	struct pipeline_opts o = {
		.linker = { .single_trace = single, .agents_only = !single, .host_name = "box" },
		.span_sink = lt_sink
	};

	memset(s, 0, sizeof(*s));
	o.span_ctx = &s->t;
	s->p = pipeline__new(&o);
	return ASSERT_OK_PTR(s->p, "pipeline");
}

static void loc_exec(struct loc *s, uint32_t pid, uint32_t ppid, uint64_t ts, const char *path,
		     const char *args, size_t args_len)
{
	pt_exec(s->p, pid, ppid, ts, path, args, args_len);
}

static void loc_exit(struct loc *s, uint32_t pid, uint32_t ppid, uint64_t start, uint64_t ts)
{
	pt_exit(s->p, pid, ppid, start, ts);
}

/* The addresses of connection k: 127.0.0.1 at both ends, in network namespace netns. */
static void loc_sock(struct loc *s, int k, uint16_t lport, uint16_t rport, uint32_t netns)
{
	struct tt_sock r = { .h = { .type = TT_REC_SOCK,
				    .size = sizeof(r),
				    .pid = conn_pid[k],
				    .tid = conn_pid[k] },
			     .conn = conn_of(k),
			     .fd = 10 + k,
			     .family = 2,
			     .lport = lport,
			     .rport = rport,
			     .netns = netns };

	r.laddr[0] = r.raddr[0] = 127;
	r.laddr[3] = r.raddr[3] = 1;
	pipeline__record(s->p, &r, sizeof(r));
}

static void loc_io(struct loc *s, int k, int dir, uint64_t ts, const char *text)
{
	size_t n = strlen(text);
	struct tt_data r = {
		.h = { .type = TT_REC_DATA, .pid = conn_pid[k], .tid = conn_pid[k], .ts_ns = ts },
		.conn = conn_of(k),
		.pos = s->pos[k][dir],
		.call_len = (uint32_t)n,
		.len = (uint32_t)n,
		.dir = (uint8_t)dir,
		.flags = TT_DF_FIRST | TT_DF_LAST,
		.src = TT_SRC_SOCK,
		.fd = 10 + k
	};
	uint64_t seed = 1;

	ASSERT_OK(test__split_feed(&r, text, 0, TEST_SPLIT_WHOLE, &seed, pt_feed, s->p), "feed");
	s->pos[k][dir] += n;
}

static void loc_llm_call(struct loc *s, uint64_t t0, uint64_t t1)
{
	char buf[1024];

	snprintf(buf, sizeof(buf),
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(PT_LLM_REQ_BODY), PT_LLM_REQ_BODY);
	loc_io(s, C_LLM, TT_DIR_WRITE, t0, buf);
	snprintf(buf, sizeof(buf),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(PT_LLM_RESP_BODY), PT_LLM_RESP_BODY);
	loc_io(s, C_LLM, TT_DIR_READ, t1, buf);
}

struct scenario {
	bool single;	   /* -- COMMAND (one trace), else --all (agents_only) */
	bool server_first; /* the service's read comes before the client's write */
	bool late_client;  /* ...and so does the service's LLM call */
	bool traceparent;  /* the client sends one */
	int requests;	   /* on one kept-alive connection */
	bool other_ns;	   /* the client is in another network namespace */
};

/* sh runs the service and curl; curl posts `requests` questions, each served with a call. */
static void loc_run(struct loc *s, const struct scenario *sc)
{
	static const char sh[] = "sh\0-c\0run", py[] = "python3\0agent_service.py",
			  curl[] = "curl\0-d\0q\0http://127.0.0.1:8080/ask";
	char req[256];
	uint64_t t;
	int i;

	snprintf(req, sizeof(req),
		 "POST /ask HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n%sContent-Length: 1\r\n\r\nq",
		 sc->traceparent ? "traceparent: " TP "\r\n" : "");
	loc_exec(s, SH_PID, 1, 1000, "/bin/sh", sh, sizeof(sh));
	loc_exec(s, SRV_PID, SH_PID, 1100, "/usr/bin/python3", py, sizeof(py));
	loc_exec(s, CLI_PID, SH_PID, 1200, "/usr/bin/curl", curl, sizeof(curl));
	loc_sock(s, C_LLM, 50000, 11434, 1);
	for (i = 0, t = 2000; i < sc->requests; i++, t += 1000) {
		if (sc->late_client) {
			/* below */
		} else if (sc->server_first) {
			if (!i)
				loc_sock(s, C_SRV, SRV_PORT, CLI_PORT, 1);
			loc_io(s, C_SRV, TT_DIR_READ, t + 10, req);
			if (!i)
				loc_sock(s, C_CLI, CLI_PORT, SRV_PORT, sc->other_ns ? 2 : 1);
			loc_io(s, C_CLI, TT_DIR_WRITE, t, req);
		} else {
			if (!i)
				loc_sock(s, C_CLI, CLI_PORT, SRV_PORT, sc->other_ns ? 2 : 1);
			loc_io(s, C_CLI, TT_DIR_WRITE, t, req);
			if (!i)
				loc_sock(s, C_SRV, SRV_PORT, CLI_PORT, 1);
			loc_io(s, C_SRV, TT_DIR_READ, t + 10, req);
		}
		if (sc->late_client) {
			loc_sock(s, C_SRV, SRV_PORT, CLI_PORT, 1);
			loc_io(s, C_SRV, TT_DIR_READ, t + 10, req);
			loc_llm_call(s, t + 100, t + 200);
			loc_sock(s, C_CLI, CLI_PORT, SRV_PORT, 1);
			loc_io(s, C_CLI, TT_DIR_WRITE, t, req);
		} else {
			loc_llm_call(s, t + 100, t + 200);
		}
		loc_io(s, C_SRV, TT_DIR_WRITE, t + 300, PT_RESP_OK);
		loc_io(s, C_CLI, TT_DIR_READ, t + 310, PT_RESP_OK);
	}
	loc_exit(s, CLI_PID, SH_PID, 1200, 9000);
	loc_exit(s, SRV_PID, SH_PID, 1100, 9100);
	loc_exit(s, SH_PID, 1, 1000, 9200);
	pipeline__finish(s->p, 9300);
}

/* Request i of the scenario: client span -> SERVER span -> chat, in the client's trace. */
static void check_request(const struct lt *t, const struct scenario *sc, int i)
{
	struct tt_span *curl, *svc, *cli, *srv, *chat;

	if (sc->other_ns || (sc->late_client && !sc->single)) {
		/* --all: curl's own trace, without an LLM call, is dropped (agents_only) */
		if (LT_NEED(t, { &svc, "invoke_agent agent_service" }, { &srv, "POST /ask", i }))
			ASSERT_TRUE(parent_is(srv, svc), "another namespace's client: not linked");
		return;
	}
	if (!LT_NEED(t, { &curl, "exec curl" }, { &svc, "invoke_agent agent_service" },
		     { &cli, "POST", i }, { &srv, "POST /ask", i }, { &chat, "chat gpt-4o", i }))
		return;
	ASSERT_EQ(cli->kind, SPAN_KIND_CLIENT, "client span");
	ASSERT_EQ(srv->kind, SPAN_KIND_SERVER, "SERVER span");
	ASSERT_TRUE(parent_is(cli, curl), "the client's span under its process");
	ASSERT_TRUE(parent_is(chat, srv), "the call under the request it serves");
	ASSERT_TRUE(same_trace(chat, srv), "the call in the request's trace");
	if (sc->traceparent) {
		ASSERT_TRUE(srv->has_parent && id_is(srv->parent_id, 8, TP_PARENT),
			    "the traceparent's span is the parent");
		ASSERT_TRUE(srv->remote_parent, "a remote parent");
		ASSERT_TRUE(id_is(srv->trace_id, 16, TP_TRACE), "the traceparent's trace");
		ASSERT_FALSE(parent_is(srv, cli), "not the client's span");
		return;
	}
	ASSERT_TRUE(parent_is(srv, cli), "the SERVER span under the client's span");
	ASSERT_FALSE(srv->remote_parent, "a local parent");
	ASSERT_TRUE(same_trace(srv, cli) && same_trace(cli, curl), "one trace from the caller");
	if (!sc->single)
		ASSERT_FALSE(same_trace(svc, srv), "--all: the service's own trace is another");
}

static void check_run(const struct lt *t, const struct scenario *sc)
{
	int i;

	for (i = 0; i < sc->requests; i++)
		check_request(t, sc, i);
	ASSERT_NULL(nth(t, "POST /ask", sc->requests), "one SERVER span a request");
}

static void run_case(const struct scenario *sc, const char *what)
{
	struct pipeline_stats st;
	struct loc s;

	if (!loc_open(&s, sc->single))
		return;
	loc_run(&s, sc);
	pipeline__stats(s.p, &st);
	ASSERT_EQ(st.linker.local_links,
		  sc->traceparent || sc->other_ns || (sc->late_client && !sc->single) ?
			  0 :
			  (uint64_t)sc->requests,
		  what);
	ASSERT_EQ(st.linker.local_late, sc->late_client && !sc->single, "late");
	pipeline__free(s.p);
	check_run(&s.t, sc);
	lt_free(&s.t);
}

void test_linker_local_client_first(void)
{
	const struct scenario sc = { .single = true, .requests = 1 };

	run_case(&sc, "linked");
}

/* The service's read is reported before the client's write (its syscall returned first). */
void test_linker_local_server_first(void)
{
	const struct scenario sc = { .single = true, .server_first = true, .requests = 1 };

	run_case(&sc, "linked");
}

/* --all: the service's request joins curl's trace, which its LLM call keeps (agents_only). */
void test_linker_local_all(void)
{
	const struct scenario a = { .requests = 1 }, b = { .server_first = true, .requests = 1 };

	run_case(&a, "linked, client first");
	run_case(&b, "linked, server first");
}

/* Requests on one kept-alive connection: each SERVER span under its own client span. */
void test_linker_local_keepalive(void)
{
	const struct scenario a = { .single = true, .requests = 3 },
			      b = { .server_first = true, .requests = 3 };

	run_case(&a, "three linked");
	run_case(&b, "three linked, --all, server first");
}

/* A traceparent header on the request wins over the connection. */
void test_linker_local_traceparent_wins(void)
{
	const struct scenario a = { .single = true, .traceparent = true, .requests = 2 }, b = {
		.single = true, .traceparent = true, .server_first = true, .requests = 1
	};

	run_case(&a, "no local link");
	run_case(&b, "no local link, server first");
}

/*
 * The same addresses in another network namespace (another container's loopback) are another
 * connection: no request joins the trace of a process it never talked to.
 */
void test_linker_local_netns(void)
{
	const struct scenario a = { .single = true, .other_ns = true, .requests = 1 },
			      b = { .other_ns = true, .server_first = true, .requests = 1 };

	run_case(&a, "not linked");
	run_case(&b, "not linked, --all");
}

/* A process of the linker: pid exec'd path at ts by an untraced parent. */
static void cap_exec(struct lt *t, uint32_t pid, const char *path)
{
	static struct tt_exec e;

	memset(&e, 0, sizeof(e));
	e.h = (struct tt_hdr){ .type = TT_REC_EXEC, .size = sizeof(e), .pid = pid, .tid = pid };
	e.ppid = 1;
	e.start_ns = pid;
	e.path_len = strlen(path);
	memcpy(e.path, path, e.path_len);
	ASSERT_OK(linker__exec(t->l, &e), "exec");
}

/* The head of a request on socket conn of pid (lport -> rport on 127.0.0.1), at ts. */
static void cap_head(struct lt *t, uint32_t pid, uint64_t conn, uint16_t lport, uint16_t rport,
		     bool server, uint64_t ts)
{
	struct tt_sock so = { .h = { .type = TT_REC_SOCK, .size = sizeof(so), .pid = pid },
			      .conn = conn,
			      .family = 2,
			      .lport = lport,
			      .rport = rport };
	struct http_exchange x = { .pid = pid, .tid = pid, .conn = conn };

	so.laddr[0] = so.raddr[0] = 127;
	so.laddr[3] = so.raddr[3] = 1;
	linker__sock(t->l, &so);
	x.req.start_ns = ts;
	x.flags = server ? HTTP_X_SERVER_SIDE : 0;
	linker__request_head(t->l, &x, NULL);
}

/*
 * More client requests waiting for their server than TT_MAX_LOCAL_LINKS: the oldest are
 * forgotten (counted), the table stays bounded, and the newest still link.
 */
void test_linker_local_cap(void)
{
	const int n = TT_MAX_LOCAL_LINKS + 10;
	struct linker_stats st;
	struct lt t;
	int i;

	if (!lt_new(&t, true))
		return;
	cap_exec(&t, SRV_PID, "/usr/bin/python3");
	cap_exec(&t, CLI_PID, "/usr/bin/curl");
	for (i = 0; i < n; i++)
		cap_head(&t, CLI_PID, TT_CONN_SOCK | (uint64_t)(i + 1), 20000 + i, SRV_PORT, false,
			 2000 + i);
	linker__stats(t.l, &st);
	ASSERT_EQ(st.local_forgotten, 10, "the ten oldest forgotten");
	/* the newest client's request is still there: its server's head links */
	cap_head(&t, SRV_PID, TT_CONN_SOCK | 0x100000, SRV_PORT, 20000 + n - 1, true, 9000);
	/* the oldest one's server finds nothing (it waits, pushing one more out) */
	cap_head(&t, SRV_PID, TT_CONN_SOCK | 0x100001, SRV_PORT, 20000, true, 9001);
	linker__stats(t.l, &st);
	ASSERT_EQ(st.local_links, 1, "the newest linked, the oldest not");
	ASSERT_EQ(st.local_forgotten, 11, "still bounded");
	linker__flush(t.l, 10000);
	lt_free(&t);
}

/*
 * The client's write is reported after the service already called the LLM for the request:
 * in one trace (-- COMMAND) the SERVER span still goes under the client's span; across traces
 * (--all) the call went to the service's trace, and its SERVER span stays with it (counted).
 */
void test_linker_local_late_client(void)
{
	const struct scenario a = { .single = true, .late_client = true, .requests = 1 },
			      b = { .late_client = true, .requests = 1 };

	run_case(&a, "linked: one trace");
	run_case(&b, "not linked: the call is in the service's trace");
}
