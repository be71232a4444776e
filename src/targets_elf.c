// SPDX-License-Identifier: MIT
/*
 * targets_elf.c: ELF image access for the resolution tiers of targets.c: a file read into memory
 * of our own, its segments and code ranges, build id, sections, symbols and Go function table.
 * Every header, offset, size, count and string here comes from a file a traced program may have
 * written: each is checked against the bytes read before it is used, and every walk is linear
 * in the file's size.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gopclntab.h"
#include "targets.h"
#include "targets_elf.h"
#include "tlsdb.h"

/* True when [off, off + len) lies inside the file. */
static bool in_file(const struct elf_image *im, uint64_t off, uint64_t len)
{
	return off <= im->size && len <= im->size - off;
}

static bool phdr_get(const struct elf_image *im, size_t i, Elf64_Phdr *ph)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->bytes;

	if (i >= eh->e_phnum || eh->e_phentsize != sizeof(*ph) ||
	    !in_file(im, eh->e_phoff, (uint64_t)(i + 1) * sizeof(*ph)))
		return false;
	memcpy(ph, im->bytes + eh->e_phoff + i * sizeof(*ph), sizeof(*ph)); /* maybe unaligned */
	return true;
}

static bool shdr_get(const struct elf_image *im, size_t i, Elf64_Shdr *sh)
{
	if (i >= im->shnum)
		return false;
	memcpy(sh, im->bytes + im->shoff + i * sizeof(*sh), sizeof(*sh));
	return true;
}

/* Section i when it has type type and its bytes lie in the file. */
static bool shdr_get_typed(const struct elf_image *im, size_t i, uint32_t type, Elf64_Shdr *sh)
{
	return shdr_get(im, i, sh) && sh->sh_type == type &&
	       in_file(im, sh->sh_offset, sh->sh_size);
}

/* Whether the string at off of the string table strtab (in the file) is s: never reads past it. */
static bool str_is(const struct elf_image *im, const Elf64_Shdr *strtab, uint64_t off,
		   const char *s)
{
	size_t n = strlen(s) + 1;

	return off < strtab->sh_size && strtab->sh_size - off >= n &&
	       !memcmp(im->bytes + strtab->sh_offset + off, s, n);
}

int elf_image__vaddr_to_off(const struct elf_image *im, uint64_t vaddr, uint64_t *off)
{
	const Elf64_Phdr *ph;
	int i;

	for (i = 0; i < im->n_segs; i++) {
		ph = &im->segs[i];
		if (!(ph->p_flags & PF_X) || !in_file(im, ph->p_offset, ph->p_filesz))
			continue;
		if (vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_filesz) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_image__code_range(const struct elf_image *im, uint64_t off)
{
	int i;

	for (i = 0; i < im->n_code; i++)
		if (off >= im->code[i].off && off - im->code[i].off < im->code[i].len)
			return i;
	return -1;
}

bool elf_image__in_code(const struct elf_image *im, uint64_t off)
{
	return elf_image__code_range(im, off) >= 0;
}

size_t elf_image__code_left(const struct elf_image *im, uint64_t off, size_t max)
{
	int i = elf_image__code_range(im, off);
	uint64_t left;

	if (i < 0)
		return 0;
	left = im->code[i].off + im->code[i].len - off;
	return left < max ? (size_t)left : max;
}

const uint8_t *elf_image__code_at(const struct elf_image *im, uint64_t off, uint64_t len)
{
	if (!len || elf_image__code_left(im, off, SIZE_MAX) < len)
		return NULL;
	return im->bytes + off;
}

/*
 * A program rather than a shared library: ET_EXEC, or ET_DYN with an interpreter (PIE). Only the
 * PT_INTERP header is looked for, within the file.
 */
bool elf_image__is_program(const struct elf_image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->bytes;
	Elf64_Phdr ph;
	size_t i;

	if (eh->e_type == ET_EXEC)
		return true;
	for (i = 0; i < eh->e_phnum; i++)
		if (phdr_get(im, i, &ph) && ph.p_type == PT_INTERP)
			return true;
	return false;
}

/* The PT_LOAD headers (the first ELF_IMAGE_MAX_SEGS), the code ranges, the matchers' view. */
static void find_segments(struct elf_image *im)
{
	Elf64_Phdr ph;
	size_t i;

	for (i = 0; phdr_get(im, i, &ph) && im->n_segs < ELF_IMAGE_MAX_SEGS; i++) {
		if (ph.p_type != PT_LOAD)
			continue;
		im->segs[im->n_segs] = ph;
		im->tsegs[im->n_segs].off = ph.p_offset;
		im->tsegs[im->n_segs].vaddr = ph.p_vaddr;
		im->tsegs[im->n_segs].filesz = ph.p_filesz;
		im->tsegs[im->n_segs++].exec = ph.p_flags & PF_X;
		if (!(ph.p_flags & PF_X) || !in_file(im, ph.p_offset, ph.p_filesz))
			continue;
		im->code[im->n_code].off = ph.p_offset;
		im->code[im->n_code++].len = ph.p_filesz;
	}
}

/*
 * The GNU build id among the notes at p[0..len): records of {namesz, descsz, type} then the
 * name and the description, each padded to 4 bytes. Sizes are 32-bit: summed in 64 bits they
 * cannot wrap, and a note that does not fit ends the walk.
 */
static bool scan_notes(struct elf_image *im, const uint8_t *p, uint64_t len)
{
	uint64_t off = 0, desc_at, next;
	Elf64_Nhdr nh;

	while (len - off >= sizeof(nh)) {
		memcpy(&nh, p + off, sizeof(nh));
		desc_at = off + sizeof(nh) + (((uint64_t)nh.n_namesz + 3) & ~3ull);
		next = desc_at + (((uint64_t)nh.n_descsz + 3) & ~3ull);
		if (desc_at > len || nh.n_descsz > len - desc_at)
			return false;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz &&
		    !memcmp(p + off + sizeof(nh), "GNU", 4)) {
			im->build_id = p + desc_at;
			im->build_id_len = nh.n_descsz;
			return true;
		}
		if (next >= len)
			return false;
		off = next;
	}
	return false;
}

static void find_build_id(struct elf_image *im)
{
	Elf64_Phdr ph;
	size_t i;
	int walked = 0;

	for (i = 0; phdr_get(im, i, &ph) && walked < ELF_IMAGE_MAX_NOTES; i++) {
		if (ph.p_type != PT_NOTE || !in_file(im, ph.p_offset, ph.p_filesz))
			continue;
		walked++;
		if (scan_notes(im, im->bytes + ph.p_offset, ph.p_filesz))
			return;
	}
}

/* The first SHT_PROGBITS section called name lying inside the file; false when none. */
static bool find_section(const struct elf_image *im, const char *name, Elf64_Shdr *sh)
{
	Elf64_Shdr strtab;
	size_t i;

	if (!shdr_get_typed(im, im->shstrndx, SHT_STRTAB, &strtab))
		return false;
	for (i = 0; i < im->shnum; i++)
		if (shdr_get_typed(im, i, SHT_PROGBITS, sh) &&
		    str_is(im, &strtab, sh->sh_name, name))
			return true;
	return false;
}

/* The .eh_frame section (function bounds for anchors), when the section headers are there. */
static void find_eh_frame(struct elf_image *im)
{
	Elf64_Shdr sh;

	if (!find_section(im, ".eh_frame", &sh))
		return;
	im->eh_frame_off = sh.sh_offset;
	im->eh_frame_size = sh.sh_size;
	im->eh_frame_vaddr = sh.sh_addr;
}

/* The section header table: its count (extended numbering: in section 0) and string table. */
static void find_sections(struct elf_image *im)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->bytes;
	Elf64_Shdr sh0;
	uint64_t max;

	if (!eh->e_shoff || eh->e_shentsize != sizeof(sh0) ||
	    !in_file(im, eh->e_shoff, sizeof(sh0)))
		return;
	max = (im->size - eh->e_shoff) / sizeof(sh0);
	memcpy(&sh0, im->bytes + eh->e_shoff, sizeof(sh0));
	im->shoff = eh->e_shoff;
	im->shnum = eh->e_shnum ? eh->e_shnum : sh0.sh_size < max ? (size_t)sh0.sh_size : max;
	if (im->shnum > max)
		im->shnum = (size_t)max;
	im->shstrndx = eh->e_shstrndx == SHN_XINDEX ? sh0.sh_link : eh->e_shstrndx;
}

void elf_image__close(struct elf_image *im)
{
	if (im->bytes)
		munmap(im->bytes, im->size);
	im->bytes = NULL;
	if (im->fd >= 0)
		close(im->fd);
	im->fd = -1;
}

/* Reads len bytes at off: 0, -errno, or -EBADMSG when the file ends first (it shrank). */
static int read_exact(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EBADMSG;
		buf += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Only 64-bit little-endian files: what the probes (x86-64) can use. */
static bool ehdr_usable(const Elf64_Ehdr *eh)
{
	return !memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
	       eh->e_ident[EI_DATA] == ELFDATA2LSB;
}

int elf_image__open_fd(struct elf_image *im, int fd, const struct stat *st)
{
	Elf64_Ehdr eh;
	int err;

	memset(im, 0, sizeof(*im));
	im->fd = -1;
	if (!S_ISREG(st->st_mode) || st->st_size < (off_t)sizeof(eh))
		return -ENOEXEC;
	/* the header first: most files offered are not ELF, and need not be read whole */
	err = read_exact(fd, (uint8_t *)&eh, sizeof(eh), 0);
	if (err)
		return err;
	if (!ehdr_usable(&eh))
		return -ENOEXEC;
	if ((uint64_t)st->st_size > ELF_IMAGE_MAX_BYTES)
		return -EFBIG;
	im->size = (size_t)st->st_size;
	/*
	 * Anonymous memory faulted in at once (a big static binary is hundreds of MB: a fault per
	 * page as pread fills it cost more than the copy) and returned whole at close.
	 */
	im->bytes = mmap(NULL, im->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (im->bytes == MAP_FAILED) {
		im->bytes = NULL;
		return -ENOMEM;
	}
	err = read_exact(fd, im->bytes, im->size, 0);
	if (!err && !ehdr_usable((const Elf64_Ehdr *)im->bytes))
		err = -EBADMSG; /* rewritten between the two reads */
	if (err) {
		elf_image__close(im);
		return err;
	}
	find_segments(im);
	find_sections(im);
	find_build_id(im);
	find_eh_frame(im);
	return 0;
}

int elf_image__open(struct elf_image *im, const char *path)
{
	struct stat st;
	int fd, err;

	memset(im, 0, sizeof(*im));
	im->fd = -1;
	/* O_NONBLOCK: a FIFO put where a library was must not hold the open */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	err = fstat(fd, &st) ? -errno : elf_image__open_fd(im, fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	im->fd = fd;
	return 0;
}

/* aws-lc-sys builds prefix every symbol: aws_lc_0_30_0_EVP_AEAD_CTX_seal is EVP_AEAD_CTX_seal */
static uint64_t unprefixed(const struct elf_image *im, const Elf64_Shdr *strtab, uint64_t off)
{
	const uint8_t *s = im->bytes + strtab->sh_offset + off, *u;
	uint64_t left = strtab->sh_size - off, win;

	if (left < 8 || memcmp(s, "aws_lc_", 7))
		return off;
	win = left - 7 < 64 ? left - 7 : 64; /* the version part is short */
	u = memmem(s + 7, (size_t)win, "_EVP_", 5);
	if (!u || memchr(s, '\0', (size_t)(u - s)))
		return off;
	return off + (uint64_t)(u + 1 - s);
}

/*
 * One symbol table: section sym, its strings in section sym->sh_link. Names are compared in
 * place, bounded by the string table, so no symbol costs more than the names looked for.
 */
static void scan_symtab(const struct elf_image *im, const Elf64_Shdr *sym, const char *const *names,
			size_t n, uint64_t *offs)
{
	Elf64_Shdr strtab;
	uint64_t i, count, name;
	Elf64_Sym s;
	size_t k;

	if (sym->sh_entsize != sizeof(s) || !shdr_get_typed(im, sym->sh_link, SHT_STRTAB, &strtab))
		return;
	count = sym->sh_size / sizeof(s);
	for (i = 0; i < count; i++) {
		memcpy(&s, im->bytes + sym->sh_offset + i * sizeof(s), sizeof(s));
		if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF ||
		    !s.st_value || s.st_name >= strtab.sh_size)
			continue;
		name = unprefixed(im, &strtab, s.st_name);
		for (k = 0; k < n; k++) {
			if (!offs[k] && names[k] && str_is(im, &strtab, name, names[k]) &&
			    elf_image__vaddr_to_off(im, s.st_value, &offs[k]))
				offs[k] = 0;
		}
	}
}

int elf_image__symbols(const struct elf_image *im, const char *const *names, size_t n,
		       uint64_t *offs)
{
	bool seen_dyn = false, seen_sym = false;
	Elf64_Shdr sh;
	int found = 0;
	size_t i, k;

	memset(offs, 0, n * sizeof(*offs));
	/* one table of each type: a file claiming thousands would make the walk quadratic */
	for (i = 0; i < im->shnum && !(seen_dyn && seen_sym); i++) {
		if (!seen_dyn && shdr_get_typed(im, i, SHT_DYNSYM, &sh))
			seen_dyn = true;
		else if (!seen_sym && shdr_get_typed(im, i, SHT_SYMTAB, &sh))
			seen_sym = true;
		else
			continue;
		scan_symtab(im, &sh, names, n, offs);
	}
	for (k = 0; k < n; k++)
		found += offs[k] != 0;
	return found;
}

int targets_elf_lookup(const char *path, const char *const *names, size_t n, uint64_t *offs)
{
	struct elf_image im;
	int err;

	memset(offs, 0, n * sizeof(*offs));
	err = elf_image__open(&im, path);
	if (err)
		return err;
	err = elf_image__symbols(&im, names, n, offs);
	elf_image__close(&im);
	return err;
}

struct tlsdb_image elf_image__view(const struct elf_image *im)
{
	struct tlsdb_image img = {
		.data = im->bytes,
		.size = im->size,
		.build_id = im->build_id,
		.build_id_len = im->build_id_len,
		.code = im->code,
		.n_code = im->n_code,
		.segs = im->tsegs,
		.n_segs = im->n_segs,
		.eh_frame_off = im->eh_frame_off,
		.eh_frame_size = im->eh_frame_size,
		.eh_frame_vaddr = im->eh_frame_vaddr,
	};

	return img;
}

int elf_image__pclntab(const struct elf_image *im, struct gopcln *g)
{
	struct tlsdb_image view = elf_image__view(im);
	const Elf64_Phdr *ph;
	Elf64_Shdr sh;
	long at;
	int i;

	if (find_section(im, ".gopclntab", &sh))
		return gopcln_init(g, im->bytes + sh.sh_offset, sh.sh_size);
	/* not a Go program: skip the search (the magic is data: code is not searched) */
	if (!tlsdb_data_has(&view, "\xff Go buildinf:", 14))
		return -ENOENT;
	for (i = 0; i < im->n_segs; i++) {
		ph = &im->segs[i];
		if ((ph->p_flags & (PF_X | PF_W)) || !in_file(im, ph->p_offset, ph->p_filesz))
			continue;
		at = gopcln_search(im->bytes + ph->p_offset, ph->p_filesz);
		if (at >= 0)
			return gopcln_init(g, im->bytes + ph->p_offset + at,
					   ph->p_filesz - (size_t)at);
	}
	return -ENOENT;
}
