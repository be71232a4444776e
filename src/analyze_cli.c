// SPDX-License-Identifier: MIT
/* analyze_cli.c: `tracetree-bpf analyze`: findings, per-run tables, a baseline comparison. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "analyze_cli.h"
#include "analyze_internal.h"
#include "hex.h"
#include "trace_model.h"

#define ROWS_MAX 256 /* rows of a run's tool or token table; the rest are counted */

static const char usage[] =
	"usage: tracetree-bpf analyze TRACE.jsonl [--format text|json] [--baseline B.jsonl]\n"
	"       [--runaway-repeats N] [--runaway-stale N] [--latency-share PCT]\n"
	"       [--latency-ratio X] [--latency-min-ms MS] [--retry-errors N]\n"
	"Reads OTLP JSON Lines (ours or any tracer's following the GenAI conventions) and prints\n"
	"the findings of every trace. text (default): findings per trace and per run the tool\n"
	"selection table (offered vs called), tokens per model and the critical path. json: one\n"
	"line per finding {\"kind\",\"trace_id\",\"span_id\",\"summary\",\"evidence\"}, and with\n"
	"--baseline one line per difference {\"baseline\",\"a\",\"b\"} (no \"kind\").\n"
	"--baseline B.jsonl compares TRACE (a) with B (another run of the same task): tool\n"
	"sequence, tokens per model, durations.\n"
	"Thresholds (defaults): --runaway-repeats 5 (same tool, same arguments, one run),\n"
	"--runaway-stale 6 (tool calls in a row whose result the run got from that tool before),\n"
	"--latency-share 50 and --latency-ratio 3 and --latency-min-ms 1000 (one tool/process/\n"
	"HTTP span's share of its run, times its siblings' longest, least duration),\n"
	"--retry-errors 3 (LLM errors 429/5xx/overloaded in one run).\n"
	"Exit: 0 no finding, 1 findings, 2 usage or read error.\n";

struct row {
	const char *name;
	bool offered;
	size_t called;
	int64_t in, out;
	uint64_t ns;
};

struct table {
	struct row v[ROWS_MAX];
	size_t n;
	size_t more; /* names past ROWS_MAX */
};

static struct row *table_row(struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	if (t->n == ROWS_MAX) {
		t->more++;
		return NULL;
	}
	memset(&t->v[t->n], 0, sizeof(t->v[0]));
	t->v[t->n].name = name;
	return &t->v[t->n++];
}

static int64_t int_attr(const struct tt_span *s, const char *key)
{
	const struct attr *a = attrs_get(&s->attrs, key);

	return a && a->type == ATTR_INT ? a->i : 0;
}

static const char *tool_name(const struct tt_span *s)
{
	return attrs_get_str(&s->attrs, "gen_ai.tool.name") ?: s->name;
}

static const char *model_name(const struct tt_span *s)
{
	return attrs_get_str(&s->attrs, "gen_ai.response.model")	?:
		       attrs_get_str(&s->attrs, "gen_ai.request.model") ?:
									  "(unknown model)";
}

static void offered(const char *name, void *ctx)
{
	struct row *r = table_row(ctx, name);

	if (r)
		r->offered = true;
}

static void print_dur(FILE *f, uint64_t ns)
{
	if (ns >= 1000000000ull)
		fprintf(f, "%.1f s", ns / 1e9);
	else if (ns >= 1000000ull)
		fprintf(f, "%" PRIu64 " ms", (uint64_t)(ns / 1000000));
	else
		fprintf(f, "%" PRIu64 " µs", (uint64_t)(ns / 1000));
}

/*
 * The run's critical path: its children that determine when it ends, walking back from the
 * child that ends last to the one that ended latest before that one started, and so on
 * (spans running beside them waited on nothing). Printed in time order, at most PATH_MAX.
 */
#define PATH_MAX_STEPS 32

static void print_critical_path(FILE *f, const struct index *x, size_t r)
{
	size_t c, best, path[PATH_MAX_STEPS], n = 0;
	uint64_t limit = UINT64_MAX;

	while (n < PATH_MAX_STEPS) {
		best = ANALYZE_NONE;
		for (c = x->first[r]; c != ANALYZE_NONE; c = x->next[c])
			if (x->v[c].s->end_ns <= limit &&
			    (best == ANALYZE_NONE || x->v[c].s->end_ns > x->v[best].s->end_ns))
				best = c;
		if (best == ANALYZE_NONE)
			break;
		path[n++] = best;
		if (!x->v[best].s->start_ns || x->v[best].s->start_ns >= limit)
			break; /* a child starting at 0 or no earlier: the walk cannot go on */
		limit = x->v[best].s->start_ns;
	}
	fprintf(f, "    critical path:");
	while (n--) {
		fprintf(f, " %s (", x->v[path[n]].s->name);
		print_dur(f, x->v[path[n]].dur);
		fprintf(f, ")%s", n ? " >" : "");
	}
	fputc('\n', f);
}

/* One run: the tool table (offered vs called) and tokens per model, from its spans. */
static void print_run(FILE *f, struct index *x, size_t r, const size_t *rfirst, const size_t *rnext)
{
	struct table *tools = calloc(1, sizeof(*tools)), *models = calloc(1, sizeof(*models));
	bool any_defs = false;
	struct node *nd;
	struct row *row;
	size_t i;
	char sid[17];

	if (!tools || !models)
		goto out;
	hex_encode(x->v[r].s->span_id, 8, sid);
	fprintf(f, "  run %s (span %s, ", x->v[r].s->name, sid);
	print_dur(f, x->v[r].dur);
	fprintf(f, ")\n");
	for (i = rfirst[r]; i != ANALYZE_NONE; i = rnext[i]) {
		nd = &x->v[i];
		if (nd->role == ROLE_TOOL && (row = table_row(tools, tool_name(nd->s))))
			row->called++;
		if (nd->role != ROLE_LLM)
			continue;
		if ((row = table_row(models, model_name(nd->s)))) {
			row->called++;
			row->in += int_attr(nd->s, "gen_ai.usage.input_tokens");
			row->out += int_attr(nd->s, "gen_ai.usage.output_tokens");
		}
		if (analyze_node_defs(nd)) {
			any_defs = true;
			analyze_tool_names(nd->defs, offered, tools);
		}
	}
	fprintf(f, "    tools (offered / called):\n");
	for (i = 0; i < tools->n; i++)
		fprintf(f, "      %-32s %-8s %zu\n", tools->v[i].name,
			!any_defs	    ? "?" :
			tools->v[i].offered ? "offered" :
					      "NOT",
			tools->v[i].called);
	if (tools->more)
		fprintf(f, "      (%zu more names)\n", tools->more);
	fprintf(f, "    tokens per model:\n");
	for (i = 0; i < models->n; i++)
		fprintf(f, "      %-32s %" PRId64 " in / %" PRId64 " out (%zu calls)\n",
			models->v[i].name, models->v[i].in, models->v[i].out, models->v[i].called);
	print_critical_path(f, x, r);
out:
	free(tools);
	free(models);
}

/* Spans by run as lists (rfirst[run], rnext[span]); a run's own span is not in its list. */
static int run_lists(const struct index *x, size_t **rfirst, size_t **rnext)
{
	size_t i, *last = malloc((x->n ? x->n : 1) * sizeof(*last));

	*rfirst = malloc((x->n ? x->n : 1) * sizeof(**rfirst));
	*rnext = malloc((x->n ? x->n : 1) * sizeof(**rnext));
	if (!last || !*rfirst || !*rnext) {
		free(last);
		return -ENOMEM;
	}
	for (i = 0; i < x->n; i++)
		(*rfirst)[i] = (*rnext)[i] = last[i] = ANALYZE_NONE;
	for (i = 0; i < x->n; i++) {
		size_t r = x->v[i].run;

		if (r == i || r >= x->n)
			continue;
		if (last[r] == ANALYZE_NONE)
			(*rfirst)[r] = i;
		else
			(*rnext)[last[r]] = i;
		last[r] = i;
	}
	free(last);
	return 0;
}

static int print_trace_text(FILE *f, struct tt_span *const *spans, size_t n,
			    const struct findings *fs, size_t from)
{
	size_t *rfirst = NULL, *rnext = NULL, i;
	struct index x;
	char tid[33], sid[17];
	int err;

	hex_encode(spans[0]->trace_id, 16, tid);
	fprintf(f, "trace %s: %zu spans, %zu findings\n", tid, n, fs->n - from);
	for (i = from; i < fs->n; i++) {
		hex_encode(fs->v[i].span->span_id, 8, sid);
		fprintf(f, "  finding %s on %s (span %s): %s\n", finding_kind_name(fs->v[i].kind),
			fs->v[i].span->name, sid, fs->v[i].summary);
	}
	err = aindex__build(&x, spans, n) ?: run_lists(&x, &rfirst, &rnext);
	/* the agents' runs, and the spans of a root no agent is under */
	for (i = 0; !err && i < x.n; i++)
		if (x.v[i].role == ROLE_AGENT ||
		    (x.v[i].parent == ANALYZE_NONE && rfirst[i] != ANALYZE_NONE))
			print_run(f, &x, i, rfirst, rnext);
	free(rfirst);
	free(rnext);
	aindex__free(&x);
	return err;
}

/* ---- baseline: two runs of one task ---- */

struct summary {
	const char *seq[ROWS_MAX]; /* tool names in order of start */
	size_t n_seq, calls;
	struct table models;
	struct table tools;
	uint64_t wall_ns; /* the roots' durations, summed */
};

static int by_start(const void *a, const void *b)
{
	const struct tt_span *x = *(struct tt_span *const *)a, *y = *(struct tt_span *const *)b;

	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

static int summarize(const struct trace_model *m, struct summary *s)
{
	struct tt_span **v = malloc((m->n ? m->n : 1) * sizeof(*v));
	const char *op;
	struct row *r;
	size_t i;

	if (!v)
		return -ENOMEM;
	memcpy(v, m->spans, m->n * sizeof(*v));
	qsort(v, m->n, sizeof(*v), by_start);
	for (i = 0; i < m->n; i++) {
		op = attrs_get_str(&v[i]->attrs, "gen_ai.operation.name");
		if (!v[i]->has_parent && v[i]->end_ns > v[i]->start_ns)
			s->wall_ns += v[i]->end_ns - v[i]->start_ns;
		if (op && !strcmp(op, "execute_tool")) {
			s->calls++;
			if (s->n_seq < ROWS_MAX)
				s->seq[s->n_seq++] = tool_name(v[i]);
			if ((r = table_row(&s->tools, tool_name(v[i])))) {
				r->called++;
				r->ns += v[i]->end_ns > v[i]->start_ns ?
						 v[i]->end_ns - v[i]->start_ns :
						 0;
			}
		} else if (op && strcmp(op, "invoke_agent") &&
			   (r = table_row(&s->models, model_name(v[i])))) {
			r->called++;
			r->in += int_attr(v[i], "gen_ai.usage.input_tokens");
			r->out += int_attr(v[i], "gen_ai.usage.output_tokens");
		}
	}
	free(v);
	return 0;
}

static const struct row *row_of(const struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

static void diff_line(FILE *f, bool json, const char *what, const char *a, const char *b)
{
	if (!json) {
		fprintf(f, "baseline: %s: %s (a) vs %s (b)\n", what, a, b);
		return;
	}
	/* names and numbers only: the texts are built below from the files' own names */
	fprintf(f, "{\"baseline\":\"%s\",\"a\":\"%s\",\"b\":\"%s\"}\n", what, a, b);
}

static void seq_text(const struct summary *s, char *out, size_t len)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < s->n_seq && k < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%s%s", i ? " " : "", s->seq[i]);
}

/* Names are written into JSON as they are: keep only a safe character set for them. */
static void safe(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			*s = '?';
}

static void compare(FILE *f, bool json, const struct summary *a, const struct summary *b)
{
	char ta[2048], tb[2048], what[160];
	const struct row *ra, *rb;
	size_t i;

	seq_text(a, ta, sizeof(ta));
	seq_text(b, tb, sizeof(tb));
	if (strcmp(ta, tb) || a->calls != b->calls) {
		safe(ta);
		safe(tb);
		diff_line(f, json, "tool_sequence", ta, tb);
	}
	for (i = 0; i < a->models.n + b->models.n; i++) {
		ra = i < a->models.n ? &a->models.v[i] : NULL;
		rb = ra ? row_of(&b->models, ra->name) : &b->models.v[i - a->models.n];
		if (!ra && (ra = row_of(&a->models, rb->name)))
			continue; /* seen from a's side */
		if (ra && rb && ra->in == rb->in && ra->out == rb->out)
			continue;
		snprintf(what, sizeof(what), "tokens %.100s", ra ? ra->name : rb->name);
		safe(what);
		snprintf(ta, sizeof(ta), "%" PRId64 " in / %" PRId64 " out", ra ? ra->in : 0,
			 ra ? ra->out : 0);
		snprintf(tb, sizeof(tb), "%" PRId64 " in / %" PRId64 " out", rb ? rb->in : 0,
			 rb ? rb->out : 0);
		diff_line(f, json, what, ta, tb);
	}
	for (i = 0; i < a->tools.n; i++) {
		ra = &a->tools.v[i];
		rb = row_of(&b->tools, ra->name);
		if (rb && ra->called == rb->called)
			continue;
		snprintf(what, sizeof(what), "calls %.100s", ra->name);
		safe(what);
		snprintf(ta, sizeof(ta), "%zu", ra->called);
		snprintf(tb, sizeof(tb), "%zu", rb ? rb->called : 0);
		diff_line(f, json, what, ta, tb);
	}
	snprintf(ta, sizeof(ta), "%.3f s", a->wall_ns / 1e9);
	snprintf(tb, sizeof(tb), "%.3f s", b->wall_ns / 1e9);
	if (a->wall_ns != b->wall_ns)
		diff_line(f, json, "duration", ta, tb);
}

static int read_model(const char *path, struct trace_model *m)
{
	char err[256];

	if (trace_model__read_file(m, path, err, sizeof(err)) || trace_model__group(m)) {
		fprintf(stderr, "analyze: %s: %s\n", path, err);
		return -1;
	}
	if (m->skipped)
		fprintf(stderr, "analyze: %s: %zu spans without valid ids skipped\n", path,
			m->skipped);
	return 0;
}

static int opt_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct analyze_opts *o, bool *json,
		      const char **baseline)
{
	static const struct option longs[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "runaway-repeats", required_argument, NULL, 'r' },
		{ "runaway-stale", required_argument, NULL, 'S' },
		{ "latency-share", required_argument, NULL, 's' },
		{ "latency-ratio", required_argument, NULL, 'x' },
		{ "latency-min-ms", required_argument, NULL, 'm' },
		{ "retry-errors", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, err = 0;

	optind = 1;
	while (!err && (c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			*json = !strcmp(optarg, "json");
			err = *json || !strcmp(optarg, "text") ? 0 : -EINVAL;
			break;
		case 'b':
			*baseline = optarg;
			break;
		case 'r':
			err = opt_uint(optarg, 1000000, &o->runaway_repeats);
			err = err ?: (o->runaway_repeats < 2 ? -EINVAL : 0);
			break;
		case 'S':
			err = opt_uint(optarg, 1000000, &o->runaway_stale);
			err = err ?: (!o->runaway_stale ? -EINVAL : 0);
			break;
		case 's':
			err = opt_uint(optarg, 100, &o->latency_share);
			break;
		case 'x':
			err = opt_uint(optarg, 1000000, &o->latency_ratio);
			break;
		case 'm':
			err = opt_uint(optarg, 86400000, &o->latency_min_ms);
			break;
		case 'e':
			err = opt_uint(optarg, 1000000, &o->retry_errors);
			err = err ?: (!o->retry_errors ? -EINVAL : 0);
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	return err ?: (optind + 1 == argc ? 0 : -EINVAL);
}

int analyze_main(int argc, char **argv)
{
	struct analyze_opts o = ANALYZE_OPTS_INIT;
	struct trace_model m = { 0 }, mb = { 0 };
	struct summary *sa = NULL, *sb = NULL;
	struct findings fs = { 0 };
	const char *baseline = NULL;
	size_t i, end, from;
	bool json = false;
	int ret = 2, r;
	char *line;

	r = parse_opts(argc, argv, &o, &json, &baseline);
	if (r > 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (r) {
		fprintf(stderr, "analyze: bad arguments (tracetree-bpf analyze --help)\n");
		return 2;
	}
	if (read_model(argv[optind], &m) || (baseline && read_model(baseline, &mb)))
		goto out;
	for (i = 0; i < m.n; i = end) {
		end = trace_model_trace_end(&m, i);
		from = fs.n;
		if (analyze_trace(m.spans + i, end - i, &o, &fs) ||
		    (!json && print_trace_text(stdout, m.spans + i, end - i, &fs, from))) {
			fprintf(stderr, "analyze: out of memory\n");
			goto out;
		}
	}
	for (i = 0; json && i < fs.n; i++) {
		line = finding_json(&fs.v[i]);
		if (line)
			printf("%s\n", line);
		free(line);
	}
	if (baseline) {
		sa = calloc(1, sizeof(*sa));
		sb = calloc(1, sizeof(*sb));
		if (!sa || !sb || summarize(&m, sa) || summarize(&mb, sb))
			goto out;
		compare(stdout, json, sa, sb);
	}
	ret = fs.n ? 1 : 0;
out:
	free(sa);
	free(sb);
	findings_free(&fs);
	trace_model__free(&m);
	trace_model__free(&mb);
	return ret;
}
