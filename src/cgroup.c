// SPDX-License-Identifier: MIT
/*
 * cgroup.c: container and pod identity from /proc/PID/cgroup. The path names the runtime's
 * scope: systemd driver `docker-<id>.scope`, `cri-containerd-<id>.scope`, `crio-<id>.scope`,
 * `libpod-<id>.scope` (their `-conmon-` siblings are the monitors, not the container), cgroupfs
 * driver a bare `<id>` (under `/docker/` it is docker's); the kubelet's part names the pod:
 * `kubepods-<qos>-pod<uid with underscores>.slice` or `pod<uid>`. The innermost scope wins (a
 * container started inside another is the inner one).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cgroup.h"

struct seg {
	const char *p;
	size_t n;
};

static const struct {
	const char *prefix;
	const char *runtime;
} scopes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
	{ "libpod-", "podman" },
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool all_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_hex(p[i]))
			return false;
	return true;
}

static bool seg_is(struct seg s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

static bool seg_starts(struct seg s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n >= n && !memcmp(s.p, lit, n);
}

/* A pod uid at p (36 bytes, '-' or, in systemd slice names, '_' between the groups). */
static bool take_uid(const char *p, char *out)
{
	size_t i;

	for (i = 0; i < CGROUP_UID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? p[i] != '-' && p[i] != '_' : !is_hex(p[i]))
			return false;
	}
	for (i = 0; i < CGROUP_UID_LEN; i++)
		out[i] = p[i] == '_' ? '-' : p[i];
	out[CGROUP_UID_LEN] = '\0';
	return true;
}

/* `pod<uid>` (cgroupfs) or `kubepods[-<qos>]-pod<uid>.slice` (systemd). */
static bool pod_of(struct seg s, char *out)
{
	const char *at;

	if (s.n == 3 + CGROUP_UID_LEN && seg_starts(s, "pod"))
		return take_uid(s.p + 3, out);
	if (!seg_starts(s, "kubepods") || s.n < 4 + CGROUP_UID_LEN + 6)
		return false;
	at = s.p + s.n - 6 - CGROUP_UID_LEN - 4;
	return !memcmp(at, "-pod", 4) && !memcmp(s.p + s.n - 6, ".slice", 6) &&
	       take_uid(at + 4, out);
}

/* A container scope: the runtime's name, or "" for a bare id; NULL when s is none. */
static const char *container_of(struct seg s, struct seg parent, char *id)
{
	size_t i, n = s.n;

	if (n > 6 && !memcmp(s.p + n - 6, ".scope", 6))
		n -= 6;
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t pl = strlen(scopes[i].prefix);

		if (n == pl + CGROUP_ID_LEN && !memcmp(s.p, scopes[i].prefix, pl) &&
		    all_hex(s.p + pl, CGROUP_ID_LEN)) {
			memcpy(id, s.p + pl, CGROUP_ID_LEN);
			id[CGROUP_ID_LEN] = '\0';
			return scopes[i].runtime;
		}
	}
	if (s.n == CGROUP_ID_LEN && all_hex(s.p, CGROUP_ID_LEN)) {
		memcpy(id, s.p, CGROUP_ID_LEN);
		id[CGROUP_ID_LEN] = '\0';
		return seg_is(parent, "docker") ? "docker" : "";
	}
	return NULL;
}

/* One cgroup path: its innermost container and its pod. True when it had either. */
static bool parse_path(const char *p, size_t n, struct cgroup_info *ci)
{
	struct seg s, parent = { "", 0 };
	const char *end = p + n, *slash, *rt;
	bool kubepods = false;
	char id[CGROUP_ID_LEN + 1], uid[CGROUP_UID_LEN + 1];

	memset(ci, 0, sizeof(*ci));
	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		s.p = p;
		s.n = (size_t)((slash ? slash : end) - p);
		p = slash ? slash + 1 : end;
		if (!s.n)
			continue;
		if (seg_starts(s, "kubepods"))
			kubepods = true;
		if (kubepods && pod_of(s, uid))
			memcpy(ci->pod_uid, uid, sizeof(uid));
		rt = container_of(s, parent, id);
		if (rt) {
			memcpy(ci->container_id, id, sizeof(id));
			strcpy(ci->runtime, rt);
		}
		parent = s;
	}
	return ci->container_id[0] || ci->pod_uid[0];
}

int cgroup_parse(const char *text, size_t len, struct cgroup_info *ci)
{
	const char *p = text, *end = text + len, *nl, *c1, *c2;
	struct cgroup_info line;
	bool v1_found = false;

	memset(ci, 0, sizeof(*ci));
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		/* ID:CONTROLLERS:PATH; the path may hold ':' itself */
		c1 = memchr(p, ':', (size_t)(nl - p));
		c2 = c1 ? memchr(c1 + 1, ':', (size_t)(nl - c1 - 1)) : NULL;
		if (c2 && parse_path(c2 + 1, (size_t)(nl - c2 - 1), &line)) {
			/* the unified hierarchy (0::) is the process's own; v1 lines say the same */
			if (c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
				*ci = line;
				return 1;
			}
			if (!v1_found) {
				*ci = line;
				v1_found = true;
			}
		}
		p = nl < end ? nl + 1 : end;
	}
	return v1_found;
}

/* Bytes of the UTF-8 character lead byte c starts (1 for anything else). */
static size_t utf8_len(unsigned char c)
{
	return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

size_t cgroup_clean_name(char *dst, size_t size, const char *src, size_t len)
{
	size_t i, n = 0, start = 0;
	unsigned char c;

	if (!size)
		return 0;
	for (i = 0; i < len && n + 1 < size; i++) {
		c = (unsigned char)src[i];
		if (c < 0x20 || c == 0x7f)
			continue;
		if (c < 0x80 || c >= 0xc0)
			start = n; /* a character starts here */
		dst[n++] = (char)c;
	}
	/* cut short: a character whose last bytes did not fit goes */
	if (i < len && n && ((unsigned char)dst[n - 1] & 0x80) &&
	    n - start < utf8_len((unsigned char)dst[start]))
		n = start;
	dst[n] = '\0';
	return n;
}

/* The first of keys whose annotation is a non-empty string, NULL if none. */
static const char *first_string(const cJSON *ann, const char *const *keys)
{
	const cJSON *v;

	for (; *keys; keys++) {
		v = cJSON_GetObjectItemCaseSensitive(ann, *keys);
		if (cJSON_IsString(v) && v->valuestring[0])
			return v->valuestring;
	}
	return NULL;
}

/* That annotation, cleaned, into out: false when none (or nothing of it is left). */
static bool annotation(const cJSON *ann, const char *const *keys, char *out, size_t size)
{
	const char *v = first_string(ann, keys);

	return v && cgroup_clean_name(out, size, v, strlen(v));
}

int cgroup_oci_parse(const char *json, size_t len, struct cgroup_k8s *k)
{
	static const char *const pod[] = { "io.kubernetes.cri.sandbox-name",
					   "io.kubernetes.pod.name", NULL };
	static const char *const ns[] = { "io.kubernetes.cri.sandbox-namespace",
					  "io.kubernetes.pod.namespace", NULL };
	static const char *const ctr[] = { "io.kubernetes.cri.container-name",
					   "io.kubernetes.container.name", NULL };
	static const char *const uid[] = { "io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid",
					   NULL };
	const cJSON *ann;
	const char *v;
	cJSON *doc;
	bool found;

	memset(k, 0, sizeof(*k));
	doc = cJSON_ParseWithLength(json, len);
	if (!doc)
		return -EBADMSG;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return -EBADMSG;
	}
	ann = cJSON_GetObjectItemCaseSensitive(doc, "annotations");
	found = annotation(ann, pod, k->pod_name, sizeof(k->pod_name));
	found = annotation(ann, ns, k->pod_namespace, sizeof(k->pod_namespace)) || found;
	annotation(ann, ctr, k->container_name, sizeof(k->container_name));
	/* a uid is kept only in its own shape: it joins the one the cgroup path gives */
	v = first_string(ann, uid);
	if (!v || strlen(v) != CGROUP_UID_LEN || !take_uid(v, k->pod_uid))
		k->pod_uid[0] = '\0';
	cJSON_Delete(doc);
	if (!found)
		memset(k, 0, sizeof(*k));
	return found;
}
