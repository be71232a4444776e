// SPDX-License-Identifier: MIT
/* capstat.c: counts the records and plaintext bytes of a --record capture, for the pipeline
 * figure of `make bench`: `capstat FILE` prints `records N data_records D plaintext_bytes B`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capfile.h"
#include "tt_abi.h"

int main(int argc, char **argv)
{
	unsigned long long recs = 0, data = 0, bytes = 0;
	struct capfile_reader *r;
	struct capfile_header h;
	const void *rec;
	size_t size;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: capstat FILE\n");
		return 2;
	}
	r = capfile_reader__open(argv[1], &h);
	if (!r) {
		fprintf(stderr, "capstat: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((ret = capfile_reader__next(r, &rec, &size)) > 0) {
		const struct tt_hdr *hd = rec;

		recs++;
		if (hd->type == TT_REC_DATA && size >= sizeof(struct tt_data)) {
			data++;
			bytes += ((const struct tt_data *)rec)->len;
		}
	}
	capfile_reader__close(r);
	printf("records %llu data_records %llu plaintext_bytes %llu\n", recs, data, bytes);
	return ret < 0 ? 1 : 0;
}
