// SPDX-License-Identifier: MIT
/* test_verifier.c: the verifier accepts every program of the tracer's object under the configs
 * the loader can set (the longest capture loops come with the largest --call-cap), and refuses
 * a read nothing clamps (tests/bpf/helpers.bpf.c's unclamped). */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf_test.h"
#include "test.h"
#include "tracetree.skel.h"

/* Loads the tracer's object as src/loader.c does (small ring), with these settings. */
static void load_tracer(const char *name, bool all, __u32 call_cap)
{
	struct bpf_program *p;
	struct tracetree *t;
	int err, n = 0;

	if (!test__start_subtest(name))
		return;
	t = tracetree__open();
	if (!ASSERT_OK_PTR(t, "tracetree__open"))
		return;
	t->rodata->cfg_all = all;
	t->rodata->cfg_self = 1;
	t->rodata->cfg_call_cap = call_cap;
	t->rodata->cfg_wake_bytes = 1 << 18;
	err = bpf_map__set_max_entries(t->maps.events, 1 << 20);
	if (!err)
		err = bpf_map__set_autocreate(t->maps.abi_anchor, false);
	if (!err)
		err = tracetree__load(t);
	if (ASSERT_OK(err, name)) {
		bpf_object__for_each_program(p, t->obj)
		{
			ASSERT_GE(bpf_program__fd(p), 0, bpf_program__name(p));
			n++;
		}
		ASSERT_GE(n, 30, "programs");
	}
	tracetree__destroy(t);
}

void test_verifier_accepts_tracer(void)
{
	if (!bpf_test__can_load())
		return;
	load_tracer("default", false, 256 * 1024);
	load_tracer("all_largest_cap", true, TT_CHUNK * TT_MAX_CHUNKS);
	load_tracer("smallest_cap", false, 1);
}

/* The harness sees a rejection: without that, the acceptances above would prove nothing. */
void test_verifier_rejects_unclamped(void)
{
	struct helpers *s;
	int err;

	if (!bpf_test__can_load())
		return;
	s = helpers__open();
	if (!ASSERT_OK_PTR(s, "helpers__open"))
		return;
	err = bpf_program__set_autoload(s->progs.unclamped, true);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.events, 1 << 20);
	if (ASSERT_OK(err, "setup"))
		ASSERT_EQ(helpers__load(s), -EACCES, "load refused by the verifier");
	helpers__destroy(s);
}
