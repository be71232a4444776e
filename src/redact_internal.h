/* SPDX-License-Identifier: MIT */
/* redact_internal.h: what the text rules (redact.c) share with the JSON walker (redact_json.c). */
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

#endif /* TT_REDACT_INTERNAL_H */
