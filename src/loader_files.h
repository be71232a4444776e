/* SPDX-License-Identifier: MIT */
/*
 * loader_files.h: the files the loader has inspected, by (dev, inode), so that each is inspected
 * and probed once. Entries of files with probes stay; the others are evicted, least recently
 * used first, when the table is full (a process cannot fill it for good). Used by loader.c.
 */
#ifndef TT_LOADER_FILES_H
#define TT_LOADER_FILES_H

#include <stdint.h>
#include <sys/types.h>

#define LOADER_MAX_FILES 4096

enum loader_file_state {
	LOADER_FILE_INSPECTING = 1, /* being inspected: not evicted */
	LOADER_FILE_NOTHING,	    /* inspected, nothing to probe: evictable */
	LOADER_FILE_ATTACHED,	    /* its probes are attached: kept */
};

struct loader_file {
	dev_t dev;
	ino_t ino;
	enum loader_file_state state;
	uint64_t used; /* the table's clock at the last lookup */
};

struct loader_files {
	struct loader_file v[LOADER_MAX_FILES];
	int n;
	uint64_t clock;
	uint64_t evicted; /* entries evicted so far */
};

/* The entry of (dev, ino), its use noted, or NULL. */
struct loader_file *loader_files__find(struct loader_files *f, dev_t dev, ino_t ino);
/*
 * A new entry for (dev, ino) being inspected; when the table is full, the least recently used
 * entry with nothing probed makes room. NULL when every entry has probes attached.
 */
struct loader_file *loader_files__add(struct loader_files *f, dev_t dev, ino_t ino);
/* Forgets an entry (a file that is not ELF, or whose inspection failed: asked again later). */
void loader_files__remove(struct loader_files *f, struct loader_file *e);

#endif /* TT_LOADER_FILES_H */
