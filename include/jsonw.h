/* SPDX-License-Identifier: MIT */
/* jsonw.h: small JSON writing helpers on struct tt_buf (escaping, base64). */
#ifndef TT_JSONW_H
#define TT_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends s[0..n) as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
int jsonw_str(struct tt_buf *b, const char *s, size_t n);
/* Same for a NUL-terminated string; NULL is written as null. */
int jsonw_cstr(struct tt_buf *b, const char *s);
/* Appends the standard base64 (RFC 4648, padded) of p[0..n), unquoted. */
int jsonw_base64(struct tt_buf *b, const void *p, size_t n);
/* True when p[0..n) is valid UTF-8 without control characters other than \t \r \n. */
bool jsonw_is_text(const void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TT_JSONW_H */
