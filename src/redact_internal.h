/* SPDX-License-Identifier: MIT */
/* redact_internal.h: what the files of redaction (redact*.c) share. */
#ifndef TT_REDACT_INTERNAL_H
#define TT_REDACT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "redact.h"

#define MARK_LEN (sizeof(REDACT_MARK) - 1)

static inline bool redact_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Whether a[0..len) is an argument that is a whole option naming a secret ("--token", not
 * "--token=V" nor text with blanks): the next argument (or array item) is its value.
 */
bool redact_secret_option(const char *a, size_t len);
/*
 * Where a text of len bytes may be cut to at most cap: not inside a word, whose head alone
 * could be a key too short to be recognised (the cut drops it).
 */
size_t redact_safe_cut(const char *s, size_t len, size_t cap);
/* Whether name[0..len) is one of list[0..n), case-insensitively. */
bool redact_name_in(const char *name, size_t len, const char *const *list, size_t n);
/* Whether a part of name counts something (max_tokens, promptTokenCount): a number, kept. */
bool redact_count_name(const char *name, size_t len);

#endif /* TT_REDACT_INTERNAL_H */
