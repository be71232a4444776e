/* SPDX-License-Identifier: MIT */
/* redact.h: credentials (key-like strings, secret options, headers, variables) become REDACTED. */
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

/*
 * Rules for any text taken from traced programs (command lines, scripts, LLM content, tool
 * arguments and results). Credentials become REDACT_MARK:
 *  - the value of a credential header, "Name: value" where Name names a secret (Authorization,
 *    x-api-key, Cookie...): to the end of the line (or of the quotes) when it starts one (a
 *    whole curl -H argument), else one word (two after an auth scheme: "Bearer xyz");
 *  - the value of an option naming a secret: --api-key V, --token=V, -password V;
 *  - the value of NAME=value (env, shell assignments) whose NAME names a secret;
 *  - then key-shaped strings (redact_mem()).
 * A name names a secret when one of its parts (split at punctuation and lower-to-upper case
 * changes: OPENAI_API_KEY, apiKey) is key, token, secret, password, auth, cookie, ...: whole
 * parts, so max_tokens or KEYBOARD stay readable.
 */
bool redact_secret_name(const char *name, size_t len);
/* One text (a `sh -c` script, a header line, a message): a new string, NULL on -ENOMEM. */
char *redact_text(const char *s);
/* argv in place (entries reallocated), also "-u user:pass" and "--token" "V"; 0 or -ENOMEM. */
int redact_argv(char **argv, size_t argc);
/*
 * url.full of a request: scheme://host[:port]/target without user info, with the values of
 * secret query parameters replaced. A new string, NULL on -ENOMEM.
 */
char *redact_url(const char *scheme, const char *host, const char *target);
/*
 * HTTP headers whose values never leave the HTTP layer: Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie, X-API-Key, API-Key, X-Goog-API-Key (case-insensitive). The name is kept:
 * later stages may key on it.
 */
bool redact_header_is_credential(const char *name, size_t len);
/* A header's value as the HTTP layer keeps it: REDACT_MARK for a credential, else a copy. */
char *redact_header_value(const char *name, size_t name_len, const char *value, size_t len);
/*
 * A copy of a request-target with credentials removed: values of the query parameters key,
 * api_key, apikey, access_token and token, and key-shaped strings (redact_mem()), become
 * REDACT_MARK. NULL on -ENOMEM (or -E2BIG: a target of many empty secret parameters).
 */
char *redact_target(const char *target, size_t len);
/*
 * A JSON text, json[0..len), that stays valid JSON: the string value of a member whose name
 * names a secret becomes "REDACTED"; every other string value gets redact_text() on its
 * unescaped text (the JSON rules, recursively, when it holds JSON itself: tool arguments) and
 * is escaped again only when that changed it. Bytes outside strings are kept (or get
 * redact_text() when they hold words, the input not being JSON). Truncated JSON is fine.
 * A new string, NULL on -ENOMEM.
 */
char *redact_json(const char *json, size_t len);
/* Content of unknown shape s[0..len) (stops at a NUL): redact_json() when it starts like
 * JSON ('{' or '['), else redact_text(). A new string, NULL on -ENOMEM. */
char *redact_content(const char *s, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* TT_REDACT_H */
