// SPDX-License-Identifier: MIT
/* str.c: C strings, and arrays of them (process arguments, attribute values). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

bool str_ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

void strv_free(char **v, size_t n)
{
	while (v && n--)
		free(v[n]);
	free(v);
}

int str_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

char **strv_dup(const char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof(*out));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		out[i] = strdup(v[i] ? v[i] : "");
		if (!out[i]) {
			strv_free(out, i);
			errno = ENOMEM;
			return NULL;
		}
	}
	return out;
}

char **strv_split(const char *s, size_t len, size_t *n)
{
	size_t i, k = 0, start;
	char **out;

	for (i = 0; i < len; i++)
		k += !s[i];
	if (len && s[len - 1])
		k++; /* the last string cut without its NUL */
	out = calloc(k ? k : 1, sizeof(*out));
	if (!out)
		return NULL;
	k = 0;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && s[i])
			continue;
		if (i == len && i == start)
			break;
		out[k] = strndup(s + start, i - start);
		if (!out[k]) {
			strv_free(out, k);
			errno = ENOMEM;
			return NULL;
		}
		k++;
		start = i + 1;
	}
	*n = k;
	return out;
}
