// SPDX-License-Identifier: MIT
/* fuzz_provider.c: libFuzzer harness for provider_decode over every API and body kind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider.h"

/* The HTTP layer owns the real one; this stands in when it is not linked. */
__attribute__((weak)) const char *http_headers_get(const struct http_headers *h, const char *name)
{
	size_t i;

	for (i = 0; h && i < h->n; i++)
		if (!strcasecmp(h->v[i].name, name))
			return h->v[i].value;
	return NULL;
}

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
};

static char *memdup0(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* Splits data[0..len) into events at "\n\n" (SSE) or "\n" (NDJSON). */
static void split(struct http_message *m, const char *d, size_t len, bool sse)
{
	const char *sep = sse ? "\n\n" : "\n";
	size_t seplen = sse ? 2 : 1, i = 0;

	m->events = calloc(len + 1, sizeof(*m->events));
	while (m->events && i <= len) {
		const char *e = memmem(d + i, len - i, sep, seplen);
		size_t n = e ? (size_t)(e - (d + i)) : len - i;
		struct http_event *ev = &m->events[m->n_events++];

		/* SSE data: strip a "data: " prefix as the sse module does */
		if (sse && n >= 6 && !memcmp(d + i, "data: ", 6)) {
			ev->data = memdup0(d + i + 6, n - 6);
			ev->data_len = n - 6;
		} else {
			ev->data = memdup0(d + i, n);
			ev->data_len = n;
		}
		ev->event = (n & 1) ? strdup("message_start") : NULL;
		ev->ts_ns = 1000 + i;
		i += n + seplen;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct provider_opts o = { .capture_content = true };
	struct http_exchange x;
	struct genai_call *c = NULL;
	const char *mid;
	size_t qlen, rlen, i;
	uint8_t sel, kind;

	if (size < 2)
		return 0;
	sel = data[0] % (sizeof(targets) / sizeof(targets[0]));
	kind = data[1] % 4;
	data += 2;
	size -= 2;
	/* request and response bodies are separated by the first NUL byte */
	mid = memchr(data, 0, size);
	qlen = mid ? (size_t)((const uint8_t *)mid - data) : size / 2;
	rlen = size - qlen - (mid ? 1 : 0);

	memset(&x, 0, sizeof(x));
	x.method = "POST";
	x.host = (char *)targets[sel][0];
	x.target = (char *)targets[sel][1];
	x.status = kind == 3 ? 500 : 200;
	x.tls = true;
	x.req.body = malloc(qlen + 1);
	memcpy(x.req.body, data, qlen);
	x.req.body[qlen] = 0;
	x.req.body_len = qlen;
	x.flags = kind == 2 ? HTTP_X_RESP_TRUNCATED | HTTP_X_REQ_TRUNCATED : 0;
	x.resp.kind = kind == 0 ? HTTP_BODY_SSE : kind == 1 ? HTTP_BODY_NDJSON : HTTP_BODY_PLAIN;
	if (x.resp.kind == HTTP_BODY_PLAIN) {
		x.resp.body = malloc(rlen + 1);
		memcpy(x.resp.body, data + size - rlen, rlen);
		x.resp.body[rlen] = 0;
		x.resp.body_len = rlen;
	} else {
		split(&x.resp, (const char *)data + size - rlen, rlen, kind == 0);
	}
	if (!provider_decode(&x, &o, &c))
		genai_call__free(c);
	for (i = 0; i < x.resp.n_events; i++) {
		free(x.resp.events[i].data);
		free(x.resp.events[i].event);
	}
	free(x.resp.events);
	free(x.resp.body);
	free(x.req.body);
	return 0;
}
