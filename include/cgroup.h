/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: the container and the Kubernetes pod a process runs in, read from the text of its
 * /proc/PID/cgroup, with no API access: docker, containerd, CRI-O and podman scopes, cgroup v2
 * and v1, systemd and cgroupfs drivers.
 */
#ifndef TT_CGROUP_H
#define TT_CGROUP_H

#include <stddef.h>

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

#endif
