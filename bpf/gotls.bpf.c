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
 * Go's internal register ABI (1.17+): the receiver and the slice b of
 * func (c *Conn) Write(b []byte) (int, error) arrive in the first three integer registers of
 * that ABI (c, b.ptr, b.len), the int result leaves in the first, and one register always
 * holds the current goroutine's g. Not the C calling convention, so not libbpf's
 * PT_REGS_PARMn: on amd64 RAX, RBX, RCX, result RAX, g in R14; on arm64 R0, R1, R2, result
 * R0, g in R28. User space finds Read's RET instructions by disassembling amd64 code.
 *
 * Never a uretprobe: it rewrites the return address on a goroutine stack that the runtime may
 * move or copy, which crashes the program. Read is probed on each of its RET instructions
 * instead (user space finds them by disassembly), and a goroutine may resume on another thread
 * between entry and return, so the stash is keyed by (tgid, g), not by thread.
 */
#if defined(bpf_target_x86)
#define GO_PARM1_REG ax
#define GO_PARM2_REG bx
#define GO_PARM3_REG cx
#define GO_G_REG     r14
#elif defined(bpf_target_arm64)
#define GO_PARM1_REG regs[0]
#define GO_PARM2_REG regs[1]
#define GO_PARM3_REG regs[2]
#define GO_G_REG     regs[28]
#else
#error "gotls.bpf.c: Go's register ABI is described for x86 and arm64 only"
#endif
/* __PT_REGS_CAST: libbpf's view of the probe's registers (struct user_pt_regs on arm64) */
#define GO_PARM1(x) (__PT_REGS_CAST(x)->GO_PARM1_REG)
#define GO_PARM2(x) (__PT_REGS_CAST(x)->GO_PARM2_REG)
#define GO_PARM3(x) (__PT_REGS_CAST(x)->GO_PARM3_REG)
#define GO_RET1(x)  GO_PARM1(x)
#define GO_G(x)	    (__PT_REGS_CAST(x)->GO_G_REG)

struct go_key {
	__u32 tgid;
	__u32 pad;
	__u64 g;
};

struct go_read_args {
	__u64 conn;
	__u64 buf;
};

TT_STASH_MAP(go_args, struct go_key, struct go_read_args);

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
		.ssl = GO_PARM1(ctx),
		.buf = GO_PARM2(ctx),
		.fd = -1,
		.dir = TT_DIR_WRITE,
		.src = TT_SRC_GOTLS,
	};
	__u64 n = GO_PARM3(ctx);

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
	struct go_key key = { .tgid = pid_tgid >> 32, .g = GO_G(ctx) };
	struct go_read_args a = { .conn = GO_PARM1(ctx), .buf = GO_PARM2(ctx) };

	if (!tgid_traced(key.tgid))
		return 0;
	bpf_map_update_elem(&go_args, &key, &a, BPF_ANY);
	return 0;
}

SEC("uprobe")
int go_read_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct go_key key = { .tgid = pid_tgid >> 32, .g = GO_G(ctx) };
	struct ssl_args a = { .fd = -1, .dir = TT_DIR_READ, .src = TT_SRC_GOTLS };
	struct go_read_args ga;
	long n = GO_RET1(ctx);

	if (!stash_take(&go_args, &key, &ga, sizeof(ga))) {
		if (tgid_traced(key.tgid))
			stat_add(TT_ST_ARGS_MISS, 1);
		return 0;
	}
	a.ssl = ga.conn;
	a.buf = ga.buf;
	if (n > 0 && n <= 0xffffffffL)
		emit_data(&a, n, pid_tgid);
	return 0;
}
