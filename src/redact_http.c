// SPDX-License-Identifier: MIT
/*
 * redact_http.c: credentials in HTTP as the HTTP layer keeps and exports it: url.full and the
 * request-target (user info dropped, the values of query parameters whose name names a secret,
 * key shapes), and the values of credential headers.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "redact.h"
#include "redact_internal.h"

/* The first of '&', '#' and ';' in p[0..end), else end. */
static const char *param_end(const char *p, const char *end)
{
	while (p < end && *p != '&' && *p != '#' && *p != ';')
		p++;
	return p;
}

/*
 * The parameters of a query and fragment p[0..n) (after the '?'): the value of each one whose
 * name secret() names becomes REDACT_MARK. 0, -E2BIG or -ENOMEM.
 */
static int scrub_query(struct tt_buf *b, const char *p, size_t n,
		       bool (*secret)(const char *name, size_t len))
{
	const char *end = p + n, *amp, *eq;
	int err = 0;

	while (!err && p < end) {
		amp = param_end(p, end);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq && secret(p, (size_t)(eq - p))) {
			err = tt_buf_add(b, p, (size_t)(eq + 1 - p));
			err = err ?: tt_buf_addstr(b, REDACT_MARK);
		} else {
			err = tt_buf_add(b, p, (size_t)(amp - p));
		}
		if (!err && amp < end)
			err = tt_buf_addc(b, *amp);
		p = amp < end ? amp + 1 : end;
	}
	return err;
}

char *redact_url(const char *scheme, const char *host, const char *target)
{
	const char *t = target ? target : "", *auth, *at, *slash, *q;
	struct tt_buf b;
	char *out;

	tt_buf_init(&b, strlen(t) * MARK_LEN + (host ? strlen(host) : 0) + 64);
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		/* absolute-form (proxies): drop user info */
		auth = strstr(t, "//") + 2;
		slash = auth + strcspn(auth, "/?#");
		at = memrchr(auth, '@', slash - auth);
		tt_buf_add(&b, t, auth - t);
		t = at ? at + 1 : auth;
	} else {
		tt_buf_printf(&b, "%s://%s", scheme, host ? host : "");
		if (*t != '/' && *t)
			tt_buf_addc(&b, '/');
	}
	q = t + strcspn(t, "?#");
	if (*q) {
		tt_buf_add(&b, t, q + 1 - t);
		scrub_query(&b, q + 1, strlen(q + 1), redact_secret_name);
	} else {
		tt_buf_addstr(&b, t);
	}
	out = tt_buf_steal(&b, NULL);
	if (out)
		redact_str(out);
	return out;
}

/* ---- HTTP: header values and request-target queries, as the HTTP layer keeps them ---- */

bool redact_header_is_credential(const char *name, size_t len)
{
	static const char *const creds[] = {
		"authorization",
		"proxy-authorization",
		"cookie",
		"set-cookie",
		"x-api-key",
		"api-key",
		"x-goog-api-key",
		/*
		 * AWS SigV4 (Bedrock): the temporary credentials' session token, and the signed
		 * payload hash (with the signature it lets a leaked key be checked offline)
		 */
		"x-amz-security-token",
		"x-amz-content-sha256",
	};

	return redact_name_in(name, len, creds, sizeof(creds) / sizeof(creds[0]));
}

/*
 * One subprotocol of a Sec-WebSocket-Protocol list, t[0..n): a browser cannot set
 * Authorization on a WebSocket, so clients send the credential as a subprotocol whose dotted
 * parts name it ("openai-insecure-api-key.KEY", "base64url.bearer.authorization.k8s.io.TOKEN"):
 * the parts up to the one naming it stay, what follows becomes REDACT_MARK.
 */
static int scrub_subprotocol(struct tt_buf *b, const char *t, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j < n && t[j] != '.'; j++)
			;
		if (j < n && (redact_secret_name(t + i, j - i) ||
			      (j - i == 6 && !strncasecmp(t + i, "bearer", 6))))
			return tt_buf_add(b, t, j + 1) ?: tt_buf_addstr(b, REDACT_MARK);
		i = j + 1;
	}
	return tt_buf_add(b, t, n);
}

static char *scrub_subprotocols(const char *v, size_t len)
{
	const char *end = v + len, *comma;
	struct tt_buf b;
	int err = 0;

	tt_buf_init(&b, 9 * len + 16); /* each subprotocol grows by REDACT_MARK at most */
	while (!err && v < end) {
		comma = memchr(v, ',', (size_t)(end - v));
		if (!comma)
			comma = end;
		err = scrub_subprotocol(&b, v, (size_t)(comma - v));
		if (!err && comma < end)
			err = tt_buf_addc(&b, ',');
		v = comma + (comma < end);
	}
	if (err || !tt_buf_cstr(&b)) {
		tt_buf_free(&b);
		return NULL;
	}
	return tt_buf_steal(&b, NULL);
}

char *redact_header_value(const char *name, size_t name_len, const char *value, size_t len)
{
	if (redact_header_is_credential(name, name_len))
		return strdup(REDACT_MARK);
	if (name_len == 22 && !strncasecmp(name, "sec-websocket-protocol", 22))
		return scrub_subprotocols(value, len);
	return strndup(value, len);
}

char *redact_target(const char *target, size_t len)
{
	const char *t = target, *end = target + len, *auth, *at, *q;
	size_t path;
	struct tt_buf b;
	char *out;
	int err = 0;

	tt_buf_init(&b, 2 * len + 64);
	/* absolute-form (proxies): user info dropped */
	if ((len > 7 && !strncasecmp(t, "http://", 7)) ||
	    (len > 8 && !strncasecmp(t, "https://", 8))) {
		auth = (const char *)memchr(t, '/', len) + 2;
		at = auth;
		while (at < end && *at != '/' && *at != '?' && *at != '#')
			at++;
		at = memrchr(auth, '@', (size_t)(at - auth));
		err = tt_buf_add(&b, t, (size_t)(auth - t));
		t = at ? at + 1 : auth;
	}
	q = memchr(t, '?', (size_t)(end - t));
	if (!q)
		q = memchr(t, '#', (size_t)(end - t));
	path = q ? (size_t)(q - t) + 1 : (size_t)(end - t);
	/* the query, and a fragment (an OAuth access_token) too */
	err = err ?: tt_buf_add(&b, t, path);
	err = err ?: scrub_query(&b, t + path, (size_t)(end - t) - path, redact_secret_name);
	if (err) {
		tt_buf_free(&b);
		return NULL;
	}
	out = tt_buf_steal(&b, &len);
	if (out)
		out[redact_mem(out, len)] = '\0';
	return out;
}

/*
 * A 64-bit FNV-1a over the id, then the splitmix64 finaliser, so that close ids (counters) give
 * unrelated hashes. Not reversible, and stable across runs: equal ids still correlate spans.
 */
char *redact_id(const char *id, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char *out;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)id[i]) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	if (asprintf(&out, "%016" PRIx64, h) < 0)
		return NULL;
	return out;
}
