// SPDX-License-Identifier: MIT
/*
 * tlsdb_conf.c: the TLS target database's text format (tools/tls-targets.conf documents it)
 * read into a struct tlsdb: fingerprint, sigset, sig and anchor lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hex.h"
#include "tlsdb.h"
#include "tlsdb_internal.h"

#define TLSDB_FILE_MAX (1u << 24) /* 16 MiB of text is not a database */

struct tlsdb *tlsdb__new(void)
{
	return calloc(1, sizeof(struct tlsdb));
}

void tlsdb__free(struct tlsdb *db)
{
	if (!db)
		return;
	free(db->fps);
	free(db->sets);
	free(db->sigs);
	free(db);
}

int tlsdb__n_fingerprints(const struct tlsdb *db)
{
	return db->n_fps;
}

int tlsdb__n_sets(const struct tlsdb *db)
{
	return db->n_sets;
}

int tlsdb_parse_pattern(const char *s, uint8_t *bytes, uint8_t *mask, size_t max)
{
	size_t n = 0;
	int v;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (n == max)
			return -E2BIG;
		if (s[0] == '?' && s[1] == '?') {
			bytes[n] = 0;
			mask[n++] = 0;
		} else {
			v = hex_byte(s);
			if (v < 0)
				return -EINVAL;
			bytes[n] = (uint8_t)v;
			mask[n++] = 0xff;
		}
		s += 2;
		if (*s && *s != ' ' && *s != '\t')
			return -EINVAL;
	}
	return n ? (int)n : -EINVAL;
}

static int parse_hex_bytes(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = 0;
	int v;

	while (s[0] && s[1]) {
		v = hex_byte(s);
		if (v < 0 || n == max)
			return -EINVAL;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	if (*s || !n)
		return -EINVAL;
	*len = n;
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int copy_name(char *dst, const char *src)
{
	if (!*src || strlen(src) >= TLSDB_NAME_MAX)
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

/* Splits a line into at most max whitespace-separated words, in place. */
static int split(char *line, char **w, int max)
{
	int n = 0;

	while (*line) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		if (n == max)
			return -E2BIG;
		w[n++] = line;
		while (*line && *line != ' ' && *line != '\t')
			line++;
	}
	return n;
}

/* A zeroed element after the n of array *v (of *cap elements of sz bytes), not counted yet. */
static void *new_slot(void **v, size_t *cap, size_t sz, int n)
{
	if (tt_ensure_mem(v, cap, sz, (size_t)n + 1))
		return NULL;
	return memset((char *)*v + (size_t)n * sz, 0, sz);
}

static int parse_fp(struct tlsdb *db, char **w, int n)
{
	struct tlsdb_fp *fp;
	bool keyed = false;
	char *eq;
	int i, err;

	if (n < 3)
		return -EINVAL;
	fp = new_slot((void **)&db->fps, &db->cap_fps, sizeof(*fp), db->n_fps);
	if (!fp)
		return -ENOMEM;
	if (copy_name(fp->name, w[1]))
		return -EINVAL;
	for (i = 2; i < n; i++) {
		eq = strchr(w[i], '=');
		if (!eq)
			return -EINVAL;
		*eq++ = '\0';
		if (!strcmp(w[i], "buildid")) {
			err = parse_hex_bytes(eq, fp->build_id, sizeof(fp->build_id),
					      &fp->build_id_len);
			keyed = true;
		} else if (!strcmp(w[i], "size")) {
			err = parse_u64(eq, &fp->size);
		} else if (!strcmp(w[i], "fnv64k")) {
			err = parse_u64(eq, &fp->fnv64k);
			keyed = keyed || fp->size;
		} else if (!strcmp(w[i], "lib")) {
			err = copy_name(fp->lib, eq);
		} else {
			if (fp->n_offs == TLSDB_FUNCS_MAX)
				return -E2BIG;
			err = copy_name(fp->offs[fp->n_offs].func, w[i]);
			if (!err)
				err = parse_u64(eq, &fp->offs[fp->n_offs++].off);
		}
		if (err)
			return err;
	}
	if (!keyed || !fp->n_offs || (!fp->build_id_len && (!fp->size || !fp->fnv64k)))
		return -EINVAL;
	db->n_fps++;
	return 0;
}

static int parse_need(struct tlsdb_set *set, char *v)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (set->n_need == TLSDB_FUNCS_MAX || strlen(tok) >= sizeof(set->need[0]))
			return -E2BIG;
		strcpy(set->need[set->n_need++], tok);
	}
	return 0;
}

static int parse_set(struct tlsdb *db, char **w, int n)
{
	struct tlsdb_set *set;
	uint64_t v = 0;
	char *eq;
	int i, err = 0;

	if (n < 3)
		return -EINVAL;
	set = new_slot((void **)&db->sets, &db->cap_sets, sizeof(*set), db->n_sets);
	if (!set)
		return -ENOMEM;
	set->align = 1;
	if (copy_name(set->name, w[1]))
		return -EINVAL;
	for (i = 2; i < n && !err; i++) {
		eq = strchr(w[i], '=');
		if (!eq)
			return -EINVAL;
		*eq++ = '\0';
		if (!strcmp(w[i], "lib")) {
			err = copy_name(set->lib, eq);
		} else if (!strcmp(w[i], "marker")) {
			err = copy_name(set->marker, eq);
		} else if (!strcmp(w[i], "span")) {
			err = parse_u64(eq, &set->span);
		} else if (!strcmp(w[i], "align")) {
			err = parse_u64(eq, &v);
			if (!err && (!v || v > 4096 || (v & (v - 1))))
				err = -EINVAL;
			set->align = (uint32_t)v;
		} else if (!strcmp(w[i], "need")) {
			err = parse_need(set, eq);
		} else {
			err = -EINVAL;
		}
	}
	if (err || !set->lib[0])
		return err ? err : -EINVAL;
	db->n_sets++;
	return 0;
}

/*
 * The common head of "sig FUNC ..." and "anchor FUNC ...": a new entry of the last sigset with
 * FUNC's name (skip: the keyword's length); *rest points after FUNC. NULL: -EINVAL/-ENOMEM in
 * *err.
 */
static struct tlsdb_sig *new_entry(struct tlsdb *db, char *line, size_t skip, int lineno,
				   char **rest, int *err)
{
	struct tlsdb_sig *sig;
	char *p = line + skip, *name;

	*err = -EINVAL;
	if (!db->n_sets)
		return NULL; /* an entry needs a sigset above it */
	sig = new_slot((void **)&db->sigs, &db->cap_sigs, sizeof(*sig), db->n_sigs);
	if (!sig) {
		*err = -ENOMEM;
		return NULL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	name = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (!*p)
		return NULL;
	*p++ = '\0';
	if (copy_name(sig->func, name))
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	sig->set = db->n_sets - 1;
	sig->line = lineno;
	*rest = p;
	return sig;
}

static int parse_sig(struct tlsdb *db, char *line, int lineno)
{
	struct tlsdb_sig *sig;
	char *p;
	int n, err;

	sig = new_entry(db, line, 3, lineno, &p, &err);
	if (!sig)
		return err;
	n = tlsdb_parse_pattern(p, sig->bytes, sig->mask, sizeof(sig->bytes));
	if (n < 0)
		return n;
	/* a pattern without a fixed byte would match everywhere */
	if (!memchr(sig->mask, 0xff, (size_t)n) || sig->mask[0] != 0xff)
		return -EINVAL;
	sig->len = (size_t)n;
	db->n_sigs++;
	return 0;
}

/* anchor FUNC STRING: the string runs to the end of the line (trailing blanks cut). */
static int parse_anchor(struct tlsdb *db, char *line, int lineno)
{
	struct tlsdb_sig *sig;
	size_t n;
	char *p;
	int err;

	sig = new_entry(db, line, 6, lineno, &p, &err);
	if (!sig)
		return err;
	n = strlen(p);
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	/* short strings would be found everywhere */
	if (n < 6 || n >= sizeof(sig->bytes))
		return -EINVAL;
	memcpy(sig->bytes, p, n);
	sig->bytes[n] = '\0';
	sig->len = n + 1;
	sig->anchor = true;
	db->n_sigs++;
	return 0;
}

static int parse_line(struct tlsdb *db, char *line, int lineno)
{
	char *w[2 + 2 * TLSDB_FUNCS_MAX + 8];
	int n;

	if (!strncmp(line, "sig ", 4) || !strncmp(line, "sig\t", 4))
		return parse_sig(db, line, lineno);
	if (!strncmp(line, "anchor ", 7) || !strncmp(line, "anchor\t", 7))
		return parse_anchor(db, line, lineno);
	n = split(line, w, (int)(sizeof(w) / sizeof(w[0])));
	if (n < 0)
		return n;
	if (!n)
		return 0;
	if (!strcmp(w[0], "fingerprint"))
		return parse_fp(db, w, n);
	if (!strcmp(w[0], "sigset"))
		return parse_set(db, w, n);
	return -EINVAL;
}

int tlsdb__parse(struct tlsdb *db, const char *text, size_t len, const char *origin, int *errline)
{
	char line[1024];
	size_t i = 0, k;
	int lineno = 0, err;

	(void)origin;
	while (i < len) {
		lineno++;
		for (k = 0; i < len && text[i] != '\n'; i++) {
			if (k == sizeof(line) - 1) {
				if (errline)
					*errline = lineno;
				return -E2BIG;
			}
			line[k++] = text[i];
		}
		i++;
		while (k && (line[k - 1] == '\r' || line[k - 1] == ' ' || line[k - 1] == '\t'))
			k--;
		line[k] = '\0';
		for (k = 0; line[k] == ' ' || line[k] == '\t'; k++)
			;
		if (!line[k] || line[k] == '#')
			continue;
		err = parse_line(db, line + k, lineno);
		if (err) {
			if (errline)
				*errline = lineno;
			return err == -ENOMEM ? err : -EBADMSG;
		}
	}
	return 0;
}

int tlsdb__load_file(struct tlsdb *db, const char *path, int *errline)
{
	size_t len = 0, cap = 0, n;
	char *text = NULL;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (;;) {
		err = tt_ensure_mem((void **)&text, &cap, 1, len + 4096);
		if (err)
			break;
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
		if (len > TLSDB_FILE_MAX) {
			err = -EFBIG;
			break;
		}
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (!err)
		err = tlsdb__parse(db, text, len, path, errline);
	free(text);
	return err;
}
