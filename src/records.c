// SPDX-License-Identifier: MIT
/* records.c: validation of tt_abi.h records, and the text of their addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "records.h"

static const size_t rec_min[TT_REC_MAX] = {
	[TT_REC_DATA] = sizeof(struct tt_data),
	[TT_REC_FORK] = sizeof(struct tt_fork),
	[TT_REC_EXEC] = sizeof(struct tt_exec),
	[TT_REC_EXIT] = sizeof(struct tt_exit),
	[TT_REC_CLOSE] = sizeof(struct tt_conn_ev),
	[TT_REC_SSL_FD] = sizeof(struct tt_conn_ev),
	[TT_REC_CONNECT] = sizeof(struct tt_connect),
	[TT_REC_LIBOPEN] = sizeof(struct tt_libopen),
	[TT_REC_SOCK] = sizeof(struct tt_sock),
	[TT_REC_TLS_HELLO] = sizeof(struct tt_tls_hello),
	[TT_REC_TLS_CLOSE] = sizeof(struct tt_tls_close),
	[TT_REC_AEAD_BIND] = sizeof(struct tt_aead_bind),
	[TT_REC_IDENT] = sizeof(struct tt_ident),
};

/* Every text of an identity ends within its field: readers use them as C strings. */
static bool ident_ok(const struct tt_ident *id)
{
	const struct {
		const char *s;
		size_t n;
	} f[] = {
		{ id->container_id, sizeof(id->container_id) },
		{ id->runtime, sizeof(id->runtime) },
		{ id->pod_uid, sizeof(id->pod_uid) },
		{ id->pod_name, sizeof(id->pod_name) },
		{ id->pod_namespace, sizeof(id->pod_namespace) },
		{ id->container_name, sizeof(id->container_name) },
		{ id->service_name, sizeof(id->service_name) },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!memchr(f[i].s, '\0', f[i].n))
			return false;
	return true;
}

int tt_rec_validate(const void *rec, size_t size)
{
	struct tt_hdr h;

	if (size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, rec, sizeof(h));
	if (h.abi != TT_ABI_VERSION || h.type == 0 || h.type >= TT_REC_MAX || h.size > size ||
	    h.size < rec_min[h.type])
		return -EBADMSG;
	if (h.type == TT_REC_DATA) {
		struct tt_data d;

		memcpy(&d, rec, sizeof(d));
		if (d.len > TT_CHUNK || sizeof(d) + d.len > h.size || d.dir > TT_DIR_READ)
			return -EBADMSG;
	} else if (h.type == TT_REC_EXEC) {
		const struct tt_exec *e = rec;

		if (e->path_len >= TT_PATH_MAX || e->args_len >= TT_ARGS_MAX)
			return -EBADMSG;
	} else if (h.type == TT_REC_LIBOPEN) {
		const struct tt_libopen *o = rec;

		if (o->path_len >= TT_PATH_MAX)
			return -EBADMSG;
	} else if (h.type == TT_REC_TLS_HELLO) {
		struct tt_tls_hello t;

		memcpy(&t, rec, sizeof(t));
		if (t.len > TT_HELLO_MAX || sizeof(t) + t.len > h.size)
			return -EBADMSG;
	} else if (h.type == TT_REC_IDENT) {
		if (!ident_ok(rec))
			return -EBADMSG;
	}
	return h.type;
}

const char *tt_rec_type_name(int type)
{
	static const char *const names[TT_REC_MAX] = {
		[TT_REC_DATA] = "data",		  [TT_REC_FORK] = "fork",
		[TT_REC_EXEC] = "exec",		  [TT_REC_EXIT] = "exit",
		[TT_REC_CLOSE] = "close",	  [TT_REC_SSL_FD] = "ssl_fd",
		[TT_REC_CONNECT] = "connect",	  [TT_REC_LIBOPEN] = "libopen",
		[TT_REC_SOCK] = "sock",		  [TT_REC_TLS_HELLO] = "tls_hello",
		[TT_REC_TLS_CLOSE] = "tls_close", [TT_REC_AEAD_BIND] = "aead_bind",
		[TT_REC_IDENT] = "ident",
	};

	if (type <= 0 || type >= TT_REC_MAX)
		return "unknown";
	return names[type];
}

int tt_rec_addr(uint16_t family, const uint8_t *addr, char *out, size_t size)
{
	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, addr, out, (socklen_t)size)) {
		if (size)
			out[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}
