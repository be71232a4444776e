/* SPDX-License-Identifier: MIT */
/* otlp_test.h: sample spans, id/time normalisation and golden files for the OTLP tests. */
#ifndef TT_OTLP_TEST_H
#define TT_OTLP_TEST_H

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "otlp_json.h"
#include "span.h"
#include "test.h"

#define OTLP_TEST_NSPANS  5
#define OTLP_TEST_REAL_NS 1760000000000000000ull /* Unix ns at boot time 1 s */

static inline const struct otlp_meta *otlp_test_meta(void)
{
	static struct attr_list extra;
	static struct otlp_meta m;

	if (!extra.n) {
		attrs_set_str(&extra, "telemetry.sdk.name", "tracetree-bpf");
		attrs_set_str(&extra, "deployment.environment.name", "test");
		/* resources have their own service.name, which wins */
		attrs_set_str(&extra, "service.name", "from-env");
	}
	m.clock.boot_ns = 1000000000ull;
	m.clock.real_ns = OTLP_TEST_REAL_NS;
	m.scope_version = "0.1.0";
	m.schema_url = TT_OTLP_SCHEMA_URL;
	m.extra = &extra;
	return &m;
}

static inline void otlp_test_id(uint8_t *id, size_t n, uint8_t seed, bool random)
{
	size_t i;

	if (random) {
		if (n == 16)
			span_new_trace_id(id);
		else
			span_new_span_id(id);
		return;
	}
	for (i = 0; i < n; i++)
		id[i] = (uint8_t)(seed * 16 + i);
}

static inline struct tt_resource *otlp_test_resource(uint32_t pid, const char *svc, const char *exe)
{
	const char *args[] = { exe, "-c", "ls /tmp" };
	struct tt_resource *r = resource__new(pid, 5);

	attrs_set_str(&r->attrs, "service.name", svc);
	attrs_set_int(&r->attrs, "process.pid", pid);
	attrs_set_str(&r->attrs, "process.executable.name", exe);
	attrs_set_str_array(&r->attrs, "process.command_args", args, 3);
	return r;
}

static inline struct tt_span *otlp_test_span(const char *name, enum span_kind kind,
					     struct tt_resource *r, const uint8_t *trace,
					     const struct tt_span *parent, uint64_t start_ms,
					     uint64_t end_ms, bool random, uint8_t seed)
{
	struct tt_span *s = span__new(name, kind, r);

	memcpy(s->trace_id, trace, 16);
	otlp_test_id(s->span_id, 8, seed, random);
	if (parent) {
		memcpy(s->parent_id, parent->span_id, 8);
		s->has_parent = true;
	}
	s->start_ns = start_ms * 1000000ull;
	s->end_ns = end_ms * 1000000ull;
	attrs_set_int(&s->attrs, "process.pid", r->pid);
	return s;
}

/*
 * Five spans in the order they end: an agent trace (remote parent) with an LLM call, a failed
 * tool and a process of another resource under it, plus an unrelated root of a second trace.
 * Every attribute type, escaping, NaN and a negative integer appear.
 */
static inline void otlp_test_spans(struct tt_span **v, bool random)
{
	const char *finish[] = { "tool_use" };
	struct tt_resource *ra = otlp_test_resource(4242, "claude-code", "node");
	struct tt_resource *rb = otlp_test_resource(4250, "bash", "bash");
	uint8_t t1[16], t2[16];
	struct tt_span *agent, *tool;

	otlp_test_id(t1, 16, 1, random);
	otlp_test_id(t2, 16, 2, random);
	agent = otlp_test_span("invoke_agent claude-code", SPAN_KIND_INTERNAL, ra, t1, NULL, 2000,
			       9000, random, 3);
	otlp_test_id(agent->parent_id, 8, 4, random);
	agent->has_parent = true;
	agent->remote_parent = true;
	attrs_set_str(&agent->attrs, "gen_ai.operation.name", "invoke_agent");
	tool = otlp_test_span("execute_tool Bash", SPAN_KIND_INTERNAL, ra, t1, agent, 4500, 6000,
			      random, 5);
	v[0] = otlp_test_span("chat claude-sonnet-4-6", SPAN_KIND_CLIENT, ra, t1, agent, 2100, 4500,
			      random, 6);
	attrs_set_str(&v[0]->attrs, "gen_ai.operation.name", "chat");
	attrs_set_str(&v[0]->attrs, "gen_ai.request.model", "claude-sonnet-4-6");
	attrs_set_int(&v[0]->attrs, "gen_ai.usage.input_tokens", 3847);
	attrs_set_int(&v[0]->attrs, "gen_ai.usage.output_tokens", 212);
	attrs_set_double(&v[0]->attrs, "gen_ai.request.temperature", 0.2);
	attrs_set_double(&v[0]->attrs, "gen_ai.response.time_to_first_chunk", 0.41);
	attrs_set_bool(&v[0]->attrs, "gen_ai.request.stream", true);
	attrs_set_str_array(&v[0]->attrs, "gen_ai.response.finish_reasons", finish, 1);
	attrs_set_str(&v[0]->attrs, "gen_ai.output.messages",
		      "[{\"text\":\"h\xc3\xa9llo\\n\"}]\x01\xff\ttab");
	v[1] = otlp_test_span("exec bash", SPAN_KIND_INTERNAL, rb, t1, tool, 4600, 5900, random, 7);
	attrs_set_int(&v[1]->attrs, "process.exit.code", 2);
	attrs_set_int(&v[1]->attrs, "tracetree.test.negative", -5);
	v[2] = tool;
	attrs_set_str(&tool->attrs, "gen_ai.tool.name", "Bash");
	attrs_set_str(&tool->attrs, "gen_ai.tool.call.id", "toolu_01");
	attrs_set_str(&tool->attrs, "error.type", "tool_error");
	span__set_status(tool, SPAN_STATUS_ERROR, "exit status 2");
	v[3] = agent;
	v[4] = otlp_test_span("exec make", SPAN_KIND_INTERNAL, rb, t2, NULL, 1500, 1400, random, 8);
	attrs_set_double(&v[4]->attrs, "tracetree.test.nan", NAN);
	span__set_status(v[4], SPAN_STATUS_OK, NULL);
	resource__put(ra);
	resource__put(rb);
}

static inline void otlp_test_free(struct tt_span **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		span__free(v[i]);
}

struct otlp_test_norm {
	char ids[64][40];
	size_t n;
	unsigned long long t0;
};

static inline void otlp_test_norm_id(struct otlp_test_norm *nm, cJSON *item)
{
	char out[16];
	size_t i;

	for (i = 0; i < nm->n && strcmp(nm->ids[i], item->valuestring); i++)
		;
	if (i == nm->n && nm->n < 64)
		snprintf(nm->ids[nm->n++], sizeof(nm->ids[0]), "%s", item->valuestring);
	snprintf(out, sizeof(out), "id-%zu", i + 1);
	cJSON_SetValuestring(item, out);
}

static inline void otlp_test_norm_walk(struct otlp_test_norm *nm, cJSON *j, int pass)
{
	char out[40];
	cJSON *c;

	cJSON_ArrayForEach(c, j) {
		if (cJSON_IsString(c) && c->string && strstr(c->string, "UnixNano")) {
			unsigned long long t = strtoull(c->valuestring, NULL, 10);

			if (pass == 0 && t < nm->t0) {
				nm->t0 = t;
			} else if (pass == 1) {
				snprintf(out, sizeof(out), "t+%llu", t - nm->t0);
				cJSON_SetValuestring(c, out);
			}
		} else if (pass == 1 && cJSON_IsString(c) && c->string &&
			   (!strcmp(c->string, "traceId") || !strcmp(c->string, "spanId") ||
			    !strcmp(c->string, "parentSpanId"))) {
			otlp_test_norm_id(nm, c);
		} else if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			otlp_test_norm_walk(nm, c, pass);
		}
	}
}

/* Ids become id-1, id-2... in order of appearance; times become offsets from the first. */
static inline void otlp_test_normalize(cJSON *doc)
{
	struct otlp_test_norm nm = { .t0 = ~0ull };

	otlp_test_norm_walk(&nm, doc, 0);
	otlp_test_norm_walk(&nm, doc, 1);
}

static inline char *otlp_test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else if (p) {
			p[n] = '\0';
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}

/* b in a new file named after the template path ("/tmp/...XXXXXX"); false (asserted) if not. */
static inline bool otlp_test_write_tmp(const struct tt_buf *b, char *path)
{
	int fd = mkstemp(path);
	bool ok;

	if (!ASSERT_GE(fd, 0, "tmp"))
		return false;
	ok = ASSERT_EQ(write(fd, b->data, b->len), (long long)b->len, "write");
	close(fd);
	return ok;
}

/* The shell command cmd with its output into the file out: its exit status (-1: none). */
static inline int otlp_test_run_to(const char *cmd, const char *out)
{
	char line[2048];
	int st;

	snprintf(line, sizeof(line), "%s > %s 2>&1", cmd, out);
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void otlp_test_unlink_tmp(const char *path)
{
	if (*path != '/' || getenv("TT_KEEP_TMP"))
		return;
	unlink(path);
}

/*
 * The protobuf request in pb decoded to OTLP/JSON by tests/e2e/otlp_receiver.py (hex ids,
 * 64-bit integers as strings, any unknown field a member of its own): decode_flag "--decode"
 * for traces, "--decode-metrics" for metrics. NULL (asserted) when it would not decode.
 */
static inline cJSON *otlp_test_pb_decode(const struct tt_buf *pb, const char *decode_flag)
{
	char in[] = "/tmp/tt-pb-XXXXXX", out[64] = "", cmd[1024];
	cJSON *got = NULL;
	char *text = NULL;

	if (!otlp_test_write_tmp(pb, in))
		return NULL;
	snprintf(out, sizeof(out), "%s.json", in);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/../e2e/otlp_receiver.py %s %s",
		 test__fixtures(), decode_flag, in);
	ASSERT_EQ(otlp_test_run_to(cmd, out), 0, "protobuf well formed");
	text = otlp_test_read(out, NULL);
	got = text ? cJSON_Parse(text) : NULL;
	if (!ASSERT_OK_PTR(got, "decoded"))
		fprintf(stderr, "got: %s\n", text ? text : "(nothing)");
	otlp_test_unlink_tmp(in);
	otlp_test_unlink_tmp(out);
	free(text);
	return got;
}

/* In MetricsData md, the data point of metric name whose attribute key is val (NULL: the first). */
static inline cJSON *otlp_test_point(cJSON *md, const char *name, const char *key, const char *val)
{
	cJSON *rm = cJSON_GetArrayItem(cJSON_GetObjectItem(md, "resourceMetrics"), 0);
	cJSON *sm = cJSON_GetArrayItem(cJSON_GetObjectItem(rm, "scopeMetrics"), 0);
	cJSON *m, *dp, *a;

	cJSON_ArrayForEach(m, cJSON_GetObjectItem(sm, "metrics")) {
		cJSON *body = cJSON_GetObjectItem(m, "histogram") ?: cJSON_GetObjectItem(m, "sum");

		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(m, "name")), name))
			continue;
		cJSON_ArrayForEach(dp, cJSON_GetObjectItem(body, "dataPoints")) {
			if (!key)
				return dp;
			cJSON_ArrayForEach(a, cJSON_GetObjectItem(dp, "attributes")) {
				const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(
					cJSON_GetObjectItem(a, "value"), "stringValue"));

				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "key")),
					    key) &&
				    v && !strcmp(v, val))
					return dp;
			}
		}
	}
	return NULL;
}

/*
 * Compares text with tests/golden/<name>; TT_UPDATE_GOLDEN=1 rewrites the file instead. On a
 * mismatch the actual text is left in /tmp/<name>.actual for diffing.
 */
static inline bool otlp_test_golden_text(const char *name, const char *text)
{
	char path[512], tmp[512];
	bool ok;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/../golden/%s", test__fixtures(), name);
	if (getenv("TT_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		if (!ASSERT_OK_PTR(f, "open golden for update"))
			return false;
		fputs(text, f);
		fclose(f);
	}
	want = otlp_test_read(path, NULL);
	if (!ASSERT_OK_PTR(want, "golden file"))
		return false;
	ok = !strcmp(want, text);
	if (!ok) {
		snprintf(tmp, sizeof(tmp), "/tmp/%s.actual", name);
		f = fopen(tmp, "w");
		if (f) {
			fputs(text, f);
			fclose(f);
		}
	}
	ASSERT_TRUE(ok, name);
	free(want);
	return ok;
}

/* Normalises doc and compares its pretty print with the golden file. */
static inline bool otlp_test_golden_json(const char *name, cJSON *doc)
{
	char *text, *line;
	bool ok;

	otlp_test_normalize(doc);
	text = cJSON_Print(doc);
	if (!ASSERT_OK_PTR(text, "print"))
		return false;
	line = malloc(strlen(text) + 2);
	if (line) {
		strcpy(line, text);
		strcat(line, "\n");
	}
	ok = ASSERT_OK_PTR(line, "alloc") && otlp_test_golden_text(name, line);
	free(line);
	free(text);
	return ok;
}

#endif /* TT_OTLP_TEST_H */
