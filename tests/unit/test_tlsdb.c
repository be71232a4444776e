// SPDX-License-Identifier: MIT
/* test_tlsdb.c: the TLS target database: parsing, fingerprints, signature matching rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tlsdb.h"
#include "tlsdb_fixture.h"

/* Two "functions" at 16-aligned places in a code range, int3 padding elsewhere. */
#define CODE_OFF 1024
#define CODE_LEN 4096
#define W_AT	 (CODE_OFF + 0x100) /* where the tests put fn_write, fn_read */
#define R_AT	 (CODE_OFF + 0x400)

static const char db_text[] =
	"# comment\n"
	"sigset s1 lib=boringssl marker=BORINGMARK span=0x800 align=16 "
	"need=SSL_write,SSL_read\n" SIG_SSL_WRITE
	"sig SSL_read 55 48 89 e5 53 50 48 83 bf 98 00 00 00 00 74 ?? b9\n" SIG_SSL_READ;

struct fake {
	uint8_t file[8192];
	struct tlsdb_range code;
	struct tlsdb_image img;
};

static void fake_init(struct fake *f, uint64_t w_at, uint64_t r_at, bool marker)
{
	memset(f->file, 0xcc, sizeof(f->file));
	memset(f->file, 0, CODE_OFF); /* "headers and data" before the code */
	if (marker)
		memcpy(f->file + 100, "BORINGMARK", 10);
	f->code.off = CODE_OFF;
	f->code.len = CODE_LEN;
	if (w_at)
		memcpy(f->file + w_at, fn_write, sizeof(fn_write));
	if (r_at)
		memcpy(f->file + r_at, fn_read, sizeof(fn_read));
	memset(&f->img, 0, sizeof(f->img));
	f->img.data = f->file;
	f->img.size = sizeof(f->file);
	f->img.code = &f->code;
	f->img.n_code = 1;
}

static struct tlsdb *load(const char *text)
{
	struct tlsdb *db = tlsdb__new();
	int line = 0;

	if (!ASSERT_OK_PTR(db, "tlsdb__new"))
		return NULL;
	if (!ASSERT_OK(tlsdb__parse(db, text, strlen(text), "test", &line), "parse")) {
		tlsdb__free(db);
		return NULL;
	}
	return db;
}

/* The signatures reject f's image; why, when not NULL, is part of the reason given. */
static void expect_rejected(const struct tlsdb *db, const struct fake *f, const char *name,
			    const char *why)
{
	struct tlsdb_hit hit;

	if (ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 0, name) && why)
		ASSERT_TRUE(strstr(hit.why, why), hit.why);
}

static uint64_t off_of(const struct tlsdb_hit *h, const char *func)
{
	int i;

	for (i = 0; i < h->n_offs; i++)
		if (!strcmp(h->offs[i].func, func))
			return h->offs[i].off;
	return 0;
}

void test_tlsdb_pattern(void)
{
	uint8_t b[8], m[8];

	ASSERT_EQ(tlsdb_parse_pattern("55 48 ?? e5", b, m, 8), 4, "four bytes");
	ASSERT_EQ(b[0], 0x55, "byte 0");
	ASSERT_EQ(m[2], 0, "wildcard mask");
	ASSERT_EQ(m[3], 0xff, "fixed mask");
	ASSERT_EQ(b[3], 0xe5, "byte 3");
	ASSERT_EQ(tlsdb_parse_pattern("5", b, m, 8), -EINVAL, "half byte");
	ASSERT_EQ(tlsdb_parse_pattern("555", b, m, 8), -EINVAL, "three digits");
	ASSERT_EQ(tlsdb_parse_pattern("zz", b, m, 8), -EINVAL, "not hex");
	ASSERT_EQ(tlsdb_parse_pattern("", b, m, 8), -EINVAL, "empty");
	ASSERT_EQ(tlsdb_parse_pattern("00 01 02 03 04 05 06 07 08", b, m, 8), -E2BIG, "too long");
}

void test_tlsdb_parse_errors(void)
{
	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{ "sig SSL_read 55\n", 1 },			    /* sig before any sigset */
		{ "sigset a lib=x\nsig SSL_read ?? 55\n", 2 },	    /* starts with a wildcard */
		{ "sigset a lib=x\nsig SSL_read ?? ??\n", 2 },	    /* no fixed byte */
		{ "sigset a\n", 1 },				    /* no lib */
		{ "sigset a lib=x align=3\n", 1 },		    /* not a power of two */
		{ "fingerprint f SSL_read=0x10\n", 1 },		    /* no key */
		{ "fingerprint f buildid=abc SSL_read=0x10\n", 1 }, /* odd hex */
		{ "fingerprint f size=10 SSL_read=0x10\n", 1 },	    /* size without hash */
		{ "fingerprint f buildid=ab SSL_read=zz\n", 1 },    /* bad offset */
		{ "\n# ok\nbogus line\n", 3 },
	};
	size_t i;
	int line;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tlsdb *db = tlsdb__new();

		line = 0;
		ASSERT_EQ(tlsdb__parse(db, bad[i].text, strlen(bad[i].text), "t", &line), -EBADMSG,
			  bad[i].text);
		ASSERT_EQ(line, bad[i].line, "error line");
		tlsdb__free(db);
	}
}

void test_tlsdb_signature_unique(void)
{
	struct tlsdb *db = load(db_text);
	struct tlsdb_hit hit;
	struct fake f;

	if (!db)
		return;
	fake_init(&f, W_AT, R_AT, true);
	ASSERT_EQ(tlsdb__match_signatures(db, &f.img, &hit), 1, "accepted");
	ASSERT_STREQ(hit.name, "s1", "set name");
	ASSERT_STREQ(hit.lib, "boringssl", "lib");
	ASSERT_EQ(hit.n_offs, 2, "two functions");
	ASSERT_EQ(off_of(&hit, "SSL_write"), W_AT, "write offset");
	ASSERT_EQ(off_of(&hit, "SSL_read"), R_AT, "read offset (second variant)");
	tlsdb__free(db);
}

/* A pattern found at more places than are kept: counted and rejected, nothing read past. */
void test_tlsdb_signature_many(void)
{
	struct tlsdb *db = load(db_text);
	struct fake f;
	int i;

	if (!db)
		return;
	fake_init(&f, W_AT, R_AT, true);
	for (i = 0; i < 6; i++)
		memcpy(f.file + CODE_OFF + 0x600 + i * 0x40, fn_read, sizeof(fn_read));
	expect_rejected(db, &f, "rejected", "SSL_read matches at 7 places");
	tlsdb__free(db);
}

/* align=1 sets are searched with memmem, aligned ones position by position: same answers */
void test_tlsdb_signature_unaligned(void)
{
	static const char text[] =
		"sigset u lib=boringssl marker=BORINGMARK need=SSL_write,SSL_read\n" SIG_SSL_WRITE
			SIG_SSL_READ;
	struct tlsdb *db = load(text), *adb = load(db_text);
	struct tlsdb_hit hit;
	struct fake f;

	if (!db || !adb)
		goto out;
	/* SSL_write at an odd offset: found only by the unaligned set */
	fake_init(&f, W_AT + 3, R_AT, true);
	ASSERT_EQ(tlsdb__match_signatures(db, &f.img, &hit), 1, "accepted unaligned");
	ASSERT_EQ(off_of(&hit, "SSL_write"), W_AT + 3, "write at its odd offset");
	ASSERT_EQ(off_of(&hit, "SSL_read"), R_AT, "read");
	expect_rejected(adb, &f, "not at an aligned place", NULL);
	/* the read function twice: both scans reject it */
	fake_init(&f, W_AT, R_AT, true);
	memcpy(f.file + CODE_OFF + 0x600, fn_read, sizeof(fn_read));
	expect_rejected(db, &f, "unaligned: twice", "SSL_read matches at 2 places");
	expect_rejected(adb, &f, "aligned: twice", "SSL_read matches at 2 places");
out:
	tlsdb__free(db);
	tlsdb__free(adb);
}

void test_tlsdb_signature_rejections(void)
{
	struct tlsdb *db = load(db_text);
	struct tlsdb_hit hit;
	struct fake f;

	if (!db)
		return;
	if (test__start_subtest("duplicate")) {
		fake_init(&f, W_AT, R_AT, true);
		memcpy(f.file + CODE_OFF + 0x600, fn_read, sizeof(fn_read));
		expect_rejected(db, &f, "rejected", "SSL_read matches at 2 places");
	}
	if (test__start_subtest("span")) {
		fake_init(&f, CODE_OFF + 0x10, CODE_OFF + 0xa00, true);
		expect_rejected(db, &f, "rejected", "apart");
	}
	if (test__start_subtest("misaligned")) {
		/* the only read match is not 16-aligned: it is not a function start */
		fake_init(&f, W_AT, 0, true);
		memcpy(f.file + R_AT + 8, fn_read, sizeof(fn_read));
		expect_rejected(db, &f, "rejected", "no match for SSL_read");
	}
	if (test__start_subtest("outside_code")) {
		/* bytes in the data before the code range do not count */
		fake_init(&f, W_AT, 0, true);
		memcpy(f.file + 512, fn_read, sizeof(fn_read));
		expect_rejected(db, &f, "rejected", NULL);
	}
	if (test__start_subtest("no_marker")) {
		fake_init(&f, W_AT, R_AT, false);
		ASSERT_EQ(tlsdb__match_signatures(db, &f.img, &hit), 0, "not tried");
		ASSERT_STREQ(hit.why, "", "no reason: the set does not apply");
	}
	if (test__start_subtest("one_direction")) {
		fake_init(&f, W_AT, 0, true);
		expect_rejected(db, &f, "rejected", "no match for SSL_read");
	}
	tlsdb__free(db);
}

void test_tlsdb_fingerprint(void)
{
	static const uint8_t bid[] = { 0xde, 0xad, 0xbe, 0xef };
	char text[512];
	struct tlsdb *db;
	struct tlsdb_hit hit;
	struct fake f;
	uint64_t h;

	fake_init(&f, 0, 0, false);
	h = tlsdb_fnv64(f.file, sizeof(f.file));
	snprintf(text, sizeof(text),
		 "fingerprint by-id lib=boringssl buildid=deadbeef SSL_write=0x500 SSL_read=0x600\n"
		 "fingerprint by-size size=%zu fnv64k=%#llx SSL_write=0x700 SSL_read=0x800\n",
		 sizeof(f.file), (unsigned long long)h);
	db = load(text);
	if (!db)
		return;
	ASSERT_EQ(tlsdb__n_fingerprints(db), 2, "two fingerprints");
	f.img.build_id = bid;
	f.img.build_id_len = sizeof(bid);
	ASSERT_EQ(tlsdb__match_fingerprint(db, &f.img, &hit), 1, "build id");
	ASSERT_STREQ(hit.name, "by-id", "by build id");
	ASSERT_STREQ(hit.lib, "boringssl", "lib");
	ASSERT_EQ(off_of(&hit, "SSL_read"), 0x600, "read offset");
	f.img.build_id_len = 3;
	ASSERT_EQ(tlsdb__match_fingerprint(db, &f.img, &hit), 1, "size + hash");
	ASSERT_STREQ(hit.name, "by-size", "by size");
	ASSERT_EQ(off_of(&hit, "SSL_write"), 0x700, "write offset");
	f.file[10] ^= 1; /* a different prefix: a different build */
	ASSERT_EQ(tlsdb__match_fingerprint(db, &f.img, &hit), 0, "prefix differs");
	f.file[10] ^= 1;
	f.img.size--;
	ASSERT_EQ(tlsdb__match_fingerprint(db, &f.img, &hit), 0, "size differs");
	tlsdb__free(db);
}

void test_tlsdb_shipped_file_parses(void)
{
	const char *fx = test__fixtures();
	char path[4096];
	struct tlsdb *db = tlsdb__new();
	int line = 0;

	/* tests/fixtures -> tools/tls-targets.conf */
	snprintf(path, sizeof(path), "%s/../../tools/tls-targets.conf", fx);
	if (!ASSERT_OK_PTR(db, "new"))
		return;
	ASSERT_OK(tlsdb__load_file(db, path, &line), path);
	ASSERT_EQ(line, 0, "no bad line");
	ASSERT_GE(tlsdb__n_sets(db), 1, "a signature set");
	ASSERT_GE(tlsdb__n_fingerprints(db), 1, "a fingerprint");
	tlsdb__free(db);
}

/*
 * Anchors: a file with an executable segment (file 0x1000, vaddr 0x401000), a read-only one
 * (file 0x3000, vaddr 0x403000) holding the anchor strings, and an .eh_frame (file 0x3800)
 * with one CIE ("zR", pc-relative sdata4 pointers) and an FDE per function.
 */
#define AN_CODE_OFF 0x1000
#define AN_CODE_VA  0x401000ull
#define AN_RO_OFF   0x3000
#define AN_RO_VA    0x403000ull
#define AN_EH_OFF   0x3800

struct anchor_fake {
	uint8_t file[0x4000];
	struct tlsdb_seg segs[2];
	struct tlsdb_range code;
	struct tlsdb_image img;
	size_t eh_len;
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void an_init(struct anchor_fake *f)
{
	/* clang-format off */
	static const uint8_t cie[] = {
		0x10, 0, 0, 0,		/* length 16 */
		0, 0, 0, 0,		/* CIE id */
		1, 'z', 'R', 0,		/* version, augmentation */
		1, 0x78, 16,		/* code align 1, data align -8, return address r16 */
		1, 0x1b,		/* augmentation data: FDE pointers pcrel | sdata4 */
		0, 0, 0,		/* DW_CFA_nop padding */
	};
	/* clang-format on */

	memset(f, 0, sizeof(*f));
	memset(f->file + AN_CODE_OFF, 0xcc, 0x1000);
	memcpy(f->file + AN_RO_OFF, "xx\0ssl_write_internal\0ssl_read_internal\0", 40);
	memcpy(f->file + AN_EH_OFF, cie, sizeof(cie));
	f->eh_len = sizeof(cie);
	f->segs[0] = (struct tlsdb_seg){ AN_CODE_OFF, AN_CODE_VA, 0x1000, true };
	f->segs[1] = (struct tlsdb_seg){ AN_RO_OFF, AN_RO_VA, 0x1000, false };
	f->code.off = AN_CODE_OFF;
	f->code.len = 0x1000;
	f->img.data = f->file;
	f->img.size = sizeof(f->file);
	f->img.code = &f->code;
	f->img.n_code = 1;
	f->img.segs = f->segs;
	f->img.n_segs = 2;
	f->img.eh_frame_off = AN_EH_OFF;
	f->img.eh_frame_vaddr = AN_RO_VA + (AN_EH_OFF - AN_RO_OFF);
}

/* An FDE for the function at code offset off, len bytes long. */
static void an_func(struct anchor_fake *f, uint32_t off, uint32_t len)
{
	uint8_t *p = f->file + AN_EH_OFF + f->eh_len;
	uint64_t field_va = f->img.eh_frame_vaddr + f->eh_len + 8;

	put32(p, 13);				 /* length */
	put32(p + 4, (uint32_t)(f->eh_len + 4)); /* back to the CIE */
	put32(p + 8, (uint32_t)(AN_CODE_VA + off - field_va));
	put32(p + 12, len);
	p[16] = 0; /* augmentation data length */
	f->eh_len += 17;
	f->img.eh_frame_size = f->eh_len;
}

/* lea rcx, [rip + disp] at code offset at, loading the string at rodata offset str. */
static void an_lea(struct anchor_fake *f, uint32_t at, uint32_t str)
{
	uint8_t *p = f->file + AN_CODE_OFF + at;

	p[0] = 0x48;
	p[1] = 0x8d;
	p[2] = 0x0d;
	put32(p + 3, (uint32_t)(AN_RO_VA + str - (AN_CODE_VA + at + 7)));
}

/* The marker of an_db, and loads of "ssl_write_internal" at 0x120, "ssl_read_internal" at 0x230. */
static void an_strings(struct anchor_fake *f)
{
	memcpy(f->file + 0x50, "ssl_write_internal", 18);
	an_lea(f, 0x120, 3);
	an_lea(f, 0x230, 3 + 19);
}

/* an_strings in two functions, at 0x100 and 0x200. */
static void an_two(struct anchor_fake *f)
{
	an_init(f);
	an_func(f, 0x100, 0x80);
	an_func(f, 0x200, 0x80);
	an_strings(f);
}

static const char an_db[] =
	"sigset st lib=openssl marker=ssl_write_internal need=ssl_write_internal,"
	"ssl_read_internal\n"
	"anchor ssl_write_internal ssl_write_internal\n"
	"anchor ssl_read_internal ssl_read_internal\n";

void test_tlsdb_eh_frame(void)
{
	struct anchor_fake *f = calloc(1, sizeof(*f));
	struct eh_func *fn = NULL;
	long n;

	if (!ASSERT_OK_PTR(f, "alloc"))
		return;
	an_init(f);
	an_func(f, 0x300, 0x40);
	an_func(f, 0x100, 0x80);
	n = tlsdb_eh_functions(&f->img, &fn);
	if (ASSERT_EQ(n, 2, "two FDEs")) {
		ASSERT_EQ(fn[0].start, AN_CODE_VA + 0x100, "sorted: first start");
		ASSERT_EQ(fn[0].end, AN_CODE_VA + 0x180, "first end");
		ASSERT_EQ(fn[1].start, AN_CODE_VA + 0x300, "second start");
	}
	free(fn);
	/* a truncated record ends the walk without reading past the section */
	f->img.eh_frame_size = f->eh_len - 5;
	n = tlsdb_eh_functions(&f->img, &fn);
	ASSERT_EQ(n, 1, "only the whole FDE");
	free(fn);
	f->img.eh_frame_off = 0;
	ASSERT_EQ(tlsdb_eh_functions(&f->img, &fn), -ENOENT, "no .eh_frame");
	free(f);
}

void test_tlsdb_anchors(void)
{
	struct anchor_fake *f = calloc(1, sizeof(*f));
	struct tlsdb *db = load(an_db);
	struct tlsdb_hit hit;

	if (!ASSERT_OK_PTR(f, "alloc") || !db)
		goto out;
	an_two(f);
	an_func(f, 0x300, 0x80); /* another function */
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 1, hit.why);
	ASSERT_EQ(off_of(&hit, "ssl_write_internal"), AN_CODE_OFF + 0x100, "write: its function");
	ASSERT_EQ(off_of(&hit, "ssl_read_internal"), AN_CODE_OFF + 0x200, "read: its function");
	ASSERT_STREQ(hit.lib, "openssl", "lib");
	/* a second function referring to the string (inlined into a caller): rejected */
	an_lea(f, 0x310, 3);
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 0, "ambiguous");
	ASSERT_TRUE(strstr(hit.why, "ssl_write_internal matches at 2 places"), hit.why);
	/* a reference outside every function names none: the write side is missing */
	an_init(f);
	an_func(f, 0x200, 0x80);
	an_strings(f);
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 0, "no function for the write");
	ASSERT_TRUE(strstr(hit.why, "no match for ssl_write_internal"), hit.why);
	/*
	 * both strings loaded by one function: ssl_write_internal and ssl_read_internal inlined
	 * into their one caller (a client linked with LTO), whose entry takes neither's arguments
	 */
	an_init(f);
	an_func(f, 0x100, 0x200);
	an_strings(f);
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 0, "one function for both");
	ASSERT_TRUE(strstr(hit.why, "ssl_write_internal and ssl_read_internal at one place"),
		    hit.why);
	/* without segments (no anchors possible) nothing is found */
	f->img.n_segs = 0;
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 0, "no segments");
out:
	tlsdb__free(db);
	free(f);
}

/*
 * One part of a known stack looked for (the record layer beside OpenSSL's exported API): only
 * the sets that give it answer, not the first set the file matches (another stack it holds).
 */
void test_tlsdb_match_for(void)
{
	static const char two[] =
		"sigset other lib=aws-lc marker=ssl_write_internal "
		"need=ssl_write_internal,ssl_read_internal\n"
		"anchor ssl_write_internal ssl_write_internal\n"
		"anchor ssl_read_internal ssl_read_internal\n"
		"sigset rec lib=openssl marker=ssl_read_internal "
		"need=ssl3_write_bytes,ssl3_read_bytes\n"
		"anchor ssl3_write_bytes ssl_write_internal\n"
		"anchor ssl3_read_bytes ssl_read_internal\n";
	struct anchor_fake *f = calloc(1, sizeof(*f));
	struct tlsdb *db = load(two);
	struct tlsdb_hit hit;

	if (!ASSERT_OK_PTR(f, "alloc") || !db)
		goto out;
	an_two(f); /* its marker holds the other's */
	ASSERT_EQ(tlsdb__match_signatures(db, &f->img, &hit), 1, hit.why);
	ASSERT_STREQ(hit.name, "other", "every set: the first that matches");
	ASSERT_EQ(tlsdb__match_signatures_for(db, &f->img, "ssl3_write_bytes", &hit), 1, hit.why);
	ASSERT_STREQ(hit.name, "rec", "the set that gives the function");
	ASSERT_STREQ(hit.lib, "openssl", "its lib");
	ASSERT_EQ(off_of(&hit, "ssl3_write_bytes"), AN_CODE_OFF + 0x100, "its function");
	ASSERT_EQ(off_of(&hit, "ssl3_read_bytes"), AN_CODE_OFF + 0x200, "read too");
	ASSERT_EQ(tlsdb__match_signatures_for(db, &f->img, "SSL_write", &hit), 0,
		  "no set gives it");
	ASSERT_EQ(tlsdb__match_signatures_for(db, &f->img, NULL, &hit), 1, "NULL: every set");
	ASSERT_STREQ(hit.name, "other", "NULL: file order");
out:
	tlsdb__free(db);
	free(f);
}

void test_tlsdb_anchor_parse(void)
{
	struct tlsdb *db = tlsdb__new();
	int line = 0;
	static const char bad[] = "sigset s lib=x\nanchor SSL_write short\n";
	static const char orphan[] = "anchor SSL_write ssl_write_internal\n";

	if (!ASSERT_OK_PTR(db, "new"))
		return;
	ASSERT_EQ(tlsdb__parse(db, bad, strlen(bad), "t", &line), -EBADMSG, "string too short");
	ASSERT_EQ(line, 2, "its line");
	tlsdb__free(db);
	db = tlsdb__new();
	if (!ASSERT_OK_PTR(db, "new 2"))
		return;
	ASSERT_EQ(tlsdb__parse(db, orphan, strlen(orphan), "t", &line), -EBADMSG, "no sigset");
	ASSERT_EQ(line, 1, "first line");
	tlsdb__free(db);
}
