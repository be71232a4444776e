// SPDX-License-Identifier: MIT
/* test_linker_attrs.c: provider-specific attributes stay with their provider. */
#include <string.h>

#include "genai.h"
#include "linker_internal.h"
#include "span.h"
#include "test.h"

static void fill(struct genai_call *c, const char *provider, const char *api_type)
{
	memset(c, 0, sizeof(*c));
	c->provider_name = provider;
	c->operation = "chat";
	c->api_type = api_type;
	c->request_model = "m";
	c->service_tier = "standard";
	c->system_fingerprint = "fp_1";
	c->http_status = 200;
}

/* Anthropic answers carry service_tier too: it must not come out as an openai.* attribute. */
void test_linker_attrs_openai_only(void)
{
	struct tt_span *s;
	struct genai_call c;

	fill(&c, "anthropic", NULL);
	s = span__new("chat m", SPAN_KIND_CLIENT, NULL);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	ASSERT_OK(linker_call_attrs(s, &c), "attrs");
	ASSERT_NULL(attrs_get(&s->attrs, "openai.response.service_tier"), "no openai tier");
	ASSERT_NULL(attrs_get(&s->attrs, "openai.api.type"), "no openai api type");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "gen_ai.provider.name"), "anthropic", "provider");
	span__free(s);

	fill(&c, "openai", "chat_completions");
	s = span__new("chat m", SPAN_KIND_CLIENT, NULL);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	ASSERT_OK(linker_call_attrs(s, &c), "attrs");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "openai.response.service_tier"), "standard", "tier");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "openai.api.type"), "chat_completions", "api");
	ASSERT_STREQ(attrs_get_str(&s->attrs, "openai.response.system_fingerprint"), "fp_1", "fp");
	span__free(s);
}

/*
 * An embeddings call exports its dimension count and the encoding formats it asked for
 * (test_prov_routes.c decodes them), only when seen.
 */
void test_linker_attrs_embed_dims(void)
{
	static char *formats[] = { "int8", "ubinary" };
	const struct attr *a;
	struct tt_span *s;
	struct genai_call c;
	int i;

	for (i = 0; i < 2; i++) {
		fill(&c, "openai", NULL);
		c.operation = "embeddings";
		c.embed_dims = 256;
		c.has_embed_dims = i;
		c.encoding_formats = i ? formats : NULL;
		c.n_encoding_formats = i ? 2 : 0;
		s = span__new("embeddings m", SPAN_KIND_CLIENT, NULL);
		if (!ASSERT_OK_PTR(s, "span"))
			return;
		ASSERT_OK(linker_call_attrs(s, &c), "attrs");
		ASSERT_STREQ(attrs_get_str(&s->attrs, "gen_ai.operation.name"), "embeddings", "op");
		a = attrs_get(&s->attrs, "gen_ai.embeddings.dimension.count");
		if (!i) {
			ASSERT_NULL(a, "none when the response showed none");
		} else if (ASSERT_OK_PTR(a, "dimension count")) {
			ASSERT_EQ(a->type, ATTR_INT, "an int");
			ASSERT_EQ(a->i, 256, "the count");
		}
		a = attrs_get(&s->attrs, "gen_ai.request.encoding_formats");
		if (!i) {
			ASSERT_NULL(a, "no formats when none were asked for");
		} else if (ASSERT_OK_PTR(a, "formats") &&
			   ASSERT_EQ(a->type, ATTR_STR_ARRAY, "list") &&
			   ASSERT_EQ(a->arr.n, 2, "two")) {
			ASSERT_STREQ(a->arr.v[0], "int8", "first");
			ASSERT_STREQ(a->arr.v[1], "ubinary", "second");
		}
		span__free(s);
	}
}

/* The content attributes the cap cut are listed on the span, in the order they are set. */
void test_linker_attrs_content_cut(void)
{
	const struct attr *a;
	struct tt_span *s;
	struct genai_call c;

	fill(&c, "openai", NULL);
	c.input_messages = "[]";
	c.output_messages = "[]";
	c.system_instructions = "[]";
	c.content_cut = GENAI_CUT_INPUT | GENAI_CUT_OUTPUT;
	c.flags = GENAI_F_CONTENT_TRUNCATED;
	s = span__new("chat m", SPAN_KIND_CLIENT, NULL);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	ASSERT_OK(linker_call_attrs(s, &c), "attrs");
	a = attrs_get(&s->attrs, "tracetree.content.truncated");
	if (ASSERT_OK_PTR(a, "listed") && ASSERT_EQ(a->type, ATTR_STR_ARRAY, "array") &&
	    ASSERT_EQ(a->arr.n, 2, "two")) {
		ASSERT_STREQ(a->arr.v[0], "gen_ai.input.messages", "input");
		ASSERT_STREQ(a->arr.v[1], "gen_ai.output.messages", "output");
	}
	ASSERT_STREQ(attrs_get_str(&s->attrs, "gen_ai.system_instructions"), "[]", "kept whole");
	span__free(s);

	c.content_cut = 0;
	c.flags = 0;
	s = span__new("chat m", SPAN_KIND_CLIENT, NULL);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	ASSERT_OK(linker_call_attrs(s, &c), "attrs");
	ASSERT_NULL(attrs_get(&s->attrs, "tracetree.content.truncated"), "nothing cut");
	span__free(s);
}

/* A tool argument or result over the cap: cut before a UTF-8 sequence, and listed. */
void test_linker_attrs_content_value_cut(void)
{
	struct attr_list l = { 0 };
	struct lcut cut = { 0 };
	const struct attr *a;

	/* "ab" then U+00E9 (2 bytes): a cut at 3 would split it, so 2 bytes stay */
	ASSERT_OK(linker_content_attr(&l, "gen_ai.tool.call.arguments", "ab\xc3\xa9z", 3, false,
				      &cut),
		  "set");
	ASSERT_STREQ(attrs_get_str(&l, "gen_ai.tool.call.arguments"), "ab", "cut before the é");
	ASSERT_OK(linker_content_attr(&l, "gen_ai.tool.call.result", "ok", 3, false, &cut), "set");
	ASSERT_STREQ(attrs_get_str(&l, "gen_ai.tool.call.result"), "ok", "fits");
	ASSERT_OK(linker_content_cut_attr(&l, &cut), "listed");
	a = attrs_get(&l, "tracetree.content.truncated");
	if (ASSERT_OK_PTR(a, "listed") && ASSERT_EQ(a->arr.n, 1, "one"))
		ASSERT_STREQ(a->arr.v[0], "gen_ai.tool.call.arguments", "the arguments");
	attrs_free(&l);
}
