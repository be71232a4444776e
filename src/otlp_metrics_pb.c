// SPDX-License-Identifier: MIT
/*
 * otlp_metrics_pb.c: the GenAI metrics (genai_metrics.c) as an OTLP ExportMetricsServiceRequest
 * in protobuf, for OTLP/HTTP's default encoding; the same content as otlp_metrics.c's JSON.
 */
#include <string.h>

#include "otlp_metrics.h"
#include "otlp_metrics_pb.h"
#include "otlp_pb.h"

/*
 * Field numbers, from opentelemetry-proto metrics/v1/metrics.proto and
 * collector/metrics/v1/metrics_service.proto (common and resource as for traces).
 */
enum {
	REQ_RESOURCE_METRICS = 1,
	RM_RESOURCE = 1,
	RM_SCOPE_METRICS = 2,
	RES_ATTRIBUTES = 1,
	SM_SCOPE = 1,
	SM_METRICS = 2,
	SCOPE_NAME = 1,
	SCOPE_VERSION = 2,
	METRIC_NAME = 1,
	METRIC_UNIT = 3,
	METRIC_SUM = 7,
	METRIC_HISTOGRAM = 9,
	AGG_DATA_POINTS = 1, /* Sum and Histogram */
	AGG_TEMPORALITY = 2,
	SUM_MONOTONIC = 3,
	NDP_START = 2,
	NDP_TIME = 3,
	NDP_AS_INT = 6, /* sfixed64 */
	NDP_ATTRIBUTES = 7,
	HDP_START = 2,
	HDP_TIME = 3,
	HDP_COUNT = 4,	       /* fixed64 */
	HDP_SUM = 5,	       /* double */
	HDP_BUCKET_COUNTS = 6, /* packed fixed64 */
	HDP_BOUNDS = 7,	       /* packed double */
	HDP_ATTRIBUTES = 9,
	HDP_MIN = 11,
	HDP_MAX = 12,
};

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/* A packed repeated fixed64 or double: one LEN field of little-endian 8-byte values. */
static int pb_packed64(struct tt_buf *b, uint32_t field, const uint64_t *v, const double *d,
		       size_t n)
{
	uint8_t le[8];
	size_t i, k;
	uint64_t u;
	int err;

	err = pb_key(b, field, PB_LEN) ?: pb_varint(b, 8 * n);
	for (i = 0; !err && i < n; i++) {
		u = v ? v[i] : dbits(d[i]);
		for (k = 0; k < 8; k++)
			le[k] = (uint8_t)(u >> (8 * k));
		err = tt_buf_add(b, le, sizeof(le));
	}
	return err;
}

static int point_pb(struct tt_buf *b, const struct gm_series *s, uint64_t start, uint64_t now)
{
	size_t mark, n, k;
	const double *bounds = gm_metric_bounds(s->metric, &n);
	uint32_t attrs = n ? HDP_ATTRIBUTES : NDP_ATTRIBUTES;
	int err;

	/* start and time have the same numbers in both data points */
	err = pb_open(b, AGG_DATA_POINTS, &mark);
	for (k = 0; !err && k < GM_N_ATTRS; k++)
		if (s->attrs[k])
			err = pb_kv_str(b, attrs, gm_attr_key(k), s->attrs[k]);
	err = err ?: pb_fixed(b, HDP_START, start, 8) ?: pb_fixed(b, HDP_TIME, now, 8);
	if (!n) {
		err = err ?: pb_fixed(b, NDP_AS_INT, s->count, 8);
	} else {
		err = err ?: pb_fixed(b, HDP_COUNT, s->count, 8);
		err = err ?: pb_fixed(b, HDP_SUM, dbits(s->sum), 8);
		err = err ?: pb_packed64(b, HDP_BUCKET_COUNTS, s->buckets, NULL, n + 1);
		err = err ?: pb_packed64(b, HDP_BOUNDS, NULL, bounds, n);
		err = err ?: pb_fixed(b, HDP_MIN, dbits(s->min), 8);
		err = err ?: pb_fixed(b, HDP_MAX, dbits(s->max), 8);
	}
	if (!err)
		pb_close(b, mark);
	return err;
}

/* One Metric with the series of metric k, when there are any. */
static int metric_pb(struct tt_buf *b, const struct genai_metrics *m, enum gm_metric k,
		     uint64_t start, uint64_t now)
{
	size_t n, i, bn, mark = 0, agg = 0;
	const struct gm_series *v = genai_metrics__series(m, &n);
	bool any = false;
	int err = 0;

	gm_metric_bounds(k, &bn);
	for (i = 0; !err && i < n; i++) {
		if (v[i].metric != k)
			continue;
		if (!any) {
			err = pb_open(b, SM_METRICS, &mark);
			err = err ?: pb_string(b, METRIC_NAME, gm_metric_name(k));
			err = err ?: pb_string(b, METRIC_UNIT, gm_metric_unit(k));
			err = err ?: pb_open(b, bn ? METRIC_HISTOGRAM : METRIC_SUM, &agg);
		}
		any = true;
		err = err ?: point_pb(b, &v[i], start, now);
	}
	if (!any || err)
		return err;
	err = pb_uint(b, AGG_TEMPORALITY, OTLP_TEMPORALITY_CUMULATIVE);
	if (!err && !bn)
		err = pb_uint(b, SUM_MONOTONIC, 1);
	if (err)
		return err;
	pb_close(b, agg);
	pb_close(b, mark);
	return 0;
}

int otlp_metrics_pb(struct tt_buf *b, const struct genai_metrics *m, const struct otlp_clock *clock,
		    uint64_t now_ns, const char *version)
{
	size_t rm, res, sm, scope;
	uint64_t start;
	int err, k;

	otlp_metrics_times(m, clock, &start, &now_ns);
	err = pb_open(b, REQ_RESOURCE_METRICS, &rm) ?: pb_open(b, RM_RESOURCE, &res);
	err = err ?: pb_kv_str(b, RES_ATTRIBUTES, "service.name", "tracetree-bpf");
	if (err)
		return err;
	pb_close(b, res);
	err = pb_open(b, RM_SCOPE_METRICS, &sm) ?: pb_open(b, SM_SCOPE, &scope);
	err = err ?: pb_string(b, SCOPE_NAME, "tracetree-bpf");
	if (!err && version)
		err = pb_string(b, SCOPE_VERSION, version);
	if (err)
		return err;
	pb_close(b, scope);
	for (k = 0; !err && k < GM_N_METRICS; k++)
		err = metric_pb(b, m, k, start, now_ns);
	if (err)
		return err;
	pb_close(b, sm);
	pb_close(b, rm);
	return 0;
}
