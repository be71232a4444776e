// SPDX-License-Identifier: MIT
/* disasm.c: the x86-64 instruction facts probe placement needs (capstone, loaded at run time). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"

#if defined(__has_include)
#if __has_include(<capstone/capstone.h>)
#define TT_HAVE_CAPSTONE 1
#include <capstone/capstone.h>
#endif
#endif

#ifdef TT_HAVE_CAPSTONE
/*
 * libcapstone is opened with dlopen so the tracer builds, links and runs without it: Go targets
 * need a disassembler (to find RET instructions), OpenSSL's cheaper probe placement uses one,
 * and doctor reports when it is missing.
 */
static struct {
	cs_err (*open)(cs_arch, cs_mode, csh *);
	cs_err (*close)(csh *);
	cs_insn *(*malloc)(csh);
	bool (*iter)(csh, const uint8_t **, size_t *, uint64_t *, cs_insn *);
	void (*free)(cs_insn *, size_t);
	const char *err;
	bool ok;
} cs;
static pthread_once_t cs_once = PTHREAD_ONCE_INIT;

static void cs_load(void)
{
	static const char *const names[] = {
		"libcapstone.so.5",
		"libcapstone.so.4",
		"libcapstone.so",
	};
	void *h = NULL;
	size_t i;

	for (i = 0; !h && i < sizeof(names) / sizeof(names[0]); i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		cs.err = "libcapstone not installed (apt-get install libcapstone4)";
		return;
	}
	*(void **)&cs.open = dlsym(h, "cs_open");
	*(void **)&cs.close = dlsym(h, "cs_close");
	*(void **)&cs.malloc = dlsym(h, "cs_malloc");
	*(void **)&cs.iter = dlsym(h, "cs_disasm_iter");
	*(void **)&cs.free = dlsym(h, "cs_free");
	if (!cs.open || !cs.close || !cs.malloc || !cs.iter || !cs.free) {
		cs.err = "libcapstone lacks cs_disasm_iter (capstone 4 or later needed)";
		return;
	}
	cs.ok = true;
}

bool disasm_available(void)
{
	pthread_once(&cs_once, cs_load);
	return cs.ok;
}

const char *disasm_error(void)
{
	return disasm_available() ? NULL : cs.err;
}

/* Calls fn on each instruction from the start of code until it returns nonzero or code ends. */
static int walk(const uint8_t *code, size_t len, uint64_t vaddr,
		int (*fn)(const cs_insn *insn, uint64_t off, void *ctx), void *ctx)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr;
	size_t left = len;
	cs_insn *insn;
	csh h;
	int ret = 0;

	if (!disasm_available())
		return -ENOSYS;
	if (cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOSYS;
	insn = cs.malloc(h);
	if (!insn) {
		cs.close(&h);
		return -ENOMEM;
	}
	while (left && !ret) {
		uint64_t off = (uint64_t)(p - code);

		if (!cs.iter(h, &p, &left, &addr, insn)) {
			ret = -EBADMSG;
			break;
		}
		ret = fn(insn, off, ctx);
	}
	cs.free(insn, 1);
	cs.close(&h);
	return ret < 0 ? ret : 0;
}

struct rets_ctx {
	uint64_t *rets;
	int max, n;
};

static int on_ret(const cs_insn *insn, uint64_t off, void *ctx)
{
	struct rets_ctx *c = ctx;

	if (strcmp(insn->mnemonic, "ret"))
		return 0;
	if (c->n == c->max)
		return -E2BIG;
	c->rets[c->n++] = off;
	return 0;
}

int disasm_find_rets(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, int max)
{
	struct rets_ctx c = { .rets = rets, .max = max };
	int err = walk(code, len, vaddr, on_ret, &c);

	return err ? err : c.n;
}

struct body_ctx {
	int seen;
	bool cmp;
	uint64_t off;
};

static int on_prologue(const cs_insn *insn, uint64_t off, void *ctx)
{
	struct body_ctx *c = ctx;

	if (c->cmp) {
		if (!strcmp(insn->mnemonic, "jbe") || !strcmp(insn->mnemonic, "jb"))
			c->off = off + insn->size;
		return 1;
	}
	if (!strcmp(insn->mnemonic, "cmp") && strstr(insn->op_str, "[r14 + 0x10]"))
		c->cmp = true;
	return ++c->seen >= 4; /* the check is among the first instructions or absent */
}

int disasm_go_body_offset(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *off)
{
	struct body_ctx c = { 0 };
	int err = walk(code, len, vaddr, on_prologue, &c);

	*off = c.off;
	return err;
}

/*
 * Instructions the x86-64 uprobe code emulates or optimises (arch/x86/kernel/uprobes.c: relative
 * call/jmp/jcc, push of a register, nops) instead of single-stepping them out of line; a
 * single-step costs an extra #DB trap, about 9 us in the VMs we measured.
 */
static bool insn_emulated(const cs_insn *insn)
{
	const char *m = insn->mnemonic;

	if (!strcmp(m, "push"))
		return strncmp(insn->op_str, "0x", 2) && !strchr(insn->op_str, '[');
	if (!strcmp(m, "nop"))
		return true;
	if (m[0] == 'j' || !strcmp(m, "call"))
		return !strncmp(insn->op_str, "0x", 2); /* rel8/rel32, not indirect */
	return false;
}

static int on_first(const cs_insn *insn, uint64_t off, void *ctx)
{
	*(int *)ctx = insn_emulated(insn);
	return 1;
}

int disasm_first_emulated(const uint8_t *code, size_t len, uint64_t vaddr)
{
	int emulated = -EBADMSG;
	int err = walk(code, len, vaddr, on_first, &emulated);

	return err ? err : emulated;
}

struct call_ctx {
	uint64_t target; /* in: 0 = find the first call; else the call to look for */
	uint64_t site;	 /* out: address after the call */
	int seen;
	int found;
};

/* Straight-line prologue instructions that leave the argument registers alone. */
static bool keeps_args(const cs_insn *insn)
{
	const char *m = insn->mnemonic, *o = insn->op_str;

	return !strcmp(m, "endbr64") || !strcmp(m, "nop") ||
	       (!strcmp(m, "push") && !strchr(o, '[')) ||
	       ((!strcmp(m, "sub") || !strcmp(m, "add")) && !strncmp(o, "rsp, ", 5));
}

static int on_wrapper_call(const cs_insn *insn, uint64_t off, void *ctx)
{
	struct call_ctx *c = ctx;

	if (!strcmp(insn->mnemonic, "call") && !strncmp(insn->op_str, "0x", 2)) {
		c->target = strtoull(insn->op_str, NULL, 16);
		c->site = insn->address + insn->size;
		c->found = 1;
		return 1;
	}
	/* anything else may move the arguments or branch away: not a plain wrapper */
	return keeps_args(insn) && ++c->seen < 8 ? 0 : 1;
}

/* Walks code with fn, which stops at the call it looks for: 0 with c filled, or -ENOENT. */
static int find_call(const uint8_t *code, size_t len, uint64_t vaddr,
		     int (*fn)(const cs_insn *insn, uint64_t off, void *ctx), struct call_ctx *c)
{
	int err = walk(code, len, vaddr, fn, c);

	if (err)
		return err;
	return c->found ? 0 : -ENOENT;
}

int disasm_wrapper_call(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *target,
			uint64_t *site)
{
	struct call_ctx c = { 0 };
	int err = find_call(code, len, vaddr, on_wrapper_call, &c);

	if (!err) {
		*target = c.target;
		*site = c.site;
	}
	return err;
}

static int on_call_to(const cs_insn *insn, uint64_t off, void *ctx)
{
	struct call_ctx *c = ctx;

	if (!strcmp(insn->mnemonic, "ret") || ++c->seen > 64)
		return 1;
	if (!strcmp(insn->mnemonic, "call") && !strncmp(insn->op_str, "0x", 2) &&
	    strtoull(insn->op_str, NULL, 16) == c->target) {
		c->site = insn->address + insn->size;
		c->found = 1;
		return 1;
	}
	return 0;
}

int disasm_find_call_to(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target,
			uint64_t *site)
{
	struct call_ctx c = { .target = target };
	int err = find_call(code, len, vaddr, on_call_to, &c);

	if (!err)
		*site = c.site;
	return err;
}

#else /* !TT_HAVE_CAPSTONE */

bool disasm_available(void)
{
	return false;
}

const char *disasm_error(void)
{
	return "built without capstone headers (apt-get install libcapstone-dev, rebuild)";
}

int disasm_find_rets(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *rets, int max)
{
	return -ENOSYS;
}

int disasm_go_body_offset(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *off)
{
	*off = 0;
	return -ENOSYS;
}
int disasm_first_emulated(const uint8_t *code, size_t len, uint64_t vaddr)
{
	return -ENOSYS;
}

int disasm_wrapper_call(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *target,
			uint64_t *site)
{
	return -ENOSYS;
}

int disasm_find_call_to(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t target,
			uint64_t *site)
{
	return -ENOSYS;
}
#endif
