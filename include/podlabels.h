/* SPDX-License-Identifier: MIT */
/*
 * podlabels.h: the labels of the pod a container runs in, read from the node's CRI-O state (for
 * --select pod-label=...). containerd keeps them in its own database, not in a file the node
 * can read: there they are unknown.
 */
#ifndef TT_PODLABELS_H
#define TT_PODLABELS_H

#include <stddef.h>

#include "tt_abi.h"

/*
 * The pod labels of id's container (CRI-O: the io.kubernetes.cri-o.Labels of its sandbox's
 * config.json, found through the container's) as select_parse_crio gives them: "KEY=VALUE"
 * strings each NUL-terminated into out, *used bytes. ctx: unused (the pipeline's callback
 * form). 0, -ENOENT (not a CRI-O container, or its state is not readable), -errno.
 */
int podlabels_read(const struct tt_ident *id, char *out, size_t size, size_t *used, void *ctx);

#endif /* TT_PODLABELS_H */
