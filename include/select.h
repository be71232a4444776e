/* SPDX-License-Identifier: MIT */
/*
 * select.h: --select, which processes --all traces: by Kubernetes namespace, container name,
 * executable glob or pod label (AND across kinds, OR within one), a process selected by its own
 * identity or an ancestor's. Pure: the identity is given, nothing is read here.
 */
#ifndef TT_SELECT_H
#define TT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SELECT_MAX_EXPRS  64   /* --select given at most this many times */
#define SELECT_MAX_EXPR	  256  /* bytes of one expression */
#define SELECT_MAX_LABELS 4096 /* bytes of a pod's labels kept ("k=v" NUL-separated) */

enum select_kind {
	SELECT_NAMESPACE = 0, /* namespace=NS: k8s.namespace.name */
	SELECT_CONTAINER,     /* container=NAME: k8s.container.name */
	SELECT_EXE,	      /* exe=GLOB: fnmatch(3) on the executable path */
	SELECT_POD_LABEL,     /* pod-label=KEY=VALUE */
	SELECT_KINDS,
};

/* What a process is matched on; NULL or "" where unknown (an unknown value matches nothing). */
struct select_ident {
	const char *exe;	    /* executable path */
	const char *pod_namespace;  /* k8s.namespace.name */
	const char *container_name; /* k8s.container.name */
	const char *labels;	    /* the pod's labels, "KEY=VALUE" each NUL-terminated */
	size_t labels_len;	    /* bytes of labels */
};

struct selection;

/*
 * Checks one expression; 0, or -EINVAL with a one-line message (no newline) in err[0..errlen)
 * naming what is wrong.
 */
int select_check(const char *expr, char *err, size_t errlen);
/* The selection of n expressions (each checked as select_check does). NULL + errno (EINVAL). */
struct selection *selection__new(const char *const *exprs, int n, char *err, size_t errlen);
/* Whether id matches: for every kind the selection names, one of its terms matches. */
bool selection__match(const struct selection *s, const struct select_ident *id);
/* Whether a kind is named: the identity read at exec must come first (namespace, labels...). */
bool selection__has(const struct selection *s, enum select_kind kind);
/* NULL-safe. */
void selection__free(struct selection *s);

/*
 * The pod labels of a CRI-O OCI config (config.json, len bytes): the JSON object in its
 * io.kubernetes.cri-o.Labels annotation, as "KEY=VALUE" strings each NUL-terminated into out
 * (at most size bytes; a label that does not fit, or whose key or value holds '=' or a
 * control character, is left out). *len gets the bytes used. sandbox (65 bytes) gets the
 * io.kubernetes.cri-o.SandboxID annotation when it is 64 hex digits, else "" (a container's own
 * config holds the kubelet's container labels; the pod's are on its sandbox's). Returns the
 * labels kept, or -EBADMSG when the text is no JSON object.
 */
int select_parse_crio(const char *json, size_t len, char *out, size_t size, size_t *used,
		      char *sandbox);

/*
 * The selected processes: a set of pids bounded by TT_MAX_PROCS, kept as records arrive (a
 * child inherits its parent's state at fork, which also clears what a pid reused from a
 * process whose exit was lost had; exec may select it; exit removes it).
 */
struct select_procs;

/* NULL + errno. */
struct select_procs *select_procs__new(void);
/* The child pid of ppid: selected when ppid is. Returns that (false also when full). */
bool select_procs__fork(struct select_procs *sp, uint32_t ppid, uint32_t pid);
/* Marks pid selected; 0, or -ENOSPC when the set is full, -ENOMEM. */
int select_procs__add(struct select_procs *sp, uint32_t pid);
bool select_procs__has(const struct select_procs *sp, uint32_t pid);
void select_procs__remove(struct select_procs *sp, uint32_t pid);
size_t select_procs__count(const struct select_procs *sp);
void select_procs__free(struct select_procs *sp);

#ifdef __cplusplus
}
#endif
#endif /* TT_SELECT_H */
