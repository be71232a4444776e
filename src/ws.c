// SPDX-License-Identifier: MIT
/*
 * ws.c: WebSocket frames (RFC 6455) to messages, for either direction of a connection that
 * left HTTP/1.1 with 101 Switching Protocols. Pure and incremental: a frame may be split at any
 * byte. Client frames are masked and server frames are not; both are accepted either way, the
 * mask bit says which. Fragments are joined; control frames may come between them.
 * permessage-deflate (RFC 7692) messages are inflated as their payload arrives (raw deflate,
 * the 00 00 ff ff tail added at the message end), keeping the window across messages unless
 * the sender said no_context_takeover. Every message is capped and counted when cut.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "tt_limits.h"
#include "ws.h"

#define WS_SCRATCH 4096 /* payload bytes unmasked or inflated per step */

void ws_dec__init(struct ws_dec *d, size_t max_msg, const struct ws_deflate *dfl)
{
	memset(d, 0, sizeof(*d));
	d->max_msg = max_msg ? max_msg : TT_MAX_SSE_EVENT;
	if (dfl)
		d->dfl = *dfl;
	tt_buf_init(&d->msg, d->max_msg);
}

void ws_dec__free(struct ws_dec *d)
{
	if (!d)
		return;
	if (d->z_init)
		inflateEnd(d->z);
	free(d->z);
	d->z = NULL;
	d->z_init = false;
	tt_buf_free(&d->msg);
}

static int dec_fail(struct ws_dec *d, int err)
{
	d->err = err;
	return err;
}

/* Keeps what fits of out[0..n) in the message; the rest only marks it cut. */
static int msg_add(struct ws_dec *d, const void *p, size_t n)
{
	long r;

	if (d->msg_cut || !n) {
		d->msg_cut = d->msg_cut || n;
		return 0;
	}
	r = tt_buf_add_upto(&d->msg, p, n);
	if (r < 0)
		return (int)r;
	if ((size_t)r < n)
		d->msg_cut = true;
	return 0;
}

static int z_start(struct ws_dec *d)
{
	z_stream *z;

	if (d->z_init)
		return 0;
	z = d->z ? d->z : calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	d->z = z;
	if (inflateInit2(z, -15) != Z_OK)
		return -ENOMEM;
	d->z_init = true;
	return 0;
}

/*
 * A sender may end a message with a final block (BFINAL): the stream ends (the tail added
 * after it is no deflate data: RFC 7692 7.2.3.3 says to ignore it) but, with context
 * takeover, the next message still refers back to its window, so the window is carried over.
 */
static int z_restart(z_stream *z)
{
	unsigned char dict[32768];
	uInt len = sizeof(dict);

	if (inflateGetDictionary(z, dict, &len) != Z_OK || inflateReset(z) != Z_OK)
		return -EBADMSG;
	if (len && inflateSetDictionary(z, dict, len) != Z_OK)
		return -EBADMSG;
	return 0;
}

/* Inflates in[0..n) of the message being read into it (capped). */
static int z_feed(struct ws_dec *d, const unsigned char *in, size_t n)
{
	unsigned char out[WS_SCRATCH];
	z_stream *z = d->z;
	int zr, err;

	/* a cut message's window is needed only by the messages after it */
	if (d->z_end || (d->msg_cut && d->dfl.no_context_takeover))
		return 0;
	z->next_in = (Bytef *)in;
	z->avail_in = (uInt)n;
	do {
		z->next_out = out;
		z->avail_out = sizeof(out);
		zr = inflate(z, Z_SYNC_FLUSH);
		if (zr == Z_NEED_DICT || zr == Z_DATA_ERROR || zr == Z_MEM_ERROR ||
		    zr == Z_STREAM_ERROR)
			return -EBADMSG;
		err = msg_add(d, out, sizeof(out) - z->avail_out);
		if (err)
			return err;
		if (zr == Z_STREAM_END) {
			d->z_end = true;
			return z_restart(z);
		}
		if (zr == Z_BUF_ERROR)
			break; /* no progress possible: all input used, output flushed */
	} while (z->avail_in || !z->avail_out);
	return 0;
}

static int payload(struct ws_dec *d, const unsigned char *p, size_t n)
{
	if (d->op >= WS_OP_CLOSE) {
		memcpy(d->ctl + d->nctl, p, n); /* the header check bounds it to 125 */
		d->nctl += n;
		return 0;
	}
	if (d->msg_z)
		return z_feed(d, p, n);
	return msg_add(d, p, n);
}

static int deliver(struct ws_dec *d, int op, const unsigned char *p, size_t n, bool cut,
		   ws_msg_fn fn, void *ctx)
{
	struct ws_msg m = { .opcode = op, .data = p, .len = n, .cut = cut };

	m.compressed = op < WS_OP_CLOSE && d->msg_z;
	d->n_msgs++;
	if (cut)
		d->n_cut++;
	return fn ? fn(&m, ctx) : 0;
}

static int frame_end(struct ws_dec *d, ws_msg_fn fn, void *ctx)
{
	static const unsigned char tail[4] = { 0x00, 0x00, 0xff, 0xff };
	const char *s;
	int err;

	d->in_frame = false;
	d->nhdr = 0;
	if (d->op >= WS_OP_CLOSE) {
		d->ctl[d->nctl] = '\0';
		return deliver(d, d->op, d->ctl, d->nctl, false, fn, ctx);
	}
	if (!d->fin)
		return 0;
	if (d->msg_z && (err = z_feed(d, tail, sizeof(tail))))
		return err;
	s = tt_buf_cstr(&d->msg);
	if (!s)
		return -ENOMEM;
	err = deliver(d, d->msg_op, (const unsigned char *)s, d->msg.len, d->msg_cut, fn, ctx);
	if (d->msg_z && d->dfl.no_context_takeover && inflateReset(d->z) != Z_OK)
		err = err ? err : -EBADMSG;
	d->msg_op = 0;
	d->msg_z = false;
	d->z_end = false;
	d->msg_cut = false;
	tt_buf_reset(&d->msg);
	return err;
}

/* Header bytes this frame's header has, once its first two are known. */
static unsigned int hdr_need(const unsigned char *h)
{
	unsigned int len7 = h[1] & 0x7f;

	return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (h[1] & 0x80 ? 4 : 0);
}

/* The header in d->hdr is whole: checks it and sets up the frame. */
static int hdr_done(struct ws_dec *d)
{
	const unsigned char *h = d->hdr;
	unsigned int len7 = h[1] & 0x7f, i, k = 2;
	bool rsv1 = h[0] & 0x40;
	uint64_t len = len7;

	d->fin = h[0] & 0x80;
	d->op = h[0] & 0x0f;
	d->masked = h[1] & 0x80;
	if (h[0] & 0x30)
		return -EBADMSG; /* RSV2, RSV3: no extension here defines them */
	if (len7 >= 126) {
		len = 0;
		for (i = 0; i < (len7 == 126 ? 2u : 8u); i++)
			len = len << 8 | h[k++];
		if (len >> 63)
			return -EBADMSG;
	}
	if (d->masked)
		memcpy(d->mask, h + k, 4);
	switch (d->op) {
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!d->fin || len > 125 || rsv1)
			return -EBADMSG;
		d->nctl = 0;
		break;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (d->msg_op || (rsv1 && !d->dfl.on))
			return -EBADMSG;
		d->msg_op = d->op;
		d->msg_z = rsv1;
		if (rsv1 && z_start(d))
			return -ENOMEM;
		break;
	case WS_OP_CONT:
		if (!d->msg_op || rsv1)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	d->remain = len;
	d->pos = 0;
	d->in_frame = true;
	d->n_frames++;
	return 0;
}

/* Reads header bytes from p[0..n); returns those used or a negative error. */
static long hdr_read(struct ws_dec *d, const unsigned char *p, size_t n)
{
	size_t k = 0;
	int err;

	while (k < n && d->nhdr < 2)
		d->hdr[d->nhdr++] = p[k++];
	if (d->nhdr < 2)
		return (long)k;
	d->need = hdr_need(d->hdr);
	while (k < n && d->nhdr < d->need)
		d->hdr[d->nhdr++] = p[k++];
	if (d->nhdr == d->need && (err = hdr_done(d)))
		return err;
	return (long)k;
}

static long body_read(struct ws_dec *d, const unsigned char *p, size_t n)
{
	unsigned char buf[WS_SCRATCH];
	size_t k = n < d->remain ? n : (size_t)d->remain, i;
	int err;

	if (k > sizeof(buf))
		k = sizeof(buf);
	if (d->masked) {
		for (i = 0; i < k; i++)
			buf[i] = p[i] ^ d->mask[(d->pos + i) & 3];
		p = buf;
	}
	err = payload(d, p, k);
	if (err)
		return err;
	d->pos += k;
	d->remain -= k;
	return (long)k;
}

int ws_dec__feed(struct ws_dec *d, const void *buf, size_t n, ws_msg_fn fn, void *ctx)
{
	const unsigned char *p = buf;
	size_t off = 0;
	long r;
	int err;

	if (d->err)
		return d->err;
	while (off < n || (d->in_frame && !d->remain)) {
		if (d->in_frame && !d->remain) {
			err = frame_end(d, fn, ctx);
			if (err)
				return dec_fail(d, err);
			continue;
		}
		r = d->in_frame ? body_read(d, p + off, n - off) : hdr_read(d, p + off, n - off);
		if (r < 0)
			return dec_fail(d, (int)r);
		off += (size_t)r;
	}
	return 0;
}

/* One extension offer "name; p1; p2=v" of a list: the parameters when its name is name. */
static bool ext_params(const char *s, size_t n, const char *name, const char **params, size_t *plen)
{
	size_t i = 0, j;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	j = i;
	while (j < n && s[j] != ';' && s[j] != ' ' && s[j] != '\t')
		j++;
	if (j - i != strlen(name) || strncasecmp(s + i, name, j - i))
		return false;
	*params = s + j;
	*plen = n - j;
	return true;
}

static bool has_param(const char *p, size_t n, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; i + len <= n; i++) {
		if (!strncasecmp(p + i, name, len) &&
		    (i + len == n || p[i + len] == ';' || p[i + len] == ' ' || p[i + len] == '\t' ||
		     p[i + len] == '=') &&
		    (i == 0 || p[i - 1] == ';' || p[i - 1] == ' ' || p[i - 1] == '\t'))
			return true;
	}
	return false;
}

bool ws_parse_extensions(const char *hdr, struct ws_deflate *client, struct ws_deflate *server)
{
	const char *s = hdr, *comma, *params;
	size_t n, plen;

	memset(client, 0, sizeof(*client));
	memset(server, 0, sizeof(*server));
	while (s && *s) {
		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (ext_params(s, n, "permessage-deflate", &params, &plen)) {
			/* the server accepts one offer: the first one named is it */
			client->on = server->on = true;
			client->no_context_takeover =
				has_param(params, plen, "client_no_context_takeover");
			server->no_context_takeover =
				has_param(params, plen, "server_no_context_takeover");
			return true;
		}
		s = comma ? comma + 1 : NULL;
	}
	return false;
}
