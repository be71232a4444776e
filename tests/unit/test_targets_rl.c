// SPDX-License-Identifier: MIT
/*
 * test_targets_rl.c: OpenSSL's record layer (ssl3_write_bytes, ssl3_read_bytes) found beside or
 * instead of the API, in an ELF rewritten as postject leaves a Node single-executable
 * application (program headers moved to an unaligned offset at the end of the code, a segment
 * added after the others), and what `doctor` says each layout proves.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "elf_fixture.h"
#include "targets.h"
#include "targets_elf.h"
#include "test.h"

#define RL_SIZE	   0x4000
#define RL_BASE	   0x400000
#define RL_TEXT	   0x1000	       /* code: file offset ... */
#define RL_TEXT_VA (RL_BASE + 0x11000) /* ... and vaddr: off != vaddr - base */
#define RL_PHDRS   0x1f04	       /* program headers moved here, 4-byte aligned only */
#define RL_SHSTR   0x2000
#define RL_SYMTAB  0x2100
#define RL_STRTAB  0x2300
#define RL_NOTE	   0x3000 /* the added segment (postject's blob note) */

static const char rl_shstr[] = "\0.shstrtab\0.symtab\0.strtab";
/* names at 1, 11, 20, 37 */
static const char rl_strtab[] = "\0SSL_write\0SSL_read\0ssl3_write_bytes\0ssl3_read_bytes";

/* An executable with the record layer, and the API too when api is set. */
static int rl_elf(const char *path, bool api)
{
	static uint8_t img[RL_SIZE];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	int nsym = 0;

	elfx_init(img, sizeof(img));
	elfx_phdr(img, PT_LOAD, PF_R, 0, RL_TEXT, RL_BASE);
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, RL_TEXT, 0xf40, RL_TEXT_VA);
	elfx_phdr(img, PT_LOAD, PF_R, RL_NOTE, 0x100, RL_BASE + 0x50000);
	elfx_phdr(img, PT_NOTE, PF_R, RL_NOTE, 0x20, RL_BASE + 0x50000);
	/* postject (LIEF) puts the grown program header table after the code */
	memcpy(img + RL_PHDRS, img + ELFX_PHDRS, eh->e_phnum * sizeof(Elf64_Phdr));
	memset(img + ELFX_PHDRS, 0, eh->e_phnum * sizeof(Elf64_Phdr));
	eh->e_phoff = RL_PHDRS;
	memset(img + RL_TEXT, 0xcc, 0x800);
	elfx_shdr(img, SHT_STRTAB, 1, RL_SHSTR, sizeof(rl_shstr), 0, 0);
	elfx_shdr(img, SHT_SYMTAB, 11, RL_SYMTAB, 5 * sizeof(Elf64_Sym), 3, sizeof(Elf64_Sym));
	elfx_shdr(img, SHT_STRTAB, 19, RL_STRTAB, sizeof(rl_strtab), 0, 0);
	eh->e_shstrndx = 1;
	memcpy(img + RL_SHSTR, rl_shstr, sizeof(rl_shstr));
	memcpy(img + RL_STRTAB, rl_strtab, sizeof(rl_strtab));
	if (api) {
		elfx_sym(img, RL_SYMTAB, ++nsym, 1, RL_TEXT_VA + 0x100);
		elfx_sym(img, RL_SYMTAB, ++nsym, 11, RL_TEXT_VA + 0x200);
	}
	elfx_sym(img, RL_SYMTAB, ++nsym, 20, RL_TEXT_VA + 0x300);
	elfx_sym(img, RL_SYMTAB, ++nsym, 37, RL_TEXT_VA + 0x400);
	return elfx_write(path, img, sizeof(img));
}

static bool rl_inspect(const char *name, bool api, struct tt_target *t, int *n)
{
	char path[64];
	int err;

	snprintf(path, sizeof(path), "/tmp/tt-test-rl-%s-%d", name, getpid());
	setenv("TT_TARGETS_CACHE", "off", 1);
	if (!ASSERT_OK(rl_elf(path, api), "write the ELF"))
		return false;
	memset(t, 0, sizeof(*t));
	*n = targets_inspect(path, t);
	err = *n;
	unlink(path);
	return ASSERT_GE(err, 0, "inspected");
}

void test_targets_rl_beside_api(void)
{
	struct tt_target t;
	int n;

	if (!rl_inspect("api", true, &t, &n))
		return;
	ASSERT_EQ(n, 4, "four functions");
	/* vaddr -> file offset through the code segment, wherever the headers went */
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], RL_TEXT + 0x100, "SSL_write");
	ASSERT_EQ(t.off[TT_FN_SSL_READ], RL_TEXT + 0x200, "SSL_read");
	ASSERT_EQ(t.off[TT_FN_SSL3_WRITE_BYTES], RL_TEXT + 0x300, "ssl3_write_bytes");
	ASSERT_EQ(t.off[TT_FN_SSL3_READ_BYTES], RL_TEXT + 0x400, "ssl3_read_bytes");
	ASSERT_EQ(t.tier[TT_FN_SSL3_WRITE_BYTES], TT_TIER_SYMBOL, "by symbol");
	ASSERT_STREQ(t.lib, "openssl", "lib");
	ASSERT_EQ(targets_func_by_name("ssl3_read_bytes"), TT_FN_SSL3_READ_BYTES, "by name");
}

/* The API inlined away and not exported: the record layer alone covers both directions. */
void test_targets_rl_alone(void)
{
	struct tt_target t;
	int n;

	if (!rl_inspect("alone", false, &t, &n))
		return;
	ASSERT_EQ(n, 2, "two functions");
	ASSERT_TRUE(targets_has_write(&t) && targets_has_read(&t), "both directions");
	ASSERT_EQ(t.off[TT_FN_SSL_WRITE], 0, "no SSL_write");
	ASSERT_EQ(t.off[TT_FN_SSL3_WRITE_BYTES], RL_TEXT + 0x300, "ssl3_write_bytes");
	ASSERT_STREQ(t.lib, "openssl", "lib");
}

/* doctor's report on a file, into out (NUL-terminated). */
static void doctor_out(const char *path, char *out, size_t len)
{
	char *argv[] = { "doctor", (char *)path, NULL };
	char tmp[64];
	int fd, saved;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "/tmp/tt-test-rl-doctor-%d", getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	out[0] = '\0';
	if (!ASSERT_GE(fd, 0, "output file"))
		return;
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	doctor_main(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(tmp);
}

/* Finding SSL_write is no proof that the program's calls pass through it: doctor says so. */
void test_targets_rl_doctor_proof(void)
{
	static char out[16384];
	char path[64];

	snprintf(path, sizeof(path), "/tmp/tt-test-rl-doc-%d", getpid());
	setenv("TT_TARGETS_CACHE", "off", 1);
	if (!ASSERT_OK(rl_elf(path, true), "write"))
		return;
	doctor_out(path, out, sizeof(out));
	ASSERT_TRUE(strstr(out, "capture: writes yes, reads yes\n"), "both directions");
	ASSERT_TRUE(strstr(out, "every call: at the entry points, and at the record layer"),
		    "record layer: every call");
	/* the same executable without the record layer: exported entry points only */
	{
		int fd = open(path, O_RDWR | O_CLOEXEC);
		Elf64_Sym none = { 0 };

		/* symbols 3 and 4 (the record layer) cleared */
		ASSERT_EQ(pwrite(fd, &none, sizeof(none), RL_SYMTAB + 3 * sizeof(none)),
			  (ssize_t)sizeof(none), "clear ssl3_write_bytes");
		ASSERT_EQ(pwrite(fd, &none, sizeof(none), RL_SYMTAB + 4 * sizeof(none)),
			  (ssize_t)sizeof(none), "clear ssl3_read_bytes");
		close(fd);
	}
	doctor_out(path, out, sizeof(out));
	unlink(path);
	ASSERT_TRUE(strstr(out, "SSL_write"), "SSL_write found");
	ASSERT_FALSE(strstr(out, "ssl3_write_bytes"), "no record layer");
	ASSERT_FALSE(strstr(out, "every call"), "no claim of every call");
	ASSERT_TRUE(strstr(out, "entry points found; internal callers unproven"), "unproven");
}

/* Programs, whose own callers may bypass their exports, told from shared libraries. */
void test_targets_rl_is_program(void)
{
	static uint8_t img[RL_SIZE];
	struct elf_image im;
	char path[64];
	int type, interp;

	snprintf(path, sizeof(path), "/tmp/tt-test-rl-prog-%d", getpid());
	for (type = ET_EXEC; type <= ET_DYN; type++) {
		for (interp = 0; interp < 2; interp++) {
			elfx_init(img, sizeof(img));
			((Elf64_Ehdr *)img)->e_type = type;
			elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, RL_SIZE, RL_BASE);
			if (interp)
				elfx_phdr(img, PT_INTERP, PF_R, 0x800, 0x1c, RL_BASE + 0x800);
			if (!ASSERT_OK(elfx_write(path, img, sizeof(img)), "write") ||
			    !ASSERT_OK(elf_image__open(&im, path), "open"))
				break;
			ASSERT_EQ(elf_image__is_program(&im), type == ET_EXEC || interp,
				  "program: ET_EXEC or an interpreter");
			elf_image__close(&im);
		}
	}
	/* program headers past the end of the file: no interpreter read, a library */
	((Elf64_Ehdr *)img)->e_phoff = RL_SIZE - 8;
	if (ASSERT_OK(elfx_write(path, img, sizeof(img)), "write") &&
	    elf_image__open(&im, path) == 0) {
		ASSERT_FALSE(elf_image__is_program(&im), "headers outside the file");
		elf_image__close(&im);
	}
	unlink(path);
}
