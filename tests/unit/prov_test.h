/* SPDX-License-Identifier: MIT */
/* prov_test.h: LLM API exchanges and checks of decoded calls for the provider tests. */
#ifndef TT_PROV_TEST_H
#define TT_PROV_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "http_exchange.h"
#include "provider.h"

/*
 * Exchanges are built as the HTTP layer would hand them over: the request starts at 1 s, the
 * first response byte arrives at 1.4 s and stream events follow 10 ms apart.
 */
#define MS	     1000000ull
#define T_REQ_START  (1000 * MS)
#define T_FIRST_BODY (1400 * MS)
#define T_EVENT_STEP (10 * MS)

/* Streaming kinds: resp is split into events by the one SSE / NDJSON parser. */
struct http_exchange *ptest_exchange(const char *host, const char *target, int status,
				     const char *req, size_t req_len, const char *resp,
				     size_t resp_len, enum http_body_kind kind);
/* tests/fixtures/providers/<dir>/{meta.json,request.json,response.body} as an exchange. */
struct http_exchange *ptest_fixture(const char *dir, bool *ok);
/* The fixture decoded; NULL (and a failed assertion) if it does not decode. */
struct genai_call *ptest_decode(const char *dir, bool capture);

/* The call has one finish reason, reason. */
void ptest_finish(const struct genai_call *c, const char *reason, const char *what);
/* Tool call i is there, with this id (NULL: none), name, arguments and type. */
void ptest_tool(const struct genai_call *c, size_t i, const char *id, const char *name,
		const char *args, const char *type);

#endif /* TT_PROV_TEST_H */
