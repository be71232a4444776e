// SPDX-License-Identifier: MIT
/* jsonl_fmt.c: JSON Lines views of exchanges and calls, for inspecting a capture. */
#include <inttypes.h>
#include <string.h>

#include "jsonl_fmt.h"
#include "jsonw.h"

static uint64_t unix_ns(const struct jsonl_clock *c, uint64_t boot_ns)
{
	return boot_ns ? c->real_ns + (boot_ns - c->boot_ns) : 0;
}

static int key_str(struct tt_buf *b, const char *key, const char *val)
{
	int err = tt_buf_printf(b, ",\"%s\":", key);

	return err ?: jsonw_cstr(b, val);
}

static int key_i64(struct tt_buf *b, const char *key, bool has, int64_t v)
{
	if (!has)
		return 0;
	return tt_buf_printf(b, ",\"%s\":%" PRId64, key, v);
}

static int put_flags(struct tt_buf *b, uint32_t f)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ HTTP_X_INCOMPLETE, "incomplete" },
		{ HTTP_X_REQ_TRUNCATED, "request_truncated" },
		{ HTTP_X_RESP_TRUNCATED, "response_truncated" },
		{ HTTP_X_NO_RESPONSE, "no_response" },
		{ HTTP_X_DECODE_ERROR, "decode_error" },
		{ HTTP_X_SERVER_SIDE, "server_side" },
		{ HTTP_X_MEM_DROPPED, "memory_dropped" },
	};
	size_t i, n = 0;
	int err = tt_buf_addstr(b, ",\"flags\":[");

	for (i = 0; !err && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(f & names[i].bit))
			continue;
		err = tt_buf_printf(b, "%s\"%s\"", n++ ? "," : "", names[i].name);
	}
	return err ?: tt_buf_addc(b, ']');
}

int jsonl_exchange(struct tt_buf *b, const struct http_exchange *x, const struct jsonl_clock *c)
{
	static const char *const kinds[] = { "none", "plain", "sse", "ndjson", "eventstream" };
	int err;

	err = tt_buf_printf(b,
			    "{\"type\":\"exchange\",\"pid\":%u,\"tid\":%u,\"conn\":\"0x%" PRIx64
			    "\",\"seq\":%" PRIu64 ",\"tls\":%s",
			    x->pid, x->tid, x->conn, x->seq, x->tls ? "true" : "false");
	err = err ?: key_str(b, "method", x->method);
	err = err ?: key_str(b, "host", x->host);
	err = err ?: key_str(b, "path", x->target);
	err = err ?: tt_buf_printf(b, ",\"status\":%d", x->status);
	if (!err && x->peer_addr[0])
		err = tt_buf_printf(b, ",\"peer\":\"%s\",\"peer_port\":%u", x->peer_addr,
				    x->peer_port);
	err = err   ?:
		      tt_buf_printf(b,
				    ",\"start_unix_ns\":%" PRIu64 ",\"end_unix_ns\":%" PRIu64
				    ",\"request_bytes\":%" PRIu64 ",\"response_bytes\":%" PRIu64
				    ",\"request_body_bytes\":%zu,\"response_body_bytes\":%zu"
				    ",\"response_kind\":\"%s\",\"events\":%zu",
				    unix_ns(c, x->req.start_ns),
				    unix_ns(c, x->resp.end_ns ? x->resp.end_ns : x->req.end_ns),
				    x->req.wire_bytes, x->resp.wire_bytes, x->req.body_len,
				    x->resp.body_len,
				    kinds[x->resp.kind <= HTTP_BODY_EVENTSTREAM ? x->resp.kind : 0],
				    x->resp.n_events);
	err = err ?: put_flags(b, x->flags);
	return err ?: tt_buf_addstr(b, "}\n");
}

static int put_tools(struct tt_buf *b, const struct genai_call *c)
{
	size_t i;
	int err = tt_buf_addstr(b, ",\"tool_calls\":[");

	for (i = 0; !err && i < c->n_tool_calls; i++) {
		err = tt_buf_addstr(b, i ? ",{\"id\":" : "{\"id\":");
		err = err ?: jsonw_cstr(b, c->tool_calls[i].id);
		err = err ?: tt_buf_addstr(b, ",\"name\":");
		err = err ?: jsonw_cstr(b, c->tool_calls[i].name);
		err = err ?: tt_buf_addc(b, '}');
	}
	err = err ?: tt_buf_addstr(b, "],\"tool_results\":[");
	for (i = 0; !err && i < c->n_tool_results; i++) {
		err = tt_buf_addstr(b, i ? ",{\"call_id\":" : "{\"call_id\":");
		err = err ?: jsonw_cstr(b, c->tool_results[i].call_id);
		err = err   ?:
			      tt_buf_printf(b, ",\"is_error\":%s}",
					    c->tool_results[i].is_error ? "true" : "false");
	}
	return err ?: tt_buf_addc(b, ']');
}

int jsonl_call(struct tt_buf *b, const struct genai_call *c, const struct jsonl_clock *clk)
{
	const struct genai_usage *u = &c->usage;
	size_t i;
	int err;

	err = tt_buf_printf(b,
			    "{\"type\":\"call\",\"pid\":%u,\"tid\":%u,\"conn\":\"0x%" PRIx64
			    "\",\"seq\":%" PRIu64,
			    c->pid, c->tid, c->conn, c->seq);
	err = err ?: key_str(b, "provider", c->provider_name);
	err = err ?: key_str(b, "operation", c->operation);
	err = err ?: key_str(b, "api", c->api_type);
	err = err ?: key_str(b, "request_model", c->request_model);
	err = err ?: key_str(b, "response_model", c->response_model);
	err = err ?: key_str(b, "response_id", c->response_id);
	err = err ?: key_str(b, "server_address", c->server_address);
	err = err ?: key_i64(b, "server_port", c->server_port > 0, c->server_port);
	err = err   ?:
		      tt_buf_printf(b, ",\"streaming\":%s,\"http_status\":%d",
				    c->streaming ? "true" : "false", c->http_status);
	err = err ?: key_i64(b, "input_tokens", u->has_input_tokens, u->input_tokens);
	err = err ?: key_i64(b, "output_tokens", u->has_output_tokens, u->output_tokens);
	err = err   ?:
		      key_i64(b, "cache_read_tokens", u->has_cache_read_tokens,
			      u->cache_read_tokens);
	err = err   ?:
		      key_i64(b, "cache_write_tokens", u->has_cache_write_tokens,
			      u->cache_write_tokens);
	err = err ?: key_i64(b, "reasoning_tokens", u->has_reasoning_tokens, u->reasoning_tokens);
	err = err ?: key_i64(b, "embed_dims", c->has_embed_dims, c->embed_dims);
	err = err ?: key_i64(b, "ttft_us", c->has_ttft, (int64_t)(c->ttft_ns / 1000));
	err = err   ?:
		      tt_buf_printf(b, ",\"start_unix_ns\":%" PRIu64 ",\"end_unix_ns\":%" PRIu64,
				    unix_ns(clk, c->start_ns), unix_ns(clk, c->end_ns));
	err = err ?: tt_buf_addstr(b, ",\"finish_reasons\":[");
	for (i = 0; !err && i < c->n_finish_reasons; i++) {
		err = i ? tt_buf_addc(b, ',') : 0;
		err = err ?: jsonw_cstr(b, c->finish_reasons[i]);
	}
	err = err ?: tt_buf_addc(b, ']');
	err = err ?: put_tools(b, c);
	if (!err && c->error_type)
		err = key_str(b, "error_type", c->error_type);
	return err ?: tt_buf_addstr(b, "}\n");
}
