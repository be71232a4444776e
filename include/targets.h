/* SPDX-License-Identifier: MIT */
/* targets.h: which files carry TLS functions to probe, and where those functions are. */
#ifndef TT_TARGETS_H
#define TT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tt_func {
	TT_FN_SSL_WRITE = 0, /* OpenSSL, BoringSSL */
	TT_FN_SSL_WRITE_EX,
	TT_FN_SSL_READ,
	TT_FN_SSL_READ_EX,
	TT_FN_SSL_FREE,
	TT_FN_GNUTLS_SEND, /* gnutls_record_send */
	TT_FN_GNUTLS_RECV, /* gnutls_record_recv */
	TT_FN_PR_WRITE,	   /* NSS through NSPR */
	TT_FN_PR_READ,
	TT_FN_PR_SEND,
	TT_FN_PR_RECV,
	TT_FN_GO_WRITE,		/* crypto/tls.(*Conn).Write */
	TT_FN_GO_READ,		/* crypto/tls.(*Conn).Read */
	TT_FN_SSL_WRITE_INT,	/* OpenSSL ssl_write_internal: under SSL_write and SSL_write_ex */
	TT_FN_SSL_READ_INT,	/* OpenSSL ssl_read_internal: under SSL_read and SSL_read_ex */
	TT_FN_AEAD_SEAL,	/* aws-lc EVP_AEAD_CTX_seal: TLS records of rustls (Codex) */
	TT_FN_AEAD_OPEN,	/* aws-lc EVP_AEAD_CTX_open */
	TT_FN_SSL3_WRITE_BYTES, /* OpenSSL record layer: under every SSL write, even inlined ones */
	TT_FN_SSL3_READ_BYTES,	/* OpenSSL record layer: under every SSL read */
	TT_FN_MAX,
};

/* How a function was found: the resolution tiers, tried in order (issue 6). */
enum tt_tier {
	TT_TIER_NONE = 0,
	TT_TIER_SYMBOL,	     /* 1: .dynsym / .symtab */
	TT_TIER_FINGERPRINT, /* 2: a known build in the database (build id or size + hash) */
	TT_TIER_SIGNATURE,   /* 3: unique prologue byte patterns at consistent distances */
	TT_TIER_OVERRIDE,    /* 4: --tls-offsets FILE:func=0xOFF (wins over the others) */
	TT_TIER_PCLNTAB,     /* Go: .gopclntab function table (tier 1 for Go, survives strip) */
	TT_TIER_DISASM,	     /* the callee of an exported wrapper, by decoding the wrapper */
};

#define TT_GO_RETS_MAX 32 /* RET instructions probed per Go function */

/* A file to probe: found functions as file offsets (0 = absent). */
struct tt_target {
	char path[4096]; /* the file for the kernel: /proc/self/fd/N of the inspected fd */
	dev_t dev;
	ino_t ino;
	uint64_t off[TT_FN_MAX];
	enum tt_tier tier[TT_FN_MAX];
	/* Go: the write probe goes after the stack check (see bpf/gotls.bpf.c), reads on RETs */
	uint64_t go_write_at;
	uint64_t go_read_rets[TT_GO_RETS_MAX];
	int n_go_read_rets;
	/*
	 * OpenSSL: for SSL_write, SSL_write_ex, SSL_read, SSL_read_ex (indexed by tt_func), the file
	 * offset of the return address of its call to ssl_*_internal, 0 when it does not go through
	 * it. Those that do are probed at the internal function only (see tier_internal).
	 */
	uint64_t int_site[TT_FN_SSL_READ_EX + 1];
	char lib[48];	 /* openssl, boringssl, gnutls, nss, gotls, ... */
	char source[64]; /* fingerprint or signature set that matched, if any */
	char note[256];	 /* why capture is partial or impossible, what to do */
};

const char *targets_func_name(enum tt_func fn);
const char *targets_tier_name(enum tt_tier tier);
/* The tt_func named name (as in targets_func_name, or "go_write"/"go_read"), or -ENOENT. */
int targets_func_by_name(const char *name);
/*
 * Looks up the TLS functions in the ELF file at path through the tiers, or takes the answer
 * from the inspection cache (targets_cache.c). Returns the number found when both directions
 * are covered, 0 when the file is not a usable TLS carrier (t->note says why when something
 * was found), or -errno (-ENOEXEC: not ELF). Fills t.
 */
int targets_inspect(const char *path, struct tt_target *t);
/*
 * Opens a file a traced program names, once: inspection and attachment both go through the
 * descriptor, so that a file swapped in meanwhile is never probed at another file's offsets. A
 * path /proc/PID/root/REST is resolved inside that root. Nothing is opened for reading before
 * fstat shows a regular file: a FIFO or a device never blocks and is never read (-ENOEXEC).
 * Returns a read-only descriptor (its stat in *st) or -errno.
 */
int targets_open(const char *path, struct stat *st);
/* "/proc/self/fd/N": what the kernel opens as the file at fd itself (no lookup by name). */
void targets_fd_path(int fd, char *buf, size_t len);
/* targets_inspect of the file open at fd; t->path is its targets_fd_path. */
int targets_inspect_opened(int fd, struct tt_target *t);
/* Inspections answered from the cache ($TT_TARGETS_CACHE; see targets_cache.c) so far. */
uint64_t targets_cache_hits(void);
/* True when t covers writes and reads. */
bool targets_has_write(const struct tt_target *t);
bool targets_has_read(const struct tt_target *t);
/* Offsets of named functions in an ELF file (symbol value converted to a file offset). */
int targets_elf_lookup(const char *path, const char *const *names, size_t n, uint64_t *offs);

/*
 * Tier 4, the manual override, from a --tls-offsets value: "FILE:func=0xOFF[,func=0xOFF...]"
 * (file offsets; func as in targets_func_name). May be called once per option; returns 0 or
 * -EINVAL / -ENOENT (FILE missing) / -E2BIG.
 */
int targets_parse_overrides(const char *spec);
void targets_clear_overrides(void);
/*
 * The database of tiers 2 and 3. Without a call, the first inspection loads the files named in
 * TT_TLS_TARGETS (colon-separated) or else the first found of /etc/tracetree-bpf/
 * tls-targets.conf, <exe dir>/tools/tls-targets.conf, <exe dir>/../tools/tls-targets.conf,
 * <exe dir>/../share/tracetree-bpf/tls-targets.conf. Returns 0 or -errno (logged).
 */
int targets_load_db(const char *path);
/* Describes the loaded database ("N fingerprints, M signature sets from PATH"). */
void targets_db_describe(char *buf, size_t len);

/*
 * Candidate TLS libraries of the system (libssl, libgnutls in the usual directories; not
 * libnspr4, whose PR_Read/PR_Write also serve files), de-duplicated by inode. Calls fn for
 * each; returns the count.
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
