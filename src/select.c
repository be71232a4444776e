// SPDX-License-Identifier: MIT
/*
 * select.c: the --select matcher and the set of selected processes. An expression is
 * KIND=VALUE; the kinds AND, the terms of one kind OR, so `--select namespace=agents --select
 * namespace=ci --select exe=*node` is "(agents or ci) and an executable ending in node". The
 * values come from the user, the identities from what the node's runtime says of a process:
 * both are only compared, never interpreted beyond fnmatch(3) of the executable glob.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "select.h"
#include "tt_limits.h"

static const char *const kind_names[SELECT_KINDS] = {
	[SELECT_NAMESPACE] = "namespace",
	[SELECT_CONTAINER] = "container",
	[SELECT_EXE] = "exe",
	[SELECT_POD_LABEL] = "pod-label",
};

struct select_term {
	enum select_kind kind;
	char value[SELECT_MAX_EXPR]; /* pod-label: "KEY=VALUE" */
};

struct selection {
	struct select_term terms[SELECT_MAX_EXPRS];
	int n;
	bool has[SELECT_KINDS];
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Whether s[0..n) is printable ASCII without c (0: none excluded). */
static bool printable(const char *s, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~' || (c && s[i] == c))
			return false;
	return true;
}

/* A Kubernetes label KEY=VALUE: the key [prefix/]name, the value may be empty. */
static int check_label(const char *v, char *err, size_t errlen)
{
	const char *eq = strchr(v, '=');

	if (!eq || eq == v)
		return fail(err, errlen,
			    "invalid --select 'pod-label=%s': give pod-label=KEY=VALUE", v);
	if (strchr(eq + 1, '='))
		return fail(err, errlen,
			    "invalid --select 'pod-label=%s': a label value has no '='", v);
	return 0;
}

/* The term of expr into t (NULL: only checked). */
static int parse_term(const char *expr, struct select_term *t, char *err, size_t errlen)
{
	const char *eq;
	size_t klen, i;

	if (!expr || !*expr)
		return fail(err, errlen,
			    "--select needs KIND=VALUE (namespace, container, exe, "
			    "pod-label)");
	if (strlen(expr) >= SELECT_MAX_EXPR)
		return fail(err, errlen, "--select expression longer than %d bytes",
			    SELECT_MAX_EXPR - 1);
	if (!printable(expr, strlen(expr), 0))
		return fail(err, errlen, "invalid --select: control characters are not allowed");
	eq = strchr(expr, '=');
	if (!eq)
		return fail(err, errlen,
			    "invalid --select '%s': give KIND=VALUE (namespace, "
			    "container, exe, pod-label)",
			    expr);
	klen = (size_t)(eq - expr);
	for (i = 0; i < SELECT_KINDS; i++)
		if (strlen(kind_names[i]) == klen && !memcmp(expr, kind_names[i], klen))
			break;
	if (i == SELECT_KINDS)
		return fail(err, errlen,
			    "invalid --select '%s': unknown kind '%.*s' (namespace, "
			    "container, exe, pod-label)",
			    expr, (int)klen, expr);
	if (!eq[1])
		return fail(err, errlen, "invalid --select '%s': empty %s", expr, kind_names[i]);
	if (i == SELECT_POD_LABEL && check_label(eq + 1, err, errlen))
		return -EINVAL;
	if (t) {
		t->kind = (enum select_kind)i;
		snprintf(t->value, sizeof(t->value), "%s", eq + 1);
	}
	return 0;
}

int select_check(const char *expr, char *err, size_t errlen)
{
	return parse_term(expr, NULL, err, errlen);
}

struct selection *selection__new(const char *const *exprs, int n, char *err, size_t errlen)
{
	struct selection *s;
	int i;

	if (n < 0 || n > SELECT_MAX_EXPRS) {
		fail(err, errlen, "--select given more than %d times", SELECT_MAX_EXPRS);
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		if (parse_term(exprs[i], &s->terms[i], err, errlen)) {
			free(s);
			errno = EINVAL;
			return NULL;
		}
		s->has[s->terms[i].kind] = true;
	}
	s->n = n;
	return s;
}

bool selection__has(const struct selection *s, enum select_kind kind)
{
	return s && kind < SELECT_KINDS && s->has[kind];
}

/* Whether "KEY=VALUE" is one of the NUL-terminated strings of labels[0..len). */
static bool has_label(const char *label, const char *labels, size_t len)
{
	const char *p = labels, *end = labels + len, *nul;
	size_t n = strlen(label);

	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			break;
		if ((size_t)(nul - p) == n && !memcmp(p, label, n))
			return true;
		p = nul + 1;
	}
	return false;
}

static bool term_match(const struct select_term *t, const struct select_ident *id)
{
	const char *v;

	switch (t->kind) {
	case SELECT_NAMESPACE:
		v = id->pod_namespace;
		return v && *v && !strcmp(v, t->value);
	case SELECT_CONTAINER:
		v = id->container_name;
		return v && *v && !strcmp(v, t->value);
	case SELECT_EXE:
		v = id->exe;
		return v && *v && !fnmatch(t->value, v, 0);
	case SELECT_POD_LABEL:
		return id->labels && has_label(t->value, id->labels, id->labels_len);
	default:
		return false;
	}
}

bool selection__match(const struct selection *s, const struct select_ident *id)
{
	bool hit[SELECT_KINDS] = { false };
	int i;

	if (!s)
		return true;
	for (i = 0; i < s->n; i++)
		if (!hit[s->terms[i].kind] && term_match(&s->terms[i], id))
			hit[s->terms[i].kind] = true;
	for (i = 0; i < SELECT_KINDS; i++)
		if (s->has[i] && !hit[i])
			return false;
	return true;
}

void selection__free(struct selection *s)
{
	free(s);
}

/* Appends "k=v\0" to out when it fits and neither holds '=' (in k) or a control character. */
static bool put_label(const char *k, const char *v, char *out, size_t size, size_t *used)
{
	size_t kl = strlen(k), vl = strlen(v);

	if (!kl || !printable(k, kl, '=') || !printable(v, vl, '='))
		return false;
	if (kl + 1 + vl + 1 > size - *used)
		return false;
	memcpy(out + *used, k, kl);
	out[*used + kl] = '=';
	memcpy(out + *used + kl + 1, v, vl);
	out[*used + kl + 1 + vl] = '\0';
	*used += kl + 1 + vl + 1;
	return true;
}

/* The labels of the JSON object text (the annotation's value) into out. */
static int put_labels(const char *text, char *out, size_t size, size_t *used)
{
	cJSON *doc = cJSON_Parse(text);
	const cJSON *it;
	int n = 0;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return 0;
	}
	cJSON_ArrayForEach(it, doc) {
		if (cJSON_IsString(it) && it->string &&
		    put_label(it->string, it->valuestring, out, size, used))
			n++;
	}
	cJSON_Delete(doc);
	return n;
}

/* A CRI-O container id: 64 lowercase hex digits. */
static bool hex64(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return !s[64];
}

int select_parse_crio(const char *json, size_t len, char *out, size_t size, size_t *used,
		      char *sandbox)
{
	const cJSON *ann, *v;
	cJSON *doc;
	int n = 0;

	*used = 0;
	sandbox[0] = '\0';
	doc = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	ann = cJSON_GetObjectItemCaseSensitive(doc, "annotations");
	v = cJSON_GetObjectItemCaseSensitive(ann, "io.kubernetes.cri-o.Labels");
	if (cJSON_IsString(v) && size)
		n = put_labels(v->valuestring, out, size, used);
	v = cJSON_GetObjectItemCaseSensitive(ann, "io.kubernetes.cri-o.SandboxID");
	if (cJSON_IsString(v) && hex64(v->valuestring))
		memcpy(sandbox, v->valuestring, 65);
	cJSON_Delete(doc);
	return n;
}

/*
 * The set: open addressing on the pid (0 is never a process of ours), linear probing,
 * deletion by shifting back, at most half full.
 */
struct select_procs {
	uint32_t *slot;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

struct select_procs *select_procs__new(void)
{
	return calloc(1, sizeof(struct select_procs));
}

static size_t slot_of(const struct select_procs *sp, uint32_t pid)
{
	size_t i = (pid * 2654435761u) & (sp->cap - 1);

	while (sp->slot[i] && sp->slot[i] != pid)
		i = (i + 1) & (sp->cap - 1);
	return i;
}

static int grow(struct select_procs *sp)
{
	size_t cap = sp->cap ? sp->cap * 2 : 64, i, old = sp->cap;
	uint32_t *prev = sp->slot;

	sp->slot = calloc(cap, sizeof(*sp->slot));
	if (!sp->slot) {
		sp->slot = prev;
		return -ENOMEM;
	}
	sp->cap = cap;
	for (i = 0; i < old; i++)
		if (prev[i])
			sp->slot[slot_of(sp, prev[i])] = prev[i];
	free(prev);
	return 0;
}

int select_procs__add(struct select_procs *sp, uint32_t pid)
{
	size_t i;

	if (!pid)
		return -EINVAL;
	if (select_procs__has(sp, pid))
		return 0;
	if (sp->n >= TT_MAX_PROCS)
		return -ENOSPC;
	if ((sp->n + 1) * 2 > sp->cap && grow(sp))
		return -ENOMEM;
	i = slot_of(sp, pid);
	sp->slot[i] = pid;
	sp->n++;
	return 0;
}

bool select_procs__has(const struct select_procs *sp, uint32_t pid)
{
	return sp->cap && pid && sp->slot[slot_of(sp, pid)] == pid;
}

void select_procs__remove(struct select_procs *sp, uint32_t pid)
{
	size_t i, j, home;

	if (!select_procs__has(sp, pid))
		return;
	i = slot_of(sp, pid);
	sp->slot[i] = 0;
	sp->n--;
	/* move back the entries after it whose probe passed the hole */
	for (j = (i + 1) & (sp->cap - 1); sp->slot[j]; j = (j + 1) & (sp->cap - 1)) {
		home = (sp->slot[j] * 2654435761u) & (sp->cap - 1);
		if (((j - home) & (sp->cap - 1)) >= ((j - i) & (sp->cap - 1))) {
			sp->slot[i] = sp->slot[j];
			sp->slot[j] = 0;
			i = j;
		}
	}
}

bool select_procs__fork(struct select_procs *sp, uint32_t ppid, uint32_t pid)
{
	if (select_procs__has(sp, ppid) && !select_procs__add(sp, pid))
		return true;
	select_procs__remove(sp, pid);
	return false;
}

size_t select_procs__count(const struct select_procs *sp)
{
	return sp->n;
}

void select_procs__free(struct select_procs *sp)
{
	if (!sp)
		return;
	free(sp->slot);
	free(sp);
}
