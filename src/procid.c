// SPDX-License-Identifier: MIT
/*
 * procid.c: the identity of a process, read while it runs (at exec, or found running): its
 * cgroup names its container and pod (cgroup.c), the runtime's OCI config of that container
 * the pod's and container's Kubernetes names, its status its pid in its own namespace, its
 * environment the service name it was given. The environment is the process's own to write,
 * and may hold secrets: it is scanned in a buffer of ours and only OTEL_SERVICE_NAME leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "procid.h"
#include "procscan.h"
#include "tt_limits.h"

/* One container's Kubernetes names, found or not (the runtime state is read once). */
struct k8s_entry {
	char id[CGROUP_ID_LEN + 1];
	bool found;
	uint64_t used; /* the lookup count at its last use: the least recent goes first */
	struct cgroup_k8s k;
};

struct procid {
	char root[256];
	char *buf; /* TT_MAX_ENVIRON bytes: the largest of the reads */
	struct k8s_entry *cache;
	size_t n_cache, alloc;
	uint64_t lookups;
	uint64_t tick_ns;
	dev_t ns_dev; /* our pid namespace (its nsfs inode; 0 unknown): a process in it is */
	ino_t ns_ino; /* its own innermost pid, and its status need not be read */
};

/* Where a runtime keeps the OCI config of container %s (relative to the root). */
static const char *const oci_paths[] = {
	"/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
	"/var/run/containers/storage/overlay-containers/%s/userdata/config.json",
};

struct procid *procid__new(const char *root)
{
	struct procid *pi = calloc(1, sizeof(*pi));
	long hz = sysconf(_SC_CLK_TCK);
	struct stat st;

	if (!pi)
		return NULL;
	if (root && strlen(root) >= sizeof(pi->root)) {
		free(pi);
		errno = ENAMETOOLONG;
		return NULL;
	}
	snprintf(pi->root, sizeof(pi->root), "%s", root && strcmp(root, "/") ? root : "");
	pi->buf = malloc(TT_MAX_ENVIRON);
	if (!pi->buf) {
		free(pi);
		errno = ENOMEM;
		return NULL;
	}
	pi->tick_ns = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);
	if (!stat("/proc/self/ns/pid", &st)) {
		pi->ns_dev = st.st_dev;
		pi->ns_ino = st.st_ino;
	}
	return pi;
}

void procid__free(struct procid *pi)
{
	if (!pi)
		return;
	free(pi->buf);
	free(pi->cache);
	free(pi);
}

/* Up to cap bytes of fd from its start; the byte count or -errno. */
static ssize_t read_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

/* Up to cap bytes of file name in directory dfd. */
static ssize_t read_at(int dfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read_fd(fd, buf, cap);
	close(fd);
	return n;
}

uint32_t procid_parse_nspid(const char *text, size_t len)
{
	static const char key[] = "NSpid:";
	const char *p = text, *end = text + len, *nl;
	unsigned long v = 0;
	bool digits = false;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if ((size_t)(nl - p) > sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1)) {
			/* the last number of the line: the pid in the innermost namespace */
			for (p += sizeof(key) - 1; p < nl; p++) {
				if (*p >= '0' && *p <= '9') {
					v = digits ? v * 10 + (unsigned long)(*p - '0') :
						     (unsigned long)(*p - '0');
					digits = true;
					if (v > UINT32_MAX)
						return 0;
				} else {
					digits = false;
				}
			}
			return (uint32_t)v;
		}
		p = nl + 1;
	}
	return 0;
}

void procid_parse_service(const char *env, size_t len, char *out, size_t size)
{
	static const char key[] = "OTEL_SERVICE_NAME=";
	const char *p = env, *end = env + len, *nul;
	size_t n;

	if (size)
		out[0] = '\0';
	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		n = (size_t)((nul ? nul : end) - p);
		if (n >= sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1)) {
			cgroup_clean_name(out, size, p + sizeof(key) - 1, n - (sizeof(key) - 1));
			return;
		}
		p += n + 1;
	}
}

/* Whether /proc/PID (dfd) is still the process that started at start_ns (0: any). */
static int same_process(struct procid *pi, int dfd, uint64_t start_ns)
{
	uint64_t ticks;
	uint32_t ppid;
	ssize_t n;

	if (!start_ns)
		return 0;
	n = read_at(dfd, "stat", pi->buf, 1023);
	if (n < 0)
		return (int)n;
	pi->buf[n] = '\0';
	if (procscan_parse_stat(pi->buf, &ppid, &ticks))
		return -EBADMSG;
	return ticks == start_ns / pi->tick_ns ? 0 : -ESRCH;
}

/* The OCI config of container id, read whole (at most TT_MAX_OCI_CONFIG): 1 found, 0 not. */
static int k8s_read(struct procid *pi, const char *id, struct cgroup_k8s *k)
{
	char path[512], *text;
	struct stat st;
	ssize_t n;
	size_t i;
	int fd, ret = 0;

	for (i = 0; i < sizeof(oci_paths) / sizeof(oci_paths[0]) && ret <= 0; i++) {
		snprintf(path, sizeof(path), "%s", pi->root);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), oci_paths[i], id);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		text = NULL;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (uint64_t)st.st_size <= TT_MAX_OCI_CONFIG)
			text = malloc((size_t)st.st_size);
		n = text ? read_fd(fd, text, (size_t)st.st_size) : -1;
		close(fd);
		ret = n > 0 ? cgroup_oci_parse(text, (size_t)n, k) : 0;
		if (ret < 0)
			tt_debug("procid: %s: not an OCI config: %s", path, strerror(-ret));
		free(text);
	}
	return ret > 0;
}

int procid__k8s(struct procid *pi, const char *id, struct cgroup_k8s *k)
{
	struct k8s_entry *e = NULL;
	size_t i, old = 0;

	pi->lookups++;
	for (i = 0; i < pi->n_cache; i++) {
		if (!strcmp(pi->cache[i].id, id)) {
			e = &pi->cache[i];
			goto hit;
		}
		if (pi->cache[i].used < pi->cache[old].used)
			old = i;
	}
	if (pi->n_cache < TT_MAX_IDENT_CACHE &&
	    !tt_ensure_mem((void **)&pi->cache, &pi->alloc, sizeof(*pi->cache), pi->n_cache + 1))
		e = &pi->cache[pi->n_cache++];
	else if (pi->n_cache)
		e = &pi->cache[old]; /* full: the least recently used makes room */
	else
		return k8s_read(pi, id, k);
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->found = k8s_read(pi, id, &e->k);
hit:
	e->used = pi->lookups;
	if (e->found)
		*k = e->k;
	else
		memset(k, 0, sizeof(*k));
	return e->found;
}

/*
 * The pid of /proc/PID (dfd) in its innermost pid namespace: pid itself when that is ours (one
 * stat of its ns/pid link), else the last of its status's NSpid line (0 unknown).
 */
static uint32_t read_vpid(struct procid *pi, int dfd, pid_t pid)
{
	struct stat st;
	ssize_t n;

	if (pi->ns_ino && !fstatat(dfd, "ns/pid", &st, 0) && st.st_dev == pi->ns_dev &&
	    st.st_ino == pi->ns_ino)
		return (uint32_t)pid;
	n = read_at(dfd, "status", pi->buf, TT_MAX_STATUS_TEXT);
	return n > 0 ? procid_parse_nspid(pi->buf, (size_t)n) : 0;
}

/* Container, pod and Kubernetes names from the cgroup file of dfd. */
static void read_container(struct procid *pi, int dfd, struct tt_ident *rec)
{
	struct cgroup_info ci;
	struct cgroup_k8s k;
	ssize_t n = read_at(dfd, "cgroup", pi->buf, TT_MAX_CGROUP_TEXT);

	if (n <= 0 || !cgroup_parse(pi->buf, (size_t)n, &ci))
		return;
	snprintf(rec->container_id, sizeof(rec->container_id), "%s", ci.container_id);
	snprintf(rec->runtime, sizeof(rec->runtime), "%s", ci.runtime);
	snprintf(rec->pod_uid, sizeof(rec->pod_uid), "%s", ci.pod_uid);
	if (!ci.container_id[0] || !procid__k8s(pi, ci.container_id, &k))
		return;
	snprintf(rec->pod_name, sizeof(rec->pod_name), "%s", k.pod_name);
	snprintf(rec->pod_namespace, sizeof(rec->pod_namespace), "%s", k.pod_namespace);
	snprintf(rec->container_name, sizeof(rec->container_name), "%s", k.container_name);
	if (!rec->pod_uid[0])
		snprintf(rec->pod_uid, sizeof(rec->pod_uid), "%s", k.pod_uid);
}

int procid__read(struct procid *pi, pid_t pid, uint64_t start_ns, uint64_t ts_ns,
		 struct tt_ident *rec)
{
	char path[64];
	ssize_t n;
	int dfd, err;

	memset(rec, 0, sizeof(*rec));
	snprintf(path, sizeof(path), "/proc/%d", pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	err = same_process(pi, dfd, start_ns);
	if (err)
		goto out;
	rec->h.type = TT_REC_IDENT;
	rec->h.abi = TT_ABI_VERSION;
	rec->h.size = sizeof(*rec);
	rec->h.ts_ns = ts_ns;
	rec->h.pid = rec->h.tid = (uint32_t)pid;
	rec->start_ns = start_ns;
	read_container(pi, dfd, rec);
	rec->vpid = read_vpid(pi, dfd, pid);
	n = read_at(dfd, "environ", pi->buf, TT_MAX_ENVIRON);
	if (n > 0) {
		procid_parse_service(pi->buf, (size_t)n, rec->service_name,
				     sizeof(rec->service_name));
		explicit_bzero(pi->buf, (size_t)n); /* whatever else it held stays nowhere */
	}
	/*
	 * No second look at its start: dfd holds the process that was checked (the kernel's
	 * struct pid, not the number), and a file opened through it once that process is gone
	 * fails with ENOENT, whoever holds the number by then: every file read above was its.
	 * environ is the last: if it could be opened, the process was there for all of them.
	 */
	if (n == -ENOENT || n == -ESRCH)
		err = -ESRCH;
out:
	close(dfd);
	return err == -ENOENT ? -ESRCH : err;
}
