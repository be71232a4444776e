/* SPDX-License-Identifier: MIT */
/*
 * elf_fixture.h: a builder of small ELF64 images in memory, headers and offsets set by hand so
 * tests can make them lie (test_targets_elf.c: hostile files against the inspection).
 */
#ifndef TT_ELF_FIXTURE_H
#define TT_ELF_FIXTURE_H

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ELFX_PHDRS 0x40	 /* program headers start here */
#define ELFX_SHDRS 0x200 /* section headers, when added, start here (8 at most) */

/* An x86-64 executable header at img, no program or section headers yet. */
static inline void elfx_init(uint8_t *img, size_t size)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	memset(img, 0, size);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = ELFX_PHDRS;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_shentsize = sizeof(Elf64_Shdr);
}

static inline Elf64_Phdr *elfx_phdr(uint8_t *img, uint32_t type, uint32_t flags, uint64_t off,
				    uint64_t filesz, uint64_t vaddr)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + ELFX_PHDRS) + eh->e_phnum++;

	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_offset = off;
	ph->p_vaddr = ph->p_paddr = vaddr;
	ph->p_filesz = ph->p_memsz = filesz;
	ph->p_align = type == PT_LOAD ? 0x1000 : 4;
	return ph;
}

static inline Elf64_Shdr *elfx_shdr(uint8_t *img, uint32_t type, uint32_t name, uint64_t off,
				    uint64_t size, uint32_t link, uint64_t entsize)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh;

	if (!eh->e_shnum) { /* section 0 is the null section */
		eh->e_shoff = ELFX_SHDRS;
		eh->e_shnum = 1;
	}
	sh = (Elf64_Shdr *)(img + ELFX_SHDRS) + eh->e_shnum++;
	sh->sh_type = type;
	sh->sh_name = name;
	sh->sh_offset = off;
	sh->sh_size = size;
	sh->sh_link = link;
	sh->sh_entsize = entsize;
	return sh;
}

/* A FUNC symbol at index i of the table at img + off. */
static inline void elfx_sym(uint8_t *img, uint64_t off, int i, uint32_t name, uint64_t value)
{
	Elf64_Sym *s = (Elf64_Sym *)(img + off) + i;

	s->st_name = name;
	s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
	s->st_shndx = 1;
	s->st_value = value;
	s->st_size = 16;
}

static inline int elfx_write(const char *path, const uint8_t *img, size_t size)
{
	FILE *f = fopen(path, "we");
	size_t n;

	if (!f)
		return -1;
	n = fwrite(img, 1, size, f);
	return fclose(f) || n != size ? -1 : 0;
}

#endif /* TT_ELF_FIXTURE_H */
