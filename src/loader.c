// SPDX-License-Identifier: MIT
/* loader.c: BPF skeleton lifecycle (open, configure, load, attach) and uprobe attachment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "log.h"
#include "tracetree.skel.h"

#define LOADER_MAX_FILES 4096

struct probed_file {
	dev_t dev;
	ino_t ino;
	bool attached;		/* false: inspected, nothing to probe */
};

struct loader {
	struct tracetree *skel;
	struct bpf_link **links;
	int n_links, cap_links;
	struct probed_file files[LOADER_MAX_FILES];
	int n_files;
	int n_probed;
	int ncpus;
};

static int add_link(struct loader *l, struct bpf_link *link)
{
	struct bpf_link **p;

	if (l->n_links == l->cap_links) {
		int cap = l->cap_links ? l->cap_links * 2 : 64;

		p = realloc(l->links, cap * sizeof(*p));
		if (!p) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		l->links = p;
		l->cap_links = cap;
	}
	l->links[l->n_links++] = link;
	return 0;
}

struct loader *loader__new(const struct loader_opts *o)
{
	struct loader *l;
	int err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->ncpus = libbpf_num_possible_cpus();
	l->skel = tracetree__open();
	if (!l->skel) {
		err = -errno;
		tt_err("loader: opening the BPF object failed: %s", strerror(-err));
		goto fail;
	}
	l->skel->rodata->cfg_all = o->all;
	l->skel->rodata->cfg_self = o->self;
	l->skel->rodata->cfg_call_cap = o->call_cap;
	l->skel->rodata->cfg_wake_bytes = o->ringbuf_size / 4;
	err = bpf_map__set_max_entries(l->skel->maps.events, (uint32_t)o->ringbuf_size);
	if (!err)
		err = bpf_map__set_autocreate(l->skel->maps.abi_anchor, false);
	if (err)
		goto fail;
	err = tracetree__load(l->skel);
	if (err) {
		tt_err("loader: loading the BPF programs failed: %s (run with -vv for the "
		       "verifier log)", strerror(-err));
		goto fail;
	}
	/* the tracepoints; the uprobes are attached per file by loader__probe_file */
	err = tracetree__attach(l->skel);
	if (err) {
		tt_err("loader: attaching the tracepoints failed: %s", strerror(-err));
		goto fail;
	}
	return l;
fail:
	loader__free(l);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

static struct probed_file *find_file(struct loader *l, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < l->n_files; i++)
		if (l->files[i].dev == dev && l->files[i].ino == ino)
			return &l->files[i];
	return NULL;
}

static int attach_one(struct loader *l, struct bpf_program *prog, const char *path, uint64_t off,
		      bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe);
	struct bpf_link *link;

	link = bpf_program__attach_uprobe_opts(prog, -1, path, off, &uo);
	if (!link)
		return -errno;
	return add_link(l, link);
}

/* Go: Write captured after its stack check, Read stashed at entry and emitted at each RET. */
static int attach_go(struct loader *l, const struct tt_target *t)
{
	struct tracetree *s = l->skel;
	int i, err;

	err = attach_one(l, s->progs.go_write_enter, t->path, t->go_write_at, false);
	if (!err)
		err = attach_one(l, s->progs.go_read_enter, t->path, t->off[TT_FN_GO_READ], false);
	for (i = 0; !err && i < t->n_go_read_rets; i++)
		err = attach_one(l, s->progs.go_read_ret, t->path, t->go_read_rets[i], false);
	if (err)
		tt_warn("loader: %s: attaching the Go crypto/tls probes failed: %s", t->path,
			strerror(-err));
	return err;
}

int loader__probe_file(struct loader *l, const char *path)
{
	struct tracetree *s = l->skel;
	struct {
		enum tt_func fn;
		struct bpf_program *enter, *exit;
	} plan[] = {
		{ TT_FN_SSL_WRITE, s->progs.ssl_write_enter, s->progs.ssl_write_exit },
		{ TT_FN_SSL_WRITE_EX, s->progs.ssl_writeex_enter, s->progs.ssl_writeex_exit },
		{ TT_FN_SSL_READ, s->progs.ssl_read_enter, s->progs.ssl_read_exit },
		{ TT_FN_SSL_READ_EX, s->progs.ssl_readex_enter, s->progs.ssl_readex_exit },
		{ TT_FN_SSL_FREE, s->progs.ssl_free_enter, NULL },
		{ TT_FN_GNUTLS_SEND, s->progs.gtls_send_enter, s->progs.gtls_send_exit },
		{ TT_FN_GNUTLS_RECV, s->progs.gtls_recv_enter, s->progs.gtls_recv_exit },
		{ TT_FN_PR_WRITE, s->progs.nss_write_enter, s->progs.nss_write_exit },
		{ TT_FN_PR_SEND, s->progs.nss_write_enter, s->progs.nss_write_exit },
		{ TT_FN_PR_READ, s->progs.nss_read_enter, s->progs.nss_read_exit },
		{ TT_FN_PR_RECV, s->progs.nss_read_enter, s->progs.nss_read_exit },
	};
	struct probed_file *pf;
	struct tt_target *t;
	struct stat st;
	int n, i, err;

	if (stat(path, &st))
		return -errno;
	if (find_file(l, st.st_dev, st.st_ino))
		return 0;
	if (l->n_files == LOADER_MAX_FILES) {
		tt_warn("loader: %s: more than %d files inspected, not probing", path,
			LOADER_MAX_FILES);
		return -ENOSPC;
	}
	pf = &l->files[l->n_files++];
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	pf->attached = false;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	n = targets_inspect(path, t);
	if (n <= 0) {
		if (t->note[0])
			tt_info("loader: %s: %s TLS functions not probed: %s", path,
				t->lib[0] ? t->lib : "", t->note);
		free(t);
		return n == -ENOEXEC ? 0 : n;
	}
	err = 0;
	for (i = 0; !err && i < (int)(sizeof(plan) / sizeof(plan[0])); i++) {
		if (!t->off[plan[i].fn])
			continue;
		err = attach_one(l, plan[i].enter, path, t->off[plan[i].fn], false);
		if (!err && plan[i].exit)
			err = attach_one(l, plan[i].exit, path, t->off[plan[i].fn], true);
		if (err) {
			tt_warn("loader: %s: attaching %s at %#llx failed: %s", path,
				targets_func_name(plan[i].fn),
				(unsigned long long)t->off[plan[i].fn], strerror(-err));
			break;
		}
		tt_debug("loader: %s: probed %s at %#llx (%s)", path, targets_func_name(plan[i].fn),
			 (unsigned long long)t->off[plan[i].fn],
			 targets_tier_name(t->tier[plan[i].fn]));
	}
	if (!err && t->go_write_at && t->n_go_read_rets)
		err = attach_go(l, t);
	if (!err) {
		pf->attached = true;
		l->n_probed++;
		tt_info("loader: probing %s TLS functions in %s (dev %lu ino %lu%s%s)",
			t->lib[0] ? t->lib : "", path, (unsigned long)st.st_dev,
			(unsigned long)st.st_ino, t->source[0] ? ", " : "", t->source);
	}
	free(t);
	return err ? err : 1;
}

int loader__track(struct loader *l, pid_t pid)
{
	uint32_t key = (uint32_t)pid;
	uint8_t one = 1;

	if (bpf_map__update_elem(l->skel->maps.tracked, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

int loader__ringbuf_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader__stats(const struct loader *l, uint64_t *out)
{
	uint64_t *vals;
	uint32_t k;
	int c;

	vals = calloc(l->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < TT_ST_MAX; k++) {
		out[k] = 0;
		if (bpf_map__lookup_elem(l->skel->maps.stats, &k, sizeof(k), vals,
					 l->ncpus * sizeof(*vals), 0))
			continue;
		for (c = 0; c < l->ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
	return 0;
}

int loader__n_probed_files(const struct loader *l)
{
	return l->n_probed;
}

void loader__free(struct loader *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n_links; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	tracetree__destroy(l->skel);
	free(l);
}
