// SPDX-License-Identifier: MIT
/*
 * static_ssl_client.c: an HTTPS client for the e2e tests, linked statically against OpenSSL
 * (libssl.a) and stripped by the test, like a standalone Python build: no SSL_* symbols left.
 *
 *   static_ssl_client PORT REQUEST_FILE RESPONSE_BYTES
 *
 * Connects to 127.0.0.1:PORT, sends the file with SSL_write (the request head) and
 * SSL_write_ex (the rest), reads with SSL_read_ex until RESPONSE_BYTES came (0: until the
 * server closes, after "Connection: close"), writes them to stdout. No certificate check (a
 * test server). test_sea.py also links it with -flto against an OpenSSL built with -flto.
 */
#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char req[1 << 20], buf[65536];
	struct sockaddr_in a = { .sin_family = AF_INET };
	size_t n, len, head, want, got = 0;
	SSL_CTX *ctx;
	FILE *f;
	SSL *s;
	int fd;

	if (argc != 4)
		return 2;
	f = fopen(argv[2], "rb");
	if (!f)
		return 2;
	len = fread(req, 1, sizeof(req), f);
	fclose(f);
	want = strtoul(argv[3], NULL, 10);
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return 3;
	ctx = SSL_CTX_new(TLS_client_method());
	s = ctx ? SSL_new(ctx) : NULL;
	if (!s || !SSL_set_fd(s, fd) || SSL_connect(s) != 1)
		return 4;
	head = strstr(req, "\r\n\r\n") ? (size_t)(strstr(req, "\r\n\r\n") - req) + 4 : len;
	if (SSL_write(s, req, (int)head) != (int)head)
		return 5;
	if (len > head && (!SSL_write_ex(s, req + head, len - head, &n) || n != len - head))
		return 5;
	while ((!want || got < want) && SSL_read_ex(s, buf, sizeof(buf), &n) == 1) {
		fwrite(buf, 1, n, stdout);
		got += n;
	}
	SSL_shutdown(s);
	SSL_free(s);
	SSL_CTX_free(ctx);
	close(fd);
	return got && got >= want ? 0 : 6;
}
