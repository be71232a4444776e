/* SPDX-License-Identifier: MIT */
/* hex.h: hexadecimal digits both ways (ids, chunk sizes, escapes, byte patterns). */
#ifndef TT_HEX_H
#define TT_HEX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The value of hex digit c (either case), or -1. */
int hex_digit(int c);
/* The byte two hex digits s[0] s[1] spell, or -1; s[1] is not read when s[0] is no digit. */
int hex_byte(const char *s);
/* p[0..n) as 2n lowercase hex digits, then a NUL, into out. */
void hex_encode(const void *p, size_t n, char *out);

#ifdef __cplusplus
}
#endif
#endif /* TT_HEX_H */
