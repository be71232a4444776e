// SPDX-License-Identifier: MIT
/* test_events.c: records pushed in (replay) take the path of polled ones. */
#include <errno.h>
#include <string.h>

#include "events.h"
#include "test.h"
#include "tt_abi.h"

struct seen {
	int n;
	size_t size;
};

static void sink(const void *rec, size_t size, void *ctx)
{
	struct seen *s = ctx;

	(void)rec;
	s->n++;
	s->size = size;
}

void test_events_push(void)
{
	struct tt_fork f = {
		.h = { .type = TT_REC_FORK, .abi = TT_ABI_VERSION, .size = sizeof(f), .pid = 2 },
		.ppid = 1
	};
	unsigned char junk[sizeof(f)];
	struct seen s = { 0 };
	struct events *ev;

	ev = events__new(-1, sink, &s);
	if (!ASSERT_OK_PTR(ev, "new without a ring buffer"))
		return;
	ASSERT_OK(events__push(ev, &f, sizeof(f)), "a record");
	ASSERT_EQ(s.n, 1, "handed to the sink");
	ASSERT_EQ(s.size, sizeof(f), "whole");
	memset(junk, 0xff, sizeof(junk));
	ASSERT_EQ(events__push(ev, junk, sizeof(junk)), -EBADMSG, "malformed");
	ASSERT_EQ(events__push(ev, &f, sizeof(f) - 1), -EBADMSG, "short");
	ASSERT_EQ(s.n, 1, "malformed records stop here");
	ASSERT_EQ(events__count(ev), 1, "counted");
	ASSERT_EQ(events__bad(ev), 2, "bad counted");
	ASSERT_EQ(events__poll(ev, 0), 0, "nothing to poll");
	events__free(ev);
	events__free(NULL);
}
