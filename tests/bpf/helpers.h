/* SPDX-License-Identifier: MIT */
/* helpers.h: the .bss and .rodata of tests/bpf/helpers.bpf.c, shared with the tests that read
 * them through its skeleton (bpftool's skeleton names these types without defining them). */
#ifndef TT_TESTS_BPF_HELPERS_H
#define TT_TESTS_BPF_HELPERS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif
#include "tt_abi.h"

/* The constants of the bpf/ headers that outputs are compared with, as the object has them. */
struct consts {
	__u8 sk_unknown;
	__u8 sk_plain;
	__u8 sk_skip;
	__u8 sk_tls;
	__u32 aead_tls12;
	__u32 aead_tls13;
	__u32 aead_rec_max;
};

struct kind_io {
	__u8 b[6]; /* a call's first bytes */
	__u8 dir;
	__u8 kind; /* out: sock_kind_of */
};

struct lib_io {
	char path[TT_PATH_MAX];
	__u32 len;
	__u32 yes; /* out: is_tls_lib */
};

struct aead_io {
	__u64 ad; /* user address of the additional data */
	__u64 ad_len;
	__u64 p; /* user address of a record's plaintext */
	__u64 n;
	__u32 rec_kind; /* for aead_app_len */
	__u32 kind;	/* out: aead_kind(ad, ad_len) */
	__u32 app_len;	/* out: aead_app_len(p, n, rec_kind) */
	__u32 pad;
};

struct fd_io {
	__s64 fd;
	__u64 ino;	     /* out: fd_socket's inode number */
	__u32 is_sock;	     /* out: fd_socket found a socket */
	__u32 is_tcp;	     /* out: sock_is_tcp */
	struct tt_sock addr; /* out: sock_fill, for a TCP socket */
};

/* A run for data_out (as sock_emit_seg makes them), or a call for emit_call (len, flags unset). */
struct run_io {
	__u64 conn;
	__u64 buf; /* user address */
	__u64 pos;
	__u32 call_len;
	__u32 len;
	__s32 fd;
	__u8 dir;
	__u8 src;
	__u8 flags;
	__u8 lib;
};

struct init_io {
	__u32 key;
	__u32 pad;
	__u64 init;
	__u64 got; /* out: the value found or added (the program then adds 1) */
};

#endif /* TT_TESTS_BPF_HELPERS_H */
