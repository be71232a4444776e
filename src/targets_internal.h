/* SPDX-License-Identifier: MIT */
/*
 * targets_internal.h: what the inspection cache (targets_cache.c) uses of the inspection itself
 * (targets.c), which knows nothing of the cache.
 */
#ifndef TT_TARGETS_INTERNAL_H
#define TT_TARGETS_INTERNAL_H

#include <stdint.h>
#include <sys/stat.h>

#include "targets.h"

#define TARGETS_CACHE_VERSION 2u /* bump when the tiers or the cache record change */

/*
 * Everything an inspection's answer depends on besides the file (the database, the overrides,
 * this code): part of the cache key. Loads the default database first if none was.
 */
uint64_t targets_inspect_salt(void);
/* targets_inspect without the cache, for the regular file st describes (stat of path). */
int targets_inspect_file(const char *path, const struct stat *st, struct tt_target *t);
/*
 * The same for the open file fd (st: its fstat), which stays open: the file is read through fd
 * alone (no second lookup of path, which only names it in t), so the file inspected is the one
 * attached through that fd.
 */
int targets_inspect_fd(int fd, const char *path, const struct stat *st, struct tt_target *t);

#endif /* TT_TARGETS_INTERNAL_H */
