// SPDX-License-Identifier: MIT
/*
 * fuzz_tlsdb_conf.c: the TLS target database parser (tools/tls-targets.conf, or a user's file)
 * over arbitrary text, read from memory and from a file: both ways must agree. What parsed is
 * then matched (fingerprints and signature sets) against the input's own bytes as a file with
 * one code and one data segment, so the parsed entries are used as the tracer uses them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_file.h"
#include "log.h"
#include "tlsdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tlsdb *db = tlsdb__new(), *db2 = tlsdb__new();
	struct tlsdb_seg segs[2];
	struct tlsdb_range code;
	struct tlsdb_image img;
	struct tlsdb_hit hit;
	int err, err2, line = 0, line2 = 0, i;
	char path[64];

	tt_log_set_level(TT_LOG_ERROR);
	if (!db || !db2)
		abort();
	err = tlsdb__parse(db, (const char *)data, size, "fuzz", &line);
	if (!fz_file(data, size, path, sizeof(path))) {
		err2 = tlsdb__load_file(db2, path, &line2);
		if (err2 != -EFBIG && (err2 != err || line2 != line ||
				       tlsdb__n_fingerprints(db) != tlsdb__n_fingerprints(db2) ||
				       tlsdb__n_sets(db) != tlsdb__n_sets(db2)))
			abort();
	}
	if (err) {
		if (err != -EBADMSG && err != -E2BIG && err != -ENOMEM)
			abort();
		if (line < 1 || (size_t)line > size + 1)
			abort(); /* the bad line is one of the input's */
	}
	memset(&img, 0, sizeof(img));
	segs[0] = (struct tlsdb_seg){ 0, 0x400000, size / 2, true };
	segs[1] = (struct tlsdb_seg){ size / 2, 0x800000, size - size / 2, false };
	code = (struct tlsdb_range){ 0, size / 2 };
	img.data = data;
	img.size = size;
	img.build_id = data;
	img.build_id_len = size < 20 ? size : 20;
	img.code = &code;
	img.n_code = 1;
	img.segs = segs;
	img.n_segs = 2;
	if (tlsdb__match_fingerprint(db, &img, &hit) == 1 &&
	    (hit.n_offs < 0 || hit.n_offs > TLSDB_FUNCS_MAX))
		abort();
	if (tlsdb__match_signatures(db, &img, &hit) == 1)
		for (i = 0; i < hit.n_offs; i++)
			if (hit.offs[i].off >= size / 2)
				abort(); /* a function must be in the code */
	tlsdb__free(db);
	tlsdb__free(db2);
	return 0;
}
