/* SPDX-License-Identifier: MIT */
/* tlsdb.h: the TLS target database (tiers 2 and 3): build fingerprints and prologue signatures. */
#ifndef TT_TLSDB_H
#define TT_TLSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ehframe.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The database is plain text (tools/tls-targets.conf documents the format), so users can add
 * builds and signatures without recompiling:
 *
 *   fingerprint NAME [lib=LIB] buildid=HEX FUNC=0xOFF ...        exact file offsets of a build
 *   fingerprint NAME [lib=LIB] size=N fnv64k=HEX FUNC=0xOFF ...  same, keyed by size + hash
 *   sigset NAME lib=LIB [marker=TEXT] [span=0xN] [align=N] [need=F1|F2,F3|F4]
 *   sig FUNC HEX HEX ?? HEX ...                          a variant of FUNC's first bytes
 *   anchor FUNC STRING                                   FUNC is the one function whose code
 *                                                        loads the address of STRING
 *
 * fnv64k is FNV-1a 64 of the first 64 KiB of the file. A sig line belongs to the sigset above
 * it; several lines for one FUNC are variants.
 */
#define TLSDB_NAME_MAX	   48
#define TLSDB_FUNCS_MAX	   8	 /* functions per fingerprint or signature set */
#define TLSDB_SIG_MAX	   128	 /* bytes per signature */
#define TLSDB_PREFIX_BYTES 65536 /* bytes hashed by fnv64k */

struct tlsdb_off {
	char func[TLSDB_NAME_MAX];
	uint64_t off;
};

struct tlsdb_fp {
	char name[TLSDB_NAME_MAX];
	char lib[TLSDB_NAME_MAX]; /* optional lib= */
	uint8_t build_id[64];
	size_t build_id_len; /* 0: keyed by size + fnv64k */
	uint64_t size;
	uint64_t fnv64k;
	struct tlsdb_off offs[TLSDB_FUNCS_MAX];
	int n_offs;
};

struct tlsdb_sig {
	char func[TLSDB_NAME_MAX];
	/* an anchor line: bytes holds the string (NUL included), mask is unused */
	bool anchor;
	uint8_t bytes[TLSDB_SIG_MAX];
	uint8_t mask[TLSDB_SIG_MAX]; /* 0xff: must match, 0: wildcard */
	size_t len;
	int set; /* index of its sigset */
	int line;
};

struct tlsdb_set {
	char name[TLSDB_NAME_MAX];
	char lib[TLSDB_NAME_MAX];
	char marker[TLSDB_NAME_MAX]; /* the file must contain it ("" = no gate) */
	uint64_t span;		     /* all found functions lie within span bytes (0 = any) */
	uint32_t align;		     /* function starts are aligned so (1 = any) */
	/* groups of alternatives that must all be found, e.g. {SSL_write|SSL_write_ex} */
	char need[TLSDB_FUNCS_MAX][TLSDB_NAME_MAX * 2];
	int n_need;
};

struct tlsdb;

/* Input of a match: the file's bytes and which ranges hold code. */
struct tlsdb_range {
	uint64_t off; /* file offset */
	uint64_t len;
};

/* A PT_LOAD segment, for anchors (virtual addresses). */
struct tlsdb_seg {
	uint64_t off;
	uint64_t vaddr;
	uint64_t filesz;
	bool exec;
};

struct tlsdb_image {
	const uint8_t *data; /* the whole file */
	size_t size;
	const uint8_t *build_id;
	size_t build_id_len;
	const struct tlsdb_range *code; /* executable ranges */
	int n_code;
	/* for anchors: the segments and .eh_frame (function bounds); n_segs 0 = no anchors */
	const struct tlsdb_seg *segs;
	int n_segs;
	uint64_t eh_frame_off; /* file offset of .eh_frame, 0 when none */
	uint64_t eh_frame_size;
	uint64_t eh_frame_vaddr;
};

/*
 * Whether the non-executable segments of img (the whole file when none are known) hold needle:
 * strings and tables live there, and skipping the code keeps this cheap on big static
 * binaries (Codex: 245 of 294 MB are code), which are inspected while they start.
 */
bool tlsdb_data_has(const struct tlsdb_image *img, const void *needle, size_t n);
/* Reads every FDE of img's .eh_frame into *out (malloc'd, sorted); the count or -errno. */
long tlsdb_eh_functions(const struct tlsdb_image *img, struct eh_func **out);

/* Result of a successful match: which entry, and the file offsets it gives. */
struct tlsdb_hit {
	char name[TLSDB_NAME_MAX]; /* fingerprint or signature set */
	char lib[TLSDB_NAME_MAX];  /* sigset lib= (empty for fingerprints) */
	struct tlsdb_off offs[TLSDB_FUNCS_MAX];
	int n_offs;
	char why[160]; /* when rejected: the reason */
};

struct tlsdb *tlsdb__new(void);
/* Adds entries from a text buffer or a file; -EBADMSG names the bad line in *errline. */
int tlsdb__parse(struct tlsdb *db, const char *text, size_t len, const char *origin, int *errline);
int tlsdb__load_file(struct tlsdb *db, const char *path, int *errline);
int tlsdb__n_fingerprints(const struct tlsdb *db);
int tlsdb__n_sets(const struct tlsdb *db);
/* Tier 2: 1 and *hit filled when a fingerprint names this build, 0 when none, -errno. */
int tlsdb__match_fingerprint(const struct tlsdb *db, const struct tlsdb_image *img,
			     struct tlsdb_hit *hit);
/*
 * Tier 3: tries each signature set in file order. A function is found when its variants match
 * at exactly one position (aligned, inside code); the set is accepted when every need group has
 * a function and all found functions lie within span. Returns 1 (hit), 0 (no set applies;
 * hit->why says why the closest one was rejected, if any), -errno.
 */
int tlsdb__match_signatures(const struct tlsdb *db, const struct tlsdb_image *img,
			    struct tlsdb_hit *hit);
/*
 * The same over the sets one of whose need groups names func only (NULL: every set): where a
 * file's stack is known and one part of it is looked for (OpenSSL's record layer beside its
 * exported API), a set of another stack the file also holds (aws-lc in Codex) never answers.
 */
int tlsdb__match_signatures_for(const struct tlsdb *db, const struct tlsdb_image *img,
				const char *func, struct tlsdb_hit *hit);
void tlsdb__free(struct tlsdb *db);

uint64_t tlsdb_fnv64(const uint8_t *p, size_t n);
/* Parses "55 48 ?? 89" into bytes/mask; returns the length or -EINVAL. */
int tlsdb_parse_pattern(const char *s, uint8_t *bytes, uint8_t *mask, size_t max);

#ifdef __cplusplus
}
#endif
#endif /* TT_TLSDB_H */
