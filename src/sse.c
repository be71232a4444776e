// SPDX-License-Identifier: MIT
/* sse.c: incremental splitter of text/event-stream and NDJSON bodies into events. */
#include <errno.h>
#include <string.h>

#include "tt_limits.h"
#include "sse.h"

static const unsigned char utf8_bom[3] = { 0xef, 0xbb, 0xbf };

void sse_parser__init(struct sse_parser *p, enum sse_mode mode, size_t max_event)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->max_event = max_event ? max_event : TT_MAX_SSE_EVENT;
	tt_buf_init(&p->line, p->max_event);
	tt_buf_init(&p->data, p->max_event + 1);
	tt_buf_init(&p->event, p->max_event);
	tt_buf_init(&p->id, p->max_event);
	p->retry = -1;
}

void sse_parser__free(struct sse_parser *p)
{
	if (!p)
		return;
	tt_buf_free(&p->line);
	tt_buf_free(&p->data);
	tt_buf_free(&p->event);
	tt_buf_free(&p->id);
}

static void event_reset(struct sse_parser *p)
{
	tt_buf_reset(&p->data);
	tt_buf_reset(&p->event);
	tt_buf_reset(&p->id);
	p->data_view = p->event_view = NULL;
	p->has_event = p->has_id = false;
	p->retry = -1;
}

static int deliver(struct sse_parser *p, sse_event_fn fn, void *ctx)
{
	struct sse_event ev = { .retry = p->retry };
	int err;

	if (p->data_view) {
		ev.data = p->data_view;
		ev.data_len = p->data_view_len;
	} else {
		ev.data = (const char *)p->data.data;
		ev.data_len = p->data.len;
		if (!ev.data)
			ev.data = "";
	}
	if (p->has_event && p->event_view) {
		ev.event = p->event_view;
		ev.event_len = p->event_view_len;
	} else if (p->has_event) {
		ev.event = p->event.data ? (const char *)p->event.data : "";
		ev.event_len = p->event.len;
	}
	if (p->has_id) {
		ev.id = p->id.data ? (const char *)p->id.data : "";
		ev.id_len = p->id.len;
	}
	p->n_events++;
	err = fn ? fn(&ev, ctx) : 0;
	event_reset(p);
	return err < 0 ? err : 0;
}

/* Empty line: dispatch the event built so far (an event without data is not dispatched). */
static int sse_dispatch(struct sse_parser *p, sse_event_fn fn, void *ctx)
{
	if (p->skip_event || (!p->data.len && !p->data_view)) {
		p->skip_event = false;
		event_reset(p);
		return 0;
	}
	if (!p->data_view)
		p->data.len--; /* the '\n' after the last data line */
	return deliver(p, fn, ctx);
}

/* An oversized line or event: an SSE event is dropped whole, an NDJSON line alone. */
static void oversize(struct sse_parser *p)
{
	p->n_oversize++;
	if (p->mode == SSE_MODE_SSE)
		p->skip_event = true;
	event_reset(p);
}

static int set_field(struct tt_buf *b, const char *v, size_t n)
{
	tt_buf_reset(b);
	return tt_buf_add(b, v, n);
}

/* A data line kept as a view goes to the data buffer (another line follows, or the feed ends). */
static int data_copy(struct sse_parser *p)
{
	const char *v = p->data_view;

	if (!v)
		return 0;
	p->data_view = NULL;
	return tt_buf_add(&p->data, v, p->data_view_len) ?: tt_buf_addc(&p->data, '\n');
}

/* The views of the event being built point into the caller's buffer: copy them. */
static void keep_views(struct sse_parser *p)
{
	const char *ev = p->event_view;

	p->event_view = NULL;
	if ((ev && set_field(&p->event, ev, p->event_view_len)) || data_copy(p))
		oversize(p);
}

/*
 * One line of an SSE stream. stable: s stays valid until the feed call returns (it is in the
 * fed buffer, not in the partial-line buffer), so the event's first data line and its name
 * can be kept as views: most events are one "data:" line, delivered without a copy.
 */
static int sse_line(struct sse_parser *p, const char *s, size_t n, bool stable, sse_event_fn fn,
		    void *ctx)
{
	const char *colon, *v;
	size_t nl, vl;
	long retry = 0;
	size_t i;

	if (!n)
		return sse_dispatch(p, fn, ctx);
	if (p->skip_event || s[0] == ':')
		return 0;
	/* most lines are "data:" or "event:": their colon is known without a search */
	if (n > 4 && s[4] == ':' && !memcmp(s, "data", 4))
		colon = s + 4;
	else if (n > 5 && s[5] == ':' && !memcmp(s, "event", 5))
		colon = s + 5;
	else
		colon = memchr(s, ':', n);
	nl = colon ? (size_t)(colon - s) : n;
	v = colon ? colon + 1 : s + n;
	vl = n - (size_t)(v - s);
	if (vl && v[0] == ' ') {
		v++;
		vl--;
	}
	if (nl == 4 && !memcmp(s, "data", 4)) {
		if (stable && !p->data_view && !p->data.len) {
			p->data_view = v;
			p->data_view_len = vl;
		} else if (data_copy(p) || tt_buf_add(&p->data, v, vl) ||
			   tt_buf_addc(&p->data, '\n')) {
			oversize(p);
		}
	} else if (nl == 5 && !memcmp(s, "event", 5)) {
		p->event_view = stable ? v : NULL;
		p->event_view_len = vl;
		if (stable)
			tt_buf_reset(&p->event);
		else if (set_field(&p->event, v, vl))
			oversize(p);
		p->has_event = true;
	} else if (nl == 2 && !memcmp(s, "id", 2) && !memchr(v, '\0', vl)) {
		if (set_field(&p->id, v, vl))
			oversize(p);
		p->has_id = true;
	} else if (nl == 5 && !memcmp(s, "retry", 5) && vl && vl < 10) {
		for (i = 0; i < vl && v[i] >= '0' && v[i] <= '9'; i++)
			retry = retry * 10 + (v[i] - '0');
		if (i == vl)
			p->retry = retry;
	}
	return 0;
}

/* s stays valid during the callback wherever it is: the line is delivered as a view. */
static int ndjson_line(struct sse_parser *p, const char *s, size_t n, sse_event_fn fn, void *ctx)
{
	size_t i;

	if (p->skip_event) {
		p->skip_event = false;
		return 0;
	}
	for (i = 0; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n)
		return 0;
	event_reset(p);
	p->data_view = s;
	p->data_view_len = n;
	return deliver(p, fn, ctx);
}

static int handle_line(struct sse_parser *p, const char *s, size_t n, bool stable, sse_event_fn fn,
		       void *ctx)
{
	if (n > p->max_event) {
		oversize(p);
		return 0;
	}
	return p->mode == SSE_MODE_NDJSON ? ndjson_line(p, s, n, fn, ctx) :
					    sse_line(p, s, n, stable, fn, ctx);
}

/* The first c in [s, end), or end. */
static const unsigned char *find_byte(const unsigned char *s, const unsigned char *end, int c)
{
	const unsigned char *r = memchr(s, c, (size_t)(end - s));

	return r ? r : end;
}

/*
 * End of the line at s (a CR or LF), or end. The next LF and the next CR are looked up with
 * memchr and remembered across lines (*lf, *cr: NULL = not looked up yet), so each byte of the
 * buffer is scanned once per kind whatever the line lengths; byte-by-byte scanning was most of
 * the parser's time.
 */
static const unsigned char *line_end(const unsigned char *s, const unsigned char *end,
				     const unsigned char **lf, const unsigned char **cr)
{
	if (!*lf || *lf < s)
		*lf = find_byte(s, end, '\n');
	if (!*cr || *cr < s)
		*cr = find_byte(s, end, '\r');
	return *lf < *cr ? *lf : *cr;
}

/* Appends a partial line; an overlong one is dropped up to its end. */
static void keep_partial(struct sse_parser *p, const unsigned char *s, size_t n)
{
	if (p->skip_line)
		return;
	if (tt_buf_add(&p->line, s, n)) {
		tt_buf_reset(&p->line);
		p->skip_line = true;
		oversize(p);
	}
}

int sse_parser__feed(struct sse_parser *p, const void *buf, size_t len, sse_event_fn fn, void *ctx)
{
	const unsigned char *s = buf, *end = s + len, *e, *lf = NULL, *cr = NULL;
	int err = 0;

	/* A UTF-8 BOM may open the stream; a partial one is dropped with it. */
	while (!p->started && s < end) {
		if (*s != utf8_bom[p->bom]) {
			p->started = true;
			break;
		}
		s++;
		if (++p->bom == sizeof(utf8_bom))
			p->started = true;
	}
	/* CR at the end of the last buffer: an LF opening this one ends the same line */
	if (p->cr && s < end) {
		if (*s == '\n')
			s++;
		p->cr = false;
	}
	while (s < end && !err) {
		e = line_end(s, end, &lf, &cr);
		if (e == end) {
			keep_partial(p, s, (size_t)(end - s));
			break;
		}
		if (p->skip_line) {
			p->skip_line = false;
		} else if (!p->line.len) {
			err = handle_line(p, (const char *)s, (size_t)(e - s), true, fn, ctx);
		} else {
			keep_partial(p, s, (size_t)(e - s));
			if (!p->skip_line)
				err = handle_line(p, (const char *)p->line.data, p->line.len, false,
						  fn, ctx);
			p->skip_line = false;
		}
		tt_buf_reset(&p->line);
		s = e + 1;
		if (*e == '\r') {
			if (s == end)
				p->cr = true;
			else if (*s == '\n')
				s++;
		}
	}
	if (p->data_view || p->event_view)
		keep_views(p);
	return err;
}

void sse_parser__gap(struct sse_parser *p)
{
	tt_buf_reset(&p->line);
	event_reset(p);
	p->cr = false;
	p->skip_line = false;
	p->skip_event = true;
	p->started = true;
}

int sse_parser__finish(struct sse_parser *p, sse_event_fn fn, void *ctx)
{
	int err = 0;

	if (p->mode == SSE_MODE_NDJSON && p->line.len && !p->skip_line)
		err = handle_line(p, (const char *)p->line.data, p->line.len, false, fn, ctx);
	else if (p->mode == SSE_MODE_SSE && p->data.len && !p->skip_event)
		err = sse_dispatch(p, fn, ctx);
	tt_buf_reset(&p->line);
	event_reset(p);
	p->skip_line = p->skip_event = false;
	return err;
}

int sse_split_body(enum sse_mode mode, const void *buf, size_t len, sse_event_fn fn, void *ctx)
{
	struct sse_parser p;
	int err;

	sse_parser__init(&p, mode, 0);
	err = sse_parser__feed(&p, buf, len, fn, ctx);
	/* the body is whole: its end ends a cut last line too (after a line end, an empty line
	 * dispatches no more than finish would) */
	err = err ?: sse_parser__feed(&p, "\n", 1, fn, ctx);
	err = err ?: sse_parser__finish(&p, fn, ctx);
	sse_parser__free(&p);
	return err;
}
