// SPDX-License-Identifier: MIT
/* bpf_test.c: loading the helpers object and running its programs for the BPF tests. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_test.h"
#include "log.h"
#include "test.h"

#define EVENTS_SIZE (4u << 20) /* enough for a call of 256 KiB in 16 KiB records */

/*
 * libbpf's warnings into the test log, shown when a test fails (the verifier log among them);
 * its debug lines would bury them.
 */
static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	tt_warn("%s", line);
	return 0;
}

bool bpf_test__can_load(void)
{
	libbpf_set_print(print_libbpf);
	if (geteuid() != 0) {
		test__skip("not root");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		test__skip("kernel without BTF");
		return false;
	}
	return true;
}

struct helpers *bpf_test__load(void)
{
	struct helpers *s;
	int err;

	if (!bpf_test__can_load())
		return NULL;
	s = helpers__open();
	if (!ASSERT_OK_PTR(s, "helpers__open"))
		return NULL;
	err = bpf_map__set_max_entries(s->maps.events, EVENTS_SIZE);
	if (!err)
		err = helpers__load(s);
	if (!ASSERT_OK(err, "helpers__load")) {
		helpers__destroy(s);
		return NULL;
	}
	return s;
}

int bpf_test__run(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err)
		return -errno;
	return (int)opts.retval;
}

int bpf_test__drain(struct helpers *s, int (*fn)(void *ctx, void *rec, size_t size), void *ctx)
{
	struct ring_buffer *rb;
	int n;

	rb = ring_buffer__new(bpf_map__fd(s->maps.events), fn, ctx, NULL);
	if (!rb)
		return -errno;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

unsigned long long bpf_test__stat(struct helpers *s, unsigned int idx)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned long long sum = 0;
	__u64 vals[512];

	if (ncpu <= 0 || ncpu > 512 ||
	    bpf_map__lookup_elem(s->maps.stats, &idx, sizeof(idx), vals, sizeof(vals[0]) * ncpu, 0))
		return ~0ull;
	for (i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}
