/* SPDX-License-Identifier: MIT */
/* targets_internal.h: what targets.c and its inspection cache (targets_cache.c) share. */
#ifndef TT_TARGETS_INTERNAL_H
#define TT_TARGETS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "targets.h"

#define TARGETS_CACHE_VERSION	2u	/* bump when the tiers or the cache record change */

/* Everything an inspection's answer depends on besides the file: part of the cache key. */
uint64_t targets_cache_salt(void);
/* The cached inspection of the file st describes, in *t and *result: false if none. */
bool targets_cache_get(const struct stat *st, struct tt_target *t, int *result);
/* Keeps an inspection's outcome for the file st describes. */
void targets_cache_put(const struct stat *st, const struct tt_target *t, int result);

#endif /* TT_TARGETS_INTERNAL_H */
