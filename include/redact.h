/* SPDX-License-Identifier: MIT */
/* redact.h: replaces key-like strings (API keys, tokens, JWTs, Bearer values) with REDACTED. */
#ifndef TT_REDACT_H
#define TT_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REDACT_MARK "REDACTED"

/*
 * Recognised: OpenAI-style sk-... (sk-proj-, sk-ant-, sk-or-v1-), Google AIza..., GitHub
 * ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_..., Slack xox?-..., AWS AKIA..., Hugging Face hf_...,
 * JWTs (eyJ...xxx.yyy), and the value after "Bearer " (any case). A match starts at a word
 * boundary and is always at least as long as REDACT_MARK, so redaction never grows a string.
 */

/* Redacts s[0..len) in place; returns the new length (<= len). Bytes past it are unchanged. */
size_t redact_mem(char *s, size_t len);
/* Redacts a NUL-terminated string in place; returns its new length. NULL-safe (returns 0). */
size_t redact_str(char *s);
/* True when s[0..len) holds something redact_mem() would replace. */
bool redact_has_secret(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_REDACT_H */
