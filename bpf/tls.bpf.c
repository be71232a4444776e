// SPDX-License-Identifier: GPL-2.0
/* tls.bpf.c: TLS plaintext of C libraries: OpenSSL/BoringSSL SSL_write/SSL_read (+ _ex) and
 * SSL_free, GnuTLS record send/recv, NSS (NSPR I/O on SSL layers). The socket under a call is
 * the fd of the read/write syscalls made inside it: sock.bpf.c's syscall programs note it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tt_abi.h"
#include "tt.bpf.h"
#include "tlscap.bpf.h"

/* enum tt_lib of the file this probe is in: bits 32-39 of the attach cookie (src/loader.c) */
static __always_inline __u8 cookie_lib(void *ctx)
{
	return (__u8)(bpf_get_attach_cookie(ctx) >> 32);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return args_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_WRITE, TT_SRC_SSL, cookie_lib(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_writeex_enter, void *ssl, const void *buf, size_t num, size_t *written)
{
	return args_enter((__u64)ssl, (__u64)buf, (__u64)written, TT_DIR_WRITE, TT_SRC_SSL_EX,
			  cookie_lib(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_writeex_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return args_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_READ, TT_SRC_SSL, cookie_lib(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_readex_enter, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return args_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, TT_DIR_READ, TT_SRC_SSL_EX,
			  cookie_lib(ctx));
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_readex_exit, int ret)
{
	return args_exit(ret);
}

/*
 * OpenSSL's ssl_write_internal/ssl_read_internal(ssl, buf, num, size_t *done): both the plain and
 * the _ex functions call them, and their first instruction is one the kernel emulates (see
 * tier_internal in src/targets.c). The attach cookie holds the distance from the function to
 * the return site of the call in the _ex wrapper: the return address, still on top of the stack
 * at the first instruction, tells whether the application called the _ex variant. Other callers
 * (SSL_write, SSL_read, OpenSSL's SSL BIO) are reported as the plain one.
 */
static __always_inline int ssl_int_enter(struct pt_regs *ctx, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__s32 ex_delta = (__s32)bpf_get_attach_cookie(ctx);
	__u64 ret_addr = 0;
	__u8 src = TT_SRC_SSL;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	if (ex_delta &&
	    !bpf_probe_read_user(&ret_addr, sizeof(ret_addr), (void *)PT_REGS_SP(ctx)) &&
	    (__s64)(ret_addr - PT_REGS_IP(ctx)) == ex_delta)
		src = TT_SRC_SSL_EX;
	return args_stash(pid_tgid, PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM4(ctx), dir,
			  src, cookie_lib(ctx));
}

SEC("uprobe")
int ssl_wint_enter(struct pt_regs *ctx)
{
	return ssl_int_enter(ctx, TT_DIR_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_wint_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int ssl_rint_enter(struct pt_regs *ctx)
{
	return ssl_int_enter(ctx, TT_DIR_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_rint_exit, int ret)
{
	return args_exit(ret);
}

/*
 * OpenSSL's record layer: ssl3_write_bytes(ssl, type, buf, len, size_t *written) and
 * ssl3_read_bytes(ssl, type, recvd_type, buf, len, peek, size_t *readbytes), reached by every
 * TLS connection of OpenSSL 1.1.1 to 3.x through its SSL_METHOD table (ssl3_write, ssl3_read):
 * a call through a function pointer, which no link-time optimisation inlines. A build whose
 * own callers inlined SSL_write/SSL_read and ssl_*_internal (the exported copies then never
 * run) still passes here, with the same SSL* and the same "1 and *done" result. These probes
 * report only what no API probe does: a call under a probed SSL_write/SSL_read (its ssl_args
 * stashed, sp 0) is left to that probe. Application data only (type 23; the uint8_t of 3.2+
 * and the int before both sit in the low byte), peeks left alone (the next read takes them).
 * A record-layer call can nest in another (a handshake read or write inside an application
 * one, type 22): the stack pointer at entry tells an exit its own call.
 */
#define TT_RT_APPLICATION_DATA 23

static __always_inline int rl_enter(struct pt_regs *ctx, __u64 buf, __u64 lenp, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args a = {
		.ssl = PT_REGS_PARM1(ctx),
		.buf = buf,
		.lenp = lenp,
		.sp = PT_REGS_SP(ctx),
		.fd = -1,
		.dir = dir,
		.src = TT_SRC_SSL,
		.lib = cookie_lib(ctx),
	};
	struct ssl_args *cur;

	if (!tgid_traced(pid_tgid >> 32) || (PT_REGS_PARM2(ctx) & 0xff) != TT_RT_APPLICATION_DATA)
		return 0;
	cur = bpf_map_lookup_elem(&ssl_args, &pid_tgid);
	if (cur && !cur->sp)
		return 0; /* under an API probe */
	bpf_map_update_elem(&ssl_args, &pid_tgid, &a, BPF_ANY);
	return 0;
}

static __always_inline int rl_exit(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args *cur = bpf_map_lookup_elem(&ssl_args, &pid_tgid);
	struct ssl_args a;

	/* the return address was popped: the stack pointer is 8 above the one at entry */
	if (!cur || !cur->sp || cur->sp + 8 != PT_REGS_SP(ctx))
		return 0;
	if (!stash_take(&ssl_args, &pid_tgid, &a, sizeof(a)))
		return 0;
	stat_add(TT_ST_RL_CALLS, 1);
	args_done(&a, (int)PT_REGS_RC(ctx), pid_tgid);
	return 0;
}

SEC("uprobe")
int ssl_wrec_enter(struct pt_regs *ctx)
{
	return rl_enter(ctx, PT_REGS_PARM3(ctx), PT_REGS_PARM5(ctx), TT_DIR_WRITE);
}

SEC("uretprobe")
int ssl_wrec_exit(struct pt_regs *ctx)
{
	return rl_exit(ctx);
}

SEC("uprobe")
int ssl_rrec_enter(struct pt_regs *ctx)
{
	__u64 readbytes = 0;

	/* peek (argument 6) and readbytes (7, on the stack above the return address) */
	if ((int)ctx->r9 || /* PT_REGS_PARM6: x86-64, like the stack read */
	    bpf_probe_read_user(&readbytes, sizeof(readbytes), (void *)(PT_REGS_SP(ctx) + 8)))
		return 0;
	return rl_enter(ctx, PT_REGS_PARM4(ctx), readbytes, TT_DIR_READ);
}

SEC("uretprobe")
int ssl_rrec_exit(struct pt_regs *ctx)
{
	return rl_exit(ctx);
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = { .tgid = pid_tgid >> 32, .ssl = (__u64)ssl };

	/* only connections that carried data are reported */
	if (!tgid_traced(key.tgid) || bpf_map_delete_elem(&conns, &key))
		return 0;
	conn_ev_out(TT_REC_CLOSE, (__u64)ssl, -1, pid_tgid);
	return 0;
}

/*
 * The AEAD of aws-lc (and BoringSSL): EVP_AEAD_CTX_seal / EVP_AEAD_CTX_open(ctx, out,
 * size_t *out_len, max_out_len, nonce, nonce_len, in, in_len, ad, ad_len) return 1 on success;
 * arguments 7 to 10 are on the stack, above the return address at entry. rustls over aws-lc-rs
 * (Codex) seals and opens each TLS record with one call: see the AEAD part of tlscap.bpf.h for
 * how records find their connection. Only application data is plaintext of interest, told by
 * the additional data, which is the record header: 5 bytes 17 03 03 <len> in TLS 1.3, where
 * the true content type is the last byte of the plaintext (rustls adds no padding), or 13 bytes
 * <seq:8> <type> 03 03 <len:2> in TLS 1.2. Handshake and alert records, QUIC packets and the
 * cipher's other users are left alone.
 */
struct aead_args {
	__u64 out;
	__u64 out_lenp;
	__u32 kind; /* AEAD_TLS12 / AEAD_TLS13 */
	__u32 pad;
};

TT_STASH_MAP(aead_args, __u64, struct aead_args); /* key: pid_tgid */

/*
 * At the entry of a seal or open: arguments 7 to 10 (in, in_len, ad, ad_len) into st, from the
 * stack above the return address, and the record kind the additional data names (aead_kind),
 * 0 when it names none of interest or the stack cannot be read.
 */
static __always_inline __u32 aead_enter_args(struct pt_regs *ctx, __u64 st[4])
{
	if (bpf_probe_read_user(st, 4 * sizeof(__u64), (void *)(PT_REGS_SP(ctx) + 8))) {
		stat_add(TT_ST_READ_ERR, 1);
		return 0;
	}
	return aead_kind(st[2], st[3]);
}

SEC("uprobe")
int aead_seal_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct data_run r = {
		.pid_tgid = pid_tgid,
		.conn = TT_CONN_PEND | (__u32)pid_tgid,
		.fd = -1,
		.dir = TT_DIR_WRITE,
		.src = TT_SRC_AEAD,
	};
	__u64 st[4]; /* in, in_len, ad, ad_len */
	struct aead_tid *t;
	__u32 kind;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	kind = aead_enter_args(ctx, st);
	r.call_len = kind ? aead_app_len(st[0], st[1], kind) : 0;
	if (!r.call_len)
		return 0;
	t = aead_tid_get(pid_tgid, true);
	if (!t)
		return 0;
	r.buf = st[0];
	r.pos = t->pend;
	t->pend += r.call_len;
	emit_call(&r);
	return 0;
}

SEC("uprobe")
int aead_open_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct aead_args a = { .out = PT_REGS_PARM2(ctx), .out_lenp = PT_REGS_PARM3(ctx) };
	__u64 st[4]; /* in, in_len, ad, ad_len */

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	a.kind = aead_enter_args(ctx, st);
	if (a.kind)
		bpf_map_update_elem(&aead_args, &pid_tgid, &a, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(aead_open_exit, int ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args s = { .dir = TT_DIR_READ, .src = TT_SRC_AEAD };
	struct aead_args a;
	struct aead_tid *t;
	__u64 len = 0;
	__u32 n = 0;

	if (!stash_take(&aead_args, &pid_tgid, &a, sizeof(a)))
		return 0;
	if (ret == 1 && !bpf_probe_read_user(&len, sizeof(len), (void *)a.out_lenp))
		n = aead_app_len(a.out, len, a.kind);
	s.buf = a.out;
	if (!n)
		return 0;
	t = aead_tid_get(pid_tgid, false);
	if (!t || !t->rx_ino) {
		stat_add(TT_ST_AEAD_NOSOCK, 1);
		return 0;
	}
	s.ssl = TT_CONN_AEAD | t->rx_ino;
	s.fd = t->rx_fd;
	emit_data(&s, n, pid_tgid);
	return 0;
}

/*
 * GnuTLS: gnutls_record_send/recv(session, data, size) return ssize_t bytes moved or a
 * negative error; the session pointer is the connection key.
 */
SEC("uprobe")
int BPF_KPROBE(gtls_send_enter, void *session, const void *buf, size_t n)
{
	return args_enter((__u64)session, (__u64)buf, 0, TT_DIR_WRITE, TT_SRC_GNUTLS, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(gtls_send_exit, long ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(gtls_recv_enter, void *session, void *buf, size_t n)
{
	return args_enter((__u64)session, (__u64)buf, 0, TT_DIR_READ, TT_SRC_GNUTLS, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(gtls_recv_exit, long ret)
{
	return args_exit(ret);
}

/*
 * NSS: applications call NSPR's PR_Write/PR_Read/PR_Send/PR_Recv(fd, buf, amount, ...) on the
 * top PRFileDesc of a layered stack; an SSL socket's top layer is the SSL layer. The same
 * functions also serve plain files and sockets, whose descriptor is the NSPR I/O layer with
 * identity PR_NSPR_IO_LAYER (0): only layered descriptors are captured. PRFileDesc is public
 * and stable (prio.h): methods, secret, lower, higher, dtor, then identity (PRIntn) at 40.
 */
#define TT_PRFD_IDENTITY_OFF 40

static __always_inline int nss_enter(void *fd, __u64 buf, __u8 dir)
{
	int identity = 0;

	if (!fd ||
	    bpf_probe_read_user(&identity, sizeof(identity), (char *)fd + TT_PRFD_IDENTITY_OFF) ||
	    identity == 0)
		return 0;
	return args_enter((__u64)fd, buf, 0, dir, TT_SRC_NSS, 0);
}

SEC("uprobe")
int BPF_KPROBE(nss_write_enter, void *fd, const void *buf, int amount)
{
	return nss_enter(fd, (__u64)buf, TT_DIR_WRITE);
}

SEC("uretprobe")
int BPF_KRETPROBE(nss_write_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(nss_read_enter, void *fd, void *buf, int amount)
{
	return nss_enter(fd, (__u64)buf, TT_DIR_READ);
}

SEC("uretprobe")
int BPF_KRETPROBE(nss_read_exit, int ret)
{
	return args_exit(ret);
}
