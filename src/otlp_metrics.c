// SPDX-License-Identifier: MIT
/*
 * otlp_metrics.c: the GenAI metrics (genai_metrics.c) as OTLP MetricsData in the JSON encoding
 * of OTLP/HTTP (64-bit integers as strings, enums as numbers): histograms and monotonic sums,
 * cumulative.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "jsonw.h"
#include "otlp_metrics.h"

static int attrs_json(struct tt_buf *b, const struct gm_series *s)
{
	bool first = true;
	int err = tt_buf_addstr(b, "\"attributes\":[");
	size_t k;

	for (k = 0; !err && k < GM_N_ATTRS; k++) {
		if (!s->attrs[k])
			continue;
		err = tt_buf_printf(b, "%s{\"key\":\"%s\",\"value\":{\"stringValue\":",
				    first ? "" : ",", gm_attr_key(k));
		err = err ?: jsonw_cstr(b, s->attrs[k]);
		err = err ?: tt_buf_addstr(b, "}}");
		first = false;
	}
	return err ?: tt_buf_addstr(b, "]");
}

static int point_json(struct tt_buf *b, const struct gm_series *s, uint64_t start, uint64_t now)
{
	const double *bounds;
	size_t n, i;
	int err;

	err = tt_buf_addstr(b, "{");
	err = err ?: attrs_json(b, s);
	err = err   ?:
		      tt_buf_printf(b,
				    ",\"startTimeUnixNano\":\"%" PRIu64
				    "\",\"timeUnixNano\":\"%" PRIu64 "\"",
				    start, now);
	bounds = gm_metric_bounds(s->metric, &n);
	if (!n)
		return err ?: tt_buf_printf(b, ",\"asInt\":\"%" PRIu64 "\"}", s->count);
	/* doubles read back exactly: the protobuf encoding (otlp_metrics_pb.c) has the bits */
	err = err ?: tt_buf_printf(b, ",\"count\":\"%" PRIu64 "\",\"sum\":", s->count);
	err = err ?: otlp_json_double(b, s->sum) ?: tt_buf_addstr(b, ",\"min\":");
	err = err ?: otlp_json_double(b, s->min) ?: tt_buf_addstr(b, ",\"max\":");
	err = err ?: otlp_json_double(b, s->max) ?: tt_buf_addstr(b, ",\"bucketCounts\":[");
	for (i = 0; !err && i <= n; i++)
		err = tt_buf_printf(b, "%s\"%" PRIu64 "\"", i ? "," : "", s->buckets[i]);
	err = err ?: tt_buf_addstr(b, "],\"explicitBounds\":[");
	for (i = 0; !err && i < n; i++)
		err = (i ? tt_buf_addc(b, ',') : 0) ?: otlp_json_double(b, bounds[i]);
	return err ?: tt_buf_addstr(b, "]}");
}

/* One Metric with the series of metric k, when there are any. */
static int metric_json(struct tt_buf *b, const struct genai_metrics *m, enum gm_metric k,
		       uint64_t start, uint64_t now, bool *first)
{
	size_t n, i, bn;
	const struct gm_series *v = genai_metrics__series(m, &n);
	bool any = false;
	int err = 0;

	gm_metric_bounds(k, &bn);
	for (i = 0; !err && i < n; i++) {
		if (v[i].metric != k)
			continue;
		if (!any) {
			err = tt_buf_printf(
				b, "%s{\"name\":\"%s\",\"unit\":\"%s\",\"%s\":{\"dataPoints\":[",
				*first ? "" : ",", gm_metric_name(k), gm_metric_unit(k),
				bn ? "histogram" : "sum");
			*first = false;
		} else {
			err = tt_buf_addstr(b, ",");
		}
		any = true;
		err = err ?: point_json(b, &v[i], start, now);
	}
	if (!any || err)
		return err;
	return tt_buf_printf(b, "],\"aggregationTemporality\":%d%s}}", OTLP_TEMPORALITY_CUMULATIVE,
			     bn ? "" : ",\"isMonotonic\":true");
}

void otlp_metrics_times(const struct genai_metrics *m, const struct otlp_clock *clock,
			uint64_t *start, uint64_t *now_ns)
{
	uint64_t first = genai_metrics__start_ns(m);

	*start = otlp_unix_ns(clock, first && first < *now_ns ? first : *now_ns);
	*now_ns = otlp_unix_ns(clock, *now_ns);
}

int otlp_metrics_json(struct tt_buf *b, const struct genai_metrics *m,
		      const struct otlp_clock *clock, uint64_t now_ns, const char *version)
{
	uint64_t start;
	bool first = true;
	int err, k;

	otlp_metrics_times(m, clock, &start, &now_ns);
	err = tt_buf_addstr(b,
			    "{\"resourceMetrics\":[{\"resource\":{\"attributes\":[{\"key\":"
			    "\"service.name\",\"value\":{\"stringValue\":\"tracetree-bpf\"}}]},"
			    "\"scopeMetrics\":[{\"scope\":{\"name\":\"tracetree-bpf\"");
	if (!err && version) {
		err = tt_buf_addstr(b, ",\"version\":");
		err = err ?: jsonw_cstr(b, version);
	}
	err = err ?: tt_buf_addstr(b, "},\"metrics\":[");
	for (k = 0; !err && k < GM_N_METRICS; k++)
		err = metric_json(b, m, k, start, now_ns, &first);
	return err ?: tt_buf_addstr(b, "]}]}]}");
}
