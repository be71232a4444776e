// SPDX-License-Identifier: MIT
/* fuzz_http1.c: head parser, sniffing, framing, header copy and the chunked decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "http1.h"
#include "log.h"
#include "redact.h"

static struct http1_head head;

static int sink(const unsigned char *p, size_t n, void *ctx)
{
	(void)p;
	*(size_t *)ctx += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct http_headers out = { 0 };
	struct chunked_dec d = { 0 };
	struct tt_buf tr;
	uint64_t len;
	size_t got = 0;
	char *target;
	long r;

	tt_log_set_level(TT_LOG_ERROR);
	http1_sniff(p, size);
	http1_line_starts_message(p, size, true);
	http1_line_starts_message(p, size, false);
	r = http1_parse_request(p, size, 4096, &head);
	if (r > 0) {
		http1_request_framing(&head, &len);
		http1_headers_append(&out, &head);
		target = redact_target(head.target, head.target_len);
		free(target);
		http_headers__clear(&out);
	}
	r = http1_parse_response(p, size, 4096, &head);
	if (r > 0) {
		http1_response_framing(&head, "GET", &len);
		http1_headers_append(&out, &head);
		http_headers__clear(&out);
	}
	tt_buf_init(&tr, 1024);
	d.trailers = &tr;
	r = chunked_dec__feed(&d, data, size, sink, &got);
	if (r >= 0 && chunked_dec__done(&d) && tr.len)
		http1_parse_fields((const char *)tr.data, tr.len, 4096, &head);
	tt_buf_free(&tr);
	return 0;
}
