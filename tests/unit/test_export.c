// SPDX-License-Identifier: MIT
/* test_export.c: env/URL handling, the JSON Lines file and OTLP/HTTP against a local receiver. */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "log.h"
#include "otlp_test.h"
#include "test.h"

#define PY "/usr/bin/python3"

static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
	size_t n = strlen(name);
	const char *const *p;

	for (p = fake_env; *p; p++)
		if (!strncmp(*p, name, n) && (*p)[n] == '=')
			return (char *)*p + n + 1;
	return NULL;
}

void test_export_env(void)
{
	static const char *const env[] = {
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318/",
		"OTEL_EXPORTER_OTLP_HEADERS=a=1",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-key=s%3Dcret",
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=",
		"OTEL_EXPORTER_OTLP_TIMEOUT=2500",
		"OTEL_SERVICE_NAME=svc",
		"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=prod",
		NULL,
	};
	static const char *const bad[] = { "OTEL_EXPORTER_OTLP_TIMEOUT=10s",
					   "OTEL_METRIC_EXPORT_INTERVAL=1m", NULL };
	static const char *const metrics[] = { "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://m/x",
					       "OTEL_METRIC_EXPORT_INTERVAL=15000",
					       "OTEL_METRICS_EXPORTER=none", NULL };
	struct export_opts o = { 0 };
	char url[64];

	fake_env = env;
	ASSERT_OK(export_opts_from_env(&o, fake_getenv), "env");
	ASSERT_STREQ(o.base_endpoint, "http://collector:4318/", "base endpoint");
	ASSERT_NULL(o.traces_endpoint, "no traces endpoint");
	ASSERT_STREQ(o.headers, "x-key=s%3Dcret", "signal-specific headers win");
	ASSERT_STREQ(o.protocol, "http/json", "empty signal-specific value = unset");
	ASSERT_EQ(o.timeout_ms, 2500, "timeout");
	ASSERT_STREQ(o.service_name, "svc", "service name");
	ASSERT_STREQ(o.resource_attrs, "deployment.environment.name=prod", "resource attrs");
	ASSERT_OK(export_resolve_url(&o, url, sizeof(url)), "url");
	ASSERT_STREQ(url, "http://collector:4318/v1/traces", "base + /v1/traces, one slash");

	o.traces_endpoint = "http://t:1/custom/path";
	ASSERT_OK(export_resolve_url(&o, url, sizeof(url)), "url");
	ASSERT_STREQ(url, "http://t:1/custom/path", "traces endpoint used as is");
	o.endpoint = "https://cloud.langfuse.com/api/public/otel";
	ASSERT_OK(export_resolve_url(&o, url, sizeof(url)), "url");
	ASSERT_STREQ(url, "https://cloud.langfuse.com/api/public/otel/v1/traces", "flag wins");
	o.endpoint = "http://h:4318/v1/traces";
	ASSERT_OK(export_resolve_url(&o, url, sizeof(url)), "url");
	ASSERT_STREQ(url, "http://h:4318/v1/traces", "flag already ending in /v1/traces");
	ASSERT_EQ(export_resolve_url(&o, url, 10), -E2BIG, "short buffer");
	ASSERT_OK(export_resolve_metrics_url(&o, url, sizeof(url)), "metrics url");
	ASSERT_STREQ(url, "http://h:4318/v1/metrics", "the flag's /v1/metrics beside");
	o.endpoint = NULL;
	ASSERT_OK(export_resolve_metrics_url(&o, url, sizeof(url)), "metrics url");
	ASSERT_STREQ(url, "http://collector:4318/v1/metrics", "base + /v1/metrics");
	o.metrics_endpoint = "http://m:1/custom";
	ASSERT_OK(export_resolve_metrics_url(&o, url, sizeof(url)), "metrics url");
	ASSERT_STREQ(url, "http://m:1/custom", "metrics endpoint used as is, no path appended");
	o.no_otlp_metrics = true;
	ASSERT_EQ(export_resolve_metrics_url(&o, url, sizeof(url)), -ENOENT, "metrics off");
	ASSERT_EQ(o.metrics_ms, 0, "no interval in the environment");

	memset(&o, 0, sizeof(o));
	o.protocol = "http/protobuf";
	fake_env = bad;
	ASSERT_EQ(export_opts_from_env(&o, fake_getenv), -EINVAL, "bad timeout");
	ASSERT_EQ(o.timeout_ms, 0, "not applied");
	ASSERT_STREQ(o.protocol, "http/protobuf", "set fields are kept");
	ASSERT_EQ(export_resolve_url(&o, url, sizeof(url)), -ENOENT, "no endpoint");
	ASSERT_EQ(o.metrics_ms, 0, "bad interval not applied");

	memset(&o, 0, sizeof(o));
	fake_env = metrics;
	ASSERT_OK(export_opts_from_env(&o, fake_getenv), "metrics env");
	ASSERT_STREQ(o.metrics_endpoint, "http://m/x", "metrics endpoint");
	ASSERT_EQ(o.metrics_ms, 15000, "interval in ms");
	ASSERT_TRUE(o.no_otlp_metrics, "OTEL_METRICS_EXPORTER=none");
	ASSERT_EQ(export_resolve_url(&o, url, sizeof(url)), -ENOENT, "no traces endpoint");
	o.metrics_ms = 5000;
	ASSERT_OK(export_opts_from_env(&o, fake_getenv), "metrics env");
	ASSERT_EQ(o.metrics_ms, 5000, "the flag wins");
}

void test_export_parse_kv(void)
{
	static const char *const bad[] = {
		"novalue", "a=1,b", "=v", "a=%zz", "a=%4", "a=1%0d%0aInjected: x",
	};
	struct attr_list l = { 0 };
	size_t i;

	ASSERT_OK(export_parse_kv(" service.name = my%20svc ,k2=a%2Cb=c,, ", &l), "parse");
	if (ASSERT_EQ(l.n, 2, "two entries")) {
		ASSERT_STREQ(attrs_get_str(&l, "service.name"), "my svc", "trimmed, decoded");
		ASSERT_STREQ(attrs_get_str(&l, "k2"), "a,b=c", "escaped comma, '=' in value");
	}
	attrs_free(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(export_parse_kv(bad[i], &l), -EINVAL, bad[i]);
		ASSERT_EQ(l.n, 0, "whole value discarded");
	}
}

void test_export_backoff(void)
{
	ASSERT_EQ(export_backoff_ms(1, 100, 30000, 2, 0), 2000, "Retry-After seconds");
	ASSERT_EQ(export_backoff_ms(1, 100, 30000, 0, 0), 0, "Retry-After 0");
	ASSERT_EQ(export_backoff_ms(1, 100, 1000, 3600, 0), 1000, "Retry-After capped");
	ASSERT_EQ(export_backoff_ms(1, 100, 30000, -1, 0), 50, "first retry, low jitter");
	ASSERT_EQ(export_backoff_ms(1, 100, 30000, -1, 1000), 100, "first retry, high jitter");
	ASSERT_EQ(export_backoff_ms(3, 100, 30000, -1, 1000), 400, "doubles");
	ASSERT_EQ(export_backoff_ms(3, 100, 30000, -1, 500), 300, "jitter in between");
	ASSERT_EQ(export_backoff_ms(30, 100, 30000, -1, 1000), 30000, "capped");
}

static struct export_opts base_opts(void)
{
	struct export_opts o = { 0 };

	o.version = "0.1.0";
	o.clock.boot_ns = 1000000000ull;
	o.clock.real_ns = OTLP_TEST_REAL_NS;
	o.no_otlp_metrics = true; /* the span tests count requests: test_export_http_metrics */
	return o;
}

static cJSON **read_lines(const char *path, size_t *n)
{
	char *text = otlp_test_read(path, NULL), *line, *nl;
	cJSON **v = calloc(64, sizeof(*v));

	*n = 0;
	for (line = text; v && line && *line && *n < 64; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		v[(*n)++] = cJSON_Parse(line);
	}
	free(text);
	return v;
}

static void free_lines(cJSON **v, size_t n)
{
	while (v && n--)
		cJSON_Delete(v[n]);
	free(v);
}

static int count_spans(cJSON *traces_data)
{
	cJSON *rs, *ss;
	int n = 0;

	cJSON_ArrayForEach(rs, cJSON_GetObjectItemCaseSensitive(traces_data, "resourceSpans"))
		cJSON_ArrayForEach(ss, cJSON_GetObjectItemCaseSensitive(rs, "scopeSpans"))
			n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ss, "spans"));
	return n;
}

static void feed(struct exporter *e, bool random)
{
	struct tt_span *v[OTLP_TEST_NSPANS];
	size_t i;

	otlp_test_spans(v, random);
	for (i = 0; i < OTLP_TEST_NSPANS; i++)
		exporter__span(v[i], e);
}

/* An exporter of o fed the test spans and closed; false when it would not start. */
static bool export_all(const struct export_opts *o, struct export_stats *st, const char *name)
{
	struct exporter *e = exporter__new(o);

	if (!ASSERT_OK_PTR(e, name))
		return false;
	feed(e, false);
	exporter__close(e, st);
	return true;
}

void test_export_file(void)
{
	char path[] = "/tmp/tt-export-XXXXXX";
	struct export_opts o = base_opts();
	struct export_stats st;
	struct exporter *e;
	cJSON **lines = NULL, *res;
	size_t n = 0, size;
	char *text;
	int fd = mkstemp(path);

	if (!ASSERT_GE(fd, 0, "tmp"))
		return;
	close(fd);
	o.file = path;
	o.batch_spans = 4;
	o.service_name = "svc-override";
	o.resource_attrs = "deployment.environment.name=prod%2Ctest";
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		goto out;
	exporter__tick(e, 5000000000ull);
	feed(e, true); /* 4 spans fill a batch: written at once */
	text = otlp_test_read(path, &size);
	ASSERT_TRUE(text && size && text[size - 1] == '\n', "full batch ends in a newline");
	free(text);
	lines = read_lines(path, &n);
	ASSERT_EQ(n, 1, "full batch written as one line");
	free_lines(lines, n);
	exporter__tick(e, 5900000000ull);
	lines = read_lines(path, &n);
	ASSERT_EQ(n, 1, "the fifth span waits for the second");
	free_lines(lines, n);
	exporter__tick(e, 6000000000ull);
	lines = read_lines(path, &n);
	ASSERT_EQ(n, 2, "flushed once a second");
	free_lines(lines, n);
	feed(e, true);
	exporter__close(e, &st);
	lines = read_lines(path, &n);
	if (!ASSERT_EQ(n, 4, "two lines per feed (4 + 1), last one at close"))
		goto out;
	ASSERT_EQ(count_spans(lines[0]), 4, "line 1");
	ASSERT_EQ(count_spans(lines[1]), 1, "line 2");
	ASSERT_EQ(count_spans(lines[2]) + count_spans(lines[3]), 5, "lines 3+4");
	ASSERT_EQ(st.spans, 10, "stats: received");
	ASSERT_EQ(st.file_spans, 10, "stats: written");
	res = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(
				cJSON_GetObjectItemCaseSensitive(lines[0], "resourceSpans"), 0),
			"resource"),
		"attributes");
	text = cJSON_PrintUnformatted(res);
	ASSERT_OK_PTR(text ? strstr(text, "\"prod,test\"") : NULL, "decoded resource attribute");
	free(text);
	otlp_test_golden_json("export_file_line1.json", lines[0]);
out:
	free_lines(lines, n);
	unlink(path);
}

struct receiver {
	pid_t pid;
	int port;
	char out[64];
	char portfile[64];
};

/* Starts tests/e2e/otlp_receiver.py on 127.0.0.1 with extra arguments (NULL-terminated). */
static bool receiver_start(struct receiver *r, const char *const *extra)
{
	char script[512], *argv[24];
	struct timespec ts = { 0, 20000000 };
	size_t n = 0;
	char *text;
	int i, fd;

	if (access(PY, X_OK)) {
		test__skip("needs " PY);
		return false;
	}
	snprintf(script, sizeof(script), "%s/../e2e/otlp_receiver.py", test__fixtures());
	strcpy(r->out, "/tmp/tt-recv-XXXXXX");
	fd = mkstemp(r->out);
	if (!ASSERT_GE(fd, 0, "tmp"))
		return false;
	close(fd);
	snprintf(r->portfile, sizeof(r->portfile), "%s.port", r->out);
	unlink(r->portfile);
	argv[n++] = PY;
	argv[n++] = script;
	argv[n++] = "--out";
	argv[n++] = r->out;
	argv[n++] = "--port-file";
	argv[n++] = r->portfile;
	while (extra && *extra && n < 22)
		argv[n++] = (char *)*extra++;
	argv[n] = NULL;
	r->pid = fork();
	if (r->pid == 0) {
		execv(PY, argv);
		_exit(127);
	}
	if (!ASSERT_TRUE(r->pid > 0, "fork receiver"))
		return false;
	for (i = 0; i < 250; i++) {
		text = otlp_test_read(r->portfile, NULL);
		if (text) {
			r->port = atoi(text);
			free(text);
			return ASSERT_TRUE(r->port > 0, "receiver port");
		}
		nanosleep(&ts, NULL);
	}
	ASSERT_TRUE(false, "receiver started within 5 s");
	return false;
}

static void receiver_stop(struct receiver *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	unlink(r->out);
	unlink(r->portfile);
}

static char *endpoint(char *buf, size_t len, int port)
{
	snprintf(buf, len, "http://127.0.0.1:%d", port);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What the receiver recorded: request records, in order. */
static cJSON **received(struct receiver *r, size_t *n)
{
	return read_lines(r->out, n);
}

static const char *rec_str(cJSON *rec, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, key));
}

void test_export_http_json_vs_protobuf(void)
{
	struct export_opts o = base_opts();
	struct receiver r = { 0 };
	struct export_stats st;
	cJSON **recs = NULL, *hdrs;
	char url[64];
	size_t n = 0;

	if (!receiver_start(&r, NULL))
		goto out;
	o.endpoint = endpoint(url, sizeof(url), r.port);
	o.headers = "x-tt-test=a%20b,authorization=Bearer secret";
	o.protocol = "http/json";
	o.file = "/dev/null";
	if (!export_all(&o, &st, "json exporter"))
		goto out;
	ASSERT_EQ(st.http_sent, 5, "json: sent");
	o.protocol = NULL; /* default: http/protobuf */
	o.file = NULL;
	if (!export_all(&o, &st, "protobuf exporter"))
		goto out;
	ASSERT_EQ(st.http_sent, 5, "protobuf: sent");
	ASSERT_EQ(st.http_requests, 1, "one request");
	recs = received(&r, &n);
	if (!ASSERT_EQ(n, 2, "two requests received"))
		goto out;
	ASSERT_STREQ(rec_str(recs[0], "content_type"), "application/json", "json type");
	ASSERT_STREQ(rec_str(recs[1], "content_type"), "application/x-protobuf", "pb type");
	ASSERT_STREQ(rec_str(recs[0], "content_encoding"), "gzip", "json gzipped");
	ASSERT_STREQ(rec_str(recs[1], "content_encoding"), "gzip", "pb gzipped");
	ASSERT_STREQ(rec_str(recs[1], "path"), "/v1/traces", "path");
	hdrs = cJSON_GetObjectItemCaseSensitive(recs[1], "headers");
	ASSERT_STREQ(rec_str(hdrs, "x-tt-test"), "a b", "custom header, decoded");
	ASSERT_STREQ(rec_str(hdrs, "authorization"), "Bearer secret", "auth header");
	ASSERT_NULL(cJSON_GetObjectItemCaseSensitive(recs[1], "error")->valuestring, "decoded");
	ASSERT_EQ(count_spans(cJSON_GetObjectItemCaseSensitive(recs[0], "body")), 5, "5 spans");
	ASSERT_TRUE(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(recs[0], "body"),
				  cJSON_GetObjectItemCaseSensitive(recs[1], "body"), true),
		    "JSON and protobuf payloads decode to the same spans");
	hdrs = cJSON_GetObjectItemCaseSensitive(recs[0], "body");
	ASSERT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(hdrs, "resourceSpans")), 2,
		  "two resources");
out:
	free_lines(recs, n);
	receiver_stop(&r);
}

void test_export_http_retry(void)
{
	static const char *const args[] = { "--fail", "2", "--retry-after", "1", NULL };
	struct export_opts o = base_opts();
	struct receiver r = { 0 };
	struct export_stats st;
	cJSON **recs = NULL;
	char url[64];
	size_t n = 0;
	double t0;

	if (!receiver_start(&r, args))
		goto out;
	o.base_endpoint = endpoint(url, sizeof(url), r.port);
	o.compression = "none";
	o.retry_base_ms = 10;
	t0 = now_s();
	if (!export_all(&o, &st, "new"))
		goto out;
	ASSERT_GE((now_s() - t0) * 1000, 1900, "Retry-After: 1 honoured twice");
	ASSERT_EQ(st.http_sent, 5, "nothing lost");
	ASSERT_EQ(st.http_unsent + st.http_dropped + st.http_rejected, 0, "no loss counted");
	ASSERT_EQ(st.http_requests, 3, "three POSTs");
	ASSERT_EQ(st.http_retries, 2, "two retries");
	recs = received(&r, &n);
	if (!ASSERT_EQ(n, 3, "receiver saw 3 requests"))
		goto out;
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(recs[0], "status")->valueint, 503, "503");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(recs[1], "status")->valueint, 503, "503");
	ASSERT_EQ(cJSON_GetObjectItemCaseSensitive(recs[2], "status")->valueint, 200, "200");
	ASSERT_STREQ(rec_str(recs[2], "content_encoding"), "", "compression none");
	ASSERT_TRUE(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(recs[0], "body"),
				  cJSON_GetObjectItemCaseSensitive(recs[2], "body"), true),
		    "the same batch each time");
out:
	free_lines(recs, n);
	receiver_stop(&r);
}

void test_export_http_refused(void)
{
	static const char *const args[] = { "--fail", "1", "--fail-status", "400", NULL };
	static const char *const partial[] = { "--partial", "2", NULL };
	struct export_opts o = base_opts();
	struct receiver r = { 0 };
	struct export_stats st;
	char url[64];

	if (!receiver_start(&r, args))
		goto out;
	o.endpoint = endpoint(url, sizeof(url), r.port);
	o.retry_base_ms = 10;
	if (!export_all(&o, &st, "new"))
		goto out;
	ASSERT_EQ(st.http_requests, 1, "400 is not retried");
	ASSERT_EQ(st.http_rejected, 5, "counted as rejected");
	ASSERT_EQ(st.http_sent, 0, "none sent");
	receiver_stop(&r);
	if (!receiver_start(&r, partial))
		goto out;
	o.endpoint = endpoint(url, sizeof(url), r.port);
	if (!export_all(&o, &st, "new"))
		goto out;
	ASSERT_EQ(st.http_rejected, 2, "partial success: 2 rejected (protobuf response)");
	ASSERT_EQ(st.http_sent, 3, "3 accepted");
out:
	receiver_stop(&r);
}

static struct tt_span *chat(struct tt_resource *r, int64_t in, int64_t out, uint64_t t0_ms)
{
	static const uint8_t trace[16] = { 1 };
	struct tt_span *s = otlp_test_span("chat m", SPAN_KIND_CLIENT, r, trace, NULL, t0_ms,
					   t0_ms + 250, false, (uint8_t)t0_ms);

	attrs_set_str(&s->attrs, "gen_ai.operation.name", "chat");
	attrs_set_str(&s->attrs, "gen_ai.provider.name", "openai");
	attrs_set_str(&s->attrs, "gen_ai.request.model", "m");
	attrs_set_int(&s->attrs, "gen_ai.usage.input_tokens", in);
	attrs_set_int(&s->attrs, "gen_ai.usage.output_tokens", out);
	return s;
}

/* The token sum of type in the MetricsData of request rec; -1 when it has none. */
static double token_sum(cJSON *rec, const char *type)
{
	cJSON *dp = otlp_test_point(cJSON_GetObjectItemCaseSensitive(rec, "body"),
				    "gen_ai.client.token.usage", "gen_ai.token.type", type);

	return dp ? cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")) : -1;
}

/*
 * One exporter run: two LLM calls, a tick past the interval, close. The receiver sees, in
 * queue order, the metrics of the tick, the spans, and the metrics at close, all cumulative.
 */
static void metrics_run(const char *protocol, const char *ctype)
{
	struct export_opts o = base_opts();
	struct tt_resource *res = otlp_test_resource(7, "agent", "node");
	struct receiver r = { 0 };
	struct export_stats st;
	struct exporter *e;
	cJSON **recs = NULL, *dp;
	char url[96];
	size_t n = 0, i;

	if (!receiver_start(&r, NULL))
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/traces", r.port);
	o.endpoint = url;
	o.protocol = protocol;
	o.no_otlp_metrics = false;
	o.metrics_ms = 1000;
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		goto out;
	exporter__tick(e, 1000000000ull);
	exporter__span(chat(res, 10, 3, 1000), e);
	exporter__span(chat(res, 20, 4, 1500), e);
	exporter__tick(e, 2500000000ull); /* 1.5 s later: the metrics, then the spans */
	exporter__close(e, &st);
	ASSERT_EQ(st.http_sent, 2, "spans sent");
	ASSERT_EQ(st.metrics_sent, 6, "twice 3 data points: input, output, duration");
	ASSERT_EQ(st.metrics_lost, 0, "none lost");
	recs = received(&r, &n);
	if (!ASSERT_EQ(n, 3, "three requests"))
		goto out;
	ASSERT_STREQ(rec_str(recs[0], "path"), "/v1/metrics", "metrics at the interval");
	ASSERT_STREQ(rec_str(recs[1], "path"), "/v1/traces", "spans");
	ASSERT_STREQ(rec_str(recs[2], "path"), "/v1/metrics", "metrics at close");
	for (i = 0; i < n; i += 2) {
		ASSERT_STREQ(rec_str(recs[i], "content_type"), ctype, "content type");
		ASSERT_NULL(rec_str(recs[i], "error"), "decoded");
		ASSERT_DOUBLE_EQ(token_sum(recs[i], "input"), 30, "input tokens");
		ASSERT_DOUBLE_EQ(token_sum(recs[i], "output"), 7, "output tokens");
		dp = otlp_test_point(cJSON_GetObjectItemCaseSensitive(recs[i], "body"),
				     "gen_ai.client.operation.duration", NULL, NULL);
		ASSERT_STREQ(cJSON_GetStringValue(cJSON_GetObjectItem(dp, "count")), "2",
			     "two operations");
		ASSERT_DOUBLE_EQ(cJSON_GetNumberValue(cJSON_GetObjectItem(dp, "sum")), 0.5,
				 "0.25 s each");
	}
out:
	free_lines(recs, n);
	resource__put(res);
	receiver_stop(&r);
}

/* --otlp-endpoint sends the GenAI metrics to /v1/metrics too, in either protocol. */
void test_export_http_metrics(void)
{
	metrics_run("http/json", "application/json");
	metrics_run(NULL, "application/x-protobuf");
}

/* Only OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: metrics to that URL as is, no spans sent. */
void test_export_http_metrics_only(void)
{
	struct export_opts o = base_opts();
	struct tt_resource *res = otlp_test_resource(7, "agent", "node");
	struct receiver r = { 0 };
	struct export_stats st;
	struct exporter *e;
	cJSON **recs = NULL;
	char url[96];
	size_t n = 0;

	if (!receiver_start(&r, NULL))
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/custom/v1/metrics", r.port);
	o.metrics_endpoint = url;
	o.no_otlp_metrics = false;
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		goto out;
	exporter__span(chat(res, 10, 3, 1000), e);
	exporter__close(e, &st);
	ASSERT_EQ(st.http_sent, 0, "no spans sent");
	ASSERT_EQ(st.metrics_sent, 3, "3 data points");
	recs = received(&r, &n);
	if (ASSERT_EQ(n, 1, "one request"))
		ASSERT_STREQ(rec_str(recs[0], "path"), "/custom/v1/metrics",
			     "the URL as is, nothing appended");
out:
	free_lines(recs, n);
	resource__put(res);
	receiver_stop(&r);
}

/* A port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

void test_export_http_down(void)
{
	struct export_opts o = base_opts();
	struct export_stats st;
	struct exporter *e;
	char url[64], line[512];
	double t0;

	o.endpoint = endpoint(url, sizeof(url), closed_port());
	o.drain_ms = 300;
	o.retry_base_ms = 50;
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		return;
	feed(e, false);
	exporter__flush(e);
	t0 = now_s();
	exporter__close(e, &st);
	ASSERT_LE((now_s() - t0) * 1000, 2000, "close is bounded by the drain time");
	ASSERT_EQ(st.http_sent, 0, "none sent");
	ASSERT_EQ(st.http_unsent, 5, "unsent spans counted");
	ASSERT_GE(st.http_requests, 1, "tried");
	ASSERT_OK(export_stats_format(&st, line, sizeof(line)), "format");
	ASSERT_OK_PTR(strstr(line, "5 unsent at exit"), "reported");
}

void test_export_http_overflow(void)
{
	struct export_opts o = base_opts();
	struct export_stats st;
	struct exporter *e;
	struct tt_span *v[OTLP_TEST_NSPANS];
	uint64_t one;
	char url[64];
	int i;

	o.endpoint = endpoint(url, sizeof(url), closed_port());
	o.drain_ms = 200;
	o.retry_base_ms = 10000; /* the first batch sits in backoff */
	o.batch_spans = 1;
	o.compression = "none";
	/* measure one batch: the same span with other ids encodes to the same size */
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		return;
	otlp_test_spans(v, true);
	exporter__span(v[4], e);
	exporter__stats(e, &st);
	one = st.queue_bytes;
	exporter__close(e, NULL);
	otlp_test_free(v, 4);
	if (!ASSERT_TRUE(one > 0, "one batch measured"))
		return;

	o.queue_bytes = 3 * one + one / 2;
	e = exporter__new(&o);
	if (!ASSERT_OK_PTR(e, "new"))
		return;
	for (i = 0; i < 10; i++) {
		otlp_test_spans(v, true);
		exporter__span(v[4], e);
		otlp_test_free(v, 4);
	}
	exporter__stats(e, &st);
	ASSERT_EQ(st.queue_bytes, 3 * one, "queue stays under its cap");
	ASSERT_EQ(st.http_dropped, 7, "overflow counted");
	exporter__close(e, &st);
	ASSERT_EQ(st.http_unsent, 3, "the 3 kept are unsent at close");
	ASSERT_EQ(st.http_sent + st.http_rejected, 0, "none sent");
	ASSERT_EQ(st.queue_bytes, 0, "queue empty");
}

void test_export_tree(void)
{
	struct export_opts o = base_opts();
	struct export_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!ASSERT_OK_PTR(out, "memstream"))
		return;
	o.tree = out;
	if (!export_all(&o, &st, "new"))
		goto out;
	fflush(out);
	ASSERT_EQ(st.tree_traces, 2, "both traces printed at their roots");
	ASSERT_OK_PTR(strstr(text, "invoke_agent claude-code"), "agent line");
	ASSERT_OK_PTR(strstr(text, "├── "), "box drawing");
	ASSERT_OK_PTR(strstr(text, "✗ tool_error: exit status 2"), "error marked");
out:
	fclose(out);
	free(text);
}

void test_export_tls_env(void)
{
	static const char *const env[] = {
		"OTEL_EXPORTER_OTLP_CERTIFICATE=/ca.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=/c.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_KEY=/k.pem",
		"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY=/tk.pem",
		NULL,
	};
	struct export_opts o = { 0 };

	fake_env = env;
	ASSERT_OK(export_opts_from_env(&o, fake_getenv), "env");
	ASSERT_STREQ(o.ca_file, "/ca.pem", "CA");
	ASSERT_STREQ(o.client_cert, "/c.pem", "client certificate");
	ASSERT_STREQ(o.client_key, "/tk.pem", "signal-specific key wins");
	memset(&o, 0, sizeof(o));
	o.ca_file = "/flag-ca.pem";
	o.client_cert = "/flag-c.pem";
	o.client_key = "/flag-k.pem";
	ASSERT_OK(export_opts_from_env(&o, fake_getenv), "env under flags");
	ASSERT_STREQ(o.ca_file, "/flag-ca.pem", "the flag wins");
	ASSERT_STREQ(o.client_key, "/flag-k.pem", "the flags' pair is kept whole");
}

void test_export_url_in_clear(void)
{
	static const struct {
		const char *url;
		bool clear;
	} cases[] = {
		{ "https://collector.example:4318/v1/traces", false },
		{ "HTTPS://collector.example/", false },
		{ "http://collector.example:4318/v1/traces", true },
		{ "http://10.0.0.7:4318", true },
		{ "http://127.0.0.1:4318/v1/traces", false },
		{ "http://127.12.0.1", false },
		{ "http://localhost:4318", false },
		{ "http://LOCALHOST/v1/traces", false },
		{ "http://[::1]:4318/", false },
		{ "http://user:pw@localhost:4318/", false },
		{ "http://localhost.evil.example:4318/", true },
		{ "http://127.0.0.1.evil.example/", true },
		{ "http://127.evil.example/", true },
		{ "http://localhost@evil.example/", true },
		{ "http://[::2]:4318/", true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ASSERT_EQ(export_url_in_clear(cases[i].url), cases[i].clear, cases[i].url);
}

/* The stderr of an exporter set up (and freed unused) for url with headers, at warning level. */
static void setup_stderr(const char *url, const char *headers, char *out, size_t len)
{
	struct export_opts o = base_opts();
	ssize_t n;
	size_t got = 0;
	int fds[2];
	pid_t pid;

	out[0] = '\0';
	if (!ASSERT_OK(pipe(fds), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		/* the runner's sink would take the lines: write them to stderr in a child */
		dup2(fds[1], STDERR_FILENO);
		tt_log_set_sink(NULL, NULL);
		tt_log_set_level(TT_LOG_DEBUG);
		o.endpoint = url;
		o.headers = headers;
		o.drain_ms = 1;
		exporter__close(exporter__new(&o), NULL);
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	out[got] = '\0';
}

/* Headers are never logged; over plain http to another host, that they go in clear is. */
void test_export_header_warning(void)
{
	static const char hdrs[] = "x-api-key=SECRET-tt-123,authorization=Bearer%20SECRET-tt-456";
	char err[4096];

	setup_stderr("http://192.0.2.1:9", hdrs, err, sizeof(err));
	ASSERT_TRUE(strstr(err,
			   "warning: export: the OTLP headers (OTEL_EXPORTER_OTLP_HEADERS, "
			   "often an API key) go unencrypted over plain http to "
			   "http://192.0.2.1:9/v1/traces: use https://\n"),
		    "warned");
	ASSERT_NULL(strstr(err, "SECRET"), "no header value logged");
	setup_stderr("http://127.0.0.1:9", hdrs, err, sizeof(err));
	ASSERT_NULL(strstr(err, "unencrypted"), "loopback: no warning");
	ASSERT_NULL(strstr(err, "SECRET"), "no header value logged");
	setup_stderr("https://192.0.2.1:9", hdrs, err, sizeof(err));
	ASSERT_NULL(strstr(err, "unencrypted"), "https: no warning");
	setup_stderr("http://192.0.2.1:9", "x-api-key=SECRET-tt-123,bad", err, sizeof(err));
	ASSERT_NULL(strstr(err, "SECRET"), "malformed headers: no value logged");
}

/* --html: the spans exported, kept and written as the waterfall page at close (0600). */
void test_export_html(void)
{
	char path[] = "/tmp/tt-export-html-XXXXXX";
	struct export_opts o = base_opts();
	struct export_stats st;
	struct stat sb;
	char *text, *p;
	size_t size;
	int fd = mkstemp(path), n = 0;

	if (!ASSERT_GE(fd, 0, "tmp"))
		return;
	close(fd);
	o.html = path;
	if (!export_all(&o, &st, "html only"))
		goto out;
	ASSERT_EQ(st.spans, OTLP_TEST_NSPANS, "received");
	ASSERT_EQ(st.html_spans, OTLP_TEST_NSPANS, "in the page");
	ASSERT_EQ(st.html_dropped, 0, "none left out");
	ASSERT_OK(stat(path, &sb), "page written");
	ASSERT_EQ(sb.st_mode & 0777, 0600, "0600");
	text = otlp_test_read(path, &size);
	if (!ASSERT_OK_PTR(text, "read"))
		goto out;
	ASSERT_OK_PTR(strstr(text, "<!DOCTYPE html>"), "HTML");
	for (p = strstr(text, "\n{\"b\":"); p; p = strstr(p + 1, "\n{\"b\":"))
		n++;
	ASSERT_EQ(n, OTLP_TEST_NSPANS, "a data record per span");
	free(text);
out:
	unlink(path);
}
