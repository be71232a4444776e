// SPDX-License-Identifier: MIT
/*
 * targets_proc.c: where TLS libraries are to be found: the system library directories, the
 * files a process maps (/proc/PID/maps) and a process's children. What is in each file is
 * targets.c's work.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets.h"

/*
 * NSPR's PR_Read/PR_Write also carry every file read and write of the programs that use it
 * (browsers, mail clients): probing libnspr4 makes all of them pay a trap per call, so it is
 * probed only once a traced process maps it, never up front as a system library.
 */
static bool is_tls_lib_name(const char *base, bool system)
{
	return !strncmp(base, "libssl.so", 9) || !strncmp(base, "libssl3.so", 10) ||
	       !strncmp(base, "libgnutls.so", 12) || (!system && !strncmp(base, "libnspr4.so", 11));
}

int targets_system_libs(void (*fn)(const char *path, void *ctx), void *ctx)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
		"/usr/local/lib",
		"/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
	};
	struct {
		dev_t dev;
		ino_t ino;
	} seen[64];
	char path[PATH_MAX];
	int n_seen = 0, i, k;
	struct dirent *de;
	struct stat st;
	DIR *d;

	for (i = 0; i < (int)(sizeof(dirs) / sizeof(dirs[0])); i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (!is_tls_lib_name(de->d_name, true))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i], de->d_name);
			if (stat(path, &st) || !S_ISREG(st.st_mode))
				continue;
			for (k = 0; k < n_seen; k++)
				if (seen[k].dev == st.st_dev && seen[k].ino == st.st_ino)
					break;
			if (k < n_seen || n_seen == 64)
				continue;
			seen[n_seen].dev = st.st_dev;
			seen[n_seen].ino = st.st_ino;
			n_seen++;
			fn(path, ctx);
		}
		closedir(d);
	}
	return n_seen;
}

int targets_process(pid_t pid, void (*fn)(const char *path, void *ctx), void *ctx)
{
	char path[PATH_MAX], line[PATH_MAX + 128], file[PATH_MAX];
	unsigned long start, end;
	int n = 0;
	const char *base;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (!access(path, R_OK)) {
		fn(path, ctx);
		n++;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return n ? n : -errno;
	while (fgets(line, sizeof(line), f)) {
		file[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095[^\n]", &start, &end, file) < 3 ||
		    file[0] != '/')
			continue;
		base = strrchr(file, '/') + 1;
		if (!is_tls_lib_name(base, false))
			continue;
		/* map_files reaches the mapped inode even inside another mount namespace */
		snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", pid, start, end);
		fn(path, ctx);
		n++;
	}
	fclose(f);
	return n;
}

int targets_children(pid_t pid, int *out, int max)
{
	char path[64];
	struct dirent *de;
	int n = 0, c;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char cpath[300];

		if (de->d_name[0] == '.')
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%d/task/%s/children", pid, de->d_name);
		f = fopen(cpath, "re");
		if (!f)
			continue;
		while (n < max && fscanf(f, "%d", &c) == 1)
			out[n++] = c;
		fclose(f);
	}
	closedir(d);
	return n;
}
