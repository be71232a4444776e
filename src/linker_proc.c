// SPDX-License-Identifier: MIT
/* linker_proc.c: the linker's processes: lookup, OTLP resources, spans made and named. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linker_internal.h"
#include "proctree.h"
#include "redact.h"
#include "str.h"

struct lproc *lproc_of(struct linker *l, uint32_t pid)
{
	struct proc *p = proctree__find(l->pt, pid);

	return p ? p->priv : NULL;
}

const char *lproc_exe_name(const struct proc *p)
{
	const char *b = proc_basename(p->exe_path);

	if (!b[0] && p->argc)
		b = proc_basename(p->argv[0]);
	return b[0] ? b : "unknown";
}

static int resource_fill(struct linker *l, struct lproc *lp, struct tt_resource *r)
{
	struct proc *p = lp->p;
	const char *svc = l->service_name;
	char **args;
	int err = 0;

	if (!svc)
		svc = lp->agent && lp->agent_name ? lp->agent_name : lproc_exe_name(p);
	err |= attrs_set_str(&r->attrs, "service.name", svc);
	err |= attrs_set_int(&r->attrs, "process.pid", p->pid);
	err |= attrs_set_int(&r->attrs, "process.parent_pid", p->ppid);
	err |= attrs_set_str(&r->attrs, "process.executable.name", lproc_exe_name(p));
	if (p->exe_path[0])
		err |= attrs_set_str(&r->attrs, "process.executable.path", p->exe_path);
	args = strv_dup((const char *const *)p->argv, p->argc);
	if (!args)
		return -ENOMEM;
	if (!err)
		err |= redact_argv(args, p->argc);
	if (!err && p->argc)
		err |= attrs_set_str_array(&r->attrs, "process.command_args",
					   (const char *const *)args, p->argc);
	strv_free(args, p->argc);
	if (l->host_name)
		err |= attrs_set_str(&r->attrs, "host.name", l->host_name);
	return err ? -ENOMEM : 0;
}

static struct tt_resource *lproc_resource(struct linker *l, struct lproc *lp)
{
	struct tt_resource *r;

	if (lp->res)
		return lp->res;
	r = resource__new(lp->p->pid, lp->p->start_ns);
	if (!r)
		return NULL;
	if (resource_fill(l, lp, r)) {
		resource__put(r);
		return NULL;
	}
	lp->res = r;
	return r;
}

struct tt_span *lspan_make(struct linker *l, struct lproc *lp, const char *name,
			   enum span_kind kind, const uint8_t *id)
{
	struct tt_resource *r = lproc_resource(l, lp);
	struct tt_span *s;

	if (!r)
		return NULL;
	s = span__new(name, kind, r);
	if (!s)
		return NULL;
	if (id)
		memcpy(s->span_id, id, sizeof(s->span_id));
	else
		span_new_span_id(s->span_id);
	if (attrs_set_int(&s->attrs, "process.pid", lp->p->pid)) {
		span__free(s);
		return NULL;
	}
	return s;
}

struct tt_span *lspan_named(struct linker *l, struct lproc *lp, const char *op, const char *what,
			    enum span_kind kind, const uint8_t *id)
{
	char name[512];

	snprintf(name, sizeof(name), "%s%s%s", op, what && what[0] ? " " : "", what ? what : "");
	return lspan_make(l, lp, name, kind, id);
}

void lspan_parent(struct tt_span *s, const uint8_t *parent)
{
	memcpy(s->parent_id, parent, sizeof(s->parent_id));
	s->has_parent = true;
}

void lspan_link(struct tt_span *s, bool inferred)
{
	/* without memory the span keeps its parent, unmarked: as other attributes are lost */
	if (inferred)
		attrs_set_str(&s->attrs, "tracetree.link", "inferred");
}
