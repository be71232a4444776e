/* SPDX-License-Identifier: MIT */
/*
 * targets_elf.h: an ELF file read into memory once, and what the resolution tiers of targets.c
 * read in it (segments, code ranges, build id, symbols, .eh_frame, the Go function table).
 */
#ifndef TT_TARGETS_ELF_H
#define TT_TARGETS_ELF_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "gopclntab.h"
#include "tlsdb.h"

#define ELF_IMAGE_MAX_SEGS  16		 /* PT_LOAD segments kept */
#define ELF_IMAGE_MAX_NOTES 8		 /* PT_NOTE segments searched for the build id */
#define ELF_IMAGE_MAX_BYTES (1ull << 30) /* largest file inspected (Codex: 294 MB) */

struct elf_image {
	int fd; /* ours when opened by path, else -1 (the caller's) */
	/*
	 * The file's bytes, read with pread into memory of our own: the owner of the file can
	 * truncate it at any time, which would raise SIGBUS in a mapping of it.
	 */
	uint8_t *bytes;
	size_t size;
	uint64_t shoff; /* section headers, checked to lie in the file (shnum 0: none) */
	size_t shnum;
	size_t shstrndx;
	Elf64_Phdr segs[ELF_IMAGE_MAX_SEGS]; /* PT_LOAD */
	int n_segs;
	struct tlsdb_range code[ELF_IMAGE_MAX_SEGS];
	int n_code;
	const uint8_t *build_id;
	size_t build_id_len;
	struct tlsdb_seg tsegs[ELF_IMAGE_MAX_SEGS]; /* for anchors */
	uint64_t eh_frame_off, eh_frame_size, eh_frame_vaddr;
};

/* Reads the ELF file at path into *im: 0 or -errno (-ENOEXEC: not an ELF file). */
int elf_image__open(struct elf_image *im, const char *path);
/*
 * The same for the open file fd (left open, owned by the caller), st its fstat: for callers
 * that open a file once and inspect and attach through that fd. -EBADMSG when the file is
 * shorter than st says (truncated meanwhile), -EFBIG above ELF_IMAGE_MAX_BYTES.
 */
int elf_image__open_fd(struct elf_image *im, int fd, const struct stat *st);
void elf_image__close(struct elf_image *im);
/* A program (ET_EXEC, or ET_DYN with PT_INTERP), not a shared library. */
bool elf_image__is_program(const struct elf_image *im);
/*
 * File offsets of the functions names[0..n) (NULL: skipped) by their .dynsym / .symtab symbols
 * into offs (0: not found); the count found or -errno.
 */
int elf_image__symbols(const struct elf_image *im, const char *const *names, size_t n,
		       uint64_t *offs);
/* Converts a virtual address to a file offset through the executable PT_LOAD segments. */
int elf_image__vaddr_to_off(const struct elf_image *im, uint64_t vaddr, uint64_t *off);
/* Index of the code range holding file offset off, or -1. */
int elf_image__code_range(const struct elf_image *im, uint64_t off);
bool elf_image__in_code(const struct elf_image *im, uint64_t off);
/* Bytes of code from off to the end of its range, at most max. */
size_t elf_image__code_left(const struct elf_image *im, uint64_t off, size_t max);
/* The len bytes of code at file offset off when they lie in one code range, else NULL. */
const uint8_t *elf_image__code_at(const struct elf_image *im, uint64_t off, uint64_t len);
/* What the database's matchers see of im. */
struct tlsdb_image elf_image__view(const struct elf_image *im);
/*
 * The Go function table: the .gopclntab section, or a search of the read-only data when it is
 * gone. 0, -ENOENT (not a Go program), or gopcln_init's error (-ENOTSUP: Go before 1.18).
 */
int elf_image__pclntab(const struct elf_image *im, struct gopcln *g);

#endif /* TT_TARGETS_ELF_H */
