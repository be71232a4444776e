/* SPDX-License-Identifier: MIT */
/*
 * pipeline_test.h: the records the pipeline tests feed (processes, an OpenAI call's bodies),
 * shared by test_linker_server.c and test_linker_local.c.
 */
#ifndef TT_PIPELINE_TEST_H
#define TT_PIPELINE_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pipeline.h"
#include "test.h"
#include "tt_abi.h"

#define PT_LLM_REQ_BODY                                           \
	"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\"," \
	"\"content\":\"q\"}]}"
#define PT_LLM_RESP_BODY                                                     \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","             \
	"\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":"        \
	"{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":"      \
	"\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1," \
	"\"total_tokens\":6}}"
#define PT_RESP_OK "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

/* The HTTP/1.1 request and response of one OpenAI chat call (PT_LLM_*_BODY). */
static inline void pt_llm_messages(char *req, size_t req_size, char *resp, size_t resp_size)
{
	snprintf(req, req_size,
		 "POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(PT_LLM_REQ_BODY), PT_LLM_REQ_BODY);
	snprintf(resp, resp_size,
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(PT_LLM_RESP_BODY), PT_LLM_RESP_BODY);
}

/* A test__split_feed() callback: the record to the pipeline ctx. */
static inline int pt_feed(const struct tt_data *rec, size_t size, void *ctx)
{
	pipeline__record(ctx, rec, size);
	return 0;
}

/* pid (started at start by a fork of ppid) exec'd path with args (NUL-separated) at ts. */
static inline void pt_exec_at(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t start,
			      uint64_t ts, const char *path, const char *args, size_t args_len)
{
	static struct tt_exec e;

	memset(&e, 0, sizeof(e));
	e.h = (struct tt_hdr){
		.type = TT_REC_EXEC, .size = sizeof(e), .pid = pid, .tid = pid, .ts_ns = ts
	};
	e.ppid = ppid;
	e.start_ns = start;
	e.path_len = strlen(path);
	memcpy(e.path, path, e.path_len);
	e.args_len = e.args_full = args_len;
	memcpy(e.args, args, args_len);
	pipeline__record(p, &e, sizeof(e));
}

/* pid (parent ppid) exec'd path with args (NUL-separated, args_len bytes) at ts. */
static inline void pt_exec(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t ts,
			   const char *path, const char *args, size_t args_len)
{
	pt_exec_at(p, pid, ppid, ts, ts, path, args, args_len);
}

/* pid (started at start, parent ppid) exited at ts. */
static inline void pt_exit(struct pipeline *p, uint32_t pid, uint32_t ppid, uint64_t start,
			   uint64_t ts)
{
	struct tt_exit x = {
		.h = { .type = TT_REC_EXIT, .size = sizeof(x), .pid = pid, .tid = pid, .ts_ns = ts },
		.ppid = ppid,
		.start_ns = start
	};

	pipeline__record(p, &x, sizeof(x));
}

#endif /* TT_PIPELINE_TEST_H */
