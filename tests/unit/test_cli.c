// SPDX-License-Identifier: MIT
/* test_cli.c: command-line parsing. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "tt_limits.h"
#include "test.h"

static int parse(struct tt_opts *o, char *err, const char *const *args)
{
	static char *argv[32];
	static char store[32][128];
	int argc = 0;

	while (args[argc]) {
		snprintf(store[argc], sizeof(store[argc]), "%s", args[argc]);
		argv[argc] = store[argc];
		argc++;
	}
	argv[argc] = NULL;
	return cli_parse(argc, argv, o, err, 256);
}

/* Parses args, asserting that they parse. */
static bool parse_ok(struct tt_opts *o, const char *const *args, const char *name)
{
	char err[256];

	return ASSERT_OK(parse(o, err, args), name);
}

void test_cli_command_mode(void)
{
	const char *args[] = { "tt",  "--raw=raw.jsonl", "-o", "out.jsonl",  "--", "curl",
			       "-sk", "--max-time",	 "3",  "https://x/", NULL };
	struct tt_opts o;

	if (!parse_ok(&o, args, "parse"))
		return;
	ASSERT_EQ(o.mode, TT_MODE_COMMAND, "mode");
	ASSERT_TRUE(o.raw, "raw");
	ASSERT_STREQ(o.raw_file, "raw.jsonl", "raw file");
	ASSERT_STREQ(o.output, "out.jsonl", "output");
	ASSERT_EQ(o.format, TT_FORMAT_AUTO, "stdout format");
	ASSERT_FALSE(o.capture_content, "content capture off by default");
	ASSERT_STREQ(o.command[0], "curl", "argv0");
	/* COMMAND's own options are not ours */
	ASSERT_STREQ(o.command[2], "--max-time", "argv2");
	ASSERT_NULL(o.command[5], "argv terminated");
	ASSERT_EQ(o.call_cap, TT_DEF_CALL_CAP, "default call cap");
	ASSERT_EQ(o.ringbuf_size, TT_DEF_RINGBUF, "default ring");
}

void test_cli_pids_and_sizes(void)
{
	const char *args[] = {
		"tt",	      "-p", "12,34",	      "--pid", "56",	    "--record", "c.ttcap",
		"--call-cap", "1M", "--ringbuf-size", "8M",    "--stats=5", "-vv",	"--tls-db",
		"db.conf",    "-q", "--content-max",  "4K",    NULL
	};
	struct tt_opts o;

	if (!parse_ok(&o, args, "parse"))
		return;
	ASSERT_EQ(o.mode, TT_MODE_PIDS, "mode");
	ASSERT_EQ(o.n_pids, 3, "pid count");
	ASSERT_EQ(o.pids[0], 12, "pid 0");
	ASSERT_EQ(o.pids[1], 34, "pid 1");
	ASSERT_EQ(o.pids[2], 56, "pid 2");
	ASSERT_STREQ(o.record, "c.ttcap", "record");
	ASSERT_EQ(o.call_cap, 1u << 20, "call cap");
	ASSERT_EQ(o.ringbuf_size, 8u << 20, "ring");
	ASSERT_TRUE(o.stats, "stats");
	ASSERT_EQ(o.stats_interval, 5, "stats interval");
	ASSERT_EQ(o.verbose, 2, "verbose");
	ASSERT_STREQ(o.tls_db, "db.conf", "tls db");
	ASSERT_TRUE(o.quiet, "quiet");
	ASSERT_EQ(o.content_max, 4096, "content max");
}

void test_cli_metrics_interval(void)
{
	const char *dflt[] = { "tt", "--all", NULL };
	const char *set[] = { "tt", "--metrics-interval", "15", "--all", NULL };
	struct tt_opts o;

	if (parse_ok(&o, dflt, "default"))
		ASSERT_EQ(o.metrics_interval, 0, "0: the environment's or 60 s");
	if (parse_ok(&o, set, "15"))
		ASSERT_EQ(o.metrics_interval, 15, "seconds");
}

void test_cli_mem_budget(void)
{
	const char *dflt[] = { "tt", "--all", NULL };
	const char *set[] = { "tt", "--mem-budget", "1G", "--all", NULL };
	const char *min[] = { "tt", "--mem-budget", "1M", "--all", NULL };
	struct tt_opts o;

	if (parse_ok(&o, dflt, "default"))
		ASSERT_EQ(o.mem_budget, TT_MEM_BUDGET, "256M by default");
	if (parse_ok(&o, set, "1G"))
		ASSERT_EQ(o.mem_budget, 1ull << 30, "1G");
	if (parse_ok(&o, min, "1M"))
		ASSERT_EQ(o.mem_budget, 1u << 20, "1M, the least");
}

void test_cli_hold(void)
{
	const char *def[] = { "tt", "--all", NULL };
	const char *set[] = { "tt", "--hold-timeout", "60000", "--", "bun", NULL };
	const char *off[] = { "tt", "--no-hold-exec", "-p", "1", NULL };
	struct tt_opts o;

	if (parse_ok(&o, def, "default"))
		ASSERT_TRUE(!o.no_hold_exec && o.hold_timeout_ms == TT_DEF_HOLD_TIMEOUT_MS &&
				    TT_DEF_HOLD_TIMEOUT_MS == 5000,
			    "held at exec, 5 s at most, by default");
	if (parse_ok(&o, set, "--hold-timeout"))
		ASSERT_EQ(o.hold_timeout_ms, 60000, "the longest");
	if (parse_ok(&o, off, "--no-hold-exec"))
		ASSERT_TRUE(o.no_hold_exec, "off");
}

void test_cli_replay(void)
{
	const char *args[] = { "tt", "replay", "cap.ttcap", "--raw", NULL };
	const char *noarg[] = { "tt", "replay", NULL };
	struct tt_opts o;
	char err[256];

	if (!ASSERT_OK(parse(&o, err, args), "parse"))
		return;
	ASSERT_EQ(o.mode, TT_MODE_REPLAY, "mode");
	ASSERT_STREQ(o.replay_file, "cap.ttcap", "file");
	ASSERT_TRUE(o.raw, "raw");
	ASSERT_EQ(parse(&o, err, noarg), -EINVAL, "replay without file");
	ASSERT_TRUE(strstr(err, "FILE") != NULL, "message names FILE");
}

void test_cli_errors(void)
{
	static const struct {
		const char *args[8];
		const char *msg; /* substring of the error */
	} cases[] = {
		{ { "tt", NULL }, "nothing to trace" },
		{ { "tt", "--raw", NULL }, "nothing to trace" },
		{ { "tt", "--raw", "-o", "-", "--", "curl", NULL }, "both want stdout" },
		{ { "tt", "--format", "xml", "--all", NULL }, "--format" },
		{ { "tt", "--format", "", "--all", NULL }, "--format" },
		{ { "tt", "--tls-offsets", "/bin/x", "--all", NULL }, "--tls-offsets" },
		{ { "tt", "--otlp-endpoint", "localhost:4318", "--all", NULL }, "--otlp-endpoint" },
		{ { "tt", "--raw", "-p", "0", NULL }, "invalid pid" },
		{ { "tt", "--raw", "-p", "12x", NULL }, "invalid pid" },
		{ { "tt", "--raw", "-p", "1", "--all", NULL }, "choose one" },
		{ { "tt", "--raw", "--all", "--", "ls", NULL }, "choose one" },
		{ { "tt", "--raw", "curl", NULL }, "after --" },
		{ { "tt", "--raw", "--call-cap", "0", "--all", NULL }, "--call-cap" },
		{ { "tt", "--raw", "--content-max", "63", "--all", NULL }, "--content-max" },
		{ { "tt", "--raw", "--content-max", "2M", "--all", NULL }, "--content-max" },
		{ { "tt", "--raw", "--call-cap", "65M", "--all", NULL }, "--call-cap" },
		{ { "tt", "--raw", "--ringbuf-size", "3M", "--all", NULL }, "power of two" },
		{ { "tt", "--raw", "--mem-budget", "512K", "--all", NULL }, "--mem-budget" },
		{ { "tt", "--raw", "--mem-budget", "lots", "--all", NULL }, "--mem-budget" },
		{ { "tt", "--raw", "--bogus", "--all", NULL }, "unknown" },
		{ { "tt", "--raw", "--stats=0", "--all", NULL }, "--stats" },
		{ { "tt", "--raw", "--duration", "-1", "--all", NULL }, "--duration" },
		{ { "tt", "--hold-timeout", "9", "--all", NULL }, "--hold-timeout" },
		{ { "tt", "--hold-timeout", "60001", "--all", NULL }, "--hold-timeout" },
		{ { "tt", "--hold-timeout", "1s", "--all", NULL }, "--hold-timeout" },
		{ { "tt", "--hold-timeout", "", "--all", NULL }, "--hold-timeout" },
		{ { "tt", "--metrics-interval", "0", "--all", NULL }, "--metrics-interval" },
		{ { "tt", "--metrics-interval", "5s", "--all", NULL }, "--metrics-interval" },
		{ { "tt", "--metrics-interval", "86401", "--all", NULL }, "--metrics-interval" },
	};
	struct tt_opts o;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(parse(&o, err, cases[i].args), -EINVAL, cases[i].msg);
		ASSERT_TRUE(strstr(err, cases[i].msg) != NULL, cases[i].msg);
	}
}

void test_cli_export_options(void)
{
	const char *args[] = { "tt",
			       "--format",
			       "tree",
			       "--otlp-endpoint",
			       "http://127.0.0.1:4318/v1/traces",
			       "--capture-content",
			       "--semconv-legacy",
			       "--all",
			       NULL };
	struct tt_opts o;

	if (!parse_ok(&o, args, "parse"))
		return;
	ASSERT_EQ(o.format, TT_FORMAT_TREE, "format");
	ASSERT_STREQ(o.otlp_endpoint, "http://127.0.0.1:4318/v1/traces", "endpoint");
	ASSERT_TRUE(o.capture_content, "capture content");
	ASSERT_TRUE(o.legacy_semconv, "legacy");
	ASSERT_FALSE(o.raw, "no raw");
}

void test_cli_formats(void)
{
	static const struct {
		const char *name;
		enum tt_format format;
	} cases[] = {
		{ "tree", TT_FORMAT_TREE },	      { "otlp-json", TT_FORMAT_OTLP_JSON },
		{ "exchanges", TT_FORMAT_EXCHANGES }, { "calls", TT_FORMAT_CALLS },
		{ "none", TT_FORMAT_NONE },
	};
	const char *args[] = { "tt", "replay", "x.ttcap", "--format", NULL, NULL };
	struct tt_opts o;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		args[4] = cases[i].name;
		if (parse_ok(&o, args, cases[i].name))
			ASSERT_EQ(o.format, cases[i].format, cases[i].name);
	}
}

void test_cli_help_version(void)
{
	const char *h[] = { "tt", "--help", NULL };
	const char *v[] = { "tt", "--version", NULL };
	struct tt_opts o;

	if (parse_ok(&o, h, "help"))
		ASSERT_EQ(o.mode, TT_MODE_HELP, "help mode");
	if (parse_ok(&o, v, "version"))
		ASSERT_EQ(o.mode, TT_MODE_VERSION, "version mode");
}

void test_cli_parse_size(void)
{
	uint64_t v = 0;

	ASSERT_OK(cli_parse_size("4096", &v), "plain");
	ASSERT_EQ(v, 4096, "plain value");
	ASSERT_OK(cli_parse_size("256K", &v), "K");
	ASSERT_EQ(v, 256 * 1024, "K value");
	ASSERT_OK(cli_parse_size("2MiB", &v), "MiB");
	ASSERT_EQ(v, 2u << 20, "MiB value");
	ASSERT_OK(cli_parse_size("1g", &v), "g");
	ASSERT_EQ(v, 1ull << 30, "g value");
	ASSERT_EQ(cli_parse_size("", &v), -EINVAL, "empty");
	ASSERT_EQ(cli_parse_size("-1", &v), -EINVAL, "negative");
	ASSERT_EQ(cli_parse_size("12Q", &v), -EINVAL, "bad suffix");
	ASSERT_EQ(cli_parse_size("99999999999999999999", &v), -EINVAL, "overflow");
}

void test_cli_privileges(void)
{
	const char *cmd[] = { "tt", "-u", "nobody", "--", "id", "-u", NULL };
	const char *num[] = { "tt", "--user", "#1000", "--", "id", NULL };
	const char *all[] = { "tt",	     "--all", "--trust-traceparent", "--otlp-ca", "ca.pem",
			      "--otlp-cert", "c.pem", "--otlp-key",	     "k.pem",	  NULL };
	const char *u_all[] = { "tt", "-u", "nobody", "--all", NULL };
	const char *u_empty[] = { "tt", "-u", "", "--", "id", NULL };
	const char *cert_only[] = { "tt", "--all", "--otlp-cert", "c.pem", NULL };
	const char *key_only[] = { "tt", "--all", "--otlp-key", "k.pem", NULL };
	struct tt_opts o;
	char err[256];

	if (parse_ok(&o, cmd, "-u")) {
		ASSERT_STREQ(o.user, "nobody", "user");
		ASSERT_STREQ(o.command[0], "id", "COMMAND");
		ASSERT_STREQ(o.command[1], "-u", "COMMAND's own -u");
		ASSERT_FALSE(o.trust_traceparent, "traceparent not trusted by default");
		ASSERT_NULL(o.otlp_ca, "no CA by default");
	}
	if (parse_ok(&o, num, "--user #uid"))
		ASSERT_STREQ(o.user, "#1000", "user");
	if (parse_ok(&o, all, "--all with trust and mTLS")) {
		ASSERT_NULL(o.user, "no user");
		ASSERT_TRUE(o.trust_traceparent, "--trust-traceparent");
		ASSERT_STREQ(o.otlp_ca, "ca.pem", "--otlp-ca");
		ASSERT_STREQ(o.otlp_cert, "c.pem", "--otlp-cert");
		ASSERT_STREQ(o.otlp_key, "k.pem", "--otlp-key");
	}
	ASSERT_EQ(parse(&o, err, u_all), -EINVAL, "-u without COMMAND");
	ASSERT_STREQ(err, "-u/--user is for -- COMMAND", "message");
	ASSERT_EQ(parse(&o, err, u_empty), -EINVAL, "-u ''");
	ASSERT_EQ(parse(&o, err, cert_only), -EINVAL, "a certificate without its key");
	ASSERT_STREQ(err, "--otlp-cert and --otlp-key go together", "message");
	ASSERT_EQ(parse(&o, err, key_only), -EINVAL, "a key without its certificate");
}

void test_cli_operability(void)
{
	const char *ok[] = { "tt",   "--all", "--health-addr", "0.0.0.0:9464", "--log-format",
			     "json", NULL };
	const char *text[] = { "tt", "--all", "--log-format", "text", NULL };
	const char *bad_fmt[] = { "tt", "--all", "--log-format", "xml", NULL };
	const char *bad_addr[] = { "tt", "--all", "--health-addr", "9464", NULL };
	const char *replay[] = { "tt", "replay", "x.ttcap", "--health-addr", ":9464", NULL };
	struct tt_opts o;
	char err[256];

	if (parse_ok(&o, ok, "ok")) {
		ASSERT_STREQ(o.health_addr, "0.0.0.0:9464", "addr");
		ASSERT_TRUE(o.log_json, "json");
	}
	if (parse_ok(&o, text, "text")) {
		ASSERT_FALSE(o.log_json, "text");
		ASSERT_NULL(o.health_addr, "off by default");
	}
	ASSERT_EQ(parse(&o, err, bad_fmt), -EINVAL, "bad format");
	ASSERT_STREQ(err, "invalid --log-format 'xml' (text or json)", "format message");
	ASSERT_EQ(parse(&o, err, bad_addr), -EINVAL, "bad addr");
	ASSERT_STREQ(err, "invalid --health-addr '9464' (HOST:PORT)", "addr message");
	ASSERT_EQ(parse(&o, err, replay), -EINVAL, "replay");
	ASSERT_STREQ(err, "--health-addr is for live tracing", "replay message");
}

void test_cli_html(void)
{
	const char *args[] = { "tt", "--html", "run.html", "--", "true", NULL };
	const char *replay[] = { "tt", "replay", "c.ttcap", "--html", "r.html", NULL };
	struct tt_opts o;

	if (parse_ok(&o, args, "live"))
		ASSERT_STREQ(o.html, "run.html", "--html");
	if (parse_ok(&o, replay, "replay"))
		ASSERT_STREQ(o.html, "r.html", "--html on replay");
}

void test_cli_select(void)
{
	const char *all[] = { "tt",	    "--all",	"--select",
			      "exe=*/node", "--select", "namespace=agents",
			      NULL };
	const char *replay[] = { "tt", "replay", "c.ttcap", "--select", "container=app", NULL };
	const char *pid[] = { "tt", "-p", "1", "--select", "exe=x", NULL };
	const char *bad[] = { "tt", "--all", "--select", "ns=agents", NULL };
	struct tt_opts o;
	char err[256];

	if (parse_ok(&o, all, "--all --select twice")) {
		ASSERT_EQ(o.n_select, 2, "two");
		ASSERT_STREQ(o.select[0], "exe=*/node", "first");
		ASSERT_STREQ(o.select[1], "namespace=agents", "second");
	}
	if (parse_ok(&o, replay, "replay --select"))
		ASSERT_EQ(o.n_select, 1, "one");
	ASSERT_EQ(parse(&o, err, pid), -EINVAL, "-p --select");
	ASSERT_STREQ(err, "--select is for --all (and replay)", "message");
	ASSERT_EQ(parse(&o, err, bad), -EINVAL, "unknown kind");
	ASSERT_STREQ(err,
		     "invalid --select 'ns=agents': unknown kind 'ns' (namespace, container, exe, "
		     "pod-label)",
		     "message");
}
