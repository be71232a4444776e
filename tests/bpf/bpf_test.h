/* SPDX-License-Identifier: MIT */
/* bpf_test.h: what the BPF tests share: the helpers object loaded, a program run through
 * BPF_PROG_TEST_RUN, the records it left in the ring buffer. */
#ifndef TT_BPF_TEST_H
#define TT_BPF_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "helpers.h"
#include "helpers.skel.h"

/*
 * The helpers object opened and loaded (a small ring buffer); NULL when the test cannot run
 * here (reported skipped with the reason: not root, no BTF) or the load failed (a failure).
 */
struct helpers *bpf_test__load(void);
/* Whether BPF programs can be loaded here; else marks the test skipped with the reason. */
bool bpf_test__can_load(void);
/* Runs prog once in this thread; its return value, or -errno when the run itself failed. */
int bpf_test__run(struct bpf_program *prog);
/* Hands each record in the events ring buffer to fn (returns 0 to go on); how many, or -errno. */
int bpf_test__drain(struct helpers *s, int (*fn)(void *ctx, void *rec, size_t size), void *ctx);
/* The sum over CPUs of stats[idx]. */
unsigned long long bpf_test__stat(struct helpers *s, unsigned int idx);

#endif /* TT_BPF_TEST_H */
