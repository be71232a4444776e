/* SPDX-License-Identifier: MIT */
/* provider.h: recognises LLM API exchanges and decodes them into struct genai_call. */
#ifndef TT_PROVIDER_H
#define TT_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include "genai.h"
#include "http_exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

struct provider_opts {
	bool capture_content; /* fill input/output messages, system instructions, tool results */
	bool legacy_semconv;  /* copied to genai_call.legacy_semconv for the exporter */
	size_t content_max;   /* bytes of one content attribute (--content-max); 0: the default */
};

/*
 * Decodes one exchange. Returns 0 and a new call in *out (free with genai_call__free),
 * -ENOENT when the exchange is not an LLM API call, -EINVAL on bad arguments or -ENOMEM.
 * An exchange no known API decodes is still a call when its bodies carry a model call (a
 * model and messages / prompt / input / contents, or token counts in the response): a generic
 * one, genai_call.decode "generic".
 * opts may be NULL (defaults: no content, current conventions). Bodies cut by a cap or streams
 * cut short still give a call with the fields parsed so far (genai_call.flags says so).
 */
int provider_decode(const struct http_exchange *x, const struct provider_opts *opts,
		    struct genai_call **out);

/* Receives each call of provider_decode_ws(); takes ownership (free with genai_call__free). */
typedef void (*provider_call_fn)(struct genai_call *c, void *ctx);

/*
 * Decodes an LLM API over WebSocket (an exchange of kind HTTP_BODY_WS: the OpenAI Realtime
 * API, the Responses API in WebSocket mode): one call per response its messages carry, each
 * handed to fn as it is decoded. Returns the number of calls, -ENOENT when the exchange is not
 * one of those APIs, or -ENOMEM.
 */
int provider_decode_ws(const struct http_exchange *x, const struct provider_opts *opts,
		       provider_call_fn fn, void *ctx);

/*
 * Cheap check on the request alone (method, host, path, headers): true when it is for a known
 * LLM API. A POST of any JSON object may still decode as a generic call (provider_decode()).
 */
bool provider_is_llm_request(const struct http_exchange *x);

/* host (a DNS name, no port) is one of the LLM API hosts that name a provider. */
bool provider_is_llm_host(const char *host);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROVIDER_H */
