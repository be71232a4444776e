// SPDX-License-Identifier: MIT
/* fuzz_provider.c: libFuzzer harness for provider_decode over every API (and none) and body kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_exchange.h"
#include "provider.h"

static const char *const targets[][2] = {
	{ "api.openai.com", "/v1/chat/completions" },
	{ "api.openai.com", "/v1/responses" },
	{ "api.openai.com", "/v1/completions" },
	{ "api.openai.com", "/v1/embeddings" },
	{ "api.anthropic.com", "/v1/messages?beta=true" },
	{ "generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:generateContent" },
	{ "generativelanguage.googleapis.com",
	  "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse" },
	{ "localhost:11434", "/api/chat" },
	{ "localhost:11434", "/api/generate" },
	{ "10.1.2.3:8000", "/v1/chat/completions" },
	{ "proxy:4000", "/v1/messages" },
	{ "x.openai.azure.com", "/openai/deployments/d/chat/completions?api-version=1" },
	{ "api.cohere.com", "/v2/chat" },
	/* no known API: the generic decoder (prov_generic.c) */
	{ "llm.internal.example:8443", "/v3/infer" },
	{ "api.groq.com", "/openai/v1/chat/completions" },
};

/*
 * data: the API (a byte), the response body kind (low 2 bits of a byte; a truncated request
 * with bit 2 set lost its middle: bits 3-4 and 5-7 place the gap), request body, a NUL,
 * response.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provider_opts o = { .capture_content = true };
	struct http_exchange x;
	struct genai_call *c = NULL;
	uint8_t sel, kind;

	if (size < 2)
		return 0;
	sel = data[0] % (sizeof(targets) / sizeof(targets[0]));
	kind = data[1] % 4;
	memset(&x, 0, sizeof(x));
	x.method = "POST";
	x.host = (char *)targets[sel][0];
	x.target = (char *)targets[sel][1];
	x.status = kind == 3 ? 500 : 200;
	x.tls = true;
	x.flags = kind == 2 ? HTTP_X_RESP_TRUNCATED | HTTP_X_REQ_TRUNCATED : 0;
	fz_set_bodies(&x, data + 2, size - 2,
		      kind == 0 ? HTTP_BODY_SSE :
		      kind == 1 ? HTTP_BODY_NDJSON :
				  HTTP_BODY_PLAIN);
	if (kind == 2 && (data[1] & 4)) {
		x.req.body_gap = true;
		x.req.gap_head = x.req.body_len * ((data[1] >> 3) & 3) / 4;
		x.req.gap_tail =
			x.req.gap_head + (x.req.body_len - x.req.gap_head) * (data[1] >> 5) / 8;
	}
	if (!provider_decode(&x, &o, &c))
		genai_call__free(c);
	http_message__clear(&x.req);
	http_message__clear(&x.resp);
	return 0;
}
