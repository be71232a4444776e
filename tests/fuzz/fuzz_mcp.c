// SPDX-License-Identifier: MIT
/* fuzz_mcp.c: libFuzzer harness for mcp_decode (JSON and SSE responses, any headers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_exchange.h"
#include "mcp.h"

/*
 * data: one mode byte (bit 0: response as SSE, bit 1: session header, bit 2: protocol version
 * header, bit 3: session header in the response), the request body, a NUL, the response body.
 * Seeds: tests/fuzz/seeds/fuzz_mcp/ (real MCP exchanges), tokens: fuzz_mcp.dict.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header hdr[2], rhdr = { (char *)"mcp-session-id", (char *)"r" };
	struct http_exchange x = { 0 };
	struct mcp_call *c = NULL;

	if (!size)
		return 0;
	x.method = (char *)"POST";
	x.req.headers.v = hdr;
	if (data[0] & 2)
		hdr[x.req.headers.n++] =
			(struct http_header){ (char *)"Mcp-Session-Id", (char *)"s" };
	if (data[0] & 4)
		hdr[x.req.headers.n++] = (struct http_header){ (char *)"MCP-Protocol-Version",
							       (char *)"2025-06-18" };
	if (data[0] & 8) {
		x.resp.headers.v = &rhdr;
		x.resp.headers.n = 1;
	}
	fz_set_bodies(&x, data + 1, size - 1, data[0] & 1 ? HTTP_BODY_SSE : HTTP_BODY_PLAIN);
	if (x.req.body && mcp_decode(&x, &c) == 0)
		mcp_call__free(c);
	x.req.headers.v = NULL; /* on the stack */
	x.req.headers.n = 0;
	x.resp.headers.v = NULL;
	x.resp.headers.n = 0;
	http_message__clear(&x.req);
	http_message__clear(&x.resp);
	return 0;
}
