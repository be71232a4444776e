// SPDX-License-Identifier: MIT
/* test_mcp.c: MCP JSON-RPC calls decoded from streamable HTTP exchanges. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_test.h"
#include "mcp.h"
#include "test.h"

static void add_event(struct http_message *m, const char *data)
{
	m->kind = HTTP_BODY_SSE;
	m->events = realloc(m->events, (m->n_events + 1) * sizeof(*m->events));
	memset(&m->events[m->n_events], 0, sizeof(*m->events));
	m->events[m->n_events].event = strdup("message");
	m->events[m->n_events].data = strdup(data);
	m->events[m->n_events].data_len = strlen(data);
	m->n_events++;
}

static struct http_exchange *post(const char *body)
{
	struct http_exchange *x = calloc(1, sizeof(*x));

	x->method = strdup("POST");
	x->target = strdup("/mcp");
	x->host = strdup("127.0.0.1:3000");
	x->status = 200;
	xt_set_body(&x->req, body);
	return x;
}

void test_mcp_initialize_json(void)
{
	struct http_exchange *x =
		post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
		     "\"params\":{\"protocolVersion\":\"2025-06-18\","
		     "\"capabilities\":{},\"clientInfo\":{\"name\":\"c\"}}}");
	struct mcp_call *c = NULL;

	xt_add_header(&x->resp.headers, "Mcp-Session-Id", "sess-1");
	xt_set_body(&x->resp,
		    "{\"result\":{\"protocolVersion\":\"2025-03-26\","
		    "\"capabilities\":{}},\"jsonrpc\":\"2.0\",\"id\":0}");
	if (!ASSERT_OK(mcp_decode(x, &c), "decode"))
		goto out;
	ASSERT_STREQ(c->method, "initialize", "method");
	ASSERT_STREQ(c->request_id, "0", "numeric id as text");
	ASSERT_STREQ(c->session_id, "a96a83c87c0f956e", "hash of the response's session id");
	ASSERT_STREQ(c->protocol_version, "2025-03-26", "the version the server agreed to");
	ASSERT_TRUE(c->has_response, "response found");
	ASSERT_FALSE(c->has_error || c->tool_error, "no error");
	ASSERT_NULL(c->tool_name, "no tool");
out:
	mcp_call__free(c);
	http_exchange__free(x);
}

void test_mcp_tools_call_sse(void)
{
	struct http_exchange *x =
		post("{\"jsonrpc\":\"2.0\",\"id\":\"req-7\",\"method\":"
		     "\"tools/call\",\"params\":{\"name\":\"add\","
		     "\"arguments\":{\"a\":2,\"b\":3}}}");
	struct mcp_call *c = NULL;

	xt_add_header(&x->req.headers, "mcp-session-id", "sess-2");
	xt_add_header(&x->req.headers, "MCP-Protocol-Version", "2025-06-18");
	xt_add_header(&x->resp.headers, "Mcp-Session-Id", "other");
	/* a progress notification and a response to another id come first */
	add_event(&x->resp,
		  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
		  "\"params\":{\"progress\":1}}");
	add_event(&x->resp, "{\"jsonrpc\":\"2.0\",\"id\":\"req-6\",\"result\":{}}");
	add_event(&x->resp,
		  "{\"jsonrpc\":\"2.0\",\"id\":\"req-7\",\"result\":{\"content\":"
		  "[{\"type\":\"text\",\"text\":\"5\"}]}}");
	if (!ASSERT_OK(mcp_decode(x, &c), "decode"))
		goto out;
	ASSERT_STREQ(c->method, "tools/call", "method");
	ASSERT_STREQ(c->request_id, "req-7", "string id");
	ASSERT_STREQ(c->tool_name, "add", "tool");
	ASSERT_STREQ(c->arguments, "{\"a\":2,\"b\":3}", "arguments");
	ASSERT_STREQ(c->result, "{\"content\":[{\"type\":\"text\",\"text\":\"5\"}]}", "result");
	ASSERT_STREQ(c->session_id, "94dc4780f86aa724", "hash of the request's session (wins)");
	ASSERT_STREQ(c->protocol_version, "2025-06-18", "header");
	ASSERT_TRUE(c->has_response, "response found among the events");
out:
	mcp_call__free(c);
	http_exchange__free(x);
}

void test_mcp_errors(void)
{
	struct http_exchange *x =
		post("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
		     "\"params\":{\"name\":\"nope\"}}");
	struct mcp_call *c = NULL;

	xt_set_body(&x->resp,
		    "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-32602,"
		    "\"message\":\"Tool nope not found\"}}");
	if (!ASSERT_OK(mcp_decode(x, &c), "decode JSON-RPC error"))
		goto out;
	ASSERT_TRUE(c->has_error, "error");
	ASSERT_EQ(c->error_code, -32602, "code");
	ASSERT_STREQ(c->error_message, "Tool nope not found", "message");
	ASSERT_NULL(c->arguments, "no arguments");
	mcp_call__free(c);
	c = NULL;
	http_exchange__free(x);

	x =
		post("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
		     "\"params\":{\"name\":\"fail\",\"arguments\":{}}}");
	xt_set_body(&x->resp,
		    "[{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"isError\":true,"
		    "\"content\":[]}}]");
	if (!ASSERT_OK(mcp_decode(x, &c), "decode tool error (in a batch)"))
		goto out;
	ASSERT_TRUE(c->tool_error, "isError");
	ASSERT_FALSE(c->has_error, "not a JSON-RPC error");
out:
	mcp_call__free(c);
	http_exchange__free(x);
}

void test_mcp_notification_and_targets(void)
{
	struct http_exchange *x =
		post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	struct mcp_call *c = NULL;

	x->status = 202;
	if (!ASSERT_OK(mcp_decode(x, &c), "notification"))
		goto out;
	ASSERT_NULL(c->request_id, "no id");
	ASSERT_FALSE(c->has_response, "no response expected");
	mcp_call__free(c);
	c = NULL;
	http_exchange__free(x);

	x =
		post("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\","
		     "\"params\":{\"uri\":\"file:///a.txt\"}}");
	if (!ASSERT_OK(mcp_decode(x, &c), "resources/read"))
		goto out;
	ASSERT_STREQ(c->resource_uri, "file:///a.txt", "uri");
	ASSERT_FALSE(c->has_response, "no response body");
	mcp_call__free(c);
	c = NULL;
	http_exchange__free(x);

	x =
		post("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\","
		     "\"params\":{\"name\":\"greet\"}}");
	if (ASSERT_OK(mcp_decode(x, &c), "prompts/get"))
		ASSERT_STREQ(c->prompt_name, "greet", "prompt");
out:
	mcp_call__free(c);
	http_exchange__free(x);
}

void test_mcp_not_mcp(void)
{
	static const char *const bodies[] = {
		"{\"model\":\"gpt-4o\",\"messages\":[]}",	   /* an LLM call */
		"{\"jsonrpc\":\"1.0\",\"method\":\"x\",\"id\":1}", /* other version */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}",	   /* a response */
		"{\"jsonrpc\":\"2.0\",\"method\":",		   /* truncated */
		"[]",
		"plain text",
		"",
	};
	struct http_exchange *x;
	struct mcp_call *c;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		x = post(bodies[i]);
		ASSERT_EQ(mcp_decode(x, &c), -ENOENT, bodies[i]);
		ASSERT_NULL(c, "no call");
		http_exchange__free(x);
	}
	x = post("{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}");
	free(x->method);
	x->method = strdup("GET");
	ASSERT_EQ(mcp_decode(x, &c), -ENOENT, "GET is no call");
	http_exchange__free(x);
}

void test_mcp_error_code_out_of_range(void)
{
	static const char *const codes[] = { "1e300", "-1e300", "-32000" };
	static const int64_t want[] = { 0, 0, -32000 };
	struct http_exchange *x;
	struct mcp_call *c;
	char resp[160];
	size_t i;

	/* a code no int64_t holds (fuzz_mcp: undefined to convert) is no code */
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		x = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
		snprintf(resp, sizeof(resp),
			 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":%s,\"message\":\"m\"}}",
			 codes[i]);
		xt_set_body(&x->resp, resp);
		c = NULL;
		if (ASSERT_OK(mcp_decode(x, &c), "decode")) {
			ASSERT_TRUE(c->has_error, "error");
			ASSERT_EQ(c->error_code, want[i], codes[i]);
		}
		mcp_call__free(c);
		http_exchange__free(x);
	}
}

/*
 * Everything an MCP span exports is redacted where the call is decoded: the error message
 * (span status, exported without content capture), arguments and results (whole values under
 * secret names, JSON inside text results), the resource URI; the session id only as a hash.
 */
void test_mcp_redacted(void)
{
	struct http_exchange *x = post(
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"db\","
		"\"arguments\":{\"password\":\"hunter2\",\"api_key\":\"k-123\",\"q\":\"select 1\"}}}");
	struct mcp_call *c = NULL;

	xt_add_header(&x->req.headers, "Mcp-Session-Id", "0f8a9e6b-secret-session");
	xt_set_body(&x->resp,
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,"
		    "\"message\":\"bad token ghp_abcdefghijklmnopqrstuvwxyz0123456789 "
		    "(Authorization: Bearer abc.def.ghi)\"},\"result\":{\"content\":[{\"type\":"
		    "\"text\",\"text\":\"cfg {\\\"secret\\\": {\\\"v\\\": \\\"s3cr3t\\\"}}\"}]}}");
	if (!ASSERT_OK(mcp_decode(x, &c), "decode"))
		goto out;
	ASSERT_STREQ(c->error_message, "bad token REDACTED (Authorization: REDACTED)",
		     "error message");
	ASSERT_STREQ(c->arguments,
		     "{\"password\":\"REDACTED\",\"api_key\":\"REDACTED\",\"q\":\"select 1\"}",
		     "arguments");
	ASSERT_STREQ(c->result,
		     "{\"content\":[{\"type\":\"text\",\"text\":\"cfg {\\\"secret\\\": "
		     "\\\"REDACTED\\\"}\"}]}",
		     "JSON inside a text result");
	ASSERT_EQ(strlen(c->session_id), 16, "a hash");
	ASSERT_TRUE(!strstr(c->session_id, "secret"), "not the id");
out:
	mcp_call__free(c);
	http_exchange__free(x);
}
