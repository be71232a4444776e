// SPDX-License-Identifier: MIT
/*
 * conv_chain.c: the conversation of an OpenAI Responses call from its previous_response_id. A
 * bounded ring of (response id, conversation id), newest first on lookup, the oldest
 * overwritten when full: a chain outliving TT_MAX_CONV_CHAIN later responses starts again
 * from the id it names (conv_chain.h says how).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conv_chain.h"
#include "tt_limits.h"

struct conv_pair {
	char *resp;
	char *conv;
};

struct conv_chain {
	struct conv_pair *v;
	size_t cap, n, next; /* next: the slot written next (the oldest when full) */
};

struct conv_chain *conv_chain__new(size_t cap)
{
	struct conv_chain *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return NULL;
	cc->cap = cap ? cap : TT_MAX_CONV_CHAIN;
	cc->v = calloc(cc->cap, sizeof(*cc->v));
	if (!cc->v) {
		free(cc);
		return NULL;
	}
	return cc;
}

void conv_chain__free(struct conv_chain *cc)
{
	size_t i;

	if (!cc)
		return;
	for (i = 0; i < cc->n; i++) {
		free(cc->v[i].resp);
		free(cc->v[i].conv);
	}
	free(cc->v);
	free(cc);
}

const char *conv_chain__lookup(const struct conv_chain *cc, const char *response_id)
{
	size_t i, k;

	if (!response_id)
		return NULL;
	/* newest first: a response id seen twice (a replayed capture) answers as last seen */
	for (i = 1; i <= cc->n; i++) {
		k = (cc->next + cc->cap - i) % cc->cap;
		if (!strcmp(cc->v[k].resp, response_id))
			return cc->v[k].conv;
	}
	return NULL;
}

static int remember(struct conv_chain *cc, const char *resp, const char *conv)
{
	struct conv_pair *p = &cc->v[cc->next];
	char *r = strdup(resp), *c = strdup(conv);

	if (!r || !c) {
		free(r);
		free(c);
		return -ENOMEM;
	}
	if (cc->n == cc->cap) {
		free(p->resp);
		free(p->conv);
	} else {
		cc->n++;
	}
	p->resp = r;
	p->conv = c;
	cc->next = (cc->next + 1) % cc->cap;
	return 0;
}

static bool id_ok(const char *id)
{
	return id && *id && strnlen(id, TT_MAX_CONV_ID + 1) <= TT_MAX_CONV_ID;
}

int conv_chain__call(struct conv_chain *cc, struct genai_call *c)
{
	const char *prev = c->previous_response_id, *conv;

	if (!cc)
		return 0;
	if (!c->conversation_id && id_ok(prev)) {
		conv = conv_chain__lookup(cc, prev);
		c->conversation_id = strdup(conv ? conv : prev);
		if (!c->conversation_id)
			return -ENOMEM;
	}
	/* other APIs' ids (chatcmpl-..., msg_...) are never named by a later request */
	if (!id_ok(c->response_id) || !c->api_type || strcmp(c->api_type, "responses"))
		return 0;
	conv = c->conversation_id ? c->conversation_id : c->response_id;
	return id_ok(conv) ? remember(cc, c->response_id, conv) : 0;
}
