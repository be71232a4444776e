// SPDX-License-Identifier: MIT
/*
 * test_redact_replay.c: issue 15's "done when" for secrets. A capture file holding every
 * secret form the issue lists (command lines of processes, an MCP call with a secret error
 * message, arguments, result and session id, an LLM call whose error and content carry keys,
 * a request-target with secret query parameters) is written with capfile_writer, read back
 * and replayed through the whole pipeline as `replay` does, with and without content capture;
 * what would leave (the OTLP JSON of every span, the --format exchanges and calls lines) must
 * hold none of the secret values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "capfile.h"
#include "capture_test.h"
#include "jsonl_fmt.h"
#include "otlp_json.h"
#include "pipeline.h"
#include "records.h"
#include "span.h"
#include "test.h"
#include "tt_abi.h"

/* Command lines as argv (one form each), '|' between arguments. */
static const char *const argvs[] = {
	"curl|--user=alice:Sx01pw|https://h/",
	"curl|-ualice:Sx02pw|https://h/",
	"sh|-c|curl -u alice:Sx03pw https://h/ && echo ok",
	"sshpass|-p|Sx04pw|ssh|host",
	"mysql|-uroot|-pSx05pw|db",
	"tool|--pass|Sx06pw",
	"curl|-d|{\"api_key\":\"Sx07pw\"}|https://h/",
	"git|clone|https://bob:Sx08pw@github.com/x",
	"psql|postgres://u:Sx09pw@db/x",
	"curl|https://h/x?client_secret=Sx10pw&page=1",
	"env|PGPASSWORD=Sx11pw|psql",
	"env|DB_PASS=Sx12pw|x",
	"env|AWS_KEYS=Sx13pw|x",
	"env|SESSION=Sx14pw|x",
	"curl|-b|session=Sx15pw|https://h/",
	"sh|-c|curl -b 'session=Sx16pw' https://h/",
	"aws|ASIAIOSFODNN7SX17PW00",
	"aws|wJalrXUtnFEMI/K7MDENG/bPxRfiCYSx18pwXKEY",
	"x|sk_live_4eC39HqLyjWDSx19pw7dc",
	"x|rk_live_51H8abcdSx20pw0123",
	"x|glpat-xYz0123456Sx21pwEFGH",
	"x|gsk_abcdefghijSx22pw0123456789",
	"x|xai-abcdefghijSx23pw0123456789",
	"x|pplx-abcdefghijSx24pw0123456789",
	"x|npm_abcdefghijSx25pw0123456789",
	"x|ya29.a0AfH6SMBxSx26pw-abcdefghij",
	"x|SG.abcdefghijklSx27pwqrstuv.wxyz0123456789",
	"x|hf_abcdefghSx28pw12",
	"x|sk-abc1Sx29pw",
	"x|q=sk%2Dproj%2DabcdefghijklmnSx30pw",
	"curl|-H|Authorization: Basic U3gzMXB3OlN4MzFwdw==",
	"x|creds=Basic U3gzMnB3OlN4MzJwdw==",
	"x|--token|Sx33pw",
};

/* Secrets carried by the HTTP calls below. */
static const char *const http_secrets[] = {
	"Sx40pw",      "Sx41pw",
	"Sx42pw",      "Sx43pw",
	"Sx44pw",      "Sx45pw",
	"Sx46pw",      "Sx47pw",
	"Sx48pw",      "Sx49pw",
	"Sx50pw",      "U3gzMXB3",
	"U3gzMnB3",    "ghp_abcdefghijklmnopqrstSx51pw",
	"sess-Sx52pw",
};

#define MCP_REQ                                                                                \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"db\"," \
	"\"arguments\":{\"password\":\"Sx40pw\",\"credentials\":{\"u\":\"Sx41pw\"},"           \
	"\"q\":\"\\u0070assword\"}}}"
#define MCP_RESP                                                                            \
	"{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,\"message\":\"bad token " \
	"ghp_abcdefghijklmnopqrstSx51pw, Authorization: Bearer Sx42pwSx42pw\"}}"
#define MCP2_REQ                                                                                \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"cfg\"," \
	"\"arguments\":{\"\\u0074oken\":\"Sx43pw\"}}}"
#define MCP2_RESP                                                                             \
	"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[{\"type\":\"text\",\"text\":" \
	"\"config: {\\\"secrets\\\": [\\\"Sx44pw\\\"], \\\"api_keys\\\": {\\\"a\\\": \\\"Sx45pw\\\"}}\"}]}}"
#define LLM_REQ                                                                                \
	"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"use --password " \
	"Sx46pw and {\\\"tokens\\\": [\\\"Sx47pw\\\"]}\"}]}"
#define LLM_RESP                                                                                   \
	"{\"error\":{\"message\":\"Incorrect API key provided: sk-proj-abcdefghSx48pw1234567890. " \
	"mysql -pSx49pw\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"

struct out {
	struct tt_buf lines; /* everything that would leave */
	struct jsonl_clock clk;
};

static void on_span(struct tt_span *s, void *ctx)
{
	struct out *o = ctx;
	struct otlp_meta m = { 0 };

	otlp_json_encode(&o->lines, &s, 1, &m);
	tt_buf_addc(&o->lines, '\n');
	span__free(s);
}

static void on_exchange(const struct http_exchange *x, void *ctx)
{
	struct out *o = ctx;

	jsonl_exchange(&o->lines, x, &o->clk);
	tt_buf_addc(&o->lines, '\n');
}

static void on_call(const struct genai_call *c, void *ctx)
{
	struct out *o = ctx;

	jsonl_call(&o->lines, c, &o->clk);
	tt_buf_addc(&o->lines, '\n');
}

static void put_proc(struct capfile_writer *w, uint32_t pid, uint32_t ppid, uint64_t ts,
		     const char *args)
{
	static struct tt_exec e;
	struct tt_fork f;
	size_t n = strlen(args), i;

	cap_hdr(&f.h, TT_REC_FORK, sizeof(f), pid, ts);
	f.ppid = ppid;
	f.vpid = 0;
	f.start_ns = ts;
	capfile_writer__write(w, &f, sizeof(f));
	memset(&e, 0, sizeof(e));
	cap_hdr(&e.h, TT_REC_EXEC, sizeof(e), pid, ts + 10);
	e.ppid = ppid;
	e.old_pid = pid;
	e.start_ns = ts;
	e.path_len = (uint16_t)strcspn(args, "|");
	memcpy(e.path, args, e.path_len);
	memcpy(e.args, args, n);
	for (i = 0; i < n; i++)
		if (e.args[i] == '|')
			e.args[i] = '\0';
	e.args_len = (uint16_t)(n + 1);
	e.args_full = e.args_len;
	capfile_writer__write(w, &e, sizeof(e));
}

/* One HTTP exchange on a new connection of pid: request head + body, response. */
static void put_call(struct capfile_writer *w, uint32_t pid, uint64_t conn, uint64_t ts,
		     const char *head, const char *body, const char *resp_head, const char *resp)
{
	char *req, *rsp;

	if (asprintf(&req, "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body) < 0 ||
	    asprintf(&rsp, "%sContent-Length: %zu\r\n\r\n%s", resp_head, strlen(resp), resp) < 0)
		return;
	cap_data(w, pid, conn, ts, TT_DIR_WRITE, 0, req);
	cap_data(w, pid, conn, ts + 1000, TT_DIR_READ, 0, rsp);
	free(req);
	free(rsp);
}

static void write_capture(const char *path)
{
	struct capfile_header h = { .abi = TT_ABI_VERSION, .boot_ns = 1000, .real_ns = 1000 };
	struct capfile_writer *w = capfile_writer__open(path, &h);
	uint64_t ts = 1000000;
	size_t i;

	if (!ASSERT_OK_PTR(w, "writer"))
		return;
	put_proc(w, 100, 1, ts, "python3|agent.py|--api-key|Sx50pw");
	for (i = 0; i < sizeof(argvs) / sizeof(argvs[0]); i++)
		put_proc(w, 200 + (uint32_t)i, 100, ts + 1000 * (i + 1), argvs[i]);
	ts += 1000000;
	put_call(w, 100, 0x1000, ts,
		 "POST /mcp HTTP/1.1\r\nHost: mcp.local\r\nMcp-Session-Id: sess-Sx52pw\r\n"
		 "Content-Type: application/json\r\n",
		 MCP_REQ, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", MCP_RESP);
	put_call(w, 100, 0x2000, ts + 10000,
		 "POST /mcp HTTP/1.1\r\nHost: mcp.local\r\nContent-Type: application/json\r\n",
		 MCP2_REQ, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", MCP2_RESP);
	put_call(w, 100, 0x3000, ts + 20000,
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		 "Authorization: Basic U3gzMXB3OlN4MzFwdw==\r\nContent-Type: application/json\r\n",
		 LLM_REQ, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n",
		 LLM_RESP);
	put_call(w, 100, 0x4000, ts + 30000,
		 "GET /data?access_token=Sx47pw&page=2&password=Sx48pw&sig=Sx49pw#token=Sx50pw "
		 "HTTP/1.1\r\nHost: files.local\r\nX-Basic: Basic U3gzMnB3OlN4MzJwdw==\r\n",
		 "", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", "ok");
	for (i = 0; i < sizeof(argvs) / sizeof(argvs[0]); i++) {
		struct tt_exit x;

		cap_hdr(&x.h, TT_REC_EXIT, sizeof(x), 200 + (uint32_t)i, ts + 50000);
		x.ppid = 100;
		x.exit_code = 0;
		x.start_ns = 1000000 + 1000 * (i + 1);
		capfile_writer__write(w, &x, sizeof(x));
	}
	ASSERT_OK(capfile_writer__close(w), "close");
}

/* The replay of path (as `replay` runs it), everything that would leave in o->lines. */
static void replay(const char *path, bool content, struct out *o)
{
	struct pipeline_opts po = { 0 };

	po.linker.single_trace = true;
	po.linker.capture_content = content;
	po.provider.capture_content = content;
	po.span_sink = on_span;
	po.span_ctx = o;
	po.on_exchange = on_exchange;
	po.on_call = on_call;
	po.tap_ctx = o;
	cap_replay(path, &po);
}

/* "Sx01pw" and the like: every secret value of the table, none may leave. */
static void no_secret(const char *text, const char *secret)
{
	const char *at = strstr(text, secret);

	ASSERT_TRUE(at == NULL, secret);
	if (at)
		fprintf(stderr, "  ...%.*s...\n", 160, at - text > 80 ? at - 80 : text);
}

void test_redact_replay(void)
{
	char path[] = "/tmp/tt-redact-XXXXXX", sec[16];
	struct out o;
	const char *text;
	int fd, content, k;
	size_t i;

	fd = mkstemp(path);
	if (!ASSERT_GE(fd, 0, "mkstemp"))
		return;
	close(fd);
	write_capture(path);
	for (content = 0; content < 2; content++) {
		memset(&o, 0, sizeof(o));
		tt_buf_init(&o.lines, 64u << 20);
		replay(path, content, &o);
		text = tt_buf_cstr(&o.lines);
		if (!ASSERT_OK_PTR(text, "output"))
			continue;
		/* the replay saw what it should: process spans, the MCP and the LLM calls */
		ASSERT_TRUE(strstr(text, "\"tools/call\"") != NULL, "MCP spans exported");
		ASSERT_TRUE(strstr(text, "sshpass") != NULL, "process spans exported");
		ASSERT_TRUE(strstr(text, "/chat/completions") != NULL, "LLM exchange");
		ASSERT_TRUE(strstr(text, "page=2") != NULL, "readable query kept");
		for (k = 1; k <= 33; k++) {
			snprintf(sec, sizeof(sec), "Sx%02dpw", k);
			no_secret(text, sec);
		}
		for (i = 0; i < sizeof(http_secrets) / sizeof(http_secrets[0]); i++)
			no_secret(text, http_secrets[i]);
		tt_buf_free(&o.lines);
	}
	unlink(path);
}
