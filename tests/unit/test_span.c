// SPDX-License-Identifier: MIT
/* test_span.c: attribute lists, resources and span lifecycle. */
#include <errno.h>
#include <string.h>

#include "span.h"
#include "tt_limits.h"
#include "test.h"

void test_span_attrs(void)
{
	const char *stops[] = { "\n\n", "END" };
	struct attr_list l = { 0 };
	const struct attr *a;

	ASSERT_OK(attrs_set_str(&l, "gen_ai.request.model", "gpt-4o"), "set str");
	ASSERT_OK(attrs_set_int(&l, "gen_ai.usage.input_tokens", 1200), "set int");
	ASSERT_OK(attrs_set_double(&l, "gen_ai.request.temperature", 0.25), "set double");
	ASSERT_OK(attrs_set_bool(&l, "gen_ai.request.stream", true), "set bool");
	ASSERT_OK(attrs_set_str_array(&l, "gen_ai.request.stop_sequences", stops, 2), "set array");
	ASSERT_EQ(l.n, 5, "five attributes");
	/* replacing keeps the position and changes the type */
	ASSERT_OK(attrs_set_int(&l, "gen_ai.request.model", 7), "replace");
	ASSERT_EQ(l.n, 5, "still five");
	ASSERT_STREQ(l.v[0].key, "gen_ai.request.model", "order kept");
	ASSERT_EQ(l.v[0].type, ATTR_INT, "new type");
	ASSERT_EQ(l.v[0].i, 7, "new value");
	ASSERT_NULL(attrs_get_str(&l, "gen_ai.request.model"), "not a string any more");
	a = attrs_get(&l, "gen_ai.request.stop_sequences");
	if (ASSERT_OK_PTR(a, "array present") && ASSERT_EQ(a->arr.n, 2, "array size"))
		ASSERT_STREQ(a->arr.v[1], "END", "array item");
	a = attrs_get(&l, "gen_ai.request.temperature");
	if (ASSERT_OK_PTR(a, "double present"))
		ASSERT_DOUBLE_EQ(a->d, 0.25, "double value");
	ASSERT_NULL(attrs_get(&l, "missing"), "missing key");
	ASSERT_OK(attrs_set_strn(&l, "s", "abcdef", 3), "strn");
	ASSERT_STREQ(attrs_get_str(&l, "s"), "abc", "strn value");
	attrs_free(&l);
	ASSERT_EQ(l.n, 0, "freed");
}

void test_span_resource_refs(void)
{
	struct tt_resource *r = resource__new(42, 1000);
	struct tt_span *a, *b;

	if (!ASSERT_OK_PTR(r, "resource"))
		return;
	ASSERT_OK(attrs_set_str(&r->attrs, "service.name", "agent"), "attr");
	a = span__new("exec agent", SPAN_KIND_INTERNAL, r);
	b = span__new("chat gpt-4o", SPAN_KIND_CLIENT, r);
	if (!ASSERT_OK_PTR(a, "span a") || !ASSERT_OK_PTR(b, "span b"))
		return;
	ASSERT_EQ(r->refs, 3, "two spans hold references");
	resource__put(r); /* the process table lets go first */
	ASSERT_EQ(a->resource->refs, 2, "spans keep it alive");
	ASSERT_STREQ(attrs_get_str(&b->resource->attrs, "service.name"), "agent", "still readable");
	ASSERT_EQ(b->trace_flags, 1, "sampled by default");
	ASSERT_OK(span__set_status(b, SPAN_STATUS_ERROR, "429"), "status");
	ASSERT_STREQ(b->status_message, "429", "status message");
	ASSERT_OK(span__set_name(a, "invoke_agent agent"), "rename");
	ASSERT_STREQ(a->name, "invoke_agent agent", "renamed");
	span__free(a);
	span__free(b);
}

void test_span_ids(void)
{
	uint8_t t1[16], t2[16], s[8];

	span_new_trace_id(t1);
	span_new_trace_id(t2);
	span_new_span_id(s);
	ASSERT_TRUE(memcmp(t1, t2, 16) != 0, "trace ids differ");
}

/* Ids come from a pool of random bytes refilled 256 at a time: none repeats across refills. */
void test_span_ids_pool(void)
{
	uint8_t ids[300][8], tr[16], zero[8] = { 0 };
	size_t i, j, same = 0, zeros = 0;

	for (i = 0; i < 300; i++) {
		span_new_span_id(ids[i]);
		if (i % 7 == 0)
			span_new_trace_id(tr); /* 16 bytes now and then: refills at odd places */
	}
	for (i = 0; i < 300; i++) {
		zeros += !memcmp(ids[i], zero, 8);
		for (j = 0; j < i; j++)
			same += !memcmp(ids[i], ids[j], 8);
	}
	ASSERT_EQ(zeros, 0, "no all-zero id");
	ASSERT_EQ(same, 0, "300 ids (9 refills), all different");
}

/* Events keep their order and attributes; past the cap they are counted, not kept. */
void test_span_events(void)
{
	struct tt_span *s = span__new("execute_tool Bash", SPAN_KIND_INTERNAL, NULL);
	struct tt_span_event *e;
	size_t i;

	if (!ASSERT_OK_PTR(s, "span"))
		return;
	e = span__add_event(s, "tracetree.finding", 7);
	if (!ASSERT_OK_PTR(e, "first event"))
		goto out;
	ASSERT_OK(attrs_set_str(&e->attrs, "tracetree.finding.kind", "error_in_content"), "attr");
	for (i = 1; i < TT_MAX_SPAN_EVENTS; i++)
		ASSERT_OK_PTR(span__add_event(s, "e", i), "under the cap");
	errno = 0;
	ASSERT_NULL(span__add_event(s, "e", 99), "over the cap");
	ASSERT_EQ(errno, ENOSPC, "ENOSPC");
	ASSERT_NULL(span__add_event(s, "e", 99), "still over");
	ASSERT_EQ(s->n_events, TT_MAX_SPAN_EVENTS, "kept");
	ASSERT_EQ(s->dropped_events, 2, "dropped counted");
	ASSERT_STREQ(s->events[0].name, "tracetree.finding", "first name");
	ASSERT_EQ(s->events[0].time_ns, 7, "first time");
	ASSERT_STREQ(attrs_get_str(&s->events[0].attrs, "tracetree.finding.kind"),
		     "error_in_content", "first attribute");
	ASSERT_EQ(s->events[5].time_ns, 5, "order");
out:
	span__free(s);
}
