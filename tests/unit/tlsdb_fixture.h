/* SPDX-License-Identifier: MIT */
/*
 * tlsdb_fixture.h: two x86-64 function prologues and the signature lines that find them, for
 * the database tests (test_tlsdb.c) and the tiers' tests on ELF files (test_targets.c).
 */
#ifndef TT_TLSDB_FIXTURE_H
#define TT_TLSDB_FIXTURE_H

#include <stdint.h>

static const uint8_t fn_write[] = { 0x55, 0x48, 0x89, 0xe5, 0x41, 0x57, 0x41, 0x56,
				    0x53, 0x48, 0x83, 0xec, 0x18, 0x41, 0x89, 0xd7 };
static const uint8_t fn_read[] = { 0x55, 0x48, 0x89, 0xe5, 0x53, 0x50, 0x48, 0x83, 0xbf,
				   0x98, 0x00, 0x00, 0x00, 0x00, 0x74, 0x2b, 0xba };

/* sig lines matching fn_write and fn_read, a byte of each a wildcard */
#define SIG_SSL_WRITE "sig SSL_write 55 48 89 e5 41 57 41 56 53 48 83 ec ?? 41 89 d7\n"
#define SIG_SSL_READ  "sig SSL_read 55 48 89 e5 53 50 48 83 bf 98 00 00 00 00 74 ?? ba\n"

#endif /* TT_TLSDB_FIXTURE_H */
