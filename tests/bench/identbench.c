// SPDX-License-Identifier: MIT
/*
 * identbench.c: the CPU of one procid__read (src/procid.c), the identity the tracer reads from
 * /proc for every process that execs (TT_REC_IDENT), for the procid_read_us figure of `make
 * bench`. `identbench [N [REPS]]` starts a child that sleeps and reads its identity N times per
 * repetition (its start time checked, as for an exec record), after a warm-up; prints
 * `procid read MEDIAN_US MIN_US`, over REPS repetitions, in the thread's CPU time (on a shared
 * machine wall time mostly counts the other processes).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procid.h"
#include "procscan.h"

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The start of pid in boot-clock ns, as its exec record has it (0: unreadable). */
static uint64_t start_ns(pid_t pid)
{
	char path[64], buf[1024];
	uint64_t ticks = 0;
	uint32_t ppid;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (procscan_parse_stat(buf, &ppid, &ticks))
		return 0;
	return ticks * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000, reps = argc > 2 ? atoi(argv[2]) : 15;
	struct procid *pi;
	uint64_t start;
	struct tt_ident rec;
	double t[64], t0;
	int r, i, ret = 1;
	pid_t child;

	if (n <= 0 || reps <= 0 || reps > 64) {
		fprintf(stderr, "usage: identbench [N [REPS]]\n");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("identbench: fork");
		return 1;
	}
	if (!child) {
		pause();
		_exit(0);
	}
	pi = procid__new(NULL);
	start = start_ns(child);
	if (!pi || !start) {
		fprintf(stderr, "identbench: cannot read pid %d\n", child);
		goto out;
	}
	for (i = 0; i < n / 4; i++) /* warm-up */
		if (procid__read(pi, child, start, 1, &rec))
			goto fail;
	for (r = 0; r < reps; r++) {
		t0 = cpu_us();
		for (i = 0; i < n; i++)
			if (procid__read(pi, child, start, 1, &rec))
				goto fail;
		t[r] = (cpu_us() - t0) / n;
	}
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_double);
	printf("procid read %.3f %.3f\n", t[reps / 2], t[0]);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "identbench: procid__read of pid %d failed\n", child);
out:
	procid__free(pi);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return ret;
}
