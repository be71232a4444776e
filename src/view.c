// SPDX-License-Identifier: MIT
/*
 * view.c: the waterfall page. Spans come in as OTLP JSON Lines (a file for `view`, the
 * exporter's own lines for --html), are kept compact and capped (view_read.c), and go out as
 * one HTML file: the template (src/view/page.html, built into view_page.gen.h) with the spans
 * as JSON data in a <script type="application/json"> element the page's script parses and
 * draws with textContent only.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstr.h"
#include "log.h"
#include "outfile.h"
#include "tt_limits.h"
#include "view.h"
#include "view_internal.h"
#include "view_page.gen.h" /* view_page_html[]: the template, NUL-terminated */

#define VIEW_DATA_MARK "@TT_DATA@"

struct view *view__new(const struct view_opts *o)
{
	struct view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (o)
		v->o = *o;
	if (!v->o.max_spans || v->o.max_spans > TT_MAX_VIEW_SPANS)
		v->o.max_spans = TT_MAX_VIEW_SPANS;
	if (!v->o.max_data || v->o.max_data > TT_MAX_VIEW_DATA)
		v->o.max_data = TT_MAX_VIEW_DATA;
	tt_buf_init(&v->data, v->o.max_data);
	tt_buf_init(&v->res, v->o.max_data);
	tt_buf_init(&v->tmp, v->o.max_data);
	return v;
}

void view__free(struct view *v)
{
	if (!v)
		return;
	free(v->spans);
	tt_buf_free(&v->data);
	tt_buf_free(&v->res);
	tt_buf_free(&v->tmp);
	free(v);
}

void view__stats(const struct view *v, struct view_stats *st)
{
	*st = v->st;
}

int view__add_line(struct view *v, const char *line, size_t len)
{
	size_t i;

	v->st.lines++;
	if (len > TT_MAX_VIEW_LINE)
		return -E2BIG;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
			break;
	if (i == len)
		return 0;
	return view_read_line(v, line, len);
}

/* The earliest start: the page's times are nanoseconds after it (exact in a JS number). */
static uint64_t view_base(const struct view *v)
{
	uint64_t base = 0;
	size_t i;

	for (i = 0; i < v->st.spans; i++)
		if (v->spans[i].start_ns && (!base || v->spans[i].start_ns < base))
			base = v->spans[i].start_ns;
	return base;
}

static int write_data(struct view *v, FILE *f, const char *title)
{
	uint64_t base = view_base(v);
	struct tt_buf t;
	size_t i;
	int err;

	tt_buf_init(&t, 4096);
	err = view_escape(&t, title ? title : "", title ? strlen(title) : 0);
	fprintf(f, "{\"title\":\"%.*s\",\"base_ms\":%.3f,\"spans_kept\":%llu,\"dropped\":%llu,",
		err ? 0 : (int)t.len, (const char *)t.data, (double)base / 1e6,
		(unsigned long long)v->st.spans, (unsigned long long)v->st.dropped);
	tt_buf_free(&t);
	fprintf(f, "\"max_spans\":%zu,\"bad_lines\":%llu,\"res\":[", v->o.max_spans,
		(unsigned long long)v->st.bad_lines);
	if (v->res.len) /* no data yet: NULL */
		fwrite(v->res.data, 1, v->res.len, f);
	fputs("],\"spans\":[", f);
	for (i = 0; i < v->st.spans; i++) {
		const struct view_span *s = &v->spans[i];
		uint64_t b = s->start_ns > base ? s->start_ns - base : 0;

		fprintf(f, "%s\n{\"b\":%llu,\"d\":%llu,", i ? "," : "", (unsigned long long)b,
			(unsigned long long)(s->end_ns - s->start_ns));
		fwrite(v->data.data + s->off, 1, s->len, f);
	}
	fputs("]}", f);
	return 0;
}

int view__write(struct view *v, FILE *f, const char *title)
{
	const char *mark = strstr(view_page_html, VIEW_DATA_MARK);

	if (!mark)
		return -EINVAL; /* the build put the template in: never */
	fwrite(view_page_html, 1, (size_t)(mark - view_page_html), f);
	write_data(v, f, title);
	fputs(mark + strlen(VIEW_DATA_MARK), f);
	return ferror(f) || fflush(f) ? -EIO : 0;
}

/* ---- `tracetree-bpf view` ------------------------------------------------------------- */

static void view_usage(FILE *f)
{
	fprintf(f,
		"Usage: tracetree-bpf view TRACE.jsonl [-o FILE.html]\n"
		"\n"
		"Writes the spans of an OTLP JSON Lines file (tracetree-bpf -o, or any tracer's\n"
		"TracesData lines) as one self-contained HTML page: a waterfall per trace, nested by\n"
		"parent, coloured by kind (agent, LLM, tool, process, HTTP, MCP), errors and findings\n"
		"marked, details and search. It needs no root and no network; the page opens from\n"
		"disk and loads nothing.\n"
		"\n"
		"  -o, --output FILE   the page (default: TRACE.html beside TRACE.jsonl; '-' = stdout,\n"
		"                      the default when TRACE is '-', standard input)\n"
		"  -h, --help          this text\n"
		"\n"
		"Caps: a file over %u MiB or a line over %u MiB is an error; a page keeps at most %u\n"
		"spans and %u MiB of span data, and says how many it left out.\n",
		TT_MAX_VIEW_FILE >> 20, TT_MAX_VIEW_LINE >> 20, TT_MAX_VIEW_SPANS,
		TT_MAX_VIEW_DATA >> 20);
}

/* The whole file, at most TT_MAX_VIEW_FILE bytes: 0, -E2BIG, -ENOMEM or -errno. */
static int read_all(FILE *f, struct tt_buf *b)
{
	char chunk[65536];
	size_t n;
	int err;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		err = tt_buf_add(b, chunk, n);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}

/* Reads every line of b into v: 0, or 1 after the message. */
static int view_lines(struct view *v, const char *in, const struct tt_buf *b)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	unsigned long lineno = 0, first_bad = 0;
	struct view_stats st;
	int err;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		err = view__add_line(v, p, len);
		if (err == -E2BIG) {
			tt_msg("view: %s: line %lu is longer than %u MiB (the cap of a line)", in,
			       lineno, TT_MAX_VIEW_LINE >> 20);
			return 1;
		}
		if (err == -EBADMSG && !first_bad)
			first_bad = lineno;
		else if (err && err != -EBADMSG) {
			tt_msg("view: %s: %s", in, strerror(-err));
			return 1;
		}
		p += len + 1;
	}
	view__stats(v, &st);
	if (st.bad_lines)
		tt_msg("view: %s: %llu lines are not OTLP JSON (the first: line %lu): skipped", in,
		       (unsigned long long)st.bad_lines, first_bad);
	if (st.bad_lines && !st.spans)
		return 1;
	if (st.dropped)
		tt_msg("view: %s: %llu spans over the page's caps (%u spans, %u MiB) left out", in,
		       (unsigned long long)st.dropped, TT_MAX_VIEW_SPANS, TT_MAX_VIEW_DATA >> 20);
	return 0;
}

/* TRACE.jsonl -> TRACE.html; any other name gets .html appended. NULL on -ENOMEM. */
static char *view_default_out(const char *in)
{
	size_t n = strlen(in);
	char *out = malloc(n + 6);

	if (!out)
		return NULL;
	memcpy(out, in, n + 1);
	if (n > 6 && !strcmp(in + n - 6, ".jsonl"))
		out[n - 6] = '\0';
	else if (n > 5 && !strcmp(in + n - 5, ".json"))
		out[n - 5] = '\0';
	strcat(out, ".html");
	return out;
}

static int view_input(struct view *v, const char *in)
{
	struct tt_buf b;
	FILE *f = strcmp(in, "-") ? fopen(in, "re") : stdin;
	int err, ret;

	if (!f) {
		tt_msg("view: cannot read %s: %s", in, strerror(errno));
		return 1;
	}
	tt_buf_init(&b, TT_MAX_VIEW_FILE);
	err = read_all(f, &b);
	if (f != stdin)
		fclose(f);
	if (err == -E2BIG)
		tt_msg("view: %s is larger than %u MiB (the cap of a file)", in,
		       TT_MAX_VIEW_FILE >> 20);
	else if (err)
		tt_msg("view: cannot read %s: %s", in, strerror(-err));
	ret = err ? 1 : view_lines(v, in, &b);
	tt_buf_free(&b);
	return ret;
}

static int view_output(struct view *v, const char *in, const char *out)
{
	const char *title;
	char *def = NULL;
	FILE *f;
	int err;

	if (!out)
		out = strcmp(in, "-") ? (def = view_default_out(in)) : "-";
	if (!out) {
		tt_msg("view: out of memory");
		return 1;
	}
	f = strcmp(out, "-") ? outfile_fopen(out) : stdout;
	if (!f) {
		tt_msg("view: cannot write %s: %s", out, strerror(errno));
		free(def);
		return 1;
	}
	title = strrchr(in, '/');
	err = view__write(v, f, title ? title + 1 : in);
	if (f != stdout && fclose(f))
		err = err ?: -EIO;
	if (err)
		tt_msg("view: writing %s failed", out);
	else if (f != stdout)
		tt_info("view: %s written", out);
	free(def);
	return err ? 1 : 0;
}

int view_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL;
	struct view *v;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		if (c == 'o') {
			out = optarg;
		} else if (c == 'h') {
			view_usage(stdout);
			return 0;
		} else {
			view_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		tt_msg("view: one TRACE.jsonl file is needed (see tracetree-bpf view --help)");
		return 2;
	}
	v = view__new(NULL);
	if (!v) {
		tt_msg("view: out of memory");
		return 1;
	}
	ret = view_input(v, argv[optind]) ?: view_output(v, argv[optind], out);
	view__free(v);
	return ret;
}
