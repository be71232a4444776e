// SPDX-License-Identifier: MIT
/*
 * tls_hello: a TLS client the tracer cannot see into, for test_unsupported_tls.py. It sends a
 * recorded ClientHello (a .bin of tests/fixtures/tls) to 127.0.0.1:PORT, reads what the server
 * answers (its ServerHello and the rest of its flight) until it stops, and closes, or exits
 * with the socket still open (--keep-open). No TLS library is involved, so nothing is probed:
 * to the tracer it looks like any TLS stack it has no probe for.
 * Usage: tls_hello PORT HELLO_FILE [--keep-open]; prints the bytes sent and received.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char hello[16384], buf[65536];
	size_t n, got = 0;
	struct pollfd pfd;
	FILE *f;
	ssize_t r;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: tls_hello PORT HELLO_FILE [--keep-open]\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	n = fread(hello, 1, sizeof(hello), f);
	fclose(f);
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return 1;
	}
	if (write(fd, hello, n) != (ssize_t)n) {
		perror("write");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	/* the server's flight comes at once: stop when it has been quiet for 300 ms */
	while (poll(&pfd, 1, 300) > 0) {
		r = read(fd, buf, sizeof(buf));
		if (r <= 0)
			break;
		got += r;
	}
	printf("sent %zu received %zu\n", n, got);
	fflush(stdout);
	if (argc > 3 && !strcmp(argv[3], "--keep-open"))
		exit(0); /* exit_group() with the socket open */
	close(fd);
	return 0;
}
