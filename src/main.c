// SPDX-License-Identifier: MIT
/* main.c: command line, signals, and the wiring of capture, recording and output. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "buf.h"
#include "capfile.h"
#include "cli.h"
#include "doctor.h"
#include "events.h"
#include "export.h"
#include "jsonl_fmt.h"
#include "loader.h"
#include "log.h"
#include "pipeline.h"
#include "rawfmt.h"
#include "records.h"
#include "targets.h"
#include "tt_abi.h"

#define TT_VERSION		"0.1.0"
#define POLL_MS			10
#define MAX_RESCANS		1024
/* After exec, a process maps its TLS library only once the dynamic linker or its runtime
 * loads it: look again at these delays (ns). */
static const uint64_t rescan_delays[] = { 20000000ull, 250000000ull, 2000000000ull };

struct rescan {
	pid_t pid;
	int step;
	uint64_t due_ns;
};

struct app {
	struct tt_opts o;
	struct loader *loader;
	struct events *events;
	struct capfile_writer *rec;
	struct pipeline *pipe;
	struct exporter *exp;
	uint64_t last_tick_ns;
	uint64_t last_rec_ns;
	FILE *out;
	struct tt_buf line;
	struct rawfmt_clock clk;
	pid_t child;
	int child_status;
	bool child_done;
	struct rescan rescans[MAX_RESCANS];
	int n_rescans;
	uint64_t rescans_dropped;
	uint64_t out_errors;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* libbpf's messages: verifier logs are long, so they go straight to stderr, with -vv only. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (tt_log_get_level() < TT_LOG_DEBUG)
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static void emit_raw(struct app *a, const void *rec, size_t size)
{
	tt_buf_reset(&a->line);
	if (rawfmt_record(&a->line, rec, size, &a->clk)) {
		a->out_errors++;
		return;
	}
	if (fwrite(a->line.data, 1, a->line.len, a->out) != a->line.len)
		a->out_errors++;
}

static void schedule_rescan(struct app *a, pid_t pid)
{
	struct rescan *r;

	if (a->n_rescans == MAX_RESCANS) {
		a->rescans_dropped++;
		return;
	}
	r = &a->rescans[a->n_rescans++];
	r->pid = pid;
	r->step = 0;
	r->due_ns = now_ns(CLOCK_MONOTONIC) + rescan_delays[0];
}

static void probe_path(const char *path, void *ctx)
{
	struct app *a = ctx;
	int err = loader__probe_file(a->loader, path);

	if (err < 0 && err != -ENOENT && err != -ESRCH)
		tt_debug("main: %s: %s", path, strerror(-err));
}

static void run_rescans(struct app *a)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	int i = 0;

	while (i < a->n_rescans) {
		struct rescan *r = &a->rescans[i];

		if (r->due_ns > now) {
			i++;
			continue;
		}
		if (targets_process(r->pid, probe_path, a) >= 0 &&
		    ++r->step < (int)(sizeof(rescan_delays) / sizeof(rescan_delays[0]))) {
			r->due_ns = now + rescan_delays[r->step];
			i++;
			continue;
		}
		/* done or gone */
		a->rescans[i] = a->rescans[--a->n_rescans];
	}
}

static void on_record(const void *rec, size_t size, void *ctx)
{
	const struct tt_hdr *h = rec;
	struct app *a = ctx;
	char path[64];

	if (a->rec && capfile_writer__write(a->rec, rec, size))
		a->out_errors++;
	if (a->o.raw)
		emit_raw(a, rec, size);
	if (h->ts_ns > a->last_rec_ns)
		a->last_rec_ns = h->ts_ns;
	pipeline__record(a->pipe, rec, size);
	if (h->type == TT_REC_LIBOPEN) {
		const struct tt_libopen *lo = rec;
		char lib[TT_PATH_MAX + 64];

		/* relative names are resolved by the process: fall back to its maps then */
		if (lo->path[0] == '/') {
			snprintf(lib, sizeof(lib), "/proc/%u/root%.*s", h->pid, (int)lo->path_len,
				 lo->path);
			probe_path(lib, a);
		}
		schedule_rescan(a, (pid_t)h->pid);
	} else if (h->type == TT_REC_EXEC) {
		/* a new program: probe it now if it carries TLS itself, its libraries later */
		snprintf(path, sizeof(path), "/proc/%u/exe", h->pid);
		probe_path(path, a);
		schedule_rescan(a, (pid_t)h->pid);
	}
}

static void print_stats(struct app *a, bool final)
{
	uint64_t st[TT_ST_MAX] = {0};

	if (loader__stats(a->loader, st))
		return;
	if (!final && !a->o.stats)
		return;
	if (final && !a->o.stats && !st[TT_ST_LOST_RECS] && !st[TT_ST_TRUNC_CALLS] &&
	    !st[TT_ST_READ_ERR] && !events__bad(a->events))
		return;
	fprintf(stderr, "tracetree-bpf: stats: records=%llu lost_records=%llu lost_bytes=%llu "
		"truncated_calls=%llu truncated_bytes=%llu read_errors=%llu bad_records=%llu "
		"probed_files=%d\n",
		(unsigned long long)events__count(a->events),
		(unsigned long long)st[TT_ST_LOST_RECS], (unsigned long long)st[TT_ST_LOST_BYTES],
		(unsigned long long)st[TT_ST_TRUNC_CALLS],
		(unsigned long long)st[TT_ST_TRUNC_BYTES], (unsigned long long)st[TT_ST_READ_ERR],
		(unsigned long long)events__bad(a->events), loader__n_probed_files(a->loader));
	if (a->o.stats && a->pipe) {
		struct pipeline_stats ps;

		pipeline__stats(a->pipe, &ps);
		fprintf(stderr, "tracetree-bpf: stats: exchanges=%llu llm_calls=%llu http_other=%llu "
			"h2_streams=%llu gaps=%llu bytes_lost=%llu midstream_conns=%llu "
			"non_http_conns=%llu spans=%llu server_spans=%llu mcp_calls=%llu "
			"tls_conns=%llu tls_unsupported=%llu tls_hidden=%llu aead_bound=%llu "
			"aead_dropped=%llu aead_nosock=%llu\n",
			(unsigned long long)ps.exchanges, (unsigned long long)ps.llm_calls,
			(unsigned long long)ps.http_other, (unsigned long long)ps.conn->h2.streams,
			(unsigned long long)ps.conn->gaps, (unsigned long long)ps.conn->bytes_lost,
			(unsigned long long)ps.conn->midstream,
			(unsigned long long)ps.conn->non_http,
			(unsigned long long)ps.linker.spans,
			(unsigned long long)ps.linker.server_spans,
			(unsigned long long)ps.linker.mcp_calls,
			(unsigned long long)ps.linker.tls_conns,
			(unsigned long long)ps.linker.tls_unsupported,
			(unsigned long long)ps.linker.tls_hidden, (unsigned long long)ps.aead.bound,
			(unsigned long long)ps.aead.dropped,
			(unsigned long long)st[TT_ST_AEAD_NOSOCK]);
	}
	if (st[TT_ST_LOST_RECS])
		fprintf(stderr, "tracetree-bpf: warning: %llu records were lost because the ring "
			"buffer was full: raise --ringbuf-size\n",
			(unsigned long long)st[TT_ST_LOST_RECS]);
}

static int preflight(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "tracetree-bpf: live tracing needs root: run it with sudo (or use "
			"'replay FILE' on a capture)\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "tracetree-bpf: this kernel has no BTF (/sys/kernel/btf/vmlinux is "
			"missing): use a kernel built with CONFIG_DEBUG_INFO_BTF=y\n");
		return -ENOTSUP;
	}
	/* libbpf finds syscall tracepoints through tracefs, which minimal systems leave unmounted */
	if (access("/sys/kernel/tracing/events", R_OK) &&
	    access("/sys/kernel/debug/tracing/events", R_OK) &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		fprintf(stderr, "tracetree-bpf: tracefs is not mounted and mounting it on "
			"/sys/kernel/tracing failed (%s): mount it (mount -t tracefs tracefs "
			"/sys/kernel/tracing) and try again\n", strerror(errno));
		return -ENOTSUP;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		fprintf(stderr, "tracetree-bpf: this kernel has no uprobe support: use a kernel "
			"built with CONFIG_UPROBE_EVENTS=y\n");
		return -ENOTSUP;
	}
	return 0;
}

/* Forks COMMAND stopped on a pipe: it execs only once the probes are in place. */
static pid_t start_child(char **argv, int *go_fd)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);	/* the tracer failed to start: do not run untraced */
		close(fds[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* an ignored SIGPIPE survives exec: `ls | head` would fail with EPIPE, exit 2 */
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "tracetree-bpf: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	*go_fd = fds[1];
	return pid;
}

/* The file COMMAND will exec, found on PATH as execvp does. */
static bool resolve_command(const char *cmd, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(cmd, '/')) {
		snprintf(out, len, "%s", cmd);
		return access(out, X_OK) == 0;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s/%s", (int)(end - p), p, cmd);
		if (!access(out, X_OK))
			return true;
	}
	return false;
}

/* ppid and start time (boot ns, clock-tick precision) of a running process from /proc. */
static int proc_stat(pid_t pid, uint32_t *ppid, uint64_t *start_ns)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0;
	int ppid_i = 0, n;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	/* the command name may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &ppid_i, &ticks) != 2)
		return -EBADMSG;
	*ppid = (uint32_t)ppid_i;
	*start_ns = ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
	return 0;
}

/* Tells the linker about a process that ran before tracing started. */
static void add_existing(struct app *a, pid_t pid)
{
	char path[64], exe[4096], args[TT_ARGS_MAX];
	uint64_t start_ns;
	uint32_t ppid;
	ssize_t n;
	size_t len = 0;
	FILE *f;

	if (proc_stat(pid, &ppid, &start_ns))
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "re");
	if (f) {
		len = fread(args, 1, sizeof(args), f);
		fclose(f);
	}
	pipeline__add_existing(a->pipe, (uint32_t)pid, ppid, start_ns, a->clk.boot_ns, exe, args,
			       len);
}

static void track_tree(struct app *a, pid_t pid, int depth)
{
	int kids[256], n, i;

	if (loader__track(a->loader, pid))
		return;
	add_existing(a, pid);
	targets_process(pid, probe_path, a);
	if (depth > 64)
		return;
	n = targets_children(pid, kids, 256);
	for (i = 0; i < n; i++)
		track_tree(a, kids[i], depth + 1);
}

struct start_pid {
	uint64_t start_ns;
	pid_t pid;
};

static int by_start(const void *x, const void *y)
{
	const struct start_pid *a = x, *b = y;

	return a->start_ns < b->start_ns ? -1 : a->start_ns > b->start_ns;
}

static void scan_all_processes(struct app *a)
{
	struct start_pid *v = NULL, *nv;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	uint32_t ppid;
	uint64_t start;
	DIR *d;
	int pid;

	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		pid = atoi(de->d_name);
		if (pid <= 0 || pid == getpid() || proc_stat(pid, &ppid, &start))
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			nv = realloc(v, alloc * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n].pid = pid;
		v[n++].start_ns = start;
	}
	closedir(d);
	/* parents start before their children: the linker wants them first */
	qsort(v, n, sizeof(*v), by_start);
	for (i = 0; i < n; i++) {
		add_existing(a, v[i].pid);
		targets_process(v[i].pid, probe_path, a);
	}
	free(v);
}

static bool pids_alive(const struct tt_opts *o)
{
	int i;

	for (i = 0; i < o->n_pids; i++)
		if (!kill(o->pids[i], 0) || errno == EPERM)
			return true;
	return false;
}

static void write_line(struct app *a, int err)
{
	if (err || fwrite(a->line.data, 1, a->line.len, stdout) != a->line.len)
		a->out_errors++;
}

static void tap_exchange(const struct http_exchange *x, void *ctx)
{
	struct app *a = ctx;
	struct jsonl_clock c = { a->clk.boot_ns, a->clk.real_ns };

	tt_buf_reset(&a->line);
	write_line(a, jsonl_exchange(&a->line, x, &c));
}

static void tap_call(const struct genai_call *call, void *ctx)
{
	struct app *a = ctx;
	struct jsonl_clock c = { a->clk.boot_ns, a->clk.real_ns };

	tt_buf_reset(&a->line);
	write_line(a, jsonl_call(&a->line, call, &c));
}

/* The exporter (-o file, stdout format, OTLP/HTTP) and the pipeline feeding it. */
static int setup_pipeline(struct app *a)
{
	struct export_opts eo = {0};
	struct pipeline_opts po = {0};
	enum tt_format fmt = a->o.format;
	bool stdout_free;
	static char host[256];

	if (export_opts_from_env(&eo, getenv))
		return -EINVAL;
	eo.file = a->o.output;
	if (a->o.otlp_endpoint)
		eo.endpoint = a->o.otlp_endpoint;
	eo.version = TT_VERSION;
	eo.clock.boot_ns = a->clk.boot_ns;
	eo.clock.real_ns = a->clk.real_ns;
	stdout_free = !(a->o.raw && (!a->o.raw_file || !strcmp(a->o.raw_file, "-"))) &&
		      !(a->o.output && !strcmp(a->o.output, "-"));
	if (fmt == TT_FORMAT_AUTO)
		fmt = isatty(STDOUT_FILENO) ? TT_FORMAT_TREE :
		      a->o.output || a->o.raw ? TT_FORMAT_NONE : TT_FORMAT_OTLP_JSON;
	if (stdout_free && fmt == TT_FORMAT_EXCHANGES)
		po.on_exchange = tap_exchange;
	if (stdout_free && fmt == TT_FORMAT_CALLS)
		po.on_call = tap_call;
	po.tap_ctx = a;
	if (stdout_free && fmt == TT_FORMAT_TREE)
		eo.tree = stdout;
	else if (stdout_free && fmt == TT_FORMAT_OTLP_JSON && !eo.file)
		eo.file = "-";
	a->exp = exporter__new(&eo);
	if (!a->exp) {
		fprintf(stderr, "tracetree-bpf: cannot set up the span export: %s\n",
			strerror(errno));
		return -errno;
	}
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	po.provider.capture_content = a->o.capture_content;
	po.provider.legacy_semconv = a->o.legacy_semconv;
	po.linker.single_trace = a->o.mode == TT_MODE_COMMAND || a->o.mode == TT_MODE_PIDS;
	po.linker.agents_only = a->o.mode == TT_MODE_ALL;
	po.linker.capture_content = a->o.capture_content;
	po.linker.service_name = getenv("OTEL_SERVICE_NAME");
	po.linker.host_name = host[0] ? host : NULL;
	po.span_sink = exporter__span;
	po.span_ctx = a->exp;
	a->pipe = pipeline__new(&po);
	if (!a->pipe) {
		fprintf(stderr, "tracetree-bpf: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

/* Periodic pipeline and export work, at most a few times a second. */
static void tick(struct app *a, uint64_t now_boot_ns)
{
	if (now_boot_ns - a->last_tick_ns < 200000000ull)
		return;
	a->last_tick_ns = now_boot_ns;
	if (a->loader)
		loader__reap(a->loader);
	pipeline__tick(a->pipe, now_boot_ns);
	exporter__tick(a->exp, now_boot_ns);
}

static void finish(struct app *a, uint64_t now_boot_ns)
{
	struct export_stats est;

	if (a->pipe)
		pipeline__finish(a->pipe, now_boot_ns);
	if (a->exp) {
		exporter__close(a->exp, &est);
		a->exp = NULL;
	}
}

static int open_output(struct app *a)
{
	if (!a->o.raw_file || !strcmp(a->o.raw_file, "-")) {
		a->out = stdout;
		return 0;
	}
	a->out = fopen(a->o.raw_file, "we");
	if (!a->out) {
		fprintf(stderr, "tracetree-bpf: cannot write %s: %s\n", a->o.raw_file,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_replay(struct app *a)
{
	struct capfile_reader *r;
	struct capfile_header h;
	const void *rec;
	size_t size;
	int ret, err = 0;

	r = capfile_reader__open(a->o.replay_file, &h);
	if (!r) {
		fprintf(stderr, "tracetree-bpf: cannot replay %s: %s\n", a->o.replay_file,
			strerror(errno));
		return 1;
	}
	a->clk.boot_ns = h.boot_ns;
	a->clk.real_ns = h.real_ns;
	a->last_rec_ns = h.boot_ns;
	if (setup_pipeline(a)) {
		capfile_reader__close(r);
		return 1;
	}
	while ((ret = capfile_reader__next(r, &rec, &size)) > 0) {
		const struct tt_hdr *hd = rec;

		if (tt_rec_validate(rec, size) < 0) {
			tt_warn("replay: malformed record of %zu bytes skipped", size);
			continue;
		}
		if (a->o.raw)
			emit_raw(a, rec, size);
		if (hd->ts_ns > a->last_rec_ns)
			a->last_rec_ns = hd->ts_ns;
		pipeline__record(a->pipe, rec, size);
		/* replay runs on the capture's clock, so its output does not depend on when */
		tick(a, a->last_rec_ns);
	}
	if (ret < 0) {
		fprintf(stderr, "tracetree-bpf: %s: %s\n", a->o.replay_file, strerror(-ret));
		err = 1;
	}
	capfile_reader__close(r);
	finish(a, a->last_rec_ns);
	return err;
}

static int setup_live(struct app *a, int *go_fd)
{
	struct loader_opts lo = {
		.all = a->o.mode == TT_MODE_ALL,
		.self = (uint32_t)getpid(),
		.call_cap = a->o.call_cap,
		.ringbuf_size = a->o.ringbuf_size,
	};
	char exe[4096];
	int i;

	for (i = 0; i < a->o.n_pids; i++) {
		if (kill(a->o.pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "tracetree-bpf: no process with pid %d\n", a->o.pids[i]);
			return -ESRCH;
		}
	}
	if (a->o.mode == TT_MODE_COMMAND) {
		a->child = start_child(a->o.command, go_fd);
		if (a->child < 0) {
			fprintf(stderr, "tracetree-bpf: fork: %s\n", strerror(errno));
			return -errno;
		}
	}
	if (setup_pipeline(a))
		return -EINVAL;
	a->loader = loader__new(&lo);
	if (!a->loader)
		return -errno;
	targets_system_libs(probe_path, a);
	if (a->o.mode == TT_MODE_COMMAND) {
		loader__track(a->loader, a->child);
		if (resolve_command(a->o.command[0], exe, sizeof(exe)))
			probe_path(exe, a);
	}
	for (i = 0; i < a->o.n_pids; i++)
		track_tree(a, a->o.pids[i], 0);
	if (a->o.mode == TT_MODE_ALL)
		scan_all_processes(a);
	if (!loader__n_probed_files(a->loader))
		tt_warn("main: no TLS library found yet (no libssl.so.* on the system and no "
			"SSL_write in the traced executables): TLS capture starts when a traced "
			"process maps one; install libssl3 for system OpenSSL clients");
	a->events = events__new(loader__ringbuf_fd(a->loader), on_record, a);
	if (!a->events) {
		fprintf(stderr, "tracetree-bpf: ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static bool should_stop(struct app *a, uint64_t start, uint64_t *drain_until)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	int status;

	if (exiting)
		return true;
	if (a->o.duration > 0 && now - start >= (uint64_t)(a->o.duration * 1e9))
		return true;
	if (a->o.mode == TT_MODE_COMMAND && !a->child_done &&
	    waitpid(a->child, &status, WNOHANG) == a->child) {
		a->child_done = true;
		a->child_status = status;
		/* records of the last moments may still be in flight: drain a little longer */
		*drain_until = now + 100000000ull;
	}
	if (a->o.mode == TT_MODE_PIDS && !*drain_until && !pids_alive(&a->o))
		*drain_until = now + 100000000ull;
	return *drain_until && now >= *drain_until;
}

static int run_live(struct app *a)
{
	struct capfile_header ch = { .abi = TT_ABI_VERSION };
	uint64_t start, drain_until = 0, last_stats;
	int go_fd = -1, err, ret = 0, i;

	err = preflight();
	if (err)
		return 1;
	if (a->o.tls_db && targets_load_db(a->o.tls_db)) {
		fprintf(stderr, "tracetree-bpf: cannot use --tls-db %s (see the message above)\n",
			a->o.tls_db);
		return 1;
	}
	for (i = 0; i < a->o.n_tls_offsets; i++) {
		err = targets_parse_overrides(a->o.tls_offsets[i]);
		if (err) {
			fprintf(stderr, "tracetree-bpf: invalid --tls-offsets '%s': %s\n",
				a->o.tls_offsets[i], strerror(-err));
			return 1;
		}
	}
	libbpf_set_print(libbpf_print);
	a->clk.boot_ns = now_ns(CLOCK_BOOTTIME);
	a->clk.real_ns = now_ns(CLOCK_REALTIME);
	if (a->o.record) {
		ch.boot_ns = a->clk.boot_ns;
		ch.real_ns = a->clk.real_ns;
		gethostname(ch.host, sizeof(ch.host) - 1);
		a->rec = capfile_writer__open(a->o.record, &ch);
		if (!a->rec) {
			fprintf(stderr, "tracetree-bpf: cannot write %s: %s\n", a->o.record,
				strerror(errno));
			return 1;
		}
	}
	err = setup_live(a, &go_fd);
	if (err) {
		if (go_fd >= 0)
			close(go_fd);	/* the child sees EOF and exits without running */
		if (a->child > 0)
			waitpid(a->child, NULL, 0);
		return 1;
	}
	tt_info("main: probes attached to %d files, tracing", loader__n_probed_files(a->loader));
	if (go_fd >= 0) {
		if (write(go_fd, "g", 1) != 1)
			tt_warn("main: could not start the command: %s", strerror(errno));
		close(go_fd);
	}
	start = last_stats = now_ns(CLOCK_MONOTONIC);
	while (!should_stop(a, start, &drain_until)) {
		err = events__poll(a->events, POLL_MS);
		if (err < 0 && err != -EINTR) {
			tt_err("main: ring buffer poll: %s", strerror(-err));
			ret = 1;
			break;
		}
		run_rescans(a);
		tick(a, now_ns(CLOCK_BOOTTIME));
		fflush(a->out);
		if (a->rec)
			capfile_writer__flush(a->rec);
		if (a->o.stats && now_ns(CLOCK_MONOTONIC) - last_stats >=
		    a->o.stats_interval * 1000000000ull) {
			print_stats(a, false);
			last_stats = now_ns(CLOCK_MONOTONIC);
		}
	}
	events__poll(a->events, 0);
	finish(a, now_ns(CLOCK_BOOTTIME));
	print_stats(a, true);
	if (a->out_errors)
		tt_warn("main: %llu records could not be written",
			(unsigned long long)a->out_errors);
	if (!ret && !exiting && a->child_done && WIFEXITED(a->child_status))
		ret = WEXITSTATUS(a->child_status);
	else if (!ret && !exiting && a->child_done && WIFSIGNALED(a->child_status))
		ret = 128 + WTERMSIG(a->child_status);
	return ret;
}

int main(int argc, char **argv)
{
	struct app a = { .child = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[256];
	int ret;

	if (argc > 1 && !strcmp(argv[1], "doctor"))
		return doctor_main(argc - 1, argv + 1);
	pipeline_tune_malloc();
	if (cli_parse(argc, argv, &a.o, err, sizeof(err))) {
		fprintf(stderr, "tracetree-bpf: %s\n", err);
		return 2;
	}
	if (a.o.mode == TT_MODE_HELP) {
		cli_usage(stdout);
		return 0;
	}
	if (a.o.mode == TT_MODE_VERSION) {
		printf("tracetree-bpf %s\n", TT_VERSION);
		return 0;
	}
	tt_log_set_level(a.o.quiet ? TT_LOG_ERROR :
			 a.o.verbose >= 2 ? TT_LOG_DEBUG :
			 a.o.verbose == 1 ? TT_LOG_INFO : TT_LOG_WARN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	tt_buf_init(&a.line, 4u << 20);
	if (open_output(&a)) {
		ret = 1;
		goto cleanup;
	}
	ret = a.o.mode == TT_MODE_REPLAY ? run_replay(&a) : run_live(&a);
	if (fflush(a.out) && !ret) {
		fprintf(stderr, "tracetree-bpf: writing the output failed: %s\n", strerror(errno));
		ret = 1;
	}
cleanup:
	if (capfile_writer__close(a.rec) && !ret) {
		fprintf(stderr, "tracetree-bpf: writing %s failed\n", a.o.record);
		ret = 1;
	}
	if (a.exp)
		exporter__close(a.exp, &(struct export_stats){0});
	pipeline__free(a.pipe);
	events__free(a.events);
	loader__free(a.loader);
	if (a.out && a.out != stdout)
		fclose(a.out);
	tt_buf_free(&a.line);
	return ret;
}
