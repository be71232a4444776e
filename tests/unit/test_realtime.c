// SPDX-License-Identifier: MIT
/*
 * test_realtime.c: LLM APIs over WebSocket (provider_decode_ws): the OpenAI Realtime API and
 * the Responses API in WebSocket mode, from scripted message sequences as conn_ws.c delivers
 * them: one call per response, with its model, tokens, tool calls and times.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange_test.h"
#include "genai.h"
#include "provider.h"
#include "test.h"

#define T0 5000000000ull

struct calls {
	struct genai_call *c[8];
	int n;
};

static void on_call(struct genai_call *c, void *ctx)
{
	struct calls *s = ctx;

	if (s->n < 8)
		s->c[s->n++] = c;
	else
		genai_call__free(c);
}

static void calls_free(struct calls *s)
{
	while (s->n)
		genai_call__free(s->c[--s->n]);
}

/* Appends a text message at t0 + ms milliseconds to m (its strings owned by m). */
static void msg(struct http_message *m, size_t *alloc, int ms, const char *data)
{
	struct http_event *ev;

	if (!ASSERT_OK(tt_ensure_mem((void **)&m->events, alloc, sizeof(*ev), m->n_events + 1),
		       "room"))
		return;
	ev = &m->events[m->n_events++];
	memset(ev, 0, sizeof(*ev));
	ev->event = strdup("text");
	ev->data = strdup(data);
	ev->data_len = strlen(data);
	ev->ts_ns = T0 + (uint64_t)ms * 1000000;
}

struct ws_x {
	struct http_exchange x;
	size_t qa, ra;
};

static void ws_x_init(struct ws_x *w, const char *target)
{
	memset(w, 0, sizeof(*w));
	w->x.pid = 77;
	w->x.method = strdup("GET");
	w->x.target = strdup(target);
	w->x.host = strdup("api.openai.com");
	w->x.status = 101;
	w->x.tls = true;
	w->x.lib = TT_LIB_BORINGSSL; /* the connection's, on every response's call */
	w->x.req.kind = w->x.resp.kind = HTTP_BODY_WS;
	w->x.req.start_ns = T0;
}

static void ws_x_free(struct ws_x *w)
{
	free(w->x.method);
	free(w->x.target);
	free(w->x.host);
	http_message__clear(&w->x.req);
	http_message__clear(&w->x.resp);
}

#define C(ms, s) msg(&w->x.req, &w->qa, ms, s)
#define S(ms, s) msg(&w->x.resp, &w->ra, ms, s)

/* A Realtime session: a function call, its result sent back, then a text answer. */
static void realtime_session(struct ws_x *w)
{
	ws_x_init(w, "/v1/realtime?model=gpt-realtime");
	S(10,
	  "{\"type\":\"session.created\",\"event_id\":\"ev_1\",\"session\":{\"id\":\"sess_1\","
	  "\"model\":\"gpt-realtime\",\"modalities\":[\"text\"]}}");
	C(20,
	  "{\"type\":\"session.update\",\"session\":{\"instructions\":\"Be brief.\","
	  "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{}}]}}");
	S(25,
	  "{\"type\":\"session.updated\",\"session\":{\"id\":\"sess_1\","
	  "\"model\":\"gpt-realtime-2025-08-28\"}}");
	C(30,
	  "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\","
	  "\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"}]}}");
	C(40, "{\"type\":\"response.create\"}");
	S(50,
	  "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\","
	  "\"status\":\"in_progress\",\"output\":[]}}");
	S(60,
	  "{\"type\":\"response.output_item.added\",\"response_id\":\"resp_1\","
	  "\"output_index\":0,\"item\":{\"id\":\"item_1\",\"type\":\"function_call\","
	  "\"name\":\"get_weather\",\"call_id\":\"call_w1\",\"arguments\":\"\"}}");
	S(70,
	  "{\"type\":\"response.function_call_arguments.delta\",\"response_id\":\"resp_1\","
	  "\"output_index\":0,\"delta\":\"{\\\"city\\\":\\\"Paris\\\"}\"}");
	S(80,
	  "{\"type\":\"response.done\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\","
	  "\"output\":[{\"id\":\"item_1\",\"type\":\"function_call\",\"name\":\"get_weather\","
	  "\"call_id\":\"call_w1\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}],"
	  "\"usage\":{\"total_tokens\":138,\"input_tokens\":120,\"output_tokens\":18,"
	  "\"input_token_details\":{\"cached_tokens\":64,\"text_tokens\":120}}}}");
	C(90,
	  "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"function_call_output\","
	  "\"call_id\":\"call_w1\",\"output\":\"{\\\"temp\\\":21}\"}}");
	C(91, "{\"type\":\"response.create\",\"response\":{\"instructions\":\"Answer now.\"}}");
	S(100,
	  "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_2\","
	  "\"status\":\"in_progress\",\"output\":[]}}");
	S(110,
	  "{\"type\":\"response.output_text.delta\",\"response_id\":\"resp_2\","
	  "\"output_index\":0,\"content_index\":0,\"delta\":\"21 C.\"}");
	S(120,
	  "{\"type\":\"response.done\",\"response\":{\"id\":\"resp_2\",\"status\":\"completed\","
	  "\"output\":[{\"id\":\"item_2\",\"type\":\"message\",\"role\":\"assistant\","
	  "\"content\":[{\"type\":\"text\",\"text\":\"21 C.\"}]}],"
	  "\"usage\":{\"input_tokens\":150,\"output_tokens\":4}}}");
}

void test_realtime_openai(void)
{
	struct calls s = { 0 };
	struct ws_x ws, *w = &ws;
	struct genai_call *c;

	realtime_session(w);
	if (!ASSERT_EQ(provider_decode_ws(&w->x, NULL, on_call, &s), 2, "two responses"))
		goto out;
	c = s.c[0];
	ASSERT_STREQ(c->provider_name, "openai", "provider");
	ASSERT_STREQ(c->operation, "chat", "operation");
	ASSERT_STREQ(c->api_type, "realtime", "api type");
	ASSERT_EQ(c->lib, TT_LIB_BORINGSSL, "the connection's TLS library");
	ASSERT_STREQ(c->request_model, "gpt-realtime-2025-08-28", "the session's model");
	ASSERT_STREQ(c->response_id, "resp_1", "id");
	ASSERT_EQ(c->usage.input_tokens, 120, "input");
	ASSERT_EQ(c->usage.output_tokens, 18, "output");
	ASSERT_EQ(c->usage.cache_read_tokens, 64, "cached");
	ASSERT_EQ(c->start_ns, T0 + 40000000, "from response.create");
	ASSERT_EQ(c->end_ns, T0 + 80000000, "to response.done");
	ASSERT_EQ(c->flags, 0, "whole");
	if (ASSERT_EQ(c->n_tool_calls, 1, "a tool call")) {
		ASSERT_STREQ(c->tool_calls[0].name, "get_weather", "tool name");
		ASSERT_STREQ(c->tool_calls[0].id, "call_w1", "tool call id");
		ASSERT_STREQ(c->tool_calls[0].arguments, "{\"city\":\"Paris\"}", "arguments");
	}
	if (ASSERT_EQ(c->n_finish_reasons, 1, "finish"))
		ASSERT_STREQ(c->finish_reasons[0], "tool_calls", "tool_calls");
	c = s.c[1];
	ASSERT_STREQ(c->request_model, "gpt-realtime-2025-08-28", "model again");
	ASSERT_STREQ(c->response_id, "resp_2", "second id");
	ASSERT_EQ(c->usage.input_tokens, 150, "second input");
	ASSERT_EQ(c->usage.output_tokens, 4, "second output");
	ASSERT_EQ(c->n_tool_calls, 0, "no tool call");
	if (ASSERT_EQ(c->n_tool_results, 1, "the tool result sent back")) {
		ASSERT_STREQ(c->tool_results[0].call_id, "call_w1", "answers the call");
	}
	ASSERT_EQ(c->start_ns, T0 + 91000000, "second start");
	ASSERT_EQ(c->end_ns, T0 + 120000000, "second end");
	ASSERT_EQ(c->first_chunk_ns, T0 + 110000000, "first text");
	if (ASSERT_EQ(c->n_finish_reasons, 1, "second finish"))
		ASSERT_STREQ(c->finish_reasons[0], "stop", "stop");
out:
	calls_free(&s);
	ws_x_free(w);
}

/* The Responses API in WebSocket mode: the request fields in response.create, SSE events. */
void test_realtime_responses_ws(void)
{
	struct calls s = { 0 };
	struct ws_x ws, *w = &ws;
	struct genai_call *c;

	ws_x_init(w, "/v1/responses");
	C(10,
	  "{\"type\":\"response.create\",\"model\":\"gpt-5.1-codex\",\"stream\":true,"
	  "\"instructions\":\"You are Codex.\",\"input\":[{\"type\":\"message\",\"role\":"
	  "\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"ls\"}]}],"
	  "\"tools\":[{\"type\":\"function\",\"name\":\"shell\",\"parameters\":{}}]}");
	S(20,
	  "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":"
	  "\"resp_9\",\"model\":\"gpt-5.1-codex-2025\",\"status\":\"in_progress\"}}");
	S(30,
	  "{\"type\":\"response.output_item.added\",\"output_index\":0,\"item\":{\"type\":"
	  "\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_sh\",\"name\":\"shell\","
	  "\"arguments\":\"\"}}");
	S(40,
	  "{\"type\":\"response.function_call_arguments.delta\",\"output_index\":0,"
	  "\"delta\":\"{\\\"cmd\\\":[\\\"ls\\\"]}\"}");
	S(50,
	  "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_9\",\"model\":"
	  "\"gpt-5.1-codex-2025\",\"status\":\"completed\",\"output\":[{\"type\":"
	  "\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_sh\",\"name\":\"shell\","
	  "\"arguments\":\"{\\\"cmd\\\":[\\\"ls\\\"]}\"}],\"usage\":{\"input_tokens\":900,"
	  "\"input_tokens_details\":{\"cached_tokens\":800},\"output_tokens\":30,"
	  "\"output_tokens_details\":{\"reasoning_tokens\":12}}}}");
	/* a second response, cut by the connection's end */
	C(60, "{\"type\":\"response.create\",\"model\":\"gpt-5.1-codex\",\"input\":[]}");
	S(70,
	  "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_10\",\"model\":"
	  "\"gpt-5.1-codex-2025\",\"status\":\"in_progress\"}}");
	if (!ASSERT_EQ(provider_decode_ws(&w->x, NULL, on_call, &s), 2, "two responses"))
		goto out;
	c = s.c[0];
	ASSERT_STREQ(c->api_type, "responses", "api type");
	ASSERT_STREQ(c->request_model, "gpt-5.1-codex", "request model");
	ASSERT_STREQ(c->response_model, "gpt-5.1-codex-2025", "response model");
	ASSERT_EQ(c->usage.input_tokens, 900, "input");
	ASSERT_EQ(c->usage.cache_read_tokens, 800, "cached");
	ASSERT_EQ(c->usage.output_tokens, 30, "output");
	ASSERT_EQ(c->usage.reasoning_tokens, 12, "reasoning");
	ASSERT_EQ(c->start_ns, T0 + 10000000, "start");
	ASSERT_EQ(c->end_ns, T0 + 50000000, "end");
	if (ASSERT_EQ(c->n_tool_calls, 1, "a tool call")) {
		ASSERT_STREQ(c->tool_calls[0].name, "shell", "tool name");
		ASSERT_STREQ(c->tool_calls[0].id, "call_sh", "tool call id");
	}
	c = s.c[1];
	ASSERT_STREQ(c->response_id, "resp_10", "the cut one");
	ASSERT_TRUE(c->flags & GENAI_F_INCOMPLETE, "incomplete");
	ASSERT_EQ(c->start_ns, T0 + 60000000, "its start");
out:
	calls_free(&s);
	ws_x_free(w);
}

/* Other WebSockets are not LLM calls; an upgrade whose messages hold no response is none. */
void test_realtime_not_llm(void)
{
	struct calls s = { 0 };
	struct ws_x ws, *w = &ws;

	ws_x_init(w, "/socket.io/?EIO=4");
	S(10, "{\"type\":\"hello\"}");
	C(20, "{\"type\":\"response.create\"}");
	ASSERT_EQ(provider_decode_ws(&w->x, NULL, on_call, &s), -ENOENT, "not an LLM API");
	ws_x_free(w);
	ws_x_init(w, "/v1/realtime");
	S(10, "{\"type\":\"session.created\",\"session\":{\"model\":\"gpt-realtime\"}}");
	S(20, "not json");
	ASSERT_EQ(provider_decode_ws(&w->x, NULL, on_call, &s), -ENOENT, "no response");
	ASSERT_EQ(s.n, 0, "no call");
	ws_x_free(w);
}
