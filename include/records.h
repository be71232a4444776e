/* SPDX-License-Identifier: MIT */
/* records.h: validation of tt_abi.h records from the ring buffer or a capture file. */
#ifndef TT_RECORDS_H
#define TT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

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
/*
 * The text of an address in a record (tt_connect, tt_sock): 4 bytes for family 2 (AF_INET),
 * else 16 (AF_INET6), as the BPF side writes them. 0, or -ENOSPC with out "" when size is too
 * small (INET6_ADDRSTRLEN never is).
 */
int tt_rec_addr(uint16_t family, const uint8_t *addr, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* TT_RECORDS_H */
