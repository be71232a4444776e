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
		{ "libssl.so.3", 1 },	      /* no directory */
		{ "lib/libssl.so.3", 1 },     /* relative */
		{ "/usr/lib/libssl3.so", 1 }, /* NSS's libssl */
		{ "/usr/lib/libnspr4.so", 1 },
		{ "/usr/lib/x86_64-linux-gnu/libgnutls.so.30", 1 },
		{ "/usr/lib/libssl", 1 },		      /* the name alone */
		{ "/usr/lib/libgnutls.so.30.34.3.4567", 1 },  /* a last part of 25 bytes */
		{ "/usr/lib/libgnutls.so.30.34.3.45678", 0 }, /* 26: too far from the end */
		{ "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", 0 },
		{ "/usr/lib/libss.so", 0 },
		{ "/usr/lib/libgnutl.so", 0 },
		{ "/usr/lib/libnspr.so", 0 },
		{ "/usr/lib/xlibssl.so", 0 }, /* not at the start of the name */
		{ "/opt/libssl/lib.so", 0 },  /* a directory, not the file */
		{ "/usr/lib/LIBSSL.so", 0 },
		{ "libss", 0 }, /* shorter than any name */
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
		int want; /* 12, 13: AEAD_TLS12 / AEAD_TLS13, 0: none */
	} cases[] = {
		{ "tls13_app_data", { 0x17, 0x03, 0x03, 0x40, 0x11 }, 5, 13 },
		{ "tls13_handshake", { 0x16, 0x03, 0x03, 0x00, 0x20 }, 5, 0 },
		{ "tls13_alert", { 0x15, 0x03, 0x03, 0x00, 0x13 }, 5, 0 },
		{ "tls13_old_version", { 0x17, 0x03, 0x01, 0x00, 0x20 }, 5, 0 },
		{ "tls12_app_data", { 1, 2, 3, 4, 5, 6, 7, 8, 0x17, 3, 3, 0x00, 0x20 }, 13, 12 },
		{ "tls12_handshake", { 0, 0, 0, 0, 0, 0, 0, 0, 0x16, 3, 3, 0x00, 0x10 }, 13, 0 },
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
		ASSERT_EQ(s->bss->aead_io.kind,
			  cases[i].want == 13 ? c->aead_tls13 :
			  cases[i].want == 12 ? c->aead_tls12 :
						0,
			  cases[i].name);
	}
	if (test__start_subtest("unreadable_ad") && aead(s, (void *)8, 5, NULL, 0, 0))
		ASSERT_EQ(s->bss->aead_io.kind, 0, "ad at address 8");
	helpers__destroy(s);
}

/* Sizes relative to the object's AEAD_REC_MAX. */
#define REC_MAX	  (-1)
#define REC_MAX_1 (-2)

void test_aead_app_len(void)
{
	enum { ZERO, ALL, ALL_BUT_TYPE } want;
	static const struct {
		const char *name;
		int type;      /* the record's last byte, -1: not set */
		long n;	       /* record length, or REC_MAX / REC_MAX_1 */
		bool on_guard; /* the record starts on the unmapped page, else ends before it */
		int tls;       /* 12, 13: AEAD_TLS12 / AEAD_TLS13 */
		int want;
	} cases[] = {
		{ "tls13_app_data", 0x17, 100, false, 13, ALL_BUT_TYPE },
		{ "tls13_handshake", 0x16, 100, false, 13, ZERO },
		{ "tls13_alert", 0x15, 2, false, 13, ZERO },
		{ "tls13_type_only", 0x17, 1, false, 13, ZERO },
		{ "tls13_largest", 0x17, REC_MAX, false, 13, ALL_BUT_TYPE },
		{ "tls13_over_largest", 0x17, REC_MAX_1, false, 13, ZERO },
		{ "tls13_unreadable", -1, 1, true, 13, ZERO },
		{ "tls13_empty", -1, 0, false, 13, ZERO },
		/* TLS 1.2: the type is in the header, the plaintext is all data and never read */
		{ "tls12", -1, 100, true, 12, ALL },
		{ "tls12_largest", -1, REC_MAX, true, 12, ALL },
		{ "tls12_over_largest", -1, REC_MAX_1, true, 12, ZERO },
		{ "tls12_empty", -1, 0, true, 12, ZERO },
	};
	size_t page = (size_t)sysconf(_SC_PAGESIZE), i, n;
	struct helpers *s = bpf_test__load();
	const struct consts *c;
	__u8 *map, *end, *p;

	if (!s)
		return;
	c = &s->rodata->consts;
	/* records end right before an unmapped page: a read past the last byte faults */
	map = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_TRUE(map != MAP_FAILED, "mmap") ||
	    !ASSERT_OK(mprotect(map + 7 * page, page, PROT_NONE), "mprotect") ||
	    !ASSERT_LE(c->aead_rec_max + 1, 7 * page, "room for the largest record"))
		goto out;
	end = map + 7 * page;
	memset(map, 'a', 7 * page);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		n = cases[i].n == REC_MAX   ? c->aead_rec_max :
		    cases[i].n == REC_MAX_1 ? c->aead_rec_max + 1 :
					      (size_t)cases[i].n;
		p = cases[i].on_guard ? end : end - n;
		if (cases[i].type >= 0)
			end[-1] = (__u8)cases[i].type;
		if (!aead(s, NULL, 0, p, n, cases[i].tls == 13 ? c->aead_tls13 : c->aead_tls12))
			continue;
		want = cases[i].want;
		ASSERT_EQ(s->bss->aead_io.app_len,
			  want == ALL	       ? n :
			  want == ALL_BUT_TYPE ? n - 1 :
						 0,
			  cases[i].name);
	}
out:
	if (map != MAP_FAILED)
		munmap(map, 8 * page);
	helpers__destroy(s);
}
