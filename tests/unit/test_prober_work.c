// SPDX-License-Identifier: MIT
/*
 * test_prober_work.c: the prober's worker: a file whose inspection blocks holds the worker, not
 * the thread handing files over; the queue is bounded and each process has a rate.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "prober_work.h"
#include "test.h"

struct blocker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, release;
	int calls;
	char last[PROBER_WORK_PATH];
};

/* The first file blocks until released, as a huge or hostile one can in the inspection. */
static void blocking_fn(pid_t pid, const char *path, bool held, void *ctx)
{
	struct blocker *b = ctx;

	pthread_mutex_lock(&b->lock);
	b->calls++;
	snprintf(b->last, sizeof(b->last), "%s", path);
	b->entered = true;
	pthread_cond_broadcast(&b->cond);
	while (!b->release)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void test_prober_work_blocked_inspection(void)
{
	struct blocker b = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct prober_work_stats st;
	struct prober_work *w;
	char path[64];
	int i, err, queued = 0;

	w = prober_work__new(blocking_fn, &b);
	if (!ASSERT_OK_PTR(w, "worker"))
		return;
	ASSERT_OK(prober_work__submit(w, 0, "/huge", 0), "first file");
	pthread_mutex_lock(&b.lock);
	while (!b.entered)
		pthread_cond_wait(&b.cond, &b.lock);
	pthread_mutex_unlock(&b.lock);
	/* the worker is stuck in the first file: handing more over still returns at once */
	for (i = 0; i < PROBER_WORK_QUEUE + 10; i++) {
		snprintf(path, sizeof(path), "/f%d", i);
		err = prober_work__submit(w, 0, path, 0);
		if (!err)
			queued++;
		else if (!ASSERT_EQ(err, -ENOSPC, "full queue drops"))
			break;
	}
	ASSERT_EQ(queued, PROBER_WORK_QUEUE, "the queue holds its bound");
	prober_work__stats(w, &st);
	ASSERT_EQ(st.dropped, 10, "drops counted");
	ASSERT_EQ(st.done, 0, "nothing done yet");
	pthread_mutex_lock(&b.lock);
	b.release = true;
	pthread_cond_broadcast(&b.cond);
	pthread_mutex_unlock(&b.lock);
	prober_work__wait(w);
	prober_work__stats(w, &st);
	ASSERT_EQ(st.done, PROBER_WORK_QUEUE + 1, "all queued done");
	ASSERT_EQ(b.calls, PROBER_WORK_QUEUE + 1, "each once");
	snprintf(path, sizeof(path), "/f%d", PROBER_WORK_QUEUE - 1);
	ASSERT_STREQ(b.last, path, "in order");
	prober_work__free(w);
}

static void count_fn(pid_t pid, const char *path, bool held, void *ctx)
{
	(*(int *)ctx)++;
}

void test_prober_work_rate_per_process(void)
{
	const uint64_t s = 1000000000ull, t0 = 50 * s;
	struct prober_work_stats st;
	struct prober_work *w;
	int i, ok = 0, calls = 0;

	w = prober_work__new(count_fn, &calls);
	if (!ASSERT_OK_PTR(w, "worker"))
		return;
	/* one process floods: its burst goes through, the rest is deferred */
	for (i = 0; i < 100; i++) {
		if (!prober_work__submit(w, 42, "/proc/42/root/tmp/libssl.so", t0))
			ok++;
		prober_work__wait(w); /* the queue is never the limit here */
	}
	ASSERT_EQ(ok, PROBER_WORK_BURST, "the burst");
	ASSERT_EQ(prober_work__submit(w, 42, "/x", t0), -EAGAIN, "over the rate");
	/* another process is not held back by it */
	ASSERT_OK(prober_work__submit(w, 43, "/proc/43/exe", t0), "another process");
	/* a second later, the rate's worth more */
	for (ok = 0, i = 0; i < 20; i++)
		ok += !prober_work__submit(w, 42, "/y", t0 + s);
	ASSERT_EQ(ok, PROBER_WORK_RATE, "refilled at the rate");
	/* the bucket holds a burst at most, however long the process was quiet */
	for (ok = 0, i = 0; i < 100; i++)
		ok += !prober_work__submit(w, 42, "/z", t0 + 3600 * s);
	ASSERT_EQ(ok, PROBER_WORK_BURST, "no more than a burst");
	/* files of no process (before tracing starts) have no rate */
	for (ok = 0, i = 0; i < 100; i++) {
		ok += !prober_work__submit(w, 0, "/usr/lib/libssl.so.3", 0);
		prober_work__wait(w);
	}
	ASSERT_EQ(ok, 100, "no rate without a process");
	prober_work__wait(w);
	prober_work__stats(w, &st);
	ASSERT_EQ(st.deferred,
		  (100 - PROBER_WORK_BURST) + 1 + (20 - PROBER_WORK_RATE) +
			  (100 - PROBER_WORK_BURST),
		  "deferred counted");
	ASSERT_EQ(st.done, (uint64_t)calls, "done counted");
	ASSERT_EQ(calls, PROBER_WORK_BURST + 1 + PROBER_WORK_RATE + PROBER_WORK_BURST + 100,
		  "every accepted file done");
	prober_work__free(w);
}

struct order {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool entered, release;
	int n;
	char paths[8][PROBER_WORK_PATH];
	bool held[8];
};

/* Notes the order of the files (and whether a process waits for each); the first blocks. */
static void order_fn(pid_t pid, const char *path, bool held, void *ctx)
{
	struct order *o = ctx;

	pthread_mutex_lock(&o->lock);
	if (o->n < 8) {
		snprintf(o->paths[o->n], sizeof(o->paths[0]), "%s", path);
		o->held[o->n] = held;
	}
	o->n++;
	o->entered = true;
	pthread_cond_broadcast(&o->cond);
	while (!o->release)
		pthread_cond_wait(&o->cond, &o->lock);
	pthread_mutex_unlock(&o->lock);
}

void test_prober_work_held_first(void)
{
	struct order o = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct prober_work *w;
	int i;

	w = prober_work__new(order_fn, &o);
	if (!ASSERT_OK_PTR(w, "worker"))
		return;
	ASSERT_OK(prober_work__submit(w, 0, "/busy", 0), "a file in the works");
	pthread_mutex_lock(&o.lock);
	while (!o.entered)
		pthread_cond_wait(&o.cond, &o.lock);
	pthread_mutex_unlock(&o.lock);
	/* the process spent its rate on libraries; then it execs a new file and is held */
	for (i = 0; i < PROBER_WORK_BURST; i++)
		ASSERT_OK(prober_work__submit(w, 7, "/proc/7/root/lib/libssl.so", 1), "burst");
	ASSERT_EQ(prober_work__submit(w, 7, "/late", 1), -EAGAIN, "over the rate");
	ASSERT_OK(prober_work__submit_held(w, 7, "/proc/7/exe"), "held: outside the rate");
	ASSERT_OK(prober_work__submit_held(w, 8, "/proc/8/exe"), "another held");
	pthread_mutex_lock(&o.lock);
	o.release = true;
	pthread_cond_broadcast(&o.cond);
	pthread_mutex_unlock(&o.lock);
	prober_work__wait(w);
	ASSERT_EQ(o.n, 1 + PROBER_WORK_BURST + 2, "every file once");
	ASSERT_STREQ(o.paths[0], "/busy", "the one in the works first");
	/* the held files jump the queue (the last held first: each waits for its own alone) */
	ASSERT_STREQ(o.paths[1], "/proc/8/exe", "held before the queued");
	ASSERT_STREQ(o.paths[2], "/proc/7/exe", "held before the queued");
	ASSERT_STREQ(o.paths[3], "/proc/7/root/lib/libssl.so", "then the queue");
	ASSERT_TRUE(!o.held[0] && o.held[1] && o.held[2] && !o.held[3], "held flags passed");
	/* a full queue refuses a held file too (its process is continued at once) */
	pthread_mutex_lock(&o.lock);
	o.release = false;
	o.entered = false;
	pthread_mutex_unlock(&o.lock);
	ASSERT_OK(prober_work__submit(w, 0, "/busy2", 0), "block again");
	pthread_mutex_lock(&o.lock);
	while (!o.entered)
		pthread_cond_wait(&o.cond, &o.lock);
	pthread_mutex_unlock(&o.lock);
	for (i = 0; i < PROBER_WORK_QUEUE; i++)
		ASSERT_OK(prober_work__submit(w, 0, "/q", 0), "fill");
	ASSERT_EQ(prober_work__submit_held(w, 9, "/proc/9/exe"), -ENOSPC, "full: refused");
	pthread_mutex_lock(&o.lock);
	o.release = true;
	pthread_cond_broadcast(&o.cond);
	pthread_mutex_unlock(&o.lock);
	prober_work__free(w);
}
