// SPDX-License-Identifier: MIT
/* cli.c: command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "limits.h"
#include "tt_abi.h"

enum {
	OPT_ALL = 0x100,
	OPT_RAW,
	OPT_RECORD,
	OPT_STATS,
	OPT_CALL_CAP,
	OPT_RINGBUF,
	OPT_DURATION,
	OPT_VERSION,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "output", required_argument, NULL, 'o' },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "stats", optional_argument, NULL, OPT_STATS },
	{ "call-cap", required_argument, NULL, OPT_CALL_CAP },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

void cli_usage(FILE *f)
{
	fprintf(f,
"Usage: tracetree-bpf [OPTIONS] -- COMMAND [ARG...]   trace COMMAND and everything it starts\n"
"       tracetree-bpf [OPTIONS] -p PID[,PID...]       trace running processes and their children\n"
"       tracetree-bpf [OPTIONS] --all                 trace every process on the host\n"
"       tracetree-bpf replay FILE [OPTIONS]           print a --record capture again, no root\n"
"\n"
"Captures the TLS plaintext (OpenSSL SSL_read/SSL_write and the _ex variants, in libssl and in\n"
"executables that export them, such as node) and the fork/exec/exit tree of the traced\n"
"processes, with uprobes and tracepoints. Live tracing needs root, BTF and uprobes.\n"
"\n"
"Output:\n"
"  --raw                  print every captured record as one JSON line: time, pid, tid, comm,\n"
"                         type, direction, connection, position, length, truncated, payload\n"
"                         (as \"text\" when it is UTF-8, else \"base64\")\n"
"  -o, --output FILE      write the output to FILE instead of stdout ('-' = stdout)\n"
"  --record FILE          also write the raw capture to FILE (read it with 'replay FILE')\n"
"  --stats[=SECS]         print capture counters to stderr every SECS (default 10) and at exit\n"
"\n"
"Capture:\n"
"  --call-cap BYTES       plaintext kept per SSL call (default 256K, max 4M); longer calls are\n"
"                         marked truncated\n"
"  --ringbuf-size BYTES   kernel ring buffer size (default 64M, a power of two >= 1M)\n"
"  --duration SECS        stop after SECS seconds\n"
"\n"
"General:\n"
"  -v, --verbose          more diagnostics on stderr (-vv: debug, libbpf included)\n"
"  -q, --quiet            only errors on stderr\n"
"  -h, --help             this help\n"
"  --version              print the version\n"
"\n"
"Lost records (ring buffer full) and truncated calls are counted and reported at exit.\n"
"SIGINT/SIGTERM flush everything and exit 0; traced programs keep running. With -- COMMAND the\n"
"exit status is COMMAND's.\n");
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
	case 'k': case 'K':
		v <<= 10; end++; break;
	case 'm': case 'M':
		if (v > (1ull << 44)) return -ERANGE;
		v <<= 20; end++; break;
	case 'g': case 'G':
		if (v > (1ull << 34)) return -ERANGE;
		v <<= 30; end++; break;
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

static int parse_opt(int c, struct tt_opts *o, char *err, size_t errlen)
{
	uint64_t v;
	char *end;

	switch (c) {
	case 'p':
		return set_mode(o, TT_MODE_PIDS, err, errlen) ?: parse_pids(optarg, o, err, errlen);
	case OPT_ALL:
		return set_mode(o, TT_MODE_ALL, err, errlen);
	case OPT_RAW:
		o->raw = true;
		return 0;
	case 'o':
		o->output = optarg;
		return 0;
	case OPT_RECORD:
		o->record = optarg;
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
				    "invalid --ringbuf-size '%s' (a power of two, 1M to 4G)", optarg);
		o->ringbuf_size = v;
		return 0;
	case OPT_DURATION:
		errno = 0;
		o->duration = strtod(optarg, &end);
		if (errno || *end || o->duration <= 0)
			return fail(err, errlen, "invalid --duration '%s'", optarg);
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	case 'q':
		o->quiet = true;
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

int cli_parse(int argc, char **argv, struct tt_opts *o, char *err, size_t errlen)
{
	int c, first = 1, ret;

	memset(o, 0, sizeof(*o));
	o->call_cap = TT_DEF_CALL_CAP;
	o->ringbuf_size = TT_DEF_RINGBUF;
	o->stats_interval = 10;
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
	while ((c = getopt_long(argc, argv, "+p:o:vqh", long_opts, NULL)) != -1) {
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
	if (!o->raw && !o->record && o->mode != TT_MODE_REPLAY)
		return fail(err, errlen, "no output chosen: use --raw and/or --record FILE");
	if (o->mode == TT_MODE_REPLAY && !o->raw)
		o->raw = true;
	return 0;
}
