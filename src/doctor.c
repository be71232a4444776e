// SPDX-License-Identifier: MIT
/* doctor.c: `tracetree-bpf doctor`: what can be traced here, and why not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "disasm.h"
#include "doctor.h"
#include "log.h"
#include "targets.h"

#define DOCTOR_MAX_PIDS 64

struct doctor {
	int problems; /* things asked about that cannot be captured */
	int files;    /* TLS carriers reported for the current process */
};

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

/* fentry needs a BTF-typed attach target; loading a trivial program answers for this kernel. */
static bool probe_fentry(char *why, size_t len)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_TRACE_FENTRY);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd;

	if (!btf) {
		snprintf(why, len, "no kernel BTF");
		return false;
	}
	id = btf__find_by_name_kind(btf, "do_unlinkat", BTF_KIND_FUNC);
	btf__free(btf);
	if (id <= 0) {
		snprintf(why, len, "do_unlinkat not in BTF");
		return false;
	}
	po.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "tt_fentry", "GPL", insns, 2, &po);
	if (fd < 0) {
		snprintf(why, len, "load fails: %s", strerror(errno));
		return false;
	}
	close(fd);
	why[0] = '\0';
	return true;
}

static bool has_cap(int cap)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff >> cap & 1;
}

static void report_kernel(struct doctor *d)
{
	bool btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	bool up = !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
	bool kp = !access("/sys/bus/event_source/devices/kprobe/type", R_OK);
	bool root = geteuid() == 0;
	char why[128] = "", db[PATH_MAX + 128];
	struct utsname u;
	int rb;

	uname(&u);
	printf("kernel %s %s\n", u.release, u.machine);
	printf("  BTF (/sys/kernel/btf/vmlinux):   %s\n", yesno(btf));
	printf("  uprobes:                         %s\n", yesno(up));
	rb = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	printf("  BPF ring buffer:                 %s\n", rb > 0  ? "yes" :
							  rb == 0 ? "no" :
								    "unknown (needs privileges)");
	printf("  kprobes:                         %s\n", yesno(kp));
	if (root || has_cap(39)) {
		bool fe = probe_fentry(why, sizeof(why));

		printf("  fentry/fexit:                    %s%s%s%s\n", yesno(fe), fe ? "" : " (",
		       why, fe ? "" : "; not needed: syscall tracepoints are used)");
	}
	printf("privileges: euid %u, CAP_BPF %s, CAP_PERFMON %s, CAP_SYS_ADMIN %s, "
	       "CAP_SYS_PTRACE %s\n",
	       geteuid(), yesno(has_cap(39)), yesno(has_cap(38)), yesno(has_cap(21)),
	       yesno(has_cap(19)));
	if (!btf || !up || rb == 0) {
		printf("  -> this kernel cannot run tracetree-bpf (BTF, uprobes and the ring "
		       "buffer, Linux 5.8+, are required)\n");
		d->problems++;
	}
	if (!root && !(has_cap(39) && has_cap(38))) {
		printf("  -> run as root, or with CAP_BPF + CAP_PERFMON (+ CAP_SYS_PTRACE for "
		       "--pid, CAP_SYS_ADMIN on older kernels)\n");
		d->problems++;
	}
	printf("disassembler (Go RET probes):     %s%s%s\n", yesno(disasm_available()),
	       disasm_available() ? "" : ": ", disasm_available() ? "" : disasm_error());
	targets_db_describe(db, sizeof(db));
	printf("TLS database (tiers 2, 3):        %s\n", db);
}

/*
 * Whether the file open at fd contains text (for libraries the tiers cannot handle, e.g.
 * rustls): read in bounded chunks, so a file cut short meanwhile only ends the search.
 */
static bool file_contains(int fd, const char *text)
{
	size_t n = strlen(text), keep = n - 1, have = 0;
	static char buf[1 << 20];
	off_t at = 0;
	ssize_t got;

	if (fd < 0 || !n || n > 256)
		return false;
	while ((got = pread(fd, buf + have, sizeof(buf) - have, at)) > 0) {
		at += got;
		have += (size_t)got;
		if (memmem(buf, have, text, n))
			return true;
		/* the last n - 1 bytes may start a match that the next chunk ends */
		if (have > keep) {
			memmove(buf, buf + have - keep, keep);
			have = keep;
		}
	}
	return false;
}

static void print_funcs(const struct tt_target *t)
{
	int i;

	for (i = 0; i < TT_FN_MAX; i++) {
		if (!t->off[i])
			continue;
		printf("    %-26s %#10llx  %s\n", targets_func_name(i),
		       (unsigned long long)t->off[i], targets_tier_name(t->tier[i]));
	}
	if (t->go_write_at)
		printf("    %-26s %#10llx  (write probe, after the stack check)\n", "",
		       (unsigned long long)t->go_write_at);
	for (i = 0; i < t->n_go_read_rets; i++)
		printf("    %-26s %#10llx  (read return, RET %d)\n", "",
		       (unsigned long long)t->go_read_rets[i], i + 1);
}

/* Advice on the file open at fd, which path names. */
static void advise_unknown(int fd, const char *path)
{
	if (file_contains(fd, "rustls")) {
		printf("    rustls (Rust) inside, but no record cipher to probe: rustls over ring, or "
		       "an aws-lc build no signature matches (if aws-lc is inside, pass "
		       "--tls-offsets %s:EVP_AEAD_CTX_seal=0x...,EVP_AEAD_CTX_open=0x...)\n",
		       path);
		printf("    the tracer still shows the process and each TLS connection as a span "
		       "'TLS <server name>' with tracetree.capture=unsupported and byte counts\n");
	} else if (file_contains(fd, "OPENSSL_internal")) {
		printf("    BoringSSL inside, but no signature set matched this build: add a "
		       "fingerprint or signature to tls-targets.conf, or pass --tls-offsets %s:"
		       "SSL_write=0x...,SSL_read=0x...\n",
		       path);
	} else if (file_contains(fd, "OpenSSL 3.") || file_contains(fd, "OpenSSL 1.1")) {
		printf("    OpenSSL linked statically without symbols: add a fingerprint to "
		       "tls-targets.conf or pass --tls-offsets\n");
	}
}

/*
 * What finding the functions proves. A shared library's exported functions are what other
 * files call; the record layer and the record cipher are reached by every call through a
 * function pointer, which no compiler inlines. An executable's own exported SSL_write/SSL_read
 * prove nothing about its own callers: a build with link-time optimisation inlines them and
 * the exported copies never run (issue 16: a Node single-executable application).
 */
static const char *doctor_proof(const struct tt_target *t, const char *path, const char *shown)
{
	const char *base = strrchr(shown, '/');

	if (t->off[TT_FN_SSL3_WRITE_BYTES] && t->off[TT_FN_SSL3_READ_BYTES] &&
	    !t->off[TT_FN_SSL_WRITE] && !t->off[TT_FN_SSL_WRITE_EX] && !t->off[TT_FN_SSL_WRITE_INT])
		return "every call: at the record layer (ssl3_write_bytes, ssl3_read_bytes)";
	if (t->off[TT_FN_SSL3_WRITE_BYTES] && t->off[TT_FN_SSL3_READ_BYTES])
		return "every call: at the entry points, and at the record layer (ssl3_write_bytes, "
		       "ssl3_read_bytes) for calls that bypass them";
	if (t->off[TT_FN_AEAD_SEAL] || t->off[TT_FN_GO_WRITE])
		return "every call: the probe points are what each TLS record or call passes "
		       "through";
	if (strstr(base ? base : shown, ".so") || strstr(path, ".so"))
		return "calls from other files: through these exported functions (calls inside "
		       "the library itself unproven)";
	return "entry points found; internal callers unproven: a build that inlined its own "
	       "calls (link-time optimisation) bypasses them; live, --stats shows "
	       "tls_unsupported for connections seen without plaintext";
}

/* Reports one file; returns 1 when it carries probe-able TLS functions. */
static int report_file(struct doctor *d, const char *path, const char *shown, bool quiet)
{
	struct tt_target *t = malloc(sizeof(*t));
	struct stat st;
	int n, fd;
	bool w, r;

	if (!t)
		return -ENOMEM;
	/* opened once: a FIFO never blocks, and what is advised on is what was inspected */
	fd = targets_open(path, &st);
	n = fd < 0 ? fd : targets_inspect_opened(fd, t);
	if (n < 0 || (n == 0 && !t->note[0] && !t->lib[0])) {
		if (!quiet) {
			printf("%s: %s\n", shown,
			       n == -ENOEXEC ? "not an ELF file" :
			       n < 0	     ? strerror(-n) :
					       "no TLS library found");
			if (n == 0)
				advise_unknown(fd, path);
		}
		if (fd >= 0)
			close(fd);
		free(t);
		return 0;
	}
	w = targets_has_write(t);
	r = targets_has_read(t);
	printf("%s: %s%s%s%s\n", shown, t->lib[0] ? t->lib : "TLS", t->source[0] ? " (" : "",
	       t->source, t->source[0] ? ")" : "");
	print_funcs(t);
	if (t->off[TT_FN_AEAD_SEAL] || t->off[TT_FN_AEAD_OPEN])
		printf("    at the record cipher (rustls over aws-lc): each TLS record's plaintext, "
		       "its connection told by the thread's socket calls\n");
	printf("    capture: writes %s, reads %s%s%s\n", yesno(w), yesno(r), t->note[0] ? ": " : "",
	       t->note);
	if (w && r)
		printf("    %s\n", doctor_proof(t, path, shown));
	if (!w || !r) {
		printf("    -> %s\n",
		       !disasm_available() && t->off[TT_FN_GO_READ] ?
			       "install libcapstone4 (Debian: apt-get install libcapstone4)" :
			       "not probed: without both directions there is nothing useful to capture");
		d->problems++;
	}
	close(fd);
	free(t);
	d->files++;
	return 1;
}

static void advise_exe(const char *exe)
{
	struct stat st;
	int fd = targets_open(exe, &st);

	advise_unknown(fd, exe);
	if (fd >= 0)
		close(fd);
}

static void report_pid_file(const char *path, void *ctx)
{
	struct doctor *d = ctx;
	char shown[PATH_MAX + 64], target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n > 0) {
		target[n] = '\0';
		snprintf(shown, sizeof(shown), "  %s", target);
	} else {
		snprintf(shown, sizeof(shown), "  %s", path);
	}
	report_file(d, path, shown, !strstr(path, "/exe"));
}

static void report_pid(struct doctor *d, pid_t pid)
{
	char exe[64];
	int n;

	printf("process %d:\n", pid);
	d->files = 0;
	n = targets_process(pid, report_pid_file, d);
	if (n < 0) {
		printf("  cannot read /proc/%d: %s\n", pid, strerror(-n));
		d->problems++;
		return;
	}
	if (!d->files) {
		snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
		printf("  -> no TLS functions found: this process's TLS is not captured (process "
		       "and connection spans only)\n");
		advise_exe(exe);
		d->problems++;
	}
}

int doctor_main(int argc, char **argv)
{
	struct doctor d = { 0 };
	pid_t pids[DOCTOR_MAX_PIDS];
	int n_pids = 0, i, first_path = 0;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: tracetree-bpf doctor [--pid PID]... [PATH]...\n");
			return 0;
		}
		if (!strcmp(argv[i], "--pid") || !strcmp(argv[i], "-p")) {
			if (i + 1 == argc || n_pids == DOCTOR_MAX_PIDS)
				goto usage;
			pids[n_pids] = (pid_t)strtol(argv[++i], &end, 10);
			if (*end || pids[n_pids] <= 0)
				goto usage;
			n_pids++;
			continue;
		}
		if (argv[i][0] == '-')
			goto usage;
		if (!first_path)
			first_path = i;
	}
	report_kernel(&d);
	if (!n_pids && !first_path) {
		printf("system TLS libraries:\n");
		targets_system_libs(report_pid_file, &d);
	}
	for (i = 0; i < n_pids; i++)
		report_pid(&d, pids[i]);
	for (i = first_path ? first_path : argc; i < argc; i++) {
		if (!strcmp(argv[i], "--pid") || !strcmp(argv[i], "-p")) {
			i++;
			continue;
		}
		if (report_file(&d, argv[i], argv[i], false) == 0)
			d.problems++;
	}
	return d.problems ? 1 : 0;
usage:
	fprintf(stderr, "usage: tracetree-bpf doctor [--pid PID]... [PATH]...\n");
	return 2;
}
