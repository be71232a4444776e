// SPDX-License-Identifier: MIT
/* capfile.c: capture file writer and reader. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "capfile.h"
#include "tt_limits.h"
#include "log.h"
#include "outfile.h"
#include "tt_abi.h"

#define CAP_HDR_SIZE (8 + 4 + 4 + 8 + 8 + TT_CAP_HOST_LEN + 4 + 4)

struct capfile_writer {
	FILE *f;
	int err;
};

struct capfile_reader {
	FILE *f;
	unsigned char *buf;
	size_t alloc;
	uint64_t offset;
};

static void put32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

struct capfile_writer *capfile_writer__open(const char *path, const struct capfile_header *h)
{
	unsigned char hdr[CAP_HDR_SIZE] = { 0 };
	struct capfile_writer *w;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = outfile_fopen(path);
	if (!w->f) {
		int err = errno;

		free(w);
		errno = err;
		return NULL;
	}
	memcpy(hdr, TT_CAP_MAGIC, 8);
	put32(hdr + 8, CAP_HDR_SIZE);
	put32(hdr + 12, h->abi);
	put64(hdr + 16, h->boot_ns);
	put64(hdr + 24, h->real_ns);
	memcpy(hdr + 32, h->host, strnlen(h->host, TT_CAP_HOST_LEN));
	put32(hdr + 32 + TT_CAP_HOST_LEN, h->flags);
	if (fwrite(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr)) {
		fclose(w->f);
		free(w);
		errno = EIO;
		return NULL;
	}
	return w;
}

int capfile_writer__write(struct capfile_writer *w, const void *rec, size_t size)
{
	unsigned char len[4];

	if (w->err)
		return w->err;
	if (size > TT_CAP_MAX_RECORD)
		return -E2BIG;
	put32(len, (uint32_t)size);
	if (fwrite(len, 1, 4, w->f) != 4 || fwrite(rec, 1, size, w->f) != size)
		w->err = -(errno ? errno : EIO);
	return w->err;
}

int capfile_writer__flush(struct capfile_writer *w)
{
	if (!w->err && fflush(w->f))
		w->err = -errno;
	return w->err;
}

int capfile_writer__close(struct capfile_writer *w)
{
	int err;

	if (!w)
		return 0;
	capfile_writer__flush(w);
	err = w->err;
	if (fclose(w->f) && !err)
		err = -errno;
	free(w);
	return err;
}

/* Reads and drops n bytes of f; 0, or -1 when f ends first. */
static int skip_bytes(FILE *f, size_t n)
{
	unsigned char buf[256];
	size_t k;

	while (n) {
		k = n < sizeof(buf) ? n : sizeof(buf);
		if (fread(buf, 1, k, f) != k)
			return -1;
		n -= k;
	}
	return 0;
}

struct capfile_reader *capfile_reader__open(const char *path, struct capfile_header *h)
{
	unsigned char hdr[CAP_HDR_SIZE];
	struct capfile_reader *r;
	uint32_t hsize;
	int err = EBADMSG;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->f = fopen(path, "rb");
	if (!r->f) {
		err = errno;
		goto fail;
	}
	if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr) || memcmp(hdr, TT_CAP_MAGIC, 8)) {
		tt_warn("capfile: %s: not a tracetree-bpf capture file", path);
		goto fail;
	}
	hsize = get32(hdr + 8);
	/* the rest of a longer header read, not sought: a capture may come through a pipe */
	if (hsize < CAP_HDR_SIZE || hsize > 4096 || skip_bytes(r->f, hsize - CAP_HDR_SIZE)) {
		tt_warn("capfile: %s: bad header size %u", path, hsize);
		goto fail;
	}
	memset(h, 0, sizeof(*h));
	h->abi = get32(hdr + 12);
	h->boot_ns = get64(hdr + 16);
	h->real_ns = get64(hdr + 24);
	memcpy(h->host, hdr + 32, TT_CAP_HOST_LEN - 1);
	h->flags = get32(hdr + 32 + TT_CAP_HOST_LEN);
	if (h->abi != TT_ABI_VERSION) {
		tt_warn("capfile: %s: record ABI %u, this build reads %u", path, h->abi,
			TT_ABI_VERSION);
		goto fail;
	}
	r->offset = hsize;
	return r;
fail:
	if (r->f)
		fclose(r->f);
	free(r);
	errno = err;
	return NULL;
}

int capfile_reader__next(struct capfile_reader *r, const void **rec, size_t *size)
{
	unsigned char len[4];
	size_t n, got;

	got = fread(len, 1, 4, r->f);
	if (got == 0 && feof(r->f))
		return 0;
	if (got != 4)
		goto short_read;
	n = get32(len);
	if (n > TT_CAP_MAX_RECORD) {
		tt_warn("capfile: record of %zu bytes at offset %llu exceeds the cap", n,
			(unsigned long long)r->offset);
		return -EBADMSG;
	}
	if (tt_ensure_mem((void **)&r->buf, &r->alloc, 1, n))
		return -ENOMEM;
	if (fread(r->buf, 1, n, r->f) != n)
		goto short_read;
	r->offset += 4 + n;
	*rec = r->buf;
	*size = n;
	return 1;
short_read:
	if (ferror(r->f))
		return -EIO;
	tt_warn("capfile: truncated record at offset %llu", (unsigned long long)r->offset);
	return -EBADMSG;
}

void capfile_reader__close(struct capfile_reader *r)
{
	if (!r)
		return;
	fclose(r->f);
	free(r->buf);
	free(r);
}
