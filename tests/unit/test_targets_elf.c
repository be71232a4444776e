// SPDX-License-Identifier: MIT
/*
 * test_targets_elf.c: hostile files against the inspection (targets_elf.c, the Go tier): every
 * count, offset, size and string an ELF file gives is bounded, and a file that shrinks, or is
 * a FIFO, while it is inspected does not hurt the inspector.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disasm.h"
#include "doctor.h"
#include "elf_fixture.h"
#include "gopclntab.h"
#include "targets.h"
#include "targets_elf.h"
#include "targets_internal.h"
#include "test.h"
#include "tlsdb.h"

#define IMG_SIZE 0x3000
#define VADDR	 0x400000

static const char *const sym_names[] = { "SSL_write", "SSL_read" };

static void tmp_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "/tmp/tt-test-elfx-%s-%d", name, getpid());
}

/* elf_image__open of img written to a file; the image stays open for the caller (0 on error). */
static int open_img(struct elf_image *im, const uint8_t *img, size_t size, const char *name)
{
	char path[64];
	int err;

	tmp_path(path, sizeof(path), name);
	if (elfx_write(path, img, size))
		return -EIO;
	err = elf_image__open(im, path);
	unlink(path);
	return err;
}

/*
 * Code at [0, IMG_SIZE) (vaddr VADDR), sections: 1 .shstrtab, 2 .symtab (SSL_write at file
 * offset 0x1100, SSL_read at 0x1200), 3 .strtab.
 */
#define SHSTR_OFF  0x800
#define SYMTAB_OFF 0x900
#define STRTAB_OFF 0xa00
static const char shstr[] = "\0.shstrtab\0.symtab\0.strtab";
static const char strtab[] = "\0SSL_write\0SSL_read";

static void sym_elf(uint8_t *img)
{
	elfx_init(img, IMG_SIZE);
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, IMG_SIZE, VADDR);
	elfx_shdr(img, SHT_STRTAB, 1, SHSTR_OFF, sizeof(shstr), 0, 0);
	elfx_shdr(img, SHT_SYMTAB, 11, SYMTAB_OFF, 3 * sizeof(Elf64_Sym), 3, sizeof(Elf64_Sym));
	elfx_shdr(img, SHT_STRTAB, 19, STRTAB_OFF, sizeof(strtab), 0, 0);
	((Elf64_Ehdr *)img)->e_shstrndx = 1;
	memcpy(img + SHSTR_OFF, shstr, sizeof(shstr));
	memcpy(img + STRTAB_OFF, strtab, sizeof(strtab));
	elfx_sym(img, SYMTAB_OFF, 1, 1, VADDR + 0x1100);
	elfx_sym(img, SYMTAB_OFF, 2, 11, VADDR + 0x1200);
}

static Elf64_Shdr *shdr(uint8_t *img, int i)
{
	return (Elf64_Shdr *)(img + ELFX_SHDRS) + i;
}

/* The symbols of img found by elf_image__symbols: the count, or the open error. */
static int symbols(const uint8_t *img, uint64_t *offs)
{
	struct elf_image im;
	int n;

	memset(offs, 0xff, 2 * sizeof(*offs));
	n = open_img(&im, img, IMG_SIZE, "sym");
	if (n)
		return n;
	n = elf_image__symbols(&im, sym_names, 2, offs);
	elf_image__close(&im);
	return n;
}

void test_targets_elf_symbols_bounded(void)
{
	static uint8_t img[IMG_SIZE];
	uint64_t offs[2];

	sym_elf(img);
	ASSERT_EQ(symbols(img, offs), 2, "well-formed: both");
	ASSERT_EQ(offs[0], 0x1100, "SSL_write");
	ASSERT_EQ(offs[1], 0x1200, "SSL_read");

	sym_elf(img);
	shdr(img, 2)->sh_offset = IMG_SIZE - 24; /* the table runs past the end */
	ASSERT_EQ(symbols(img, offs), 0, "sh_offset + sh_size past the end");
	sym_elf(img);
	shdr(img, 2)->sh_size = UINT64_MAX - 0xff;
	ASSERT_EQ(symbols(img, offs), 0, "absurd sh_size");
	sym_elf(img);
	shdr(img, 2)->sh_link = 0x7fffffff;
	ASSERT_EQ(symbols(img, offs), 0, "sh_link past the section table");
	sym_elf(img);
	shdr(img, 3)->sh_offset = UINT64_MAX - 8;
	ASSERT_EQ(symbols(img, offs), 0, "string table past the end");
	sym_elf(img);
	shdr(img, 2)->sh_entsize = 1;
	ASSERT_EQ(symbols(img, offs), 0, "entry size not a symbol's");
	sym_elf(img);
	((Elf64_Sym *)(img + SYMTAB_OFF))[1].st_name = 0xfffffff0;
	ASSERT_EQ(symbols(img, offs), 1, "st_name past the string table: skipped");
	ASSERT_EQ(offs[1], 0x1200, "the other still found");
	/* "SSL_read" as the last bytes of the table, its NUL outside it: not a name */
	sym_elf(img);
	shdr(img, 3)->sh_size = sizeof(strtab) - 1;
	ASSERT_EQ(symbols(img, offs), 1, "unterminated last name");
	ASSERT_EQ(offs[0], 0x1100, "SSL_write still found");
	sym_elf(img);
	((Elf64_Sym *)(img + SYMTAB_OFF))[1].st_value = UINT64_MAX;
	ASSERT_EQ(symbols(img, offs), 1, "address outside every segment");
	sym_elf(img);
	((Elf64_Ehdr *)img)->e_shnum = 0xffff; /* more headers than the file holds */
	ASSERT_EQ(symbols(img, offs), 2, "e_shnum clamped to the file");
	sym_elf(img);
	((Elf64_Ehdr *)img)->e_shoff = IMG_SIZE - 8;
	ASSERT_EQ(symbols(img, offs), 0, "section table past the end");
	sym_elf(img);
	((Elf64_Ehdr *)img)->e_phoff = UINT64_MAX - 16;
	ASSERT_EQ(symbols(img, offs), 0, "program headers past the end: no segment");
}

/* A PT_NOTE at 0x400 holding the notes nb[0..len). */
static const uint8_t *note_build_id(const void *nb, size_t len, size_t *id_len)
{
	static uint8_t img[IMG_SIZE];
	static uint8_t id[64];
	struct elf_image im;
	const uint8_t *found = NULL;

	elfx_init(img, IMG_SIZE);
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, IMG_SIZE, VADDR);
	elfx_phdr(img, PT_NOTE, PF_R, 0x400, len, VADDR + 0x400);
	memcpy(img + 0x400, nb, len);
	*id_len = 0;
	if (open_img(&im, img, IMG_SIZE, "note"))
		return NULL;
	if (im.build_id && im.build_id_len <= sizeof(id)) {
		*id_len = im.build_id_len;
		memcpy(id, im.build_id, im.build_id_len);
		found = id;
	} else if (im.build_id) {
		*id_len = im.build_id_len;
	}
	elf_image__close(&im);
	return found;
}

void test_targets_elf_notes_bounded(void)
{
	struct {
		Elf64_Nhdr a;
		char a_name[4];
		uint8_t a_desc[4];
		Elf64_Nhdr b;
		char b_name[4];
		uint8_t b_desc[8];
	} n = { { 4, 4, 1 },	"GNU",
		{ 1, 2, 3, 4 }, { 4, 8, NT_GNU_BUILD_ID },
		"GNU",		{ 9, 8, 7, 6, 5, 4, 3, 2 } };
	const uint8_t *id;
	size_t len;

	id = note_build_id(&n, sizeof(n), &len);
	if (ASSERT_OK_PTR(id, "second note's id"))
		ASSERT_MEMEQ(id, len, n.b_desc, 8, "build id");
	n.b.n_descsz = 0xfffffffc; /* the description runs past the segment */
	id = note_build_id(&n, sizeof(n), &len);
	ASSERT_NULL(id, "descsz overflow");
	ASSERT_EQ(len, 0, "no id");
	n.b.n_descsz = 8;
	n.a.n_namesz = 0xffffffff; /* wraps to 0 when padded in 32 bits */
	id = note_build_id(&n, sizeof(n), &len);
	ASSERT_NULL(id, "namesz overflow ends the walk");
	n.a.n_namesz = 4;
	id = note_build_id(&n, sizeof(n) - 1, &len);
	ASSERT_NULL(id, "last note cut by the segment");
}

/*
 * A 12 KB Go-looking file: code at [0, 0x1000), read-only data at [0x1000, 0x3000) holding the
 * build-info marker and, 0x50 bytes before the end, a pclntab header claiming 2^40 functions
 * with a function table 4 bytes before the end (issue 15).
 */
static void go_bomb(uint8_t *img)
{
	uint8_t *h = img + IMG_SIZE - 0x50;
	uint64_t hdr[8] = { 1ull << 40, 0, VADDR, 72, 0, 0, 0, 0x50 - 4 };

	elfx_init(img, IMG_SIZE);
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, 0x1000, VADDR);
	elfx_phdr(img, PT_LOAD, PF_R, 0x1000, IMG_SIZE - 0x1000, VADDR + 0x1000);
	memcpy(img + 0x1010, "\xff Go buildinf:", 14);
	memcpy(h, "\xf1\xff\xff\xff\x00\x00\x01\x08", 8);
	memcpy(h + 8, hdr, sizeof(hdr));
}

static int inspect_img(const uint8_t *img, const char *name, struct tt_target *t)
{
	char path[64];
	int n;

	setenv("TT_TARGETS_CACHE", "off", 1);
	tmp_path(path, sizeof(path), name);
	if (elfx_write(path, img, IMG_SIZE))
		return -EIO;
	n = targets_inspect(path, t);
	unlink(path);
	return n;
}

void test_targets_elf_go_function_count(void)
{
	static uint8_t img[IMG_SIZE];
	struct tt_target t;
	struct gopcln g;

	go_bomb(img);
	ASSERT_EQ(gopcln_init(&g, img + IMG_SIZE - 0x50, 0x50), -ENOEXEC, "header rejected");
	ASSERT_EQ(gopcln_search(img + 0x1000, IMG_SIZE - 0x1000), -ENOENT, "not found by search");
	ASSERT_EQ(inspect_img(img, "gobomb", &t), 0, "inspected: nothing");
	ASSERT_STREQ(t.lib, "", "not taken for Go TLS");
	ASSERT_EQ(t.off[TT_FN_GO_WRITE], 0, "no Write");
}

/*
 * A pclntab in the data segment naming crypto/tls Write at [0x100, 0x200) and Read at
 * [0x200, read_end) of text (vaddr VADDR): code is [0, 0x1000), so a Read ending past 0x1000
 * leaves the code range.
 */
static void go_elf(uint8_t *img, uint32_t read_end)
{
	static const char names[] = "crypto/tls.(*Conn).Write\0crypto/tls.(*Conn).Read";
	uint8_t *p = img + 0x1800;
	uint64_t hdr[8] = { 2, 0, VADDR, 0x48, 0, 0, 0, 0x80 };
	uint32_t ft[] = { 0x100, 0x100, 0x200, 0x108, read_end, 0 }; /* {entry, funcOff} */
	uint32_t fn[] = { 0x100, 0, 0x200, 25 };		     /* {entry, nameOff} */

	elfx_init(img, IMG_SIZE);
	elfx_phdr(img, PT_LOAD, PF_R | PF_X, 0, 0x1000, VADDR);
	elfx_phdr(img, PT_LOAD, PF_R, 0x1000, IMG_SIZE - 0x1000, VADDR + 0x1000);
	memset(img + 0x100, 0x90, 0xf00); /* nop, and a ret closing each function */
	img[0x1ff] = img[0x2ff] = 0xc3;
	memcpy(img + 0x1010, "\xff Go buildinf:", 14);
	memcpy(p, "\xf1\xff\xff\xff\x00\x00\x01\x08", 8);
	memcpy(p + 8, hdr, sizeof(hdr));
	memcpy(p + 0x48, names, sizeof(names));
	memcpy(p + 0x80, ft, sizeof(ft));
	memcpy(p + 0x80 + 0x100, fn, sizeof(fn));
}

void test_targets_elf_go_code_bounds(void)
{
	static uint8_t img[IMG_SIZE];
	struct tt_target t;

	go_elf(img, 0x300);
	ASSERT_EQ(inspect_img(img, "go", &t), disasm_available() ? 2 : 0, "inspected");
	ASSERT_STREQ(t.lib, "gotls", "Go TLS");
	ASSERT_EQ(t.off[TT_FN_GO_WRITE], 0x100, "Write");
	ASSERT_EQ(t.off[TT_FN_GO_READ], 0x200, "Read");
	go_elf(img, 0x1010); /* Read's bytes run past the code */
	ASSERT_EQ(inspect_img(img, "go2", &t), 0, "inspected");
	ASSERT_EQ(t.off[TT_FN_GO_READ], 0, "Read not taken");
	ASSERT_STREQ(t.note, "Go: crypto/tls functions outside the code", "why");
}

/* doctor on the crafted Go file: reports it and returns, whatever the file claims. */
void test_targets_elf_doctor_hostile(void)
{
	static uint8_t img[IMG_SIZE];
	char path[64], *argv[] = { "doctor", path, NULL };
	int out, saved, rc;

	go_bomb(img);
	tmp_path(path, sizeof(path), "doctor");
	if (!ASSERT_OK(elfx_write(path, img, IMG_SIZE), "write"))
		return;
	setenv("TT_TARGETS_CACHE", "off", 1);
	fflush(stdout);
	saved = dup(1);
	out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(out, 1);
	rc = doctor_main(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(out);
	unlink(path);
	ASSERT_TRUE(rc == 0 || rc == 1, "doctor returned");
}

/*
 * A file truncated while it is inspected: the image is read once into memory of our own, so
 * what follows sees the bytes as they were (a mapping of the file raised SIGBUS here), and an
 * inspection through a descriptor whose size was taken before the truncation fails cleanly.
 */
void test_targets_elf_truncated(void)
{
	static uint8_t img[IMG_SIZE];
	struct tlsdb_image view;
	struct elf_image im;
	struct tt_target t;
	char path[64];
	struct stat st;
	uint64_t offs[2];
	int fd;

	sym_elf(img);
	tmp_path(path, sizeof(path), "trunc");
	if (!ASSERT_OK(elfx_write(path, img, IMG_SIZE), "write"))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_GE(fd, 0, "open") || !ASSERT_OK(fstat(fd, &st), "fstat"))
		goto out;
	if (!ASSERT_OK(elf_image__open_fd(&im, fd, &st), "read"))
		goto out;
	ASSERT_OK(truncate(path, 0), "truncate");
	view = elf_image__view(&im);
	ASSERT_EQ(tlsdb_fnv64(view.data, view.size), tlsdb_fnv64(img, IMG_SIZE), "bytes as read");
	ASSERT_EQ(elf_image__symbols(&im, sym_names, 2, offs), 2, "symbols as read");
	elf_image__close(&im);
	ASSERT_EQ(elf_image__open_fd(&im, fd, &st), -EBADMSG, "stale size: short read");
	ASSERT_EQ(targets_inspect_fd(fd, path, &st, &t), -EBADMSG, "inspection: short read");
	if (!ASSERT_OK(elfx_write(path, img, IMG_SIZE / 2), "half written"))
		goto out;
	ASSERT_EQ(targets_inspect_fd(fd, path, &st, &t), -EBADMSG, "shrunk by half");
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* A FIFO where a library was: not opened for reading in a way that waits for a writer. */
void test_targets_elf_fifo(void)
{
	struct elf_image im;
	char path[64];

	tmp_path(path, sizeof(path), "fifo");
	unlink(path);
	if (!ASSERT_OK(mkfifo(path, 0600), "mkfifo"))
		return;
	ASSERT_EQ(elf_image__open(&im, path), -ENOEXEC, "FIFO: not ELF, without blocking");
	unlink(path);
}
