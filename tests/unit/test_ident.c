// SPDX-License-Identifier: MIT
/*
 * test_ident.c: TT_REC_IDENT records (where a process runs) from a capture file to resource
 * attributes, as `replay` runs them: validation, the raw line, the record round trip, and the
 * exact attributes of the LLM span and process spans, inherited at fork, never from a record
 * of another process, with a secret service name refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "capfile.h"
#include "capture_test.h"
#include "pipeline.h"
#include "rawfmt.h"
#include "records.h"
#include "span.h"
#include "test.h"
#include "tt_abi.h"

#define ID  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "7f1a3c2e-5b4d-4e6f-8a9b-0c1d2e3f4a5b"

#define LLM_REQ_HEAD                                                     \
	"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n" \
	"Content-Type: application/json\r\n"
#define LLM_REQ_BODY "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}"
#define LLM_BODY                                                                      \
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\"," \
	"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"  \
	"\"a\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,"         \
	"\"completion_tokens\":1,\"total_tokens\":6}}"

static void ident(struct tt_ident *id, uint32_t pid, uint64_t start, uint32_t vpid, const char *svc)
{
	memset(id, 0, sizeof(*id));
	cap_hdr(&id->h, TT_REC_IDENT, sizeof(*id), pid, start + 20);
	id->start_ns = start;
	id->vpid = vpid;
	strcpy(id->container_id, ID);
	strcpy(id->runtime, "containerd");
	strcpy(id->pod_uid, UID);
	strcpy(id->pod_name, "agent-0");
	strcpy(id->pod_namespace, "ai\x01");
	strcpy(id->container_name, "agent");
	snprintf(id->service_name, sizeof(id->service_name), "%s", svc);
}

void test_ident_record(void)
{
	struct rawfmt_clock clk = { 1000, 1767225600000000000ull };
	struct tt_ident id;
	struct tt_buf b;
	cJSON *j;

	ident(&id, 100, 5000, 7, "billing-agent");
	ASSERT_EQ(tt_rec_validate(&id, sizeof(id)), TT_REC_IDENT, "valid");
	ASSERT_STREQ(tt_rec_type_name(TT_REC_IDENT), "ident", "name");
	ASSERT_EQ(tt_rec_validate(&id, sizeof(id) - 1), -EBADMSG, "short");
	memset(id.pod_name, 'x', sizeof(id.pod_name));
	ASSERT_EQ(tt_rec_validate(&id, sizeof(id)), -EBADMSG, "a text without its NUL");
	ident(&id, 100, 5000, 7, "");
	tt_buf_init(&b, 1 << 16);
	if (!ASSERT_OK(rawfmt_record(&b, &id, sizeof(id), &clk), "raw"))
		goto out;
	j = cJSON_ParseWithLength((const char *)b.data, b.len);
	if (ASSERT_OK_PTR(j, "JSON")) {
		ASSERT_STREQ(cJSON_GetObjectItem(j, "type")->valuestring, "ident", "raw type");
		ASSERT_EQ(cJSON_GetObjectItem(j, "vpid")->valueint, 7, "raw vpid");
		ASSERT_STREQ(cJSON_GetObjectItem(j, "container_id")->valuestring, ID, "raw id");
		ASSERT_STREQ(cJSON_GetObjectItem(j, "pod_namespace")->valuestring, "ai\x01",
			     "raw: as recorded, escaped");
		ASSERT_NULL(cJSON_GetObjectItem(j, "service_name"), "raw: empty fields left out");
		cJSON_Delete(j);
	}
out:
	tt_buf_free(&b);
}

static void put_fork(struct capfile_writer *w, uint32_t pid, uint32_t ppid, uint64_t ts,
		     uint32_t vpid)
{
	struct tt_fork f;

	cap_hdr(&f.h, TT_REC_FORK, sizeof(f), pid, ts);
	f.ppid = ppid;
	f.vpid = vpid;
	f.start_ns = ts;
	capfile_writer__write(w, &f, sizeof(f));
}

static void put_exec(struct capfile_writer *w, uint32_t pid, uint32_t ppid, uint64_t start,
		     const char *path, const char *arg)
{
	static struct tt_exec e;

	memset(&e, 0, sizeof(e));
	cap_hdr(&e.h, TT_REC_EXEC, sizeof(e), pid, start + 10);
	e.ppid = ppid;
	e.old_pid = pid;
	e.start_ns = start;
	e.path_len = (uint16_t)strlen(path);
	memcpy(e.path, path, e.path_len);
	e.args_len = (uint16_t)(snprintf(e.args, sizeof(e.args), "%s", arg) + 1);
	e.args_full = e.args_len;
	capfile_writer__write(w, &e, sizeof(e));
}

static void put_exit(struct capfile_writer *w, uint32_t pid, uint32_t ppid, uint64_t start,
		     uint64_t ts)
{
	struct tt_exit x;

	cap_hdr(&x.h, TT_REC_EXIT, sizeof(x), pid, ts);
	x.ppid = ppid;
	x.exit_code = 0;
	x.start_ns = start;
	capfile_writer__write(w, &x, sizeof(x));
}

/*
 * pid 100: python3 in a pod (vpid 1, its own service name) makes an LLM call; 101 its fork
 * (vpid 2 from the kernel's fork record),
 * 102 a child whose record names an earlier process of its pid, 103 a child whose service
 * name is a key; 200 a host process whose record only says vpid = pid.
 */
static void write_capture(const char *path)
{
	struct capfile_header h = { .abi = TT_ABI_VERSION, .boot_ns = 1000, .real_ns = 1000 };
	struct capfile_writer *w = capfile_writer__open(path, &h);
	struct tt_ident id;
	char msg[1024];

	if (!ASSERT_OK_PTR(w, "writer"))
		return;
	put_fork(w, 100, 1, 1000000, 0);
	put_exec(w, 100, 1, 1000000, "/usr/bin/python3", "agent.py");
	ident(&id, 100, 1000000, 1, "billing-agent");
	capfile_writer__write(w, &id, sizeof(id));
	put_fork(w, 101, 100, 2000000, 2);
	put_fork(w, 102, 100, 3000000, 0);
	put_exec(w, 102, 100, 3000000, "/usr/bin/git", "git");
	ident(&id, 102, 2500000, 3, "other");
	capfile_writer__write(w, &id, sizeof(id));
	put_fork(w, 103, 100, 4000000, 0);
	put_exec(w, 103, 100, 4000000, "/usr/bin/ls", "ls");
	ident(&id, 103, 4000000, 4, "sk-proj-abcdefghijklmnopqrstuvwxyz012345");
	capfile_writer__write(w, &id, sizeof(id));
	put_fork(w, 200, 1, 5000000, 200);
	put_exec(w, 200, 1, 5000000, "/usr/bin/make", "make");
	memset(&id, 0, sizeof(id));
	cap_hdr(&id.h, TT_REC_IDENT, sizeof(id), 200, 5000020);
	id.start_ns = 5000000;
	id.vpid = 200;
	capfile_writer__write(w, &id, sizeof(id));
	snprintf(msg, sizeof(msg), "%sContent-Length: %zu\r\n\r\n%s", LLM_REQ_HEAD,
		 strlen(LLM_REQ_BODY), LLM_REQ_BODY);
	cap_data(w, 100, 0x1000, 6000000, TT_DIR_WRITE, 0, msg);
	snprintf(msg, sizeof(msg),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu"
		 "\r\n\r\n%s",
		 strlen(LLM_BODY), LLM_BODY);
	cap_data(w, 100, 0x1000, 7000000, TT_DIR_READ, 0, msg);
	put_exit(w, 101, 100, 2000000, 8000000);
	put_exit(w, 102, 100, 3000000, 8000000);
	put_exit(w, 103, 100, 4000000, 8000000);
	put_exit(w, 200, 1, 5000000, 8000000);
	put_exit(w, 100, 1, 1000000, 9000000);
	ASSERT_OK(capfile_writer__close(w), "close");
}

struct spans {
	struct tt_span *v[32];
	size_t n;
};

static void on_span(struct tt_span *s, void *ctx)
{
	struct spans *o = ctx;

	if (o->n < 32)
		o->v[o->n++] = s;
	else
		span__free(s);
}

static const struct tt_span *named(const struct spans *o, const char *prefix, int pid)
{
	const struct attr *a;
	size_t i;

	for (i = 0; i < o->n; i++) {
		a = attrs_get(&o->v[i]->resource->attrs, "process.pid");
		if (!strncmp(o->v[i]->name, prefix, strlen(prefix)) && a && a->i == pid)
			return o->v[i];
	}
	return NULL;
}

/* The resource attribute key of s: its text ("" when absent, its decimal when an int). */
static const char *res(const struct tt_span *s, const char *key)
{
	static char num[32];
	const struct attr *a = s ? attrs_get(&s->resource->attrs, key) : NULL;

	if (!a)
		return "";
	if (a->type == ATTR_INT) {
		snprintf(num, sizeof(num), "%lld", (long long)a->i);
		return num;
	}
	return a->type == ATTR_STR ? a->s : "?";
}

static void replay(const char *path, struct spans *o)
{
	struct pipeline_opts po = { 0 };

	po.linker.single_trace = true;
	po.linker.service_name = "tracer-svc"; /* the tracer's own OTEL_SERVICE_NAME */
	po.span_sink = on_span;
	po.span_ctx = o;
	cap_replay(path, &po);
}

void test_ident_replay(void)
{
	char path[] = "/tmp/tt-ident-XXXXXX";
	const struct tt_span *llm, *s;
	struct spans o = { 0 };
	int fd = mkstemp(path);

	if (!ASSERT_GE(fd, 0, "mkstemp"))
		return;
	close(fd);
	write_capture(path);
	replay(path, &o);
	unlink(path);
	llm = named(&o, "chat gpt-4o", 100);
	if (ASSERT_OK_PTR(llm, "LLM span")) {
		ASSERT_STREQ(res(llm, "container.id"), ID, "container.id");
		ASSERT_STREQ(res(llm, "container.runtime.name"), "containerd", "runtime");
		ASSERT_STREQ(res(llm, "k8s.pod.uid"), UID, "k8s.pod.uid");
		ASSERT_STREQ(res(llm, "k8s.pod.name"), "agent-0", "k8s.pod.name");
		ASSERT_STREQ(res(llm, "k8s.namespace.name"), "ai", "namespace, cleaned");
		ASSERT_STREQ(res(llm, "k8s.container.name"), "agent", "k8s.container.name");
		ASSERT_STREQ(res(llm, "process.vpid"), "1", "process.vpid");
		ASSERT_STREQ(res(llm, "process.pid"), "100", "process.pid stays the host's");
		ASSERT_STREQ(res(llm, "service.name"), "billing-agent", "its own service name");
	}
	s = named(&o, "exec python3", 101);
	if (ASSERT_OK_PTR(s, "fork")) {
		ASSERT_STREQ(res(s, "container.id"), ID, "fork: its parent's container");
		ASSERT_STREQ(res(s, "service.name"), "billing-agent", "fork: parent's service");
		ASSERT_STREQ(res(s, "process.vpid"), "2", "fork: its own vpid (the fork record's)");
	}
	s = named(&o, "exec git", 102);
	if (ASSERT_OK_PTR(s, "stale record")) {
		ASSERT_STREQ(res(s, "service.name"), "billing-agent", "stale: not applied");
		ASSERT_STREQ(res(s, "process.vpid"), "", "stale: no vpid");
	}
	s = named(&o, "exec ls", 103);
	if (ASSERT_OK_PTR(s, "secret service name")) {
		ASSERT_STREQ(res(s, "service.name"), "tracer-svc", "a key is no service name");
		ASSERT_STREQ(res(s, "container.id"), ID, "the rest kept");
		ASSERT_STREQ(res(s, "process.vpid"), "4", "its vpid");
	}
	s = named(&o, "exec make", 200);
	if (ASSERT_OK_PTR(s, "host process")) {
		ASSERT_STREQ(res(s, "service.name"), "tracer-svc", "host: the tracer's");
		ASSERT_STREQ(res(s, "container.id"), "", "host: no container");
		ASSERT_STREQ(res(s, "k8s.pod.uid"), "", "host: no pod");
		ASSERT_STREQ(res(s, "process.vpid"), "", "host: vpid = pid, not repeated");
	}
	while (o.n)
		span__free(o.v[--o.n]);
}
