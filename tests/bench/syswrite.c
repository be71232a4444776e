// SPDX-License-Identifier: MIT
/* syswrite.c: the cost of one write(2) of 64 bytes to /dev/null, for the untraced_syscall_ns
 * figure of `make bench`. Every such call passes the syscall tracepoints the tracer hangs on
 * write (bpf/sock.bpf.c), whether or not the process is traced and whether or not the fd is a
 * socket: /dev/null is the common case of a file that is not one, and the cheapest syscall to
 * put beside the tracer's share of it. `syswrite [N [REPS]]` prints `write devnull MEDIAN_NS
 * MIN_NS`, the median and minimum over REPS repetitions of N calls, after a warm-up. Timed in
 * the thread's CPU time: on a shared machine wall time mostly counts the other processes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 50000, reps = argc > 2 ? atoi(argv[2]) : 31;
	static const char buf[64];
	double t[64], t0;
	int fd, r, i;

	if (n <= 0 || reps <= 0 || reps > 64) {
		fprintf(stderr, "usage: syswrite [N [REPS]]\n");
		return 2;
	}
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("syswrite: /dev/null");
		return 1;
	}
	for (i = 0; i < n / 4; i++) /* warm-up */
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return 1;
	for (r = 0; r < reps; r++) {
		t0 = cpu_ns();
		for (i = 0; i < n; i++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				return 1;
		t[r] = (cpu_ns() - t0) / n;
	}
	qsort(t, reps, sizeof(*t), cmp_double);
	printf("write devnull %.1f %.1f\n", t[reps / 2], t[0]);
	close(fd);
	return 0;
}
