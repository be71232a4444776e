// SPDX-License-Identifier: MIT
/* test_disasm.c: the instruction facts probe placement relies on, on hand-assembled bytes
 * (OpenSSL 3.0's SSL_write_ex / SSL_write / ssl_write_internal prologues). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"
#include "test.h"

#define BASE 0x35000

/* SSL_write_ex at BASE + 0xa50: sub $0x8,%rsp; call BASE + 0x5e0; xor %edx,%edx; ...; ret */
static const uint8_t write_ex[] = {
	0x48, 0x83, 0xec, 0x08, 0xe8, 0x87, 0xfb, 0xff, 0xff, 0x31, 0xd2,
	0x85, 0xc0, 0x0f, 0x48, 0xc2, 0x48, 0x83, 0xc4, 0x08, 0xc3,
};

/* SSL_write at BASE + 0x9c0: sub; mov %fs:0x28,%rax; mov %rax,8(%rsp); xor; test %edx,%edx;
 * js; mov %rsp,%rcx; movslq %edx,%rdx; call BASE + 0x5e0; ...; ret */
static const uint8_t write_plain[] = {
	0x48, 0x83, 0xec, 0x18, 0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0x00, 0x00, 0x00, 0x48,
	0x89, 0x44, 0x24, 0x08, 0x31, 0xc0, 0x85, 0xd2, 0x78, 0x2f, 0x48, 0x89, 0xe1, 0x48,
	0x63, 0xd2, 0xe8, 0xfd, 0xfb, 0xff, 0xff, 0x85, 0xc0, 0x48, 0x83, 0xc4, 0x18, 0xc3,
};

/* ssl_write_internal: push %r14; push %r13; ... */
static const uint8_t internal[] = { 0x41, 0x56, 0x41, 0x55, 0x41, 0x54 };
static const uint8_t sub_first[] = { 0x48, 0x83, 0xec, 0x18, 0xc3 };
static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xc3 };
/* a wrapper that moves an argument before the call: not a plain wrapper */
static const uint8_t not_wrapper[] = { 0x48, 0x89, 0xf7, 0xe8, 0x00, 0x00, 0x00, 0x00, 0xc3 };

void test_disasm_wrapper_call(void)
{
	uint64_t target = 0, site = 0;

	if (!disasm_available()) {
		test__skip(disasm_error());
		return;
	}
	if (!ASSERT_OK(disasm_wrapper_call(write_ex, sizeof(write_ex), BASE + 0xa50, &target,
					   &site),
		       "decode SSL_write_ex"))
		return;
	ASSERT_EQ(target, BASE + 0x5e0, "callee is ssl_write_internal");
	ASSERT_EQ(site, BASE + 0xa59, "return site after the call");
	ASSERT_EQ(disasm_wrapper_call(not_wrapper, sizeof(not_wrapper), BASE, &target, &site),
		  -ENOENT, "argument moved before the call");
	ASSERT_EQ(disasm_wrapper_call(sub_first, sizeof(sub_first), BASE, &target, &site), -ENOENT,
		  "no call before ret");
}

void test_disasm_find_call_to(void)
{
	uint64_t site = 0;

	if (!disasm_available())
		return;
	ASSERT_OK(disasm_find_call_to(write_plain, sizeof(write_plain), BASE + 0x9c0, BASE + 0x5e0,
				      &site),
		  "SSL_write calls ssl_write_internal");
	ASSERT_EQ(site, BASE + 0x9e3, "return site in SSL_write");
	ASSERT_EQ(disasm_find_call_to(write_plain, sizeof(write_plain), BASE + 0x9c0, BASE + 0x700,
				      &site),
		  -ENOENT, "no call to another function");
}

void test_disasm_first_emulated(void)
{
	if (!disasm_available())
		return;
	ASSERT_EQ(disasm_first_emulated(internal, sizeof(internal), BASE), 1, "push is emulated");
	ASSERT_EQ(disasm_first_emulated(write_ex, sizeof(write_ex), BASE), 0,
		  "sub is single-stepped");
	ASSERT_EQ(disasm_first_emulated(nop5, sizeof(nop5), BASE), 1, "nop is emulated");
	ASSERT_EQ(disasm_first_emulated(write_ex + 4, 5, BASE + 4), 1, "relative call");
}

/*
 * A function's bytes ending inside an instruction (lea rax,[rip+disp32] cut after its first two
 * displacement bytes), in a guarded copy: the decoder stops at the end and says the bytes do not
 * decode, never reading past them.
 */
void test_disasm_cut_instruction(void)
{
	static const uint8_t cut[] = { 0x90, 0xc3, 0x48, 0x8d, 0x05, 0x10, 0x20 };
	uint64_t rets[4], off = 1, target, site;
	uint8_t *p;

	if (!disasm_available()) {
		test__skip(disasm_error());
		return;
	}
	p = test__guarded(cut, sizeof(cut));
	ASSERT_EQ(disasm_find_rets(p, sizeof(cut), BASE, rets, 4), -EBADMSG, "rets: cut");
	ASSERT_EQ(disasm_find_rets(p, 2, BASE, rets, 4), 1, "rets: the whole part");
	ASSERT_EQ(rets[0], 1, "ret offset");
	ASSERT_EQ(disasm_go_body_offset(p + 2, sizeof(cut) - 2, BASE, &off), -EBADMSG, "go: cut");
	ASSERT_EQ(off, 0, "no body offset");
	ASSERT_EQ(disasm_first_emulated(p + 2, 3, BASE), -EBADMSG, "first: cut");
	ASSERT_EQ(disasm_first_emulated(p, 0, BASE), -EBADMSG, "first: no bytes");
	ASSERT_EQ(disasm_wrapper_call(p + 2, sizeof(cut) - 2, BASE, &target, &site), -EBADMSG,
		  "wrapper: cut");
	test__guarded_free(p);
}
