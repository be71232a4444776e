/* SPDX-License-Identifier: MIT */
/* jsonstr.h: JSON string text both ways and the UTF-8 rule protobuf strings share with it. */
#ifndef TT_JSONSTR_H
#define TT_JSONSTR_H

#include <stddef.h>

#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* U+FFFD in UTF-8: what each byte that starts no valid sequence becomes. */
#define JSONSTR_REPLACEMENT "\xef\xbf\xbd"

/*
 * Length of the valid UTF-8 sequence at p[0..n), n > 0: 1 to 4, or 0 when the bytes are no
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF) or n cuts it.
 */
size_t jsonstr_utf8_len(const void *p, size_t n);
/* Length of s[0..n) once every byte that starts no valid sequence is U+FFFD (3 bytes). */
size_t jsonstr_utf8_fixed_len(const void *s, size_t n);
/* Appends s[0..n) so: valid UTF-8, as JSON and protobuf strings need. 0, -E2BIG or -ENOMEM. */
int jsonstr_add_utf8(struct tt_buf *b, const void *s, size_t n);

enum jsonstr_flags {
	/* bytes from 0x80 up are copied unchecked (the text is checked where it is written out) */
	JSONSTR_RAW = 1 << 0,
	/* \b and \f in their short forms rather than \u0008 and \u000c */
	JSONSTR_SHORT_BF = 1 << 1,
};

/*
 * Appends s[0..n) escaped as the body of a JSON string, without quotes: '"' and '\' escaped,
 * \n \r \t in short form, other control characters as \u00xx, DEL as it is, each byte that
 * starts no valid UTF-8 sequence as \ufffd. 0, or the first error of tt_buf_add() (what came
 * before it stays appended).
 */
int jsonstr_escape(struct tt_buf *b, const char *s, size_t n, unsigned int flags);
/*
 * Index of the quote that closes the JSON string whose body starts at s[i] (just after its
 * opening quote), or n when none does before n. Escapes are skipped, not checked.
 */
size_t jsonstr_end(const char *s, size_t n, size_t i);
/*
 * Appends the text of a string body s[0..n): \uXXXX as UTF-8 (a surrogate pair joined, a lone
 * surrogate as U+FFFD, \u0000 as a NUL byte), \b \f \n \r \t, any other escaped character as
 * itself ("\u" without four hex digits is "u"), a backslash ending s dropped. As much as fits
 * under b's cap: 0, -E2BIG when the cap cut it (what fit stays appended), -ENOMEM.
 */
int jsonstr_unescape(struct tt_buf *b, const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TT_JSONSTR_H */
