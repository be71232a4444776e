/* SPDX-License-Identifier: MIT */
/* jsonl_fmt.h: one JSON line per HTTP exchange or LLM call (--format exchanges|calls). */
#ifndef TT_JSONL_FMT_H
#define TT_JSONL_FMT_H

#include <stdint.h>

#include "buf.h"
#include "genai.h"
#include "http_exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Boot-clock to wall-clock conversion (the capture's clock base). */
struct jsonl_clock {
	uint64_t boot_ns;
	uint64_t real_ns;
};

/*
 * method, host, path, status, times, sizes, body kind and event count of an exchange, with
 * the flags spelled out. Never the headers or bodies: those may hold content or credentials.
 */
int jsonl_exchange(struct tt_buf *b, const struct http_exchange *x, const struct jsonl_clock *c);
/* The fields of a decoded call as the GenAI conventions name them (no content). */
int jsonl_call(struct tt_buf *b, const struct genai_call *call, const struct jsonl_clock *c);

#ifdef __cplusplus
}
#endif
#endif /* TT_JSONL_FMT_H */
