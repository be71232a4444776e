// SPDX-License-Identifier: MIT
/* tlshello.c: SNI and ALPN from the bytes of a TLS ClientHello (RFC 8446 4.1.2, RFC 6066 3). */
#include <errno.h>
#include <string.h>

#include "tlshello.h"

#define TLS_REC_HANDSHAKE   22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN	    16
#define TLS_EXT_VERSIONS    43
#define TLS_SNI_HOST_NAME   0

/*
 * A bounded reader over one hello: end is where the hello says it ends, avail where the bytes
 * we have end (<= end). Reading past end is a malformed hello, past avail a short capture.
 */
struct cur {
	const uint8_t *p;
	size_t off, avail, end;
};

#define CUR_SHORT 1 /* internal: the bytes end before the field does */

static int cur_need(const struct cur *c, size_t k)
{
	if (k > c->end - c->off)
		return -EBADMSG;
	return k > c->avail - c->off ? CUR_SHORT : 0;
}

static unsigned int get8(struct cur *c)
{
	return c->p[c->off++];
}

static unsigned int get16(struct cur *c)
{
	unsigned int v = (unsigned int)c->p[c->off] << 8 | c->p[c->off + 1];

	c->off += 2;
	return v;
}

/* A sub-reader over the next len bytes of c (which must be declared inside c). */
static struct cur cur_sub(const struct cur *c, size_t len)
{
	struct cur s = { .p = c->p, .off = c->off, .end = c->off + len, .avail = c->avail };

	if (s.avail > s.end)
		s.avail = s.end;
	return s;
}

/* Skips a vector with a len_bytes (1 or 2) length prefix; min/max bound its length. */
static int skip_vec(struct cur *c, size_t len_bytes, size_t min, size_t max)
{
	size_t len;
	int err;

	err = cur_need(c, len_bytes);
	if (err)
		return err;
	len = len_bytes == 1 ? get8(c) : get16(c);
	if (len < min || len > max)
		return -EBADMSG;
	err = cur_need(c, len);
	if (err)
		return err;
	c->off += len;
	return 0;
}

/* Opens the vector that fills extension c: a len_bytes (1 or 2) length, at least min bytes. */
static int ext_vec(struct cur *c, size_t len_bytes, size_t min)
{
	size_t len;

	if (c->end - c->off < len_bytes)
		return -EBADMSG;
	len = len_bytes == 1 ? get8(c) : get16(c);
	return len == c->end - c->off && len >= min ? 0 : -EBADMSG;
}

static bool host_char(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.';
}

/* server_name: a list of (type, name); the first host_name is the one (RFC 6066 allows one). */
static int ext_sni(struct cur c, struct tls_hello *h)
{
	unsigned int type;
	size_t len, i;

	if (ext_vec(&c, 2, 3))
		return -EBADMSG;
	while (c.off < c.end) {
		if (c.end - c.off < 3)
			return -EBADMSG;
		type = get8(&c);
		len = get16(&c);
		if (!len || len > c.end - c.off)
			return -EBADMSG;
		if (type == TLS_SNI_HOST_NAME && !h->has_sni && len <= TT_TLS_SNI_MAX) {
			for (i = 0; i < len && host_char(c.p[c.off + i]); i++)
				;
			if (i == len) {
				memcpy(h->sni, c.p + c.off, len);
				h->sni[len] = '\0';
				h->has_sni = true;
			}
		}
		c.off += len;
	}
	return 0;
}

/* ALPN: a list of non-empty protocol names, each with a one-byte length. */
static int ext_alpn(struct cur c, struct tls_hello *h)
{
	size_t len, used = 0, i;

	if (ext_vec(&c, 2, 2))
		return -EBADMSG;
	while (c.off < c.end) {
		len = get8(&c);
		if (!len || len > c.end - c.off)
			return -EBADMSG;
		/* printable names only, and whole ones: the text stays readable and bounded */
		for (i = 0; i < len && c.p[c.off + i] > 0x20 && c.p[c.off + i] < 0x7f &&
			    c.p[c.off + i] != ',';
		     i++)
			;
		if (i == len && used + (used ? 1 : 0) + len <= TT_TLS_ALPN_MAX) {
			if (used)
				h->alpn[used++] = ',';
			memcpy(h->alpn + used, c.p + c.off, len);
			used += len;
			h->alpn[used] = '\0';
			h->has_alpn = true;
		}
		c.off += len;
	}
	return 0;
}

/* supported_versions (client form): a list of two-byte versions. */
static int ext_versions(struct cur c, struct tls_hello *h)
{
	if (ext_vec(&c, 1, 2) || (c.end - c.off) % 2)
		return -EBADMSG;
	while (c.off < c.end)
		if (get16(&c) == 0x0304)
			h->tls13 = true;
	return 0;
}

/* The extensions block: each one whole, exactly filling the block. */
static int parse_exts(struct cur *c, struct tls_hello *h)
{
	unsigned int type;
	struct cur e;
	size_t len;
	int err;

	while (c->off < c->end) {
		err = cur_need(c, 4);
		if (err)
			return err;
		type = get16(c);
		len = get16(c);
		err = cur_need(c, len);
		if (err)
			return err;
		e = cur_sub(c, len);
		if (type == TLS_EXT_SERVER_NAME)
			err = ext_sni(e, h);
		else if (type == TLS_EXT_ALPN)
			err = ext_alpn(e, h);
		else if (type == TLS_EXT_VERSIONS)
			err = ext_versions(e, h);
		if (err)
			return err;
		c->off += len;
	}
	return 0;
}

/* The hello body after its handshake header: version, random, ids, suites, extensions. */
static int parse_body(struct cur *c, struct tls_hello *h)
{
	struct cur x;
	size_t len;
	int err;

	err = cur_need(c, 2 + 32);
	if (err)
		return err;
	h->version = get16(c);
	if (h->version >> 8 != 3)
		return -EBADMSG;
	c->off += 32;		     /* random */
	err = skip_vec(c, 1, 0, 32); /* legacy_session_id */
	if (!err)
		err = skip_vec(c, 2, 2, 0xfffe); /* cipher_suites */
	if (!err)
		err = skip_vec(c, 1, 1, 0xff); /* legacy_compression_methods */
	if (err)
		return err;
	if (c->off == c->end)
		return 0; /* no extensions (SSL 3.0 style) */
	err = cur_need(c, 2);
	if (err)
		return err;
	len = get16(c);
	if (len != c->end - c->off)
		return -EBADMSG;
	x = cur_sub(c, len);
	err = parse_exts(&x, h);
	if (err)
		return err;
	c->off = x.off;
	return 0;
}

int tls_hello_parse(const uint8_t *p, size_t n, struct tls_hello *out)
{
	size_t rec_len, hs_len, end, avail;
	struct cur c;
	int err;

	memset(out, 0, sizeof(*out));
	if (n < 5)
		return n && p[0] != TLS_REC_HANDSHAKE ? -EBADMSG : TT_NEED_MORE;
	rec_len = (size_t)p[3] << 8 | p[4];
	if (p[0] != TLS_REC_HANDSHAKE || p[1] != 3 || rec_len < 4 || rec_len > 16384 + 2048)
		return -EBADMSG;
	if (n < 9)
		return n > 5 && p[5] != TLS_HS_CLIENT_HELLO ? -EBADMSG : TT_NEED_MORE;
	hs_len = (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8];
	if (p[5] != TLS_HS_CLIENT_HELLO || hs_len < 2 + 32 + 1 + 2 + 2 + 1)
		return -EBADMSG;
	/* a hello longer than its record goes on in the next one: the record ends what we have,
	 * as the end of the capture does */
	end = 9 + hs_len;
	avail = n < 5 + rec_len ? n : 5 + rec_len;
	c = (struct cur){ .p = p, .off = 9, .end = end, .avail = avail < end ? avail : end };
	err = parse_body(&c, out);
	if (err == CUR_SHORT)
		return TT_NEED_MORE;
	return err ? err : (int)end;
}
