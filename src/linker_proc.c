// SPDX-License-Identifier: MIT
/* linker_proc.c: the linker's processes: lookup, OTLP resources, spans made and named. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
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

struct lident *lident_get(struct lident *ident)
{
	if (ident)
		ident->refs++;
	return ident;
}

void lident_put(struct lident *ident)
{
	if (ident && !--ident->refs)
		free(ident);
}

/* Cleans a text of the record in place: a capture is anybody's bytes. True if any is left. */
static bool clean(char *s, size_t size)
{
	return cgroup_clean_name(s, size, s, strnlen(s, size)) > 0;
}

int lident_set(struct lproc *lp, const struct tt_ident *id)
{
	struct lident *n = calloc(1, sizeof(*n));
	struct tt_ident *r;
	bool any = false;

	if (!n)
		return -ENOMEM;
	n->refs = 1;
	n->rec = *id;
	r = &n->rec;
	any |= clean(r->container_id, sizeof(r->container_id));
	any |= clean(r->runtime, sizeof(r->runtime));
	any |= clean(r->pod_uid, sizeof(r->pod_uid));
	any |= clean(r->pod_name, sizeof(r->pod_name));
	any |= clean(r->pod_namespace, sizeof(r->pod_namespace));
	any |= clean(r->container_name, sizeof(r->container_name));
	/* a name, not a credential someone put there */
	if (clean(r->service_name, sizeof(r->service_name)) &&
	    redact_has_secret(r->service_name, strlen(r->service_name)))
		r->service_name[0] = '\0';
	any |= r->service_name[0] != '\0';
	lident_put(lp->ident);
	lp->ident = any ? n : NULL;
	if (!any)
		free(n);
	if (id->vpid) /* else the fork record's stands */
		lp->vpid = id->vpid;
	resource__put(lp->res);
	lp->res = NULL;
	return 0;
}

/* container.*, k8s.* and process.vpid: where the process runs, as far as it is known. */
static int resource_where(struct lproc *lp, struct attr_list *a)
{
	const struct tt_ident *r = lp->ident ? &lp->ident->rec : NULL;
	const struct {
		const char *key, *val;
	} f[] = {
		{ "container.id", r ? r->container_id : "" },
		{ "container.runtime.name", r ? r->runtime : "" },
		{ "k8s.pod.uid", r ? r->pod_uid : "" },
		{ "k8s.pod.name", r ? r->pod_name : "" },
		{ "k8s.namespace.name", r ? r->pod_namespace : "" },
		{ "k8s.container.name", r ? r->container_name : "" },
	};
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].val[0])
			err |= attrs_set_str(a, f[i].key, f[i].val);
	if (lp->vpid && lp->vpid != lp->p->pid)
		err |= attrs_set_int(a, "process.vpid", lp->vpid);
	return err;
}

static int resource_fill(struct linker *l, struct lproc *lp, struct tt_resource *r)
{
	struct proc *p = lp->p;
	const char *svc = l->service_name;
	char **args;
	int err = 0;

	/* the process's own OTEL_SERVICE_NAME first: the tracer's names them all */
	if (lp->ident && lp->ident->rec.service_name[0])
		svc = lp->ident->rec.service_name;
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
	err |= resource_where(lp, &r->attrs);
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
