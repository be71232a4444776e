// SPDX-License-Identifier: MIT
/* test_view.c: the waterfall page: the OTLP JSON reader, its caps, and the escaping of data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "tt_limits.h"
#include "test.h"
#include "view.h"

#define DATA_OPEN "<script id=\"tt-data\" type=\"application/json\">"

/* The page of v, and its data element parsed (NULL when missing or not JSON). */
static cJSON *page_data(struct view *v, char **page)
{
	size_t len = 0;
	FILE *f = open_memstream(page, &len);
	char *p, *end;

	if (!f)
		return NULL;
	if (view__write(v, f, "t</script>") || fclose(f))
		return NULL;
	p = strstr(*page, DATA_OPEN);
	if (!p)
		return NULL;
	p += strlen(DATA_OPEN);
	end = strstr(p, "</script>");
	if (!end)
		return NULL;
	return cJSON_ParseWithLength(p, (size_t)(end - p));
}

static const cJSON *nth_span(const cJSON *d, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(d, "spans"), i);
}

static const char *sfield(const cJSON *o, const char *k)
{
	const cJSON *m = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

static double nfield(const cJSON *o, const char *k)
{
	const cJSON *m = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(m) ? m->valuedouble : -1;
}

/* The value of attribute k in a page attribute list [[k,v],...]. */
static const char *pattr(const cJSON *list, const char *k)
{
	const cJSON *kv;

	cJSON_ArrayForEach(kv, list) {
		const cJSON *key = cJSON_GetArrayItem(kv, 0), *val = cJSON_GetArrayItem(kv, 1);

		if (cJSON_IsString(key) && !strcmp(key->valuestring, k) && cJSON_IsString(val))
			return val->valuestring;
	}
	return NULL;
}

struct esc_case {
	const char *in;
	size_t n;
	const char *out;
	const char *name;
};

void test_view_escape(void)
{
	static const struct esc_case cases[] = {
		{ "</script>", 9, "\\u003c/script\\u003e", "end of the script element" },
		{ "<!--x", 5, "\\u003c!--x", "comment start" },
		{ "<img src=x onerror=alert(1)>", 28, "\\u003cimg src=x onerror=alert(1)\\u003e",
		  "an element" },
		{ "a&b", 3, "a\\u0026b", "ampersand" },
		{ "\xe2\x80\xa8|\xe2\x80\xa9", 7, "\\u2028|\\u2029", "JS line terminators" },
		{ "\xe2\x80\xa7", 3, "\xe2\x80\xa7", "U+2027 stays" },
		{ "a\0b", 3, "a\\u0000b", "NUL" },
		{ "\"\\\n", 3, "\\\"\\\\\\n", "quote, backslash, newline" },
		{ "\xff<", 2, "\\ufffd\\u003c", "invalid UTF-8 then <" },
		{ "\xe2\x80", 2, "\\ufffd\\ufffd", "a cut sequence" },
	};
	struct tt_buf b;
	size_t i;

	tt_buf_init(&b, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_buf_reset(&b);
		if (!ASSERT_OK(view_escape(&b, cases[i].in, cases[i].n), cases[i].name))
			continue;
		ASSERT_MEMEQ(b.data, b.len, cases[i].out, strlen(cases[i].out), cases[i].name);
	}
	tt_buf_reset(&b);
	/* an empty value's buffer has no storage yet */
	ASSERT_OK(view_escape(&b, NULL, 0), "empty, NULL");
	ASSERT_EQ(b.len, 0, "nothing added");
	tt_buf_free(&b);
}

/* Two resources, spans with every AnyValue type, enum names, events, a hostile value. */
static const char good_line[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"svc\"}}]},\"scopeSpans\":[{\"spans\":["
	"{\"traceId\":\"aa\",\"spanId\":\"01\",\"name\":\"invoke_agent a\",\"kind\":1,"
	"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000001000000000\","
	"\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":"
	"\"invoke_agent\"}}],\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"boom\"}},"
	"{\"traceId\":\"aa\",\"spanId\":\"02\",\"parentSpanId\":\"01\",\"name\":\"chat m\","
	"\"kind\":\"SPAN_KIND_CLIENT\",\"startTimeUnixNano\":1700000000500000000,"
	"\"endTimeUnixNano\":\"1700000000250000000\",\"attributes\":["
	"{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"m\"}},"
	"{\"key\":\"i\",\"value\":{\"intValue\":\"42\"}},"
	"{\"key\":\"n\",\"value\":{\"intValue\":7}},"
	"{\"key\":\"d\",\"value\":{\"doubleValue\":0.5}},"
	"{\"key\":\"b\",\"value\":{\"boolValue\":false}},"
	"{\"key\":\"arr\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\\\"\"},"
	"{\"intValue\":\"1\"}]}}},"
	"{\"key\":\"kv\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":"
	"{\"boolValue\":true}}]}}},"
	"{\"key\":\"evil\",\"value\":{\"stringValue\":\"</script><img src=x onerror=alert(1)>"
	"<!--\\u2028\"}},"
	"{\"key\":\"nul\",\"value\":{\"stringValue\":\"a\\u0000</script>\"}},"
	"{\"key\":\"tracetree.link\",\"value\":{\"stringValue\":\"inferred\"}}],"
	"\"events\":[{\"name\":\"tracetree.finding\",\"timeUnixNano\":\"1700000000600000000\","
	"\"attributes\":[{\"key\":\"tracetree.finding.kind\",\"value\":{\"stringValue\":"
	"\"retry_storm\"}}]}]}]}]},"
	"{\"resource\":{},\"scopeSpans\":[{\"spans\":[{\"traceId\":\"bb\",\"spanId\":\"03\","
	"\"parentSpanId\":\"99\",\"name\":\"exec sh\"}]}]}]}";

void test_view_read_line(void)
{
	struct view *v = view__new(NULL);
	const cJSON *s, *a, *e;
	struct view_stats st;
	char *page = NULL;
	cJSON *d = NULL;

	if (!ASSERT_OK_PTR(v, "new"))
		return;
	if (!ASSERT_OK(view__add_line(v, good_line, strlen(good_line)), "add"))
		goto out;
	view__stats(v, &st);
	ASSERT_EQ(st.spans, 3, "spans");
	ASSERT_EQ(st.resources, 2, "resources");
	ASSERT_EQ(st.bad_lines, 0, "bad lines");
	d = page_data(v, &page);
	if (!ASSERT_OK_PTR(d, "page data parses"))
		goto out;
	ASSERT_STREQ(sfield(d, "title"), "t</script>", "title");
	ASSERT_DOUBLE_EQ(nfield(d, "base_ms"), 1700000000000.0, "base");
	s = nth_span(d, 0);
	ASSERT_EQ(nfield(s, "b"), 0, "root start");
	ASSERT_EQ(nfield(s, "d"), 1000000000, "root duration");
	ASSERT_STREQ(sfield(s, "y"), "agent", "agent kind");
	ASSERT_EQ(nfield(s, "c"), 2, "status name read");
	ASSERT_STREQ(sfield(s, "m"), "boom", "status message");
	ASSERT_STREQ(sfield(s, "p"), "", "no parent");
	ASSERT_EQ(nfield(s, "r"), 0, "first resource");
	s = nth_span(d, 1);
	ASSERT_EQ(nfield(s, "b"), 500000000, "start as a number");
	ASSERT_EQ(nfield(s, "d"), 0, "end before start: no duration");
	ASSERT_EQ(nfield(s, "k"), 3, "kind name read");
	ASSERT_STREQ(sfield(s, "y"), "llm", "llm kind");
	ASSERT_EQ(nfield(s, "i"), 1, "inferred link");
	a = cJSON_GetObjectItem(s, "a");
	ASSERT_STREQ(pattr(a, "i"), "42", "int as string");
	ASSERT_STREQ(pattr(a, "n"), "7", "int as number");
	ASSERT_STREQ(pattr(a, "d"), "0.5", "double");
	ASSERT_STREQ(pattr(a, "b"), "false", "bool");
	ASSERT_STREQ(pattr(a, "arr"), "[\"x\\\"\",1]", "array as JSON");
	ASSERT_STREQ(pattr(a, "kv"), "{\"k\":true}", "kvlist as JSON");
	ASSERT_STREQ(pattr(a, "evil"), "</script><img src=x onerror=alert(1)><!--\xe2\x80\xa8",
		     "hostile value kept as text");
	/* cJSON's strings are C strings: a NUL ends the value, nothing after it comes through */
	ASSERT_STREQ(pattr(a, "nul"), "a", "NUL ends the value");
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(s, "e"), 0);
	ASSERT_STREQ(sfield(e, "n"), "tracetree.finding", "event name");
	ASSERT_EQ(nfield(e, "o"), 100000000, "event offset from the span start");
	ASSERT_STREQ(pattr(cJSON_GetObjectItem(e, "a"), "tracetree.finding.kind"), "retry_storm",
		     "event attribute");
	s = nth_span(d, 2);
	ASSERT_STREQ(sfield(s, "y"), "process", "exec is a process");
	ASSERT_EQ(nfield(s, "r"), 1, "second resource");
	ASSERT_EQ(nfield(s, "b"), 0, "no start: at the base");
	ASSERT_STREQ(sfield(s, "p"), "99", "orphan's parent kept");
	/* the data element holds no '<' at all: nothing in it can end it or open a comment */
	{
		const char *p = strstr(page, DATA_OPEN) + strlen(DATA_OPEN);
		const char *end = strstr(p, "</script>");

		ASSERT_NULL(memchr(p, '<', (size_t)(end - p)), "no < in the data");
		ASSERT_NULL(memmem(p, (size_t)(end - p), "\xe2\x80\xa8", 3), "no raw U+2028");
		ASSERT_TRUE(strstr(page, "@TT_DATA@") == NULL, "marker replaced");
		ASSERT_TRUE(strstr(page, "innerHTML") == NULL, "no innerHTML in the page");
	}
out:
	cJSON_Delete(d);
	free(page);
	view__free(v);
}

struct kind_case {
	const char *name;
	const char *attrs;
	const char *kind;
};

void test_view_kinds(void)
{
	static const struct kind_case cases[] = {
		{ "invoke_agent x", "\"gen_ai.operation.name\",\"invoke_agent\"", "agent" },
		{ "chat m", "\"gen_ai.operation.name\",\"chat\"", "llm" },
		{ "embeddings m", "\"gen_ai.operation.name\",\"embeddings\"", "llm" },
		{ "execute_tool t", "\"gen_ai.operation.name\",\"execute_tool\"", "tool" },
		{ "tools/call t", "\"mcp.method.name\",\"tools/call\"", "mcp" },
		{ "exec ls", "\"x\",\"y\"", "process" },
		{ "child", "\"process.exit.code\",\"0\"", "process" },
		{ "GET", "\"http.request.method\",\"GET\"", "http" },
		{ "TLS api.example", "\"tracetree.tls.library\",\"openssl\"", "other" },
	};
	char line[1024];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct view *v = view__new(NULL);
		char *page = NULL, k[64], val[64];
		cJSON *d;

		if (!ASSERT_OK_PTR(v, "new"))
			return;
		sscanf(cases[i].attrs, "\"%63[^\"]\",\"%63[^\"]\"", k, val);
		snprintf(
			line, sizeof(line),
			"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"%s\","
			"\"attributes\":[{\"key\":\"%s\",\"value\":{\"stringValue\":\"%s\"}}]}]}]}]}",
			cases[i].name, k, val);
		ASSERT_OK(view__add_line(v, line, strlen(line)), cases[i].name);
		d = page_data(v, &page);
		ASSERT_STREQ(sfield(nth_span(d, 0), "y"), cases[i].kind, cases[i].name);
		cJSON_Delete(d);
		free(page);
		view__free(v);
	}
}

struct bad_case {
	const char *line;
	int err;
	unsigned int bad_lines, bad_spans, spans;
	const char *name;
};

void test_view_bad_lines(void)
{
	static const struct bad_case cases[] = {
		{ "not json", -EBADMSG, 1, 0, 0, "not JSON" },
		{ "{}", -EBADMSG, 1, 0, 0, "no resourceSpans" },
		{ "{\"resourceSpans\":{}}", -EBADMSG, 1, 0, 0, "resourceSpans not an array" },
		{ "[1,2]", -EBADMSG, 1, 0, 0, "an array" },
		{ "{\"resourceSpans\":[", -EBADMSG, 1, 0, 0, "cut" },
		{ "", 0, 0, 0, 0, "empty" },
		{ " \t\r", 0, 0, 0, 0, "blank" },
		{ "{\"resourceSpans\":[]}", 0, 0, 0, 0, "no spans" },
		{ "{\"resourceSpans\":[1,{\"scopeSpans\":5},{\"scopeSpans\":[{\"spans\":{}}]}]}", 0,
		  0, 0, 0, "wrong types skipped" },
		{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[1,\"x\",{\"name\":5,"
		  "\"spanId\":[],\"startTimeUnixNano\":\"-5\",\"attributes\":{\"k\":1},"
		  "\"events\":[1],\"status\":7}]}]}]}",
		  0, 0, 2, 1, "spans of the wrong type counted, wrong members empty" },
		{ "{\"instrumentationLibrarySpans\":[],\"resourceSpans\":[{"
		  "\"instrumentationLibrarySpans\":[{\"spans\":[{}]}]}]}",
		  0, 0, 0, 1, "OTLP before 0.15" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct view *v = view__new(NULL);
		struct view_stats st;
		char *page = NULL;
		cJSON *d;

		if (!ASSERT_OK_PTR(v, "new"))
			return;
		ASSERT_EQ(view__add_line(v, cases[i].line, strlen(cases[i].line)), cases[i].err,
			  cases[i].name);
		view__stats(v, &st);
		ASSERT_EQ(st.bad_lines, cases[i].bad_lines, cases[i].name);
		ASSERT_EQ(st.bad_spans, cases[i].bad_spans, cases[i].name);
		ASSERT_EQ(st.spans, cases[i].spans, cases[i].name);
		d = page_data(v, &page);
		ASSERT_OK_PTR(d, cases[i].name);
		ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "spans")), cases[i].spans,
			  cases[i].name);
		cJSON_Delete(d);
		free(page);
		view__free(v);
	}
}

void test_view_caps(void)
{
	static const char three[] =
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"1\"},"
		"{\"spanId\":\"2\"},{\"spanId\":\"3\"}]}]}]}";
	struct view_opts o = { .max_spans = 2 };
	struct view *v = view__new(&o);
	struct view_stats st;
	char *page = NULL;
	cJSON *d;

	if (!ASSERT_OK_PTR(v, "new"))
		return;
	ASSERT_EQ(view__add_line(v, "x", TT_MAX_VIEW_LINE + 1ul), -E2BIG, "line over the cap");
	ASSERT_OK(view__add_line(v, three, strlen(three)), "three spans");
	ASSERT_OK(view__add_line(v, three, strlen(three)), "three more");
	view__stats(v, &st);
	ASSERT_EQ(st.spans, 2, "kept up to the cap");
	ASSERT_EQ(st.dropped, 4, "the rest counted");
	d = page_data(v, &page);
	ASSERT_EQ(nfield(d, "dropped"), 4, "the page says so");
	ASSERT_EQ(nfield(d, "max_spans"), 2, "and the cap");
	ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "spans")), 2, "spans in the page");
	cJSON_Delete(d);
	free(page);
	view__free(v);

	/* the data cap: a span that does not fit is taken back whole and counted */
	o.max_spans = 0;
	o.max_data = 64;
	v = view__new(&o);
	if (!ASSERT_OK_PTR(v, "new"))
		return;
	ASSERT_OK(view__add_line(v, three, strlen(three)), "small data cap");
	view__stats(v, &st);
	ASSERT_EQ(st.spans + st.dropped, 3, "every span kept or counted");
	ASSERT_GE(st.dropped, 1, "some dropped");
	d = page_data(v, &page);
	ASSERT_OK_PTR(d, "the page still parses");
	ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(d, "spans")), st.spans, "kept spans");
	cJSON_Delete(d);
	free(page);
	view__free(v);
}

/* `view FILE`: TRACE.jsonl -> TRACE.html beside it; bad lines skipped, a file of none fails. */
void test_view_main(void)
{
	char dir[] = "/tmp/tt-view-XXXXXX", in[64], out[64], bad[64];
	char *argv[] = { "view", in, NULL };
	char *argv_bad[] = { "view", bad, NULL };
	unsigned char *html;
	FILE *f;
	long n;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "tmp dir"))
		return;
	snprintf(in, sizeof(in), "%s/t.jsonl", dir);
	snprintf(out, sizeof(out), "%s/t.html", dir);
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	f = fopen(in, "w");
	fprintf(f, "%s\nnot json\n\n%s", good_line, good_line);
	fclose(f);
	f = fopen(bad, "w");
	fputs("nothing\n", f);
	fclose(f);
	ASSERT_EQ(view_main(2, argv), 0, "view t.jsonl");
	f = fopen(out, "r");
	if (ASSERT_OK_PTR(f, "t.html written")) {
		html = malloc(1 << 20);
		n = (long)fread(html, 1, (1 << 20) - 1, f);
		html[n] = 0;
		fclose(f);
		ASSERT_TRUE(strstr((char *)html, "\"bad_lines\":1,") != NULL, "bad line counted");
		ASSERT_TRUE(strstr((char *)html, "\"spans_kept\":6,") != NULL, "both lines read");
		free(html);
	}
	ASSERT_EQ(view_main(2, argv_bad), 1, "no OTLP line at all: an error");
	ASSERT_NEQ(access(bad, F_OK) == 0 && access(out, F_OK) == 0, 0, "files there");
	unlink(in);
	unlink(out);
	unlink(bad);
	snprintf(out, sizeof(out), "%s/bad.html", dir);
	ASSERT_NEQ(access(out, F_OK), 0, "no page for a failed read");
	rmdir(dir);
}
