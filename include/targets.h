/* SPDX-License-Identifier: MIT */
/* targets.h: which files carry TLS functions to probe, and where those functions are. */
#ifndef TT_TARGETS_H
#define TT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tt_func {
	TT_FN_SSL_WRITE = 0,
	TT_FN_SSL_WRITE_EX,
	TT_FN_SSL_READ,
	TT_FN_SSL_READ_EX,
	TT_FN_SSL_FREE,
	TT_FN_MAX,
};

enum tt_tier {
	TT_TIER_NONE = 0,
	TT_TIER_SYMBOL,		/* .dynsym / .symtab */
};

/* A file to probe: found functions as file offsets (0 = absent). */
struct tt_target {
	char path[4096];	/* a path the kernel can open (may be /proc/PID/root/... ) */
	dev_t dev;
	ino_t ino;
	uint64_t off[TT_FN_MAX];
	enum tt_tier tier[TT_FN_MAX];
};

const char *targets_func_name(enum tt_func fn);
/*
 * Looks up the TLS functions in the ELF file at path. Returns the number found (0: not a TLS
 * carrier), or -errno (-ENOEXEC: not ELF). Fills t->off/tier, dev and ino.
 */
int targets_inspect(const char *path, struct tt_target *t);
/* Offsets of named functions in an ELF file (symbol value converted to a file offset). */
int targets_elf_lookup(const char *path, const char *const *names, size_t n, uint64_t *offs);
/*
 * Candidate TLS libraries of the system (libssl.so.* known to the dynamic linker cache and in
 * the usual directories), de-duplicated by inode. Calls fn for each; returns the count.
 */
int targets_system_libs(void (*fn)(const char *path, void *ctx), void *ctx);
/*
 * TLS libraries mapped by a process, as openable paths through /proc/PID/map_files (so they
 * work across mount namespaces), plus /proc/PID/exe. Returns the count or -errno.
 */
int targets_process(pid_t pid, void (*fn)(const char *path, void *ctx), void *ctx);
/* Children of pid, from /proc/PID/task/STAR/children; returns how many were stored. */
int targets_children(pid_t pid, int *out, int max);

#ifdef __cplusplus
}
#endif
#endif /* TT_TARGETS_H */
