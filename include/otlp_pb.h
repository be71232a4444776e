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
