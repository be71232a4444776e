// SPDX-License-Identifier: MIT
/* test_tls.c: what the TLS programs decide from bytes, in the kernel: whether an opened path is
 * a TLS library (bpf/tlslib.bpf.h), which AEAD calls carry TLS application data and how many
 * of a record's bytes are that data (bpf/tlscap.bpf.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpf_test.h"
#include "test.h"

/* Runs is_tls_lib on path[0..len); -1 when the run failed. */
static int tls_lib(struct helpers *s, const char *path, size_t len)
{
	memset(s->bss->lib_io.path, 'x', sizeof(s->bss->lib_io.path));
	memcpy(s->bss->lib_io.path, path, len < TT_PATH_MAX ? len : TT_PATH_MAX);
	s->bss->lib_io.len = len;
	s->bss->lib_io.yes = 7;
	if (!ASSERT_OK(bpf_test__run(s->progs.tls_lib), "run"))
		return -1;
	return s->bss->lib_io.yes;
}

void test_tls_lib_name(void)
{
	static const struct {
		const char *path;
		int want;
	} cases[] = {
		{ "/usr/lib/x86_64-linux-gnu/libssl.so.3", 1 },
		{ "/lib/x86_64-linux-gnu/libssl.so", 1 },
		{ "libssl.so.3", 1 },				/* no directory */
		{ "lib/libssl.so.3", 1 },			/* relative */
		{ "/usr/lib/libssl3.so", 1 },			/* NSS's libssl */
		{ "/usr/lib/libnspr4.so", 1 },
		{ "/usr/lib/x86_64-linux-gnu/libgnutls.so.30", 1 },
		{ "/usr/lib/libssl", 1 },			/* the name alone */
		{ "/usr/lib/libgnutls.so.30.34.3.4567", 1 },	/* a last part of 25 bytes */
		{ "/usr/lib/libgnutls.so.30.34.3.45678", 0 },	/* 26: too far from the end */
		{ "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", 0 },
		{ "/usr/lib/libss.so", 0 },
		{ "/usr/lib/libgnutl.so", 0 },
		{ "/usr/lib/libnspr.so", 0 },
		{ "/usr/lib/xlibssl.so", 0 },			/* not at the start of the name */
		{ "/opt/libssl/lib.so", 0 },			/* a directory, not the file */
		{ "/usr/lib/LIBSSL.so", 0 },
		{ "libss", 0 },					/* shorter than any name */
		{ "", 0 },
	};
	struct helpers *s = bpf_test__load();
	char path[TT_PATH_MAX + 8], name[64];
	size_t i;

	if (!s)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "case_%zu", i);
		if (!test__start_subtest(name))
			continue;
		ASSERT_EQ(tls_lib(s, cases[i].path, strlen(cases[i].path)), cases[i].want,
			  cases[i].path);
	}
	if (test__start_subtest("longest_path")) {
		/* TT_PATH_MAX - 1 bytes, the most openat's record holds */
		memset(path, 'd', TT_PATH_MAX - 1);
		memcpy(path + TT_PATH_MAX - 1 - strlen("/libssl.so.3"), "/libssl.so.3", 12);
		ASSERT_EQ(tls_lib(s, path, TT_PATH_MAX - 1), 1, "255 bytes");
		ASSERT_EQ(tls_lib(s, path, TT_PATH_MAX), 0, "256 bytes: no room for the NUL");
		ASSERT_EQ(tls_lib(s, path, 1u << 31), 0, "length past the buffer");
	}
	helpers__destroy(s);
}

/* The AEAD helpers on ad[0..ad_len) and a record's plaintext p[0..n) of kind rec_kind. */
static bool aead(struct helpers *s, const void *ad, size_t ad_len, const void *p, size_t n,
		 __u32 rec_kind)
{
	s->bss->aead_io.ad = (uintptr_t)ad;
	s->bss->aead_io.ad_len = ad_len;
	s->bss->aead_io.p = (uintptr_t)p;
	s->bss->aead_io.n = n;
	s->bss->aead_io.rec_kind = rec_kind;
	s->bss->aead_io.kind = 7;
	s->bss->aead_io.app_len = 7;
	return ASSERT_OK(bpf_test__run(s->progs.aead), "run");
}

void test_aead_kind(void)
{
	static const struct {
		const char *name;
		__u8 ad[13];
		size_t len;
		int want;	/* 12, 13: AEAD_TLS12 / AEAD_TLS13, 0: none */
	} cases[] = {
		{ "tls13_app_data", { 0x17, 0x03, 0x03, 0x40, 0x11 }, 5, 13 },
		{ "tls13_handshake", { 0x16, 0x03, 0x03, 0x00, 0x20 }, 5, 0 },
		{ "tls13_alert", { 0x15, 0x03, 0x03, 0x00, 0x13 }, 5, 0 },
		{ "tls13_old_version", { 0x17, 0x03, 0x01, 0x00, 0x20 }, 5, 0 },
		{ "tls12_app_data", { 1, 2, 3, 4, 5, 6, 7, 8, 0x17, 0x03, 0x03, 0x00, 0x20 }, 13, 12 },
		{ "tls12_handshake", { 0, 0, 0, 0, 0, 0, 0, 0, 0x16, 0x03, 0x03, 0x00, 0x10 }, 13, 0 },
		{ "tls12_tls10", { 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0x03, 0x01, 0x00, 0x10 }, 13, 0 },
		{ "app_data_len_4", { 0x17, 0x03, 0x03, 0x40 }, 4, 0 },
		{ "app_data_len_6", { 0x17, 0x03, 0x03, 0x40, 0x11, 0 }, 6, 0 },
		{ "tls12_len_12", { 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0x03, 0x03, 0x00 }, 12, 0 },
		{ "no_ad", { 0 }, 0, 0 },
	};
	const struct consts *c;
	struct helpers *s = bpf_test__load();
	size_t i;

	if (!s)
		return;
	c = &s->rodata->consts;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name) ||
		    !aead(s, cases[i].ad, cases[i].len, NULL, 0, 0))
			continue;
		ASSERT_EQ(s->bss->aead_io.kind, cases[i].want == 13 ? c->aead_tls13 :
			  cases[i].want == 12 ? c->aead_tls12 : 0, cases[i].name);
	}
	if (test__start_subtest("unreadable_ad") && aead(s, (void *)8, 5, NULL, 0, 0))
		ASSERT_EQ(s->bss->aead_io.kind, 0, "ad at address 8");
	helpers__destroy(s);
}

void test_aead_app_len(void)
{
	struct helpers *s = bpf_test__load();
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const struct consts *c;
	__u8 *rec, *end;
	size_t max;

	if (!s)
		return;
	c = &s->rodata->consts;
	max = c->aead_rec_max;
	/* records end right before an unmapped page: a read past the last byte faults */
	rec = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(rec != MAP_FAILED, "mmap") ||
	    !ASSERT_OK(mprotect(rec + 7 * page, page, PROT_NONE), "mprotect"))
		goto out;
	end = rec + 7 * page;
	memset(rec, 'a', 7 * page);
	if (test__start_subtest("tls13_app_data")) {
		end[-1] = 0x17;
		if (aead(s, NULL, 0, end - 100, 100, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 99, "content type byte left out");
	}
	if (test__start_subtest("tls13_handshake")) {
		end[-1] = 0x16;
		if (aead(s, NULL, 0, end - 100, 100, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "handshake");
	}
	if (test__start_subtest("tls13_alert")) {
		end[-1] = 0x15;
		if (aead(s, NULL, 0, end - 2, 2, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "alert");
	}
	if (test__start_subtest("tls13_type_only")) {
		end[-1] = 0x17;
		if (aead(s, NULL, 0, end - 1, 1, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "no data before the type");
	}
	if (test__start_subtest("tls13_largest")) {
		end[-1] = 0x17;
		if (aead(s, NULL, 0, end - max, max, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, max - 1, "AEAD_REC_MAX");
		if (aead(s, NULL, 0, end - max - 1, max + 1, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "AEAD_REC_MAX + 1");
	}
	if (test__start_subtest("tls13_unreadable")) {
		if (aead(s, NULL, 0, end, 1, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "type byte on the unmapped page");
	}
	if (test__start_subtest("tls12")) {
		/* the type is in the header: the plaintext is all data, not even read */
		if (aead(s, NULL, 0, end, 100, c->aead_tls12))
			ASSERT_EQ(s->bss->aead_io.app_len, 100, "100 bytes");
		if (aead(s, NULL, 0, end, max, c->aead_tls12))
			ASSERT_EQ(s->bss->aead_io.app_len, max, "AEAD_REC_MAX");
		if (aead(s, NULL, 0, end, max + 1, c->aead_tls12))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "AEAD_REC_MAX + 1");
	}
	if (test__start_subtest("empty")) {
		if (aead(s, NULL, 0, end - 1, 0, c->aead_tls13))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "tls13");
		if (aead(s, NULL, 0, end - 1, 0, c->aead_tls12))
			ASSERT_EQ(s->bss->aead_io.app_len, 0, "tls12");
	}
out:
	if (rec != MAP_FAILED)
		munmap(rec, 8 * page);
	helpers__destroy(s);
}
