// SPDX-License-Identifier: GPL-2.0
/* naive.bpf.c: the reference naive TLS probe for `make bench` (not product code): entry +
 * return uprobe at the exported SSL_* symbols, a fixed 16 KiB ring-buffer record per call,
 * copied at return, and a consumer wakeup per record; the floor: empty entry + return
 * probes, for the bare cost of a probe placement; and the copy floor: the same placement doing
 * only what any capture must (the call's bytes into the ring buffer, no wakeup). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NAIVE_MAX 16384

struct naive_rec {
	__u64 ts_ns;
	__u32 pid;
	__u32 len;
	__u8 data[NAIVE_MAX];
};

struct naive_args {
	__u64 buf;
	__u64 lenp;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);
} naive_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct naive_args);
} naive_args SEC(".maps");

__u64 lost;

/* One record of the first n bytes at buf (at most NAIVE_MAX), submitted with flags. */
static __always_inline void put_rec(__u64 id, __u64 buf, __u64 n, __u64 flags)
{
	struct naive_rec *r = bpf_ringbuf_reserve(&naive_rb, sizeof(*r), 0);
	__u32 len;

	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return;
	}
	len = n > NAIVE_MAX ? NAIVE_MAX : n;
	/* keep the clamp visible to the verifier: [1, NAIVE_MAX] */
	barrier_var(len);
	len = ((len - 1) & (NAIVE_MAX - 1)) + 1;
	r->ts_ns = bpf_ktime_get_ns();
	r->pid = id >> 32;
	r->len = len;
	bpf_probe_read_user(r->data, len, (void *)buf);
	bpf_ringbuf_submit(r, flags);
}

/* Keeps a call's buffer and, when the byte count is stored through lenp, lenp. */
static __always_inline int args_keep(void *buf, void *lenp)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct naive_args a = { .buf = (__u64)buf, .lenp = (__u64)lenp };

	bpf_map_update_elem(&naive_args, &id, &a, BPF_ANY);
	return 0;
}

/* The bytes a call kept by args_keep moved (ret > 0: success), into a record. */
static __always_inline int args_take(long ret, __u64 flags)
{
	__u64 id = bpf_get_current_pid_tgid(), n = 0;
	struct naive_args *a = bpf_map_lookup_elem(&naive_args, &id);

	if (!a)
		return 0;
	if (a->lenp && (int)ret > 0)
		bpf_probe_read_user(&n, sizeof(n), (void *)a->lenp);
	else if ((int)ret > 0)
		n = (int)ret;
	if (n)
		put_rec(id, a->buf, n, flags);
	bpf_map_delete_elem(&naive_args, &id);
	return 0;
}

/* The cookie is 1 on the _ex variants: the byte count is stored through the 4th argument. */
SEC("uprobe")
int BPF_KPROBE(naive_enter, void *ssl, void *buf, long num, void *lenp)
{
	return args_keep(buf, bpf_get_attach_cookie(ctx) ? lenp : NULL);
}

SEC("uretprobe")
int BPF_KRETPROBE(naive_exit, long ret)
{
	return args_take(ret, 0); /* 0: the default, wake the consumer */
}

/* The floor: empty entry and return probes, to measure the bare cost of a placement. */
SEC("uprobe")
int floor_enter(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int floor_exit(void *ctx)
{
	return 0;
}

/*
 * The copy floor, at ssl_*_internal(ssl, buf, num, size_t *done) (returns > 0, count in *done):
 * the buffer pointer kept at entry, the bytes copied into a ring-buffer record at return, no
 * wakeup; nothing else (no connection, position or process bookkeeping).
 */
SEC("uprobe")
int BPF_KPROBE(copy_enter, void *ssl, void *buf, long num, void *lenp)
{
	return args_keep(buf, lenp);
}

SEC("uretprobe")
int BPF_KRETPROBE(copy_exit, long ret)
{
	return args_take(ret, BPF_RB_NO_WAKEUP);
}

char LICENSE[] SEC("license") = "GPL";
