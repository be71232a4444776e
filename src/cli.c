// SPDX-License-Identifier: MIT
/* cli.c: command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "select.h"
#include "tt_limits.h"
#include "tt_abi.h"

enum {
	OPT_ALL = 0x100,
	OPT_RAW,
	OPT_RECORD,
	OPT_STATS,
	OPT_CALL_CAP,
	OPT_RINGBUF,
	OPT_MEM_BUDGET,
	OPT_DURATION,
	OPT_VERSION,
	OPT_FORMAT,
	OPT_OTLP_ENDPOINT,
	OPT_CAPTURE_CONTENT,
	OPT_SEMCONV_LEGACY,
	OPT_TLS_OFFSETS,
	OPT_TLS_DB,
	/* privileges and trust (issue 15) */
	OPT_TRUST_TRACEPARENT,
	OPT_OTLP_CA,
	OPT_OTLP_CERT,
	OPT_OTLP_KEY,
	OPT_NO_HOLD_EXEC,
	OPT_HOLD_TIMEOUT,
	OPT_HEALTH_ADDR,
	OPT_LOG_FORMAT,
	OPT_HTML,
	OPT_CONTENT_MAX,
	OPT_METRICS_OUTPUT,
	OPT_METRICS_INTERVAL,
	OPT_SELECT,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "select", required_argument, NULL, OPT_SELECT },
	{ "raw", optional_argument, NULL, OPT_RAW },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT },
	{ "capture-content", no_argument, NULL, OPT_CAPTURE_CONTENT },
	{ "content-max", required_argument, NULL, OPT_CONTENT_MAX },
	{ "metrics-output", required_argument, NULL, OPT_METRICS_OUTPUT },
	{ "metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL },
	{ "semconv-legacy", no_argument, NULL, OPT_SEMCONV_LEGACY },
	{ "tls-offsets", required_argument, NULL, OPT_TLS_OFFSETS },
	{ "tls-db", required_argument, NULL, OPT_TLS_DB },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "call-cap", required_argument, NULL, OPT_CALL_CAP },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "mem-budget", required_argument, NULL, OPT_MEM_BUDGET },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	/* privileges and trust */
	{ "user", required_argument, NULL, 'u' },
	{ "trust-traceparent", no_argument, NULL, OPT_TRUST_TRACEPARENT },
	{ "otlp-ca", required_argument, NULL, OPT_OTLP_CA },
	{ "otlp-cert", required_argument, NULL, OPT_OTLP_CERT },
	{ "otlp-key", required_argument, NULL, OPT_OTLP_KEY },
	{ "no-hold-exec", no_argument, NULL, OPT_NO_HOLD_EXEC },
	{ "hold-timeout", required_argument, NULL, OPT_HOLD_TIMEOUT },
	{ "health-addr", required_argument, NULL, OPT_HEALTH_ADDR },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	/* clang-format off */
	fprintf(f,
"Usage: tracetree-bpf [OPTIONS] -- COMMAND [ARG...]   trace COMMAND and everything it starts\n"
"       tracetree-bpf [OPTIONS] -p PID[,PID...]       trace running processes and their children\n"
"       tracetree-bpf [OPTIONS] --all                 trace every process on the host\n"
"       tracetree-bpf replay FILE [OPTIONS]           rerun the pipeline on a --record capture,\n"
"                                                     no root needed\n"
"       tracetree-bpf doctor [--pid PID] [PATH...]    what can be traced here, and why not\n"
"       tracetree-bpf view TRACE.jsonl [-o FILE.html] an -o file as a waterfall page (HTML),\n"
"                                                     no root needed (view --help)\n"
"       tracetree-bpf analyze TRACE.jsonl [--format text|json] [--baseline B.jsonl]\n"
"                                                     findings of an OTLP JSON Lines file\n"
"                                                     (analyze --help); live, findings are\n"
"                                                     tracetree.finding span events\n"
"\n"
"Captures the TLS plaintext (OpenSSL and BoringSSL SSL_read/SSL_write, also statically linked\n"
"and stripped as in Bun and Claude Code; GnuTLS; NSS; Go crypto/tls), plaintext HTTP from the\n"
"socket syscalls, and the fork/exec/exit tree of the traced processes; decodes HTTP/1.1 and\n"
"HTTP/2 exchanges, LLM API calls (OpenAI, Anthropic, Gemini, Ollama, OpenAI-compatible) and MCP\n"
"calls, and links agent, LLM, tool and process spans into OpenTelemetry trace trees. Live\n"
"tracing needs root, BTF and uprobes.\n"
"\n"
"Output (default: the tree on a terminal, OTLP JSON Lines when stdout is not a terminal):\n"
"  -o, --output FILE      write OTLP JSON Lines to FILE (one TracesData per line, '-' = stdout)\n"
"  --format tree|otlp-json|exchanges|calls|none\n"
"                         what stdout shows when -o or --raw do not use it: the trace tree,\n"
"                         OTLP JSON Lines, one JSON line per HTTP exchange or LLM call, or\n"
"                         nothing\n"
"  --html FILE            at exit, write the spans as one self-contained HTML page (the\n"
"                         waterfall of 'view'; at most 200000 spans, the rest counted in it)\n"
"  --otlp-endpoint URL    also send spans with OTLP/HTTP (default: OTEL_EXPORTER_OTLP_TRACES_\n"
"                         ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; protocol from\n"
"                         OTEL_EXPORTER_OTLP_PROTOCOL, headers from OTEL_EXPORTER_OTLP_HEADERS)\n"
"                         and the GenAI metrics (as --metrics-output, cumulative) to URL's\n"
"                         /v1/metrics (default: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT as is, or\n"
"                         OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics; none with\n"
"                         OTEL_METRICS_EXPORTER=none)\n"
"  --capture-content      export prompts, completions, tool arguments and results (redacted;\n"
"                         off by default)\n"
"  --content-max BYTES    the largest content attribute (default 1M, at most 1M); the oldest\n"
"                         messages are dropped (a value is cut) to fit, and the span's\n"
"                         tracetree.content.truncated lists the attributes that were cut\n"
"  --metrics-output FILE  also write OTLP metrics as JSON Lines (MetricsData, cumulative) to\n"
"                         FILE, every --metrics-interval and at exit: gen_ai.client.token.usage,\n"
"                         gen_ai.client.operation.duration, tracetree.tool.duration,\n"
"                         tracetree.findings\n"
"  --metrics-interval SECS\n"
"                         between two metrics exports, file and OTLP (default:\n"
"                         OTEL_METRIC_EXPORT_INTERVAL in ms, else 60 s); one more at exit\n"
"  --semconv-legacy       also emit pre-1.37 GenAI attributes (gen_ai.system, ...)\n"
"  --raw[=FILE]           print every captured record as one JSON line (time, pid, tid, comm,\n"
"                         type, direction, connection, position, length, truncated, payload\n"
"                         as \"text\" when it is UTF-8, else \"base64\") to FILE or stdout\n"
"  --record FILE          also write the raw capture to FILE (read it with 'replay FILE')\n"
"  --stats[=SECS]         print counters to stderr every SECS (default 10) and at exit\n"
"  --otlp-ca FILE         CA certificates (PEM) to verify the OTLP/HTTP collector with\n"
"                         (default: OTEL_EXPORTER_OTLP_CERTIFICATE, else the system's)\n"
"  --otlp-cert FILE, --otlp-key FILE\n"
"                         client certificate and key (PEM) for mTLS to the collector\n"
"                         (default: OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, _CLIENT_KEY)\n"
"Files written (-o, --html, --raw=FILE, --record) are created 0600, never through a symlink,\n"
"and are not inherited by COMMAND.\n"
"\n"
"Capture:\n"
"  --call-cap BYTES       plaintext kept per SSL call (default 16M, max 64M); of a longer call\n"
"                         its head and its last 1M (a quarter of the cap if less) are kept,\n"
"                         marked truncated\n"
"  --ringbuf-size BYTES   kernel ring buffer size (default 32M, a power of two >= 1M; twice\n"
"                         --call-cap or more, or a call that big may be lost)\n"
"  --mem-budget SIZE      memory for HTTP reassembly, all connections together (default 256M,\n"
"                         at least 1M; K, M, G suffixes): unparsed bytes, bodies being\n"
"                         decoded and exchanges waiting for their turn. Past it the largest\n"
"                         holder is dropped (its exchange flagged truncated); --stats counts\n"
"                         the drops\n"
"  --duration SECS        stop after SECS seconds\n"
"  --hold-timeout MS      a traced process that executes a file not probed yet (a new agent\n"
"                         or a new version of one), or opens a TLS library not probed yet,\n"
"                         is stopped until its TLS probes are in,\n"
"                         so that its first call is captured: at most MS milliseconds\n"
"                         (default 5000, 10 to 60000), then it continues anyway. Processes\n"
"                         of a job-control shell's job and those under a debugger are not\n"
"                         stopped; --stats counts (held, held_max_ns, hold_timeouts)\n"
"  --no-hold-exec         never stop a process at exec or at a TLS library's open (its first\n"
"                         calls may go uncaptured)\n"
"  --tls-offsets FILE:func=0xOFF[,func=0xOFF...]\n"
"                         probe TLS functions at these file offsets in FILE (SSL_write,\n"
"                         SSL_read, ...), for builds no other method finds; repeatable\n"
"  --tls-db FILE          fingerprints and prologue signatures of stripped TLS builds (default:\n"
"                         TT_TLS_TARGETS, /etc/tracetree-bpf/tls-targets.conf, the shipped one)\n"
"\n"
"Selection (--all, replay):\n"
"  --select KIND=VALUE    trace only the processes selected, and what they start: repeatable;\n"
"                         kinds AND, values of one kind OR. namespace=NS, container=NAME\n"
"                         (Kubernetes names from the runtime's OCI config: containerd, CRI-O),\n"
"                         exe=GLOB (fnmatch on the executable path), pod-label=KEY=VALUE\n"
"                         (CRI-O only: containerd keeps pod labels where the node cannot read\n"
"                         them; live only). A process is decided at exec (or when found\n"
"                         running). The others' records are dropped before reassembly and\n"
"                         their trees are never built (--stats: unselected_*); their TLS\n"
"                         calls still take the system-wide uprobes (about 1 us a call)\n"
"\n"
"Privileges and trust:\n"
"  -u, --user USER        run COMMAND as USER (a name or #uid). Default: the user who ran sudo\n"
"                         (SUDO_UID, SUDO_GID, SUDO_USER; with their groups, HOME, USER,\n"
"                         LOGNAME and SHELL, as sudo -u sets them; the directory kept); as\n"
"                         root only when run as root without sudo or with -u root\n"
"  --trust-traceparent    --all, replay: let a traced process's traceparent header name the\n"
"                         trace its spans join (-- COMMAND and -p always do; --all and replay\n"
"                         never do without this, nor join another process tree's trace)\n"
"Once attached the tracer keeps only CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE,\n"
"CAP_DAC_READ_SEARCH, CAP_CHECKPOINT_RESTORE, CAP_SYS_ADMIN (the kernel creates uprobes\n"
"through perf_event_open only with it), and CAP_KILL unless --no-hold-exec (to continue the\n"
"processes it held), and sets no_new_privs.\n"
"\n"
"Operation:\n"
"  --health-addr HOST:PORT\n"
"                         serve GET /healthz (200 \"ok\", or 503 with the reasons: probes not\n"
"                         attached, main loop silent 10 s, export stuck or failing 60 s) and\n"
"                         /metrics (Prometheus text format) on HOST:PORT ([V6]:PORT; port 0\n"
"                         picks one, shown with -v). Default: off. Unauthenticated: bind it\n"
"                         to localhost or the pod IP\n"
"  --log-format text|json diagnostics on stderr as text (default) or one JSON object a line\n"
"                         (time, level, module, msg)\n"
"\n"
"General:\n"
"  -v, --verbose          more diagnostics on stderr (-vv: debug, libbpf included)\n"
"  -q, --quiet            only errors on stderr\n"
"  -h, --help             this help\n"
"  --version              print the version\n"
"\n"
"Credentials (Authorization, x-api-key, cookies, key-like strings) are never exported.\n"
"Lost records (ring buffer full) and truncated calls are counted and reported at exit.\n"
"SIGINT/SIGTERM flush everything and exit 0 (the OTLP/HTTP queue gets at most 5 s, what is\n"
"left is counted and reported); traced programs keep running. With -- COMMAND the exit status\n"
"is COMMAND's.\n"
"With -- COMMAND and -p, the TLS uprobes exist only in the traced processes (inherited at\n"
"fork; Linux 6.12+), so other processes pay nothing; TT_UPROBE_ATTACH=all attaches them\n"
"system-wide instead, as --all does.\n"
"What was found in each TLS library or executable is cached in\n"
"/var/cache/tracetree-bpf/targets.cache (TT_TARGETS_CACHE=FILE|off): a big static agent seen\n"
"before is probed before its first connection; 'tracetree-bpf doctor PATH' fills it.\n");
	/* clang-format on */
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		if (v > (1ull << 44))
			return -ERANGE;
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		if (v > (1ull << 34))
			return -ERANGE;
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_pids(const char *s, struct tt_opts *o, char *err, size_t errlen)
{
	const char *p = s;
	long v;
	char *end;

	while (*p) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v <= 0 || v > 0x3fffffff || (*end && *end != ','))
			return fail(err, errlen, "invalid pid list '%s'", s);
		if (o->n_pids == TT_MAX_PIDS)
			return fail(err, errlen, "too many pids (at most %d)", TT_MAX_PIDS);
		o->pids[o->n_pids++] = (int)v;
		p = *end ? end + 1 : end;
	}
	if (!o->n_pids)
		return fail(err, errlen, "invalid pid list '%s'", s);
	return 0;
}

static int set_mode(struct tt_opts *o, enum tt_mode m, char *err, size_t errlen)
{
	if (o->mode != TT_MODE_NONE && o->mode != m)
		return fail(err, errlen, "choose one of -- COMMAND, -p PID and --all");
	o->mode = m;
	return 0;
}

/* Options that only keep their argument (a string of tt_opts) or switch on a bool of it. */
static const struct {
	int c;
	size_t off;
	bool is_flag;
} plain_opts[] = {
	{ 'o', offsetof(struct tt_opts, output), false },
	{ OPT_HTML, offsetof(struct tt_opts, html), false },
	{ OPT_RECORD, offsetof(struct tt_opts, record), false },
	{ OPT_TLS_DB, offsetof(struct tt_opts, tls_db), false },
	{ OPT_METRICS_OUTPUT, offsetof(struct tt_opts, metrics_output), false },
	{ OPT_CAPTURE_CONTENT, offsetof(struct tt_opts, capture_content), true },
	{ OPT_SEMCONV_LEGACY, offsetof(struct tt_opts, legacy_semconv), true },
	{ 'q', offsetof(struct tt_opts, quiet), true },
	/* privileges and trust */
	{ 'u', offsetof(struct tt_opts, user), false },
	{ OPT_TRUST_TRACEPARENT, offsetof(struct tt_opts, trust_traceparent), true },
	{ OPT_OTLP_CA, offsetof(struct tt_opts, otlp_ca), false },
	{ OPT_OTLP_CERT, offsetof(struct tt_opts, otlp_cert), false },
	{ OPT_OTLP_KEY, offsetof(struct tt_opts, otlp_key), false },
	{ OPT_NO_HOLD_EXEC, offsetof(struct tt_opts, no_hold_exec), true },
	{ OPT_HEALTH_ADDR, offsetof(struct tt_opts, health_addr), false },
};

static const char *const format_names[] = {
	[TT_FORMAT_TREE] = "tree",	     [TT_FORMAT_OTLP_JSON] = "otlp-json",
	[TT_FORMAT_EXCHANGES] = "exchanges", [TT_FORMAT_CALLS] = "calls",
	[TT_FORMAT_NONE] = "none",
};

static bool parse_plain(int c, struct tt_opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(plain_opts) / sizeof(plain_opts[0]); i++) {
		char *field = (char *)o + plain_opts[i].off;

		if (plain_opts[i].c != c)
			continue;
		if (plain_opts[i].is_flag)
			*(bool *)field = true;
		else
			*(const char **)field = optarg;
		return true;
	}
	return false;
}

static int parse_format(const char *s, struct tt_opts *o, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (format_names[i] && !strcmp(s, format_names[i])) {
			o->format = (enum tt_format)i;
			return 0;
		}
	}
	return fail(err, errlen,
		    "invalid --format '%s' (tree, otlp-json, exchanges, calls or "
		    "none)",
		    s);
}

static int parse_opt(int c, struct tt_opts *o, char *err, size_t errlen)
{
	uint64_t v;
	char *end;

	if (parse_plain(c, o))
		return 0;
	switch (c) {
	case 'p':
		return set_mode(o, TT_MODE_PIDS, err, errlen) ?: parse_pids(optarg, o, err, errlen);
	case OPT_ALL:
		return set_mode(o, TT_MODE_ALL, err, errlen);
	case OPT_RAW:
		o->raw = true;
		o->raw_file = optarg;
		return 0;
	case OPT_FORMAT:
		return parse_format(optarg, o, err, errlen);
	case OPT_OTLP_ENDPOINT:
		if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
			return fail(err, errlen,
				    "invalid --otlp-endpoint '%s' (an http:// or "
				    "https:// URL)",
				    optarg);
		o->otlp_endpoint = optarg;
		return 0;
	case OPT_SELECT:
		if (o->n_select == SELECT_MAX_EXPRS)
			return fail(err, errlen, "too many --select (at most %d)",
				    SELECT_MAX_EXPRS);
		if (select_check(optarg, err, errlen))
			return -EINVAL;
		o->select[o->n_select++] = optarg;
		return 0;
	case OPT_TLS_OFFSETS:
		if (!strchr(optarg, ':') || !strchr(optarg, '='))
			return fail(err, errlen, "invalid --tls-offsets '%s' (FILE:func=0xOFF,...)",
				    optarg);
		if (o->n_tls_offsets == TT_MAX_PIDS)
			return fail(err, errlen, "too many --tls-offsets (at most %d)",
				    TT_MAX_PIDS);
		o->tls_offsets[o->n_tls_offsets++] = optarg;
		return 0;
	case OPT_STATS:
		o->stats = true;
		if (optarg) {
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v == 0 || v > 86400)
				return fail(err, errlen, "invalid --stats interval '%s'", optarg);
			o->stats_interval = (unsigned int)v;
		}
		return 0;
	case OPT_METRICS_INTERVAL:
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno || *end || end == optarg || v == 0 || v > 86400)
			return fail(err, errlen, "invalid --metrics-interval '%s' (1 to 86400 s)",
				    optarg);
		o->metrics_interval = (unsigned int)v;
		return 0;
	case OPT_CONTENT_MAX:
		if (cli_parse_size(optarg, &v) || v < TT_CONTENT_MAX_MIN ||
		    v > TT_MAX_GENAI_CONTENT)
			return fail(err, errlen, "invalid --content-max '%s' (%u to %u bytes)",
				    optarg, TT_CONTENT_MAX_MIN, TT_MAX_GENAI_CONTENT);
		o->content_max = (size_t)v;
		return 0;
	case OPT_CALL_CAP:
		if (cli_parse_size(optarg, &v) || v < 1 || v > TT_MAX_CALL_CAP)
			return fail(err, errlen, "invalid --call-cap '%s' (1 to %u bytes)", optarg,
				    TT_MAX_CALL_CAP);
		o->call_cap = (uint32_t)v;
		return 0;
	case OPT_RINGBUF:
		if (cli_parse_size(optarg, &v) || v < (1u << 20) || v > (1ull << 32) ||
		    (v & (v - 1)))
			return fail(err, errlen,
				    "invalid --ringbuf-size '%s' (a power of two, "
				    "1M to 4G)",
				    optarg);
		o->ringbuf_size = v;
		return 0;
	case OPT_MEM_BUDGET:
		if (cli_parse_size(optarg, &v) || v < (1u << 20) || v > SIZE_MAX / 2)
			return fail(err, errlen, "invalid --mem-budget '%s' (1M or more)", optarg);
		o->mem_budget = (size_t)v;
		return 0;
	case OPT_HOLD_TIMEOUT:
		errno = 0;
		v = strtoul(optarg, &end, 10);
		if (errno || *end || end == optarg || v < 10 || v > 60000)
			return fail(err, errlen, "invalid --hold-timeout '%s' (10 to 60000 ms)",
				    optarg);
		o->hold_timeout_ms = (unsigned int)v;
		return 0;
	case OPT_DURATION:
		errno = 0;
		o->duration = strtod(optarg, &end);
		if (errno || *end || o->duration <= 0)
			return fail(err, errlen, "invalid --duration '%s'", optarg);
		return 0;
	case OPT_LOG_FORMAT:
		if (strcmp(optarg, "text") && strcmp(optarg, "json"))
			return fail(err, errlen, "invalid --log-format '%s' (text or json)",
				    optarg);
		o->log_json = !strcmp(optarg, "json");
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	case 'h':
		o->mode = TT_MODE_HELP;
		return 0;
	case OPT_VERSION:
		o->mode = TT_MODE_VERSION;
		return 0;
	default:
		return fail(err, errlen, "unknown option (see --help)");
	}
}

/* The options of privileges and trust that only some modes take. */
static int check_trust(const struct tt_opts *o, char *err, size_t errlen)
{
	if (o->user && o->mode != TT_MODE_COMMAND)
		return fail(err, errlen, "-u/--user is for -- COMMAND");
	if (o->user && !*o->user)
		return fail(err, errlen, "-u/--user needs a user name or #uid");
	if (!o->otlp_cert != !o->otlp_key)
		return fail(err, errlen, "--otlp-cert and --otlp-key go together");
	if (o->n_select && o->mode != TT_MODE_ALL && o->mode != TT_MODE_REPLAY)
		return fail(err, errlen, "--select is for --all (and replay)");
	if (o->health_addr && o->mode == TT_MODE_REPLAY)
		return fail(err, errlen, "--health-addr is for live tracing");
	if (o->health_addr && !strchr(o->health_addr, ':'))
		return fail(err, errlen, "invalid --health-addr '%s' (HOST:PORT)", o->health_addr);
	return 0;
}

int cli_parse(int argc, char **argv, struct tt_opts *o, char *err, size_t errlen)
{
	int c, first = 1, ret;

	memset(o, 0, sizeof(*o));
	o->call_cap = TT_DEF_CALL_CAP;
	o->ringbuf_size = TT_DEF_RINGBUF;
	o->mem_budget = TT_MEM_BUDGET;
	o->stats_interval = 10;
	o->hold_timeout_ms = TT_DEF_HOLD_TIMEOUT_MS;
	err[0] = '\0';
	if (argc > 1 && !strcmp(argv[1], "replay")) {
		if (argc < 3 || argv[2][0] == '-')
			return fail(err, errlen, "replay needs a capture FILE");
		o->mode = TT_MODE_REPLAY;
		o->replay_file = argv[2];
		first = 3;
	}
	optind = first;
	opterr = 0;
	/* '+': stop at the first non-option, so COMMAND's own options are left alone */
	while ((c = getopt_long(argc, argv, "+p:o:u:vqh", long_opts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return fail(err, errlen, "unknown or incomplete option '%s' (see --help)",
				    argv[optind - 1]);
		ret = parse_opt(c, o, err, errlen);
		if (ret)
			return ret;
		if (o->mode == TT_MODE_HELP || o->mode == TT_MODE_VERSION)
			return 0;
	}
	if (optind < argc) {
		if (o->mode == TT_MODE_REPLAY)
			return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
		if (strcmp(argv[optind - 1], "--"))
			return fail(err, errlen, "unexpected argument '%s' (put COMMAND after --)",
				    argv[optind]);
		ret = set_mode(o, TT_MODE_COMMAND, err, errlen);
		if (ret)
			return ret;
		o->command = argv + optind;
	}
	if (o->mode == TT_MODE_NONE)
		return fail(err, errlen, "nothing to trace: give -- COMMAND, -p PID or --all");
	if (o->output && o->raw && !o->raw_file && !strcmp(o->output, "-"))
		return fail(err, errlen, "-o - and --raw both want stdout: give --raw=FILE");
	return check_trust(o, err, errlen);
}
