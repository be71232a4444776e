/* SPDX-License-Identifier: MIT */
/* tlshello.h: the fields of a TLS ClientHello that name a connection (SNI, ALPN). */
#ifndef TT_TLSHELLO_H
#define TT_TLSHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tt_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a DNS name (RFC 6066: HostName is at most 2^16-1, but no DNS name is longer than this) */
#define TT_TLS_SNI_MAX	255
#define TT_TLS_ALPN_MAX 63 /* offered protocols, comma-separated, cut there */

struct tls_hello {
	uint16_t version; /* legacy_version of the hello (0x0303 for TLS 1.2/1.3) */
	bool tls13;	  /* supported_versions offers TLS 1.3 */
	bool has_sni;
	bool has_alpn;
	char sni[TT_TLS_SNI_MAX + 1];	/* server_name host_name, NUL-terminated */
	char alpn[TT_TLS_ALPN_MAX + 1]; /* "h2,http/1.1" */
};

/*
 * Parses the ClientHello at the start of p[0..n): a TLS handshake record (5-byte header) whose
 * first message is a ClientHello. Only the first record is read: a hello longer than one
 * record (16 KiB) is parsed as far as the record goes. Returns the bytes of the hello message
 * (record header included) when it was complete, TT_NEED_MORE when p ends before it does (the
 * fields found so far are filled in: the capture keeps only its first bytes), -EBADMSG when it
 * is no ClientHello or a length does not fit. A server_name that is not a plausible host name
 * (bytes other than letters, digits, '-', '_', '.') is ignored, never reported.
 */
int tls_hello_parse(const uint8_t *p, size_t n, struct tls_hello *out);

#ifdef __cplusplus
}
#endif
#endif /* TT_TLSHELLO_H */
