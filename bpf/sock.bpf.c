// SPDX-License-Identifier: GPL-2.0
/* sock.bpf.c: plaintext HTTP on the TCP sockets of traced processes, from the socket syscalls
 * (write/writev/sendto/sendmsg, read/readv/recvfrom/recvmsg, close), and the TLS client
 * connections among them (ClientHello, byte counts). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tt_abi.h"
#include "tt.bpf.h"
#include "tlscap.bpf.h"
#include "sock.bpf.h"

/*
 * Both directions are captured at syscall exit, with the return value: exactly the bytes the
 * kernel accepted or delivered. A write captured at entry would repeat the unsent tail of a
 * partial non-blocking write when the program retries it. The arguments are stashed per thread
 * at entry; the buffer of a write is still the caller's at exit (the thread was in the call).
 *
 * A socket is captured once its first bytes look like HTTP/1.x or the HTTP/2 preface. One that
 * starts with a TLS record is left alone for good: the TLS probes see its plaintext, and so
 * nothing is captured twice. Calls made inside an SSL call of the same thread are skipped too
 * (their bytes are TLS records even when tracing began mid-connection). Sockets that never look
 * like HTTP (databases, DNS over TCP, ...) are given up after SOCK_PROBES calls.
 *
 * A socket whose first write is a TLS ClientHello is a TLS client connection (SK_TLS): its
 * hello goes to user space (tt_tls_hello: the SNI, the addresses), and the bytes of the calls
 * made on it outside a probed TLS call are counted until close() or the process's exit_group()
 * (tt_tls_close). User space makes a span of it when the process's plaintext is not captured
 * (src/linker_tls.c), so an agent whose TLS stack we cannot probe still shows its connections.
 * Sockets of no interest pay nothing more: SK_SKIP still returns at sock_call_begin.
 */
#define SOCK_MSG_PEEK 2
#define SOCK_IOV_MAX  16 /* iovecs looked at per call; later ones count as lost */
#define SOCK_PROBES   64

/* --no-plaintext: the programs stay attached but return at once */
const volatile bool cfg_sock_off = false;

struct sock_key {
	__u32 tgid;
	__u32 pad;
	__u64 ino; /* sockfs inode: unique while the socket lives, unlike the fd */
};

struct sock_st {
	__u64 pos[2]; /* bytes captured so far per direction */
	__u32 probes; /* calls looked at while SK_UNKNOWN */
	__u8 kind;
	__u8 pad[3];
};

/* A socket call in flight on a thread, from entry to exit. */
struct sock_call {
	__u64 ino;
	__u64 sk;  /* struct sock *, for the addresses */
	__u64 buf; /* the buffer, or the iovec array when cnt > 0 */
	__u32 cnt; /* iovec count, 0 for a plain buffer */
	__s32 fd;
	__u8 dir;
	__u8 pad[7];
};

/*
 * A TLS client socket: its close record, kept ready and counted into with atomic adds (threads
 * of a process may share a socket); the header is only filled in the copy sent at close.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192); /* TT_MAX_TLS_BPF: open TLS client sockets */
	__type(key, struct sock_key);
	__type(value, struct tt_tls_close);
} tls_socks SEC(".maps");

/* Processes that opened a TLS client socket: exit_group walks tls_socks only for them. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} tls_procs SEC(".maps");

struct sock_iovs {
	struct iovec v[SOCK_IOV_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* TT_MAX_CONNS_BPF */
	__type(key, struct sock_key);
	__type(value, struct sock_st);
} socks SEC(".maps");

TT_STASH_MAP(sock_calls, __u64, struct sock_call); /* key: pid_tgid */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sock_iovs);
} sock_iov SEC(".maps");

/* Not the TLS programs' scratch: a uprobe program may be preempted by a syscall on its CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct data_scratch);
} sock_scratch SEC(".maps");

/*
 * Only gives struct tt_tls_hello (and the tt_sock inside it) a BTF description for
 * tests/unit/test_abi.c (like abi_anchor in proc.bpf.c): one entry, never used.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_tls_hello);
} sock_anchor SEC(".maps");

/*
 * The entry of a read/write-family syscall, which every process on the host makes: one
 * program per tracepoint does both jobs below, so that a process not traced leaves after
 * tgid_traced, and a traced one's call on a file that is no socket after fd_socket.
 * Inside an SSL call of the thread (ssl_args, tlscap.bpf.h), when ssl_fd is set, a socket fd
 * is the socket under the SSL* (reported with the call's plaintext; the call may also touch
 * pipes or eventfds, which name nothing); its bytes are TLS records, whose plaintext the TLS
 * probes have, so nothing is captured. Outside one, returns the socket when
 * it is a TCP socket to capture, with its inode number in *ino; NULL otherwise.
 */
static __always_inline struct socket *io_enter(long fd, __u64 pid_tgid, __u64 *ino, bool ssl_fd)
{
	struct socket *sock;
	struct ssl_args *a;

	if (!tgid_traced(pid_tgid >> 32))
		return NULL;
	sock = fd_socket(fd, ino);
	if (!sock)
		return NULL;
	a = bpf_map_lookup_elem(&ssl_args, &pid_tgid);
	if (a) {
		if (ssl_fd && a->fd < 0)
			a->fd = fd;
		return NULL;
	}
	return !cfg_sock_off && sock_is_tcp(sock) ? sock : NULL;
}

/* Call c on TCP socket sock, to capture at the syscall's exit unless the socket is SK_SKIP. */
static __always_inline int sock_call_begin(struct sock_call *c, struct socket *sock, __u64 pid_tgid)
{
	struct sock_key key = { .tgid = pid_tgid >> 32, .ino = c->ino };
	struct sock_st *st = bpf_map_lookup_elem(&socks, &key);

	if (st && st->kind == SK_SKIP)
		return 0;
	c->sk = (__u64)BPF_CORE_READ(sock, sk);
	bpf_map_update_elem(&sock_calls, &pid_tgid, c, BPF_ANY);
	return 0;
}

/* A call with a plain buffer (cnt 0) or an iovec array; peek: MSG_PEEK, not captured. */
static __always_inline int sock_enter(long fd, __u64 buf, __u32 cnt, __u8 dir, bool ssl_fd,
				      bool peek)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sock_call c = { .buf = buf, .cnt = cnt, .fd = fd, .dir = dir };
	struct socket *sock;

	sock = io_enter(fd, pid_tgid, &c.ino, ssl_fd);
	if (!sock || peek)
		return 0;
	return sock_call_begin(&c, sock, pid_tgid);
}

/* Tells user space the addresses of a socket about to be captured. */
static __always_inline void sock_report(struct sock_call *c, __u64 pid_tgid)
{
	struct tt_sock *e;

	e = rec_reserve(sizeof(*e), TT_REC_SOCK, pid_tgid);
	if (!e)
		return;
	sock_fill(e, (void *)c->sk, c->ino, c->fd);
	bpf_ringbuf_submit(e, rb_flags());
}

/*
 * A TLS client socket: its ClientHello (the first n bytes written, from buffer p) to user
 * space, and its entry in tls_socks. Staged in sock_scratch, free here: sock_emit_seg, its
 * other user, only runs on SK_PLAIN sockets later in the same program.
 */
static __always_inline void tls_report(struct sock_key *key, struct sock_call *c, __u64 p, __u64 n,
				       __u64 call_len, __u64 pid_tgid)
{
	struct tt_tls_close init = { .conn = TT_CONN_SOCK | key->ino, .fd = c->fd };
	struct tt_tls_hello *e;
	__u32 zero = 0, len;
	__u8 one = 1;
	void *sc;

	bpf_map_update_elem(&tls_socks, key, &init, BPF_ANY);
	bpf_map_update_elem(&tls_procs, &key->tgid, &one, BPF_ANY);
	sc = bpf_map_lookup_elem(&sock_scratch, &zero);
	if (!sc)
		return;
	e = sc;
	len = n < TT_HELLO_MAX ? n : TT_HELLO_MAX;
	/* as in sock_emit_seg: re-derive [1, TT_HELLO_MAX] where the verifier can see it */
	barrier_var(len);
	len = ((len - 1) & (TT_HELLO_MAX - 1)) + 1;
	fill_hdr(&e->s.h, TT_REC_TLS_HELLO, sizeof(*e) + len, pid_tgid);
	sock_fill(&e->s, (void *)c->sk, c->ino, c->fd);
	e->call_len = call_len;
	e->len = len;
	if (bpf_probe_read_user(e->data, len, (void *)p)) {
		stat_add(TT_ST_READ_ERR, 1);
		e->len = 0;
		e->s.h.size = sizeof(*e);
	}
	if (bpf_ringbuf_output(&events, e, e->len ? sizeof(*e) + len : sizeof(*e), rb_flags()))
		stat_add(TT_ST_LOST_RECS, 1);
}

/* Bytes a call moved on a TLS client socket. */
static __always_inline void tls_count(struct sock_key *key, __u8 dir, __u64 n)
{
	struct tt_tls_close *t = bpf_map_lookup_elem(&tls_socks, key);

	if (!t)
		return;
	__sync_fetch_and_add(&t->bytes[dir & 1], n);
	__sync_fetch_and_add(&t->calls[dir & 1], 1);
}

/* The end of a TLS client socket: its counts to user space. */
static __always_inline void tls_close(struct tt_tls_close *t, __u32 flags, __u64 pid_tgid)
{
	struct tt_tls_close *e;

	e = rec_reserve(sizeof(*e), TT_REC_TLS_CLOSE, pid_tgid);
	if (!e)
		return;
	e->conn = t->conn;
	e->fd = t->fd;
	e->flags = flags;
	e->bytes[0] = t->bytes[0];
	e->bytes[1] = t->bytes[1];
	e->calls[0] = t->calls[0];
	e->calls[1] = t->calls[1];
	bpf_ringbuf_submit(e, rb_flags());
}

/* The first buffer of a call: the buffer itself, or the first iovec. */
static __always_inline __u64 first_buf(struct sock_call *c, __u64 *len)
{
	struct iovec v;

	if (!c->cnt)
		return c->buf;
	if (bpf_probe_read_user(&v, sizeof(v), (void *)c->buf))
		return 0;
	*len = v.iov_len < *len ? v.iov_len : *len;
	return (__u64)v.iov_base;
}

/* An SK_UNKNOWN socket: decides its kind from the call's first bytes, and reports it. */
static __always_inline void sock_classify(struct sock_key *key, struct sock_st *st,
					  struct sock_call *c, __u64 n, __u64 pid_tgid)
{
	__u64 call_len = n, p;
	__u8 b[6] = {};

	p = first_buf(c, &n);
	/* six bytes tell a ClientHello; four are enough for the rest */
	if (!p || n < 4 || bpf_probe_read_user(b, n < sizeof(b) ? 4 : sizeof(b), (void *)p)) {
		st->kind = ++st->probes >= SOCK_PROBES ? SK_SKIP : SK_UNKNOWN;
		return;
	}
	st->kind = sock_kind_of(b, c->dir);
	if (st->kind == SK_UNKNOWN && ++st->probes >= SOCK_PROBES)
		st->kind = SK_SKIP;
	if (st->kind == SK_PLAIN)
		sock_report(c, pid_tgid);
	else if (st->kind == SK_TLS)
		tls_report(key, c, p, n, call_len, pid_tgid);
}

/* One TT_CHUNK of a run, as a bpf_loop callback (see emit_chunk in tlscap.bpf.h). */
static long sock_chunk(__u32 i, void *run)
{
	return run_chunk(&sock_scratch, i, run);
}

/*
 * Emits one run of a call: the bytes of its buffer, or of one iovec. A global function, so the
 * verifier checks it once instead of once per iovec of the caller's loop; bpf_loop, so it
 * checks one chunk, not every chunk a cap of up to TT_MAX_CHUNKS allows.
 */
__noinline int sock_emit_seg(const struct data_run *r)
{
	struct data_run run;

	if (!r)
		return 0;
	run = *r; /* bpf_loop takes its context from the stack */
	bpf_loop((run.len + TT_CHUNK - 1) / TT_CHUNK, sock_chunk, &run, 0);
	return 0;
}

/*
 * Emits the n bytes a call moved, from its buffer (over the cap: its head and tail) or its
 * first SOCK_IOV_MAX iovecs (over the cap: their head).
 */
static __always_inline void sock_emit(struct sock_st *st, struct sock_call *c, __u32 n,
				      __u64 pid_tgid)
{
	struct data_run r = {
		.pid_tgid = pid_tgid,
		.conn = TT_CONN_SOCK | c->ino,
		.call_len = n,
		.fd = c->fd,
		.dir = c->dir & 1,
		.src = TT_SRC_SOCK,
	};
	__u32 take = n < cfg_call_cap ? n : cfg_call_cap, zero = 0, cnt, off, len, avail, i, size;
	__u32 tail;
	__u8 trunc = 0;
	struct sock_iovs *iv;
	__u64 pos;

	pos = st->pos[r.dir];
	st->pos[r.dir] = pos + n;
	if (!c->cnt) {
		r.buf = c->buf;
		r.pos = pos;
		tail = run_head(&r);
		sock_emit_seg(&r);
		if (tail) {
			run_tail(&r, tail);
			sock_emit_seg(&r);
		}
		return;
	}
	iv = bpf_map_lookup_elem(&sock_iov, &zero);
	if (!iv)
		return;
	cnt = c->cnt < SOCK_IOV_MAX ? c->cnt : SOCK_IOV_MAX;
	size = cnt * sizeof(struct iovec);
	/* the clamp above may be folded into a form the verifier cannot bound: check again */
	barrier_var(size);
	if (size > sizeof(iv->v))
		return;
	if (bpf_probe_read_user(iv->v, size, (void *)c->buf)) {
		stat_add(TT_ST_READ_ERR, 1);
		return;
	}
	for (i = 0, avail = 0; i < SOCK_IOV_MAX && i < cnt; i++)
		avail += iv->v[i].iov_len;
	take = take < avail ? take : avail;
	if (take < n)
		trunc = TT_DF_TRUNCATED;
	for (i = 0, off = 0; i < SOCK_IOV_MAX && i < cnt && off < take; i++) {
		len = iv->v[i].iov_len < take - off ? iv->v[i].iov_len : take - off;
		if (!len)
			continue;
		r.buf = (__u64)iv->v[i].iov_base;
		r.pos = pos + off;
		r.len = len;
		r.flags = trunc | (off == 0 ? TT_DF_FIRST : 0) |
			  (off + len >= take ? TT_DF_LAST : 0);
		sock_emit_seg(&r);
		off += len;
	}
	if (take < n) {
		stat_add(TT_ST_TRUNC_CALLS, 1);
		stat_add(TT_ST_TRUNC_BYTES, n - take);
	}
}

static __always_inline int sock_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sock_key key = { .tgid = pid_tgid >> 32 };
	struct sock_st init = {}, *st;
	struct sock_call c;

	if (!stash_take(&sock_calls, &pid_tgid, &c, sizeof(c)))
		return 0;
	key.ino = c.ino;
	st = bpf_map_lookup_elem(&socks, &key);
	/* records sealed before a write, failed or not, are that socket's (tlscap.bpf.h) */
	if (st && st->kind == SK_TLS)
		aead_sock_call(pid_tgid, c.ino, c.fd, c.dir, ret);
	if (ret <= 0 || ret > 0xffffffffL)
		return 0;
	if (!st) {
		st = map_lookup_or_init(&socks, &key, &init);
		if (!st)
			return 0;
	}
	if (st->kind == SK_UNKNOWN)
		sock_classify(&key, st, &c, ret, pid_tgid);
	if (st->kind == SK_TLS)
		tls_count(&key, c.dir, ret);
	else if (st->kind == SK_PLAIN)
		sock_emit(st, &c, ret, pid_tgid);
	return 0;
}

/* sendmsg/recvmsg: the iovec array and count are in the msghdr. */
static __always_inline int msg_enter(long fd, void *msg, long flags, __u8 dir)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sock_call c = { .fd = fd, .dir = dir };
	struct user_msghdr m;
	struct socket *sock;

	sock = io_enter(fd, pid_tgid, &c.ino, true);
	if (!sock || (dir == TT_DIR_READ && (flags & SOCK_MSG_PEEK)))
		return 0;
	if (bpf_probe_read_user(&m, sizeof(m), msg) || !m.msg_iovlen)
		return 0;
	c.buf = (__u64)m.msg_iov;
	c.cnt = m.msg_iovlen > 0xffff ? 0xffff : m.msg_iovlen;
	return sock_call_begin(&c, sock, pid_tgid);
}

/*
 * writev/readv only capture: they were never among the calls that name the socket under an
 * SSL call. MSG_PEEK leaves the bytes queued: the next read moves them again.
 */
SEC("tracepoint/syscalls/sys_enter_write")
int sk_write_in(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(ctx->args[0], ctx->args[1], 0, TT_DIR_WRITE, true, false);
}

SEC("tracepoint/syscalls/sys_exit_write")
int sk_write_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int sk_writev_in(struct trace_event_raw_sys_enter *ctx)
{
	if (!ctx->args[2])
		return 0;
	return sock_enter(ctx->args[0], ctx->args[1], ctx->args[2], TT_DIR_WRITE, false, false);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int sk_writev_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sk_sendto_in(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(ctx->args[0], ctx->args[1], 0, TT_DIR_WRITE, true, false);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int sk_sendto_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sk_sendmsg_in(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx->args[0], (void *)ctx->args[1], ctx->args[2], TT_DIR_WRITE);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int sk_sendmsg_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_read")
int sk_read_in(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(ctx->args[0], ctx->args[1], 0, TT_DIR_READ, true, false);
}

SEC("tracepoint/syscalls/sys_exit_read")
int sk_read_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_readv")
int sk_readv_in(struct trace_event_raw_sys_enter *ctx)
{
	if (!ctx->args[2])
		return 0;
	return sock_enter(ctx->args[0], ctx->args[1], ctx->args[2], TT_DIR_READ, false, false);
}

SEC("tracepoint/syscalls/sys_exit_readv")
int sk_readv_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int sk_recvfrom_in(struct trace_event_raw_sys_enter *ctx)
{
	return sock_enter(ctx->args[0], ctx->args[1], 0, TT_DIR_READ, true,
			  ctx->args[3] & SOCK_MSG_PEEK);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int sk_recvfrom_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int sk_recvmsg_in(struct trace_event_raw_sys_enter *ctx)
{
	return msg_enter(ctx->args[0], (void *)ctx->args[1], ctx->args[2], TT_DIR_READ);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int sk_recvmsg_out(struct trace_event_raw_sys_exit *ctx)
{
	return sock_exit(ctx->ret);
}

/*
 * The end of a captured socket: user space delivers what it holds (close-delimited bodies). The
 * end of a TLS client socket: its byte counts.
 */
SEC("tracepoint/syscalls/sys_enter_close")
int sk_close_in(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sock_key key = { .tgid = pid_tgid >> 32 };
	struct tt_tls_close *t;
	struct sock_st *st;
	long fd = ctx->args[0];

	if (cfg_sock_off || !tgid_traced(key.tgid) || !tcp_socket(fd, &key.ino))
		return 0;
	st = bpf_map_lookup_elem(&socks, &key);
	if (!st)
		return 0;
	if (st->kind == SK_TLS) {
		struct conn_key ck = { .tgid = key.tgid, .ssl = TT_CONN_AEAD | key.ino };

		t = bpf_map_lookup_elem(&tls_socks, &key);
		if (t)
			tls_close(t, 0, pid_tgid);
		bpf_map_delete_elem(&tls_socks, &key);
		/* record-cipher positions: a later socket may get the same inode number */
		bpf_map_delete_elem(&conns, &ck);
	} else if (st->kind == SK_PLAIN) {
		conn_ev_out(TT_REC_CLOSE, TT_CONN_SOCK | key.ino, fd, pid_tgid);
	}
	bpf_map_delete_elem(&socks, &key);
	return 0;
}

struct tls_exit_ctx {
	__u64 pid_tgid;
};

/* One entry of tls_socks at exit_group: the exiting process's sockets get their close record. */
static long tls_exit_one(struct bpf_map *map, struct sock_key *key, struct tt_tls_close *t,
			 struct tls_exit_ctx *x)
{
	if (key->tgid != x->pid_tgid >> 32)
		return 0;
	tls_close(t, TT_TLS_CLOSE_EXIT, x->pid_tgid);
	bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * A process ending with TLS client sockets open (a pooled connection is seldom closed): their
 * counts go out before the exit record of the process (sched_process_exit comes later), so user
 * space still has the process when they arrive. A process killed by a signal makes no
 * exit_group(): user space ends its connections at its exit, without counts.
 */
SEC("tracepoint/syscalls/sys_enter_exit_group")
int sk_exit_group(struct trace_event_raw_sys_enter *ctx)
{
	struct tls_exit_ctx x = { .pid_tgid = bpf_get_current_pid_tgid() };
	__u32 tgid = x.pid_tgid >> 32;

	if (cfg_sock_off || !bpf_map_lookup_elem(&tls_procs, &tgid))
		return 0;
	bpf_map_delete_elem(&tls_procs, &tgid);
	bpf_for_each_map_elem(&tls_socks, tls_exit_one, &x, 0);
	return 0;
}
