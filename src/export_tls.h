/* SPDX-License-Identifier: MIT */
/* export_tls.h: the TLS material of OTLP/HTTP (CA bundle, client certificate and key). */
#ifndef TT_EXPORT_TLS_H
#define TT_EXPORT_TLS_H

#include <curl/curl.h>

#include "export.h"

/* PEM files read once at start (before the tracer drops its privileges), held in memory. */
struct export_tls {
	struct curl_blob ca;   /* empty: the system's CA store */
	struct curl_blob cert; /* empty: no client certificate */
	struct curl_blob key;
};

/*
 * Reads o's ca_file, client_cert and client_key (each at most TT_MAX_EXPORT_PEM bytes). 0, or
 * -errno with the file named in the log (a certificate without its key is -EINVAL).
 */
int export_tls__load(struct export_tls *t, const struct export_opts *o);
/* Sets them on a handle: only t->ca is trusted when given, the certificate and key offered. */
void export_tls__apply(const struct export_tls *t, CURL *c);
/* Wipes and frees what __load read. */
void export_tls__free(struct export_tls *t);

#endif /* TT_EXPORT_TLS_H */
