// SPDX-License-Identifier: MIT
/* fuzz_mcp.c: libFuzzer harness for mcp_decode (JSON and SSE responses, any headers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"

static char *memdup0(const uint8_t *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * data: one mode byte (bit 0: response as SSE events, bit 1: session header), the request
 * body, a NUL, the response body (SSE: events separated by blank lines).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header hdr = { (char *)"Mcp-Session-Id", (char *)"s" };
	struct http_exchange x = { 0 };
	struct mcp_call *c = NULL;
	const uint8_t *nul, *p, *e;
	size_t n;

	if (!size)
		return 0;
	nul = memchr(data + 1, 0, size - 1);
	n = nul ? (size_t)(nul - data - 1) : size - 1;
	x.method = (char *)"POST";
	x.req.body = (unsigned char *)memdup0(data + 1, n);
	x.req.body_len = n;
	if (data[0] & 2) {
		x.req.headers.v = &hdr;
		x.req.headers.n = 1;
	}
	p = nul ? nul + 1 : data + size;
	n = data + size - p;
	if (!(data[0] & 1)) {
		x.resp.kind = HTTP_BODY_PLAIN;
		x.resp.body = (unsigned char *)memdup0(p, n);
		x.resp.body_len = n;
	} else {
		x.resp.kind = HTTP_BODY_SSE;
		x.resp.events = calloc(n + 1, sizeof(*x.resp.events));
		while (x.resp.events && p <= data + size) {
			e = memmem(p, data + size - p, "\n\n", 2);
			n = e ? (size_t)(e - p) : (size_t)(data + size - p);
			x.resp.events[x.resp.n_events].data = memdup0(p, n);
			x.resp.events[x.resp.n_events++].data_len = n;
			p += n + 2;
		}
	}
	if (x.req.body && mcp_decode(&x, &c) == 0)
		mcp_call__free(c);
	free(x.req.body);
	free(x.resp.body);
	for (n = 0; n < x.resp.n_events; n++)
		free(x.resp.events[n].data);
	free(x.resp.events);
	return 0;
}
