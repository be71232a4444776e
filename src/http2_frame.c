// SPDX-License-Identifier: MIT
/*
 * http2_frame.c: the HTTP/2 frame codec: frame headers, the fragment of a frame payload, the
 * rules a frame header must keep, and whether bytes look like frames at all. No state.
 */
#include <errno.h>

#include "http2.h"

long h2_parse_frame_header(const uint8_t *p, size_t n, struct h2_frame_hdr *f)
{
	if (n < H2_FRAME_HEADER_LEN)
		return TT_NEED_MORE;
	f->len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	f->type = p[3];
	f->flags = p[4];
	/* the reserved bit is ignored */
	f->stream = (uint32_t)(p[5] & 0x7f) << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 |
		    p[8];
	return H2_FRAME_HEADER_LEN;
}

int h2_frame_fragment(const struct h2_frame_hdr *f, const uint8_t *payload, const uint8_t **frag,
		      size_t *frag_len)
{
	size_t off = 0, pad = 0;

	switch (f->type) {
	case H2_DATA:
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
		if (f->flags & H2_F_PADDED) {
			if (!f->len)
				return -EBADMSG;
			pad = payload[0];
			off = 1;
		}
		if (f->type == H2_HEADERS && (f->flags & H2_F_PRIORITY))
			off += 5;
		if (f->type == H2_PUSH_PROMISE)
			off += 4;
		if (off + pad > f->len)
			return -EBADMSG;
		break;
	default:
		break;
	}
	*frag = payload + off;
	*frag_len = f->len - off - pad;
	return 0;
}

int h2_frame_check(const struct h2_frame_hdr *f, uint32_t max_len)
{
	bool ok;

	if (f->len > max_len)
		return -E2BIG;
	switch (f->type) {
	case H2_DATA:
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
	case H2_CONTINUATION:
		ok = f->stream;
		break;
	case H2_PRIORITY:
		ok = f->stream && f->len == 5;
		break;
	case H2_RST_STREAM:
		ok = f->stream && f->len == 4;
		break;
	case H2_SETTINGS:
		ok = !f->stream && !(f->len % 6) && (!(f->flags & H2_F_ACK) || !f->len);
		break;
	case H2_PING:
		ok = !f->stream && f->len == 8;
		break;
	case H2_GOAWAY:
		ok = !f->stream && f->len >= 8;
		break;
	case H2_WINDOW_UPDATE:
		ok = f->len == 4;
		break;
	default:
		ok = true;
		break;
	}
	return ok ? 0 : -EBADMSG;
}

static const uint8_t known_flags[] = {
	[H2_DATA] = H2_F_END_STREAM | H2_F_PADDED,
	[H2_HEADERS] = H2_F_END_STREAM | H2_F_END_HEADERS | H2_F_PADDED | H2_F_PRIORITY,
	[H2_PRIORITY] = 0,
	[H2_RST_STREAM] = 0,
	[H2_SETTINGS] = H2_F_ACK,
	[H2_PUSH_PROMISE] = H2_F_END_HEADERS | H2_F_PADDED,
	[H2_PING] = H2_F_ACK,
	[H2_GOAWAY] = 0,
	[H2_WINDOW_UPDATE] = 0,
	[H2_CONTINUATION] = H2_F_END_HEADERS,
};

bool h2_frame_plausible(const uint8_t *p, uint32_t max_len)
{
	struct h2_frame_hdr f;

	h2_parse_frame_header(p, H2_FRAME_HEADER_LEN, &f);
	/* a block's continuation cannot be told apart from noise without its start */
	if (f.type >= H2_CONTINUATION || (f.flags & ~known_flags[f.type]) || (p[5] & 0x80))
		return false;
	return !h2_frame_check(&f, max_len);
}

enum h2_sniff h2_sniff(const uint8_t *p, size_t n)
{
	struct h2_frame_hdr f;

	if (n < H2_FRAME_HEADER_LEN)
		return H2_SNIFF_MORE;
	if (!h2_frame_plausible(p, H2_DEFAULT_FRAME))
		return H2_SNIFF_NO;
	h2_parse_frame_header(p, n, &f);
	if (n >= 2 * H2_FRAME_HEADER_LEN + f.len &&
	    !h2_frame_plausible(p + H2_FRAME_HEADER_LEN + f.len, H2_DEFAULT_FRAME))
		return H2_SNIFF_NO;
	if (f.type == H2_SETTINGS && !(f.flags & H2_F_ACK))
		return H2_SNIFF_SERVER_PREFACE;
	return H2_SNIFF_FRAMES;
}
