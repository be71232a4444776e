// SPDX-License-Identifier: MIT
/*
 * otlp_pb.c: hand-rolled protobuf encoding of OTLP ExportTraceServiceRequest, and the writer
 * helpers otlp_metrics_pb.c uses too.
 */
#include <errno.h>
#include <string.h>

#include "jsonstr.h"
#include "otlp_pb.h"
#include "varint.h"

/*
 * Field numbers, from opentelemetry-proto trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto and collector/trace/v1/trace_service.proto.
 */
enum {
	REQ_RESOURCE_SPANS = 1,
	RS_RESOURCE = 1,
	RS_SCOPE_SPANS = 2,
	RS_SCHEMA_URL = 3,
	RES_ATTRIBUTES = 1,
	SS_SCOPE = 1,
	SS_SPANS = 2,
	SS_SCHEMA_URL = 3,
	SCOPE_NAME = 1,
	SCOPE_VERSION = 2,
	SPAN_TRACE_ID = 1,
	SPAN_SPAN_ID = 2,
	SPAN_PARENT_ID = 4,
	SPAN_NAME = 5,
	SPAN_KIND = 6,
	SPAN_START = 7,
	SPAN_END = 8,
	SPAN_ATTRIBUTES = 9,
	SPAN_EVENTS = 11,
	SPAN_DROPPED_EVENTS = 12,
	SPAN_STATUS = 15,
	SPAN_FLAGS = 16,
	EVENT_TIME = 1,
	EVENT_NAME = 2,
	EVENT_ATTRIBUTES = 3,
	STATUS_MESSAGE = 2,
	STATUS_CODE = 3,
	KV_KEY = 1,
	KV_VALUE = 2,
	AV_STRING = 1,
	AV_BOOL = 2,
	AV_INT = 3,
	AV_DOUBLE = 4,
	AV_ARRAY = 5,
	ARRAY_VALUES = 1,
	RESP_PARTIAL = 1,
	PARTIAL_REJECTED = 1,
	PARTIAL_MESSAGE = 2,
};

/* A nested message's length is written as a varint in front of it; 5 bytes cover 4 GiB. */
#define PB_LEN_RESERVE 5

int pb_varint(struct tt_buf *b, uint64_t v)
{
	uint8_t tmp[VARINT_MAX];

	return tt_buf_add(b, tmp, varint_put(tmp, v));
}

int pb_key(struct tt_buf *b, uint32_t field, enum pb_wire wire)
{
	return pb_varint(b, ((uint64_t)field << 3) | wire);
}

int pb_bytes(struct tt_buf *b, uint32_t field, const void *p, size_t n)
{
	int err;

	err = pb_key(b, field, PB_LEN) ?: pb_varint(b, n);
	return err ?: tt_buf_add(b, p, n);
}

/*
 * Protobuf strings must be UTF-8: invalid bytes become U+FFFD by the JSON encoder's rule
 * (jsonstr.c), so both encodings carry the same text.
 */
int pb_string(struct tt_buf *b, uint32_t field, const char *str)
{
	const char *s = str ? str : "";
	size_t n = strlen(s), out = jsonstr_utf8_fixed_len(s, n);
	int err;

	if (out == n)
		return pb_bytes(b, field, s, n);
	err = pb_key(b, field, PB_LEN) ?: pb_varint(b, out);
	return err ?: jsonstr_add_utf8(b, s, n);
}

int pb_fixed(struct tt_buf *b, uint32_t field, uint64_t v, size_t size)
{
	uint8_t le[8];
	size_t i;
	int err;

	for (i = 0; i < size; i++)
		le[i] = (uint8_t)(v >> (8 * i));
	err = pb_key(b, field, size == 8 ? PB_I64 : PB_I32);
	return err ?: tt_buf_add(b, le, size);
}

int pb_uint(struct tt_buf *b, uint32_t field, uint64_t v)
{
	return pb_key(b, field, PB_VARINT) ?: pb_varint(b, v);
}

/* Starts a nested message: key, room for the length; *mark is where the content begins. */
int pb_open(struct tt_buf *b, uint32_t field, size_t *mark)
{
	static const uint8_t zero[PB_LEN_RESERVE];
	int err;

	err = pb_key(b, field, PB_LEN) ?: tt_buf_add(b, zero, sizeof(zero));
	*mark = b->len;
	return err;
}

/* Writes the real length in front of the content and closes the unused gap. */
void pb_close(struct tt_buf *b, size_t mark)
{
	size_t n = b->len - mark, k;
	uint8_t len[VARINT_MAX];

	k = varint_put(len, n);
	memmove(b->data + mark - PB_LEN_RESERVE + k, b->data + mark, n);
	memcpy(b->data + mark - PB_LEN_RESERVE, len, k);
	b->len -= PB_LEN_RESERVE - k;
}

static int pb_value(struct tt_buf *b, const struct attr *a)
{
	size_t mark, i;
	uint64_t bits;
	int err = 0;

	switch (a->type) {
	case ATTR_STR:
		return pb_string(b, AV_STRING, a->s);
	case ATTR_INT:
		return pb_uint(b, AV_INT, (uint64_t)a->i);
	case ATTR_DOUBLE:
		memcpy(&bits, &a->d, sizeof(bits));
		return pb_fixed(b, AV_DOUBLE, bits, 8);
	case ATTR_BOOL:
		return pb_uint(b, AV_BOOL, a->b);
	case ATTR_STR_ARRAY:
		err = pb_open(b, AV_ARRAY, &mark);
		for (i = 0; !err && i < a->arr.n; i++) {
			size_t vmark;

			err = pb_open(b, ARRAY_VALUES, &vmark);
			err = err ?: pb_string(b, AV_STRING, a->arr.v[i]);
			if (!err)
				pb_close(b, vmark);
		}
		if (!err)
			pb_close(b, mark);
		return err;
	}
	return 0;
}

struct pb_attrs {
	struct tt_buf *b;
	uint32_t field;
};

static int pb_attr(const struct attr *a, void *ctx)
{
	struct pb_attrs *p = ctx;
	size_t mark, vmark;
	int err;

	err = pb_open(p->b, p->field, &mark);
	err = err ?: pb_string(p->b, KV_KEY, a->key);
	err = err ?: pb_open(p->b, KV_VALUE, &vmark);
	err = err ?: pb_value(p->b, a);
	if (err)
		return err;
	pb_close(p->b, vmark);
	pb_close(p->b, mark);
	return 0;
}

int pb_kv_str(struct tt_buf *b, uint32_t field, const char *key, const char *val)
{
	struct pb_attrs pa = { .b = b, .field = field };
	struct attr a = { .key = (char *)key, .type = ATTR_STR, .s = (char *)val };

	return pb_attr(&a, &pa);
}

static int pb_status(struct tt_buf *b, const struct tt_span *s)
{
	size_t mark;
	int err;

	err = pb_open(b, SPAN_STATUS, &mark);
	if (!err && s->status_message && *s->status_message)
		err = pb_string(b, STATUS_MESSAGE, s->status_message);
	if (!err && s->status)
		err = pb_uint(b, STATUS_CODE, (uint64_t)s->status);
	if (!err)
		pb_close(b, mark);
	return err;
}

static int pb_events(struct tt_buf *b, const struct tt_span *s, const struct otlp_meta *m)
{
	struct pb_attrs pa = { .b = b, .field = EVENT_ATTRIBUTES };
	const struct tt_span_event *e;
	size_t mark, i, j;
	int err = 0;

	for (i = 0; !err && i < s->n_events; i++) {
		e = &s->events[i];
		err = pb_open(b, SPAN_EVENTS, &mark);
		err = err ?: pb_fixed(b, EVENT_TIME, otlp_unix_ns(&m->clock, e->time_ns), 8);
		err = err ?: pb_string(b, EVENT_NAME, e->name);
		for (j = 0; !err && j < e->attrs.n; j++)
			err = pb_attr(&e->attrs.v[j], &pa);
		if (!err)
			pb_close(b, mark);
	}
	if (!err && s->dropped_events)
		err = pb_uint(b, SPAN_DROPPED_EVENTS, s->dropped_events);
	return err;
}

static int pb_span(struct tt_buf *b, const struct tt_span *s, const struct otlp_meta *m)
{
	uint64_t start = otlp_unix_ns(&m->clock, s->start_ns);
	uint64_t end = s->end_ns > s->start_ns ? otlp_unix_ns(&m->clock, s->end_ns) : start;
	struct pb_attrs pa = { .b = b, .field = SPAN_ATTRIBUTES };
	size_t mark, i;
	int err;

	err = pb_open(b, SS_SPANS, &mark);
	err = err ?: pb_bytes(b, SPAN_TRACE_ID, s->trace_id, 16);
	err = err ?: pb_bytes(b, SPAN_SPAN_ID, s->span_id, 8);
	if (!err && s->has_parent)
		err = pb_bytes(b, SPAN_PARENT_ID, s->parent_id, 8);
	err = err ?: pb_string(b, SPAN_NAME, s->name);
	if (!err && s->kind)
		err = pb_uint(b, SPAN_KIND, (uint64_t)s->kind);
	err = err ?: pb_fixed(b, SPAN_START, start, 8) ?: pb_fixed(b, SPAN_END, end, 8);
	for (i = 0; !err && i < s->attrs.n; i++)
		err = pb_attr(&s->attrs.v[i], &pa);
	err = err ?: pb_events(b, s, m);
	err = err ?: pb_status(b, s) ?: pb_fixed(b, SPAN_FLAGS, otlp_span_flags(s), 4);
	if (!err)
		pb_close(b, mark);
	return err;
}

static int pb_scope(struct tt_buf *b, const struct otlp_meta *m)
{
	size_t mark;
	int err;

	err = pb_open(b, SS_SCOPE, &mark) ?: pb_string(b, SCOPE_NAME, TT_OTLP_SCOPE_NAME);
	if (!err && m->scope_version)
		err = pb_string(b, SCOPE_VERSION, m->scope_version);
	if (!err)
		pb_close(b, mark);
	return err;
}

static int pb_resource_spans(struct tt_buf *b, struct tt_span *const *spans, size_t n, size_t first,
			     const struct otlp_meta *m)
{
	struct tt_resource *res = spans[first]->resource;
	struct pb_attrs pa = { .b = b, .field = RES_ATTRIBUTES };
	size_t rs, r, ss, i;
	int err;

	err = pb_open(b, REQ_RESOURCE_SPANS, &rs) ?: pb_open(b, RS_RESOURCE, &r);
	err = err ?: otlp_resource_each(res, m, pb_attr, &pa);
	if (err)
		return err;
	pb_close(b, r);
	err = pb_open(b, RS_SCOPE_SPANS, &ss) ?: pb_scope(b, m);
	for (i = first; !err && i < n; i++)
		if (spans[i]->resource == res)
			err = pb_span(b, spans[i], m);
	if (!err && m->schema_url)
		err = pb_string(b, SS_SCHEMA_URL, m->schema_url);
	if (err)
		return err;
	pb_close(b, ss);
	if (m->schema_url)
		err = pb_string(b, RS_SCHEMA_URL, m->schema_url);
	if (!err)
		pb_close(b, rs);
	return err;
}

int otlp_pb_encode(struct tt_buf *b, struct tt_span *const *spans, size_t n,
		   const struct otlp_meta *m)
{
	size_t i;
	int err = 0;

	for (i = 0; !err && i < n; i++)
		if (otlp_first_of_resource(spans, i))
			err = pb_resource_spans(b, spans, n, i, m);
	return err;
}

int pb_next(const uint8_t *buf, size_t n, size_t *pos, struct pb_field *f)
{
	uint64_t key, v;
	size_t i;

	if (*pos >= n)
		return 0;
	if (varint_get(buf, n, pos, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
		return -EBADMSG;
	f->num = (uint32_t)(key >> 3);
	f->wire = key & 7;
	f->p = NULL;
	f->len = 0;
	f->u = 0;
	switch (f->wire) {
	case PB_VARINT:
		return varint_get(buf, n, pos, &f->u) ?: 1;
	case PB_I64:
	case PB_I32:
		v = f->wire == PB_I64 ? 8 : 4;
		if (n - *pos < v)
			return -EBADMSG;
		for (i = 0; i < v; i++)
			f->u |= (uint64_t)buf[*pos + i] << (8 * i);
		*pos += v;
		return 1;
	case PB_LEN:
		if (varint_get(buf, n, pos, &v) || v > n - *pos)
			return -EBADMSG;
		f->p = buf + *pos;
		f->len = v;
		*pos += v;
		return 1;
	}
	return -EBADMSG;
}

int otlp_pb_decode_response(const void *p, size_t n, int64_t *rejected, char *msg, size_t msglen)
{
	struct pb_field f, g;
	size_t pos = 0, ppos;
	int r, s;

	*rejected = 0;
	if (msglen)
		msg[0] = '\0';
	while ((r = pb_next(p, n, &pos, &f)) > 0) {
		if (f.num != RESP_PARTIAL || f.wire != PB_LEN)
			continue;
		ppos = 0;
		while ((s = pb_next(f.p, f.len, &ppos, &g)) > 0) {
			if (g.num == PARTIAL_REJECTED && g.wire == PB_VARINT) {
				*rejected = (int64_t)g.u;
			} else if (g.num == PARTIAL_MESSAGE && g.wire == PB_LEN && msglen) {
				size_t k = g.len < msglen - 1 ? g.len : msglen - 1;

				memcpy(msg, g.p, k);
				msg[k] = '\0';
			}
		}
		if (s < 0)
			return s;
	}
	return r < 0 ? r : 0;
}
