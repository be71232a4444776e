// SPDX-License-Identifier: MIT
/* targets.c: find the files that carry TLS functions and the functions' file offsets, through
 * the resolution tiers: symbols, fingerprints, signatures (tlsdb), Go pclntab, overrides. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disasm.h"
#include "gopclntab.h"
#include "log.h"
#include "targets.h"
#include "targets_elf.h"
#include "targets_internal.h"
#include "tlsdb.h"

#define TARGETS_MAX_OVERRIDES 64

static const char *const func_names[TT_FN_MAX] = {
	[TT_FN_SSL_WRITE] = "SSL_write",
	[TT_FN_SSL_WRITE_EX] = "SSL_write_ex",
	[TT_FN_SSL_READ] = "SSL_read",
	[TT_FN_SSL_READ_EX] = "SSL_read_ex",
	[TT_FN_SSL_FREE] = "SSL_free",
	[TT_FN_GNUTLS_SEND] = "gnutls_record_send",
	[TT_FN_GNUTLS_RECV] = "gnutls_record_recv",
	[TT_FN_PR_WRITE] = "PR_Write",
	[TT_FN_PR_READ] = "PR_Read",
	[TT_FN_PR_SEND] = "PR_Send",
	[TT_FN_PR_RECV] = "PR_Recv",
	[TT_FN_GO_WRITE] = "crypto/tls.(*Conn).Write",
	[TT_FN_GO_READ] = "crypto/tls.(*Conn).Read",
	[TT_FN_SSL_WRITE_INT] = "ssl_write_internal",
	[TT_FN_SSL_READ_INT] = "ssl_read_internal",
	[TT_FN_AEAD_SEAL] = "EVP_AEAD_CTX_seal",
	[TT_FN_AEAD_OPEN] = "EVP_AEAD_CTX_open",
	[TT_FN_SSL3_WRITE_BYTES] = "ssl3_write_bytes",
	[TT_FN_SSL3_READ_BYTES] = "ssl3_read_bytes",
};

static const char *const tier_names[] = {
	[TT_TIER_NONE] = "none",
	[TT_TIER_SYMBOL] = "symbol",
	[TT_TIER_FINGERPRINT] = "fingerprint",
	[TT_TIER_SIGNATURE] = "signature",
	[TT_TIER_OVERRIDE] = "override",
	[TT_TIER_PCLNTAB] = "gopclntab",
	[TT_TIER_DISASM] = "disasm",
};

struct override {
	dev_t dev;
	ino_t ino;
	enum tt_func fn;
	uint64_t off;
};

static struct override overrides[TARGETS_MAX_OVERRIDES];
static uint64_t db_hash; /* FNV of the database files loaded, in order (cache salt) */
static int n_overrides;
static struct tlsdb *db;
static bool db_tried;
static char db_desc[PATH_MAX + 64];

const char *targets_func_name(enum tt_func fn)
{
	return fn < TT_FN_MAX ? func_names[fn] : "?";
}

const char *targets_tier_name(enum tt_tier tier)
{
	return tier <= TT_TIER_DISASM ? tier_names[tier] : "?";
}

int targets_func_by_name(const char *name)
{
	int i;

	if (!strcmp(name, "go_write"))
		return TT_FN_GO_WRITE;
	if (!strcmp(name, "go_read"))
		return TT_FN_GO_READ;
	for (i = 0; i < TT_FN_MAX; i++)
		if (!strcmp(name, func_names[i]))
			return i;
	return -ENOENT;
}

/* Write and read functions above the record layer: the TLS library's own API. */
static bool has_api_write(const struct tt_target *t)
{
	return t->off[TT_FN_SSL_WRITE] || t->off[TT_FN_SSL_WRITE_EX] ||
	       t->off[TT_FN_SSL_WRITE_INT] || t->off[TT_FN_SSL3_WRITE_BYTES] ||
	       t->off[TT_FN_GNUTLS_SEND] || t->off[TT_FN_PR_WRITE] || t->off[TT_FN_PR_SEND] ||
	       t->go_write_at;
}

static bool has_api_read(const struct tt_target *t)
{
	return t->off[TT_FN_SSL_READ] || t->off[TT_FN_SSL_READ_EX] || t->off[TT_FN_SSL_READ_INT] ||
	       t->off[TT_FN_SSL3_READ_BYTES] || t->off[TT_FN_GNUTLS_RECV] ||
	       t->off[TT_FN_PR_READ] || t->off[TT_FN_PR_RECV] ||
	       (t->off[TT_FN_GO_READ] && t->n_go_read_rets);
}

bool targets_has_write(const struct tt_target *t)
{
	return has_api_write(t) || t->off[TT_FN_AEAD_SEAL];
}

bool targets_has_read(const struct tt_target *t)
{
	return has_api_read(t) || t->off[TT_FN_AEAD_OPEN];
}

/* Tier 1: every C-library function by its symbol (Go's names live in the pclntab instead). */
static void tier_symbols(const struct elf_image *im, struct tt_target *t)
{
	const char *names[TT_FN_MAX];
	uint64_t offs[TT_FN_MAX];
	int i;

	memcpy(names, func_names, sizeof(names));
	names[TT_FN_GO_WRITE] = names[TT_FN_GO_READ] = NULL;
	/* the internal functions are used only where decoding shows the wrappers call them */
	names[TT_FN_SSL_WRITE_INT] = names[TT_FN_SSL_READ_INT] = NULL;
	if (elf_image__symbols(im, names, TT_FN_MAX, offs) <= 0)
		return;
	for (i = 0; i < TT_FN_MAX; i++) {
		if (offs[i] && !t->off[i]) {
			t->off[i] = offs[i];
			t->tier[i] = TT_TIER_SYMBOL;
		}
	}
}

/* Go crypto/tls through the pclntab; the probe points need a disassembler. */
static void tier_go(const struct elf_image *im, struct tt_target *t)
{
	uint64_t w_entry, w_end, r_entry, r_end, w_off, r_off, body = 0;
	const uint8_t *w_code, *r_code;
	struct gopcln g;
	int err, n;

	err = elf_image__pclntab(im, &g);
	if (err == -ENOTSUP) {
		snprintf(t->note, sizeof(t->note), "Go older than 1.18: not supported");
		return;
	}
	if (err)
		return;
	if (gopcln_find_func(&g, func_names[TT_FN_GO_WRITE], &w_entry, &w_end) ||
	    gopcln_find_func(&g, func_names[TT_FN_GO_READ], &r_entry, &r_end))
		return; /* a Go program without crypto/tls */
	snprintf(t->lib, sizeof(t->lib), "gotls");
	/* each function's bytes, as the table gives them, must lie in one code range */
	if (elf_image__vaddr_to_off(im, w_entry, &w_off) ||
	    elf_image__vaddr_to_off(im, r_entry, &r_off) ||
	    !(w_code = elf_image__code_at(im, w_off, w_end - w_entry)) ||
	    !(r_code = elf_image__code_at(im, r_off, r_end - r_entry))) {
		snprintf(t->note, sizeof(t->note), "Go: crypto/tls functions outside the code");
		return;
	}
	t->off[TT_FN_GO_WRITE] = w_off;
	t->off[TT_FN_GO_READ] = r_off;
	t->tier[TT_FN_GO_WRITE] = t->tier[TT_FN_GO_READ] = TT_TIER_PCLNTAB;
	if (!disasm_available()) {
		snprintf(t->note, sizeof(t->note), "Go: %s", disasm_error());
		return;
	}
	err = disasm_go_body_offset(w_code, w_end - w_entry, w_entry, &body);
	if (!err)
		t->go_write_at = w_off + body;
	n = disasm_find_rets(r_code, r_end - r_entry, r_entry, t->go_read_rets, TT_GO_RETS_MAX);
	if (n <= 0) {
		snprintf(t->note, sizeof(t->note), "Go: no RET found in (*Conn).Read (%s)",
			 n ? strerror(-n) : "none");
		return;
	}
	for (t->n_go_read_rets = 0; t->n_go_read_rets < n; t->n_go_read_rets++)
		t->go_read_rets[t->n_go_read_rets] += r_off;
}

/* TT_TLS_INTERNAL=0: probe the exported SSL_* functions, never ssl_*_internal. */
static bool internal_off(void)
{
	const char *env = getenv("TT_TLS_INTERNAL");

	return env && !strcmp(env, "0");
}

/* TT_TLS_RECORD=0: never probe OpenSSL's record layer (a comparison, as TT_TLS_INTERNAL=0). */
static bool record_off(void)
{
	const char *env = getenv("TT_TLS_RECORD");

	return env && !strcmp(env, "0");
}

/*
 * The function the _ex wrapper at ex calls, when it starts with an instruction the kernel
 * emulates and the plain variant at plain (0: none) calls it too: 0 with its offset and the
 * return sites of both calls, or -ENOENT.
 */
static int find_internal(const struct elf_image *im, uint64_t ex, uint64_t plain, uint64_t *target,
			 uint64_t *site_ex, uint64_t *site_plain)
{
	int range = elf_image__code_range(im, ex);
	const uint8_t *m = im->bytes;

	*site_plain = 0;
	if (disasm_wrapper_call(m + ex, elf_image__code_left(im, ex, 64), ex, target, site_ex) ||
	    elf_image__code_range(im, *target) != range ||
	    disasm_first_emulated(m + *target, elf_image__code_left(im, *target, 16), *target) != 1)
		return -ENOENT;
	if (plain && (elf_image__code_range(im, plain) != range ||
		      disasm_find_call_to(m + plain, elf_image__code_left(im, plain, 512), plain,
					  *target, site_plain)))
		return -ENOENT;
	return 0;
}

/*
 * OpenSSL's exported SSL_write/SSL_write_ex and SSL_read/SSL_read_ex begin with `sub $N,%rsp`,
 * which the kernel single-steps out of line (a second trap: about 9 us per call in the VMs we
 * measured). The unexported ssl_write_internal/ssl_read_internal that both variants call take
 * the same (ssl, buf, num, size_t *done) arguments and begin with a push, which the kernel
 * emulates. They are found by decoding the call in the _ex wrapper (no symbol needed) and used
 * only when the callee starts with an emulated instruction and the plain variant, if present,
 * is seen to call the same function; otherwise the exported symbols stay. Decoding runs in file
 * offsets, which is exact for relative calls within one segment.
 */
static void tier_internal(const struct elf_image *im, struct tt_target *t)
{
	static const struct {
		enum tt_func in, plain, ex;
	} pairs[] = {
		{ TT_FN_SSL_WRITE_INT, TT_FN_SSL_WRITE, TT_FN_SSL_WRITE_EX },
		{ TT_FN_SSL_READ_INT, TT_FN_SSL_READ, TT_FN_SSL_READ_EX },
	};
	uint64_t target, site_ex, site_plain, ex, plain;
	size_t i;

	if (internal_off())
		return; /* the exported symbols only: the tests compare both placements */
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		ex = t->off[pairs[i].ex];
		plain = t->off[pairs[i].plain];
		if (!ex || !disasm_available() ||
		    find_internal(im, ex, plain, &target, &site_ex, &site_plain))
			continue;
		t->off[pairs[i].in] = target;
		t->tier[pairs[i].in] = TT_TIER_DISASM;
		t->int_site[pairs[i].ex] = site_ex;
		t->int_site[pairs[i].plain] = site_plain;
	}
}

static void apply_offs(const struct elf_image *im, struct tt_target *t, const struct tlsdb_hit *hit,
		       enum tt_tier tier)
{
	int i, fn;

	snprintf(t->source, sizeof(t->source), "%s", hit->name);
	if (hit->lib[0])
		snprintf(t->lib, sizeof(t->lib), "%s", hit->lib);
	for (i = 0; i < hit->n_offs; i++) {
		fn = targets_func_by_name(hit->offs[i].func);
		if (fn < 0 || t->off[fn])
			continue;
		if (!elf_image__in_code(im, hit->offs[i].off)) {
			tt_warn("targets: %s: %s gives %s at %#llx, outside the code: ignored",
				t->path, hit->name, hit->offs[i].func,
				(unsigned long long)hit->offs[i].off);
			continue;
		}
		t->off[fn] = hit->offs[i].off;
		t->tier[fn] = tier;
	}
}

static void db_default_load(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64], *dir;
	static const char *const rel[] = {
		"/tools/tls-targets.conf",
		"/../tools/tls-targets.conf",
		"/../share/tracetree-bpf/tls-targets.conf",
	};
	const char *env = getenv("TT_TLS_TARGETS");
	ssize_t n;
	size_t i;

	db_tried = true;
	if (env && *env) {
		char *list = strdup(env), *tok, *save = NULL;

		for (tok = list ? strtok_r(list, ":", &save) : NULL; tok;
		     tok = strtok_r(NULL, ":", &save))
			targets_load_db(tok);
		free(list);
		return;
	}
	if (!access("/etc/tracetree-bpf/tls-targets.conf", R_OK)) {
		targets_load_db("/etc/tracetree-bpf/tls-targets.conf");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	dir = strrchr(exe, '/');
	if (!dir)
		return;
	*dir = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
		if (!access(cand, R_OK)) {
			targets_load_db(cand);
			return;
		}
	}
	tt_debug("targets: no tls-targets.conf found: tiers 2 and 3 are off");
}

/* The database, loaded from the default places on first use. */
static struct tlsdb *db_get(void)
{
	if (!db_tried)
		db_default_load();
	return db;
}

/* Folds the bytes of a database file into db_hash (the inspection cache's salt). */
static void db_hash_file(const char *path)
{
	uint8_t buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		db_hash = db_hash * 1099511628211ull ^ tlsdb_fnv64(buf, (size_t)n);
	close(fd);
}

int targets_load_db(const char *path)
{
	int err, line = 0;

	db_tried = true;
	if (!db) {
		db = tlsdb__new();
		if (!db)
			return -ENOMEM;
	}
	err = tlsdb__load_file(db, path, &line);
	if (err) {
		tt_warn("targets: %s%s%.0d: %s", path, line ? ":" : "", line, strerror(-err));
		return err;
	}
	db_hash_file(path);
	snprintf(db_desc, sizeof(db_desc), "%d fingerprints, %d signature sets (last file %s)",
		 tlsdb__n_fingerprints(db), tlsdb__n_sets(db), path);
	tt_debug("targets: database: %s", db_desc);
	return 0;
}

void targets_db_describe(char *buf, size_t len)
{
	db_get();
	snprintf(buf, len, "%s", db_desc[0] ? db_desc : "none loaded (tiers 2 and 3 off)");
}

/* Tiers 2 and 3 from the database: a fingerprint first, signatures for stripped builds. */
static void tier_db(const struct elf_image *im, struct tt_target *t)
{
	struct tlsdb_image img = elf_image__view(im);
	struct tlsdb_hit hit;

	if (!db_get())
		return;
	if (tlsdb__match_fingerprint(db, &img, &hit) == 1) {
		apply_offs(im, t, &hit, TT_TIER_FINGERPRINT);
		if (targets_has_write(t) && targets_has_read(t))
			return;
	}
	if (tlsdb__match_signatures(db, &img, &hit) == 1)
		apply_offs(im, t, &hit, TT_TIER_SIGNATURE);
	else if (hit.why[0])
		snprintf(t->note, sizeof(t->note), "signatures rejected: %s", hit.why);
}

/*
 * A program's exported SSL_write/SSL_read prove nothing about its own callers: a build with
 * link-time optimisation inlines them there and the exported copies never run (issue 16: a Node
 * single-executable application, stripped but for its exports). Where symbols found them but
 * not the record layer, the record layer's anchors are tried, and only its two functions taken;
 * only the sets that give ssl3_write_bytes answer, so that another stack the file also holds
 * (aws-lc's cipher beside OpenSSL, as in Codex) is never taken for it. Shared libraries are left
 * alone: other files call them through their exports.
 */
static void tier_record_layer(const struct elf_image *im, struct tt_target *t)
{
	struct tlsdb_image img;
	struct tlsdb_hit hit;
	uint64_t w = 0, r = 0;
	int i;

	if (t->off[TT_FN_SSL3_WRITE_BYTES] || t->off[TT_FN_SSL3_READ_BYTES] ||
	    !(t->off[TT_FN_SSL_WRITE] || t->off[TT_FN_SSL_WRITE_EX]) ||
	    !elf_image__is_program(im) || !db_get())
		return;
	img = elf_image__view(im);
	if (tlsdb__match_signatures_for(db, &img, func_names[TT_FN_SSL3_WRITE_BYTES], &hit) != 1)
		return;
	for (i = 0; i < hit.n_offs; i++) {
		if (!strcmp(hit.offs[i].func, func_names[TT_FN_SSL3_WRITE_BYTES]))
			w = hit.offs[i].off;
		else if (!strcmp(hit.offs[i].func, func_names[TT_FN_SSL3_READ_BYTES]))
			r = hit.offs[i].off;
	}
	if (!w || !r)
		return;
	t->off[TT_FN_SSL3_WRITE_BYTES] = w;
	t->off[TT_FN_SSL3_READ_BYTES] = r;
	t->tier[TT_FN_SSL3_WRITE_BYTES] = t->tier[TT_FN_SSL3_READ_BYTES] = TT_TIER_SIGNATURE;
	snprintf(t->source, sizeof(t->source), "%s", hit.name);
}

static void tier_overrides(const struct elf_image *im, struct tt_target *t)
{
	int i;

	for (i = 0; i < n_overrides; i++) {
		if (overrides[i].dev != t->dev || overrides[i].ino != t->ino)
			continue;
		if (!elf_image__in_code(im, overrides[i].off)) {
			tt_warn("targets: %s: override %s=%#llx is outside the code: ignored",
				t->path, func_names[overrides[i].fn],
				(unsigned long long)overrides[i].off);
			continue;
		}
		t->off[overrides[i].fn] = overrides[i].off;
		t->tier[overrides[i].fn] = TT_TIER_OVERRIDE;
		if (overrides[i].fn <= TT_FN_SSL_READ_EX)
			t->int_site[overrides[i].fn] = 0; /* probe it where the user says */
		snprintf(t->source, sizeof(t->source), "--tls-offsets");
	}
}

static void guess_lib(struct tt_target *t)
{
	if (t->lib[0])
		return;
	if (t->off[TT_FN_GNUTLS_SEND] || t->off[TT_FN_GNUTLS_RECV])
		snprintf(t->lib, sizeof(t->lib), "gnutls");
	else if (t->off[TT_FN_PR_WRITE] || t->off[TT_FN_PR_READ])
		snprintf(t->lib, sizeof(t->lib), "nss");
	else if (t->off[TT_FN_SSL_WRITE] || t->off[TT_FN_SSL_READ] || t->off[TT_FN_SSL_WRITE_EX] ||
		 t->off[TT_FN_SSL3_WRITE_BYTES])
		snprintf(t->lib, sizeof(t->lib), "openssl");
	else if (t->off[TT_FN_AEAD_SEAL] || t->off[TT_FN_AEAD_OPEN])
		snprintf(t->lib, sizeof(t->lib), "aws-lc");
}

uint64_t targets_inspect_salt(void)
{
	uint64_t h;
	uint32_t v[6] = { TARGETS_CACHE_VERSION, TT_FN_MAX,	 (uint32_t)sizeof(struct tt_target),
			  disasm_available(),	 internal_off(), record_off() };

	db_get(); /* its files are part of the answer */
	h = tlsdb_fnv64((const uint8_t *)&db_hash, sizeof(db_hash));
	h ^= tlsdb_fnv64((const uint8_t *)v, sizeof(v));
	if (n_overrides)
		h ^= tlsdb_fnv64((const uint8_t *)overrides, n_overrides * sizeof(overrides[0]));
	return h;
}

/* The tiers on the image im of the file st describes, known as path; im is closed. */
static int inspect_image(struct elf_image *im, const char *path, const struct stat *st,
			 struct tt_target *t)
{
	int i, found = 0;

	snprintf(t->path, sizeof(t->path), "%s", path);
	t->dev = st->st_dev;
	t->ino = st->st_ino;
	tier_symbols(im, t);
	tier_go(im, t);
	if (!(targets_has_write(t) && targets_has_read(t)) && !t->off[TT_FN_GO_WRITE])
		tier_db(im, t);
	else
		tier_record_layer(im, t);
	tier_internal(im, t);
	tier_overrides(im, t);
	elf_image__close(im);
	/*
	 * The record cipher is a fallback: where the library's API is probed (BoringSSL exports
	 * both), its plaintext comes from there, with the connection known at the call.
	 */
	if (has_api_write(t) && has_api_read(t)) {
		t->off[TT_FN_AEAD_SEAL] = t->off[TT_FN_AEAD_OPEN] = 0;
		t->tier[TT_FN_AEAD_SEAL] = t->tier[TT_FN_AEAD_OPEN] = TT_TIER_NONE;
	}
	if (record_off()) {
		t->off[TT_FN_SSL3_WRITE_BYTES] = t->off[TT_FN_SSL3_READ_BYTES] = 0;
		t->tier[TT_FN_SSL3_WRITE_BYTES] = t->tier[TT_FN_SSL3_READ_BYTES] = TT_TIER_NONE;
	}
	guess_lib(t);
	for (i = 0; i < TT_FN_MAX; i++)
		found += t->off[i] != 0;
	if (!targets_has_write(t) || !targets_has_read(t)) {
		if (found && !t->note[0])
			snprintf(t->note, sizeof(t->note),
				 "only the %s direction found: not probed",
				 targets_has_write(t) ? "write" : "read");
		return 0;
	}
	return found;
}

int targets_inspect_file(const char *path, const struct stat *st, struct tt_target *t)
{
	struct elf_image im;
	int err;

	db_get(); /* at the first inspection, used or not: a bad file is reported at once */
	memset(t, 0, sizeof(*t));
	err = elf_image__open(&im, path);
	if (err)
		return err;
	return inspect_image(&im, path, st, t);
}

int targets_inspect_fd(int fd, const char *path, const struct stat *st, struct tt_target *t)
{
	struct elf_image im;
	int err;

	db_get();
	memset(t, 0, sizeof(*t));
	err = elf_image__open_fd(&im, fd, st);
	if (err)
		return err;
	return inspect_image(&im, path, st, t);
}

int targets_parse_overrides(const char *spec)
{
	char file[PATH_MAX], *list, *tok, *save = NULL, *eq, *end;
	const char *colon, *first_eq = strchr(spec, '=');
	struct stat st;
	int fn, err = 0, added = 0;
	uint64_t off;

	if (!first_eq)
		return -EINVAL;
	for (colon = first_eq; colon > spec && *colon != ':'; colon--)
		;
	if (colon == spec || (size_t)(colon - spec) >= sizeof(file))
		return -EINVAL;
	memcpy(file, spec, (size_t)(colon - spec));
	file[colon - spec] = '\0';
	if (stat(file, &st))
		return -errno;
	list = strdup(colon + 1);
	if (!list)
		return -ENOMEM;
	for (tok = strtok_r(list, ",", &save); tok && !err; tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			err = -EINVAL;
			break;
		}
		*eq = '\0';
		fn = targets_func_by_name(tok);
		errno = 0;
		off = strtoull(eq + 1, &end, 0);
		if (fn < 0 || errno || *end || !off || eq[1] == '\0') {
			err = -EINVAL;
			break;
		}
		if (n_overrides == TARGETS_MAX_OVERRIDES) {
			err = -E2BIG;
			break;
		}
		overrides[n_overrides].dev = st.st_dev;
		overrides[n_overrides].ino = st.st_ino;
		overrides[n_overrides].fn = fn;
		overrides[n_overrides++].off = off;
		added++;
	}
	free(list);
	if (err)
		n_overrides -= added;
	return err;
}

void targets_clear_overrides(void)
{
	n_overrides = 0;
}
