// SPDX-License-Identifier: MIT
/* fuzz_cgroup.c: container and pod identity from any /proc/PID/cgroup text. */
#include <stdint.h>
#include <string.h>

#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_info ci;

	if (cgroup_parse((const char *)data, size, &ci)) {
		/* what it found has the shape it promises */
		if (ci.container_id[0] && strlen(ci.container_id) != CGROUP_ID_LEN)
			__builtin_trap();
		if (ci.pod_uid[0] && strlen(ci.pod_uid) != CGROUP_UID_LEN)
			__builtin_trap();
	}
	return 0;
}
