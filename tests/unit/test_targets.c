// SPDX-License-Identifier: MIT
/* test_targets.c: resolution tiers on small synthetic ELF files, overrides, Go pclntab. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_fixture.h"
#include "gopclntab.h"
#include "targets.h"
#include "test.h"
#include "tlsdb_fixture.h"

/*
 * A minimal ELF64 executable: header, two program headers (PT_LOAD R+X covering the file from
 * offset 0, PT_NOTE with a GNU build id), no sections. Code bytes go at CODE_OFF.
 */
#define ELF_SIZE 0x3000
#define CODE_OFF 0x1000
#define VADDR	 0x400000

static const char db_text[] =
	"fingerprint known lib=boringssl buildid=0102030405060708 SSL_write=0x1200 "
	"SSL_read=0x1300\n"
	"sigset s lib=boringssl marker=OPENSSL_internal span=0x1000 align=16 "
	"need=SSL_write,SSL_read\n" SIG_SSL_WRITE SIG_SSL_READ;

static void write_elf(const char *path, uint8_t id_last, uint64_t w_at, uint64_t r_at)
{
	static uint8_t img[ELF_SIZE];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Nhdr *nh;
	uint8_t *note = img + 0x200;
	FILE *f;

	elfx_init(img, sizeof(img));
	memset(img + CODE_OFF, 0xcc, ELF_SIZE - CODE_OFF);
	eh->e_entry = VADDR + CODE_OFF;
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, ELF_SIZE, VADDR);
	nh = (Elf64_Nhdr *)note;
	nh->n_namesz = 4;
	nh->n_descsz = 8;
	nh->n_type = NT_GNU_BUILD_ID;
	memcpy(note + sizeof(*nh), "GNU", 4);
	memcpy(note + sizeof(*nh) + 4, "\x01\x02\x03\x04\x05\x06\x07", 7);
	note[sizeof(*nh) + 4 + 7] = id_last;
	elfx_phdr(img, PT_NOTE, PF_R, 0x200, sizeof(*nh) + 4 + 8, VADDR + 0x200);
	memcpy(img + 0x300, "OPENSSL_internal", 16);
	if (w_at)
		memcpy(img + w_at, fn_write, sizeof(fn_write));
	if (r_at)
		memcpy(img + r_at, fn_read, sizeof(fn_read));
	f = fopen(path, "we");
	if (f) {
		fwrite(img, 1, sizeof(img), f);
		fclose(f);
	}
}

static bool db_loaded;

static bool setup_db(void)
{
	char path[64];
	FILE *f;
	int err;

	/* the tests inspect throw-away files: no cache but the one test_targets_cache sets */
	setenv("TT_TARGETS_CACHE", "off", 1);
	if (db_loaded)
		return true;
	snprintf(path, sizeof(path), "/tmp/tt-test-db-%d.conf", getpid());
	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "db file"))
		return false;
	fputs(db_text, f);
	fclose(f);
	err = targets_load_db(path);
	unlink(path);
	db_loaded = !err;
	return ASSERT_OK(err, "targets_load_db");
}

/* With the database loaded: the ELF file /tmp/tt-test-elf-NAME-PID in path (see write_elf). */
static bool elf_file(char *path, size_t len, const char *name, uint8_t id_last, uint64_t w_at,
		     uint64_t r_at)
{
	if (!setup_db())
		return false;
	snprintf(path, len, "/tmp/tt-test-elf-%s-%d", name, getpid());
	write_elf(path, id_last, w_at, r_at);
	return true;
}

/* --tls-offsets PATH:FUNCS */
static int override(const char *path, const char *funcs)
{
	char spec[256];

	snprintf(spec, sizeof(spec), "%s:%s", path, funcs);
	return targets_parse_overrides(spec);
}

/* targets_inspect of path with the override PATH:FUNCS alone in force. */
static int inspect_with(const char *path, const char *funcs, struct tt_target *t)
{
	targets_clear_overrides();
	if (!ASSERT_OK(override(path, funcs), funcs))
		return -EINVAL;
	return targets_inspect(path, t);
}

void test_targets_signature_tier(void)
{
	struct tt_target t;
	char path[64];

	if (!elf_file(path, sizeof(path), "sig", 0x99, 0x1400, 0x1800))
		return;
	ASSERT_EQ(targets_inspect(path, &t), 2, "two functions");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], 0x1400, "write offset");
	ASSERT_EQ(t.off[TT_FN_SSL_READ], 0x1800, "read offset");
	ASSERT_EQ(t.tier[TT_FN_SSL_WRITE], TT_TIER_SIGNATURE, "write tier");
	ASSERT_EQ(t.tier[TT_FN_SSL_READ], TT_TIER_SIGNATURE, "read tier");
	ASSERT_STREQ(t.lib, "boringssl", "lib");
	ASSERT_STREQ(t.source, "s", "set");
	/* the same file with the read function twice: ambiguous, nothing probed */
	write_elf(path, 0x99, 0x1400, 0x1800);
	{
		FILE *f = fopen(path, "r+e");

		if (ASSERT_OK_PTR(f, "reopen")) {
			fseek(f, 0x1900, SEEK_SET);
			fwrite(fn_read, 1, sizeof(fn_read), f);
			fclose(f);
		}
	}
	ASSERT_EQ(targets_inspect(path, &t), 0, "ambiguous: not a carrier");
	ASSERT_TRUE(strstr(t.note, "matches at 2 places"), t.note);
	ASSERT_EQ(t.off[TT_FN_SSL_READ], 0, "no read offset");
	unlink(path);
}

void test_targets_fingerprint_tier(void)
{
	struct tt_target t;
	char path[64];

	/* build id 01..08 is known: its offsets win even though the signatures match elsewhere */
	if (!elf_file(path, sizeof(path), "fp", 0x08, 0x1400, 0x1800))
		return;
	ASSERT_EQ(targets_inspect(path, &t), 2, "two functions");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], 0x1200, "write offset");
	ASSERT_EQ(t.off[TT_FN_SSL_READ], 0x1300, "read offset");
	ASSERT_EQ(t.tier[TT_FN_SSL_READ], TT_TIER_FINGERPRINT, "tier");
	ASSERT_STREQ(t.source, "known", "fingerprint name");
	unlink(path);
}

void test_targets_override_tier(void)
{
	struct tt_target t;
	char path[64], spec[320];

	if (!elf_file(path, sizeof(path), "ov", 0x99, 0x1400, 0x1800))
		return;
	ASSERT_EQ(inspect_with(path, "SSL_read=0x1a00,SSL_write_ex=0x1b00", &t), 3,
		  "three functions");
	ASSERT_EQ(t.off[TT_FN_SSL_READ], 0x1a00, "override replaces the signature");
	ASSERT_EQ(t.tier[TT_FN_SSL_READ], TT_TIER_OVERRIDE, "override tier");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE_EX], 0x1b00, "override adds");
	ASSERT_EQ(t.tier[TT_FN_SSL_WRITE], TT_TIER_SIGNATURE, "others keep their tier");
	/* an offset outside the code is refused */
	ASSERT_EQ(inspect_with(path, "SSL_read=0x9000000", &t), 2, "far override ignored");
	ASSERT_EQ(t.off[TT_FN_SSL_READ], 0x1800, "signature kept");
	targets_clear_overrides();
	ASSERT_EQ(override(path, "SSL_nope=0x10"), -EINVAL, "unknown function");
	ASSERT_EQ(override(path, "SSL_read="), -EINVAL, "no offset");
	ASSERT_EQ(override(path, "SSL_read=0x10x"), -EINVAL, "bad offset");
	snprintf(spec, sizeof(spec), "%s:SSL_read=0x10", test__absent_path("x"));
	ASSERT_EQ(targets_parse_overrides(spec), -ENOENT, "no file");
	ASSERT_EQ(targets_parse_overrides("SSL_read=0x10"), -EINVAL, "no file part");
	unlink(path);
}

void test_targets_aead_fallback(void)
{
	struct tt_target t;
	char path[64];

	/* no SSL_* functions: the record cipher's two functions cover both directions */
	if (!elf_file(path, sizeof(path), "aead", 0x99, 0, 0))
		return;
	ASSERT_EQ(inspect_with(path, "EVP_AEAD_CTX_seal=0x1400,EVP_AEAD_CTX_open=0x1800", &t), 2,
		  "seal and open");
	ASSERT_EQ(t.off[TT_FN_AEAD_SEAL], 0x1400, "seal offset");
	ASSERT_EQ(t.off[TT_FN_AEAD_OPEN], 0x1800, "open offset");
	ASSERT_TRUE(targets_has_write(&t) && targets_has_read(&t), "both directions");
	ASSERT_STREQ(t.lib, "aws-lc", "lib");
	ASSERT_EQ(targets_func_by_name("EVP_AEAD_CTX_open"), TT_FN_AEAD_OPEN, "by name");
	/* only one of them: not probed */
	ASSERT_EQ(inspect_with(path, "EVP_AEAD_CTX_seal=0x1400", &t), 0, "one direction only");
	ASSERT_TRUE(targets_has_write(&t) && !targets_has_read(&t), "no read side");
	/* where the library's SSL_* API is found, it wins: the cipher would capture twice */
	write_elf(path, 0x99, 0x1400, 0x1800);
	ASSERT_EQ(inspect_with(path, "EVP_AEAD_CTX_seal=0x1a00,EVP_AEAD_CTX_open=0x1b00", &t), 2,
		  "SSL_write and SSL_read only");
	ASSERT_EQ(t.off[TT_FN_AEAD_SEAL], 0, "no seal probe");
	ASSERT_EQ(t.off[TT_FN_AEAD_OPEN], 0, "no open probe");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], 0x1400, "SSL_write kept");
	targets_clear_overrides();
	unlink(path);
}

void test_targets_cache(void)
{
	struct tt_target t, again;
	char path[64], cache[64];
	struct timespec ts[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
	uint64_t hits;
	FILE *f;

	if (!elf_file(path, sizeof(path), "cache", 0x99, 0x1400, 0x1800))
		return;
	snprintf(cache, sizeof(cache), "/tmp/tt-test-cache-%d/targets.cache", getpid());
	setenv("TT_TARGETS_CACHE", cache, 1);
	hits = targets_cache_hits();
	ASSERT_EQ(targets_inspect(path, &t), 2, "first: inspected");
	ASSERT_EQ(targets_cache_hits(), hits, "a miss");
	ASSERT_EQ(targets_inspect(path, &again), 2, "second: same answer");
	ASSERT_EQ(targets_cache_hits(), hits + 1, "from the cache");
	ASSERT_EQ(again.off[TT_FN_SSL_WRITE], 0x1400, "write offset kept");
	ASSERT_EQ(again.tier[TT_FN_SSL_READ], TT_TIER_SIGNATURE, "tier kept");
	ASSERT_STREQ(again.source, "s", "source kept");
	ASSERT_STREQ(again.path, path, "path of this call");
	/* the file changed (its times): inspected again */
	utimensat(AT_FDCWD, path, ts, 0);
	ASSERT_EQ(targets_inspect(path, &again), 2, "changed file");
	ASSERT_EQ(targets_cache_hits(), hits + 1, "not from the cache");
	/* an override changes the answer: not taken from the cache either */
	ASSERT_EQ(inspect_with(path, "SSL_read=0x1a00", &again), 2, "with the override");
	ASSERT_EQ(again.off[TT_FN_SSL_READ], 0x1a00, "the override's offset");
	ASSERT_EQ(targets_cache_hits(), hits + 1, "override: a miss");
	targets_clear_overrides();
	/* TT_TLS_INTERNAL=0 changes what is probed: its answers are kept apart */
	setenv("TT_TLS_INTERNAL", "0", 1);
	ASSERT_EQ(targets_inspect(path, &again), 2, "TT_TLS_INTERNAL=0");
	ASSERT_EQ(targets_cache_hits(), hits + 1, "TT_TLS_INTERNAL=0: a miss");
	unsetenv("TT_TLS_INTERNAL");
	/* a cache file others may write is not trusted */
	chmod(cache, 0666);
	ASSERT_EQ(targets_inspect(path, &again), 2, "untrusted cache");
	ASSERT_EQ(targets_cache_hits(), hits + 1, "not used");
	f = fopen(cache, "re");
	ASSERT_OK_PTR(f, "the cache file exists");
	if (f)
		fclose(f);
	unlink(cache);
	*strrchr(cache, '/') = '\0';
	rmdir(cache);
	unlink(path);
	setenv("TT_TARGETS_CACHE", "off", 1);
}

void test_targets_not_elf(void)
{
	struct tt_target t;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/tt-test-txt-%d", getpid());
	f = fopen(path, "we");
	if (!ASSERT_OK_PTR(f, "file"))
		return;
	fputs("#!/bin/sh\necho this is a script, long enough to be read as a header\n", f);
	fclose(f);
	ASSERT_EQ(targets_inspect(path, &t), -ENOEXEC, "not ELF");
	unlink(path);
	ASSERT_EQ(targets_func_by_name("go_read"), TT_FN_GO_READ, "alias");
	ASSERT_EQ(targets_func_by_name("gnutls_record_recv"), TT_FN_GNUTLS_RECV, "name");
	ASSERT_STREQ(targets_tier_name(TT_TIER_SIGNATURE), "signature", "tier name");
}

/* A pclntab (Go 1.20 layout) with three functions; text starts at 0x401000. */
static size_t make_pclntab(uint8_t *p, size_t cap, uint32_t magic)
{
	static const char *const names[] = {
		"runtime.main",
		"crypto/tls.(*Conn).Write",
		"crypto/tls.(*Conn).Read",
	};
	static const uint32_t entries[] = { 0x0, 0x140, 0x400, 0x900 };
	size_t names_off = 0x60, off, functab, funcs, i;
	uint64_t hdr[8] = { 3, 0, 0x401000, names_off, 0, 0, 0, 0 };

	memset(p, 0, cap);
	memcpy(p, &magic, 4);
	p[6] = 1;
	p[7] = 8;
	off = names_off;
	for (i = 0; i < 3; i++) {
		strcpy((char *)p + off, names[i]);
		off += strlen(names[i]) + 1;
	}
	functab = (off + 7) & ~7ul;
	hdr[7] = functab;
	memcpy(p + 8, hdr, sizeof(hdr));
	funcs = 4 * 8; /* _func records right after the 4 functab pairs */
	for (i = 0; i < 4; i++) {
		uint32_t pair[2] = { entries[i], (uint32_t)(funcs + i * 8) };
		uint32_t fn[2] = { entries[i], 0 };
		size_t k;

		memcpy(p + functab + i * 8, pair, 8);
		for (k = 0, off = 0; k < i && i < 3; k++)
			off += strlen(names[k]) + 1;
		fn[1] = (uint32_t)off;
		memcpy(p + functab + funcs + i * 8, fn, 8);
	}
	return functab + funcs + 4 * 8;
}

void test_gopclntab_find(void)
{
	uint8_t buf[1024];
	struct gopcln g;
	uint64_t entry = 0, end = 0;
	size_t len = make_pclntab(buf, sizeof(buf), 0xfffffff1);

	if (!ASSERT_OK(gopcln_init(&g, buf, len), "init"))
		return;
	ASSERT_EQ(g.nfunc, 3, "nfunc");
	ASSERT_OK(gopcln_find_func(&g, "crypto/tls.(*Conn).Write", &entry, &end), "Write");
	ASSERT_EQ(entry, 0x401140, "Write entry");
	ASSERT_EQ(end, 0x401400, "Write end");
	ASSERT_OK(gopcln_find_func(&g, "crypto/tls.(*Conn).Read", &entry, &end), "Read");
	ASSERT_EQ(entry, 0x401400, "Read entry");
	ASSERT_EQ(end, 0x401900, "Read end (the sentinel)");
	ASSERT_EQ(gopcln_find_func(&g, "crypto/tls.(*Conn).Close", &entry, &end), -ENOENT,
		  "absent");
	ASSERT_EQ(gopcln_init(&g, buf, 40), -ENOEXEC, "truncated header");
	ASSERT_EQ(gopcln_init(&g, buf, len - 40), -ENOEXEC, "functab cut");
	make_pclntab(buf, sizeof(buf), 0xfffffffa);
	ASSERT_EQ(gopcln_init(&g, buf, len), -ENOTSUP, "Go 1.16/1.17");
	make_pclntab(buf, sizeof(buf), 0x12345678);
	ASSERT_EQ(gopcln_init(&g, buf, len), -ENOEXEC, "not a pclntab");
}

void test_gopclntab_search(void)
{
	static uint8_t big[8192];
	size_t len;

	memset(big, 0x11, sizeof(big));
	len = make_pclntab(big + 4096, sizeof(big) - 4096, 0xfffffff1);
	ASSERT_EQ(gopcln_search(big, 4096 + len), 4096, "found at its offset");
	big[4096 + 7] = 4; /* ptrSize 4: not this platform's */
	ASSERT_EQ(gopcln_search(big, 4096 + len), -ENOENT, "rejected");
}
