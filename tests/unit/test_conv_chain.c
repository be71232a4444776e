// SPDX-License-Identifier: MIT
/* test_conv_chain.c: gen_ai.conversation.id of Responses chained by previous_response_id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_chain.h"
#include "genai.h"
#include "linker.h"
#include "linker_test.h"
#include "test.h"

/* One Responses call: its response id and the previous one its request names (NULL: none). */
static struct genai_call *resp(const char *id, const char *prev, const char *conv)
{
	struct genai_call *c = calloc(1, sizeof(*c));

	c->api_type = "responses";
	c->response_id = id ? strdup(id) : NULL;
	c->previous_response_id = prev ? strdup(prev) : NULL;
	c->conversation_id = conv ? strdup(conv) : NULL;
	return c;
}

/* Runs the call through cc: the conversation it got ("" for none). */
static char *conv_of(struct conv_chain *cc, struct genai_call *c)
{
	static char out[64];

	ASSERT_OK(conv_chain__call(cc, c), "call");
	snprintf(out, sizeof(out), "%s", c->conversation_id ? c->conversation_id : "");
	genai_call__free(c);
	return out;
}

void test_conv_chain_three(void)
{
	struct conv_chain *cc = conv_chain__new(0);

	if (!ASSERT_OK_PTR(cc, "new"))
		return;
	ASSERT_STREQ(conv_of(cc, resp("resp_a", NULL, NULL)), "", "the first: no attribute");
	ASSERT_STREQ(conv_of(cc, resp("resp_b", "resp_a", NULL)), "resp_a", "second: the first id");
	ASSERT_STREQ(conv_of(cc, resp("resp_c", "resp_b", NULL)), "resp_a", "third: the first id");
	/* a branch from the middle stays in the same conversation */
	ASSERT_STREQ(conv_of(cc, resp("resp_d", "resp_b", NULL)), "resp_a", "branch");
	/* an unrelated chain does not mix in */
	ASSERT_STREQ(conv_of(cc, resp("resp_x", NULL, NULL)), "", "another first");
	ASSERT_STREQ(conv_of(cc, resp("resp_y", "resp_x", NULL)), "resp_x", "its own");
	ASSERT_STREQ(conv_of(cc, resp("resp_e", "resp_d", NULL)), "resp_a", "the first again");
	conv_chain__free(cc);
}

/* A previous id never seen: it names the conversation, and the chain after it follows. */
void test_conv_chain_unknown_previous(void)
{
	struct conv_chain *cc = conv_chain__new(0);

	if (!ASSERT_OK_PTR(cc, "new"))
		return;
	ASSERT_STREQ(conv_of(cc, resp("resp_2", "resp_1", NULL)), "resp_1", "the previous id");
	ASSERT_STREQ(conv_of(cc, resp("resp_3", "resp_2", NULL)), "resp_1", "kept along");
	/* no response id (an error answer): joins, remembers nothing */
	ASSERT_STREQ(conv_of(cc, resp(NULL, "resp_3", NULL)), "resp_1", "an error joins");
	conv_chain__free(cc);
}

/* The explicit `conversation` wins, and the responses chained to one of it join it. */
void test_conv_chain_explicit(void)
{
	struct conv_chain *cc = conv_chain__new(0);
	struct genai_call *c;

	if (!ASSERT_OK_PTR(cc, "new"))
		return;
	ASSERT_STREQ(conv_of(cc, resp("resp_a", NULL, "conv_1")), "conv_1", "explicit");
	ASSERT_STREQ(conv_of(cc, resp("resp_b", "resp_a", NULL)), "conv_1", "chained: its conv");
	ASSERT_STREQ(conv_of(cc, resp("resp_c", "resp_b", "conv_2")), "conv_2", "explicit wins");
	/* Chat Completions ids are never remembered */
	c = resp("chatcmpl-1", NULL, NULL);
	c->api_type = "chat_completions";
	ASSERT_STREQ(conv_of(cc, c), "", "chat");
	ASSERT_NULL(conv_chain__lookup(cc, "chatcmpl-1"), "not remembered");
	conv_chain__free(cc);
}

/* At the cap the oldest pair goes; over-long ids are skipped. */
void test_conv_chain_cap(void)
{
	struct conv_chain *cc = conv_chain__new(3);
	char id[16], big[300];
	int i;

	if (!ASSERT_OK_PTR(cc, "new"))
		return;
	for (i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "resp_%d", i);
		conv_of(cc, resp(id, NULL, NULL));
	}
	ASSERT_NULL(conv_chain__lookup(cc, "resp_0"), "the oldest evicted");
	ASSERT_STREQ(conv_chain__lookup(cc, "resp_1"), "resp_1", "the rest kept");
	ASSERT_STREQ(conv_chain__lookup(cc, "resp_3"), "resp_3", "the newest kept");
	ASSERT_STREQ(conv_of(cc, resp("resp_9", "resp_0", NULL)), "resp_0", "evicted: unknown");
	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_STREQ(conv_of(cc, resp(big, NULL, NULL)), "", "long id");
	ASSERT_NULL(conv_chain__lookup(cc, big), "long id not remembered");
	ASSERT_STREQ(conv_of(cc, resp("resp_z", big, NULL)), "", "long previous id ignored");
	conv_chain__free(cc);
}

/* Through the linker: the spans of a 3-long chain; the 2nd and 3rd carry the first's id. */
void test_conv_chain_linker(void)
{
	static const char *const ids[] = { "resp_1", "resp_2", "resp_3" };
	struct genai_call *c;
	struct lt t;
	int i;

	if (!lt_new(&t, true))
		return;
	ev_spawn(&t, 100, 1, 1000, "/usr/bin/python3", "python3", "agent.py", NULL);
	for (i = 0; i < 3; i++) {
		c = call_new(100, 2000 + 1000 * i, 2500 + 1000 * i, "gpt-4o");
		c->api_type = "responses";
		c->response_id = strdup(ids[i]);
		c->previous_response_id = i ? strdup(ids[i - 1]) : NULL;
		linker__add_call(t.l, c, NULL);
	}
	ev_exit(&t, 100, 1000, 9000, 0);
	for (i = 0; i < 3; i++) {
		const struct tt_span *s = nth(&t, "chat gpt-4o", i);

		if (!ASSERT_OK_PTR(s, "chat span"))
			break;
		ASSERT_STREQ(sattr(s, "gen_ai.response.id"), ids[i], "in order");
		if (i)
			ASSERT_STREQ(sattr(s, "gen_ai.conversation.id"), "resp_1", "the first id");
		else
			ASSERT_NULL(sattr(s, "gen_ai.conversation.id"), "the first: none");
	}
	lt_free(&t);
}
