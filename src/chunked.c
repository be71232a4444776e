// SPDX-License-Identifier: MIT
/* chunked.c: incremental decoder of the HTTP/1.1 chunked transfer coding. */
#include <errno.h>

#include "chunked.h"
#include "hex.h"
#include "tt_limits.h"

enum {
	CH_SIZE = 0,  /* first hex digit of a chunk size */
	CH_SIZE_MORE, /* more digits, extensions or the line end */
	CH_EXT,	      /* chunk extensions: skipped up to the LF */
	CH_SIZE_LF,   /* LF after CR */
	CH_DATA,
	CH_DATA_CR, /* CRLF after chunk data */
	CH_DATA_LF,
	CH_TRAILER, /* start of a trailer line or the final empty line */
	CH_TRAILER_LINE,
	CH_END_LF, /* LF of the final empty line */
	CH_DONE,
};

#define SIZE_MAX_BEFORE_SHIFT (UINT64_MAX >> 8) /* sizes above 2^56 are not real */

/* The size line ended: data follows, or the trailer section after the last chunk. */
static void size_line_done(struct chunked_dec *d)
{
	d->line = 0;
	d->state = d->remain ? CH_DATA : CH_TRAILER;
}

static int trailer_byte(struct chunked_dec *d, unsigned char c)
{
	if (++d->trailer_bytes > TT_MAX_HEADER_BYTES)
		return -E2BIG;
	if (d->trailers && tt_buf_addc(d->trailers, (char)c))
		return -E2BIG;
	return 0;
}

/* One framing byte (every state but CH_DATA). */
static int step(struct chunked_dec *d, unsigned char c)
{
	int v;

	if (d->state <= CH_SIZE_LF && ++d->line > TT_MAX_CHUNK_LINE)
		return -E2BIG;
	switch (d->state) {
	case CH_SIZE:
	case CH_SIZE_MORE:
		v = hex_digit(c);
		if (v >= 0) {
			if (d->remain > SIZE_MAX_BEFORE_SHIFT)
				return -EBADMSG;
			d->remain = d->remain << 4 | (uint64_t)v;
			d->state = CH_SIZE_MORE;
		} else if (d->state == CH_SIZE) {
			return -EBADMSG;
		} else if (c == ';' || c == ' ' || c == '\t') {
			d->state = CH_EXT;
		} else if (c == '\r') {
			d->state = CH_SIZE_LF;
		} else if (c == '\n') {
			size_line_done(d);
		} else {
			return -EBADMSG;
		}
		return 0;
	case CH_EXT:
		if (c == '\n')
			size_line_done(d);
		else if (c < ' ' && c != '\t' && c != '\r')
			return -EBADMSG;
		return 0;
	case CH_SIZE_LF:
		if (c != '\n')
			return -EBADMSG;
		size_line_done(d);
		return 0;
	case CH_DATA_CR:
		if (c == '\r')
			d->state = CH_DATA_LF;
		else if (c == '\n')
			d->state = CH_SIZE;
		else
			return -EBADMSG;
		return 0;
	case CH_DATA_LF:
		if (c != '\n')
			return -EBADMSG;
		d->state = CH_SIZE;
		return 0;
	case CH_TRAILER:
		if (c == '\r') {
			d->state = CH_END_LF;
			return 0;
		}
		if (c == '\n')
			goto done;
		d->state = CH_TRAILER_LINE;
		return trailer_byte(d, c);
	case CH_TRAILER_LINE:
		if (c == '\n')
			d->state = CH_TRAILER;
		return trailer_byte(d, c);
	case CH_END_LF:
		if (c != '\n')
			return -EBADMSG;
		goto done;
	default:
		return -EINVAL;
	}
done:
	d->state = CH_DONE;
	if (d->trailers && d->trailers->len && tt_buf_add(d->trailers, "\r\n", 2))
		return -E2BIG;
	return 0;
}

/*
 * A whole "HEX CRLF" size line at the start of p, parsed at once: its length, or 0 to go byte
 * by byte through step() (extensions, a bare LF, a line cut by the buffer, errors).
 */
static size_t size_line(struct chunked_dec *d, const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t j;
	int h;

	for (j = 0; j < n && j < 14 && (h = hex_digit(p[j])) >= 0; j++)
		v = v << 4 | (uint64_t)h;
	if (!j || n - j < 2 || p[j] != '\r' || p[j + 1] != '\n')
		return 0;
	d->remain = v;
	size_line_done(d);
	return j + 2;
}

long chunked_dec__feed(struct chunked_dec *d, const unsigned char *in, size_t len,
		       chunked_data_fn fn, void *ctx)
{
	size_t i = 0, n;
	int err;

	while (i < len && d->state != CH_DONE) {
		if (d->state == CH_SIZE && !d->line) {
			n = size_line(d, in + i, len - i);
			if (n) {
				i += n;
				continue;
			}
		} else if (d->state == CH_DATA_CR && len - i >= 2 && in[i] == '\r' &&
			   in[i + 1] == '\n') {
			d->state = CH_SIZE;
			i += 2;
			continue;
		}
		if (d->state != CH_DATA) {
			err = step(d, in[i++]);
			if (err)
				return err;
			continue;
		}
		n = len - i < d->remain ? len - i : (size_t)d->remain;
		err = fn ? fn(in + i, n, ctx) : 0;
		if (err < 0)
			return err;
		d->data_bytes += n;
		d->remain -= n;
		i += n;
		if (d->remain)
			continue;
		/* the CRLF after the data, when it is there already */
		if (len - i >= 2 && in[i] == '\r' && in[i + 1] == '\n') {
			d->state = CH_SIZE;
			i += 2;
		} else {
			d->state = CH_DATA_CR;
		}
	}
	return (long)i;
}

bool chunked_dec__done(const struct chunked_dec *d)
{
	return d->state == CH_DONE;
}

int chunked_dec__skip(struct chunked_dec *d, uint64_t lost)
{
	if (d->state != CH_DATA || lost > d->remain)
		return -EBADMSG;
	d->remain -= lost;
	if (!d->remain)
		d->state = CH_DATA_CR;
	return 0;
}
