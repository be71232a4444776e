// SPDX-License-Identifier: MIT
/*
 * fuzz_health.c: the health server's request parser over any bytes (what a local process
 * sends to --health-addr), and the response built from what it found.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "health_http.h"
#include "tt_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct health_state st = { .m = { .attached = true, .version = "x" },
						.loop_ns = 1 };
	const char *p = (const char *)data;
	struct health_req r, r2;
	struct tt_buf out;
	int ret, again;

	ret = health_parse_request(p, size, &r);
	if (ret != TT_NEED_MORE && ret != -E2BIG && ret != -EBADMSG && ret <= 0)
		__builtin_trap();
	if (ret > (int)size || ret > TT_HEALTH_MAX_REQ)
		__builtin_trap();
	if (ret > 0) {
		/* the head alone parses the same; one byte less is a head still coming */
		again = health_parse_request(p, (size_t)ret, &r2);
		if (again != ret || r2.path != r.path || r2.path_len != r.path_len)
			__builtin_trap();
		if (health_parse_request(p, (size_t)ret - 1, &r2) != TT_NEED_MORE)
			__builtin_trap();
		if (r.path < p || r.path + r.path_len > p + ret || !r.path_len || r.path[0] != '/')
			__builtin_trap();
	}
	if (ret == -E2BIG && size < TT_HEALTH_MAX_REQ)
		__builtin_trap();
	tt_buf_init(&out, TT_HEALTH_MAX_RESP);
	if (health_respond(&out, ret, &r, &st, 2) || out.len < 17 ||
	    memcmp(out.data, "HTTP/1.1 ", 9) || !memmem(out.data, out.len, "\r\n\r\n", 4))
		__builtin_trap();
	tt_buf_free(&out);
	return 0;
}
