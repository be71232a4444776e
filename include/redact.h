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
 * Recognised: OpenAI-style sk-... (sk-proj-, sk-ant-, sk-or-v1-, short ones holding a digit),
 * Stripe sk_live_/sk_test_/rk_live_/rk_test_, Google AIza... and ya29...., GitHub
 * ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_..., GitLab glpat-, Slack xox?-..., AWS AKIA.../ASIA...
 * and secret access keys (40 base64 characters, both cases and a digit), Hugging Face hf_,
 * Groq gsk_, xAI xai-, Perplexity pplx-, npm npm_, SendGrid SG., JWTs (eyJ...xxx.yyy), the value
 * after "Bearer " and after "Basic " when it decodes to user:password (any case), and all of
 * these percent-encoded (the whole encoded run is hidden). A match starts at a word boundary and
 * is always at least as long as REDACT_MARK, so redaction never grows a string. Linear.
 */

/* Redacts s[0..len) in place; returns the new length (<= len). Bytes past it are unchanged. */
size_t redact_mem(char *s, size_t len);
/* Redacts a NUL-terminated string in place; returns its new length. NULL-safe (returns 0). */
size_t redact_str(char *s);
/* True when s[0..len) holds something redact_mem() would replace (REDACT_MARK is not). */
bool redact_has_secret(const char *s, size_t len);

/*
 * Rules for any text taken from traced programs (command lines, scripts, LLM content, tool
 * arguments and results). Credentials become REDACT_MARK:
 *  - the value of a credential header, "Name: value" where Name names a secret (Authorization,
 *    x-api-key, Cookie...): to the end of the line (or of the quotes) when it starts one (a
 *    whole curl -H argument), else one word (two after an auth scheme: "Bearer xyz");
 *  - the value of an option naming a secret: --api-key V, --token=V, -password V, --pass V;
 *    user:password after -u, --user, --proxy-user (-ua:pw, --user=a:pw too); the password of
 *    mysql -ppw and sshpass -p pw, a cookie after curl -b (also inside an `sh -c` script);
 *  - the value of NAME=value (env, shell assignments, URL query parameters) whose NAME names
 *    a secret;
 *  - the password of a URL's user info (scheme://user:pw@host, or a long user that is a token);
 *  - the whole value (string, object, array, number) of a JSON member "name": value whose name
 *    names a secret, in plain or escaped (\") JSON found anywhere in the text;
 *  - then key-shaped strings (redact_mem()).
 * A name names a secret when one of its parts (split at punctuation and lower-to-upper case
 * changes: OPENAI_API_KEY, apiKey) is key(s), token, secret(s), password(s), pass, pw, auth,
 * cookie, session, credential(s), ..., or ends one (PGPASSWORD, PHPSESSID): whole parts, so
 * KEYBOARD or monkey stay readable; "tokens" only without a count word (max_tokens).
 */
bool redact_secret_name(const char *name, size_t len);
/* One text (a `sh -c` script, a header line, a message): a new string, NULL on -ENOMEM. */
char *redact_text(const char *s);
/*
 * redact_text() on at most cap bytes of s[0..len) (stops at a NUL), the result at most cap
 * bytes: the text is cut BEFORE it is redacted (the work is bounded by the cap), never inside a
 * word (whose head could be a key too short to be recognised). NULL on -ENOMEM.
 */
char *redact_text_cap(const char *s, size_t len, size_t cap);
/* argv in place (entries reallocated), also "-u user:pass" and "--token" "V"; 0 or -ENOMEM. */
int redact_argv(char **argv, size_t argc);
/*
 * url.full of a request: scheme://host[:port]/target without user info, with the values of
 * secret query parameters replaced. A new string, NULL on -ENOMEM.
 */
char *redact_url(const char *scheme, const char *host, const char *target);
/*
 * An id that works as a credential (Mcp-Session-Id) as it may leave: 16 hex digits of a hash
 * of id[0..len), equal for equal ids. A new string, NULL on -ENOMEM.
 */
char *redact_id(const char *id, size_t len);
/*
 * HTTP headers whose values never leave the HTTP layer: Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie, X-API-Key, API-Key, X-Goog-API-Key, X-Amz-Security-Token,
 * X-Amz-Content-Sha256 (case-insensitive). The name is kept:
 * later stages may key on it.
 */
bool redact_header_is_credential(const char *name, size_t len);
/* A header's value as the HTTP layer keeps it: REDACT_MARK for a credential, else a copy. */
char *redact_header_value(const char *name, size_t name_len, const char *value, size_t len);
/*
 * A copy of a request-target with credentials removed: user info of an absolute form, values
 * of the query (and fragment) parameters whose name names a secret (redact_secret_name()), and
 * key-shaped strings (redact_mem()) become REDACT_MARK. NULL on -ENOMEM (or -E2BIG).
 */
char *redact_target(const char *target, size_t len);
/*
 * A JSON text, json[0..len), that stays valid JSON: the value of a member whose name (also
 * \u-escaped) names a secret becomes "REDACTED" whole (a string, an object, an array, a number
 * unless the name counts: max_tokens); every other string value gets redact_text() on its
 * unescaped text (the JSON rules, recursively, when it holds JSON itself: tool arguments) and
 * is escaped again only when that changed it. Bytes outside strings are kept (or get
 * redact_text() when they hold words, the input not being JSON). Truncated JSON is fine.
 * A new string, NULL on -ENOMEM.
 */
char *redact_json(const char *json, size_t len);
/* Content of unknown shape s[0..len) (stops at a NUL): redact_json() when it starts like
 * JSON ('{' or '['), else redact_text(). A new string, NULL on -ENOMEM. */
char *redact_content(const char *s, size_t len);
/* redact_content() on s[0..len) cut to cap before (as redact_text_cap()), the result at most
 * cap bytes. NULL on -ENOMEM. */
char *redact_content_cap(const char *s, size_t len, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* TT_REDACT_H */
