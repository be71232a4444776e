// SPDX-License-Identifier: MIT
/* test_otlp_json.c: OTLP/JSON encoding: exact structure, golden file, caps, resource merging. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "tt_limits.h"
#include "otlp_json.h"
#include "otlp_test.h"
#include "test.h"

static cJSON *encode_parse(struct tt_span **v, size_t n, const struct otlp_meta *m)
{
	struct tt_buf b;
	cJSON *doc = NULL;

	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (ASSERT_OK(otlp_json_encode(&b, v, n, m), "encode") &&
	    ASSERT_OK_PTR(tt_buf_cstr(&b), "cstr") &&
	    ASSERT_NULL(memchr(b.data, '\n', b.len), "one line"))
		doc = cJSON_ParseWithLength((const char *)b.data, b.len);
	ASSERT_OK_PTR(doc, "parses as JSON");
	tt_buf_free(&b);
	return doc;
}

static const char *str_at(cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static cJSON *attr_value(cJSON *attrs, const char *key)
{
	cJSON *kv;

	cJSON_ArrayForEach(kv, attrs) {
		if (!strcmp(str_at(kv, "key") ?: "", key))
			return cJSON_GetObjectItemCaseSensitive(kv, "value");
	}
	return NULL;
}

void test_otlp_json_structure(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	cJSON *doc, *rs, *res, *ss, *spans, *sp, *val;

	otlp_test_spans(v, false);
	doc = encode_parse(v, OTLP_TEST_NSPANS, otlp_test_meta());
	if (!doc)
		goto out;
	rs = cJSON_GetObjectItemCaseSensitive(doc, "resourceSpans");
	if (!ASSERT_EQ(cJSON_GetArraySize(rs), 2, "one resourceSpans per resource"))
		goto out;
	/* resource A: own attributes first, then global extras it lacks (not service.name) */
	res = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rs, 0), "resource");
	res = cJSON_GetObjectItemCaseSensitive(res, "attributes");
	ASSERT_EQ(cJSON_GetArraySize(res), 6, "4 own + 2 extra resource attributes");
	ASSERT_STREQ(str_at(attr_value(res, "service.name"), "stringValue"), "claude-code",
		     "resource service.name wins over the global one");
	ASSERT_STREQ(str_at(attr_value(res, "process.pid"), "intValue"), "4242", "pid as string");
	ASSERT_STREQ(str_at(attr_value(res, "telemetry.sdk.name"), "stringValue"), "tracetree-bpf",
		     "sdk name");
	val = attr_value(res, "process.command_args");
	val = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(val, "arrayValue"),
					       "values");
	ASSERT_EQ(cJSON_GetArraySize(val), 3, "array attribute");
	ASSERT_STREQ(str_at(cJSON_GetArrayItem(val, 2), "stringValue"), "ls /tmp", "array item");
	ASSERT_STREQ(str_at(cJSON_GetArrayItem(rs, 0), "schemaUrl"), TT_OTLP_SCHEMA_URL, "schema");

	ss = cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rs, 0), "scopeSpans"), 0);
	ASSERT_STREQ(str_at(cJSON_GetObjectItemCaseSensitive(ss, "scope"), "name"), "tracetree-bpf",
		     "scope name");
	ASSERT_STREQ(str_at(cJSON_GetObjectItemCaseSensitive(ss, "scope"), "version"), "0.1.0",
		     "scope version");
	spans = cJSON_GetObjectItemCaseSensitive(ss, "spans");
	if (!ASSERT_EQ(cJSON_GetArraySize(spans), 3, "three spans of resource A"))
		goto out;

	sp = cJSON_GetArrayItem(spans, 0); /* chat */
	ASSERT_STREQ(str_at(sp, "traceId"), "101112131415161718191a1b1c1d1e1f", "trace id hex");
	ASSERT_STREQ(str_at(sp, "spanId"), "6061626364656667", "span id hex");
	ASSERT_STREQ(str_at(sp, "parentSpanId"), "3031323334353637", "parent id hex");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(sp, "flags")->valueint, 0x101, "flags local");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(sp, "kind")->valueint, 3, "kind CLIENT");
	ASSERT_STREQ(str_at(sp, "startTimeUnixNano"), "1760000001100000000", "start unix ns");
	ASSERT_STREQ(str_at(sp, "endTimeUnixNano"), "1760000003500000000", "end unix ns");
	val = cJSON_GetObjectItemCaseSensitive(sp, "attributes");
	ASSERT_STREQ(str_at(attr_value(val, "gen_ai.usage.input_tokens"), "intValue"), "3847",
		     "int as decimal string");
	ASSERT_DOUBLE_EQ(cJSON_GetObjectItemCaseSensitive(
				 attr_value(val, "gen_ai.request.temperature"), "doubleValue")
				 ->valuedouble,
			 0.2, "double");
	ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    attr_value(val, "gen_ai.request.stream"), "boolValue")),
		    "bool");
	ASSERT_STREQ(str_at(attr_value(val, "gen_ai.output.messages"), "stringValue"),
		     "[{\"text\":\"h\xc3\xa9llo\\n\"}]\x01\xef\xbf\xbd\ttab",
		     "escaped string, invalid byte -> U+FFFD");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sp, "status"),
						   "code")
			  ->valueint,
		  0, "status unset");

	sp = cJSON_GetArrayItem(spans, 1); /* tool */
	val = cJSON_GetObjectItemCaseSensitive(sp, "status");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(val, "code")->valueint, 2, "status ERROR");
	ASSERT_STREQ(str_at(val, "message"), "exit status 2", "status message");

	sp = cJSON_GetArrayItem(spans, 2); /* agent, remote parent */
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(sp, "flags")->valueint, 0x301, "flags remote");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(sp, "kind")->valueint, 1, "kind INTERNAL");

	ss = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rs, 1), "scopeSpans");
	spans = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ss, 0), "spans");
	sp = cJSON_GetArrayItem(spans, 1); /* exec make: a root, end before start */
	ASSERT_NULL(cJSON_GetObjectItemCaseSensitive(sp, "parentSpanId"), "root has no parent");
	ASSERT_STREQ(str_at(sp, "endTimeUnixNano"), str_at(sp, "startTimeUnixNano"),
		     "end clamped to start");
	ASSERT_STREQ(str_at(attr_value(cJSON_GetObjectItemCaseSensitive(sp, "attributes"),
				       "tracetree.test.nan"),
			    "doubleValue"),
		     "NaN", "NaN string");
	sp = cJSON_GetArrayItem(spans, 0);
	val = cJSON_GetObjectItemCaseSensitive(sp, "attributes");
	ASSERT_STREQ(str_at(attr_value(val, "tracetree.test.negative"), "intValue"), "-5",
		     "negative int");
out:
	cJSON_Delete(doc);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_json_golden(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	cJSON *doc;

	/* random ids: the golden file only matches after normalisation */
	otlp_test_spans(v, true);
	doc = encode_parse(v, OTLP_TEST_NSPANS, otlp_test_meta());
	if (doc)
		otlp_test_golden_json("otlp_basic.json", doc);
	cJSON_Delete(doc);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_json_service_override(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct otlp_meta m = *otlp_test_meta();
	struct tt_resource *bare = resource__new(1, 1);
	cJSON *doc, *attrs;

	otlp_test_spans(v, false);
	m.service_name = "my-service";
	m.scope_version = NULL;
	m.schema_url = NULL;
	/* a resource without attributes still gets the service name and the extras */
	resource__put(v[4]->resource);
	v[4]->resource = bare;
	doc = encode_parse(v, OTLP_TEST_NSPANS, &m);
	if (!doc)
		goto out;
	attrs = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "resourceSpans"),
					   0),
			"resource"),
		"attributes");
	ASSERT_STREQ(str_at(cJSON_GetArrayItem(attrs, 0), "key"), "service.name", "kept in place");
	ASSERT_STREQ(str_at(attr_value(attrs, "service.name"), "stringValue"), "my-service",
		     "OTEL_SERVICE_NAME wins");
	ASSERT_EQ(cJSON_GetArraySize(attrs), 6, "no duplicate service.name");
	attrs = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "resourceSpans"),
					   2),
			"resource"),
		"attributes");
	ASSERT_EQ(cJSON_GetArraySize(attrs), 3, "bare resource: service.name + 2 extras");
	ASSERT_STREQ(str_at(attr_value(attrs, "service.name"), "stringValue"), "my-service",
		     "bare resource named");
	ASSERT_NULL(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(
				    cJSON_GetObjectItemCaseSensitive(doc, "resourceSpans"), 0),
			    "schemaUrl"),
		    "no schema url");
out:
	cJSON_Delete(doc);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_json_cap(void)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	struct tt_buf b;

	otlp_test_spans(v, false);
	tt_buf_init(&b, 300);
	ASSERT_EQ(otlp_json_encode(&b, v, OTLP_TEST_NSPANS, otlp_test_meta()), -E2BIG,
		  "cap is a clean error");
	ASSERT_LE(b.len, 300, "never past the cap");
	tt_buf_free(&b);
	tt_buf_init(&b, 64);
	ASSERT_OK(otlp_json_encode(&b, v, 0, otlp_test_meta()), "empty batch");
	ASSERT_OK_PTR(tt_buf_cstr(&b), "cstr");
	ASSERT_STREQ((const char *)b.data, "{\"resourceSpans\":[]}", "empty TracesData");
	tt_buf_free(&b);
	otlp_test_free(v, OTLP_TEST_NSPANS);
}

void test_otlp_json_clock(void)
{
	struct otlp_clock c = { .boot_ns = 5000, .real_ns = 1000 };

	ASSERT_EQ(otlp_unix_ns(&c, 6000), 2000, "real behind boot");
	c.real_ns = 1760000000000000000ull;
	ASSERT_EQ(otlp_unix_ns(&c, 4000), 1759999999999999000ll, "before the base");
}

/* Span.events: exact JSON of an event with attributes, one without, and the dropped count. */
void test_otlp_json_events(void)
{
	static const char want[] =
		",\"events\":[{\"timeUnixNano\":\"1760000000000000005\",\"name\":\"tracetree.finding\","
		"\"attributes\":[{\"key\":\"tracetree.finding.kind\",\"value\":{\"stringValue\":"
		"\"error_in_content\"}},{\"key\":\"n\",\"value\":{\"intValue\":\"3\"}}]},"
		"{\"timeUnixNano\":\"1760000000000000009\",\"name\":\"x\"}],\"droppedEventsCount\":4,"
		"\"status\":";
	struct tt_span *s = span__new("execute_tool Bash", SPAN_KIND_INTERNAL, NULL);
	struct tt_span_event *e;
	struct tt_buf b;

	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (!ASSERT_OK_PTR(s, "span"))
		return;
	e = span__add_event(s, "tracetree.finding", 1000000005ull);
	if (!ASSERT_OK_PTR(e, "event"))
		goto out;
	attrs_set_str(&e->attrs, "tracetree.finding.kind", "error_in_content");
	attrs_set_int(&e->attrs, "n", 3);
	ASSERT_OK_PTR(span__add_event(s, "x", 1000000009ull), "second event");
	s->dropped_events = 4;
	if (ASSERT_OK(otlp_json_encode(&b, &s, 1, otlp_test_meta()), "encode"))
		ASSERT_OK_PTR(memmem(b.data, b.len, want, sizeof(want) - 1),
			      "events between attributes and status");
	tt_buf_free(&b);
	/* no events: no member at all */
	free(s->events[1].name);
	attrs_free(&s->events[0].attrs);
	free(s->events[0].name);
	s->n_events = 0;
	s->dropped_events = 0;
	tt_buf_init(&b, TT_MAX_EXPORT_BODY);
	if (ASSERT_OK(otlp_json_encode(&b, &s, 1, otlp_test_meta()), "encode bare"))
		ASSERT_NULL(memmem(b.data, b.len, "events", 6), "no events member");
out:
	tt_buf_free(&b);
	span__free(s);
}
