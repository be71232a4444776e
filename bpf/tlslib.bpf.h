/* SPDX-License-Identifier: GPL-2.0 */
/* tlslib.bpf.h: whether a path that a process opens names a TLS library (proc.bpf.c). */
#ifndef TT_TLSLIB_BPF_H
#define TT_TLSLIB_BPF_H

#define TT_LIB_TAIL_MAX 25 /* last component: "libgnutls" + a suffix of up to 16 bytes */

/* True when path[pos..len) starts with name[0..n) (n <= 9, a constant). */
static __always_inline bool lib_name_at(const char *path, __u32 pos, __u32 len, const char *name,
					__u32 n)
{
	const __u32 m = TT_PATH_MAX - 1;
	__u32 i, at;

	if (pos + n > len)
		return false;
#pragma unroll
	for (i = 0; i < 9; i++) {
		/* clang drops the mask once it knows pos + n <= len; the verifier does not */
		at = pos + i;
		barrier_var(at);
		if (i < n && path[at & m] != name[i])
			return false;
	}
	return true;
}

/*
 * True when path[0..len) names a TLS library: a last component "libssl" (OpenSSL, NSS's
 * libssl3), "libnspr4" (NSS's I/O, whose PR_Write/PR_Read are probed) or "libgnutls", plus a
 * short suffix. Only positions near the end are tried, unrolled: a scan of the whole path for
 * the last '/' makes the verifier explore too many states.
 */
static __always_inline bool is_tls_lib(const char *path, __u32 len)
{
	const __u32 m = TT_PATH_MAX - 1;
	__u32 k, pos, start = 0;
	bool found = false;

	if (len >= TT_PATH_MAX)
		return false;
		/* the start of the last component, if within TT_LIB_TAIL_MAX bytes of the end */
#pragma unroll
	for (k = 6; k <= TT_LIB_TAIL_MAX; k++) {
		pos = len - k;
		if (!found && k <= len && (!pos || path[(pos - 1) & m] == '/')) {
			start = pos;
			found = true;
		}
	}
	return found && (lib_name_at(path, start, len, "libssl", 6) ||
			 lib_name_at(path, start, len, "libnspr4", 8) ||
			 lib_name_at(path, start, len, "libgnutls", 9));
}

#endif /* TT_TLSLIB_BPF_H */
