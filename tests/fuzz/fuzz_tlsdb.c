// SPDX-License-Identifier: MIT
/* fuzz_tlsdb.c: the anchor tier over arbitrary file bytes: .eh_frame walking and the code scan
 * must stay inside the image and give functions inside it, whatever the records say. The
 * input is the whole "file": a code segment, a data segment and an .eh_frame laid over it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdb.h"

static const char db_text[] =
	"sigset f lib=openssl need=ssl_write_internal\n"
	"anchor ssl_write_internal ssl_write_internal\n"
	"sig SSL_read 55 48 89 e5\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsdb *db;
	struct tlsdb_seg segs[2];
	struct tlsdb_range code;
	struct tlsdb_image img;
	struct eh_func *f = NULL;
	struct tlsdb_hit hit;
	size_t third = size / 3;
	long n, i;
	int line;

	if (!db) {
		db = tlsdb__new();
		if (!db || tlsdb__parse(db, db_text, strlen(db_text), "fuzz", &line))
			abort();
	}
	if (size < 48)
		return 0;
	memset(&img, 0, sizeof(img));
	segs[0] = (struct tlsdb_seg){ 0, 0x400000, third, true };
	segs[1] = (struct tlsdb_seg){ third, 0x600000, size - third, false };
	code.off = 0;
	code.len = third;
	img.data = data;
	img.size = size;
	img.code = &code;
	img.n_code = 1;
	img.segs = segs;
	img.n_segs = 2;
	img.eh_frame_off = 2 * third;
	img.eh_frame_size = size - 2 * third;
	img.eh_frame_vaddr = 0x600000 + third;
	n = tlsdb_eh_functions(&img, &f);
	for (i = 1; i < n; i++)
		if (f[i].start < f[i - 1].start)
			abort();
	free(f);
	if (tlsdb__match_signatures(db, &img, &hit) == 1)
		for (i = 0; i < hit.n_offs; i++)
			if (hit.offs[i].off >= third)
				abort(); /* a function must be in the code */
	return 0;
}
