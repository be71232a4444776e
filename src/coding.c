// SPDX-License-Identifier: MIT
/* coding.c: content-coding decoders (gzip, deflate, br, zstd); the body reader is body_reader.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader, in the shared library too */
#include <zstd.h>

#include "buf.h"
#include "coding.h"
#include "tt_limits.h"
#include "log.h"

#define STAGE_BUF     (16u * 1024) /* output of one decoding step */
#define STAGE_MIN_OUT 8192u	   /* zlib: least room given to one inflate call */
#define ZSTD_WLOG_MAX 23	   /* RFC 8878: HTTP zstd windows are at most 8 MiB */
#define DEFLATE_WIN   32768u	   /* RFC 1951: distances reach at most 32 KiB back */
#define FAST_MIN_IN   2048u	   /* gzip pieces at least this long may take libdeflate */
#define FAST_MAX_IN   (1u << 20)   /* ... and at most this long */
#define FAST_MAX_OUT  (4u << 20)   /* largest output of one libdeflate call */
#define FAST_KEEP_OUT (1u << 20)   /* a larger output buffer is freed after its call */
#define FAST_FAILS    8		   /* candidates refused in a row before a stream stops trying */

enum coding { COD_GZIP, COD_DEFLATE, COD_BR, COD_ZSTD };

struct stage {
	enum coding kind;
	bool init;	      /* zlib stream initialised (deflate waits for two bytes) */
	bool ended;	      /* the coded stream (or gzip member) is complete */
	bool fed;	      /* saw input */
	unsigned char hdr[2]; /* deflate: first bytes, to tell zlib from raw */
	size_t nhdr;
	unsigned char zh[ZSTD_FRAMEHEADERSIZE_MAX]; /* zstd: the header of the next frame */
	size_t nzh;
	bool zin;	       /* zstd: its header went to libzstd */
	uint32_t crc;	       /* gzip: CRC-32 of the current member's output so far */
	uint32_t isize;	       /* gzip: its length mod 2^32 */
	unsigned char last[8]; /* gzip: the last 8 input bytes inflate consumed */
	size_t pos;	    /* zlib: output in buf (gzip: not in crc yet); calls fill it in turn */
	bool raw;	    /* gzip: zlib decodes the rest of this member as raw deflate */
	bool at_block;	    /* gzip: zlib used all its input and stopped at a block start */
	bool trailer;	    /* gzip (raw): collecting the member's 8-byte trailer */
	size_t ntr;	    /* bytes of it in last[] */
	unsigned fast_fail; /* flush candidates libdeflate refused in a row */
	z_stream z;
	BrotliDecoderState *br;
	ZSTD_DStream *zs;
	unsigned char *buf;
};

struct coding_dec {
	size_t n;
	size_t max_out;
	uint64_t out_bytes;
	int err;	  /* sticky error */
	size_t fast_min;  /* shortest gzip piece given to libdeflate */
	uint64_t fast_in; /* coded bytes libdeflate decoded */
	coding_out_fn out;
	void *ctx;
	struct stage st[]; /* n of them: most bodies have none */
};

static int coding_of(const char *s, size_t n, int *kind)
{
	static const struct {
		const char *name;
		int kind;
	} tab[] = {
		{ "gzip", COD_GZIP }, { "x-gzip", COD_GZIP }, { "deflate", COD_DEFLATE },
		{ "br", COD_BR },     { "zstd", COD_ZSTD },   { "identity", -1 },
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

/*
 * zlib's output accumulates in buf over inflate calls and, for gzip, goes into the CRC when buf
 * starts over (full, or the member ends): a streaming server's events inflate a few hundred
 * bytes at a time, and one CRC-32 call per event cost as much as a third of inflating them.
 */
static void out_restart(struct stage *s)
{
	if (s->kind == COD_GZIP) {
		s->crc = gz_crc(s->crc, s->buf, s->pos);
		s->isize += (uint32_t)s->pos;
	}
	s->pos = 0;
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

/*
 * What one stage holds besides its output buffer, for a byte budget: zlib's inflate state and
 * its 32 KiB window; brotli and zstd allocate windows as a stream asks (up to 16 and 8 MiB),
 * which this does not follow: a typical figure is counted.
 */
#define STATE_ZLIB  (8u * 1024 + DEFLATE_WIN)
#define STATE_OTHER (256u * 1024)

size_t coding_dec__state_bytes(const struct coding_dec *d)
{
	size_t i, n = sizeof(*d) + d->n * sizeof(d->st[0]);

	for (i = 0; i < d->n; i++) {
		n += STAGE_BUF;
		n += d->st[i].kind == COD_GZIP || d->st[i].kind == COD_DEFLATE ? STATE_ZLIB :
										 STATE_OTHER;
	}
	return n;
}

void coding_dec__free(struct coding_dec *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		stage_free(&d->st[i]);
	free(d);
}

struct coding_dec *coding_dec__new(const char *encodings, size_t max_out)
{
	int kinds[TT_MAX_CODINGS], kind, err = 0;
	const char *p = encodings ? encodings : "", *e;
	struct coding_dec *d;
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
	d = calloc(1, sizeof(*d) + n * sizeof(d->st[0]));
	if (!d) {
		err = -ENOMEM;
		goto fail;
	}
	d->max_out = max_out;
	d->fast_min = FAST_MIN_IN;
	/* The last coding applied is the first to undo. */
	for (i = 0; i < n; i++) {
		d->n++;
		err = stage_init(&d->st[i], kinds[n - 1 - i]);
		if (err) {
			coding_dec__free(d);
			goto fail;
		}
	}
	return d;
fail:
	errno = -err;
	return NULL;
}

static int push(struct coding_dec *d, size_t i, const unsigned char *in, size_t n);

/* Moves bytes of *in into buf until it holds want: true once it does. */
static bool take_bytes(unsigned char *buf, size_t *have, size_t want, const unsigned char **in,
		       size_t *n)
{
	size_t k = want - *have < *n ? want - *have : *n;

	memcpy(buf + *have, *in, k);
	*have += k;
	*in += k;
	*n -= k;
	return *have == want;
}

static int emit(struct coding_dec *d, const unsigned char *p, size_t n)
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

/*
 * The libdeflate fast path for gzip streams that are flushed as they are written.
 *
 * A streaming server flushes its gzip stream after every event (Z_SYNC_FLUSH): the deflate
 * stream then reaches a byte boundary and ends a block with an empty stored block, the bytes
 * 00 00 ff ff. libdeflate decodes about three times faster than zlib's inflate but takes whole
 * streams only, so a piece of coded input that starts where zlib stopped at a block start and
 * runs to the last such flush is handed to it as a stream of its own:
 *
 *   [stored block: the 32 KiB window zlib holds] [the piece] [empty final stored block]
 *
 * The window makes the piece's back-references resolve; the appended final block ends the
 * stream. libdeflate is strict about the end of its input (it fails rather than read past it),
 * so success with all input used leaves one way to be wrong: the 5 appended bytes read as the
 * end of a real block. A non-final block cannot do it (every header its end could leave in
 * those bytes is a reserved type or runs past the input); a real final block (the stream's
 * last) could, if it held 00 00 ff ff and its codes happened to decode the appended bits into
 * its end: the member's CRC-32 then fails and the exchange is flagged as a decode error, as
 * for any corrupt stream. Otherwise the cut is a real block end and the output between the
 * window and the end is exactly zlib's. Anything libdeflate refuses (a 00 00 ff ff inside a
 * block, a corrupt stream, output over FAST_MAX_OUT) goes to zlib, which then decides;
 * fuzz_body checks the two paths against each other.
 * zlib is resynchronised after each fast piece as a raw inflater holding the new window, and
 * the member's trailer is then checked here.
 */
struct fast_scratch {
	struct libdeflate_decompressor *dd;
	unsigned char *in, *out;
	size_t in_cap, out_cap;
};

/* Shared by every decoder of the thread: pieces are decoded one at a time. */
static __thread struct fast_scratch fast;

/* Length of p[0..n) up to the end of its last 00 00 ff ff, 0 if none. */
static size_t flush_end(const unsigned char *p, size_t n)
{
	const unsigned char *q;
	size_t k;

	while (n >= 4) {
		q = memrchr(p, 0xff, n);
		if (!q)
			return 0;
		k = (size_t)(q - p) + 1;
		if (k >= 4 && q[-1] == 0xff && !q[-2] && !q[-3])
			return k;
		n = k - 1;
	}
	return 0;
}

/* Length of p[0..n) up to the end of its first 00 00 ff ff, 0 if none. */
static size_t flush_first(const unsigned char *p, size_t n)
{
	const unsigned char *q = memmem(p, n, "\0\0\xff\xff", 4);

	return q ? (size_t)(q - p) + 4 : 0;
}

/*
 * Decodes in[0..c) (c: the last flush end of in[0..n)) with libdeflate. Returns c, 0 when the
 * piece is left to zlib, or a negative error of the output.
 */
static long gz_fast(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
{
	static const unsigned char final_block[5] = { 0x01, 0x00, 0x00, 0xff, 0xff };
	struct stage *s = &d->st[i];
	size_t c, wlen, len, made = 0, used = 0, want, keep;
	enum libdeflate_result r;
	uInt dl = DEFLATE_WIN;
	int err;

	c = flush_end(in, n);
	if (c < d->fast_min || c > FAST_MAX_IN)
		return 0;
	out_restart(s); /* zlib's output so far comes first in the CRC */
	if (!fast.dd && !(fast.dd = libdeflate_alloc_decompressor()))
		return 0;
	if (tt_ensure_mem((void **)&fast.in, &fast.in_cap, 1,
			  5 + DEFLATE_WIN + c + sizeof(final_block)))
		return 0;
	if (inflateGetDictionary(&s->z, fast.in + 5, &dl) != Z_OK)
		return 0;
	wlen = dl;
	fast.in[0] = 0x00; /* BFINAL 0, BTYPE 00 (stored) */
	fast.in[1] = (unsigned char)wlen;
	fast.in[2] = (unsigned char)(wlen >> 8);
	fast.in[3] = (unsigned char)~wlen;
	fast.in[4] = (unsigned char)(~wlen >> 8);
	memcpy(fast.in + 5 + wlen, in, c);
	memcpy(fast.in + 5 + wlen + c, final_block, sizeof(final_block));
	len = 5 + wlen + c + sizeof(final_block);
	want = wlen + (c < FAST_MAX_OUT / 16 ? 16 * c : FAST_MAX_OUT);
	for (;;) {
		if (want > FAST_MAX_OUT)
			want = FAST_MAX_OUT;
		if (tt_ensure_mem((void **)&fast.out, &fast.out_cap, 1, want))
			return 0;
		r = libdeflate_deflate_decompress_ex(fast.dd, fast.in, len, fast.out, fast.out_cap,
						     &used, &made);
		if (r != LIBDEFLATE_INSUFFICIENT_SPACE || fast.out_cap >= FAST_MAX_OUT)
			break;
		want = fast.out_cap * 4;
	}
	if (r != LIBDEFLATE_SUCCESS || used != len || made < wlen) {
		s->fast_fail++;
		return 0;
	}
	s->fast_fail = 0;
	/* zlib continues from the cut: a raw inflater holding the new window. */
	keep = made < DEFLATE_WIN ? made : DEFLATE_WIN;
	if (inflateReset2(&s->z, -MAX_WBITS) != Z_OK ||
	    inflateSetDictionary(&s->z, fast.out + made - keep, (uInt)keep) != Z_OK)
		return -EBADMSG;
	s->raw = true;
	made -= wlen;
	s->crc = gz_crc(s->crc, fast.out + wlen, made);
	s->isize += (uint32_t)made;
	d->fast_in += c;
	err = made ? push(d, i + 1, fast.out + wlen, made) : 0;
	if (fast.out_cap > FAST_KEEP_OUT) {
		free(fast.out);
		fast.out = NULL;
		fast.out_cap = 0;
	}
	return err ? err : (long)c;
}

/* Inflates in[0..n) with zlib: the bytes used (all, unless the stream ended), or an error. */
static long zlib_run(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	z_stream *z = &s->z;
	const unsigned char *before;
	size_t made;
	int r, err, type = 0;

	z->next_in = (unsigned char *)in;
	z->avail_in = (uInt)n;
	do {
		if (STAGE_BUF - s->pos < STAGE_MIN_OUT)
			out_restart(s);
		before = z->next_in;
		z->next_out = s->buf + s->pos;
		z->avail_out = (uInt)(STAGE_BUF - s->pos);
		r = inflate(z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		made = STAGE_BUF - s->pos - z->avail_out;
		/* a call without progress says nothing (zlib then leaves its block-start mode) */
		if (r != Z_BUF_ERROR)
			type = z->data_type;
		if (s->kind == COD_GZIP && !s->raw)
			gz_consumed(s, before, (size_t)(z->next_in - before));
		s->pos += made;
		if (made) {
			err = push(d, i + 1, s->buf + s->pos - made, made);
			if (err)
				return err;
		}
		if (r == Z_STREAM_END)
			out_restart(s);
		/* the output goes out first: the same bytes whatever the input pieces */
		if (r == Z_STREAM_END) {
			if (s->kind == COD_GZIP && s->raw) {
				s->trailer = true; /* zlib stops before it */
				s->ntr = 0;
			} else if (s->kind == COD_GZIP && gz_member_end(s)) {
				return -EBADMSG;
			} else {
				s->ended = true;
			}
			break;
		}
	} while (r == Z_OK && (z->avail_in || !z->avail_out));
	/* data_type 128: at a block header, no bits held, not in the last block */
	s->at_block = s->kind == COD_GZIP && r != Z_STREAM_END && !z->avail_in && type == 128;
	return (long)(z->next_in - in);
}

static int run_zlib(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	size_t take, k;
	long used;

	while (n) {
		if (s->trailer) {
			if (!take_bytes(s->last, &s->ntr, sizeof(s->last), &in, &n))
				break;
			s->trailer = false;
			if (gz_member_end(s))
				return -EBADMSG;
			s->ended = true;
			continue;
		}
		if (s->ended) {
			/* gzip allows several members; deflate data must end with its stream. */
			if (s->kind != COD_GZIP || inflateReset2(&s->z, 16 + MAX_WBITS) != Z_OK)
				return -EBADMSG;
			s->ended = false;
			s->raw = false;
			s->at_block = false;
		}
		take = n;
		/* libdeflate only on the last stage: its output lives in the shared scratch */
		if (s->kind == COD_GZIP && i + 1 == d->n && n >= d->fast_min &&
		    s->fast_fail < FAST_FAILS) {
			if (s->at_block) {
				used = gz_fast(d, i, in, n);
				if (used < 0)
					return (int)used;
				in += used;
				n -= (size_t)used;
				if (used)
					continue;
			} else {
				/* zlib up to the first flush, libdeflate from there */
				k = flush_first(in, n);
				if (k && n - k >= d->fast_min)
					take = k;
			}
		}
		used = zlib_run(d, i, in, take);
		if (used < 0)
			return (int)used;
		in += used;
		n -= (size_t)used;
		if (!used && !s->trailer && !s->ended)
			break; /* no progress: zlib wants output space it never lacks */
	}
	return 0;
}

/* deflate is zlib-wrapped (RFC 1950) or, from some servers, raw (RFC 1951). */
static int run_deflate(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	bool zlib;
	int err;

	if (s->init)
		return run_zlib(d, i, in, n);
	if (!take_bytes(s->hdr, &s->nhdr, sizeof(s->hdr), &in, &n))
		return 0;
	zlib = (s->hdr[0] & 0x0f) == 8 && (s->hdr[0] >> 4) <= 7 &&
	       ((s->hdr[0] << 8) | s->hdr[1]) % 31 == 0;
	if (inflateInit2(&s->z, zlib ? MAX_WBITS : -MAX_WBITS) != Z_OK)
		return -ENOMEM;
	s->init = true;
	err = run_zlib(d, i, s->hdr, 2);
	return err ? err : run_zlib(d, i, in, n);
}

static int run_brotli(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
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

/* Decodes in[0..n) up to the end of a frame: the bytes used, or an error. */
static long zstd_frame(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
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
	} while (!s->ended && (ib.pos < ib.size || ob.pos == ob.size));
	return (long)ib.pos;
}

/*
 * Each frame header is gathered here and given to libzstd whole. libzstd alone decoded or
 * failed the same bytes by how they were split (frames of zstd's pre-1.0 formats, frames naming
 * a dictionary: found by fuzz_body). The zstd content coding (RFC 8878) is zstd frames and
 * skippable frames without dictionaries; anything else is corrupt.
 */
static int run_zstd(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
{
	struct stage *s = &d->st[i];
	ZSTD_frameHeader h;
	long used;
	size_t r;

	while (n) {
		if (s->zin) {
			used = zstd_frame(d, i, in, n);
			if (used < 0)
				return (int)used;
			in += used;
			n -= (size_t)used;
			s->zin = !s->ended;
			continue;
		}
		/* as much of the header as its bytes so far say it has */
		s->ended = false;
		r = ZSTD_getFrameHeader(&h, s->zh, s->nzh);
		if (ZSTD_isError(r) || r > sizeof(s->zh))
			return -EBADMSG;
		if (!take_bytes(s->zh, &s->nzh, r, &in, &n))
			return 0;
		r = ZSTD_getFrameHeader(&h, s->zh, s->nzh);
		if (ZSTD_isError(r))
			return -EBADMSG;
		if (r)
			continue; /* its first bytes tell a longer header */
		if (h.frameType == ZSTD_frame && h.dictID)
			return -EBADMSG;
		used = zstd_frame(d, i, s->zh, s->nzh);
		if (used < 0)
			return (int)used;
		s->nzh = 0;
		s->zin = !s->ended;
	}
	return 0;
}

static int push(struct coding_dec *d, size_t i, const unsigned char *in, size_t n)
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

int coding_dec__feed(struct coding_dec *d, const void *in, size_t n, coding_out_fn out, void *ctx)
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

int coding_dec__finish(struct coding_dec *d)
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

size_t coding_dec__codings(const struct coding_dec *d)
{
	return d->n;
}

uint64_t coding_dec__out_bytes(const struct coding_dec *d)
{
	return d->out_bytes;
}

void coding_dec__set_fast_min(struct coding_dec *d, size_t n)
{
	d->fast_min = n ? n : 1;
}

uint64_t coding_dec__fast_bytes(const struct coding_dec *d)
{
	return d->fast_in;
}
