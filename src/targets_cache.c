// SPDX-License-Identifier: MIT
/*
 * targets_cache.c: targets_inspect, the inspection of targets.c through a cache kept in a file
 * across runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "buf.h"
#include "log.h"
#include "targets.h"
#include "targets_internal.h"

/*
 * The inspection cache. A big static binary (Codex: 294 MB) takes 50-150 ms to inspect, and
 * it is inspected while it starts: its first TLS connection can come first and go uncaptured.
 * So what was found is kept across runs, keyed by the file's identity and change times and
 * by everything else the answer depends on (the database, the overrides, this code): an agent
 * seen once is probed at once after. $TT_TARGETS_CACHE names the file ("off": none); the
 * default is TARGETS_CACHE_DEFAULT for root. The file and its directory must belong to us and
 * be closed to others: a record decides where probes go in other programs.
 */
#define TARGETS_CACHE_DEFAULT "/var/cache/tracetree-bpf/targets.cache"
#define TARGETS_CACHE_MAX     (2u << 20) /* bytes; started over beyond */
/* what a record keeps of a tt_target: all but the path (the one of the call is used) */
#define TARGET_KEPT offsetof(struct tt_target, dev)

struct cache_rec {
	uint32_t magic, version, size, pad;
	uint64_t dev, ino, fsize, mtime_ns, ctime_ns, salt; /* the key: up to here */
	int64_t result;					    /* of targets_inspect */
	uint8_t t[sizeof(struct tt_target) - TARGET_KEPT];
};

/*
 * The records of the cache file, read again only when the file changed (another tracer
 * wrote to it): inspections are made at every exec of a new file, and must stay cheap.
 */
static struct {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct cache_rec *v;
	size_t n, cap;
} mem;

static uint64_t cache_hits;

uint64_t targets_cache_hits(void)
{
	return cache_hits;
}

static const char *cache_path(void)
{
	const char *p = getenv("TT_TARGETS_CACHE");

	if (p)
		return *p && strcmp(p, "off") ? p : NULL;
	return geteuid() == 0 ? TARGETS_CACHE_DEFAULT : NULL;
}

static void cache_key(struct cache_rec *r, const struct stat *st)
{
	memset(r, 0, sizeof(*r));
	r->magic = 0x74746332; /* "ttc2" */
	r->version = TARGETS_CACHE_VERSION;
	r->size = sizeof(*r);
	r->dev = st->st_dev;
	r->ino = st->st_ino;
	r->fsize = (uint64_t)st->st_size;
	r->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000ull + st->st_mtim.tv_nsec;
	r->ctime_ns = (uint64_t)st->st_ctim.tv_sec * 1000000000ull + st->st_ctim.tv_nsec;
	r->salt = targets_inspect_salt();
}

/*
 * Opens the cache file when it is ours and private (created, with its directory, if missing):
 * the descriptor or -errno (-EPERM: not private, not ours).
 */
static int cache_open(int flags)
{
	const char *path = cache_path();
	char dir[PATH_MAX], *slash;
	struct stat st;
	int fd;

	if (!path)
		return -ENOENT;
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if ((flags & O_CREAT) && mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		if (lstat(dir, &st))
			return -errno;
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
			return -EPERM;
	}
	fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		tt_warn("targets: %s is not a private file of ours: not used", path);
		close(fd);
		return -EPERM;
	}
	return fd;
}

static bool mem_is(const char *path, const struct stat *st)
{
	return !strcmp(mem.path, path) && mem.dev == st->st_dev && mem.ino == st->st_ino &&
	       mem.size == st->st_size && mem.mtim.tv_sec == st->st_mtim.tv_sec &&
	       mem.mtim.tv_nsec == st->st_mtim.tv_nsec;
}

static void mem_note(const char *path, const struct stat *st)
{
	snprintf(mem.path, sizeof(mem.path), "%s", path);
	mem.dev = st->st_dev;
	mem.ino = st->st_ino;
	mem.size = st->st_size;
	mem.mtim = st->st_mtim;
}

static void mem_add(const struct cache_rec *r)
{
	/* a record not kept in memory is only looked up in the file again */
	if (tt_ensure_mem((void **)&mem.v, &mem.cap, sizeof(*mem.v), mem.n + 1))
		return;
	mem.v[mem.n++] = *r;
}

/* Brings mem up to the cache file; false when there is no trusted file. */
static bool cache_sync(void)
{
	struct cache_rec r;
	struct stat st;
	int fd = cache_open(O_RDONLY);

	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && !mem_is(cache_path(), &st)) {
		mem.n = 0;
		while (read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
			mem_add(&r);
		mem_note(cache_path(), &st);
	}
	close(fd);
	return true;
}

/* The cached inspection of the file st describes, in *t and *result: false if none. */
static bool cache_get(const struct stat *st, struct tt_target *t, int *result)
{
	struct cache_rec key;
	size_t i;

	if (!cache_sync())
		return false;
	cache_key(&key, st);
	/* the last record for a key wins (a newer run may know more) */
	for (i = mem.n; i-- > 0;) {
		if (memcmp(&mem.v[i], &key, offsetof(struct cache_rec, result)))
			continue;
		memcpy((uint8_t *)t + TARGET_KEPT, mem.v[i].t, sizeof(mem.v[i].t));
		*result = (int)mem.v[i].result;
		cache_hits++;
		return true;
	}
	return false;
}

/* Keeps an inspection's outcome for the file st describes. */
static void cache_put(const struct stat *st, const struct tt_target *t, int result)
{
	struct cache_rec r;
	struct stat cst;
	bool current;
	int fd = cache_open(O_WRONLY | O_CREAT | O_APPEND);

	if (fd < 0)
		return;
	current = !fstat(fd, &cst) && mem_is(cache_path(), &cst);
	if (cst.st_size > TARGETS_CACHE_MAX && ftruncate(fd, 0))
		goto out;
	cache_key(&r, st);
	r.result = result;
	memcpy(r.t, (const uint8_t *)t + TARGET_KEPT, sizeof(r.t));
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		tt_debug("targets: writing the inspection cache failed");
		goto out;
	}
	/* mem follows the file when nothing else wrote it in between */
	if (current && !fstat(fd, &cst) && cst.st_size == mem.size + (off_t)sizeof(r)) {
		mem_add(&r);
		mem_note(cache_path(), &cst);
	}
out:
	close(fd);
}

/*
 * A path under /proc/PID/root/ names a file as that process sees it: it is resolved inside that
 * root (RESOLVE_IN_ROOT), so neither ".." nor a symlink the process planted (an absolute one
 * would otherwise land in our root) leads out of it, and no /proc magic link in it is followed.
 * Where openat2 is missing, the last component must not be a symlink (O_NOFOLLOW). Other paths
 * (/proc/PID/exe, /proc/PID/map_files/..., the system libraries, a path the user names) are
 * opened as they are: the /proc ones are the kernel's links to the very file mapped.
 */
static int open_path_in_root(const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char root[64];
	const char *rest;
	int n = 0, dfd, fd;

	if (sscanf(path, "/proc/%*[0-9]/root%n", &n) < 0 || !n || path[n] != '/')
		return open(path, O_PATH | O_CLOEXEC);
	rest = path + n;
	snprintf(root, sizeof(root), "%.*s", n, path);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, rest, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dfd, rest + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	n = errno;
	close(dfd);
	errno = n;
	return fd;
}

int targets_open(const char *path, struct stat *st)
{
	char self[40];
	int fd, rfd, err;

	/* O_PATH: no open() of a device (whose open can act) and no wait on a FIFO */
	fd = open_path_in_root(path);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		err = -ENOEXEC;
		goto fail;
	}
	/* the same inode opened for reading through the descriptor, not the name again */
	targets_fd_path(fd, self, sizeof(self));
	rfd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	err = rfd < 0 ? -errno : 0;
	close(fd);
	return err ? err : rfd;
fail:
	close(fd);
	return err;
}

void targets_fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

int targets_inspect_opened(int fd, struct tt_target *t)
{
	char self[40];
	struct stat st;
	int n;

	memset(t, 0, sizeof(*t));
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	targets_fd_path(fd, self, sizeof(self));
	if (cache_get(&st, t, &n)) {
		snprintf(t->path, sizeof(t->path), "%s", self);
		return n;
	}
	n = targets_inspect_fd(fd, self, &st, t);
	/* a file that is not ELF costs nothing to tell again: it takes no record of the cache */
	if (n >= 0)
		cache_put(&st, t, n);
	return n;
}

int targets_inspect(const char *path, struct tt_target *t)
{
	struct stat st;
	int fd, n;

	memset(t, 0, sizeof(*t));
	fd = targets_open(path, &st);
	if (fd < 0)
		return fd;
	n = targets_inspect_opened(fd, t);
	close(fd);
	snprintf(t->path, sizeof(t->path), "%s", path);
	return n;
}
