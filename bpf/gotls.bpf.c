// SPDX-License-Identifier: GPL-2.0
/* gotls.bpf.c: Go crypto/tls plaintext at (*Conn).Write entry and at the RETs of (*Conn).Read. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "tt_abi.h"
#include "tt.bpf.h"
#include "tlscap.bpf.h"

/*
 * Go (1.17+ register ABI on amd64): the receiver and the slice b of
 * func (c *Conn) Write(b []byte) (int, error) arrive in RAX (c), RBX (b.ptr), RCX (b.len); the
 * int result leaves in RAX. R14 always holds the current goroutine's g.
 *
 * Never a uretprobe: it rewrites the return address on a goroutine stack that the runtime may
 * move or copy, which crashes the program. Read is probed on each of its RET instructions
 * instead (user space finds them by disassembly), and a goroutine may resume on another thread
 * between entry and return, so the stash is keyed by (tgid, g), not by thread.
 */
struct go_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
};

struct go_read_args {
	__u64 conn;
	__u64 buf;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);	/* a goroutine that never returns must not leak */
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct go_read_args);
} go_args SEC(".maps");

/*
 * User space attaches this after the stack-bound check of the prologue: when the stack must
 * grow, runtime.morestack re-enters the function from its first instruction and an entry probe
 * would emit the same bytes twice.
 */
SEC("uprobe")
int go_write_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct ssl_args a = {
		.ssl = ctx->ax, .buf = ctx->bx, .fd = -1, .dir = TT_DIR_WRITE, .src = TT_SRC_GOTLS,
	};
	__u64 n = ctx->cx;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	/* Write sends all of b or fails; the bytes are the request the program meant to send */
	if (n > 0 && n <= 0xffffffffu)
		emit_data(&a, n, pid_tgid);
	return 0;
}

SEC("uprobe")
int go_read_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key key = { .tgid = pid_tgid >> 32, .g = ctx->r14 };
	struct go_read_args a = { .conn = ctx->ax, .buf = ctx->bx };

	if (!tgid_traced(key.tgid))
		return 0;
	bpf_map_update_elem(&go_args, &key, &a, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_read_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key key = { .tgid = pid_tgid >> 32, .g = ctx->r14 };
	struct go_read_args *ga;
	struct ssl_args a = { .fd = -1, .dir = TT_DIR_READ, .src = TT_SRC_GOTLS };
	long n = ctx->ax;

	ga = bpf_map_lookup_elem(&go_args, &key);
	if (!ga) {
		if (tgid_traced(key.tgid))
			stat_add(TT_ST_ARGS_MISS, 1);
		return 0;
	}
	a.ssl = ga->conn;
	a.buf = ga->buf;
	bpf_map_delete_elem(&go_args, &key);
	if (n > 0 && n <= 0xffffffffL)
		emit_data(&a, n, pid_tgid);
	return 0;
}
