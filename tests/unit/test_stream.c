// SPDX-License-Identifier: MIT
/* test_stream.c: positions, duplicates, overlaps, gaps and the tail cap of one direction. */
#include <errno.h>

#include "stream.h"
#include "test.h"

void test_stream_admit(void)
{
	struct stream s;
	uint64_t gap;

	stream__init(&s, 16);
	ASSERT_EQ(stream__admit(&s, 100, 10, &gap), 0, "first chunk sets the origin");
	ASSERT_EQ(gap, 0, "no gap");
	ASSERT_EQ(stream__admit(&s, 110, 5, &gap), 0, "in order");
	ASSERT_EQ(stream__admit(&s, 110, 5, &gap), 5, "duplicate: nothing new");
	ASSERT_EQ(stream__admit(&s, 112, 6, &gap), 3, "overlap: new bytes from index 3");
	ASSERT_EQ(s.next, 118, "next");
	ASSERT_OK(stream__keep(&s, "partial", 7), "keep tail");
	ASSERT_EQ(stream__admit(&s, 120, 4, &gap), 0, "after a gap");
	ASSERT_EQ(gap, 2, "gap size");
	ASSERT_EQ(s.tail.len, 0, "tail dropped at a gap");
	ASSERT_EQ(stream__admit(&s, 50, 4, &gap), 4, "old bytes are duplicates");
	ASSERT_EQ(stream__skip_to(&s, 130), 6, "truncated call");
	ASSERT_EQ(stream__skip_to(&s, 125), 0, "already past");
	ASSERT_EQ(s.n_gaps, 2, "gaps");
	ASSERT_EQ(s.lost_bytes, 8, "lost");
	ASSERT_EQ(s.dup_bytes, 5 + 3 + 4, "duplicates");
	stream__free(&s);
}

void test_stream_tail_cap(void)
{
	struct stream s;
	uint64_t gap;

	stream__init(&s, 8);
	stream__admit(&s, 0, 20, &gap);
	ASSERT_OK(stream__keep(&s, "abcd", 4), "under the cap");
	stream__consume(&s, 2);
	ASSERT_MEMEQ(s.tail.data, s.tail.len, "cd", 2, "consumed");
	ASSERT_EQ(stream__keep(&s, "0123456789", 10), -E2BIG, "over the cap");
	ASSERT_EQ(s.tail.len, 0, "dropped");
	stream__reset(&s);
	ASSERT_EQ(stream__admit(&s, 0, 3, &gap), 0, "restarted");
	ASSERT_EQ(gap, 0, "no gap after reset");
	stream__free(&s);
}
