// SPDX-License-Identifier: MIT
/* main.c: command line, signals, and the wiring of capture, recording and output. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "buf.h"
#include "capfile.h"
#include "cli.h"
#include "analyze_cli.h"
#include "doctor.h"
#include "events.h"
#include "export.h"
#include "health.h"
#include "holdwatch.h"
#include "jsonl_fmt.h"
#include "launch.h"
#include "loader.h"
#include "log.h"
#include "metrics_src.h"
#include "outfile.h"
#include "pipeline.h"
#include "podlabels.h"
#include "privs.h"
#include "prober.h"
#include "procid.h"
#include "procscan.h"
#include "rawfmt.h"
#include "targets.h"
#include "tt_abi.h"
#include "view.h"

#define TT_VERSION "0.1.0"
/*
 * The longest sleep of the record loop. Records are submitted without a wakeup but for an
 * exec, a TLS library opened and a large backlog (bpf/tt.bpf.h), so this is how late the others
 * may be read; and each wakeup costs the node CPU (~0.1 ms on a VM: at 100 a second they were
 * most of the tracer's CPU per streamed call, tests/bench/README).
 */
#define POLL_MS	    100
#define POLL_MIN_MS 10 /* the prober's deadlines, coalesced: at most 100 wakeups a second */

struct app {
	struct tt_opts o;
	struct loader *loader;
	struct prober *prober; /* live: files to probe as processes come */
	struct procid *ident;  /* live: where they run (TT_REC_IDENT records) */
	struct events *events;
	struct capfile_writer *rec;
	struct pipeline *pipe;
	struct selection *sel; /* --select */
	struct exporter *exp;
	uint64_t last_tick_ns;
	uint64_t last_rec_ns;
	FILE *out;
	struct tt_buf line;
	struct rawfmt_clock clk;
	struct holdwatch watch; /* continues what is held at exec if we cannot */
	struct launch child;	/* -- COMMAND */
	struct privs_user user; /* ... runs as */
	uint64_t out_errors;
	struct health *health;	    /* --health-addr */
	struct metrics_capture cap; /* ... its counts of plaintext by kind */
	uint64_t health_pub_ns;
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

/* libbpf's messages, with -vv only: verifier logs are long, so they are passed on uncut. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return tt_vlog_raw(TT_LOG_DEBUG, fmt, ap);
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

static void on_record(const void *rec, size_t size, void *ctx);

/* Live: where a process that exec'd or was found running runs, as a record of its own. */
static void identify(struct app *a, uint32_t pid, uint64_t start_ns, uint64_t ts_ns)
{
	struct tt_ident id;

	if (a->ident && !procid__read(a->ident, (pid_t)pid, start_ns, ts_ns, &id))
		on_record(&id, sizeof(id), a);
}

/*
 * The one path of every record, from the ring buffer or a replayed capture (events checked
 * it): recorded, printed raw, fed to the pipeline, and live, looked at for files to probe and
 * (an exec) followed by the identity of its process, read while it runs.
 */
static void on_record(const void *rec, size_t size, void *ctx)
{
	const struct tt_hdr *h = rec;
	struct app *a = ctx;

	if (a->rec && capfile_writer__write(a->rec, rec, size))
		a->out_errors++;
	if (a->o.raw)
		emit_raw(a, rec, size);
	if (h->ts_ns > a->last_rec_ns)
		a->last_rec_ns = h->ts_ns;
	pipeline__record(a->pipe, rec, size);
	if (h->type == TT_REC_EXEC)
		identify(a, h->pid, ((const struct tt_exec *)rec)->start_ns, h->ts_ns);
	if (a->health)
		metrics_capture_record(&a->cap, rec, size);
	if (a->prober)
		prober__record(a->prober, rec);
}

static int preflight(void)
{
	if (geteuid() != 0) {
		tt_msg("live tracing needs root: run it with sudo (or use 'replay FILE' on a "
		       "capture)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		tt_msg("this kernel has no BTF (/sys/kernel/btf/vmlinux is missing): use a kernel "
		       "built with CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	/* libbpf finds syscall tracepoints through tracefs: minimal systems leave it unmounted */
	if (access("/sys/kernel/tracing/events", R_OK) &&
	    access("/sys/kernel/debug/tracing/events", R_OK) &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		tt_msg("tracefs is not mounted and mounting it on /sys/kernel/tracing failed (%s): "
		       "mount it (mount -t tracefs tracefs /sys/kernel/tracing) and try again",
		       strerror(errno));
		return -ENOTSUP;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		tt_msg("this kernel has no uprobe support: use a kernel built with "
		       "CONFIG_UPROBE_EVENTS=y");
		return -ENOTSUP;
	}
	return 0;
}

/* Tells the linker about a process that ran before tracing started. */
static void add_existing(struct app *a, pid_t pid)
{
	struct procscan_info pi;
	struct tt_ident id;
	bool known;

	if (procscan_read(pid, &pi))
		return;
	known = a->ident && !procid__read(a->ident, pid, pi.start_ns, a->clk.boot_ns, &id);
	pipeline__add_existing(a->pipe, pi.pid, pi.ppid, pi.start_ns, a->clk.boot_ns, pi.exe,
			       pi.args, pi.args_len, known ? &id : NULL);
	if (known)
		on_record(&id, sizeof(id), a);
}

/* A process found running: known to the linker, its TLS libraries probed. */
static int adopt(pid_t pid, void *ctx)
{
	struct app *a = ctx;

	if (pid == a->watch.pid)
		return 0; /* ours, not traced */
	add_existing(a, pid);
	prober__process(a->prober, pid);
	return 0;
}

/* -p: the process and its descendants are tracked from now on, and adopted. */
static int track(pid_t pid, void *ctx)
{
	struct app *a = ctx;
	int err = loader__track(a->loader, pid);

	return err ?: adopt(pid, ctx);
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

/* The first step of the OTLP/HTTP sender and health threads: they need no capability. */
static void sender_drop_caps(void)
{
	int err = privs_drop_thread_caps();

	if (err)
		tt_warn("main: a thread (tt-export, tt-health) could not drop its capabilities: %s",
			strerror(-err));
}

/* The exporter (-o file, stdout format, OTLP/HTTP) and the pipeline feeding it. */
static int setup_pipeline(struct app *a)
{
	struct export_opts eo = { 0 };
	struct pipeline_opts po = { 0 };
	enum tt_format fmt = a->o.format;
	bool stdout_free;
	static char host[256];
	int err;

	/* the flags first: the environment only fills what they leave */
	eo.ca_file = a->o.otlp_ca;
	eo.client_cert = a->o.otlp_cert;
	eo.client_key = a->o.otlp_key;
	eo.metrics_ms = a->o.metrics_interval * 1000;
	if (export_opts_from_env(&eo, getenv))
		return -EINVAL;
	eo.file = a->o.output;
	eo.html = a->o.html;
	eo.metrics_file = a->o.metrics_output;
	if (a->o.otlp_endpoint)
		eo.endpoint = a->o.otlp_endpoint;
	eo.version = TT_VERSION;
	eo.thread_init = sender_drop_caps;
	eo.clock.boot_ns = a->clk.boot_ns;
	eo.clock.real_ns = a->clk.real_ns;
	stdout_free = !(a->o.raw && (!a->o.raw_file || !strcmp(a->o.raw_file, "-"))) &&
		      !(a->o.output && !strcmp(a->o.output, "-"));
	if (fmt == TT_FORMAT_AUTO)
		fmt = isatty(STDOUT_FILENO)   ? TT_FORMAT_TREE :
		      a->o.output || a->o.raw ? TT_FORMAT_NONE :
						TT_FORMAT_OTLP_JSON;
	if (stdout_free && fmt == TT_FORMAT_EXCHANGES)
		po.on_exchange = tap_exchange;
	if (stdout_free && fmt == TT_FORMAT_CALLS)
		po.on_call = tap_call;
	po.tap_ctx = a;
	po.conn.mem_budget = a->o.mem_budget;
	if (stdout_free && fmt == TT_FORMAT_TREE)
		eo.tree = stdout;
	else if (stdout_free && fmt == TT_FORMAT_OTLP_JSON && !eo.file)
		eo.file = "-";
	a->exp = exporter__new(&eo);
	if (!a->exp) {
		err = -errno;
		tt_msg("cannot set up the span export: %s", strerror(-err));
		return err;
	}
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	po.provider.capture_content = a->o.capture_content;
	po.provider.content_max = a->o.content_max;
	po.provider.legacy_semconv = a->o.legacy_semconv;
	po.linker.single_trace = a->o.mode == TT_MODE_COMMAND || a->o.mode == TT_MODE_PIDS;
	po.linker.agents_only = a->o.mode == TT_MODE_ALL;
	po.linker.trust_traceparent = a->o.trust_traceparent;
	po.linker.capture_content = a->o.capture_content;
	po.linker.content_max = a->o.content_max;
	po.linker.service_name = getenv("OTEL_SERVICE_NAME");
	po.linker.host_name = host[0] ? host : NULL;
	po.span_sink = exporter__span;
	po.span_ctx = a->exp;
	po.pod_labels = podlabels_read;
	/* the expressions were checked by cli_parse: only memory can fail here */
	if (a->o.n_select && !(a->sel = selection__new(a->o.select, a->o.n_select, NULL, 0))) {
		tt_msg("out of memory");
		return -ENOMEM;
	}
	po.select = a->sel;
	a->pipe = pipeline__new(&po);
	if (!a->pipe) {
		tt_msg("out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* Where records come in: the ring buffer (live) or, with ringbuf_fd < 0, events__push. */
static int setup_events(struct app *a, int ringbuf_fd)
{
	int err;

	a->events = events__new(ringbuf_fd, on_record, a);
	if (a->events)
		return 0;
	err = -errno;
	tt_msg("ring buffer: %s", strerror(-err));
	return err;
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
	if (a->pipe)
		pipeline__finish(a->pipe, now_boot_ns);
	exporter__close(a->exp, NULL);
	a->exp = NULL;
}

static int open_output(struct app *a)
{
	if (!a->o.raw_file || !strcmp(a->o.raw_file, "-")) {
		a->out = stdout;
		return 0;
	}
	a->out = outfile_fopen(a->o.raw_file);
	if (!a->out) {
		int err = -errno;

		tt_msg("cannot write %s: %s", a->o.raw_file, strerror(-err));
		return err;
	}
	return 0;
}

/* replay FILE: the exit status (1 on an error, reported). */
static int run_replay(struct app *a)
{
	struct capfile_reader *r;
	struct capfile_header h;
	const void *rec;
	size_t size;
	int ret, err = 0;

	r = capfile_reader__open(a->o.replay_file, &h);
	if (!r) {
		tt_msg("cannot replay %s: %s", a->o.replay_file, strerror(errno));
		return 1;
	}
	a->clk.boot_ns = h.boot_ns;
	a->clk.real_ns = h.real_ns;
	a->last_rec_ns = h.boot_ns;
	if (setup_pipeline(a) || setup_events(a, -1)) {
		capfile_reader__close(r);
		return 1;
	}
	/* the capture is anybody's bytes: parse it with no capability (its files are open) */
	err = privs_drop_thread_caps();
	if (err) {
		tt_msg("cannot drop capabilities: %s", strerror(-err));
		capfile_reader__close(r);
		return 1;
	}
	/* a signal stops it between records (each one's work is bounded), as it stops live mode */
	while (!exiting && (ret = capfile_reader__next(r, &rec, &size)) > 0) {
		/* replay runs on the capture's clock, so its output does not depend on when */
		if (!events__push(a->events, rec, size))
			tick(a, a->last_rec_ns);
	}
	if (ret < 0 && !exiting) { /* a read the signal interrupted is no error */
		tt_msg("%s: %s", a->o.replay_file, strerror(-ret));
		err = 1;
	}
	capfile_reader__close(r);
	finish(a, a->last_rec_ns);
	return err;
}

static int check_pids(const struct tt_opts *o)
{
	int i;

	for (i = 0; i < o->n_pids; i++) {
		if (kill(o->pids[i], 0) && errno == ESRCH) {
			tt_msg("no process with pid %d", o->pids[i]);
			return -ESRCH;
		}
	}
	return 0;
}

/*
 * -- COMMAND: forked now (before the BPF object is loaded), held until the probes are in, as
 * the user who ran sudo (or -u USER).
 */
static int start_command(struct app *a)
{
	char msg[256];
	int err;

	err = privs_user_resolve(&a->user, a->o.user, getenv, msg, sizeof(msg));
	if (err) {
		tt_msg("%s", msg);
		return err;
	}
	if (a->user.change)
		tt_info("main: COMMAND runs as %s (uid %u, gid %u)",
			a->user.name[0] ? a->user.name : "a user without a name",
			(unsigned int)a->user.uid, (unsigned int)a->user.gid);
	err = launch__start(&a->child, a->o.command, &a->user);
	if (err)
		tt_msg("fork: %s", strerror(-err));
	return err;
}

/* Its process tracked and its executable probed before it runs. */
static void probe_command(struct app *a)
{
	char exe[4096];

	loader__track(a->loader, a->child.pid);
	if (!launch_resolve(a->o.command[0], getenv("PATH"), exe, sizeof(exe)))
		prober__file(a->prober, exe);
}

static int setup_live(struct app *a)
{
	struct loader_opts lo = {
		.all = a->o.mode == TT_MODE_ALL,
		.self = (uint32_t)getpid(),
		.call_cap = a->o.call_cap,
		.ringbuf_size = a->o.ringbuf_size,
		.hold = !a->o.no_hold_exec,
	};
	int err, i;

	err = check_pids(&a->o);
	if (!err && a->o.mode == TT_MODE_COMMAND)
		err = start_command(a);
	err = err ?: setup_pipeline(a);
	if (err)
		return err;
	a->loader = loader__new(&lo);
	if (!a->loader)
		return -errno;
	/* as soon as processes may be held, before the capabilities go: it keeps CAP_KILL, in a
	 * process of its own */
	err = loader__hold_start_watch(a->loader, &a->watch, a->o.hold_timeout_ms);
	if (err)
		tt_warn("main: the watchdog of processes held at exec did not start: %s",
			strerror(-err));
	a->prober = prober__new(a->loader, a->o.hold_timeout_ms);
	a->ident = procid__new(NULL);
	if (!a->prober || !a->ident)
		return -errno;
	targets_system_libs(prober_file_cb, a->prober);
	if (a->o.mode == TT_MODE_COMMAND)
		probe_command(a);
	for (i = 0; i < a->o.n_pids; i++)
		procscan_tree(a->o.pids[i], track, a);
	if (a->o.mode == TT_MODE_ALL)
		procscan_all(adopt, a);
	if (!loader__n_probed_files(a->loader))
		tt_warn("main: no TLS library found yet (no libssl.so.* on the system and no "
			"SSL_write in the traced executables): TLS capture starts when a traced "
			"process maps one; install libssl3 for system OpenSSL clients");
	return setup_events(a, loader__ringbuf_fd(a->loader));
}

static bool should_stop(struct app *a, uint64_t start, uint64_t *drain_until)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);

	if (exiting)
		return true;
	if (a->o.duration > 0 && now - start >= (uint64_t)(a->o.duration * 1e9))
		return true;
	/* records of the last moments may still be in flight: drain a little longer */
	if (!*drain_until && a->o.mode == TT_MODE_COMMAND && launch__exited(&a->child))
		*drain_until = now + 100000000ull;
	if (a->o.mode == TT_MODE_PIDS && !*drain_until && !pids_alive(&a->o))
		*drain_until = now + 100000000ull;
	return *drain_until && now >= *drain_until;
}

/* What live tracing needs before the BPF object: the TLS database, offsets, the recording. */
static int prepare_live(struct app *a)
{
	struct capfile_header ch = { .abi = TT_ABI_VERSION };
	char msg[256];
	int err, i;

	if (a->o.tls_db && targets_load_db(a->o.tls_db)) {
		tt_msg("cannot use --tls-db %s (see the message above)", a->o.tls_db);
		return -EINVAL;
	}
	for (i = 0; i < a->o.n_tls_offsets; i++) {
		err = targets_parse_overrides(a->o.tls_offsets[i]);
		if (err) {
			tt_msg("invalid --tls-offsets '%s': %s", a->o.tls_offsets[i],
			       strerror(-err));
			return err;
		}
	}
	if (a->o.health_addr) { /* a port in use fails here, before anything is loaded */
		a->health = health__new(a->o.health_addr, sender_drop_caps, msg, sizeof(msg));
		if (!a->health) {
			err = -errno;
			tt_msg("%s", msg);
			return err;
		}
	}
	libbpf_set_print(libbpf_print);
	a->clk.boot_ns = now_ns(CLOCK_BOOTTIME);
	a->clk.real_ns = now_ns(CLOCK_REALTIME);
	if (!a->o.record)
		return 0;
	ch.boot_ns = a->clk.boot_ns;
	ch.real_ns = a->clk.real_ns;
	gethostname(ch.host, sizeof(ch.host) - 1);
	a->rec = capfile_writer__open(a->o.record, &ch);
	if (!a->rec) {
		err = -errno;
		tt_msg("cannot write %s: %s", a->o.record, strerror(-err));
		return err;
	}
	return 0;
}

static void app_src(struct app *a, struct metrics_src *s)
{
	*s = (struct metrics_src){ a->loader, a->events, a->pipe,   a->prober,
				   a->exp,    &a->cap,	 TT_VERSION };
}

/* --health-addr: the counters, once a second, from the thread that owns them. */
static void publish(struct app *a)
{
	struct metrics_src s;

	app_src(a, &s);
	metrics_src_publish(a->health, &s, &a->health_pub_ns);
}

/* --stats (every period, and at exit), and at exit what was lost even without it */
static void print_stats(struct app *a, bool final)
{
	struct metrics_src s;

	app_src(a, &s);
	metrics_src_log(&s, final, a->o.stats);
}

/*
 * The loop's next sleep: POLL_MS, or less when the prober has a held process or rescan due,
 * but POLL_MIN_MS at least (an exec storm has a rescan due every millisecond).
 */
static int poll_ms(struct app *a)
{
	uint64_t due = prober__due_in_ns(a->prober);

	if (due >= POLL_MS * 1000000ull)
		return POLL_MS;
	if (due <= POLL_MIN_MS * 1000000ull)
		return POLL_MIN_MS;
	return (int)((due + 999999) / 1000000);
}

/* Polls until stopped; 0, or 1 when the ring buffer failed. */
static int trace_loop(struct app *a)
{
	uint64_t start, drain_until = 0, last_stats;
	int err;

	start = last_stats = now_ns(CLOCK_MONOTONIC);
	while (!should_stop(a, start, &drain_until)) {
		err = events__poll(a->events, poll_ms(a));
		if (err < 0 && err != -EINTR) {
			tt_err("main: ring buffer poll: %s", strerror(-err));
			return 1;
		}
		prober__tick(a->prober);
		tick(a, now_ns(CLOCK_BOOTTIME));
		publish(a);
		fflush(a->out);
		if (a->rec)
			capfile_writer__flush(a->rec);
		if (a->o.stats &&
		    now_ns(CLOCK_MONOTONIC) - last_stats >= a->o.stats_interval * 1000000000ull) {
			print_stats(a, false);
			last_stats = now_ns(CLOCK_MONOTONIC);
		}
	}
	return 0;
}

/* Live tracing: the exit status (COMMAND's, or 1 on an error, reported). */
static int run_live(struct app *a)
{
	int err, ret;

	if (preflight() || prepare_live(a))
		return 1;
	if (setup_live(a)) {
		launch__abort(&a->child);
		return 1;
	}
	tt_info("main: probes attached to %d files, tracing", loader__n_probed_files(a->loader));
	/* COMMAND was forked before: it keeps what it was given, the tracer drops the rest */
	err = privs_drop_caps(!a->o.no_hold_exec);
	if (err) {
		tt_msg("cannot drop capabilities: %s", strerror(-err));
		launch__abort(&a->child);
		return 1;
	}
	if (a->child.go_fd >= 0) {
		err = launch__go(&a->child);
		if (err)
			tt_warn("main: could not start the command: %s", strerror(-err));
	}
	ret = trace_loop(a);
	/* nothing is held from here on: the rest of the exit may take a while */
	loader__hold_end(a->loader);
	events__poll(a->events, 0);
	finish(a, now_ns(CLOCK_BOOTTIME));
	print_stats(a, true);
	if (a->out_errors)
		tt_warn("main: %llu records could not be written",
			(unsigned long long)a->out_errors);
	if (!ret && !exiting)
		ret = launch__exit_code(&a->child);
	return ret;
}

int main(int argc, char **argv)
{
	struct app a = { .child = LAUNCH_INIT };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[256];
	int ret;

	if (argc > 1 && !strcmp(argv[1], "doctor"))
		return doctor_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "view"))
		return view_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "analyze"))
		return analyze_main(argc - 1, argv + 1);
	pipeline_tune_malloc();
	if (cli_parse(argc, argv, &a.o, err, sizeof(err))) {
		tt_msg("%s", err);
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
	tt_log_set_format(a.o.log_json ? TT_LOG_JSON : TT_LOG_TEXT);
	tt_log_set_level(a.o.quiet	  ? TT_LOG_ERROR :
			 a.o.verbose >= 2 ? TT_LOG_DEBUG :
			 a.o.verbose == 1 ? TT_LOG_INFO :
					    TT_LOG_WARN);
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
		tt_msg("writing the output failed: %s", strerror(errno));
		ret = 1;
	}
cleanup:
	if (capfile_writer__close(a.rec) && !ret) {
		tt_msg("writing %s failed", a.o.record);
		ret = 1;
	}
	exporter__close(a.exp, NULL);
	pipeline__free(a.pipe);
	events__free(a.events);
	prober__free(a.prober);
	procid__free(a.ident);
	selection__free(a.sel);
	loader__free(a.loader);
	holdwatch__stop(&a.watch);
	health__free(a.health);
	if (a.out && a.out != stdout)
		fclose(a.out);
	tt_buf_free(&a.line);
	privs_user_free(&a.user);
	return ret;
}
