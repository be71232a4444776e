// SPDX-License-Identifier: MIT
/*
 * lto_ssl_client.c: an HTTPS client for the e2e tests, linked statically with link-time
 * optimisation against an OpenSSL built with -flto (test_sea.py), then stripped. LTO inlines
 * SSL_write, SSL_read and ssl_*_internal into their one caller here: no exported entry point
 * and no function of its own is left for them, only the record layer that the SSL_METHOD table
 * calls through a pointer (ssl3_write_bytes, ssl3_read_bytes).
 *
 *   lto_ssl_client PORT REQUEST_FILE
 *
 * Connects to 127.0.0.1:PORT, sends the file (an HTTP request with "Connection: close") with
 * SSL_write, copies the answer to stdout with SSL_read until the server closes. No certificate
 * check (a test server).
 */
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char req[1 << 20], buf[16384];
	struct sockaddr_in a = { .sin_family = AF_INET };
	size_t len, got = 0;
	SSL_CTX *ctx;
	FILE *f;
	SSL *s;
	int fd, n;

	if (argc != 3)
		return 2;
	f = fopen(argv[2], "rb");
	if (!f)
		return 2;
	len = fread(req, 1, sizeof(req), f);
	fclose(f);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return 3;
	ctx = SSL_CTX_new(TLS_client_method());
	s = ctx ? SSL_new(ctx) : NULL;
	if (!s || !SSL_set_fd(s, fd) || SSL_connect(s) != 1)
		return 4;
	if (SSL_write(s, req, (int)len) != (int)len)
		return 5;
	while ((n = SSL_read(s, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		got += (size_t)n;
	}
	SSL_free(s);
	SSL_CTX_free(ctx);
	close(fd);
	return got ? 0 : 6;
}
