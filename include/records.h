/* SPDX-License-Identifier: MIT */
/* records.h: validation of tt_abi.h records from the ring buffer or a capture file. */
#ifndef TT_RECORDS_H
#define TT_RECORDS_H

#include <stddef.h>

#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Checks that rec[0..size) is a complete record of a known type whose length fields stay
 * inside it. Returns the type, or -EBADMSG. Every consumer calls it before reading a record.
 */
int tt_rec_validate(const void *rec, size_t size);
const char *tt_rec_type_name(int type);

#ifdef __cplusplus
}
#endif
#endif /* TT_RECORDS_H */
