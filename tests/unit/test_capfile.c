// SPDX-License-Identifier: MIT
/* test_capfile.c: capture file round trip and malformed files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capfile.h"
#include "tt_limits.h"
#include "records.h"
#include "test.h"
#include "tt_abi.h"

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/tt-test-%s-%d.ttcap", tag, getpid());
}

static size_t make_data(unsigned char *buf, uint32_t len, uint64_t pos, unsigned char fill)
{
	struct tt_data d = { 0 };

	d.h.type = TT_REC_DATA;
	d.h.abi = TT_ABI_VERSION;
	d.h.size = sizeof(d) + len;
	d.h.ts_ns = 1000 + pos;
	d.h.pid = 42;
	d.h.tid = 43;
	strcpy(d.h.comm, "curl");
	d.conn = 0xdeadbeef;
	d.pos = pos;
	d.call_len = len;
	d.len = len;
	d.dir = TT_DIR_READ;
	d.fd = 7;
	memcpy(buf, &d, sizeof(d));
	memset(buf + sizeof(d), fill, len);
	return sizeof(d) + len;
}

void test_capfile_round_trip(void)
{
	struct capfile_header h = { .abi = TT_ABI_VERSION, .boot_ns = 123, .real_ns = 456 };
	static unsigned char recs[3][sizeof(struct tt_data) + TT_CHUNK];
	size_t sizes[3], size;
	struct capfile_header got;
	struct capfile_writer *w;
	struct capfile_reader *r;
	const void *rec;
	char path[128];
	int i, ret;

	tmp_path(path, sizeof(path), "rt");
	strcpy(h.host, "node-1");
	sizes[0] = make_data(recs[0], 0, 0, 0);
	sizes[1] = make_data(recs[1], 100, 0, 'a');
	sizes[2] = make_data(recs[2], TT_CHUNK, 100, 'b');
	w = capfile_writer__open(path, &h);
	if (!ASSERT_OK_PTR(w, "writer open"))
		return;
	for (i = 0; i < 3; i++)
		ASSERT_OK(capfile_writer__write(w, recs[i], sizes[i]), "write");
	ASSERT_OK(capfile_writer__close(w), "close");

	r = capfile_reader__open(path, &got);
	if (!ASSERT_OK_PTR(r, "reader open"))
		goto out;
	ASSERT_EQ(got.abi, TT_ABI_VERSION, "abi");
	ASSERT_EQ(got.boot_ns, 123, "boot_ns");
	ASSERT_EQ(got.real_ns, 456, "real_ns");
	ASSERT_STREQ(got.host, "node-1", "host");
	for (i = 0; i < 3; i++) {
		ret = capfile_reader__next(r, &rec, &size);
		if (!ASSERT_EQ(ret, 1, "next"))
			break;
		ASSERT_MEMEQ(rec, size, recs[i], sizes[i], "record bytes");
		ASSERT_EQ(tt_rec_validate(rec, size), TT_REC_DATA, "validates");
	}
	ASSERT_EQ(capfile_reader__next(r, &rec, &size), 0, "end of file");
	capfile_reader__close(r);
out:
	unlink(path);
}

void test_capfile_truncated(void)
{
	struct capfile_header h = { .abi = TT_ABI_VERSION };
	unsigned char rec[sizeof(struct tt_data) + 50];
	struct capfile_writer *w;
	struct capfile_reader *r;
	const void *p;
	char path[128];
	size_t size, n;
	long len;
	FILE *f;

	tmp_path(path, sizeof(path), "trunc");
	n = make_data(rec, 50, 0, 'x');
	w = capfile_writer__open(path, &h);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	ASSERT_OK(capfile_writer__write(w, rec, n), "write 1");
	ASSERT_OK(capfile_writer__write(w, rec, n), "write 2");
	ASSERT_OK(capfile_writer__close(w), "close");
	/* cut the second record in half, as a crash mid-write would */
	f = fopen(path, "r+");
	if (!ASSERT_OK_PTR(f, "reopen"))
		goto out;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fclose(f);
	ASSERT_OK(truncate(path, len - 30), "truncate");
	r = capfile_reader__open(path, &h);
	if (!ASSERT_OK_PTR(r, "reader"))
		goto out;
	ASSERT_EQ(capfile_reader__next(r, &p, &size), 1, "first intact");
	ASSERT_EQ(capfile_reader__next(r, &p, &size), -EBADMSG, "second truncated");
	capfile_reader__close(r);
out:
	unlink(path);
}

void test_capfile_bad_files(void)
{
	static const unsigned char garbage[] = "GET / HTTP/1.1\r\n\r\nnot a capture";
	unsigned char big[64] = "TTCAPv1\n";
	struct capfile_header h;
	char path[128];
	FILE *f;

	tmp_path(path, sizeof(path), "bad");
	ASSERT_NULL(capfile_reader__open(test__absent_path("x.ttcap"), &h), "missing file");
	ASSERT_EQ(errno, ENOENT, "errno ENOENT");

	f = fopen(path, "w");
	fwrite(garbage, 1, sizeof(garbage), f);
	fclose(f);
	ASSERT_NULL(capfile_reader__open(path, &h), "not a capture");

	/* right magic, absurd header size */
	big[8] = 0xff;
	big[9] = 0xff;
	f = fopen(path, "w");
	fwrite(big, 1, sizeof(big), f); /* 128 bytes: longer than a header */
	fwrite(big, 1, sizeof(big), f);
	fclose(f);
	ASSERT_NULL(capfile_reader__open(path, &h), "bad header size");
	unlink(path);
}

void test_capfile_oversized_record(void)
{
	struct capfile_header h = { .abi = TT_ABI_VERSION };
	struct capfile_writer *w;
	struct capfile_reader *r;
	unsigned char len[4] = { 0xff, 0xff, 0xff, 0x7f };
	const void *p;
	char path[128];
	size_t size;
	FILE *f;

	tmp_path(path, sizeof(path), "big");
	w = capfile_writer__open(path, &h);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	ASSERT_EQ(capfile_writer__write(w, "x", TT_CAP_MAX_RECORD + 1), -E2BIG, "writer cap");
	ASSERT_OK(capfile_writer__close(w), "close");
	f = fopen(path, "a");
	fwrite(len, 1, 4, f);
	fclose(f);
	r = capfile_reader__open(path, &h);
	if (!ASSERT_OK_PTR(r, "reader"))
		goto out;
	ASSERT_EQ(capfile_reader__next(r, &p, &size), -EBADMSG, "reader cap");
	capfile_reader__close(r);
out:
	unlink(path);
}
