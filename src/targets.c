// SPDX-License-Identifier: MIT
/* targets.c: find the files that carry TLS functions and the functions' file offsets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "targets.h"

static const char *const func_names[TT_FN_MAX] = {
	[TT_FN_SSL_WRITE] = "SSL_write",
	[TT_FN_SSL_WRITE_EX] = "SSL_write_ex",
	[TT_FN_SSL_READ] = "SSL_read",
	[TT_FN_SSL_READ_EX] = "SSL_read_ex",
	[TT_FN_SSL_FREE] = "SSL_free",
};

const char *targets_func_name(enum tt_func fn)
{
	return fn < TT_FN_MAX ? func_names[fn] : "?";
}

/* Converts a symbol's virtual address to a file offset through the PT_LOAD segments. */
static int vaddr_to_off(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static void scan_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *const *names,
			size_t n, uint64_t *offs)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t i, k, count;
	GElf_Sym sym;
	const char *name;

	if (!data || !sh->sh_entsize)
		return;
	count = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || name[0] != 'S')	/* cheap filter: every name we look for is SSL_* */
			continue;
		for (k = 0; k < n; k++) {
			if (!offs[k] && !strcmp(name, names[k]) &&
			    vaddr_to_off(elf, sym.st_value, &offs[k]))
				offs[k] = 0;
		}
	}
}

int targets_elf_lookup(const char *path, const char *const *names, size_t n, uint64_t *offs)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, found = 0;
	size_t k;

	memset(offs, 0, n * sizeof(*offs));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		close(fd);
		return -ENOEXEC;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB)
			scan_symtab(elf, scn, &sh, names, n, offs);
	}
	elf_end(elf);
	close(fd);
	for (k = 0; k < n; k++)
		found += offs[k] != 0;
	return found;
}

int targets_inspect(const char *path, struct tt_target *t)
{
	struct stat st;
	int found, i;

	memset(t, 0, sizeof(*t));
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	snprintf(t->path, sizeof(t->path), "%s", path);
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	found = targets_elf_lookup(path, func_names, TT_FN_MAX, t->off);
	if (found < 0)
		return found;
	for (i = 0; i < TT_FN_MAX; i++)
		t->tier[i] = t->off[i] ? TT_TIER_SYMBOL : TT_TIER_NONE;
	/* without both directions there is nothing useful to capture */
	if (!(t->off[TT_FN_SSL_WRITE] || t->off[TT_FN_SSL_WRITE_EX]) ||
	    !(t->off[TT_FN_SSL_READ] || t->off[TT_FN_SSL_READ_EX]))
		return 0;
	return found;
}

static bool is_tls_lib_name(const char *base)
{
	return !strncmp(base, "libssl.so", 9) || !strncmp(base, "libssl3.so", 10);
}

int targets_system_libs(void (*fn)(const char *path, void *ctx), void *ctx)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
		"/lib", "/usr/lib", "/usr/local/lib", "/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
	};
	struct { dev_t dev; ino_t ino; } seen[64];
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
			if (!is_tls_lib_name(de->d_name))
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
		if (!is_tls_lib_name(base))
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
