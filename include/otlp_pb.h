/* SPDX-License-Identifier: MIT */
/* otlp_pb.h: spans as an OTLP ExportTraceServiceRequest in protobuf binary (hand-rolled). */
#ifndef TT_OTLP_PB_H
#define TT_OTLP_PB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "otlp_json.h"
#include "span.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Protobuf wire types. */
enum pb_wire {
	PB_VARINT = 0,
	PB_I64 = 1,
	PB_LEN = 2,
	PB_I32 = 5,
};

/* One field read by pb_next(); for PB_LEN, p/len is the payload, else u holds the value. */
struct pb_field {
	uint32_t num;
	enum pb_wire wire;
	uint64_t u;
	const uint8_t *p;
	size_t len;
};

/*
 * Reads the field at *pos in buf[0..n): 1 with f filled and *pos advanced, 0 at the end,
 * -EBADMSG on malformed input (bad varint, length past the end, unsupported wire type).
 */
int pb_next(const uint8_t *buf, size_t n, size_t *pos, struct pb_field *f);

/*
 * The writer: each appends one field (key and value) to b; 0, -E2BIG at b's cap, -ENOMEM.
 * pb_string() writes invalid UTF-8 as U+FFFD, as the JSON encoder does (NULL: ""). A nested
 * message is pb_open() (key and room for its length), its fields, then pb_close(), which
 * writes the length; so b needs about 32 bytes of headroom past the final size.
 */
int pb_varint(struct tt_buf *b, uint64_t v);
int pb_key(struct tt_buf *b, uint32_t field, enum pb_wire wire);
int pb_bytes(struct tt_buf *b, uint32_t field, const void *p, size_t n);
int pb_string(struct tt_buf *b, uint32_t field, const char *str);
/* size 8: wire type I64, 4: I32; v little-endian */
int pb_fixed(struct tt_buf *b, uint32_t field, uint64_t v, size_t size);
int pb_uint(struct tt_buf *b, uint32_t field, uint64_t v);
int pb_open(struct tt_buf *b, uint32_t field, size_t *mark);
void pb_close(struct tt_buf *b, size_t mark);
/* A common.v1 KeyValue {key, value {string_value}} as field. */
int pb_kv_str(struct tt_buf *b, uint32_t field, const char *key, const char *val);

/*
 * Appends the ExportTraceServiceRequest (same message as TracesData) for spans[0..n), with the
 * same content and grouping as otlp_json_encode() (invalid UTF-8 becomes U+FFFD in both).
 * Nested lengths are patched in place, so b needs about 32 bytes of headroom past the final
 * size. 0, -E2BIG at b's cap, -ENOMEM.
 */
int otlp_pb_encode(struct tt_buf *b, struct tt_span *const *spans, size_t n,
		   const struct otlp_meta *m);

/*
 * Reads an ExportTraceServiceResponse: *rejected = partial_success.rejected_spans (0 if absent),
 * msg = its error_message (NUL-terminated, truncated to msglen). 0 or -EBADMSG.
 */
int otlp_pb_decode_response(const void *p, size_t n, int64_t *rejected, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif
#endif /* TT_OTLP_PB_H */
