// SPDX-License-Identifier: MIT
/* naive.c: loads tests/bench/bpf/naive.bpf.o and runs COMMAND under it, for `make bench`:
 *   naive OBJ LIBSSL naive -- COMMAND...  the reference naive TLS probe: entry + return uprobes
 *                                          at SSL_write/SSL_read(+_ex), system-wide, draining
 *                                          its ring buffer and reading every byte;
 *   naive OBJ LIBSSL floor -- COMMAND...  empty entry + return probes where tracetree-bpf puts
 *                                          its probes (ssl_*_internal when found): the floor;
 *   naive OBJ LIBSSL copy -- COMMAND...   the same placement copying each call's bytes into the
 *                                          ring buffer without a wakeup: the copy floor.
 * Benchmark references only, not product code. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "targets.h"

static uint64_t n_recs, sum;

static int on_rec(void *ctx, void *data, size_t size)
{
	const unsigned char *p = data;
	size_t i;

	/* touch every byte, as a real consumer would */
	for (i = 0; i < size; i += 64)
		sum += p[i];
	n_recs++;
	return 0;
}

static int attach(struct bpf_object *obj, const char *lib, struct bpf_link **links, int *n)
{
	static const char *const fns[] = { "SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex" };
	struct bpf_program *enter = bpf_object__find_program_by_name(obj, "naive_enter");
	struct bpf_program *exit_p = bpf_object__find_program_by_name(obj, "naive_exit");
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, eo, .func_name = fns[i], .bpf_cookie = i >= 2);
		LIBBPF_OPTS(bpf_uprobe_opts, ro, .func_name = fns[i], .retprobe = true);

		links[(*n)++] = bpf_program__attach_uprobe_opts(enter, -1, lib, 0, &eo);
		links[(*n)++] = bpf_program__attach_uprobe_opts(exit_p, -1, lib, 0, &ro);
		if (!links[*n - 1] || !links[*n - 2])
			return -errno;
	}
	return 0;
}

/* Probes (empty, or copying: prefix) at the offsets tracetree-bpf uses for libssl's write and
 * read, which must be ssl_*_internal for the copy floor (its arguments). */
static int attach_floor(struct bpf_object *obj, const char *lib, const char *prefix,
			struct bpf_link **links, int *n)
{
	char name[32];
	struct bpf_program *enter, *exit_p;
	static const enum tt_func fns[][2] = {
		{ TT_FN_SSL_WRITE_INT, TT_FN_SSL_WRITE },
		{ TT_FN_SSL_READ_INT, TT_FN_SSL_READ },
	};
	LIBBPF_OPTS(bpf_uprobe_opts, ro, .retprobe = true);
	static struct tt_target t;
	uint64_t off;
	size_t i;

	snprintf(name, sizeof(name), "%s_enter", prefix);
	enter = bpf_object__find_program_by_name(obj, name);
	snprintf(name, sizeof(name), "%s_exit", prefix);
	exit_p = bpf_object__find_program_by_name(obj, name);
	if (targets_inspect(lib, &t) <= 0 || !enter || !exit_p)
		return -ENOENT;
	if (!strcmp(prefix, "copy") && (!t.off[TT_FN_SSL_WRITE_INT] || !t.off[TT_FN_SSL_READ_INT]))
		return -ENOTSUP;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		off = t.off[fns[i][0]] ? t.off[fns[i][0]] : t.off[fns[i][1]];
		fprintf(stderr, "naive: floor probe at %s+0 (%#llx)\n",
			targets_func_name(t.off[fns[i][0]] ? fns[i][0] : fns[i][1]),
			(unsigned long long)off);
		links[(*n)++] = bpf_program__attach_uprobe_opts(enter, -1, lib, off, NULL);
		links[(*n)++] = bpf_program__attach_uprobe_opts(exit_p, -1, lib, off, &ro);
		if (!links[*n - 1] || !links[*n - 2])
			return -errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[8] = { 0 };
	struct ring_buffer *rb = NULL;
	struct bpf_object *obj;
	int n = 0, status = 0, err, i;
	pid_t child;

	if (argc < 6 || strcmp(argv[4], "--")) {
		fprintf(stderr, "usage: naive OBJ LIBSSL naive|floor|copy -- COMMAND [ARG...]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "naive: loading %s failed\n", argv[1]);
		return 1;
	}
	if (!strcmp(argv[3], "floor") || !strcmp(argv[3], "copy"))
		err = attach_floor(obj, argv[2], argv[3], links, &n);
	else
		err = attach(obj, argv[2], links, &n);
	if (!err) {
		rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "naive_rb"), on_rec,
				      NULL, NULL);
		err = rb ? 0 : -errno;
	}
	if (err) {
		fprintf(stderr, "naive: %s\n", strerror(-err));
		return 1;
	}
	child = fork();
	if (child == 0) {
		execvp(argv[5], argv + 5);
		_exit(127);
	}
	/* the copy floor wakes nobody: drain on a short timer, as tracetree-bpf does */
	while (waitpid(child, &status, WNOHANG) == 0) {
		if (strcmp(argv[3], "copy")) {
			ring_buffer__poll(rb, 100);
		} else {
			ring_buffer__consume(rb);
			usleep(1000);
		}
	}
	ring_buffer__consume(rb);
	fprintf(stderr, "naive: %llu records\n", (unsigned long long)n_recs);
	ring_buffer__free(rb);
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
