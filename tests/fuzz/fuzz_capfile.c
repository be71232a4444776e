// SPDX-License-Identifier: MIT
/*
 * fuzz_capfile.c: the capture-file reader over arbitrary file bytes (replay FILE): it ends
 * (at the end, or with an error) after a number of records the file's size bounds, and every
 * record it gives lies within the file and within the record cap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "fuzz_file.h"
#include "log.h"
#include "records.h"
#include "tt_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capfile_reader *r;
	struct capfile_header h;
	size_t got = 0, n, recs = 0;
	const void *rec;
	char path[64];
	int ret;

	tt_log_set_level(TT_LOG_ERROR);
	if (fz_file(data, size, path, sizeof(path)))
		return 0;
	r = capfile_reader__open(path, &h);
	if (!r)
		return 0;
	if (memchr(h.host, 0, sizeof(h.host)) == NULL)
		abort(); /* the host name must end inside its field */
	while ((ret = capfile_reader__next(r, &rec, &n)) > 0) {
		/* a record and its 4-byte size, past the header */
		if (n > TT_CAP_MAX_RECORD || n + 4 > size - got || ++recs > size / 4)
			abort();
		got += n + 4;
		tt_rec_validate(rec, n); /* reads the record whole: ASan checks its bounds */
	}
	if (ret < 0 && ret != -EBADMSG && ret != -ENOMEM && ret != -EIO)
		abort();
	capfile_reader__close(r);
	return 0;
}
