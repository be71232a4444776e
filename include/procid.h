/* SPDX-License-Identifier: MIT */
/*
 * procid.h: who a running process is beyond its executable, read from /proc and the node's
 * container runtime state: its container and pod, its pid in its own pid namespace, the
 * service name it was given. Made into a TT_REC_IDENT record that travels (and is recorded)
 * like the kernel's records.
 */
#ifndef TT_PROCID_H
#define TT_PROCID_H

#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "tt_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

struct procid;

/*
 * root: the directory the runtime state paths are under ("" or NULL: /), e.g. the host's root
 * mounted in the tracer's container. NULL + errno.
 */
struct procid *procid__new(const char *root);
/*
 * The identity of pid, the process that started at start_ns (boot-clock ns, as its exec
 * record or procscan has it; 0: whichever holds pid) as a whole record stamped ts_ns. Every
 * file is read through one open /proc/PID, so a pid reused meanwhile is never read as the
 * process it was. 0, -ESRCH (gone, or another process holds pid now) or -errno. Bounded reads
 * (tt_limits.h); nothing of the environment but OTEL_SERVICE_NAME is kept.
 */
int procid__read(struct procid *pi, pid_t pid, uint64_t start_ns, uint64_t ts_ns,
		 struct tt_ident *rec);
/*
 * The Kubernetes names of container id (64 hex digits) from the runtime's OCI config (a
 * containerd task bundle or CRI-O's container state), read once per container: 1 found, 0 not
 * (k empty).
 */
int procid__k8s(struct procid *pi, const char *id, struct cgroup_k8s *k);
/* NULL-safe. */
void procid__free(struct procid *pi);

/* The last pid of the NSpid line of a /proc/PID/status text (len bytes), 0 if none. */
uint32_t procid_parse_nspid(const char *text, size_t len);
/*
 * The value of OTEL_SERVICE_NAME in an environment block (NUL-separated, len bytes) into out,
 * cleaned (cgroup_clean_name); "" when not set. The first one counts, as for getenv().
 */
void procid_parse_service(const char *env, size_t len, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* TT_PROCID_H */
