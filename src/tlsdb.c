// SPDX-License-Identifier: MIT
/*
 * tlsdb.c: the TLS target database's matchers (tiers 2 and 3): build fingerprints, prologue
 * signatures and anchors against a file's image. tlsdb_conf.c reads the database.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ehframe.h"
#include "tlsdb.h"
#include "tlsdb_internal.h"

#define TLSDB_MAX_MATCHES 4 /* positions kept per function: more than one is already bad */

uint64_t tlsdb_fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int tlsdb__match_fingerprint(const struct tlsdb *db, const struct tlsdb_image *img,
			     struct tlsdb_hit *hit)
{
	uint64_t h = 0;
	bool hashed = false;
	const struct tlsdb_fp *fp;
	int i;

	memset(hit, 0, sizeof(*hit));
	for (i = 0; i < db->n_fps; i++) {
		fp = &db->fps[i];
		if (fp->build_id_len) {
			if (fp->build_id_len != img->build_id_len ||
			    memcmp(fp->build_id, img->build_id, fp->build_id_len))
				continue;
		} else {
			if (fp->size != img->size)
				continue;
			if (!hashed) {
				h = tlsdb_fnv64(img->data, img->size < TLSDB_PREFIX_BYTES ?
								   img->size :
								   TLSDB_PREFIX_BYTES);
				hashed = true;
			}
			if (fp->fnv64k != h)
				continue;
		}
		snprintf(hit->name, sizeof(hit->name), "%s", fp->name);
		snprintf(hit->lib, sizeof(hit->lib), "%s", fp->lib);
		memcpy(hit->offs, fp->offs, sizeof(hit->offs));
		hit->n_offs = fp->n_offs;
		return 1;
	}
	return 0;
}

/* The longest run of fixed bytes: what memmem looks for before the whole pattern is checked. */
static void anchor_of(const struct tlsdb_sig *s, size_t *start, size_t *len)
{
	size_t i, run = 0, best = 0, best_at = 0;

	for (i = 0; i < s->len; i++) {
		run = s->mask[i] ? run + 1 : 0;
		if (run > best) {
			best = run;
			best_at = i + 1 - run;
		}
	}
	*start = best_at;
	*len = best;
}

static bool sig_matches_at(const struct tlsdb_sig *s, const uint8_t *p)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if ((p[i] & s->mask[i]) != s->bytes[i])
			return false;
	return true;
}

/* Adds off to pos (TLSDB_MAX_MATCHES kept); *n counts every distinct one seen, beyond too. */
static void add_pos(uint64_t *pos, int *n, uint64_t off)
{
	int i;

	for (i = 0; i < *n && i < TLSDB_MAX_MATCHES; i++)
		if (pos[i] == off)
			return;
	if (*n < TLSDB_MAX_MATCHES)
		pos[*n] = off;
	(*n)++;
}

/* Positions (file offsets) where one signature matches, collected into pos/n. */
static void scan_sig(const struct tlsdb_sig *s, uint32_t align, const struct tlsdb_image *img,
		     uint64_t *pos, int *n)
{
	const uint8_t *base, *end, *p, *hitp;
	size_t a_start, a_len;
	uint64_t start;
	int r;

	anchor_of(s, &a_start, &a_len);
	for (r = 0; r < img->n_code; r++) {
		if (img->code[r].off > img->size || img->code[r].len > img->size - img->code[r].off)
			continue;
		base = img->data + img->code[r].off;
		end = base + img->code[r].len;
		p = base + a_start;
		while (p + (s->len - a_start) <= end) {
			hitp = memmem(p, (size_t)(end - p), s->bytes + a_start, a_len);
			if (!hitp || hitp - a_start + s->len > end)
				break;
			start = (uint64_t)(hitp - a_start - img->data);
			if (start % align == 0 && sig_matches_at(s, hitp - a_start))
				add_pos(pos, n, start);
			p = hitp + 1;
		}
	}
}

/*
 * The signatures of a set whose functions start aligned (align >= 8): one pass over the aligned
 * positions of the code, testing every signature's first four bytes there, instead of a memmem
 * over the whole code per signature. Big static binaries are inspected while they start (their
 * first TLS call must find the probes in place): this is several times faster on Codex.
 */
#define ALIGNED_SCAN_MIN 8

static void scan_aligned(const struct tlsdb *db, int si, const struct tlsdb_image *img,
			 char funcs[][TLSDB_NAME_MAX], int nf, uint64_t pos[][TLSDB_MAX_MATCHES],
			 int *npos)
{
	const struct tlsdb_sig *sig[TLSDB_FUNCS_MAX * 4];
	uint32_t want[TLSDB_FUNCS_MAX * 4], mask[TLSDB_FUNCS_MAX * 4], w;
	int slot[TLSDB_FUNCS_MAX * 4], ns = 0, i, k, r;
	uint32_t align = db->sets[si].align;
	const uint8_t *base;
	uint64_t o, start, end;

	for (i = 0; i < db->n_sigs && ns < (int)(sizeof(sig) / sizeof(sig[0])); i++) {
		if (db->sigs[i].set != si || db->sigs[i].anchor || db->sigs[i].len < 4)
			continue;
		for (k = 0; k < nf && strcmp(funcs[k], db->sigs[i].func); k++)
			;
		if (k == nf)
			continue;
		sig[ns] = &db->sigs[i];
		memcpy(&want[ns], db->sigs[i].bytes, 4);
		memcpy(&mask[ns], db->sigs[i].mask, 4);
		want[ns] &= mask[ns];
		slot[ns++] = k;
	}
	for (r = 0; r < img->n_code && ns; r++) {
		if (img->code[r].off > img->size || img->code[r].len > img->size - img->code[r].off)
			continue;
		base = img->data;
		start = (img->code[r].off + align - 1) / align * align;
		end = img->code[r].off + img->code[r].len;
		for (o = start; o + 4 <= end; o += align) {
			memcpy(&w, base + o, 4);
			for (i = 0; i < ns; i++) {
				if ((w & mask[i]) != want[i] || o + sig[i]->len > end ||
				    !sig_matches_at(sig[i], base + o))
					continue;
				add_pos(pos[slot[i]], &npos[slot[i]], o);
			}
		}
	}
}

/* ---- anchors: functions found by the strings their code refers to ---- */

long tlsdb_eh_functions(const struct tlsdb_image *img, struct eh_func **out)
{
	*out = NULL;
	if (!img->eh_frame_off || img->eh_frame_off > img->size ||
	    img->eh_frame_size > img->size - img->eh_frame_off)
		return -ENOENT;
	return ehframe_functions(img->data + img->eh_frame_off, img->eh_frame_size,
				 img->eh_frame_vaddr, out);
}

#define TLSDB_ANCHOR_ADDRS 8 /* places one anchor string is stored at */

struct anchor_scan {
	const struct tlsdb_sig *sig;
	uint64_t addr[TLSDB_ANCHOR_ADDRS]; /* vaddrs of the string's copies */
	int n_addr;
	uint64_t funcs[TLSDB_MAX_MATCHES]; /* distinct functions referring to it (vaddr) */
	int n_funcs;
};

/* Virtual addresses of every copy of s (NUL included) in the non-executable segments. */
static void anchor_addrs(const struct tlsdb_image *img, struct anchor_scan *a)
{
	const uint8_t *seg, *end, *hit;
	int i;

	for (i = 0; i < img->n_segs; i++) {
		if (img->segs[i].exec || img->segs[i].off > img->size ||
		    img->segs[i].filesz > img->size - img->segs[i].off)
			continue;
		seg = img->data + img->segs[i].off;
		end = seg + img->segs[i].filesz;
		for (hit = seg;
		     (hit = memmem(hit, (size_t)(end - hit), a->sig->bytes, a->sig->len)); hit++) {
			if (a->n_addr == TLSDB_ANCHOR_ADDRS)
				return;
			a->addr[a->n_addr++] = img->segs[i].vaddr + (uint64_t)(hit - seg);
		}
	}
}

/*
 * One pass over the code for all anchors of a set: every RIP-relative lea (REX.W 8D /r, mod 00
 * r/m 101) whose target is one of an anchor's strings names the function holding it.
 */
static void anchor_refs(const struct tlsdb_image *img, const struct eh_func *f, long nf,
			struct anchor_scan *a, int na)
{
	const uint8_t *seg, *q;
	const struct eh_func *fn;
	uint64_t va, target;
	int32_t disp;
	size_t i, len;
	int s, k, j;

	for (s = 0; s < img->n_segs; s++) {
		if (!img->segs[s].exec || img->segs[s].off > img->size ||
		    img->segs[s].filesz > img->size - img->segs[s].off)
			continue;
		seg = img->data + img->segs[s].off;
		len = img->segs[s].filesz;
		for (i = 0; i + 7 <= len; i++) {
			q = seg + i;
			if ((q[0] != 0x48 && q[0] != 0x4c) || q[1] != 0x8d || (q[2] & 0xc7) != 0x05)
				continue;
			memcpy(&disp, q + 3, 4);
			va = img->segs[s].vaddr + i;
			target = va + 7 + (uint64_t)(int64_t)disp;
			for (k = 0; k < na; k++) {
				for (j = 0; j < a[k].n_addr && a[k].addr[j] != target; j++)
					;
				if (j == a[k].n_addr)
					continue;
				fn = ehframe_func_at(f, nf, va);
				if (fn)
					add_pos(a[k].funcs, &a[k].n_funcs, fn->start);
			}
		}
	}
}

/* File offset of vaddr va in an executable segment, or 0. */
static uint64_t exec_off(const struct tlsdb_image *img, uint64_t va)
{
	int i;

	for (i = 0; i < img->n_segs; i++)
		if (img->segs[i].exec && va >= img->segs[i].vaddr &&
		    va - img->segs[i].vaddr < img->segs[i].filesz)
			return va - img->segs[i].vaddr + img->segs[i].off;
	return 0;
}

/*
 * The anchors of set si: each FUNC at the file offset of the one function referring to its
 * string, into pos/npos as scan_sig does (several functions: several positions, rejected by
 * the caller; a string in no function: none).
 */
static void scan_anchors(const struct tlsdb *db, int si, const struct tlsdb_image *img,
			 char funcs[][TLSDB_NAME_MAX], uint64_t pos[][TLSDB_MAX_MATCHES], int *npos,
			 int *nf)
{
	struct anchor_scan a[TLSDB_FUNCS_MAX];
	struct eh_func *f = NULL;
	int na = 0, i, k, m;
	long n;

	for (i = 0; i < db->n_sigs && na < TLSDB_FUNCS_MAX; i++) {
		if (db->sigs[i].set != si || !db->sigs[i].anchor)
			continue;
		memset(&a[na], 0, sizeof(a[na]));
		a[na].sig = &db->sigs[i];
		anchor_addrs(img, &a[na]);
		if (a[na].n_addr)
			na++;
	}
	if (!na || !img->n_segs)
		return;
	n = tlsdb_eh_functions(img, &f);
	if (n <= 0)
		return;
	anchor_refs(img, f, n, a, na);
	free(f);
	for (i = 0; i < na; i++) {
		for (k = 0; k < *nf && strcmp(funcs[k], a[i].sig->func); k++)
			;
		if (k == *nf) {
			if (*nf == TLSDB_FUNCS_MAX)
				continue;
			strcpy(funcs[(*nf)++], a[i].sig->func);
		}
		for (m = 0; m < a[i].n_funcs && m < TLSDB_MAX_MATCHES; m++)
			add_pos(pos[k], &npos[k], exec_off(img, a[i].funcs[m]));
		if (a[i].n_funcs > TLSDB_MAX_MATCHES)
			npos[k] += a[i].n_funcs - TLSDB_MAX_MATCHES;
	}
}

bool tlsdb_data_has(const struct tlsdb_image *img, const void *needle, size_t n)
{
	int i, searched = 0;

	for (i = 0; i < img->n_segs; i++) {
		if (img->segs[i].exec || img->segs[i].off > img->size ||
		    img->segs[i].filesz > img->size - img->segs[i].off)
			continue;
		searched++;
		if (memmem(img->data + img->segs[i].off, img->segs[i].filesz, needle, n))
			return true;
	}
	return !searched && memmem(img->data, img->size, needle, n) != NULL;
}

/* The marker is a string: only the data is searched. */
static bool marker_present(const struct tlsdb_image *img, const char *marker)
{
	return !*marker || tlsdb_data_has(img, marker, strlen(marker));
}

static bool func_in_group(const char *group, const char *func)
{
	size_t n = strlen(func);
	const char *p = group;

	while ((p = strstr(p, func))) {
		if ((p == group || p[-1] == '|') && (p[n] == '\0' || p[n] == '|'))
			return true;
		p += n;
	}
	return false;
}

/* Matches one set; 1 = accepted (hit filled), 0 = rejected (hit->why). */
static int match_set(const struct tlsdb *db, int si, const struct tlsdb_image *img,
		     struct tlsdb_hit *hit)
{
	const struct tlsdb_set *set = &db->sets[si];
	uint64_t pos[TLSDB_FUNCS_MAX][TLSDB_MAX_MATCHES], lo = UINT64_MAX, hi = 0;
	char funcs[TLSDB_FUNCS_MAX][TLSDB_NAME_MAX];
	int npos[TLSDB_FUNCS_MAX] = { 0 }, nf = 0, i, k, g;
	bool ok;

	memset(hit, 0, sizeof(*hit));
	snprintf(hit->name, sizeof(hit->name), "%s", set->name);
	snprintf(hit->lib, sizeof(hit->lib), "%s", set->lib);
	for (i = 0; i < db->n_sigs; i++) {
		if (db->sigs[i].set != si || db->sigs[i].anchor)
			continue;
		for (k = 0; k < nf && strcmp(funcs[k], db->sigs[i].func); k++)
			;
		if (k == nf) {
			if (nf == TLSDB_FUNCS_MAX)
				continue;
			strcpy(funcs[nf++], db->sigs[i].func);
		}
		if (set->align < ALIGNED_SCAN_MIN)
			scan_sig(&db->sigs[i], set->align, img, pos[k], &npos[k]);
	}
	if (set->align >= ALIGNED_SCAN_MIN)
		scan_aligned(db, si, img, funcs, nf, pos, npos);
	scan_anchors(db, si, img, funcs, pos, npos, &nf);
	for (k = 0; k < nf; k++) {
		if (npos[k] > 1) {
			snprintf(hit->why, sizeof(hit->why), "%s: %s matches at %d places",
				 set->name, funcs[k], npos[k]);
			return 0;
		}
		if (npos[k] == 1) {
			lo = pos[k][0] < lo ? pos[k][0] : lo;
			hi = pos[k][0] > hi ? pos[k][0] : hi;
			strcpy(hit->offs[hit->n_offs].func, funcs[k]);
			hit->offs[hit->n_offs++].off = pos[k][0];
		}
	}
	/*
	 * Two functions found at one place are one function that holds both: a build that inlined
	 * them into a caller (ssl_write_internal and ssl_read_internal both anchored in main under
	 * LTO), whose entry takes neither's arguments.
	 */
	for (i = 0; i < hit->n_offs; i++)
		for (k = i + 1; k < hit->n_offs; k++)
			if (hit->offs[i].off == hit->offs[k].off) {
				snprintf(hit->why, sizeof(hit->why),
					 "%s: %s and %s at one place (inlined into a caller)",
					 set->name, hit->offs[i].func, hit->offs[k].func);
				return 0;
			}
	for (g = 0; g < set->n_need; g++) {
		ok = false;
		for (k = 0; k < hit->n_offs && !ok; k++)
			ok = func_in_group(set->need[g], hit->offs[k].func);
		if (!ok) {
			snprintf(hit->why, sizeof(hit->why), "%s: no match for %s", set->name,
				 set->need[g]);
			return 0;
		}
	}
	if (!hit->n_offs) {
		snprintf(hit->why, sizeof(hit->why), "%s: no signature matched", set->name);
		return 0;
	}
	if (set->span && hi - lo > set->span) {
		snprintf(hit->why, sizeof(hit->why), "%s: functions %#llx bytes apart (span %#llx)",
			 set->name, (unsigned long long)(hi - lo), (unsigned long long)set->span);
		return 0;
	}
	hit->why[0] = '\0';
	return 1;
}

/* Whether one of set si's need groups names func. */
static bool set_needs(const struct tlsdb *db, int si, const char *func)
{
	int g;

	for (g = 0; g < db->sets[si].n_need; g++)
		if (func_in_group(db->sets[si].need[g], func))
			return true;
	return false;
}

int tlsdb__match_signatures_for(const struct tlsdb *db, const struct tlsdb_image *img,
				const char *func, struct tlsdb_hit *hit)
{
	char why[sizeof(hit->why)] = "";
	int i;

	memset(hit, 0, sizeof(*hit));
	for (i = 0; i < db->n_sets; i++) {
		if ((func && !set_needs(db, i, func)) || !marker_present(img, db->sets[i].marker))
			continue;
		if (match_set(db, i, img, hit))
			return 1;
		if (!why[0])
			snprintf(why, sizeof(why), "%s", hit->why);
	}
	memset(hit, 0, sizeof(*hit));
	snprintf(hit->why, sizeof(hit->why), "%s", why);
	return 0;
}

int tlsdb__match_signatures(const struct tlsdb *db, const struct tlsdb_image *img,
			    struct tlsdb_hit *hit)
{
	return tlsdb__match_signatures_for(db, img, NULL, hit);
}
