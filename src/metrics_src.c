// SPDX-License-Identifier: MIT
/*
 * metrics_src.c: one struct tt_metrics from the counters --stats prints, read on the main
 * thread, which owns them: the health server only ever sees the copy published here.
 */
#include <string.h>
#include <time.h>

#include "log.h"
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
	m->unselected = ps.unselected;
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

void metrics_src_log(const struct metrics_src *s, bool final, bool stats)
{
	uint64_t st[TT_ST_MAX] = { 0 };

	if (loader__stats(s->loader, st))
		return;
	if (!final && !stats)
		return;
	if (final && !stats && !st[TT_ST_LOST_RECS] && !st[TT_ST_TRUNC_CALLS] &&
	    !st[TT_ST_READ_ERR] && !events__bad(s->events))
		return;
	tt_msg("stats: records=%llu lost_records=%llu lost_bytes=%llu "
	       "truncated_calls=%llu truncated_bytes=%llu read_errors=%llu bad_records=%llu "
	       "probed_files=%d",
	       (unsigned long long)events__count(s->events),
	       (unsigned long long)st[TT_ST_LOST_RECS], (unsigned long long)st[TT_ST_LOST_BYTES],
	       (unsigned long long)st[TT_ST_TRUNC_CALLS], (unsigned long long)st[TT_ST_TRUNC_BYTES],
	       (unsigned long long)st[TT_ST_READ_ERR], (unsigned long long)events__bad(s->events),
	       loader__n_probed_files(s->loader));
	if (stats && s->pipe) {
		struct pipeline_stats ps;

		pipeline__stats(s->pipe, &ps);
		tt_msg("stats: exchanges=%llu llm_calls=%llu http_other=%llu "
		       "h2_streams=%llu gaps=%llu bytes_lost=%llu midstream_conns=%llu "
		       "non_http_conns=%llu spans=%llu server_spans=%llu mcp_calls=%llu "
		       "tls_conns=%llu tls_unsupported=%llu tls_hidden=%llu aead_bound=%llu "
		       "aead_dropped=%llu aead_nosock=%llu ssl_record_layer=%llu",
		       (unsigned long long)ps.exchanges, (unsigned long long)ps.llm_calls,
		       (unsigned long long)ps.http_other, (unsigned long long)ps.conn->h2.streams,
		       (unsigned long long)ps.conn->gaps, (unsigned long long)ps.conn->bytes_lost,
		       (unsigned long long)ps.conn->midstream,
		       (unsigned long long)ps.conn->non_http, (unsigned long long)ps.linker.spans,
		       (unsigned long long)ps.linker.server_spans,
		       (unsigned long long)ps.linker.mcp_calls,
		       (unsigned long long)ps.linker.tls_conns,
		       (unsigned long long)ps.linker.tls_unsupported,
		       (unsigned long long)ps.linker.tls_hidden, (unsigned long long)ps.aead.bound,
		       (unsigned long long)ps.aead.dropped,
		       (unsigned long long)st[TT_ST_AEAD_NOSOCK],
		       (unsigned long long)st[TT_ST_RL_CALLS]);
		tt_msg("stats: selected_procs=%llu unselected_procs=%llu unselected_records=%llu",
		       (unsigned long long)ps.selected_procs,
		       (unsigned long long)ps.unselected_procs, (unsigned long long)ps.unselected);
		tt_msg("stats: local_links=%llu local_late=%llu local_forgotten=%llu",
		       (unsigned long long)ps.linker.local_links,
		       (unsigned long long)ps.linker.local_late,
		       (unsigned long long)ps.linker.local_forgotten);
		tt_msg("stats: mem_used=%zu mem_high=%zu mem_budget=%zu mem_drops=%llu "
		       "mem_dropped_bytes=%llu",
		       ps.mem->used, ps.mem->high, ps.mem->limit, (unsigned long long)ps.mem->drops,
		       (unsigned long long)ps.mem->dropped_bytes);
	}
	if (stats && s->prober) {
		struct prober_stats prs;

		prober__stats(s->prober, &prs);
		tt_msg("stats: files_inspected=%llu inspect_deferred=%llu inspect_dropped=%llu "
		       "rescans_dropped=%llu files_evicted=%llu held=%llu held_max_ns=%llu "
		       "hold_timeouts=%llu hold_skipped=%llu",
		       (unsigned long long)prs.inspected, (unsigned long long)prs.deferred,
		       (unsigned long long)prs.dropped, (unsigned long long)prs.rescans_dropped,
		       (unsigned long long)prs.evicted, (unsigned long long)st[TT_ST_HELD],
		       (unsigned long long)prs.held_max_ns, (unsigned long long)prs.hold_timeouts,
		       (unsigned long long)st[TT_ST_HOLD_SKIP]);
	}
	if (st[TT_ST_LOST_RECS])
		tt_msg("warning: %llu records were lost because the ring buffer was full: raise "
		       "--ringbuf-size",
		       (unsigned long long)st[TT_ST_LOST_RECS]);
}
