// SPDX-License-Identifier: MIT
/* fuzz_mcp.c: libFuzzer harness for mcp_decode (JSON and SSE responses, any headers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_exchange.h"
#include "mcp.h"

/*
 * data: one mode byte (bit 0: response as SSE, bit 1: session header), the request body, a
 * NUL, the response body.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header hdr = { (char *)"Mcp-Session-Id", (char *)"s" };
	struct http_exchange x = { 0 };
	struct mcp_call *c = NULL;

	if (!size)
		return 0;
	x.method = (char *)"POST";
	if (data[0] & 2) {
		x.req.headers.v = &hdr;
		x.req.headers.n = 1;
	}
	fz_set_bodies(&x, data + 1, size - 1, data[0] & 1 ? HTTP_BODY_SSE : HTTP_BODY_PLAIN);
	if (x.req.body && mcp_decode(&x, &c) == 0)
		mcp_call__free(c);
	x.req.headers.v = NULL; /* on the stack */
	x.req.headers.n = 0;
	http_message__clear(&x.req);
	http_message__clear(&x.resp);
	return 0;
}
