// SPDX-License-Identifier: MIT
/*
 * export_tls.c: mTLS to the collector. The CA bundle, client certificate and key are read once,
 * when the exporter starts: later the tracer has dropped the capabilities that let root read
 * any file, and a missing or unreadable file is better said at start than at the first batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_tls.h"
#include "tt_limits.h"
#include "log.h"

/* Reads path whole into b (at most TT_MAX_EXPORT_PEM bytes): 0 or -errno. */
static int pem_read(struct curl_blob *b, const char *path)
{
	struct stat st;
	ssize_t n;
	char *p;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if (st.st_size > TT_MAX_EXPORT_PEM)
		err = -EFBIG;
	p = err ? NULL : malloc((size_t)st.st_size + 1);
	if (!err && !p)
		err = -ENOMEM;
	/* a file that grows meanwhile is cut at its size: the read is bounded either way */
	n = err ? -1 : read(fd, p, (size_t)st.st_size);
	if (!err && n < 0)
		err = -errno;
	close(fd);
	if (err) {
		free(p);
		return err;
	}
	b->data = p;
	b->len = (size_t)n;
	b->flags = CURL_BLOB_COPY;
	return 0;
}

static int pem_load(struct curl_blob *b, const char *path, const char *what)
{
	int err;

	if (!path)
		return 0;
	err = pem_read(b, path);
	if (err)
		tt_err("export: cannot read the OTLP %s %s: %s", what, path, strerror(-err));
	return err;
}

int export_tls__load(struct export_tls *t, const struct export_opts *o)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (!o->client_cert != !o->client_key) {
		tt_err("export: an OTLP client certificate needs its key, and a key its certificate");
		return -EINVAL;
	}
	err = pem_load(&t->ca, o->ca_file, "CA file");
	err = err ?: pem_load(&t->cert, o->client_cert, "client certificate");
	err = err ?: pem_load(&t->key, o->client_key, "client key");
	if (err)
		export_tls__free(t);
	return err;
}

void export_tls__apply(const struct export_tls *t, CURL *c)
{
	if (t->ca.data) {
		/* that CA only, as the spec means: not also the built-in bundle and path */
		curl_easy_setopt(c, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &t->ca);
	}
	if (t->cert.data) {
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &t->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &t->key);
	}
}

static void blob_free(struct curl_blob *b)
{
	if (b->data)
		memset(b->data, 0, b->len); /* the key: not left in freed memory */
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

void export_tls__free(struct export_tls *t)
{
	blob_free(&t->ca);
	blob_free(&t->cert);
	blob_free(&t->key);
}
