// SPDX-License-Identifier: MIT
/* test_jsonl_fmt.c: --format exchanges|calls lines. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonl_fmt.h"
#include "test.h"

static const struct jsonl_clock clk = { .boot_ns = 1000, .real_ns = 1767225600000000000ull };

/* The line b holds, as the formatter (which returned err) wrote it. */
static cJSON *parse_line(struct tt_buf *b, int err)
{
	cJSON *j;

	if (!ASSERT_OK(err, "format") ||
	    !ASSERT_TRUE(b->len && b->data[b->len - 1] == '\n', "one line"))
		return NULL;
	j = cJSON_ParseWithLength((const char *)b->data, b->len);
	ASSERT_OK_PTR(j, "valid JSON");
	return j;
}

void test_jsonl_exchange_line(void)
{
	struct http_exchange x = { 0 };
	struct tt_buf b;
	cJSON *j, *f;

	x.pid = 7;
	x.tid = 8;
	x.conn = 0xabc;
	x.seq = 2;
	x.tls = true;
	x.method = "POST";
	x.host = "api.openai.com";
	x.target = "/v1/chat/completions";
	x.status = 429;
	strcpy(x.peer_addr, "10.0.0.1");
	x.peer_port = 443;
	x.req.start_ns = 2000;
	x.resp.end_ns = 5000;
	x.req.wire_bytes = 300;
	x.resp.wire_bytes = 120;
	x.req.body_len = 200;
	x.resp.kind = HTTP_BODY_SSE;
	x.resp.n_events = 3;
	x.flags = HTTP_X_INCOMPLETE | HTTP_X_RESP_TRUNCATED;
	tt_buf_init(&b, 1 << 16);
	j = parse_line(&b, jsonl_exchange(&b, &x, &clk));
	if (!j)
		goto out;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "method")->valuestring, "POST", "method");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "host")->valuestring, "api.openai.com", "host");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "path")->valuestring, "/v1/chat/completions", "path");
	ASSERT_EQ(cJSON_GetObjectItem(j, "status")->valueint, 429, "status");
	ASSERT_EQ(cJSON_GetObjectItem(j, "events")->valueint, 3, "events");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "response_kind")->valuestring, "sse", "kind");
	ASSERT_EQ(cJSON_GetObjectItem(j, "request_bytes")->valueint, 300, "request bytes");
	ASSERT_DOUBLE_EQ(cJSON_GetObjectItem(j, "start_unix_ns")->valuedouble,
			 (double)(1767225600000000000ull + 1000), "start");
	f = cJSON_GetObjectItem(j, "flags");
	ASSERT_EQ(cJSON_GetArraySize(f), 2, "two flags");
	ASSERT_STREQ(cJSON_GetArrayItem(f, 0)->valuestring, "incomplete", "flag 0");
	ASSERT_STREQ(cJSON_GetArrayItem(f, 1)->valuestring, "response_truncated", "flag 1");
	cJSON_Delete(j);
out:
	tt_buf_free(&b);
}

void test_jsonl_call_line(void)
{
	struct genai_tool_call tc = { .id = "toolu_01", .name = "Bash", .type = "function" };
	struct genai_tool_result tr = { .call_id = "toolu_00", .is_error = true };
	char *fr[] = { "tool_use" };
	struct genai_call c = { 0 };
	struct tt_buf b;
	cJSON *j, *t;

	c.pid = 9;
	c.provider_name = "anthropic";
	c.operation = "chat";
	c.request_model = "claude-sonnet-4-6";
	c.response_model = "claude-sonnet-4-6-20260101";
	c.usage.input_tokens = 3847;
	c.usage.has_input_tokens = true;
	c.usage.output_tokens = 212;
	c.usage.has_output_tokens = true;
	c.finish_reasons = fr;
	c.n_finish_reasons = 1;
	c.tool_calls = &tc;
	c.n_tool_calls = 1;
	c.tool_results = &tr;
	c.n_tool_results = 1;
	c.streaming = true;
	c.has_ttft = true;
	c.ttft_ns = 410000000;
	c.http_status = 200;
	tt_buf_init(&b, 1 << 16);
	j = parse_line(&b, jsonl_call(&b, &c, &clk));
	if (!j)
		goto out;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "provider")->valuestring, "anthropic", "provider");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "request_model")->valuestring, "claude-sonnet-4-6",
		     "model");
	ASSERT_EQ(cJSON_GetObjectItem(j, "input_tokens")->valueint, 3847, "input tokens");
	ASSERT_EQ(cJSON_GetObjectItem(j, "output_tokens")->valueint, 212, "output tokens");
	ASSERT_NULL(cJSON_GetObjectItem(j, "cache_read_tokens"), "absent stays absent");
	ASSERT_EQ(cJSON_GetObjectItem(j, "ttft_us")->valueint, 410000, "ttft");
	t = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tool_calls"), 0);
	ASSERT_STREQ(cJSON_GetObjectItem(t, "id")->valuestring, "toolu_01", "tool id");
	ASSERT_STREQ(cJSON_GetObjectItem(t, "name")->valuestring, "Bash", "tool name");
	t = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "tool_results"), 0);
	ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(t, "is_error")), "result error");
	ASSERT_STREQ(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "finish_reasons"), 0)->valuestring,
		     "tool_use", "finish reason");
	cJSON_Delete(j);
out:
	tt_buf_free(&b);
}
