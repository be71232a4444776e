/* SPDX-License-Identifier: MIT */
/*
 * tlsdb_internal.h: the database as the config parser (tlsdb_conf.c) fills it and the matchers
 * (tlsdb.c) read it.
 */
#ifndef TT_TLSDB_INTERNAL_H
#define TT_TLSDB_INTERNAL_H

#include <stddef.h>

#include "tlsdb.h"

struct tlsdb {
	struct tlsdb_fp *fps;
	int n_fps;
	size_t cap_fps;
	struct tlsdb_set *sets;
	int n_sets;
	size_t cap_sets;
	struct tlsdb_sig *sigs; /* in file order; each names its set */
	int n_sigs;
	size_t cap_sigs;
};

#endif /* TT_TLSDB_INTERNAL_H */
