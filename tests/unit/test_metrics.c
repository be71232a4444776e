// SPDX-License-Identifier: MIT
/* test_metrics.c: the Prometheus text of the counters, line by line, and label escaping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "test.h"
#include "tt_abi.h"

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

void test_metrics_label_escape(void)
{
	struct tt_buf b;

	tt_buf_init(&b, 64);
	if (ASSERT_OK(metrics_label_value(&b, "a\\b\"c\nd"), "escape"))
		ASSERT_MEMEQ(b.data, b.len, "a\\\\b\\\"c\\nd", 10, "escaped");
	tt_buf_reset(&b);
	ASSERT_EQ(metrics_label_value(&b,
				      "0123456789012345678901234567890123456789"
				      "0123456789012345678901234567890123456789"),
		  -E2BIG, "cap");
	tt_buf_free(&b);
}

static void fill(struct tt_metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->version = "1.2\"x\\";
	m->attached = true;
	m->records = 1001;
	m->lost_records = 7;
	m->spans = 12;
	m->file_spans = 11;
	m->http_sent = 9;
	m->http_rejected = 2;
	m->http_dropped = 3;
	m->probed_files = 4;
	m->inspections = 5;
	m->held = 6;
	m->hold_timeouts = 1;
	m->unselected = 17;
	m->mem_drops = 8;
	m->procs = 13;
	m->conns_open = 14;
	m->mem_used = 15;
	m->cap.chunks[TT_SRC_SSL_EX] = 20;
	m->cap.bytes[TT_SRC_SSL_EX] = 4096;
	m->cap.chunks[TT_SRC_GOTLS] = 2;
	m->cap.bytes[TT_SRC_GOTLS] = 30;
	m->cap.other_chunks = 1;
	m->cap.other_bytes = 5;
}

void test_metrics_format_lines(void)
{
	static const char *const want[] = {
		"# HELP tracetree_build_info The tracer's version, as a label.",
		"# TYPE tracetree_build_info gauge",
		"tracetree_build_info{version=\"1.2\\\"x\\\\\"} 1",
		"tracetree_probes_attached 1",
		"# TYPE tracetree_records_total counter",
		"tracetree_records_total 1001",
		"tracetree_lost_records_total 7",
		"tracetree_spans_total 12",
		"tracetree_spans_exported_total{exporter=\"file\"} 11",
		"tracetree_spans_exported_total{exporter=\"otlp_http\"} 9",
		"tracetree_export_failures_total 2",
		"tracetree_export_queue_drops_total 3",
		"# TYPE tracetree_probed_files gauge",
		"tracetree_probed_files 4",
		"tracetree_inspections_total 5",
		"tracetree_held_processes_total 6",
		"tracetree_hold_timeouts_total 1",
		"tracetree_unselected_records_total 17",
		"tracetree_mem_budget_drops_total 8",
		"tracetree_traced_processes 13",
		"tracetree_open_connections 14",
		"tracetree_reassembly_memory_bytes 15",
		"# TYPE tracetree_captured_chunks_total counter",
		"tracetree_captured_chunks_total{kind=\"openssl\"} 0",
		"tracetree_captured_chunks_total{kind=\"openssl_ex\"} 20",
		"tracetree_captured_chunks_total{kind=\"go_tls\"} 2",
		"tracetree_captured_chunks_total{kind=\"other\"} 1",
		"tracetree_captured_bytes_total{kind=\"openssl_ex\"} 4096",
		"tracetree_captured_bytes_total{kind=\"go_tls\"} 30",
		"tracetree_captured_bytes_total{kind=\"other\"} 5",
	};
	struct tt_metrics m;
	struct tt_buf b;
	const char *text;
	size_t i;

	fill(&m);
	tt_buf_init(&b, 1 << 20);
	if (!ASSERT_OK(metrics_format(&b, &m), "format"))
		goto out;
	text = tt_buf_cstr(&b);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!ASSERT_TRUE(has_line(text, want[i]), want[i]))
			break;
	ASSERT_EQ(text[b.len - 1], '\n', "ends in a newline");
out:
	tt_buf_free(&b);
}

/*
 * The format's rules on every line: a sample is NAME[{LABELS}] VALUE with a valid name, after
 * its metric's # HELP and # TYPE (once each); counters end in _total.
 */
void test_metrics_format_grammar(void)
{
	char name[128], type[16], cur[128] = "", *save, *line, *text;
	struct tt_metrics m;
	struct tt_buf b;
	int samples = 0, metrics = 0;
	size_t n;

	fill(&m);
	tt_buf_init(&b, 1 << 20);
	if (!ASSERT_OK(metrics_format(&b, &m), "format"))
		goto out;
	text = strdup(tt_buf_cstr(&b));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7)) {
			ASSERT_EQ(sscanf(line + 7, "%127s", cur), 1, "help name");
			metrics++;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			if (!ASSERT_EQ(sscanf(line + 7, "%127s %15s", name, type), 2, line))
				break;
			ASSERT_STREQ(name, cur, "TYPE after its HELP");
			n = strlen(name);
			if (!strcmp(type, "counter"))
				ASSERT_TRUE(n > 6 && !strcmp(name + n - 6, "_total"), name);
			else
				ASSERT_STREQ(type, "gauge", name);
			continue;
		}
		n = strspn(line, "abcdefghijklmnopqrstuvwxyz_0123456789");
		if (!ASSERT_TRUE(n && !memcmp(line, cur, n) && strlen(cur) == n, line))
			break;
		if (line[n] == '{')
			n += strcspn(line + n, "}") + 1;
		if (!ASSERT_EQ(line[n], ' ', line))
			break;
		ASSERT_EQ(strspn(line + n + 1, "0123456789"), strlen(line + n + 1), line);
		samples++;
	}
	ASSERT_EQ(metrics, 32, "metrics");
	ASSERT_EQ(samples, 2 + 27 + 2 + 2 * (METRICS_KINDS + 1), "samples");
	free(text);
out:
	tt_buf_free(&b);
}

void test_metrics_capture_record(void)
{
	struct metrics_capture c = { 0 };
	struct tt_data d = { .h = { .type = TT_REC_DATA }, .len = 100, .src = TT_SRC_AEAD };
	struct tt_fork f = { .h = { .type = TT_REC_FORK } };

	metrics_capture_record(&c, &d, sizeof(d));
	metrics_capture_record(&c, &d, sizeof(d));
	d.src = 200;
	metrics_capture_record(&c, &d, sizeof(d));
	metrics_capture_record(&c, &f, sizeof(f));
	metrics_capture_record(&c, &d, sizeof(d) - 1); /* short: not a data record */
	ASSERT_EQ(c.chunks[TT_SRC_AEAD], 2, "aead chunks");
	ASSERT_EQ(c.bytes[TT_SRC_AEAD], 200, "aead bytes");
	ASSERT_EQ(c.other_chunks, 1, "other");
	ASSERT_EQ(c.other_bytes, 100, "other bytes");
	ASSERT_STREQ(metrics_kind_name(TT_SRC_SOCK), "socket", "socket");
	ASSERT_NULL(metrics_kind_name(METRICS_KINDS), "past the last");
}
