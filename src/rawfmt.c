// SPDX-License-Identifier: MIT
/* rawfmt.c: JSON Lines rendering of raw capture records. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "rawfmt.h"
#include "records.h"
#include "tls_lib.h"

static int put_time(struct tt_buf *b, uint64_t ts, const struct rawfmt_clock *clk)
{
	uint64_t real = clk->real_ns + (ts - clk->boot_ns);
	/* ts is before the clock base for records already queued at start: still fine unsigned */
	time_t secs = (time_t)(real / 1000000000ull);
	char iso[32];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) || !strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm))
		return -EINVAL;
	return tt_buf_printf(b, "{\"time\":\"%s.%09" PRIu64 "Z\",\"ts_ns\":%" PRIu64, iso,
			     real % 1000000000u, ts);
}

static int put_common(struct tt_buf *b, const struct tt_hdr *h, int type)
{
	int err;

	err = tt_buf_printf(b, ",\"type\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":",
			    tt_rec_type_name(type), h->pid, h->tid);
	return err ? err : jsonw_str(b, h->comm, strnlen(h->comm, TT_COMM_LEN));
}

const char *rawfmt_src_name(unsigned int src)
{
	static const char *const names[] = {
		[TT_SRC_SSL] = "ssl",	[TT_SRC_SSL_EX] = "ssl_ex", [TT_SRC_GNUTLS] = "gnutls",
		[TT_SRC_NSS] = "nss",	[TT_SRC_GOTLS] = "gotls",   [TT_SRC_SOCK] = "sock",
		[TT_SRC_AEAD] = "aead",
	};

	return src < sizeof(names) / sizeof(names[0]) && names[src] ? names[src] : "unknown";
}

/* Each type's fields, after the common ones: one writer a type. */
static int put_data(struct tt_buf *b, const void *rec)
{
	const struct tt_data *d = rec;
	int err;

	err = tt_buf_printf(b,
			    ",\"dir\":\"%s\",\"conn\":\"0x%" PRIx64
			    "\",\"fd\":%d,"
			    "\"pos\":%" PRIu64
			    ",\"len\":%u,\"call_len\":%u,\"truncated\":%s,"
			    "\"src\":\"%s\"",
			    d->dir == TT_DIR_WRITE ? "write" : "read", (uint64_t)d->conn, d->fd,
			    (uint64_t)d->pos, d->len, d->call_len,
			    d->flags & TT_DF_TRUNCATED ? "true" : "false", rawfmt_src_name(d->src));
	if (!err && tt_lib_name(d->lib))
		err = tt_buf_printf(b, ",\"lib\":\"%s\"", tt_lib_name(d->lib));
	if (err)
		return err;
	if (jsonw_is_text(d->data, d->len)) {
		err = tt_buf_addstr(b, ",\"text\":");
		return err ? err : jsonw_str(b, (const char *)d->data, d->len);
	}
	err = tt_buf_addstr(b, ",\"base64\":\"");
	if (!err)
		err = jsonw_base64(b, d->data, d->len);
	return err ? err : tt_buf_addc(b, '"');
}

static int put_fork(struct tt_buf *b, const void *rec)
{
	const struct tt_fork *f = rec;

	return tt_buf_printf(b, ",\"ppid\":%u,\"vpid\":%u,\"start_ns\":%" PRIu64, f->ppid, f->vpid,
			     (uint64_t)f->start_ns);
}

static int put_exec(struct tt_buf *b, const void *rec)
{
	const struct tt_exec *e = rec;
	size_t i = 0, n;
	int err;

	err = tt_buf_printf(b, ",\"ppid\":%u,\"start_ns\":%" PRIu64 ",\"filename\":", e->ppid,
			    (uint64_t)e->start_ns);
	if (!err)
		err = jsonw_str(b, e->path, e->path_len);
	if (!err)
		err = tt_buf_addstr(b, ",\"argv\":[");
	while (!err && i < e->args_len) {
		n = strnlen(e->args + i, e->args_len - i);
		if (i)
			err = tt_buf_addc(b, ',');
		if (!err)
			err = jsonw_str(b, e->args + i, n);
		i += n + 1;
	}
	if (!err)
		err = tt_buf_printf(b, "],\"args_truncated\":%s",
				    e->args_full > e->args_len ? "true" : "false");
	return err;
}

static int put_exit(struct tt_buf *b, const void *rec)
{
	const struct tt_exit *x = rec;

	return tt_buf_printf(b,
			     ",\"ppid\":%u,\"start_ns\":%" PRIu64
			     ",\"exit_code\":%d,"
			     "\"signal\":%d",
			     x->ppid, (uint64_t)x->start_ns, (x->exit_code >> 8) & 0xff,
			     x->exit_code & 0x7f);
}

/* SSL_free and the socket fd seen inside an SSL call */
static int put_conn_ev(struct tt_buf *b, const void *rec)
{
	const struct tt_conn_ev *c = rec;

	return tt_buf_printf(b, ",\"conn\":\"0x%" PRIx64 "\",\"fd\":%d", (uint64_t)c->conn, c->fd);
}

static int put_connect(struct tt_buf *b, const void *rec)
{
	const struct tt_connect *c = rec;
	char addr[INET6_ADDRSTRLEN];

	tt_rec_addr(c->family, c->addr, addr, sizeof(addr));
	return tt_buf_printf(b, ",\"fd\":%d,\"addr\":\"%s\",\"port\":%u", c->fd, addr, c->port);
}

static int put_sock(struct tt_buf *b, const void *rec)
{
	const struct tt_sock *s = rec;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	tt_rec_addr(s->family, s->laddr, la, sizeof(la));
	tt_rec_addr(s->family, s->raddr, ra, sizeof(ra));
	return tt_buf_printf(b,
			     ",\"conn\":\"0x%" PRIx64
			     "\",\"fd\":%d,\"local_addr\":\"%s\","
			     "\"local_port\":%u,\"addr\":\"%s\",\"port\":%u",
			     (uint64_t)s->conn, s->fd, la, s->lport, ra, s->rport);
}

/* The hello is kept as base64: its SNI is what matters, and tools can parse it again. */
static int put_tls_hello(struct tt_buf *b, const void *rec)
{
	const struct tt_tls_hello *t = rec;
	int err;

	err = put_sock(b, &t->s);
	if (!err)
		err = tt_buf_printf(b, ",\"call_len\":%u,\"len\":%u,\"base64\":\"", t->call_len,
				    t->len);
	if (!err)
		err = jsonw_base64(b, t->data, t->len);
	return err ? err : tt_buf_addc(b, '"');
}

static int put_tls_close(struct tt_buf *b, const void *rec)
{
	const struct tt_tls_close *t = rec;

	return tt_buf_printf(b,
			     ",\"conn\":\"0x%" PRIx64 "\",\"fd\":%d,\"bytes_sent\":%" PRIu64
			     ",\"bytes_received\":%" PRIu64
			     ",\"calls_sent\":%u,"
			     "\"calls_received\":%u,\"at_exit\":%s",
			     (uint64_t)t->conn, t->fd, (uint64_t)t->bytes[TT_DIR_WRITE],
			     (uint64_t)t->bytes[TT_DIR_READ], t->calls[TT_DIR_WRITE],
			     t->calls[TT_DIR_READ],
			     t->flags & TT_TLS_CLOSE_EXIT ? "true" : "false");
}

static int put_aead_bind(struct tt_buf *b, const void *rec)
{
	const struct tt_aead_bind *ab = rec;

	return tt_buf_printf(b,
			     ",\"conn\":\"0x%" PRIx64 "\",\"fd\":%d,\"base\":%" PRIu64
			     ",\"len\":%" PRIu64,
			     (uint64_t)ab->conn, ab->fd, (uint64_t)ab->base, (uint64_t)ab->len);
}

static int put_libopen(struct tt_buf *b, const void *rec)
{
	const struct tt_libopen *lo = rec;
	int err;

	err = tt_buf_addstr(b, ",\"path\":");
	if (!err)
		err = jsonw_str(b, lo->path, lo->path_len);
	/* stopped until the file was probed (bpf/proc.bpf.c sys_openat_ret) */
	if (!err && (lo->flags & TT_LIBOPEN_HELD))
		err = tt_buf_printf(b, ",\"held\":true,\"fd\":%d", lo->fd);
	return err;
}

/* Only the fields known: an identity names no more than it found. */
static int put_ident(struct tt_buf *b, const void *rec)
{
	const struct tt_ident *id = rec;
	const struct {
		const char *key, *val;
	} f[] = {
		{ "container_id", id->container_id },
		{ "runtime", id->runtime },
		{ "pod_uid", id->pod_uid },
		{ "pod_name", id->pod_name },
		{ "pod_namespace", id->pod_namespace },
		{ "container_name", id->container_name },
		{ "service_name", id->service_name },
	};
	size_t i;
	int err;

	err = tt_buf_printf(b, ",\"start_ns\":%" PRIu64 ",\"vpid\":%u", (uint64_t)id->start_ns,
			    id->vpid);
	for (i = 0; !err && i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].val[0])
			continue;
		err = tt_buf_printf(b, ",\"%s\":", f[i].key);
		if (!err)
			err = jsonw_str(b, f[i].val, strlen(f[i].val));
	}
	return err;
}

static int (*const put_type[TT_REC_MAX])(struct tt_buf *b, const void *rec) = {
	[TT_REC_DATA] = put_data,	    [TT_REC_FORK] = put_fork,
	[TT_REC_EXEC] = put_exec,	    [TT_REC_EXIT] = put_exit,
	[TT_REC_CLOSE] = put_conn_ev,	    [TT_REC_SSL_FD] = put_conn_ev,
	[TT_REC_CONNECT] = put_connect,	    [TT_REC_LIBOPEN] = put_libopen,
	[TT_REC_SOCK] = put_sock,	    [TT_REC_TLS_HELLO] = put_tls_hello,
	[TT_REC_TLS_CLOSE] = put_tls_close, [TT_REC_AEAD_BIND] = put_aead_bind,
	[TT_REC_IDENT] = put_ident,
};

int rawfmt_record(struct tt_buf *b, const void *rec, size_t size, const struct rawfmt_clock *clk)
{
	const struct tt_hdr *h = rec;
	int type = tt_rec_validate(rec, size);
	int err;

	if (type < 0)
		return type;
	err = put_time(b, h->ts_ns, clk);
	if (!err)
		err = put_common(b, h, type);
	if (!err && put_type[type])
		err = put_type[type](b, rec);
	return err ? err : tt_buf_addstr(b, "}\n");
}
