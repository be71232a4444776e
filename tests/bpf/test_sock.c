// SPDX-License-Identifier: MIT
/* test_sock.c: bpf/sock.bpf.h and the fd walk of bpf/tt.bpf.h in the kernel: a socket's kind
 * from its first bytes, and what the walk finds behind this process's own descriptors. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_test.h"
#include "test.h"

/* The inode number of this process's network namespace, as the kernel's ns.inum. */
static __u32 self_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

enum want_kind { UNKNOWN, PLAIN, SKIP, TLS };

static __u8 kind_value(const struct consts *c, enum want_kind k)
{
	switch (k) {
	case PLAIN:
		return c->sk_plain;
	case SKIP:
		return c->sk_skip;
	case TLS:
		return c->sk_tls;
	default:
		return c->sk_unknown;
	}
}

void test_sock_kind(void)
{
	static const struct {
		const char *name;
		__u8 b[6];
		__u8 dir;
		enum want_kind want;
	} cases[] = {
		{ "get", "GET /", TT_DIR_WRITE, PLAIN },
		{ "post", "POST /", TT_DIR_WRITE, PLAIN },
		{ "put", "PUT /", TT_DIR_WRITE, PLAIN },
		{ "head", "HEAD /", TT_DIR_WRITE, PLAIN },
		{ "delete", "DELETE", TT_DIR_WRITE, PLAIN },
		{ "patch", "PATCH ", TT_DIR_WRITE, PLAIN },
		{ "options", "OPTION", TT_DIR_WRITE, PLAIN },
		{ "connect", "CONNEC", TT_DIR_WRITE, PLAIN },
		{ "trace", "TRACE ", TT_DIR_WRITE, PLAIN },
		{ "h2c_preface", "PRI * ", TT_DIR_WRITE, PLAIN },
		{ "response_mid_stream", "HTTP/1", TT_DIR_READ, PLAIN },
		{ "method_read_side", "GET /", TT_DIR_READ, PLAIN },
		{ "lowercase_method", "get /", TT_DIR_WRITE, UNKNOWN },
		{ "method_no_space", "GETX/", TT_DIR_WRITE, UNKNOWN },
		{ "put_no_space", "PUTS ", TT_DIR_WRITE, UNKNOWN },
		{ "nul_bytes", { 0, 0, 0, 0, 0, 0 }, TT_DIR_WRITE, UNKNOWN },
		{ "redis", "*1\r\n$4", TT_DIR_WRITE, UNKNOWN },
		{ "client_hello", { 0x16, 0x03, 0x01, 0x00, 0xa5, 0x01 }, TT_DIR_WRITE, TLS },
		{ "client_hello_tls12", { 0x16, 0x03, 0x03, 0x02, 0x00, 0x01 }, TT_DIR_WRITE, TLS },
		{ "client_hello_read", { 0x16, 0x03, 0x01, 0x00, 0xa5, 0x01 }, TT_DIR_READ, SKIP },
		{ "server_hello", { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02 }, TT_DIR_WRITE, SKIP },
		{ "handshake_4_bytes", { 0x16, 0x03, 0x01, 0x00, 0, 0 }, TT_DIR_WRITE, SKIP },
		{ "change_cipher_spec", { 0x14, 3, 3, 0x00, 0x01, 0x01 }, TT_DIR_WRITE, SKIP },
		{ "alert", { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02 }, TT_DIR_READ, SKIP },
		{ "app_data", { 0x17, 0x03, 0x03, 0x01, 0x00, 0x01 }, TT_DIR_WRITE, SKIP },
		{ "type_below_tls", { 0x13, 0x03, 0x03, 0x00, 0x10, 0x01 }, TT_DIR_WRITE, UNKNOWN },
		{ "type_above_tls", { 0x18, 0x03, 0x03, 0x00, 0x10, 0x01 }, TT_DIR_WRITE, UNKNOWN },
		{ "version_major_2", { 0x16, 2, 0, 0x00, 0x10, 0x01 }, TT_DIR_WRITE, UNKNOWN },
	};
	struct helpers *s = bpf_test__load();
	size_t i;

	if (!s)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!test__start_subtest(cases[i].name))
			continue;
		memcpy(s->bss->kind_io.b, cases[i].b, sizeof(cases[i].b));
		s->bss->kind_io.dir = cases[i].dir;
		s->bss->kind_io.kind = 0xff;
		if (!ASSERT_OK(bpf_test__run(s->progs.sock_kind), "run"))
			break;
		ASSERT_EQ(s->bss->kind_io.kind, kind_value(&s->rodata->consts, cases[i].want),
			  cases[i].name);
	}
	helpers__destroy(s);
}

/* Runs the fd walk on fd; false when the run failed. */
static bool walk(struct helpers *s, long fd)
{
	memset(&s->bss->fd_io, 0xa5, sizeof(s->bss->fd_io));
	s->bss->fd_io.fd = fd;
	s->bss->fd_io.is_sock = 7;
	s->bss->fd_io.is_tcp = 7;
	return ASSERT_OK(bpf_test__run(s->progs.fd_sock), "run");
}

static void check_not_socket(struct helpers *s, const char *name, long fd)
{
	if (!test__start_subtest(name) || !walk(s, fd))
		return;
	ASSERT_EQ(s->bss->fd_io.is_sock, 0, name);
	ASSERT_EQ(s->bss->fd_io.is_tcp, 0, name);
}

/* A socket that is not TCP: found, with its inode, and not taken for TCP. */
static void check_other_socket(struct helpers *s, const char *name, int fd)
{
	struct stat st;

	if (!test__start_subtest(name) || !ASSERT_OK(fstat(fd, &st), "fstat") || !walk(s, fd))
		return;
	ASSERT_EQ(s->bss->fd_io.is_sock, 1, name);
	ASSERT_EQ(s->bss->fd_io.ino, st.st_ino, "inode");
	ASSERT_EQ(s->bss->fd_io.is_tcp, 0, name);
}

void test_fd_socket_not_tcp(void)
{
	int pipefd[2] = { -1, -1 }, pair[2] = { -1, -1 }, devnull, udp, closed;
	struct helpers *s = bpf_test__load();
	struct rlimit rl;

	if (!s)
		return;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_GE(devnull, 0, "open") || !ASSERT_GE(udp, 0, "socket") ||
	    !ASSERT_GE(closed, 0, "open") || !ASSERT_OK(close(closed), "close") ||
	    !ASSERT_OK(pipe2(pipefd, O_CLOEXEC), "pipe") ||
	    !ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), "socketpair") ||
	    !ASSERT_OK(getrlimit(RLIMIT_NOFILE, &rl), "getrlimit"))
		goto out;
	check_not_socket(s, "dev_null", devnull);
	check_not_socket(s, "pipe", pipefd[1]);
	check_not_socket(s, "closed_fd", closed);
	check_not_socket(s, "negative_fd", -1);
	check_not_socket(s, "fd_past_table", 1 << 20);
	check_not_socket(s, "fd_past_rlimit", (long)rl.rlim_max + 1);
	check_other_socket(s, "unix_stream", pair[0]);
	check_other_socket(s, "udp", udp);
out:
	close(devnull);
	close(udp);
	close(pipefd[0]);
	close(pipefd[1]);
	close(pair[0]);
	close(pair[1]);
	helpers__destroy(s);
}

/*
 * A connected pair over loopback: the client *c and the socket *a accepted by a listener on
 * addr. v4_client: the client connects to 127.0.0.1 (addr is an IPv6 wildcard: the accepted
 * socket is dual-stack). False when the pair could not be made.
 */
static bool tcp_pair(const void *addr, socklen_t alen, bool v4_client, int *c, int *a)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int l;

	*c = *a = -1;
	l = socket(((const struct sockaddr *)addr)->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, addr, alen) || listen(l, 1) || getsockname(l, (void *)&ss, &len))
		goto out;
	if (v4_client) {
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in.sin_port = ((struct sockaddr_in6 *)&ss)->sin6_port;
		memcpy(&ss, &in, sizeof(in));
		len = sizeof(in);
	}
	*c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c >= 0 && !connect(*c, (void *)&ss, len))
		*a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
out:
	if (l >= 0)
		close(l);
	return *c >= 0 && *a >= 0;
}

/* fd is a TCP socket: the walk finds it, its inode, and the addresses the kernel gives. */
static void check_tcp(struct helpers *s, const char *name, int fd, int want_family)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	struct tt_sock *a = &s->bss->fd_io.addr;
	struct stat st;
	size_t n = want_family == AF_INET ? 4 : 16;
	const void *la, *ra;
	int lport, rport;

	if (!test__start_subtest(name) || !ASSERT_OK(fstat(fd, &st), "fstat") ||
	    !ASSERT_OK(getsockname(fd, (void *)&l, &ll), "getsockname") ||
	    !ASSERT_OK(getpeername(fd, (void *)&r, &rl), "getpeername") || !walk(s, fd))
		return;
	ASSERT_EQ(s->bss->fd_io.is_sock, 1, "is_sock");
	ASSERT_EQ(s->bss->fd_io.is_tcp, 1, "is_tcp");
	ASSERT_EQ(s->bss->fd_io.ino, st.st_ino, "inode");
	ASSERT_EQ(a->conn, TT_CONN_SOCK | st.st_ino, "conn");
	ASSERT_EQ(a->fd, fd, "fd");
	ASSERT_EQ(a->family, want_family, "family");
	if (l.ss_family == AF_INET) {
		la = &((struct sockaddr_in *)&l)->sin_addr;
		ra = &((struct sockaddr_in *)&r)->sin_addr;
		lport = ntohs(((struct sockaddr_in *)&l)->sin_port);
		rport = ntohs(((struct sockaddr_in *)&r)->sin_port);
	} else {
		/* a dual-stack socket reports the IPv4 address at the end of ::ffff:a.b.c.d */
		la = (char *)&((struct sockaddr_in6 *)&l)->sin6_addr + 16 - n;
		ra = (char *)&((struct sockaddr_in6 *)&r)->sin6_addr + 16 - n;
		lport = ntohs(((struct sockaddr_in6 *)&l)->sin6_port);
		rport = ntohs(((struct sockaddr_in6 *)&r)->sin6_port);
	}
	ASSERT_EQ(a->lport, lport, "lport");
	ASSERT_EQ(a->rport, rport, "rport");
	ASSERT_MEMEQ(a->laddr, n, la, n, "laddr");
	ASSERT_MEMEQ(a->raddr, n, ra, n, "raddr");
	if (n == 4) {
		static const __u8 zero[12];

		ASSERT_MEMEQ(a->laddr + 4, 12, zero, 12, "laddr zero-filled");
		ASSERT_MEMEQ(a->raddr + 4, 12, zero, 12, "raddr zero-filled");
	}
	ASSERT_EQ(a->pad0, 0, "pad0");
	/* the network namespace the socket lives in: this test's (its inode number) */
	ASSERT_EQ(a->netns, self_netns(), "netns");
}

/* The pair made by tcp_pair, checked from both ends; family: what sock_fill must report. */
static void check_pair(const void *addr, socklen_t alen, bool v4_client, int family)
{
	struct helpers *s = bpf_test__load();
	int c, a;

	if (!s)
		return;
	if (!tcp_pair(addr, alen, v4_client, &c, &a)) {
		test__skip(v4_client || family == AF_INET6 ? "no IPv6 loopback" : "no loopback");
		goto out;
	}
	check_tcp(s, "client", c, family);
	check_tcp(s, "accepted", a, family);
out:
	close(c);
	close(a);
	helpers__destroy(s);
}

void test_fd_socket_tcp4(void)
{
	struct sockaddr_in v4 = { .sin_family = AF_INET };

	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	check_pair(&v4, sizeof(v4), false, AF_INET);
}

void test_fd_socket_tcp6(void)
{
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	check_pair(&v6, sizeof(v6), false, AF_INET6);
}

/* A dual-stack socket talking IPv4 (::ffff:127.0.0.1) is reported as AF_INET. */
void test_fd_socket_tcp_mapped(void)
{
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };

	check_pair(&any6, sizeof(any6), true, AF_INET);
}
