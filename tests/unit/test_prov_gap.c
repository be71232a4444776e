// SPDX-License-Identifier: MIT
/*
 * test_prov_gap.c: request bodies whose middle was lost (a call over the capture cap keeps its
 * head and its tail): the members after the gap are read from the tail alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "genai.h"
#include "prov_internal.h"
#include "prov_test.h"
#include "test.h"

void test_prov_gap_tail_members(void)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: -ENOENT */
	} cases[] = {
		/* cut inside the array of messages: the members after it */
		{ "hi\"}]}],\"model\":\"gpt-4o\",\"stream\":true}",
		  "{\"model\":\"gpt-4o\",\"stream\":true}" },
		{ "3, 4]], \"n\": 1}\n", "{ \"n\": 1}" },
		/* cut inside a string holding what would be structure outside one */
		{ "x, \\\"y\\\": [}\", \"model\": \"m\"}", "{ \"model\": \"m\"}" },
		{ "a,b\", \"k\": \"v,w\", \"z\": {\"q\": [1, {\"r\": 2}]}}",
		  "{ \"k\": \"v,w\", \"z\": {\"q\": [1, {\"r\": 2}]}}" },
		/* escaped backslashes before a closing quote */
		{ "]}, \"p\": \"a\\\\\\\\\", \"m\": \"x\"}",
		  "{ \"p\": \"a\\\\\\\\\", \"m\": \"x\"}" },
		/* backslashes back to the cut: that quote's meaning is unknown, what follows stands */
		{ "\\\\\"}], \"model\": \"m\"}", "{ \"model\": \"m\"}" },
		{ "\"}], \"model\": \"m\"}", "{ \"model\": \"m\"}" },
		/* cut inside a key: that member is lost */
		{ "odel\": \"m\", \"tools\": []}", "{ \"tools\": []}" },
		/* the whole object */
		{ "  {\"a\": [1, 2], \"b\": {}}", "{\"a\": [1, 2], \"b\": {}}" },
		{ "{}", "{}" },
		/* nothing whole, or no object's end */
		{ "abc\"}]}", NULL },
		{ "1, 2]", NULL },
		{ "", NULL },
		{ " \n", NULL },
		{ "}", NULL },
	};
	struct tt_buf b;
	size_t i;
	int err;

	tt_buf_init(&b, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = pj_tail_members(cases[i].in, strlen(cases[i].in), &b);
		if (!cases[i].out) {
			ASSERT_EQ(err, -ENOENT, cases[i].in);
			continue;
		}
		if (ASSERT_OK(err, cases[i].in))
			ASSERT_MEMEQ(b.data, b.len, cases[i].out, strlen(cases[i].out),
				     cases[i].in);
	}
	tt_buf_free(&b);
}

/* The OpenAI Python SDK's order: "model" and the tools after the messages. */
static const char sdk_body[] =
	"{\"messages\":[{\"role\":\"system\",\"content\":\"be brief, \\\"always\\\"\"},"
	"{\"role\":\"user\",\"content\":\"[{,}] \\\\\"},"
	"{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"done\"}],"
	"\"model\":\"gpt-4o-2024-08-06\","
	"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"Bash\",\"parameters\":{}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"Read\",\"parameters\":{}}}],"
	"\"stream\":true}";

/*
 * Every head and tail a gap can leave: never more than the body says, and the members wholly
 * after the gap always there.
 */
void test_prov_gap_every_cut(void)
{
	size_t len = strlen(sdk_body), head, tail;
	size_t model_at = strstr(sdk_body, ",\"model\"") - sdk_body;
	size_t tools_at = strstr(sdk_body, ",\"tools\"") - sdk_body;
	cJSON *full = cJSON_Parse(sdk_body), *j;
	bool ok = true;

	if (!ASSERT_OK_PTR(full, "body parses"))
		return;
	for (head = 0; head <= len && ok; head++) {
		for (tail = head; tail <= len && ok; tail++) {
			j = pj_parse_gap(sdk_body, len, head, tail);
			if (tail <= model_at)
				ok &= ASSERT_STREQ(pj_str(j, "model"), "gpt-4o-2024-08-06",
						   "model");
			if (tail <= tools_at)
				ok &= ASSERT_EQ(cJSON_GetArraySize(pj_get(j, "tools")), 2, "tools");
			if (pj_get(j, "stream"))
				ok &= ASSERT_TRUE(pj_true(j, "stream"), "stream is the body's");
			/* the head's last string may be cut (pj_repair keeps it): a prefix */
			if (pj_get(j, "model"))
				ok &= ASSERT_TRUE(pj_str(j, "model") &&
							  !strncmp(pj_str(j, "model"),
								   "gpt-4o-2024-08-06",
								   strlen(pj_str(j, "model"))),
						  "no other");
			cJSON_Delete(j);
		}
	}
	j = pj_parse_gap(sdk_body, len, len, len);
	ASSERT_TRUE(cJSON_Compare(j, full, true), "no gap at the end: the body");
	cJSON_Delete(j);
	cJSON_Delete(full);
	ASSERT_NULL(pj_parse_gap("[1,2", 4, 2, 2), "no object");
}

/* A chat request over the cap as the HTTP layer hands it over, decoded. */
void test_prov_gap_openai_request(void)
{
	static const char resp[] =
		"{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":"
		"\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":"
		"{\"role\":\"assistant\",\"content\":\"ok\"},"
		"\"finish_reason\":\"stop\"}]}";
	size_t filler = 200000, len, head = 1000, tail;
	const char *pre = "{\"messages\":[{\"role\":\"user\",\"content\":\"";
	const char *post =
		"\"},{\"role\":\"tool\",\"tool_call_id\":\"call_9\",\"content\":\"42\"}],"
		"\"model\":\"gpt-4o\",\"tools\":[{\"type\":\"function\",\"function\":"
		"{\"name\":\"Bash\"}},{\"type\":\"function\",\"function\":{\"name\":"
		"\"Read\"}},{\"type\":\"function\",\"function\":{\"name\":\"Grep\"}}]}";
	struct provider_opts o = { .capture_content = true };
	struct genai_call *c = NULL;
	struct http_exchange *x;
	cJSON *defs;
	char *body;

	len = strlen(pre) + filler + strlen(post);
	body = malloc(len + 1);
	if (!ASSERT_OK_PTR(body, "malloc"))
		return;
	memcpy(body, pre, strlen(pre));
	memset(body + strlen(pre), 'w', filler);
	memcpy(body + strlen(pre) + filler, post, strlen(post) + 1);
	/* the capture kept the first 1000 bytes and the last 300: they are the body now */
	tail = 300;
	memmove(body + head, body + len - tail, tail + 1);
	x = ptest_exchange("api.openai.com", "/v1/chat/completions", 200, body, head + tail, resp,
			   strlen(resp), HTTP_BODY_PLAIN);
	if (!ASSERT_OK_PTR(x, "exchange"))
		goto out;
	x->req.body_gap = true;
	x->req.gap_head = x->req.gap_tail = head;
	x->flags |= HTTP_X_REQ_TRUNCATED | HTTP_X_INCOMPLETE;
	if (!ASSERT_OK(provider_decode(x, &o, &c), "decode"))
		goto out;
	ASSERT_STREQ(c->request_model, "gpt-4o", "request model from the tail");
	ASSERT_TRUE(c->flags & GENAI_F_REQ_TRUNCATED, "flagged truncated");
	defs = cJSON_Parse(c->tool_definitions);
	ASSERT_EQ(cJSON_GetArraySize(defs), 3, "tools offered, from the tail");
	cJSON_Delete(defs);
	ASSERT_OK_PTR(c->input_messages, "the head's messages");
out:
	genai_call__free(c);
	http_exchange__free(x);
	free(body);
}
