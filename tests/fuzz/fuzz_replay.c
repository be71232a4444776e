// SPDX-License-Identifier: MIT
/*
 * fuzz_replay.c: `tracetree-bpf replay FILE` from memory: a capture file's bytes through the
 * reader, the record check (events), the pipeline (connections, HTTP, providers, MCP, AEAD
 * binding, linker) with its periodic ticks on the capture's clock, to the outputs. Every JSON
 * line written on the way must parse: the raw record lines (--raw), the exchange and call lines
 * (--format exchanges|calls) and the OTLP JSON of the spans; the tree view prints them too.
 * The header's flags field picks the options: bit 0 --capture-content, bit 1 one trace
 * (-- COMMAND), bit 2 --all (agents only), bit 3 legacy conventions.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "events.h"
#include "fuzz_file.h"
#include "jsonl_fmt.h"
#include "log.h"
#include "otlp_json.h"
#include "pipeline.h"
#include "rawfmt.h"
#include "tree_view.h"

#define TICK_NS	   200000000ull /* main.c's tick period */
#define OTLP_BATCH 64

struct replay {
	struct pipeline *pipe;
	struct tree_view *tv;
	struct rawfmt_clock clk;
	struct tt_buf line;
	uint64_t last_tick_ns, last_rec_ns;
	struct tt_span **spans;
	size_t n_spans, cap_spans;
};

/* The line in b (its newline, if any, dropped) must be one JSON object. */
static void check_json(struct tt_buf *b)
{
	size_t n = b->len;
	cJSON *j;

	if (n && b->data[n - 1] == '\n')
		n--;
	j = cJSON_ParseWithLength((const char *)b->data, n);
	if (!j || !cJSON_IsObject(j))
		abort();
	cJSON_Delete(j);
}

static void on_exchange(const struct http_exchange *x, void *ctx)
{
	struct replay *r = ctx;
	struct jsonl_clock c = { r->clk.boot_ns, r->clk.real_ns };

	tt_buf_reset(&r->line);
	if (!jsonl_exchange(&r->line, x, &c))
		check_json(&r->line);
}

static void on_call(const struct genai_call *call, void *ctx)
{
	struct replay *r = ctx;
	struct jsonl_clock c = { r->clk.boot_ns, r->clk.real_ns };

	tt_buf_reset(&r->line);
	if (!jsonl_call(&r->line, call, &c))
		check_json(&r->line);
}

static void on_span(struct tt_span *s, void *ctx)
{
	struct replay *r = ctx;

	if (s->end_ns < s->start_ns)
		abort();
	if (r->tv)
		tree_view__add(r->tv, s);
	if (tt_ensure_mem((void **)&r->spans, &r->cap_spans, sizeof(*r->spans), r->n_spans + 1)) {
		span__free(s);
		return;
	}
	r->spans[r->n_spans++] = s;
}

/* main.c's on_record and tick, for one record the events check let through. */
static void on_record(const void *rec, size_t size, void *ctx)
{
	const struct tt_hdr *h = rec;
	struct replay *r = ctx;

	tt_buf_reset(&r->line);
	if (!rawfmt_record(&r->line, rec, size, &r->clk))
		check_json(&r->line);
	if (h->ts_ns > r->last_rec_ns)
		r->last_rec_ns = h->ts_ns;
	pipeline__record(r->pipe, rec, size);
}

static void tick(struct replay *r)
{
	if (r->last_rec_ns - r->last_tick_ns < TICK_NS)
		return;
	r->last_tick_ns = r->last_rec_ns;
	pipeline__tick(r->pipe, r->last_rec_ns);
}

/* The spans as OTLP JSON, in batches as the exporter sends them: each must parse. */
static void encode_spans(struct replay *r)
{
	struct otlp_meta m = { .clock = { r->clk.boot_ns, r->clk.real_ns },
			       .scope_version = "fuzz",
			       .schema_url = TT_OTLP_SCHEMA_URL };
	size_t i, n;

	for (i = 0; i < r->n_spans; i += n) {
		n = r->n_spans - i < OTLP_BATCH ? r->n_spans - i : OTLP_BATCH;
		tt_buf_reset(&r->line);
		if (!otlp_json_encode(&r->line, r->spans + i, n, &m))
			check_json(&r->line);
	}
	for (i = 0; i < r->n_spans; i++)
		span__free(r->spans[i]);
	free(r->spans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct pipeline_opts po = { 0 };
	struct replay r = { 0 };
	struct capfile_reader *rd;
	struct capfile_header h;
	struct events *ev;
	const void *rec;
	char path[64];
	size_t n;

	tt_log_set_level(TT_LOG_ERROR);
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	if (fz_file(data, size, path, sizeof(path)))
		return 0;
	rd = capfile_reader__open(path, &h);
	if (!rd)
		return 0;
	r.clk.boot_ns = h.boot_ns;
	r.clk.real_ns = h.real_ns;
	r.last_rec_ns = h.boot_ns;
	tt_buf_init(&r.line, 64u << 20);
	po.provider.capture_content = h.flags & 1;
	po.provider.legacy_semconv = h.flags & 8;
	po.linker.single_trace = h.flags & 2;
	po.linker.agents_only = h.flags & 4;
	po.linker.capture_content = h.flags & 1;
	po.linker.host_name = "fuzz";
	/* small tables: each run builds its own, and the caps are reached */
	po.conn.max_conns = 16;
	po.conn.max_pending = 4;
	po.span_sink = on_span;
	po.span_ctx = &r;
	po.on_exchange = on_exchange;
	po.on_call = on_call;
	po.tap_ctx = &r;
	r.pipe = pipeline__new(&po);
	r.tv = tree_view__new(devnull, NULL);
	ev = events__new(-1, on_record, &r);
	if (!r.pipe || !ev)
		abort();
	while (capfile_reader__next(rd, &rec, &n) > 0)
		if (!events__push(ev, rec, n))
			tick(&r);
	capfile_reader__close(rd);
	pipeline__finish(r.pipe, r.last_rec_ns);
	if (r.tv) {
		tree_view__flush(r.tv);
		tree_view__free(r.tv);
	}
	encode_spans(&r);
	events__free(ev);
	pipeline__free(r.pipe);
	tt_buf_free(&r.line);
	return 0;
}
