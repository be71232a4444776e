/* SPDX-License-Identifier: GPL-2.0 */
/* tlscap.bpf.h: per-call argument stash, connection positions and payload emission shared by
 * the TLS programs of every library (tls.bpf.c: OpenSSL/BoringSSL, GnuTLS, NSS; gotls.bpf.c). */
#ifndef TT_TLSCAP_BPF_H
#define TT_TLSCAP_BPF_H

/*
 * Both objects are linked into one by bpftool gen object: the maps are __weak so the identical
 * definitions merge into one map (positions of a connection must be shared by every program).
 */
/* Arguments of the SSL call in flight on a thread, from entry to return. */
struct ssl_args {
	__u64 ssl;
	__u64 buf;
	__u64 lenp; /* _ex: size_t *written / *readbytes */
	__u64 sp;   /* record layer (tls.bpf.c): stack pointer at entry; 0 for the API probes */
	__s32 fd;   /* socket fd seen by a nested syscall, -1 until then */
	__u8 dir;
	__u8 src;
	__u8 lib; /* enum tt_lib, from the attach cookie (tt_abi.h) */
	__u8 pad;
};

struct conn_key {
	__u32 tgid;
	__u32 pad;
	__u64 ssl;
};

struct conn_state {
	__u64 pos[2]; /* bytes seen so far per direction */
	__s32 fd;     /* last fd reported to user space */
	__u32 pad;
};

TT_STASH_MAP(ssl_args, __u64, struct ssl_args) __weak; /* key: pid_tgid */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* TT_MAX_CONNS_BPF */
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps") __weak;

/* Staging area for one data record: header plus up to TT_CHUNK payload bytes (per-CPU map
 * values are limited to 32 KiB). */
struct data_scratch {
	__u8 raw[sizeof(struct tt_data) + TT_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct data_scratch);
} scratch SEC(".maps") __weak;

static __always_inline int args_stash(__u64 pid_tgid, __u64 ssl, __u64 buf, __u64 lenp, __u8 dir,
				      __u8 src, __u8 lib)
{
	struct ssl_args a = {
		.ssl = ssl,
		.buf = buf,
		.lenp = lenp,
		.fd = -1,
		.dir = dir,
		.src = src,
		.lib = lib,
	};

	bpf_map_update_elem(&ssl_args, &pid_tgid, &a, BPF_ANY);
	return 0;
}

static __always_inline int args_enter(__u64 ssl, __u64 buf, __u64 lenp, __u8 dir, __u8 src,
				      __u8 lib)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	return args_stash(pid_tgid, ssl, buf, lenp, dir, src, lib);
}

/* Tell user space which socket carries this SSL*, once per change. */
static __always_inline void report_fd(struct conn_state *cs, struct ssl_args *a, __u64 pid_tgid)
{
	if (a->fd < 0 || cs->fd == a->fd)
		return;
	cs->fd = a->fd;
	conn_ev_out(TT_REC_SSL_FD, a->ssl, a->fd, pid_tgid);
}

/*
 * One TT_CHUNK of a call, as a bpf_loop callback: the verifier checks the body once instead of
 * once per iteration of an open-coded loop, which cut the load time of each capture program
 * from about 30 ms to a few (and the tracer's start with it).
 */
static long emit_chunk(__u32 i, void *run)
{
	return run_chunk(&scratch, i, run);
}

/* A connection's positions and last reported fd, created on first use. */
static __always_inline struct conn_state *conn_get(__u32 tgid, __u64 conn)
{
	struct conn_key key = { .tgid = tgid, .ssl = conn };
	struct conn_state init = { .fd = -1 };

	return map_lookup_or_init(&conns, &key, &init);
}

/* Emits the r->call_len bytes of a call from r->buf: over cfg_call_cap, its head and tail. */
static __always_inline void emit_call(struct data_run *r)
{
	__u32 tail = run_head(r);

	bpf_loop((r->len + TT_CHUNK - 1) / TT_CHUNK, emit_chunk, r, 0);
	if (!tail)
		return;
	run_tail(r, tail);
	bpf_loop((r->len + TT_CHUNK - 1) / TT_CHUNK, emit_chunk, r, 0);
}

static __always_inline void emit_data(struct ssl_args *a, __u32 n, __u64 pid_tgid)
{
	struct data_run r = {
		.pid_tgid = pid_tgid,
		.conn = a->ssl,
		.buf = a->buf,
		.call_len = n,
		.dir = a->dir & 1,
		.src = a->src,
		.lib = a->lib,
	};
	struct conn_state *cs = conn_get(pid_tgid >> 32, a->ssl);

	if (!cs)
		return;
	report_fd(cs, a, pid_tgid);
	r.pos = cs->pos[r.dir];
	cs->pos[r.dir] = r.pos + n;
	r.fd = cs->fd;
	emit_call(&r);
}

/* Reports the bytes a finished call a moved: ret and, for the _ex kind, *a->lenp. */
static __always_inline void args_done(struct ssl_args *a, long ret, __u64 pid_tgid)
{
	size_t done = 0;

	if (a->lenp) {
		/* _ex variants, ssl_*_internal and the record layer return > 0 (1) and store the
		 * byte count */
		if (ret > 0 && bpf_probe_read_user(&done, sizeof(done), (void *)a->lenp))
			stat_add(TT_ST_READ_ERR, 1);
		if (ret <= 0)
			done = 0;
	} else if (ret > 0) {
		done = ret;
	}
	if (done > 0 && done <= 0xffffffffu)
		emit_data(a, done, pid_tgid);
}

static __always_inline int args_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args a;

	if (!stash_take(&ssl_args, &pid_tgid, &a, sizeof(a)))
		return 0;
	args_done(&a, ret, pid_tgid);
	return 0;
}

/*
 * The record cipher (TT_SRC_AEAD): where a TLS stack has no stable plaintext function to probe
 * (rustls in a stripped static Rust binary), its crypto library's AEAD calls are: every TLS
 * record is sealed or opened whole by one call. The calls know nothing of sockets, but the
 * stack works a connection on one thread at a time: it reads the socket, then opens what it
 * read; it seals, then writes the socket (rustls under tokio-rustls or a blocking stream, in the
 * same poll or call). So a record opened belongs to the TLS socket the thread read last, and
 * the records sealed belong to the TLS socket the thread writes next (bpf/sock.bpf.c binds
 * them there: tt_aead_bind).
 */
struct aead_tid {
	__u64 pend;   /* plaintext bytes sealed since the thread's last TLS socket write */
	__u64 rx_ino; /* the TLS socket the thread read last, 0 = none yet */
	__s32 rx_fd;
	__u32 pad;
};

TT_STASH_MAP(aead_tids, __u64, struct aead_tid) __weak; /* key: pid_tgid */

/* Which AEAD calls carry TLS application data (the record formats: tls.bpf.c). */
#define AEAD_REC_MAX (16384 + 256) /* TLS record plaintext, content type included */
#define AEAD_TLS12   1
#define AEAD_TLS13   2

/* What the additional data ad says the record is: AEAD_TLS12/13 application data, or 0. */
static __always_inline __u32 aead_kind(__u64 ad, __u64 ad_len)
{
	__u8 b[11] = {};

	if (ad_len == 5) {
		if (bpf_probe_read_user(b, 3, (void *)ad))
			return 0;
		return b[0] == 0x17 && b[1] == 0x03 && b[2] == 0x03 ? AEAD_TLS13 : 0;
	}
	if (ad_len == 13) {
		if (bpf_probe_read_user(b, 11, (void *)ad))
			return 0;
		return b[8] == 0x17 && b[9] == 0x03 && b[10] == 0x03 ? AEAD_TLS12 : 0;
	}
	return 0;
}

/* Application data bytes in the record plaintext p[0..n), 0 when it carries something else. */
static __always_inline __u32 aead_app_len(__u64 p, __u64 n, __u32 kind)
{
	__u8 type = 0;

	if (!n || n > AEAD_REC_MAX)
		return 0;
	if (kind == AEAD_TLS12)
		return n;
	if (bpf_probe_read_user(&type, 1, (void *)(p + n - 1)))
		return 0;
	return type == 0x17 ? n - 1 : 0;
}

/* The calling thread's aead_tid, created when create is set. */
static __always_inline struct aead_tid *aead_tid_get(__u64 pid_tgid, bool create)
{
	struct aead_tid init = {};

	if (!create)
		return bpf_map_lookup_elem(&aead_tids, &pid_tgid);
	return map_lookup_or_init(&aead_tids, &pid_tgid, &init);
}

/*
 * A thread of a traced process moved bytes on TLS client socket ino (bpf/sock.bpf.c, at the
 * syscall's exit; n < 0 for a failed call). A read names the socket later opens belong to; a
 * write, failed or not, takes the records the thread sealed since its previous one.
 */
static __always_inline void aead_sock_call(__u64 pid_tgid, __u64 ino, __s32 fd, __u8 dir, long n)
{
	struct ssl_args a = { .ssl = TT_CONN_AEAD | ino, .fd = fd };
	struct tt_aead_bind *e;
	struct conn_state *cs;
	struct aead_tid *t;
	__u64 base;

	if (dir == TT_DIR_READ) {
		if (n <= 0)
			return;
		t = aead_tid_get(pid_tgid, true);
		if (t) {
			t->rx_ino = ino;
			t->rx_fd = fd;
		}
		return;
	}
	t = aead_tid_get(pid_tgid, false);
	if (!t || !t->pend)
		return;
	cs = conn_get(pid_tgid >> 32, a.ssl);
	if (!cs)
		return;
	report_fd(cs, &a, pid_tgid);
	base = cs->pos[TT_DIR_WRITE];
	cs->pos[TT_DIR_WRITE] = base + t->pend;
	e = rec_reserve(sizeof(*e), TT_REC_AEAD_BIND, pid_tgid);
	if (e) {
		e->conn = a.ssl;
		e->fd = fd;
		e->pad0 = 0;
		e->base = base;
		e->len = t->pend;
		bpf_ringbuf_submit(e, rb_flags());
	}
	t->pend = 0;
}

#endif /* TT_TLSCAP_BPF_H */
