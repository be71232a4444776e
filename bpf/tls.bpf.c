// SPDX-License-Identifier: GPL-2.0
/* tls.bpf.c: TLS plaintext at SSL_write/SSL_read (+ _ex) return, SSL_free, nested-syscall fd. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tt_abi.h"
#include "tt.bpf.h"

/* Arguments of the SSL call in flight on a thread, from entry to return. */
struct ssl_args {
	__u64 ssl;
	__u64 buf;
	__u64 lenp;		/* _ex: size_t *written / *readbytes */
	__s32 fd;		/* socket fd seen by a nested syscall, -1 until then */
	__u8 dir;
	__u8 src;
	__u8 pad[2];
};

struct conn_key {
	__u32 tgid;
	__u32 pad;
	__u64 ssl;
};

struct conn_state {
	__u64 pos[2];		/* bytes seen so far per direction */
	__s32 fd;		/* last fd reported to user space */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);			/* pid_tgid */
	__type(value, struct ssl_args);
} ssl_args SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);		/* TT_MAX_CONNS_BPF */
	__type(key, struct conn_key);
	__type(value, struct conn_state);
} conns SEC(".maps");

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
} scratch SEC(".maps");

static __always_inline int args_enter(__u64 ssl, __u64 buf, __u64 lenp, __u8 dir, __u8 src)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args a = {
		.ssl = ssl, .buf = buf, .lenp = lenp, .fd = -1, .dir = dir, .src = src,
	};

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	bpf_map_update_elem(&ssl_args, &pid_tgid, &a, BPF_ANY);
	return 0;
}

/* Tell user space which socket carries this SSL*, once per change. */
static __always_inline void report_fd(struct conn_state *cs, struct ssl_args *a, __u64 pid_tgid)
{
	struct tt_conn_ev *e;

	if (a->fd < 0 || cs->fd == a->fd)
		return;
	cs->fd = a->fd;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_add(TT_ST_LOST_RECS, 1);
		return;
	}
	fill_hdr(&e->h, TT_REC_SSL_FD, sizeof(*e), pid_tgid);
	e->conn = a->ssl;
	e->fd = a->fd;
	e->pad0 = 0;
	bpf_ringbuf_submit(e, rb_flags());
}

static __always_inline void emit_data(struct ssl_args *a, __u32 n, __u64 pid_tgid)
{
	struct conn_key key = { .tgid = pid_tgid >> 32, .ssl = a->ssl };
	struct conn_state init = { .fd = -1 };
	struct data_scratch *sc;
	struct conn_state *cs;
	struct tt_data *rec;
	__u32 zero = 0, take, off, len, i;
	__u64 pos;
	__u8 dir = a->dir & 1;

	cs = bpf_map_lookup_elem(&conns, &key);
	if (!cs) {
		bpf_map_update_elem(&conns, &key, &init, BPF_NOEXIST);
		cs = bpf_map_lookup_elem(&conns, &key);
		if (!cs)
			return;
	}
	report_fd(cs, a, pid_tgid);
	pos = cs->pos[dir];
	cs->pos[dir] = pos + n;

	take = n < cfg_call_cap ? n : cfg_call_cap;
	if (take < n) {
		stat_add(TT_ST_TRUNC_CALLS, 1);
		stat_add(TT_ST_TRUNC_BYTES, n - take);
	}
	sc = bpf_map_lookup_elem(&scratch, &zero);
	if (!sc)
		return;
	rec = (void *)sc->raw;
	for (i = 0; i < TT_MAX_CHUNKS; i++) {
		off = i * TT_CHUNK;
		if (off >= take)
			break;
		len = take - off;
		if (len > TT_CHUNK)
			len = TT_CHUNK;
		/* clang folds the clamp above into a form the verifier cannot bound: hide len from
		 * the optimiser and re-derive [1, TT_CHUNK] with a mask */
		barrier_var(len);
		len = ((len - 1) & (TT_CHUNK - 1)) + 1;
		fill_hdr(&rec->h, TT_REC_DATA, sizeof(*rec) + len, pid_tgid);
		rec->conn = a->ssl;
		rec->pos = pos + off;
		rec->call_len = n;
		rec->len = len;
		rec->dir = dir;
		rec->src = a->src;
		rec->pad0 = 0;
		rec->fd = cs->fd;
		rec->flags = (i == 0 ? TT_DF_FIRST : 0) |
				(off + len >= take ? TT_DF_LAST : 0) |
				(take < n ? TT_DF_TRUNCATED : 0);
		if (bpf_probe_read_user(rec->data, len, (void *)(a->buf + off))) {
			stat_add(TT_ST_READ_ERR, 1);
			stat_add(TT_ST_LOST_BYTES, len);
			continue;
		}
		if (bpf_ringbuf_output(&events, rec, sizeof(*rec) + len, rb_flags())) {
			stat_add(TT_ST_LOST_RECS, 1);
			stat_add(TT_ST_LOST_BYTES, len);
		}
	}
}

static __always_inline int args_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args *a;
	size_t done = 0;

	a = bpf_map_lookup_elem(&ssl_args, &pid_tgid);
	if (!a)
		return 0;
	if (a->lenp) {
		/* _ex variants return 1 and store the byte count */
		if (ret == 1 && bpf_probe_read_user(&done, sizeof(done), (void *)a->lenp))
			stat_add(TT_ST_READ_ERR, 1);
		if (ret != 1)
			done = 0;
	} else if (ret > 0) {
		done = ret;
	}
	if (done > 0 && done <= 0xffffffffu)
		emit_data(a, done, pid_tgid);
	bpf_map_delete_elem(&ssl_args, &pid_tgid);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return args_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_WRITE, TT_SRC_SSL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_writeex_enter, void *ssl, const void *buf, size_t num, size_t *written)
{
	return args_enter((__u64)ssl, (__u64)buf, (__u64)written, TT_DIR_WRITE, TT_SRC_SSL_EX);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_writeex_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return args_enter((__u64)ssl, (__u64)buf, 0, TT_DIR_READ, TT_SRC_SSL);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_readex_enter, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return args_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, TT_DIR_READ, TT_SRC_SSL_EX);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_readex_exit, int ret)
{
	return args_exit(ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct conn_key key = { .tgid = pid_tgid >> 32, .ssl = (__u64)ssl };
	struct tt_conn_ev *e;

	/* only connections that carried data are reported */
	if (!tgid_traced(key.tgid) || bpf_map_delete_elem(&conns, &key))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stat_add(TT_ST_LOST_RECS, 1);
		return 0;
	}
	fill_hdr(&e->h, TT_REC_CLOSE, sizeof(*e), pid_tgid);
	e->conn = (__u64)ssl;
	e->fd = -1;
	e->pad0 = 0;
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

#define TT_S_IFMT	00170000
#define TT_S_IFSOCK	0140000

/* Only sockets identify a connection: an SSL call may also touch pipes or eventfds. */
static __always_inline bool fd_is_socket(long fd)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	umode_t mode;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return false;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	return (mode & TT_S_IFMT) == TT_S_IFSOCK;
}

/* The socket under an SSL*: the fd of a read/write syscall made inside the SSL call. */
static __always_inline int nested_fd(long fd)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args *a = bpf_map_lookup_elem(&ssl_args, &pid_tgid);

	if (a && a->fd < 0 && fd_is_socket(fd))
		a->fd = fd;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int sys_write(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_read")
int sys_read(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_sendto")
int sys_sendto(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_recvfrom")
int sys_recvfrom(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sys_sendmsg(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
SEC("tracepoint/syscalls/sys_enter_recvmsg")
int sys_recvmsg(struct trace_event_raw_sys_enter *ctx) { return nested_fd(ctx->args[0]); }
