// SPDX-License-Identifier: GPL-2.0
/* proc.bpf.c: process lifecycle (fork, exec, exit), the tracked set, and connect() tracking. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "tt_abi.h"
#include "tt.bpf.h"
#include "tlslib.bpf.h"

#define AF_INET	  2
#define AF_INET6  10
#define SIGCONT	  18
#define SIGSTOP	  19
#define SIGTSTP	  20
#define SIGTTIN	  21
#define SIGTTOU	  22
#define O_ACCMODE 3 /* O_RDONLY 0 */

const volatile bool cfg_all = false;
const volatile bool cfg_hold = false; /* stop a process at exec or open of a file not probed */
const volatile __u32 cfg_self = 0;
const volatile __u32 cfg_call_cap = 256 * 1024;
const volatile __u64 cfg_wake_bytes = 16 * 1024 * 1024;

char LICENSE[] SEC("license") = "GPL";

/* Never created (the loader turns autocreate off): it only makes clang emit the BTF of every
 * record type, which tests/unit/test_abi.c compares with the user-space layout. */
struct tt_abi_anchor {
	struct tt_hdr hdr;
	struct tt_fork fork;
	struct tt_exec exec;
	struct tt_exit exit;
	struct tt_conn_ev conn_ev;
	struct tt_connect connect;
	struct tt_libopen libopen;
	struct tt_sock sock;
	struct tt_aead_bind aead_bind;
	struct tt_data data; /* flexible array: last */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_abi_anchor);
} abi_anchor SEC(".maps");

/* Files probed (or found to need no probe): a process that execs one is not held. LRU: a file
 * forgotten costs one more hold, never a missed one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tt_file_key);
	__type(value, __u8);
} known SEC(".maps");

/* [0]: not 0 once user space stops holding (the tracer at its exit, or its watchdog once the
 * tracer is gone): no process is stopped after that. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} hold_ctl SEC(".maps");

/* Processes stopped at exec (or a TLS library's open) and not continued yet. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024); /* TT_MAX_HELD */
	__type(key, __u32);
	__type(value, struct tt_hold);
} held SEC(".maps");

/* The parent of a held process (tgid) -> that process: see signal_gen. LRU: an entry left by a
 * process continued meanwhile goes by itself. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} held_par SEC(".maps");

/*
 * The pid task sees in its own pid namespace: the last of its struct pid's numbers (one per
 * namespace level, the innermost last). 0 when it cannot be read.
 */
static __always_inline __u32 task_vpid(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up = {};

	/* MAX_PID_NS_LEVEL is 32: a bound the verifier sees too */
	if (!pid || level >= 32)
		return 0;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level]))
		return 0;
	return (__u32)up.nr;
}

/* Forks of a traced process join the tracked set here, in the kernel, so that a child that
 * runs for a millisecond is traced from its first instruction. Threads are not processes. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct tt_fork *e;
	__u8 one = 1;

	if (BPF_CORE_READ(child, pid) != ctgid || !tgid_traced(ptgid))
		return 0;
	if (!cfg_all)
		bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY);
	e = rec_reserve(sizeof(*e), TT_REC_FORK, bpf_get_current_pid_tgid());
	if (!e)
		return 0;
	e->h.pid = ctgid;
	e->h.tid = ctgid;
	e->ppid = ptgid;
	e->vpid = task_vpid(child);
	e->start_ns = BPF_CORE_READ(child, start_boottime);
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

/*
 * Whether a process execing file k may be stopped until the file is probed. A debugger's
 * tracee is the debugger's to stop. A job-control shell puts each job in a process group of
 * its own on its terminal and waits for its stops (WUNTRACED): a stop there would make the
 * shell take the terminal back and leave the job in the background, so such a process is not
 * held (counted). Other parents (agents, runtimes, scripts) do not wait for stops.
 */
static __always_inline bool hold_wanted(struct task_struct *p, const struct tt_file_key *k)
{
	struct signal_struct *sig;
	__u32 zero = 0, *off;

	if (!cfg_hold || bpf_map_lookup_elem(&known, k))
		return false;
	off = bpf_map_lookup_elem(&hold_ctl, &zero);
	if (!off || *off)
		return false;
	sig = BPF_CORE_READ(p, signal);
	if (BPF_CORE_READ(p, ptrace) ||
	    (BPF_CORE_READ(sig, tty) &&
	     BPF_CORE_READ(sig, pids[PIDTYPE_PGID]) !=
		     BPF_CORE_READ(p, real_parent, signal, pids[PIDTYPE_PGID]))) {
		stat_add(TT_ST_HOLD_SKIP, 1);
		return false;
	}
	return true;
}

/*
 * Stops the current process (it execs the file k, not probed yet) until user space continues
 * it: the SIGSTOP takes effect on the way back to user space, before the program's first
 * instruction. The record announcing it was reserved first, so user space always learns of
 * the hold. False when not held (the table is full, the signal failed).
 */
static __always_inline bool hold_current(struct task_struct *p, const struct tt_file_key *k)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct tt_hold h = { .file = *k }, *v;
	long err;

	h.since_ns = bpf_ktime_get_boot_ns();
	h.start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	h.ppid = BPF_CORE_READ(p, real_parent, tgid);
	h.flags = TT_HOLD_SENDING;
	if (bpf_map_update_elem(&held, &tgid, &h, BPF_ANY)) {
		stat_add(TT_ST_HOLD_SKIP, 1);
		return false;
	}
	err = bpf_send_signal(SIGSTOP);
	v = bpf_map_lookup_elem(&held, &tgid);
	if (err || !v) {
		bpf_map_delete_elem(&held, &tgid);
		stat_add(TT_ST_HOLD_SKIP, 1);
		return false;
	}
	v->flags &= ~TT_HOLD_SENDING;
	bpf_map_update_elem(&held_par, &h.ppid, &tgid, BPF_ANY);
	stat_add(TT_ST_HELD, 1);
	return true;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	unsigned long arg_start, arg_end;
	const char *filename;
	struct tt_file_key k;
	struct tt_exec *e;
	struct file *file;
	long n;
	__u64 len;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	e = rec_reserve(sizeof(*e), TT_REC_EXEC, pid_tgid);
	if (!e)
		return 0;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->old_pid = old_pid;
	e->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	file = BPF_CORE_READ(bprm, file);
	k.ino = BPF_CORE_READ(file, f_inode, i_ino);
	k.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	e->ino = k.ino;
	e->dev = k.dev;
	e->flags = hold_wanted(p, &k) && hold_current(p, &k) ? TT_EXEC_HELD : 0;

	filename = BPF_CORE_READ(bprm, filename);
	n = bpf_probe_read_kernel_str(e->path, sizeof(e->path), filename);
	e->path_len = n > 0 ? n - 1 : 0;

	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	e->args_full = len;
	/* one byte short of the buffer, so the mask below keeps the verifier's bound exact */
	if (len > TT_ARGS_MAX - 1)
		len = TT_ARGS_MAX - 1;
	len &= TT_ARGS_MAX - 1;
	if (len && bpf_probe_read_user(e->args, len, (void *)arg_start)) {
		stat_add(TT_ST_READ_ERR, 1);
		len = 0;
	}
	e->args_len = len;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	struct tt_exit *e;

	/* the tracepoint fires per thread: report the process once its last thread is gone */
	if (BPF_CORE_READ(p, signal, live.counter) != 0 || !tgid_traced(tgid))
		return 0;
	if (!cfg_all)
		bpf_map_delete_elem(&tracked, &tgid);
	if (cfg_hold)
		bpf_map_delete_elem(&held, &tgid);
	e = rec_reserve(sizeof(*e), TT_REC_EXIT, bpf_get_current_pid_tgid());
	if (!e)
		return 0;
	e->h.pid = tgid;
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->exit_code = BPF_CORE_READ(p, exit_code);
	/* the last thread may not be the leader: the process is identified by the leader's start */
	e->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

/*
 * A held process stopped by someone else (kill -STOP, a job-control signal it does not catch)
 * stays stopped: user space then leaves it to them rather than continue it. The kernel's own
 * SIGSTOP of hold_current is sent by the process to itself while TT_HOLD_SENDING is set, or
 * (bpf_send_signal defers it while preemption is off) from irq_work as it runs.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(signal_gen, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	__u32 tgid, *child;
	struct tt_hold *h;
	void *handler;

	if (!cfg_hold || sig < SIGSTOP || sig > SIGTTOU || result != 0 /* delivered */)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	/*
	 * A parent stopping itself while its child is held mirrors the child's stop: su, runuser
	 * and sudo wait with WUNTRACED, stop themselves and, once continued, continue the child.
	 * No one would continue such a parent: its stop is cancelled at once (the SIGCONT, sent
	 * as the signal lock is released, discards the pending stop), and it continues the child
	 * itself, unprobed perhaps, but nothing hangs.
	 */
	child = bpf_get_current_pid_tgid() >> 32 == tgid ? bpf_map_lookup_elem(&held_par, &tgid) :
							   NULL;
	h = child ? bpf_map_lookup_elem(&held, child) : NULL;
	if (h && h->ppid == tgid && !(h->flags & TT_HOLD_SENDING)) {
		if (!bpf_send_signal(SIGCONT))
			h->flags |= TT_HOLD_PARENT;
		bpf_map_delete_elem(&held_par, &tgid);
		return 0;
	}
	h = bpf_map_lookup_elem(&held, &tgid);
	if (!h || (h->flags & TT_HOLD_SENDING))
		return 0;
	/* ours all the same when the kernel sent it later, from irq_work on the process's CPU */
	if (sig == SIGSTOP && (unsigned long)info == 1 /* SEND_SIG_PRIV */ &&
	    bpf_get_current_pid_tgid() >> 32 == tgid)
		return 0;
	/* SIGTSTP, SIGTTIN, SIGTTOU stop only with their default action */
	handler = BPF_CORE_READ(task, sighand, action[sig - 1].sa.sa_handler);
	if (sig == SIGSTOP || !handler)
		h->flags |= TT_HOLD_USER_STOP;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int sys_connect(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sockaddr_in6 sa = {};
	struct tt_connect *e;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	if (bpf_probe_read_user(&sa, sizeof(sa), (void *)ctx->args[1]) &&
	    bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), (void *)ctx->args[1]))
		return 0;
	if (sa.sin6_family != AF_INET && sa.sin6_family != AF_INET6)
		return 0;
	e = rec_reserve(sizeof(*e), TT_REC_CONNECT, pid_tgid);
	if (!e)
		return 0;
	e->fd = ctx->args[0];
	e->family = sa.sin6_family;
	e->port = bpf_ntohs(sa.sin6_port);
	if (sa.sin6_family == AF_INET) {
		struct sockaddr_in *in = (void *)&sa;

		__builtin_memset(e->addr, 0, sizeof(e->addr));
		__builtin_memcpy(e->addr, &in->sin_addr, 4);
	} else {
		__builtin_memcpy(e->addr, &sa.sin6_addr, 16);
	}
	bpf_ringbuf_submit(e, rb_flags());
	return 0;
}

/* A thread's openat of a TLS library between its entry and its return (hold mode only). LRU: an
 * entry left by a thread killed in the call goes by itself. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct tt_libopen);
} libopen_pending SEC(".maps");

/*
 * A traced process opening a TLS library: the dynamic linker or dlopen() is about to map it.
 * User space probes the file on this record, before the process reaches its first TLS call
 * (waiting for the mapping to show up in /proc/PID/maps would race with it). In hold mode the
 * record of an open for reading waits for the return (sys_openat_ret), where the file is known.
 */
SEC("tracepoint/syscalls/sys_enter_openat")
int sys_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tt_libopen *e;
	long n;

	if (!tgid_traced(pid_tgid >> 32))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (void *)ctx->args[1]);
	if (n <= 1 || !is_tls_lib(e->path, n - 1)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	fill_hdr(&e->h, TT_REC_LIBOPEN, sizeof(*e), pid_tgid);
	e->path_len = n - 1;
	e->flags = 0;
	e->fd = -1;
	/* opened for reading, as to map it: one written (cp, an installer) holds nothing up */
	if (cfg_hold && !(ctx->args[2] & O_ACCMODE)) {
		bpf_map_update_elem(&libopen_pending, &pid_tgid, e, BPF_ANY);
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return 0;
	}
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* The file behind the current process's descriptor fd, as the "known" map names it. */
static __always_inline bool fd_file_key(__s32 fd, struct tt_file_key *k)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	if (bpf_core_read(&f, sizeof(f), &fds[fd]) || !f)
		return false;
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	return k->ino != 0;
}

/*
 * The return of a TLS library's openat (hold mode): a file not probed yet stops the process
 * until it is, like an exec (the library is mapped and called only after the open returns).
 * The SIGSTOP takes effect on the way back to user space, so the descriptor stays open while
 * the process is stopped: user space inspects the file through it.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int sys_openat_ret(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct tt_libopen *v, *e;
	struct tt_file_key k;
	long ret = ctx->ret;

	if (!cfg_hold)
		return 0;
	v = bpf_map_lookup_elem(&libopen_pending, &pid_tgid);
	if (!v)
		return 0;
	if (ret < 0) {
		bpf_map_delete_elem(&libopen_pending, &pid_tgid);
		return 0;
	}
	e = rec_reserve(sizeof(*e), TT_REC_LIBOPEN, pid_tgid);
	if (!e) {
		bpf_map_delete_elem(&libopen_pending, &pid_tgid);
		return 0;
	}
	e->path_len = v->path_len;
	__builtin_memcpy(e->path, v->path, sizeof(e->path));
	bpf_map_delete_elem(&libopen_pending, &pid_tgid);
	e->fd = ret;
	e->flags = 0;
	if (fd_file_key(ret, &k) && hold_wanted((void *)bpf_get_current_task(), &k) &&
	    hold_current((void *)bpf_get_current_task(), &k))
		e->flags = TT_LIBOPEN_HELD;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}
