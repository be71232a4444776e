/* SPDX-License-Identifier: MIT */
/* rawfmt.h: one JSON line per captured record (--raw). */
#ifndef TT_RAWFMT_H
#define TT_RAWFMT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Converts record timestamps (boot clock) to wall-clock time. */
struct rawfmt_clock {
	uint64_t boot_ns;
	uint64_t real_ns;
};

/*
 * Appends the JSON line (with '\n') for a record already checked by tt_rec_validate.
 * Payloads that are UTF-8 text go out as "text", anything else as "base64".
 */
int rawfmt_record(struct tt_buf *out, const void *rec, size_t size, const struct rawfmt_clock *clk);
/* The "src" of a data record (enum tt_src): "ssl", "ssl_ex", "gnutls", "nss", "gotls". */
const char *rawfmt_src_name(unsigned int src);

#ifdef __cplusplus
}
#endif
#endif /* TT_RAWFMT_H */
