/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: the container and the Kubernetes pod a process runs in, read from the text of its
 * /proc/PID/cgroup, with no API access: docker, containerd, CRI-O and podman scopes, cgroup v2
 * and v1, systemd and cgroupfs drivers.
 */
#ifndef TT_CGROUP_H
#define TT_CGROUP_H

#include <stddef.h>

#include "tt_abi.h"

#define CGROUP_ID_LEN  64 /* a container id: 64 lowercase hex digits */
#define CGROUP_UID_LEN 36 /* a pod uid: 8-4-4-4-12 hex digits and dashes */

struct cgroup_info {
	char container_id[CGROUP_ID_LEN + 1];
	/* who made the scope: "docker", "containerd", "cri-o", "podman"; "" when the path does
	 * not say (cgroupfs driver under kubepods) */
	char runtime[16];
	char pod_uid[CGROUP_UID_LEN + 1]; /* with dashes, as the API shows it */
};

/*
 * Fills ci from the text of /proc/PID/cgroup (len bytes, need not end in NUL): the innermost
 * container scope of the unified (v2) line, else of the first v1 line that has one, and the pod
 * of the kubepods part. 1 when a container or a pod was found, 0 when neither (ci is then
 * empty). Linear in len; anything may be in the text.
 */
int cgroup_parse(const char *text, size_t len, struct cgroup_info *ci);

/* What the kubelet told the runtime about a container: annotations of its OCI config. */
struct cgroup_k8s {
	char pod_name[TT_IDENT_POD_LEN];
	char pod_namespace[TT_IDENT_NAME_LEN];
	char container_name[TT_IDENT_NAME_LEN];
	char pod_uid[CGROUP_UID_LEN + 1];
};

/*
 * Fills k from the text of an OCI runtime config (config.json of a containerd task bundle or a
 * CRI-O container, len bytes): the annotations containerd's CRI plugin sets
 * (io.kubernetes.cri.sandbox-name, -namespace, -uid, io.kubernetes.cri.container-name) or CRI-O
 * and dockershim set (io.kubernetes.pod.name, .namespace, .uid, io.kubernetes.container.name),
 * each cleaned as cgroup_clean_name() does. 1 when a pod name or namespace was found, 0 when
 * not (k empty), -EBADMSG when the text is no JSON object, -ENOMEM.
 */
int cgroup_oci_parse(const char *json, size_t len, struct cgroup_k8s *k);

/*
 * A name from a source anybody may write (an environment variable, an annotation) as an
 * attribute value: at most size - 1 bytes of src[0..len) without control characters, cut at a
 * UTF-8 character boundary, NUL-terminated. Returns the length kept.
 */
size_t cgroup_clean_name(char *dst, size_t size, const char *src, size_t len);

#endif
