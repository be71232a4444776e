// SPDX-License-Identifier: MIT
/*
 * linker_parent.c: where the work of a process nests: the tool window of its agent that the
 * work matches (by arguments, by time), the inbound request being served, or the process span.
 */
#include <stdio.h>
#include <string.h>

#include "tt_limits.h"
#include "linker_internal.h"

/* ---- tool windows ---- */

/* How well tool argument strings match text: the length of the longest match, 0 if none. */
static size_t match_text(const struct ltool *t, const char *text)
{
	size_t i, n, tl, best = 0;

	if (!text || !text[0])
		return 0;
	tl = strlen(text);
	for (i = 0; i < t->n_values; i++) {
		n = strlen(t->values[i]);
		if (n >= 3 && n > best && strstr(text, t->values[i]))
			best = n;
		else if (tl >= 4 && tl > best && strstr(t->values[i], text))
			best = tl;
	}
	return best;
}

/* A URL argument against host+target: the scheme and the query (redacted in args) aside. */
static size_t match_url(const struct ltool *t, const char *url)
{
	const char *v;
	size_t i, n, best = 0;
	char cut[TT_MAX_TOOL_VALUE];

	for (i = 0; url && i < t->n_values; i++) {
		v = t->values[i];
		if (!strncmp(v, "https://", 8))
			v += 8;
		else if (!strncmp(v, "http://", 7))
			v += 7;
		n = strcspn(v, "?#");
		if (n < 3)
			continue;
		snprintf(cut, sizeof(cut), "%.*s", (int)n, v);
		if (n > best && strstr(url, cut)) {
			best = v[n] && strstr(url, v) ? strlen(v) : n;
			continue;
		}
		/* the same host at least (a redirect target, another page of the site) */
		n = strcspn(v, ":/?#");
		if (n >= 3 && n > best && n == strcspn(url, ":/?#") && !strncmp(url, v, n))
			best = n;
	}
	return best;
}

/*
 * True when window t is the tool called name: the same name, or name after a "__" or "."
 * prefix an agent gives the tools of an MCP server ("mcp__server__name").
 */
static bool match_name(const struct ltool *t, const char *name)
{
	size_t n, tn;

	if (!name || !name[0])
		return false;
	n = strlen(name);
	tn = strlen(t->name);
	if (tn == n)
		return !strcmp(t->name, name);
	if (tn < n + 2 || strcmp(t->name + tn - n, name))
		return false;
	return t->name[tn - n - 1] == '.' ||
	       (t->name[tn - n - 1] == '_' && t->name[tn - n - 2] == '_');
}

/*
 * The tool window of agent lp that started q: among the windows open at q->ts, the best
 * argument match, then the most recent start, then the fewest children so far, then the
 * first asked for.
 */
struct ltool *ltool_pick(struct lproc *lp, struct tool_query *q)
{
	struct ltool *t, *best = NULL;
	size_t score, best_score = 0;

	for (t = lp->tools; t; t = t->next) {
		if (t->start_ns > q->ts || (t->closed && t->end_ns < q->ts))
			continue;
		score = match_text(t, q->text[0]);
		if (q->text[1] && match_text(t, q->text[1]) > score)
			score = match_text(t, q->text[1]);
		if (match_url(t, q->url) > score)
			score = match_url(t, q->url);
		/* the same tool by name (MCP tools/call) outweighs any argument match */
		if (match_name(t, q->tool))
			score += TT_MAX_TOOL_VALUE + 1;
		if (best && (score < best_score ||
			     (score == best_score &&
			      (t->start_ns < best->start_ns ||
			       (t->start_ns == best->start_ns &&
				(t->n_children > best->n_children ||
				 (t->n_children == best->n_children && t->seq > best->seq)))))))
			continue;
		best = t;
		best_score = score;
	}
	q->inferred = best && !best_score;
	return best;
}

/* ---- inbound requests ---- */

/*
 * Work of a server process is attributed to one of its open inbound requests (linker_http.c)
 * by, in order:
 *   - the traceparent of the outgoing request carrying the trace id of the inbound one;
 *   - the thread: the only open request read by the thread that does the work (thread per
 *     request servers);
 *   - time: the only open request of the process (servers handling one request at a time,
 *     event loops included); *by_time (may be NULL) is set then.
 * Anything else (concurrent requests on one event loop thread) stays under the process span.
 */
static struct lsrv *lsrv_serving(struct lproc *lp, uint32_t tid, uint64_t ts, const struct ltp *tp,
				 bool *by_time)
{
	struct lsrv *r, *by_tid = NULL, *any = NULL;
	size_t n_tid = 0, n = 0;
	bool has_tp = tp && tp->valid;

	for (r = lp->srv; r; r = r->next) {
		if (r->start_ns > ts)
			continue;
		if (has_tp && r->has_tp && !memcmp(r->tp_trace, tp->trace, sizeof(tp->trace)))
			return r;
		n++;
		any = r;
		if (r->tid == tid) {
			n_tid++;
			by_tid = r;
		}
	}
	if (n_tid == 1)
		return by_tid;
	if (by_time)
		*by_time = n == 1;
	return n == 1 ? any : NULL;
}

const uint8_t *lsrv_parent(struct linker *l, struct lproc *lp, uint32_t tid, uint64_t ts,
			   const struct ltp *tp, struct ltrace **trace, bool *inferred)
{
	bool by_time = false;
	struct lsrv *r = lsrv_serving(lp, tid, ts, tp, &by_time);

	if (inferred)
		*inferred = r && by_time;
	*trace = r && r->trace ? r->trace : lp->trace;
	if (!r)
		return NULL;
	r->worked = true;
	l->st.server_attributed++;
	return r->span_id;
}

struct ltrace *lwork_trace(struct lproc *lp, uint32_t tid, uint64_t ts)
{
	struct lsrv *r = lsrv_serving(lp, tid, ts, NULL, NULL);

	return r && r->trace ? r->trace : lp->trace;
}

/* ---- work ---- */

const uint8_t *lwork_parent(struct linker *l, struct lproc *lp, struct tool_query *q, uint32_t tid,
			    const struct ltp *tp, struct ltool **tool, struct ltrace **trace)
{
	const uint8_t *parent;
	struct ltool *t = NULL;

	q->inferred = false;
	if (lp->agent && !lp->done)
		t = ltool_pick(lp, q);
	if (tool)
		*tool = t;
	if (t) {
		t->n_children++;
		*trace = t->trace ? t->trace : lp->trace;
		return t->span_id;
	}
	parent = lsrv_parent(l, lp, tid, q->ts, tp, trace, &q->inferred);
	return parent ? parent : lp->span_id;
}
