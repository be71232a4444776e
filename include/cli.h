/* SPDX-License-Identifier: MIT */
/* cli.h: command-line parsing into struct tt_opts (no side effects, unit-tested). */
#ifndef TT_CLI_H
#define TT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "select.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TT_MAX_PIDS 64

enum tt_format {
	TT_FORMAT_AUTO = 0, /* tree on a terminal, else OTLP JSON Lines */
	TT_FORMAT_TREE,
	TT_FORMAT_OTLP_JSON,
	TT_FORMAT_EXCHANGES, /* one JSON line per HTTP exchange */
	TT_FORMAT_CALLS,     /* one JSON line per decoded LLM call */
	TT_FORMAT_NONE,	     /* stdout carries nothing */
};

enum tt_mode {
	TT_MODE_NONE = 0,
	TT_MODE_COMMAND, /* -- COMMAND [ARG...] */
	TT_MODE_PIDS,	 /* -p PID[,PID...] */
	TT_MODE_ALL,	 /* --all */
	TT_MODE_REPLAY,	 /* replay FILE */
	TT_MODE_HELP,
	TT_MODE_VERSION,
};

struct tt_opts {
	enum tt_mode mode;
	char **command; /* argv of COMMAND, NULL-terminated (points into argv) */
	int n_pids;
	int pids[TT_MAX_PIDS];
	const char *replay_file;
	bool raw;			      /* --raw[=FILE]: every record as JSON Lines */
	const char *raw_file;		      /* its FILE, NULL = stdout */
	const char *output;		      /* -o FILE: OTLP JSON Lines, "-" = stdout */
	const char *html;		      /* --html FILE: the waterfall page, at exit */
	const char *metrics_output;	      /* --metrics-output FILE: OTLP metrics lines */
	unsigned int metrics_interval;	      /* --metrics-interval SECS (0: the default) */
	enum tt_format format;		      /* what stdout shows when nothing else uses it */
	const char *otlp_endpoint;	      /* --otlp-endpoint URL */
	bool capture_content;		      /* --capture-content */
	size_t content_max;		      /* --content-max BYTES (0: the default) */
	bool legacy_semconv;		      /* --semconv-legacy */
	const char *record;		      /* --record FILE */
	const char *tls_offsets[TT_MAX_PIDS]; /* --tls-offsets FILE:func=0xOFF,... */
	int n_tls_offsets;
	const char *tls_db;	      /* --tls-db FILE: fingerprints and signatures */
	bool stats;		      /* --stats: counters on stderr, periodically and at exit */
	unsigned int stats_interval;  /* seconds between --stats lines */
	uint32_t call_cap;	      /* --call-cap BYTES */
	uint64_t ringbuf_size;	      /* --ringbuf-size BYTES */
	size_t mem_budget;	      /* --mem-budget SIZE: the connection table's bytes */
	int verbose;		      /* -v count */
	bool quiet;		      /* -q */
	double duration;	      /* --duration SECS (0 = until stopped) */
	bool no_hold_exec;	      /* --no-hold-exec: never stop a process at exec */
	unsigned int hold_timeout_ms; /* --hold-timeout MS: the longest stop at exec */
	/* privileges and trust */
	const char *user;	/* -u USER: COMMAND runs as USER (name or #uid) */
	bool trust_traceparent; /* --all: adopt traceparent headers (as -- COMMAND and -p do) */
	const char *
		select[SELECT_MAX_EXPRS]; /* --select EXPR (--all, replay), checked by select_check */
	int n_select;
	const char *otlp_ca;   /* --otlp-ca FILE: CA bundle for the collector */
	const char *otlp_cert; /* --otlp-cert FILE: client certificate (mTLS) */
	const char *otlp_key;  /* --otlp-key FILE: its key */
	/* operability */
	const char *health_addr; /* --health-addr HOST:PORT: /healthz and /metrics */
	bool log_json;		 /* --log-format json */
};

/*
 * Parses argv into o (defaults applied first). Returns 0, or -EINVAL with a one-line message
 * (no newline) in err[0..errlen). Does not print, exit or touch the system.
 */
int cli_parse(int argc, char **argv, struct tt_opts *o, char *err, size_t errlen);
/* Parses "256K", "4M", "1G", "1048576" into bytes; -EINVAL / -ERANGE. */
int cli_parse_size(const char *s, uint64_t *out);
void cli_usage(FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* TT_CLI_H */
