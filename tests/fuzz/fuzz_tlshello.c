// SPDX-License-Identifier: MIT
/* fuzz_tlshello.c: ClientHello parsing of arbitrary bytes, whole and cut at a point taken from
 * the input; a hello that parsed whole must say the same of every longer input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlshello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_hello h, cut;
	size_t k;
	int ret, ret_cut;

	ret = tls_hello_parse(data, size, &h);
	if (ret > (int)size || strlen(h.sni) > TT_TLS_SNI_MAX || strlen(h.alpn) > TT_TLS_ALPN_MAX)
		abort();
	if (!size)
		return 0;
	k = data[size - 1] % size;
	ret_cut = tls_hello_parse(data, k, &cut);
	/* a prefix never parses to more than the whole, and what it found the whole finds */
	if (ret_cut > 0 && ret_cut != ret)
		abort();
	if (ret_cut >= 0 && ret >= 0 && cut.has_sni && (!h.has_sni || strcmp(cut.sni, h.sni)))
		abort();
	return 0;
}
