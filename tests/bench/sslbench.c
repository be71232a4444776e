// SPDX-License-Identifier: MIT
/* sslbench.c: the per-call cost of SSL_write and SSL_read on one thread, for `make bench`.
 *
 * A TLS 1.3 handshake between two SSL objects over a BIO pair, then, per size: N SSL_write
 * calls whose ciphertext goes to /dev/null (one write(2) per call, as on a socket), and N
 * SSL_read calls decrypting records the peer produced beforehand into a memory BIO. Prints
 * `call write|read SIZE MEDIAN_US MIN_US` per size, the median and minimum over REPS repetitions
 * of N calls. `sslbench idle SECS` only sleeps (a process for -p to trace). `sslbench write
 * SIZE N REPS` times only the writes, of SIZE bytes (a request of many MiB in one call, as
 * CPython's ssl sends a body). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static SSL_CTX *server_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();

	if (!ctx || !pk || !x)
		return NULL;
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, pk);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"bench", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, pk, EVP_sha256()) || SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pk) != 1)
		return NULL;
	SSL_CTX_set_num_tickets(ctx, 0); /* nothing pending after the handshake */
	X509_free(x);
	EVP_PKEY_free(pk);
	return ctx;
}

static int handshake(SSL *c, SSL *s)
{
	int i, rc, rs = 0;

	for (i = 0; i < 100; i++) {
		rc = SSL_do_handshake(c);
		if (rs != 1)
			rs = SSL_do_handshake(s);
		if (rc == 1 && rs == 1)
			return 0;
	}
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, int size, double *t, int reps)
{
	qsort(t, reps, sizeof(*t), cmp_double);
	printf("call %s %d %.3f %.3f\n", what, size, t[reps / 2], t[0]);
	fflush(stdout);
}

/* One SSL_write (write) or SSL_read of size bytes: 0 when all of them went. */
static inline int call_once(SSL *c, unsigned char *buf, int size, bool write)
{
	return (write ? SSL_write(c, buf, size) : SSL_read(c, buf, size)) == size ? 0 : -1;
}

/* Times n calls, reps times, after n / 4 to warm up: microseconds a call in t. */
static inline int time_calls(SSL *c, unsigned char *buf, int size, bool write, int n, int reps,
			     double *t)
{
	int r, i;
	double t0;

	for (i = 0; i < n / 4; i++)
		if (call_once(c, buf, size, write))
			return -1;
	for (r = 0; r < reps; r++) {
		t0 = now_us();
		for (i = 0; i < n; i++)
			if (call_once(c, buf, size, write))
				return -1;
		t[r] = (now_us() - t0) / n;
	}
	return 0;
}

/* Times N SSL_write calls of size bytes, REPS times; ciphertext to /dev/null. */
static int bench_write(SSL *c, int size, int n, int reps, double *t)
{
	unsigned char *buf = calloc(1, size);
	int err;

	if (!buf)
		return -1;
	memset(buf, 'w', size);
	err = time_calls(c, buf, size, true, n, reps, t);
	free(buf);
	return err;
}

/* Times N SSL_read calls of size bytes, REPS times, from records s wrote to a memory BIO. */
static int bench_read(SSL *c, SSL *s, int size, int n, int reps, double *t)
{
	unsigned char *buf = calloc(1, size);
	int total = n / 4 + n * reps, i, err = -1;
	BIO *mem = BIO_new(BIO_s_mem());

	if (!buf || !mem)
		goto out;
	memset(buf, 'r', size);
	BIO_up_ref(mem);
	SSL_set0_wbio(s, mem);
	SSL_set0_rbio(c, mem);
	for (i = 0; i < total; i++)
		if (SSL_write(s, buf, size) != size)
			goto out;
	err = time_calls(c, buf, size, false, n, reps, t);
out:
	free(buf);
	return err;
}

static int run_size(SSL_CTX *cctx, SSL_CTX *sctx, int size, int n, int reps, bool reads)
{
	SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
	BIO *cb = NULL, *sb = NULL;
	double t[64];
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (!c || !s || devnull < 0 || !BIO_new_bio_pair(&cb, 1 << 20, &sb, 1 << 20))
		return -1;
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	SSL_set_bio(c, cb, cb);
	SSL_set_bio(s, sb, sb);
	if (handshake(c, s))
		return -1;
	SSL_set0_wbio(c, BIO_new_fd(devnull, BIO_CLOSE));
	if (bench_write(c, size, n, reps, t))
		return -1;
	report("write", size, t, reps);
	if (reads && bench_read(c, s, size, n, reps, t))
		return -1;
	if (reads)
		report("read", size, t, reps);
	SSL_free(c);
	SSL_free(s);
	return 0;
}

/* sslbench write SIZE N REPS: only SSL_write calls of SIZE bytes. */
static int write_only(int size, int n, int reps)
{
	SSL_CTX *cctx = SSL_CTX_new(TLS_client_method()), *sctx = server_ctx();

	if (size <= 0 || n <= 0 || reps <= 0 || reps > 64 || !cctx || !sctx) {
		fprintf(stderr, "sslbench write: bad arguments or TLS setup failed\n");
		return 1;
	}
	SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
	if (run_size(cctx, sctx, size, n, reps, false)) {
		fprintf(stderr, "sslbench: size %d failed\n", size);
		return 1;
	}
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return 0;
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 64, 1024, 16384 };
	int n = argc > 1 ? atoi(argv[1]) : 2000, reps = argc > 2 ? atoi(argv[2]) : 7;
	SSL_CTX *cctx, *sctx;
	size_t i;

	if (argc > 2 && !strcmp(argv[1], "idle")) {
		sleep(atoi(argv[2]));
		return 0;
	}
	if (argc > 4 && !strcmp(argv[1], "write"))
		return write_only(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (n <= 0 || reps <= 0 || reps > 64) {
		fprintf(stderr, "usage: sslbench [N [REPS]] | sslbench idle SECS\n");
		return 2;
	}
	cctx = SSL_CTX_new(TLS_client_method());
	sctx = server_ctx();
	if (!cctx || !sctx) {
		fprintf(stderr, "sslbench: TLS setup failed\n");
		return 1;
	}
	SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (run_size(cctx, sctx, sizes[i], n, reps, true)) {
			fprintf(stderr, "sslbench: size %d failed\n", sizes[i]);
			return 1;
		}
	}
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return 0;
}
