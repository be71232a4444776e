// SPDX-License-Identifier: MIT
/*
 * podlabels.c: pod labels from CRI-O's container state. A container's config.json carries the
 * kubelet's labels of the container (its name, the pod's name and namespace) and the id of its
 * sandbox; the sandbox's config.json carries the pod's own labels. Both are read whole, bounded
 * by TT_MAX_OCI_CONFIG, through descriptors opened without following symlinks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podlabels.h"
#include "select.h"
#include "tt_limits.h"

#define CRIO_CONFIG "/var/run/containers/storage/overlay-containers/%s/userdata/config.json"

/* The labels and sandbox id of the CRI-O config of container id. */
static int read_config(const char *id, char *out, size_t size, size_t *used, char *sandbox)
{
	char path[256], *text = NULL;
	struct stat st;
	ssize_t n = -1;
	int fd, ret;

	snprintf(path, sizeof(path), CRIO_CONFIG, id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= TT_MAX_OCI_CONFIG)
		text = malloc((size_t)st.st_size);
	if (text)
		n = read(fd, text, (size_t)st.st_size);
	close(fd);
	ret = n > 0 ? select_parse_crio(text, (size_t)n, out, size, used, sandbox) : -ENOENT;
	free(text);
	return ret;
}

int podlabels_read(const struct tt_ident *id, char *out, size_t size, size_t *used, void *ctx)
{
	char sandbox[65];
	int ret;

	(void)ctx;
	*used = 0;
	/* a path component of ours: only a container id's shape (a capture may hold anything) */
	if (strcmp(id->runtime, "cri-o") || strspn(id->container_id, "0123456789abcdef") != 64 ||
	    id->container_id[64])
		return -ENOENT;
	ret = read_config(id->container_id, out, size, used, sandbox);
	if (ret < 0)
		return ret;
	/* the pod's labels are on its sandbox; a sandbox's own config has them itself */
	if (sandbox[0] && strcmp(sandbox, id->container_id)) {
		char dummy[65];

		ret = read_config(sandbox, out, size, used, dummy);
		if (ret < 0)
			return ret;
	}
	return 0;
}
