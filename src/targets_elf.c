// SPDX-License-Identifier: MIT
/*
 * targets_elf.c: ELF image access for the resolution tiers of targets.c: a file mapped
 * read-only, its segments and code ranges, build id, sections, symbols and Go function table.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gopclntab.h"
#include "targets.h"
#include "targets_elf.h"
#include "tlsdb.h"

int elf_image__vaddr_to_off(const struct elf_image *im, uint64_t vaddr, uint64_t *off)
{
	const GElf_Phdr *ph;
	int i;

	for (i = 0; i < im->n_segs; i++) {
		ph = &im->segs[i];
		if (!(ph->p_flags & PF_X))
			continue;
		if (vaddr >= ph->p_vaddr && vaddr < ph->p_vaddr + ph->p_filesz) {
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
		if (off >= im->code[i].off && off < im->code[i].off + im->code[i].len)
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

static int find_segments(struct elf_image *im)
{
	size_t i, count;
	GElf_Phdr ph;

	im->n_segs = 0;
	if (elf_getphdrnum(im->elf, &count))
		return -EBADMSG;
	for (i = 0; i < count && im->n_segs < ELF_IMAGE_MAX_SEGS; i++)
		if (gelf_getphdr(im->elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			im->segs[im->n_segs++] = ph;
	return 0;
}

/* The code ranges and the matchers' view of the segments, from the PT_LOAD headers. */
static void note_segments(struct elf_image *im)
{
	const GElf_Phdr *ph;
	int i;

	for (i = 0; i < im->n_segs; i++) {
		ph = &im->segs[i];
		im->tsegs[i].off = ph->p_offset;
		im->tsegs[i].vaddr = ph->p_vaddr;
		im->tsegs[i].filesz = ph->p_filesz;
		im->tsegs[i].exec = ph->p_flags & PF_X;
		if (!(ph->p_flags & PF_X) || ph->p_offset > im->size ||
		    ph->p_filesz > im->size - ph->p_offset)
			continue;
		im->code[im->n_code].off = ph->p_offset;
		im->code[im->n_code++].len = ph->p_filesz;
	}
}

static void find_build_id(struct elf_image *im)
{
	size_t i, count, off, name_off, desc_off;
	Elf_Data *data;
	GElf_Nhdr nh;
	GElf_Phdr ph;

	if (elf_getphdrnum(im->elf, &count))
		return;
	for (i = 0; i < count; i++) {
		if (!gelf_getphdr(im->elf, (int)i, &ph) || ph.p_type != PT_NOTE ||
		    ph.p_offset > im->size || ph.p_filesz > im->size - ph.p_offset)
			continue;
		data = elf_getdata_rawchunk(im->elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		off = 0;
		while (data && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)data->d_buf + name_off, "GNU", 4)) {
				im->build_id = (const uint8_t *)data->d_buf + desc_off;
				im->build_id_len = nh.n_descsz;
				return;
			}
		}
	}
}

/* The first SHT_PROGBITS section called name lying inside the file; false when none. */
static bool find_section(const struct elf_image *im, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	const char *s;
	size_t shstr;

	if (elf_getshdrstrndx(im->elf, &shstr))
		return false;
	while ((scn = elf_nextscn(im->elf, scn))) {
		if (!gelf_getshdr(scn, sh) || sh->sh_type != SHT_PROGBITS)
			continue;
		s = elf_strptr(im->elf, shstr, sh->sh_name);
		if (s && !strcmp(s, name) && sh->sh_offset <= im->size &&
		    sh->sh_size <= im->size - sh->sh_offset)
			return true;
	}
	return false;
}

/* The .eh_frame section (function bounds for anchors), when the section headers are there. */
static void find_eh_frame(struct elf_image *im)
{
	GElf_Shdr sh;

	if (!find_section(im, ".eh_frame", &sh))
		return;
	im->eh_frame_off = sh.sh_offset;
	im->eh_frame_size = sh.sh_size;
	im->eh_frame_vaddr = sh.sh_addr;
}

void elf_image__close(struct elf_image *im)
{
	if (im->elf)
		elf_end(im->elf);
	if (im->map && im->map != MAP_FAILED)
		munmap(im->map, im->size);
	if (im->fd >= 0)
		close(im->fd);
}

/* Maps the file at path, or the file open at fd (>= 0: duplicated, the caller keeps it). */
static int image_open(struct elf_image *im, const char *path, int fd)
{
	struct stat st;
	int err;

	memset(im, 0, sizeof(*im));
	im->fd = -1;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	im->fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
	if (im->fd < 0)
		return -errno;
	if (fstat(im->fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 64) {
		err = -ENOEXEC;
		goto fail;
	}
	im->size = (size_t)st.st_size;
	/*
	 * Shared, not private: the kernel puts the breakpoints of uprobes already registered on
	 * the file (another tracer's) into every private mapping that may execute, ours too, and
	 * the prologues read here would show int3 (a shared mapping of a read-only fd never gets
	 * them).
	 */
	im->map = mmap(NULL, im->size, PROT_READ, MAP_SHARED, im->fd, 0);
	if (im->map == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	if (memcmp(im->map, ELFMAG, SELFMAG)) {
		err = -ENOEXEC;
		goto fail;
	}
	im->elf = elf_memory((char *)im->map, im->size);
	if (!im->elf || elf_kind(im->elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto fail;
	}
	err = find_segments(im);
	if (err)
		goto fail;
	note_segments(im);
	find_build_id(im);
	find_eh_frame(im);
	return 0;
fail:
	elf_image__close(im);
	return err;
}

int elf_image__open(struct elf_image *im, const char *path)
{
	return image_open(im, path, -1);
}

int elf_image__open_fd(struct elf_image *im, int fd, const struct stat *st)
{
	return image_open(im, NULL, fd);
}

static void scan_symtab(const struct elf_image *im, Elf_Scn *scn, const GElf_Shdr *sh,
			const char *const *names, size_t n, uint64_t *offs)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, k, count;
	GElf_Sym sym;
	const char *name;

	if (!data || !sh->sh_entsize)
		return;
	count = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(im->elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		/* aws-lc-sys builds prefix every symbol: aws_lc_0_30_0_EVP_AEAD_CTX_seal */
		if (!strncmp(name, "aws_lc_", 7)) {
			const char *u = strstr(name + 7, "_EVP_");

			name = u ? u + 1 : name;
		}
		for (k = 0; k < n; k++) {
			if (!offs[k] && names[k] && !strcmp(name, names[k]) &&
			    elf_image__vaddr_to_off(im, sym.st_value, &offs[k]))
				offs[k] = 0;
		}
	}
}

int elf_image__symbols(const struct elf_image *im, const char *const *names, size_t n,
		       uint64_t *offs)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int found = 0;
	size_t k;

	memset(offs, 0, n * sizeof(*offs));
	while ((scn = elf_nextscn(im->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB)
			scan_symtab(im, scn, &sh, names, n, offs);
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
		.data = im->map,
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
	const GElf_Phdr *ph;
	GElf_Shdr sh;
	long at;
	int i;

	if (find_section(im, ".gopclntab", &sh))
		return gopcln_init(g, im->map + sh.sh_offset, sh.sh_size);
	/* not a Go program: skip the search (the magic is data: code is not searched) */
	if (!tlsdb_data_has(&view, "\xff Go buildinf:", 14))
		return -ENOENT;
	for (i = 0; i < im->n_segs; i++) {
		ph = &im->segs[i];
		if ((ph->p_flags & (PF_X | PF_W)) || ph->p_offset > im->size ||
		    ph->p_filesz > im->size - ph->p_offset)
			continue;
		at = gopcln_search(im->map + ph->p_offset, ph->p_filesz);
		if (at >= 0)
			return gopcln_init(g, im->map + ph->p_offset + at,
					   ph->p_filesz - (size_t)at);
	}
	return -ENOENT;
}
