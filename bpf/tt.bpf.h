/* SPDX-License-Identifier: GPL-2.0 */
/* tt.bpf.h: maps, config and helpers shared by the BPF programs. */
#ifndef TT_BPF_H
#define TT_BPF_H

/*
 * bpftool gen object links tls.bpf.c and proc.bpf.c into one object: maps shared by both are
 * __weak here so the identical definitions merge, and the config lives in proc.bpf.c with an
 * extern declaration for the others.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);	/* resized by the loader */
} events SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);		/* TT_MAX_TRACKED */
	__type(key, __u32);			/* tgid */
	__type(value, __u8);
} tracked SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TT_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps") __weak;

extern const volatile bool cfg_all;		/* trace every process */
extern const volatile __u32 cfg_self;		/* the tracer's tgid, never traced */
extern const volatile __u32 cfg_call_cap;	/* payload bytes kept per call */
extern const volatile __u64 cfg_wake_bytes;	/* wake the consumer above this backlog */

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline bool tgid_traced(__u32 tgid)
{
	if (tgid == cfg_self)
		return false;
	if (cfg_all)
		return true;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

/*
 * Records are not announced one by one: a wakeup per record costs the traced thread about
 * 6.5 us (reference/probe-costs.md). The consumer polls on a short timer and is woken only when
 * the backlog grows large.
 */
static __always_inline __u64 rb_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > cfg_wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void fill_hdr(struct tt_hdr *h, __u16 type, __u32 size, __u64 pid_tgid)
{
	h->type = type;
	h->abi = TT_ABI_VERSION;
	h->size = size;
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

#endif /* TT_BPF_H */
