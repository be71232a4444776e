// SPDX-License-Identifier: MIT
/* body.c: content-coding decoders (gzip, deflate, br, zstd) and the message body reader. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>
#if defined(__x86_64__)
#endif

#include "body.h"
#include "limits.h"
#include "log.h"

#define STAGE_BUF	(16u * 1024)	/* output of one decoding step */
#define ZSTD_WLOG_MAX	23		/* RFC 8878: HTTP zstd windows are at most 8 MiB */

enum coding { COD_GZIP, COD_DEFLATE, COD_BR, COD_ZSTD };

struct stage {
	enum coding kind;
	bool init;		/* zlib stream initialised (deflate waits for two bytes) */
	bool ended;		/* the coded stream (or gzip member) is complete */
	bool fed;		/* saw input */
	unsigned char hdr[2];	/* deflate: first bytes, to tell zlib from raw */
	size_t nhdr;
	uint32_t crc;		/* gzip: CRC-32 of the current member's output so far */
	uint32_t isize;		/* gzip: its length mod 2^32 */
	unsigned char last[8];	/* gzip: the last 8 input bytes inflate consumed */
	z_stream z;
	BrotliDecoderState *br;
	ZSTD_DStream *zs;
	unsigned char *buf;
};

struct body_dec {
	size_t n;
	struct stage st[TT_MAX_CODINGS];
	size_t max_out;
	uint64_t out_bytes;
	int err;		/* sticky error */
	body_out_fn out;
	void *ctx;
};

static int coding_of(const char *s, size_t n, int *kind)
{
	static const struct {
		const char *name;
		int kind;
	} tab[] = {
		{ "gzip", COD_GZIP }, { "x-gzip", COD_GZIP }, { "deflate", COD_DEFLATE },
		{ "br", COD_BR }, { "zstd", COD_ZSTD }, { "identity", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strlen(tab[i].name) == n && !strncasecmp(s, tab[i].name, n)) {
			*kind = tab[i].kind;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

/*
 * gzip's CRC-32 (RFC 1952) is half of what inflating a gzip stream costs with zlib's own check
 * (zlib 1.2.13 computes it at ~3 GB/s, slower on the few hundred bytes a streaming server
 * flushes per event). The gzip stage therefore turns zlib's check off (inflateValidate) and
 * checks CRC and length itself with libdeflate's CRC-32, which folds with carry-less
 * multiplication where the CPU has it. The gzip header CRC (FHCRC, optional and unused by HTTP
 * servers) is not checked.
 */
static uint32_t gz_crc(uint32_t crc, const unsigned char *p, size_t n)
{
	return n ? libdeflate_crc32(crc, p, n) : crc;
}

/* Remembers the last 8 bytes inflate consumed: at the end of a member, its gzip trailer. */
static void gz_consumed(struct stage *s, const unsigned char *p, size_t n)
{
	if (n >= sizeof(s->last)) {
		memcpy(s->last, p + n - sizeof(s->last), sizeof(s->last));
	} else if (n) {
		memmove(s->last, s->last + n, sizeof(s->last) - n);
		memcpy(s->last + sizeof(s->last) - n, p, n);
	}
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A gzip member ended (inflate stops right after its trailer): CRC-32 and ISIZE. */
static int gz_member_end(struct stage *s)
{
	bool ok = le32(s->last) == s->crc && le32(s->last + 4) == s->isize;

	s->crc = 0;
	s->isize = 0;
	return ok ? 0 : -EBADMSG;
}

static int stage_init(struct stage *s, enum coding kind)
{
	s->kind = kind;
	s->buf = malloc(STAGE_BUF);
	if (!s->buf)
		return -ENOMEM;
	switch (kind) {
	case COD_GZIP:
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		s->init = true;
		/* CRC and length are checked here (gz_crc), faster than zlib does */
		if (inflateValidate(&s->z, 0) != Z_OK)
			return -EINVAL;
		return 0;
	case COD_DEFLATE:
		return 0;
	case COD_BR:
		s->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
		return s->br ? 0 : -ENOMEM;
	case COD_ZSTD:
		s->zs = ZSTD_createDStream();
		if (!s->zs)
			return -ENOMEM;
		if (ZSTD_isError(ZSTD_DCtx_setParameter(s->zs, ZSTD_d_windowLogMax, ZSTD_WLOG_MAX)))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static void stage_free(struct stage *s)
{
	if (s->init)
		inflateEnd(&s->z);
	if (s->br)
		BrotliDecoderDestroyInstance(s->br);
	if (s->zs)
		ZSTD_freeDStream(s->zs);
	free(s->buf);
}

void body_dec__free(struct body_dec *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		stage_free(&d->st[i]);
	free(d);
}

struct body_dec *body_dec__new(const char *encodings, size_t max_out)
{
	int kinds[TT_MAX_CODINGS], kind, err = 0;
	const char *p = encodings ? encodings : "", *e;
	struct body_dec *d;
	size_t n = 0, i, l;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; *e && *e != ',' && *e != ' ' && *e != '\t' && *e != ';'; e++)
			;
		l = (size_t)(e - p);
		if (l) {
			err = coding_of(p, l, &kind);
			if (err)
				goto fail;
			if (kind >= 0 && n == TT_MAX_CODINGS) {
				err = -E2BIG;
				goto fail;
			}
			if (kind >= 0)
				kinds[n++] = kind;
		}
		p = e;
		while (*p && *p != ',')
			p++;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		err = -ENOMEM;
		goto fail;
	}
	d->max_out = max_out;
	/* The last coding applied is the first to undo. */
	for (i = 0; i < n; i++) {
		d->n++;
		err = stage_init(&d->st[i], kinds[n - 1 - i]);
		if (err) {
			body_dec__free(d);
			goto fail;
		}
	}
	return d;
fail:
	errno = -err;
	return NULL;
}

static int push(struct body_dec *d, size_t i, const unsigned char *in, size_t n);

static int emit(struct body_dec *d, const unsigned char *p, size_t n)
{
	size_t room = d->max_out - d->out_bytes;
	int err;

	if (n > room) {
		err = room && d->out ? d->out(p, room, d->ctx) : 0;
		d->out_bytes += room;
		return err < 0 ? err : -E2BIG;
	}
	d->out_bytes += n;
	err = d->out ? d->out(p, n, d->ctx) : 0;
	return err < 0 ? err : 0;
}

static int run_zlib(struct body_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	z_stream *z = &s->z;
	const unsigned char *before;
	size_t made;
	int r, err;

	z->next_in = (unsigned char *)in;
	z->avail_in = (uInt)n;
	while (z->avail_in) {
		if (s->ended) {
			/* gzip allows several members; deflate data must end with its stream. */
			if (s->kind != COD_GZIP || inflateReset(z) != Z_OK)
				return -EBADMSG;
			s->ended = false;
		}
		do {
			before = z->next_in;
			z->next_out = s->buf;
			z->avail_out = STAGE_BUF;
			r = inflate(z, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
				return r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			made = STAGE_BUF - z->avail_out;
			if (s->kind == COD_GZIP) {
				gz_consumed(s, before, (size_t)(z->next_in - before));
				s->crc = gz_crc(s->crc, s->buf, made);
				s->isize += (uint32_t)made;
			}
			if (made) {
				err = push(d, i + 1, s->buf, made);
				if (err)
					return err;
			}
			/* the output goes out first: the same bytes whatever the input pieces */
			if (r == Z_STREAM_END && s->kind == COD_GZIP && gz_member_end(s))
				return -EBADMSG;
			if (r == Z_STREAM_END)
				s->ended = true;
		} while (r == Z_OK && !z->avail_out);
		if (r == Z_BUF_ERROR)
			break;
	}
	return 0;
}

/* deflate is zlib-wrapped (RFC 1950) or, from some servers, raw (RFC 1951). */
static int run_deflate(struct body_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	bool zlib;
	int err;

	if (s->init)
		return run_zlib(d, i, in, n);
	while (s->nhdr < 2 && n) {
		s->hdr[s->nhdr++] = *in++;
		n--;
	}
	if (s->nhdr < 2)
		return 0;
	zlib = (s->hdr[0] & 0x0f) == 8 && (s->hdr[0] >> 4) <= 7 &&
	       ((s->hdr[0] << 8) | s->hdr[1]) % 31 == 0;
	if (inflateInit2(&s->z, zlib ? MAX_WBITS : -MAX_WBITS) != Z_OK)
		return -ENOMEM;
	s->init = true;
	err = run_zlib(d, i, s->hdr, 2);
	return err ? err : run_zlib(d, i, in, n);
}

static int run_brotli(struct body_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	BrotliDecoderResult r;
	size_t avail_out, made;
	uint8_t *next_out;
	int err;

	if (s->ended)
		return n ? -EBADMSG : 0;
	do {
		next_out = s->buf;
		avail_out = STAGE_BUF;
		r = BrotliDecoderDecompressStream(s->br, &n, &in, &avail_out, &next_out, NULL);
		if (r == BROTLI_DECODER_RESULT_ERROR)
			return -EBADMSG;
		made = STAGE_BUF - avail_out;
		if (made) {
			err = push(d, i + 1, s->buf, made);
			if (err)
				return err;
		}
	} while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT);
	if (r == BROTLI_DECODER_RESULT_SUCCESS) {
		s->ended = true;
		if (n)
			return -EBADMSG;
	}
	return 0;
}

static int run_zstd(struct body_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	ZSTD_inBuffer ib = { in, n, 0 };
	ZSTD_outBuffer ob;
	size_t r;
	int err;

	do {
		ob.dst = s->buf;
		ob.size = STAGE_BUF;
		ob.pos = 0;
		r = ZSTD_decompressStream(s->zs, &ob, &ib);
		if (ZSTD_isError(r))
			return -EBADMSG;
		if (ob.pos) {
			err = push(d, i + 1, s->buf, ob.pos);
			if (err)
				return err;
		}
		s->ended = r == 0;
	} while (ib.pos < ib.size || ob.pos == ob.size);
	return 0;
}

static int push(struct body_dec *d, size_t i, const unsigned char *in, size_t n)
{
	if (i == d->n)
		return emit(d, in, n);
	d->st[i].fed = true;
	switch (d->st[i].kind) {
	case COD_GZIP:
		return run_zlib(d, i, in, n);
	case COD_DEFLATE:
		return run_deflate(d, i, in, n);
	case COD_BR:
		return run_brotli(d, i, in, n);
	case COD_ZSTD:
		return run_zstd(d, i, in, n);
	}
	return -EINVAL;
}

int body_dec__feed(struct body_dec *d, const void *in, size_t n, body_out_fn out, void *ctx)
{
	int err;

	if (d->err)
		return d->err;
	if (!n)
		return 0;
	d->out = out;
	d->ctx = ctx;
	err = push(d, 0, in, n);
	/* Output errors of the sink are not sticky; decoder errors and the cap are. */
	if (err == -EBADMSG || err == -E2BIG)
		d->err = err;
	return err;
}

int body_dec__finish(struct body_dec *d)
{
	size_t i;

	if (d->err)
		return d->err == -E2BIG ? 0 : d->err;
	for (i = 0; i < d->n; i++) {
		if (d->st[i].fed && !d->st[i].ended)
			return -ENODATA;
	}
	return 0;
}

size_t body_dec__codings(const struct body_dec *d)
{
	return d->n;
}

uint64_t body_dec__out_bytes(const struct body_dec *d)
{
	return d->out_bytes;
}

/* Media type of a Content-Type value, without parameters, compared case-insensitively. */
static bool media_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, type, n))
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !*ct || *ct == ';';
}

static enum http_body_kind kind_of(const char *ct)
{
	if (!ct)
		return HTTP_BODY_PLAIN;
	if (media_is(ct, "text/event-stream"))
		return HTTP_BODY_SSE;
	if (media_is(ct, "application/x-ndjson") || media_is(ct, "application/ndjson") ||
	    media_is(ct, "application/jsonl") || media_is(ct, "application/x-jsonlines"))
		return HTTP_BODY_NDJSON;
	return HTTP_BODY_PLAIN;
}

int body_reader__init(struct body_reader *r, struct http_message *m,
		      const struct body_limits *lim)
{
	const char *ce = http_headers_get(&m->headers, "content-encoding");

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->lim = *lim;
	m->kind = kind_of(http_headers_get(&m->headers, "content-type"));
	tt_buf_init(&r->body, lim->max_body);
	sse_parser__init(&r->sse, m->kind == HTTP_BODY_NDJSON ? SSE_MODE_NDJSON : SSE_MODE_SSE,
			 lim->max_event);
	r->dec = body_dec__new(ce, lim->max_body);
	if (!r->dec) {
		if (errno == ENOMEM)
			return -ENOMEM;
		tt_debug("body: cannot decode content-encoding \"%s\": %s", ce, strerror(errno));
		r->decode_error = true;
	}
	return 0;
}

static int add_event(const struct sse_event *ev, void *ctx)
{
	struct body_reader *r = ctx;
	struct http_message *m = r->m;
	struct http_event *e;
	size_t bytes = ev->data_len + ev->event_len + ev->id_len;

	if (m->n_events >= r->lim.max_events || bytes > r->lim.max_body - r->events_bytes) {
		r->truncated = true;
		return 0;
	}
	if (m->n_events == r->events_alloc) {
		size_t alloc = r->events_alloc ? r->events_alloc * 2 : 16;

		e = realloc(m->events, alloc * sizeof(*e));
		if (!e)
			return -ENOMEM;
		m->events = e;
		r->events_alloc = alloc;
	}
	e = &m->events[m->n_events];
	e->data = http_message__store(m, ev->data, ev->data_len);
	e->event = ev->event ? http_message__store(m, ev->event, ev->event_len) : NULL;
	e->id = ev->id ? http_message__store(m, ev->id, ev->id_len) : NULL;
	if (!e->data || (ev->event && !e->event) || (ev->id && !e->id))
		return -ENOMEM;	/* what was stored is freed with the message */
	e->data_len = ev->data_len;
	e->ts_ns = r->ts;
	m->n_events++;
	r->events_bytes += bytes;
	return 0;
}

/* Decoded bytes: kept as the body or split into events. */
static int decoded(const void *p, size_t n, void *ctx)
{
	struct body_reader *r = ctx;

	if (r->m->kind == HTTP_BODY_PLAIN)
		return tt_buf_add(&r->body, p, n) == -ENOMEM ? -ENOMEM : 0;
	return sse_parser__feed(&r->sse, p, n, add_event, r);
}

int body_reader__feed(struct body_reader *r, const void *p, size_t n, uint64_t ts)
{
	int err;

	r->ts = ts;
	if (r->broken || !n)
		return 0;
	if (!r->dec) {
		/* Unsupported coding: keep the raw bytes, up to the cap. */
		if (tt_buf_add_upto(&r->body, p, n) < (long)n)
			r->truncated = true;
		return 0;
	}
	err = body_dec__feed(r->dec, p, n, decoded, r);
	if (err == -E2BIG) {
		r->truncated = true;
		if (body_dec__codings(r->dec))
			r->decomp_capped = true;
		r->broken = true;
	} else if (err == -EBADMSG) {
		r->decode_error = true;
		r->broken = true;
	} else if (err) {
		return err;
	}
	return 0;
}

bool body_reader__coded(const struct body_reader *r)
{
	return r->dec && !r->broken && body_dec__codings(r->dec);
}

void body_reader__gap(struct body_reader *r)
{
	r->incomplete = true;
	if (r->broken)
		return;
	if (r->dec && body_dec__codings(r->dec)) {
		/* A compressed stream cannot be resumed past lost bytes. */
		r->broken = true;
		return;
	}
	if (r->m->kind != HTTP_BODY_PLAIN)
		sse_parser__gap(&r->sse);
}

int body_reader__finish(struct body_reader *r, uint64_t ts)
{
	struct http_message *m = r->m;
	int err;

	r->ts = ts;
	if (r->dec && !r->broken && body_dec__finish(r->dec) == -ENODATA)
		r->incomplete = true;
	if (m->kind != HTTP_BODY_PLAIN) {
		if (!r->broken) {
			err = sse_parser__finish(&r->sse, add_event, r);
			if (err)
				return err;
		}
		if (r->sse.n_oversize)
			r->truncated = true;
		return 0;
	}
	if (!tt_buf_cstr(&r->body))
		return -ENOMEM;
	m->body = (unsigned char *)tt_buf_steal(&r->body, &m->body_len);
	return m->body ? 0 : -ENOMEM;
}

void body_reader__free(struct body_reader *r)
{
	if (!r)
		return;
	body_dec__free(r->dec);
	r->dec = NULL;
	sse_parser__free(&r->sse);
	tt_buf_free(&r->body);
}
