// SPDX-License-Identifier: MIT
/* stream.c: one direction of a connection: byte positions, duplicates, gaps, unconsumed tail. */
#include <errno.h>

#include "tt_limits.h"
#include "stream.h"

void stream__init(struct stream *s, size_t cap)
{
	*s = (struct stream){ 0 };
	tt_buf_init(&s->tail, cap ? cap : TT_MAX_STREAM_BUF);
}

void stream__free(struct stream *s)
{
	if (s)
		tt_buf_free(&s->tail);
}

void stream__set_budget(struct stream *s, struct tt_budget *b, struct tt_acct *up)
{
	tt_acct_init(&s->acct, b, up);
	s->tail.acct = &s->acct;
}

size_t stream__drop_tail(struct stream *s)
{
	size_t n = s->tail.len;

	tt_buf_free(&s->tail);
	return n;
}

void stream__reset(struct stream *s)
{
	tt_buf_reset(&s->tail);
	s->next = 0;
	s->started = false;
}

size_t stream__admit(struct stream *s, uint64_t pos, size_t len, uint64_t *gap)
{
	size_t off;

	*gap = 0;
	s->n_chunks++;
	if (!s->started) {
		s->started = true;
		s->next = pos;
	}
	if (pos > s->next) {
		*gap = pos - s->next;
		s->n_gaps++;
		s->lost_bytes += *gap;
		tt_buf_reset(&s->tail);
		s->next = pos + len;
		return 0;
	}
	if (pos + len <= s->next) {
		s->dup_bytes += len;
		return len;
	}
	off = (size_t)(s->next - pos);
	s->dup_bytes += off;
	s->next = pos + len;
	return off;
}

uint64_t stream__skip_to(struct stream *s, uint64_t end)
{
	uint64_t lost;

	if (!s->started || end <= s->next)
		return 0;
	lost = end - s->next;
	s->n_gaps++;
	s->lost_bytes += lost;
	s->next = end;
	tt_buf_reset(&s->tail);
	return lost;
}

int stream__keep(struct stream *s, const void *p, size_t n)
{
	int err = tt_buf_add(&s->tail, p, n);

	/* freed, not only emptied: a tail the budget refused gives its storage back */
	if (err) {
		tt_buf_free(&s->tail);
		s->acct.dropped = false;
	}
	return err;
}

void stream__consume(struct stream *s, size_t n)
{
	tt_buf_consume(&s->tail, n);
}
