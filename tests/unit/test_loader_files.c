// SPDX-License-Identifier: MIT
/* test_loader_files.c: the table of inspected files evicts, never fills for good. */
#include <stdlib.h>

#include "loader_files.h"
#include "test.h"

void test_loader_files_evicts_lru(void)
{
	struct loader_files *f = calloc(1, sizeof(*f));
	struct loader_file *e;
	int i;

	if (!ASSERT_OK_PTR(f, "table"))
		return;
	/* a table full of files without probes, as a process opening throw-away ELF files makes */
	for (i = 0; i < LOADER_MAX_FILES; i++) {
		e = loader_files__add(f, 1, (ino_t)(100 + i));
		if (!ASSERT_OK_PTR(e, "room"))
			goto out;
		e->state = i == 7 ? LOADER_FILE_ATTACHED : LOADER_FILE_NOTHING;
	}
	/* the first two are looked up again: the third is now the least recently used */
	ASSERT_OK_PTR(loader_files__find(f, 1, 100), "found");
	ASSERT_OK_PTR(loader_files__find(f, 1, 101), "found");
	/* a later real library still gets an entry, in place of the least recently used one */
	e = loader_files__add(f, 2, 5);
	if (!ASSERT_OK_PTR(e, "room for a new file"))
		goto out;
	ASSERT_EQ(e->state, LOADER_FILE_INSPECTING, "being inspected");
	ASSERT_EQ(f->n, LOADER_MAX_FILES, "still full");
	ASSERT_EQ(f->evicted, 1, "one evicted");
	ASSERT_NULL(loader_files__find(f, 1, 102), "the least recently used went");
	ASSERT_OK_PTR(loader_files__find(f, 1, 100), "the recently used stay");
	/* files with probes are never evicted, nor one being inspected */
	for (i = 0; i < LOADER_MAX_FILES * 2; i++) {
		e = loader_files__add(f, 3, (ino_t)i);
		if (!ASSERT_OK_PTR(e, "room"))
			goto out;
		e->state = LOADER_FILE_NOTHING;
	}
	ASSERT_OK_PTR(loader_files__find(f, 1, 107), "attached file kept");
	ASSERT_OK_PTR(loader_files__find(f, 2, 5), "file being inspected kept");
	/* only when every entry has probes is there no room */
	for (i = 0; i < f->n; i++)
		f->v[i].state = LOADER_FILE_ATTACHED;
	ASSERT_NULL(loader_files__add(f, 4, 1), "all attached: no room");
	/* a file that is not ELF gives its entry back */
	f->v[0].state = LOADER_FILE_INSPECTING;
	loader_files__remove(f, &f->v[0]);
	ASSERT_EQ(f->n, LOADER_MAX_FILES - 1, "entry given back");
	ASSERT_OK_PTR(loader_files__add(f, 4, 1), "room again");
out:
	free(f);
}
