/* SPDX-License-Identifier: GPL-2.0 */
/* sock.bpf.h: what sock.bpf.c decides from a socket's kernel state and first bytes: TCP or not,
 * its addresses, the protocol it carries. Needs <bpf/bpf_core_read.h> and <bpf/bpf_endian.h>. */
#ifndef TT_SOCK_BPF_H
#define TT_SOCK_BPF_H

#define SOCK_AF_INET	 2
#define SOCK_AF_INET6	 10
#define SOCK_STREAM_TYPE 1

enum sock_kind {
	SK_UNKNOWN = 0, /* no bytes that tell yet */
	SK_PLAIN = 1,	/* HTTP: captured */
	SK_SKIP = 2,	/* TLS or another protocol: never captured */
	SK_TLS = 3,	/* a TLS client: counted in tls_socks, never captured */
};

/* Whether sock is an IPv4/IPv6 stream socket. */
static __always_inline bool sock_is_tcp(struct socket *sock)
{
	__u16 family;

	if (BPF_CORE_READ(sock, type) != SOCK_STREAM_TYPE)
		return false;
	family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	return family == SOCK_AF_INET || family == SOCK_AF_INET6;
}

/* The socket behind fd when it is an IPv4/IPv6 stream socket, else NULL. */
static __always_inline struct socket *tcp_socket(long fd, __u64 *ino)
{
	struct socket *sock = fd_socket(fd, ino);

	return sock && sock_is_tcp(sock) ? sock : NULL;
}

#define FOURCC(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)

/*
 * What the first bytes of a call say about the socket (b[4..5] are 0 when the call moved only
 * four). A client's first write on a new TLS connection is a handshake record (22) whose
 * first message is a ClientHello (type 1, after the 5-byte record header).
 */
static __always_inline __u8 sock_kind_of(const __u8 *b, __u8 dir)
{
	__u32 w = FOURCC(b[0], b[1], b[2], b[3]);

	/* TLS record header: content type 20..23, version major 3 */
	if (b[0] >= 0x14 && b[0] <= 0x17 && b[1] == 0x03) {
		if (dir == TT_DIR_WRITE && b[0] == 0x16 && b[5] == 0x01)
			return SK_TLS;
		return SK_SKIP;
	}
	switch (w) {
	case FOURCC('G', 'E', 'T', ' '):
	case FOURCC('P', 'O', 'S', 'T'):
	case FOURCC('P', 'U', 'T', ' '):
	case FOURCC('H', 'E', 'A', 'D'):
	case FOURCC('D', 'E', 'L', 'E'):
	case FOURCC('P', 'A', 'T', 'C'):
	case FOURCC('O', 'P', 'T', 'I'):
	case FOURCC('C', 'O', 'N', 'N'):
	case FOURCC('T', 'R', 'A', 'C'):
	case FOURCC('P', 'R', 'I', ' '): /* HTTP/2 prior knowledge (h2c) */
	case FOURCC('H', 'T', 'T', 'P'): /* a response: tracing began mid-connection */
		return SK_PLAIN;
	}
	return SK_UNKNOWN;
}

/*
 * The addresses of socket sk (inode ino, as fd) into e: a record, or scratch for a larger one.
 * IPv4-mapped IPv6 addresses come out as AF_INET.
 */
static __always_inline void sock_fill(struct tt_sock *e, struct sock *sk, __u64 ino, __s32 fd)
{
	__u32 *l6, *r6;

	e->conn = TT_CONN_SOCK | ino;
	e->fd = fd;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->pad0 = 0;
	e->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	if (e->family == SOCK_AF_INET6) {
		bpf_core_read(e->laddr, sizeof(e->laddr), &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, sizeof(e->raddr), &sk->__sk_common.skc_v6_daddr);
		l6 = (__u32 *)e->laddr;
		r6 = (__u32 *)e->raddr;
		/* a dual-stack socket talking IPv4: ::ffff:a.b.c.d */
		if (r6[0] == 0 && r6[1] == 0 && r6[2] == bpf_htonl(0xffff) && l6[0] == 0 &&
		    l6[1] == 0 && l6[2] == bpf_htonl(0xffff))
			e->family = SOCK_AF_INET;
	}
	if (e->family == SOCK_AF_INET) {
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
		__builtin_memset(e->raddr, 0, sizeof(e->raddr));
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
	}
}

#endif /* TT_SOCK_BPF_H */
