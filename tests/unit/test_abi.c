// SPDX-License-Identifier: MIT
/* test_abi.c: the tt_abi.h layout seen by user space equals the BTF of the built BPF object. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "test.h"
#include "tt_abi.h"

struct field {
	const char *name;
	size_t off;
};

struct layout {
	const char *name;
	size_t size;
	struct field fields[16];
};

/* clang-format off */
#define F(s, m) { #m, offsetof(struct s, m) }

static const struct layout layouts[] = {
	{ "tt_hdr", sizeof(struct tt_hdr),
	  { F(tt_hdr, type), F(tt_hdr, abi), F(tt_hdr, size), F(tt_hdr, ts_ns), F(tt_hdr, pid),
	    F(tt_hdr, tid), F(tt_hdr, comm) } },
	{ "tt_data", sizeof(struct tt_data),
	  { F(tt_data, h), F(tt_data, conn), F(tt_data, pos), F(tt_data, call_len),
	    F(tt_data, len), F(tt_data, dir), F(tt_data, flags), F(tt_data, src),
	    F(tt_data, lib), F(tt_data, fd), F(tt_data, data) } },
	{ "tt_fork", sizeof(struct tt_fork),
	  { F(tt_fork, h), F(tt_fork, ppid), F(tt_fork, vpid), F(tt_fork, start_ns) } },
	{ "tt_exec", sizeof(struct tt_exec),
	  { F(tt_exec, h), F(tt_exec, ppid), F(tt_exec, old_pid), F(tt_exec, start_ns),
	    F(tt_exec, ino), F(tt_exec, dev), F(tt_exec, path_len), F(tt_exec, args_len),
	    F(tt_exec, args_full), F(tt_exec, flags), F(tt_exec, path), F(tt_exec, args) } },
	{ "tt_exit", sizeof(struct tt_exit),
	  { F(tt_exit, h), F(tt_exit, ppid), F(tt_exit, exit_code), F(tt_exit, start_ns) } },
	{ "tt_conn_ev", sizeof(struct tt_conn_ev),
	  { F(tt_conn_ev, h), F(tt_conn_ev, conn), F(tt_conn_ev, fd), F(tt_conn_ev, pad0) } },
	{ "tt_connect", sizeof(struct tt_connect),
	  { F(tt_connect, h), F(tt_connect, fd), F(tt_connect, family), F(tt_connect, port),
	    F(tt_connect, addr) } },
	{ "tt_sock", sizeof(struct tt_sock),
	  { F(tt_sock, h), F(tt_sock, conn), F(tt_sock, fd), F(tt_sock, family), F(tt_sock, lport),
	    F(tt_sock, rport), F(tt_sock, pad0), F(tt_sock, netns), F(tt_sock, laddr),
	    F(tt_sock, raddr) } },
	{ "tt_tls_hello", sizeof(struct tt_tls_hello),
	  { F(tt_tls_hello, s), F(tt_tls_hello, call_len), F(tt_tls_hello, len),
	    F(tt_tls_hello, data) } },
	{ "tt_aead_bind", sizeof(struct tt_aead_bind),
	  { F(tt_aead_bind, h), F(tt_aead_bind, conn), F(tt_aead_bind, fd), F(tt_aead_bind, pad0),
	    F(tt_aead_bind, base), F(tt_aead_bind, len) } },
	{ "tt_tls_close", sizeof(struct tt_tls_close),
	  { F(tt_tls_close, h), F(tt_tls_close, conn), F(tt_tls_close, fd),
	    F(tt_tls_close, flags), F(tt_tls_close, bytes), F(tt_tls_close, calls) } },
	{ "tt_file_key", sizeof(struct tt_file_key),
	  { F(tt_file_key, dev), F(tt_file_key, ino) } },
	{ "tt_hold", sizeof(struct tt_hold),
	  { F(tt_hold, file), F(tt_hold, since_ns), F(tt_hold, start_ns), F(tt_hold, flags),
	    F(tt_hold, ppid) } },
	{ "tt_libopen", sizeof(struct tt_libopen),
	  { F(tt_libopen, h), F(tt_libopen, path_len), F(tt_libopen, flags), F(tt_libopen, fd),
	    F(tt_libopen, path) } },
};
/* clang-format on */

static const char *bpf_obj(void)
{
	const char *p = getenv("TT_BPF_OBJ");

	return p ? p : ".output/tracetree.bpf.o";
}

static void check_layout(const struct btf *btf, const struct layout *l)
{
	const struct btf_member *m;
	const struct btf_type *t;
	int id, i, k, vlen;

	id = btf__find_by_name_kind(btf, l->name, BTF_KIND_STRUCT);
	if (!ASSERT_GE(id, 1, l->name))
		return;
	t = btf__type_by_id(btf, id);
	ASSERT_EQ(t->size, l->size, "struct size");
	vlen = btf_vlen(t);
	m = btf_members(t);
	for (i = 0; l->fields[i].name; i++) {
		for (k = 0; k < vlen; k++)
			if (!strcmp(btf__name_by_offset(btf, m[k].name_off), l->fields[i].name))
				break;
		if (!ASSERT_TRUE(k < vlen, l->fields[i].name))
			continue;
		ASSERT_EQ(btf_member_bit_offset(t, k) / 8, l->fields[i].off, l->fields[i].name);
	}
	/* no field in BPF that user space does not know about */
	ASSERT_EQ(vlen, i, "member count");
}

void test_abi_layout_matches_btf(void)
{
	struct btf *btf;
	size_t i;

	btf = btf__parse(bpf_obj(), NULL);
	if (!ASSERT_OK_PTR(btf, "parse BTF of the BPF object"))
		return;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (!test__start_subtest(layouts[i].name))
			continue;
		check_layout(btf, &layouts[i]);
	}
	btf__free(btf);
}

void test_abi_chunk_bounds(void)
{
	/* the BPF side derives lengths with masks: both must be powers of two */
	ASSERT_EQ(TT_CHUNK & (TT_CHUNK - 1), 0, "TT_CHUNK power of two");
	ASSERT_EQ(TT_ARGS_MAX & (TT_ARGS_MAX - 1), 0, "TT_ARGS_MAX power of two");
	ASSERT_EQ(TT_HELLO_MAX & (TT_HELLO_MAX - 1), 0, "TT_HELLO_MAX power of two");
	/* bpf/sock.bpf.c stages a hello in the TT_CHUNK data scratch */
	ASSERT_LE(sizeof(struct tt_tls_hello) + TT_HELLO_MAX, sizeof(struct tt_data) + TT_CHUNK,
		  "hello fits the scratch");
	/* a per-CPU scratch value must stay under the kernel's 32 KiB limit */
	ASSERT_LE(sizeof(struct tt_data) + TT_CHUNK, 32768, "scratch fits per-CPU value");
}
