// SPDX-License-Identifier: MIT
/* fuzz_provider.c: libFuzzer harness for provider_decode over every API and body kind. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "sse.h"

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

/* One event as the HTTP layer keeps it (split by sse.c, as the HTTP layer splits them). */
static int add_event(const struct sse_event *e, void *ctx)
{
	struct http_message *m = ctx;
	struct http_event *ev = realloc(m->events, (m->n_events + 1) * sizeof(*ev));

	if (!ev)
		return -ENOMEM;
	m->events = ev;
	ev += m->n_events++;
	memset(ev, 0, sizeof(*ev));
	ev->data = memdup0(e->data, e->data_len);
	ev->data_len = ev->data ? e->data_len : 0;
	ev->event = e->event ? memdup0(e->event, e->event_len) : NULL;
	ev->ts_ns = 1000 + 10 * m->n_events;
	return 0;
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
		sse_split_body(kind == 0 ? SSE_MODE_SSE : SSE_MODE_NDJSON, data + size - rlen, rlen,
			       add_event, &x.resp);
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
