// SPDX-License-Identifier: MIT
/*
 * fuzz_cgroup.c: container and pod identity from any /proc/PID/cgroup text, any OCI config
 * text (its Kubernetes annotations) and any name cleaned for an attribute.
 */
#include <stdint.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_info ci;
	struct cgroup_k8s k;
	char name[64];
	size_t n, i;

	if (cgroup_parse((const char *)data, size, &ci)) {
		/* what it found has the shape it promises */
		if (ci.container_id[0] && strlen(ci.container_id) != CGROUP_ID_LEN)
			__builtin_trap();
		if (ci.pod_uid[0] && strlen(ci.pod_uid) != CGROUP_UID_LEN)
			__builtin_trap();
	}
	if (cgroup_oci_parse((const char *)data, size, &k) > 0 &&
	    (strnlen(k.pod_name, sizeof(k.pod_name)) == sizeof(k.pod_name) ||
	     (k.pod_uid[0] && strlen(k.pod_uid) != CGROUP_UID_LEN)))
		__builtin_trap();
	/* a clean name has no control character and fits */
	n = cgroup_clean_name(name, sizeof(name), (const char *)data, size);
	if (n >= sizeof(name) || name[n])
		__builtin_trap();
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			__builtin_trap();
	return 0;
}
