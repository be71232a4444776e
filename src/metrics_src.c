// SPDX-License-Identifier: MIT
/*
 * metrics_src.c: one struct tt_metrics from the counters --stats prints, read on the main
 * thread, which owns them: the health server only ever sees the copy published here.
 */
#include <string.h>
#include <time.h>

#include "metrics_src.h"
#include "tt_abi.h"

static void from_pipeline(struct pipeline *p, struct tt_metrics *m)
{
	struct pipeline_stats ps;
	const struct conn_stats *c;
	uint64_t gone;

	pipeline__stats(p, &ps);
	c = ps.conn;
	m->exchanges = ps.exchanges;
	m->llm_calls = ps.llm_calls;
	m->gaps = c->gaps;
	gone = c->conns_closed + c->conns_evicted + c->conns_expired;
	m->conns_open = c->conns_opened > gone ? c->conns_opened - gone : 0;
	m->mem_drops = ps.mem->drops;
	m->mem_dropped_bytes = ps.mem->dropped_bytes;
	m->mem_used = ps.mem->used;
	m->mem_limit = ps.mem->limit;
	m->procs = ps.linker.procs;
}

static void from_exporter(struct exporter *e, struct tt_metrics *m)
{
	struct export_stats es;

	exporter__stats(e, &es);
	m->spans = es.spans;
	m->file_spans = es.file_spans;
	m->file_errors = es.file_errors;
	m->http_sent = es.http_sent;
	m->http_rejected = es.http_rejected;
	m->http_dropped = es.http_dropped;
	m->too_big = es.too_big;
	m->http_requests = es.http_requests;
	m->queue_bytes = es.queue_bytes;
}

void metrics_src_collect(const struct metrics_src *s, struct tt_metrics *m)
{
	uint64_t st[TT_ST_MAX] = { 0 };
	struct prober_stats prs;

	memset(m, 0, sizeof(*m));
	m->version = s->version;
	m->attached = s->loader != NULL;
	if (s->cap)
		m->cap = *s->cap;
	if (s->events) {
		m->records = events__count(s->events);
		m->bad_records = events__bad(s->events);
	}
	if (s->loader && !loader__stats(s->loader, st)) {
		m->lost_records = st[TT_ST_LOST_RECS];
		m->lost_bytes = st[TT_ST_LOST_BYTES];
		m->truncated_calls = st[TT_ST_TRUNC_CALLS];
		m->held = st[TT_ST_HELD];
	}
	if (s->loader)
		m->probed_files = (uint64_t)loader__n_probed_files(s->loader);
	if (s->prober) {
		prober__stats(s->prober, &prs);
		m->inspections = prs.inspected;
		m->inspect_dropped = prs.dropped;
		m->hold_timeouts = prs.hold_timeouts;
	}
	if (s->pipe)
		from_pipeline(s->pipe, m);
	if (s->exp)
		from_exporter(s->exp, m);
}

void metrics_src_publish(struct health *h, const struct metrics_src *s, uint64_t *last_ns)
{
	struct tt_metrics m;
	struct timespec ts;
	uint64_t now;

	if (!h)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (*last_ns && now - *last_ns < 1000000000ull)
		return;
	*last_ns = now;
	metrics_src_collect(s, &m);
	health__publish(h, &m, now);
}
