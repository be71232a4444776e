/* SPDX-License-Identifier: MIT */
/* tls_lib.h: names of enum tt_lib (tt_abi.h), as tracetree.tls.library and doctor print them. */
#ifndef TT_TLS_LIB_H
#define TT_TLS_LIB_H

#include <stdint.h>
#include <string.h>

#include "tt_abi.h"

/* Bits of the uprobe attach cookie that carry the enum tt_lib (bpf/tls.bpf.c cookie_lib). */
#define TT_LIB_COOKIE_SHIFT 32

static const char *const tt_lib_names[TT_LIB_MAX] = {
	[TT_LIB_OPENSSL] = "openssl",
	[TT_LIB_BORINGSSL] = "boringssl",
	[TT_LIB_LIBRESSL] = "libressl",
	[TT_LIB_AWSLC] = "aws-lc",
};

/* The enum tt_lib of a target's library name (struct tt_target lib), 0 if it has none. */
static inline uint8_t tt_lib_code(const char *name)
{
	int i;

	for (i = 1; i < TT_LIB_MAX; i++)
		if (!strcmp(name, tt_lib_names[i]))
			return (uint8_t)i;
	return TT_LIB_UNKNOWN;
}

/* The name of lib, NULL for TT_LIB_UNKNOWN and values out of range (a capture file's byte). */
static inline const char *tt_lib_name(uint8_t lib)
{
	return lib > TT_LIB_UNKNOWN && lib < TT_LIB_MAX ? tt_lib_names[lib] : NULL;
}

#endif
