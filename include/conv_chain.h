/* SPDX-License-Identifier: MIT */
/* conv_chain.h: gen_ai.conversation.id of OpenAI Responses chained by previous_response_id. */
#ifndef TT_CONV_CHAIN_H
#define TT_CONV_CHAIN_H

#include <stddef.h>

#include "genai.h"

#ifdef __cplusplus
extern "C" {
#endif

struct conv_chain;

/* NULL and errno on failure. cap: response ids remembered (0: TT_MAX_CONV_CHAIN). */
struct conv_chain *conv_chain__new(size_t cap);
void conv_chain__free(struct conv_chain *cc);

/*
 * Gives c its conversation and remembers c's response for the calls chained to it. A call
 * with no conversation of its own whose request names a previous_response_id joins that
 * response's conversation: the explicit `conversation` it was in, else the id of the first
 * response of the chain. A previous id this tracer never saw (the chain began before it, or
 * its response was evicted as the oldest) is taken as the conversation id itself: the
 * responses after it then share it. The first response of a chain keeps no attribute (it is
 * exported before anything names it); its gen_ai.response.id is the conversation id.
 * 0 or -ENOMEM.
 */
int conv_chain__call(struct conv_chain *cc, struct genai_call *c);

/* The conversation remembered for response id (NULL: none); valid until the next call. */
const char *conv_chain__lookup(const struct conv_chain *cc, const char *response_id);

#ifdef __cplusplus
}
#endif
#endif /* TT_CONV_CHAIN_H */
