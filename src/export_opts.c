// SPDX-License-Identifier: MIT
/*
 * export_opts.c: the exporter's settings from the OpenTelemetry environment (OTLP endpoints,
 * headers, protocol, compression, timeout, metrics interval; service name, resource
 * attributes), the traces and metrics URLs, the percent-encoded key=value lists those use, the
 * retry backoff and the stats line. No I/O: export.c sends.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "export.h"
#include "hex.h"
#include "log.h"
#include "str.h"

static const char *env_get(char *(*get)(const char *), const char *a, const char *b)
{
	const char *v = get(a);

	if (!v || !*v)
		v = b ? get(b) : NULL;
	return v && *v ? v : NULL;
}

/* A positive number of ms (at most an hour) in *ms from t; -EINVAL (logged) when it is not. */
static int env_ms(const char *name, const char *t, unsigned int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(t, &end, 10);
	if (errno || *end || v <= 0 || v > 3600000) {
		tt_warn("export: %s=%s is not a number of ms", name, t);
		return -EINVAL;
	}
	*ms = (unsigned int)v;
	return 0;
}

int export_opts_from_env(struct export_opts *o, char *(*get)(const char *name))
{
	const char *t;
	int err = 0;

	if (!o->traces_endpoint)
		o->traces_endpoint = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", NULL);
	if (!o->metrics_endpoint)
		o->metrics_endpoint = env_get(get, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", NULL);
	t = env_get(get, "OTEL_METRICS_EXPORTER", NULL);
	if (t && !strcmp(t, "none"))
		o->no_otlp_metrics = true;
	t = env_get(get, "OTEL_METRIC_EXPORT_INTERVAL", NULL);
	if (!o->metrics_ms && t)
		err = env_ms("OTEL_METRIC_EXPORT_INTERVAL", t, &o->metrics_ms);
	if (!o->base_endpoint)
		o->base_endpoint = env_get(get, "OTEL_EXPORTER_OTLP_ENDPOINT", NULL);
	if (!o->headers)
		o->headers = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
				     "OTEL_EXPORTER_OTLP_HEADERS");
	if (!o->protocol)
		o->protocol = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
				      "OTEL_EXPORTER_OTLP_PROTOCOL");
	if (!o->compression)
		o->compression = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
					 "OTEL_EXPORTER_OTLP_COMPRESSION");
	if (!o->service_name)
		o->service_name = env_get(get, "OTEL_SERVICE_NAME", NULL);
	if (!o->resource_attrs)
		o->resource_attrs = env_get(get, "OTEL_RESOURCE_ATTRIBUTES", NULL);
	if (!o->ca_file)
		o->ca_file = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
				     "OTEL_EXPORTER_OTLP_CERTIFICATE");
	/* certificate and key come as a pair: a flag's pair is not mixed with the environment's */
	if (!o->client_cert && !o->client_key) {
		o->client_cert = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
					 "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
		o->client_key = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
					"OTEL_EXPORTER_OTLP_CLIENT_KEY");
	}
	t = env_get(get, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT");
	if (!o->timeout_ms && t)
		err = env_ms("OTEL_EXPORTER_OTLP_TIMEOUT", t, &o->timeout_ms) ?: err;
	return err;
}

/*
 * base + path, one slash between. The flag's URL may already name /v1/traces (keep_traces):
 * traces go there as is and metrics to its /v1/metrics.
 */
static int url_join(const char *base, bool keep_traces, const char *path, char *out, size_t len)
{
	size_t n = strlen(base);

	if (keep_traces && str_ends_with(base, n, "/v1/traces")) {
		if (!strcmp(path, "/v1/traces"))
			return snprintf(out, len, "%s", base) < (int)len ? 0 : -E2BIG;
		n -= strlen("/v1/traces");
	}
	while (n && base[n - 1] == '/')
		n--;
	return snprintf(out, len, "%.*s%s", (int)n, base, path) < (int)len ? 0 : -E2BIG;
}

static int url_pick(const char *flag, const char *signal, const char *base, const char *path,
		    char *out, size_t len)
{
	if (flag && *flag)
		return url_join(flag, true, path, out, len);
	if (signal && *signal)
		return snprintf(out, len, "%s", signal) < (int)len ? 0 : -E2BIG;
	if (base && *base)
		return url_join(base, false, path, out, len);
	return -ENOENT;
}

int export_resolve_url(const struct export_opts *o, char *out, size_t len)
{
	return url_pick(o->endpoint, o->traces_endpoint, o->base_endpoint, "/v1/traces", out, len);
}

int export_resolve_metrics_url(const struct export_opts *o, char *out, size_t len)
{
	if (o->no_otlp_metrics)
		return -ENOENT;
	return url_pick(o->endpoint, o->metrics_endpoint, o->base_endpoint, "/v1/metrics", out,
			len);
}

/* host[0..n) is a loopback address: localhost, [::1] or 127.x.y.z. */
static bool host_is_loopback(const char *host, size_t n)
{
	size_t i, dots = 0;

	if ((n == 9 && !strncasecmp(host, "localhost", 9)) ||
	    (n == 5 && !strncmp(host, "[::1]", 5)))
		return true;
	if (n < 7 || n > 15 || strncmp(host, "127.", 4))
		return false;
	for (i = 0; i < n; i++) {
		if (host[i] == '.')
			dots++;
		else if (host[i] < '0' || host[i] > '9')
			return false;
	}
	return dots == 3;
}

bool export_url_in_clear(const char *url)
{
	const char *host, *end, *at, *rb;
	size_t n;

	if (strncasecmp(url, "http://", 7))
		return false;
	host = url + 7;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1; /* user:password@ */
	if (*host == '[') {
		rb = memchr(host, ']', (size_t)(end - host));
		n = rb ? (size_t)(rb - host) + 1 : (size_t)(end - host);
	} else {
		n = strcspn(host, ":/?#");
	}
	return !host_is_loopback(host, n);
}

/* Trims and percent-decodes s[0..n) into a new string; NULL on a bad escape (errno EINVAL). */
static char *kv_decode(const char *s, size_t n)
{
	size_t i, o = 0;
	char *out;
	int v;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		v = i + 2 < n ? hex_byte(s + i + 1) : -1;
		if (v < 0) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		out[o++] = (char)v;
		i += 2;
	}
	out[o] = '\0';
	return out;
}

int export_parse_kv(const char *s, struct attr_list *out)
{
	const char *p = s, *comma, *eq;
	char *k = NULL, *v = NULL;
	int err = 0;

	while (!err && p && *p) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		eq = memchr(p, '=', comma - p);
		k = v = NULL;
		if (!eq) {
			/* blank items ("a=b,") are allowed, others are malformed */
			for (; p < comma && isspace((unsigned char)*p); p++)
				;
			err = p == comma ? 0 : -EINVAL;
		} else {
			k = kv_decode(p, eq - p);
			v = k ? kv_decode(eq + 1, comma - eq - 1) : NULL;
			if (!k || !v)
				err = errno == EINVAL ? -EINVAL : -ENOMEM;
			else if (!*k || strpbrk(k, "\r\n") || strpbrk(v, "\r\n"))
				err = -EINVAL;
			else
				err = attrs_set_str(out, k, v);
		}
		free(k);
		free(v);
		p = *comma ? comma + 1 : NULL;
	}
	if (err)
		attrs_free(out);
	return err;
}

unsigned int export_backoff_ms(unsigned int attempt, unsigned int base_ms, unsigned int max_ms,
			       long retry_after_s, uint32_t rnd)
{
	uint64_t d;

	if (retry_after_s >= 0) {
		d = (uint64_t)retry_after_s * 1000;
		return d > max_ms ? max_ms : (unsigned int)d;
	}
	d = base_ms;
	while (--attempt > 0 && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* jitter: anywhere in [d/2, d], so that many tracers do not retry in step */
	return (unsigned int)(d / 2 + (d - d / 2) * (rnd % 1001) / 1000);
}

int export_stats_format(const struct export_stats *st, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len,
		     "%" PRIu64 " spans: file %" PRIu64 " written, %" PRIu64
		     " write errors; http %" PRIu64 " sent, %" PRIu64 " rejected, %" PRIu64
		     " dropped (queue full), %" PRIu64 " unsent at exit, %" PRIu64
		     " requests, %" PRIu64 " retries; %" PRIu64 " too big; %" PRIu64
		     " trees; metrics %" PRIu64 " data points sent, %" PRIu64 " lost",
		     st->spans, st->file_spans, st->file_errors, st->http_sent, st->http_rejected,
		     st->http_dropped, st->http_unsent, st->http_requests, st->http_retries,
		     st->too_big, st->tree_traces, st->metrics_sent, st->metrics_lost);
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}
