// SPDX-License-Identifier: MIT
/* test_rawfmt.c: --raw JSON lines and record validation. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "rawfmt.h"
#include "records.h"
#include "test.h"
#include "tt_abi.h"

static const struct rawfmt_clock clk = { .boot_ns = 1000000000ull,
					 .real_ns = 1767225600000000000ull }; /* 2026-01-01 */

static cJSON *render(const void *rec, size_t size)
{
	struct tt_buf b;
	cJSON *j = NULL;

	tt_buf_init(&b, 1 << 20);
	if (ASSERT_OK(rawfmt_record(&b, rec, size, &clk), "render") &&
	    ASSERT_EQ(b.data[b.len - 1], '\n', "ends with newline"))
		j = cJSON_ParseWithLength((const char *)b.data, b.len);
	ASSERT_OK_PTR(j, "valid JSON");
	tt_buf_free(&b);
	return j;
}

static void hdr(struct tt_hdr *h, int type, size_t size)
{
	h->type = type;
	h->abi = TT_ABI_VERSION;
	h->size = size;
	h->ts_ns = 2500000001ull; /* 1.500000001 s after the clock base */
	h->pid = 100;
	h->tid = 101;
	strcpy(h->comm, "python3");
}

void test_rawfmt_data_text_and_binary(void)
{
	unsigned char buf[sizeof(struct tt_data) + 32];
	struct tt_data *d = (void *)buf;
	cJSON *j;

	memset(buf, 0, sizeof(buf));
	hdr(&d->h, TT_REC_DATA, sizeof(*d) + 18);
	d->conn = 0x55aa;
	d->pos = 4096;
	d->call_len = 70000;
	d->len = 18;
	d->dir = TT_DIR_WRITE;
	d->flags = TT_DF_TRUNCATED;
	d->src = TT_SRC_SSL_EX;
	d->fd = 3;
	memcpy(d->data, "GET / HTTP/1.1\r\n\r\n", 18);
	j = render(buf, sizeof(*d) + 18);
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "time")->valuestring, "2026-01-01T00:00:01.500000001Z",
		     "wall clock time");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "data", "type");
	ASSERT_EQ(cJSON_GetObjectItem(j, "pid")->valueint, 100, "pid");
	ASSERT_EQ(cJSON_GetObjectItem(j, "tid")->valueint, 101, "tid");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "comm")->valuestring, "python3", "comm");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "dir")->valuestring, "write", "dir");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "conn")->valuestring, "0x55aa", "conn");
	ASSERT_EQ(cJSON_GetObjectItem(j, "pos")->valuedouble, 4096, "pos");
	ASSERT_EQ(cJSON_GetObjectItem(j, "len")->valueint, 18, "len");
	ASSERT_EQ(cJSON_GetObjectItem(j, "call_len")->valueint, 70000, "call_len");
	ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(j, "truncated")), "truncated");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "src")->valuestring, "ssl_ex", "src");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "text")->valuestring, "GET / HTTP/1.1\r\n\r\n", "text");
	cJSON_Delete(j);

	memcpy(d->data, "\x1f\x8b\x08\x00", 4);
	d->len = 4;
	d->h.size = sizeof(*d) + 4;
	d->dir = TT_DIR_READ;
	j = render(buf, sizeof(*d) + 4);
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "dir")->valuestring, "read", "dir read");
	ASSERT_NULL(cJSON_GetObjectItem(j, "text"), "no text for binary");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "base64")->valuestring, "H4sIAA==", "base64");
	cJSON_Delete(j);
}

void test_rawfmt_exec_exit(void)
{
	static struct tt_exec e;
	struct tt_exit x;
	cJSON *j, *argv;

	memset(&e, 0, sizeof(e));
	hdr(&e.h, TT_REC_EXEC, sizeof(e));
	e.ppid = 99;
	strcpy(e.path, "/usr/bin/curl");
	e.path_len = 13;
	memcpy(e.args, "curl\0-sk\0https://x/\0", 20);
	e.args_len = 20;
	e.args_full = 20;
	j = render(&e, sizeof(e));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "filename")->valuestring, "/usr/bin/curl", "filename");
	argv = cJSON_GetObjectItem(j, "argv");
	ASSERT_EQ(cJSON_GetArraySize(argv), 3, "argc");
	ASSERT_STREQ(cJSON_GetArrayItem(argv, 2)->valuestring, "https://x/", "argv[2]");
	ASSERT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(j, "args_truncated")), "not truncated");
	ASSERT_EQ(cJSON_GetObjectItem(j, "ppid")->valueint, 99, "ppid");
	cJSON_Delete(j);

	memset(&x, 0, sizeof(x));
	hdr(&x.h, TT_REC_EXIT, sizeof(x));
	x.exit_code = (3 << 8);
	j = render(&x, sizeof(x));
	if (!j)
		return;
	ASSERT_EQ(cJSON_GetObjectItem(j, "exit_code")->valueint, 3, "exit code");
	ASSERT_EQ(cJSON_GetObjectItem(j, "signal")->valueint, 0, "no signal");
	cJSON_Delete(j);
	x.exit_code = 9; /* killed by SIGKILL */
	j = render(&x, sizeof(x));
	if (!j)
		return;
	ASSERT_EQ(cJSON_GetObjectItem(j, "signal")->valueint, 9, "signal");
	cJSON_Delete(j);
}

void test_records_validate(void)
{
	unsigned char buf[sizeof(struct tt_data) + 16];
	struct tt_data *d = (void *)buf;
	static struct tt_exec e;

	memset(buf, 0, sizeof(buf));
	hdr(&d->h, TT_REC_DATA, sizeof(buf));
	d->len = 16;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), TT_REC_DATA, "valid data");
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf) - 1), -EBADMSG, "size below header size");
	ASSERT_EQ(tt_rec_validate(buf, 8), -EBADMSG, "shorter than a header");
	d->len = 17;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "len beyond record");
	d->len = 16;
	d->dir = 7;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "bad direction");
	d->dir = 0;
	d->h.abi = TT_ABI_VERSION + 1;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "other ABI");
	d->h.abi = TT_ABI_VERSION;
	d->h.type = TT_REC_MAX;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "unknown type");

	memset(&e, 0, sizeof(e));
	hdr(&e.h, TT_REC_EXEC, sizeof(e));
	e.args_len = TT_ARGS_MAX;
	ASSERT_EQ(tt_rec_validate(&e, sizeof(e)), -EBADMSG, "args_len out of range");
	e.args_len = 0;
	e.path_len = TT_PATH_MAX;
	ASSERT_EQ(tt_rec_validate(&e, sizeof(e)), -EBADMSG, "path_len out of range");
}

void test_rawfmt_libopen(void)
{
	static struct tt_libopen lo;
	cJSON *j;

	memset(&lo, 0, sizeof(lo));
	hdr(&lo.h, TT_REC_LIBOPEN, sizeof(lo));
	strcpy(lo.path, "/opt/app/lib/libssl.so.3");
	lo.path_len = strlen(lo.path);
	j = render(&lo, sizeof(lo));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "libopen", "type");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "path")->valuestring, "/opt/app/lib/libssl.so.3",
		     "path");
	ASSERT_TRUE(!cJSON_GetObjectItem(j, "held"), "not held: no held field");
	cJSON_Delete(j);
	lo.flags = TT_LIBOPEN_HELD;
	lo.fd = 7;
	j = render(&lo, sizeof(lo));
	if (!j)
		return;
	ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(j, "held")), "held");
	ASSERT_EQ(cJSON_GetObjectItem(j, "fd")->valueint, 7, "the descriptor open while held");
	cJSON_Delete(j);
	lo.path_len = TT_PATH_MAX;
	ASSERT_EQ(tt_rec_validate(&lo, sizeof(lo)), -EBADMSG, "path_len out of range");
}

void test_rawfmt_src_names(void)
{
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_SSL), "ssl", "OpenSSL/BoringSSL");
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_SSL_EX), "ssl_ex", "_ex");
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_GNUTLS), "gnutls", "GnuTLS");
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_NSS), "nss", "NSS");
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_GOTLS), "gotls", "Go");
	ASSERT_STREQ(rawfmt_src_name(TT_SRC_SOCK), "sock", "plaintext socket");
	ASSERT_STREQ(rawfmt_src_name(200), "unknown", "out of range");
}

void test_rawfmt_sock(void)
{
	struct tt_sock so;
	cJSON *j;

	memset(&so, 0, sizeof(so));
	hdr(&so.h, TT_REC_SOCK, sizeof(so));
	so.conn = TT_CONN_SOCK | 0x1234;
	so.fd = 7;
	so.family = AF_INET;
	so.lport = 8080;
	so.rport = 51000;
	memcpy(so.laddr, "\x7f\x00\x00\x01", 4);
	memcpy(so.raddr, "\x0a\x00\x00\x02", 4);
	ASSERT_EQ(tt_rec_validate(&so, sizeof(so)), TT_REC_SOCK, "valid");
	ASSERT_EQ(tt_rec_validate(&so, sizeof(so) - 1), -EBADMSG, "short");
	j = render(&so, sizeof(so));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "sock", "type");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "conn")->valuestring, "0x8000000000001234", "conn");
	ASSERT_EQ(cJSON_GetObjectItem(j, "fd")->valueint, 7, "fd");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "local_addr")->valuestring, "127.0.0.1", "local");
	ASSERT_EQ(cJSON_GetObjectItem(j, "local_port")->valueint, 8080, "local port");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "addr")->valuestring, "10.0.0.2", "peer");
	ASSERT_EQ(cJSON_GetObjectItem(j, "port")->valueint, 51000, "peer port");
	cJSON_Delete(j);
	so.family = AF_INET6;
	memset(so.raddr, 0, 16);
	so.raddr[15] = 1;
	j = render(&so, sizeof(so));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "addr")->valuestring, "::1", "IPv6 peer");
	cJSON_Delete(j);
}

void test_rawfmt_tls(void)
{
	static uint8_t buf[sizeof(struct tt_tls_hello) + 8];
	struct tt_tls_hello *t = (void *)buf;
	struct tt_tls_close c;
	cJSON *j;

	memset(buf, 0, sizeof(buf));
	hdr(&t->s.h, TT_REC_TLS_HELLO, sizeof(buf));
	t->s.conn = TT_CONN_SOCK | 0x99;
	t->s.fd = 9;
	t->s.family = AF_INET;
	t->s.rport = 443;
	memcpy(t->s.raddr, "\x0a\x00\x00\x03", 4);
	t->call_len = 517;
	t->len = 8;
	memcpy(t->data, "\x16\x03\x01\x02\x00\x01\x00\x01", 8);
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), TT_REC_TLS_HELLO, "valid hello");
	t->len = 9;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "len past the record");
	t->len = TT_HELLO_MAX + 1;
	t->s.h.size = sizeof(*t) + TT_HELLO_MAX + 1;
	ASSERT_EQ(tt_rec_validate(buf, sizeof(buf)), -EBADMSG, "len past the cap");
	t->len = 8;
	t->s.h.size = sizeof(buf);
	j = render(buf, sizeof(buf));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "tls_hello", "type");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "addr")->valuestring, "10.0.0.3", "peer");
	ASSERT_EQ(cJSON_GetObjectItem(j, "port")->valueint, 443, "peer port");
	ASSERT_EQ(cJSON_GetObjectItem(j, "call_len")->valueint, 517, "call length");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "base64")->valuestring, "FgMBAgABAAE=", "bytes");
	cJSON_Delete(j);

	memset(&c, 0, sizeof(c));
	hdr(&c.h, TT_REC_TLS_CLOSE, sizeof(c));
	c.conn = TT_CONN_SOCK | 0x99;
	c.fd = 9;
	c.flags = TT_TLS_CLOSE_EXIT;
	c.bytes[TT_DIR_WRITE] = 1900;
	c.bytes[TT_DIR_READ] = 52000;
	c.calls[TT_DIR_WRITE] = 3;
	c.calls[TT_DIR_READ] = 12;
	ASSERT_EQ(tt_rec_validate(&c, sizeof(c)), TT_REC_TLS_CLOSE, "valid close");
	ASSERT_EQ(tt_rec_validate(&c, sizeof(c) - 1), -EBADMSG, "short close");
	j = render(&c, sizeof(c));
	if (!j)
		return;
	ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "tls_close", "type");
	ASSERT_EQ(cJSON_GetObjectItem(j, "bytes_sent")->valueint, 1900, "sent");
	ASSERT_EQ(cJSON_GetObjectItem(j, "bytes_received")->valueint, 52000, "received");
	ASSERT_EQ(cJSON_GetObjectItem(j, "calls_received")->valueint, 12, "calls");
	ASSERT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(j, "at_exit")), "at exit");
	cJSON_Delete(j);
}
