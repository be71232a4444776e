// SPDX-License-Identifier: MIT
/*
 * prober_work.c: the prober's worker thread, its bounded queue and the per-process rate of the
 * files handed over (a token bucket per process).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "prober_work.h"

struct work_item {
	pid_t pid;
	bool held; /* a process waits stopped for this file */
	char path[PROBER_WORK_PATH];
};

struct work_rate {
	pid_t pid;
	uint32_t tokens; /* files it may still hand over */
	uint64_t last_ns;
};

struct prober_work {
	pthread_mutex_t lock;
	pthread_cond_t more; /* an item was queued, or stop */
	pthread_cond_t idle; /* the queue is empty and no item is being worked on */
	pthread_t thread;
	bool started, stop, busy;
	prober_work_fn fn;
	void *ctx;
	char hold[PROBER_WORK_PATH]; /* TT_TEST_HOLD_INSPECT */
	struct work_item q[PROBER_WORK_QUEUE];
	size_t head, n;
	struct work_rate rates[PROBER_WORK_PIDS];
	struct prober_work_stats st;
};

/*
 * Takes one file from pid's bucket: PROBER_WORK_BURST at most, refilled at PROBER_WORK_RATE a
 * second. A process not in the table replaces the one least recently seen (which starts over
 * with a full bucket if it comes back: the queue bound still holds).
 */
static bool rate_take(struct prober_work *w, pid_t pid, uint64_t now_ns)
{
	struct work_rate *r = NULL, *oldest = &w->rates[0];
	uint64_t refill;
	size_t i;

	for (i = 0; i < PROBER_WORK_PIDS && !r; i++) {
		if (w->rates[i].pid == pid)
			r = &w->rates[i];
		else if (w->rates[i].last_ns < oldest->last_ns)
			oldest = &w->rates[i];
	}
	if (!r) {
		r = oldest;
		r->pid = pid;
		r->tokens = PROBER_WORK_BURST;
		r->last_ns = now_ns;
	}
	if (now_ns > r->last_ns) {
		refill = (now_ns - r->last_ns) / (1000000000ull / PROBER_WORK_RATE);
		if (refill) {
			r->tokens = refill >= PROBER_WORK_BURST - r->tokens ?
					    PROBER_WORK_BURST :
					    r->tokens + (uint32_t)refill;
			r->last_ns += refill * (1000000000ull / PROBER_WORK_RATE);
		}
	}
	if (r->tokens == PROBER_WORK_BURST)
		r->last_ns = now_ns; /* a full bucket does not save up */
	if (!r->tokens)
		return false;
	r->tokens--;
	return true;
}

int prober_work__submit(struct prober_work *w, pid_t pid, const char *path, uint64_t now_ns)
{
	struct work_item *it;
	int err = 0;

	if (strlen(path) >= PROBER_WORK_PATH)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&w->lock);
	if (pid > 0 && !rate_take(w, pid, now_ns)) {
		w->st.deferred++;
		err = -EAGAIN;
	} else if (w->n == PROBER_WORK_QUEUE) {
		w->st.dropped++;
		err = -ENOSPC;
	} else {
		it = &w->q[(w->head + w->n++) % PROBER_WORK_QUEUE];
		it->pid = pid;
		it->held = false;
		snprintf(it->path, sizeof(it->path), "%s", path);
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

int prober_work__submit_held(struct prober_work *w, pid_t pid, const char *path)
{
	struct work_item *it;
	int err = 0;

	if (strlen(path) >= PROBER_WORK_PATH)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&w->lock);
	if (w->n == PROBER_WORK_QUEUE) {
		w->st.dropped++;
		err = -ENOSPC;
	} else {
		/* at the head: a stopped process waits for it, the queued files wait for nobody */
		w->head = (w->head + PROBER_WORK_QUEUE - 1) % PROBER_WORK_QUEUE;
		w->n++;
		it = &w->q[w->head];
		it->pid = pid;
		it->held = true;
		snprintf(it->path, sizeof(it->path), "%s", path);
		pthread_cond_signal(&w->more);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

/* The test hook: holds a "tt-hold" path until the file named by TT_TEST_HOLD_INSPECT exists. */
static void hold_wait(struct prober_work *w, const char *path)
{
	char target[PROBER_WORK_PATH];
	struct timespec ts;
	ssize_t n;

	if (!w->hold[0])
		return;
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (!strstr(path, "tt-hold") && !strstr(target, "tt-hold"))
		return;
	tt_info("prober: %s held until %s exists (TT_TEST_HOLD_INSPECT)", path, w->hold);
	pthread_mutex_lock(&w->lock);
	while (!w->stop && access(w->hold, F_OK)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&w->more, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
}

static void *work_main(void *arg)
{
	struct prober_work *w = arg;
	struct work_item it;

	pthread_setname_np(pthread_self(), "tt-inspect"); /* ps -L, /proc/PID/task */
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!w->n) {
			w->busy = false;
			pthread_cond_broadcast(&w->idle);
			pthread_cond_wait(&w->more, &w->lock);
			continue;
		}
		it = w->q[w->head];
		w->head = (w->head + 1) % PROBER_WORK_QUEUE;
		w->n--;
		w->busy = true;
		pthread_mutex_unlock(&w->lock);
		hold_wait(w, it.path);
		w->fn(it.pid, it.path, it.held, w->ctx);
		pthread_mutex_lock(&w->lock);
		w->st.done++;
	}
	w->busy = false;
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct prober_work *prober_work__new(prober_work_fn fn, void *ctx)
{
	struct prober_work *w = calloc(1, sizeof(*w));
	const char *hold = getenv("TT_TEST_HOLD_INSPECT");
	sigset_t all, old;
	int err;

	if (!w)
		return NULL;
	w->fn = fn;
	w->ctx = ctx;
	if (hold)
		snprintf(w->hold, sizeof(w->hold), "%s", hold);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->idle, NULL);
	/* signals stay with the capture thread: its poll returns EINTR on SIGINT and SIGTERM */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, work_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		prober_work__free(w);
		errno = err;
		return NULL;
	}
	w->started = true;
	return w;
}

void prober_work__wait(struct prober_work *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->stop && (w->n || w->busy))
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void prober_work__stats(struct prober_work *w, struct prober_work_stats *st)
{
	pthread_mutex_lock(&w->lock);
	*st = w->st;
	pthread_mutex_unlock(&w->lock);
}

void prober_work__free(struct prober_work *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->more);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
