/* SPDX-License-Identifier: MIT */
/* outfile.h: creating an output file (-o, --raw=FILE, --record) that only its owner reads. */
#ifndef TT_OUTFILE_H
#define TT_OUTFILE_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Opens path for writing, truncated, created 0600 when missing, never through a symlink
 * (O_NOFOLLOW) and closed on exec (O_CLOEXEC), so that a traced COMMAND neither inherits it
 * nor can read it. An existing regular file must be ours and have one link (-EPERM: another
 * user planted it, or a hard link to a file elsewhere); its mode becomes 0600. Devices and
 * FIFOs (/dev/null, a pipe the user made) are opened as they are. The descriptor or -errno.
 */
int outfile_open(const char *path);
/* outfile_open() as a FILE (mode "w"); NULL with errno. */
FILE *outfile_fopen(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* TT_OUTFILE_H */
