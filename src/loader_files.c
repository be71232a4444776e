// SPDX-License-Identifier: MIT
/* loader_files.c: the table of inspected files, with eviction of those without probes. */
#include <stddef.h>

#include "loader_files.h"

struct loader_file *loader_files__find(struct loader_files *f, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].dev == dev && f->v[i].ino == ino) {
			f->v[i].used = ++f->clock;
			return &f->v[i];
		}
	}
	return NULL;
}

/* The least recently used entry with nothing probed, or NULL. */
static struct loader_file *lru_victim(struct loader_files *f)
{
	struct loader_file *best = NULL;
	int i;

	for (i = 0; i < f->n; i++) {
		if (f->v[i].state != LOADER_FILE_NOTHING)
			continue;
		if (!best || f->v[i].used < best->used)
			best = &f->v[i];
	}
	return best;
}

struct loader_file *loader_files__add(struct loader_files *f, dev_t dev, ino_t ino)
{
	struct loader_file *e;

	if (f->n < LOADER_MAX_FILES) {
		e = &f->v[f->n++];
	} else {
		e = lru_victim(f);
		if (!e)
			return NULL;
		__atomic_add_fetch(&f->evicted, 1, __ATOMIC_RELAXED);
	}
	e->dev = dev;
	e->ino = ino;
	e->state = LOADER_FILE_INSPECTING;
	e->used = ++f->clock;
	return e;
}

void loader_files__remove(struct loader_files *f, struct loader_file *e)
{
	*e = f->v[--f->n];
}
