// SPDX-License-Identifier: GPL-2.0
/* helpers.bpf.c: the helpers of the bpf/ headers that decide things from bytes or kernel values,
 * each behind a SEC("syscall") program for BPF_PROG_TEST_RUN (tests/bpf/test_*.c). Inputs and
 * outputs go through .bss (types in helpers.h). A syscall program runs in the calling thread:
 * the fd walk sees the test's own files, the user-memory reads its own buffers. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tt_abi.h"
#include "tt.bpf.h"
#include "tlscap.bpf.h"
#include "sock.bpf.h"
#include "tlslib.bpf.h"
#include "helpers.h"

/* The config tt.bpf.h declares (the tracer's lives in bpf/proc.bpf.c). */
const volatile bool cfg_all = false;
const volatile __u32 cfg_self = 0;
const volatile __u32 cfg_call_cap = 256 * 1024;
const volatile __u64 cfg_wake_bytes = 1 << 30;

const volatile struct consts consts = {
	.sk_unknown = SK_UNKNOWN,
	.sk_plain = SK_PLAIN,
	.sk_skip = SK_SKIP,
	.sk_tls = SK_TLS,
	.aead_tls12 = AEAD_TLS12,
	.aead_tls13 = AEAD_TLS13,
	.aead_rec_max = AEAD_REC_MAX,
};

char LICENSE[] SEC("license") = "GPL";

struct kind_io kind_io;

SEC("syscall")
int sock_kind(void *ctx)
{
	kind_io.kind = sock_kind_of(kind_io.b, kind_io.dir);
	return 0;
}

struct lib_io lib_io;

SEC("syscall")
int tls_lib(void *ctx)
{
	lib_io.yes = is_tls_lib(lib_io.path, lib_io.len);
	return 0;
}

struct aead_io aead_io;

SEC("syscall")
int aead(void *ctx)
{
	aead_io.kind = aead_kind(aead_io.ad, aead_io.ad_len);
	aead_io.app_len = aead_app_len(aead_io.p, aead_io.n, aead_io.rec_kind);
	return 0;
}

struct fd_io fd_io;

SEC("syscall")
int fd_sock(void *ctx)
{
	struct socket *sock = fd_socket(fd_io.fd, &fd_io.ino);

	fd_io.is_sock = sock != NULL;
	fd_io.is_tcp = sock && sock_is_tcp(sock);
	if (fd_io.is_tcp)
		sock_fill(&fd_io.addr, BPF_CORE_READ(sock, sk), fd_io.ino, fd_io.fd);
	return 0;
}

struct run_io run_io;

static __always_inline void run_of_io(struct data_run *r)
{
	r->pid_tgid = bpf_get_current_pid_tgid();
	r->conn = run_io.conn;
	r->buf = run_io.buf;
	r->pos = run_io.pos;
	r->call_len = run_io.call_len;
	r->len = run_io.len;
	r->fd = run_io.fd;
	r->dir = run_io.dir;
	r->src = run_io.src;
	r->lib = run_io.lib;
	r->flags = run_io.flags;
}

/* Not tlscap.bpf.h's scratch, as sock.bpf.c has its own: data_out takes the one it is given. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct data_scratch);
} test_scratch SEC(".maps");

/* The records of one run, open-coded over i as in sock.bpf.c's sock_emit_seg. */
SEC("syscall")
int run_out(void *ctx)
{
	struct data_scratch *sc;
	struct data_run r = {};
	__u32 zero = 0, i;

	run_of_io(&r);
	sc = bpf_map_lookup_elem(&test_scratch, &zero);
	if (!sc)
		return 1;
	for (i = 0; i < TT_MAX_CHUNKS; i++)
		if (!data_out((void *)sc->raw, &r, i))
			break;
	return 0;
}

/* The records of one call through bpf_loop, as the TLS programs send them. */
SEC("syscall")
int call_out(void *ctx)
{
	struct data_run r = {};

	run_of_io(&r);
	emit_call(&r);
	return 0;
}

struct init_io init_io;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} test_kv SEC(".maps");

SEC("syscall")
int lookup_init(void *ctx)
{
	__u64 *v = map_lookup_or_init(&test_kv, &init_io.key, &init_io.init);

	if (!v)
		return 1;
	init_io.got = *v;
	*v += 1;
	return 0;
}

__u16 rec_type;

SEC("syscall")
int rec_out(void *ctx)
{
	struct tt_conn_ev *e = rec_reserve(sizeof(*e), rec_type, bpf_get_current_pid_tgid());

	if (!e)
		return 1;
	e->conn = 0;
	e->fd = -1;
	e->pad0 = 0;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * Loaded only by test_verifier_rejects_unclamped: a read of a length that nothing clamps. The
 * verifier must refuse it, which is what the clamps and masks of the helpers are for.
 */
__u64 unclamped_len;
__u8 unclamped_buf[64];

SEC("?syscall")
int unclamped(void *ctx)
{
	bpf_probe_read_user(unclamped_buf, unclamped_len, (void *)run_io.buf);
	return 0;
}
