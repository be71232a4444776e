/* SPDX-License-Identifier: MIT */
/*
 * str.h: C strings: a suffix test, base64 digits; arrays of them (an argv and its count): copy,
 * split, free.
 */
#ifndef TT_STR_H
#define TT_STR_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether s[0..n) ends with suffix. */
bool str_ends_with(const char *s, size_t n, const char *suffix);

/* The value of base64 digit c, standard or URL-safe alphabet (RFC 4648); -1 if c is none. */
int str_b64_val(unsigned char c);

/*
 * A copy of v[0..n), a NULL entry as "": the array has room for at least one pointer, so
 * n == 0 gives an empty array, not NULL. NULL with errno ENOMEM (nothing left allocated).
 */
char **strv_dup(const char *const *v, size_t n);
/*
 * The NUL-separated strings of s[0..len) as a new array, as the kernel keeps a process's
 * arguments: a last string cut without its NUL counts, a NUL ending s adds no empty one.
 * Their count in *n. NULL with errno ENOMEM.
 */
char **strv_split(const char *s, size_t len, size_t *n);
/* Frees v[0..n) and v; NULL-safe. */
void strv_free(char **v, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TT_STR_H */
