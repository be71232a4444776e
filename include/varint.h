/* SPDX-License-Identifier: MIT */
/* varint.h: unsigned LEB128 integers (protobuf varints, DWARF ULEB128) both ways. */
#ifndef TT_VARINT_H
#define TT_VARINT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VARINT_MAX 10 /* bytes of a 64-bit value */

/* Writes v into out[VARINT_MAX]; returns the bytes written. */
size_t varint_put(uint8_t *out, uint64_t v);
/*
 * Reads the varint at buf[*pos..n) into *v and moves *pos past it: 0, or -EBADMSG when n cuts
 * it or it runs on past VARINT_MAX bytes (*pos then undefined).
 */
int varint_get(const uint8_t *buf, size_t n, size_t *pos, uint64_t *v);

#ifdef __cplusplus
}
#endif
#endif /* TT_VARINT_H */
