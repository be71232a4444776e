# SPDX-License-Identifier: MIT
"""
Renders a Helm chart's templates for the tests where Helm is not installed (Debian 12 has no
helm package): the subset of Go templates and Sprig the chart of tools/deploy uses, no more.
  {{ .Values.a.b }}  {{ .Release.Name }}  {{ .Release.Namespace }}  {{ . }}
  {{ X | quote }}  {{ toYaml X | nindent N }}  {{ toYaml X | indent N }}
  {{- if X }} ... {{- else }} ... {{- end }}  {{- with X }} ... {{- end }}
  {{- range X }} ... {{- end }}
with {{- and -}} trimming the white space before and after as Go does. Anything else in a
template is an error, so a template using more than this fails the test instead of rendering
something Helm would render differently.
"""
import json
import re

import yaml

ACTION = re.compile(r"{{(-?)\s*(.*?)\s*(-?)}}", re.S)


class RenderError(Exception):
    pass


def tokens(src):
    """[("text", s) | ("act", s)], with the trim markers applied to the text beside them."""
    out, pos = [], 0
    for m in ACTION.finditer(src):
        text = src[pos:m.start()]
        if m.group(1):
            text = text.rstrip(" \t\r\n")
        out.append(["text", text])
        out.append(["act", m.group(2), m.group(3) == "-"])
        pos = m.end()
    out.append(["text", src[pos:]])
    for i, t in enumerate(out):
        if t[0] == "act" and t[2] and i + 1 < len(out):
            out[i + 1][1] = out[i + 1][1].lstrip(" \t\r\n")
    return [(t[0], t[1]) for t in out]


def parse(toks, i=0, stop=()):
    """A tree: list of ("text", s) | ("expr", s) | (kw, expr, body, else_body)."""
    nodes = []
    while i < len(toks):
        kind, s = toks[i]
        i += 1
        if kind == "text":
            if s:
                nodes.append(("text", s))
            continue
        word = s.split(None, 1)[0] if s else ""
        if word in ("end", "else"):
            if word not in stop:
                raise RenderError("unexpected {{ %s }}" % s)
            return nodes, i, word
        if word in ("if", "with", "range"):
            body, i, how = parse(toks, i, ("end", "else"))
            other = []
            if how == "else":
                other, i, _ = parse(toks, i, ("end",))
            nodes.append((word, s.split(None, 1)[1], body, other))
            continue
        if s.startswith("/*"):
            continue
        nodes.append(("expr", s))
    if stop:
        raise RenderError("missing {{ end }}")
    return nodes, i, None


def lookup(path, dot, root):
    if path == ".":
        return dot
    base = root if path.startswith(".Values") or path.startswith(".Release") else dot
    cur = base
    for part in path.strip(".").split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def to_yaml(v):
    if v in (None, {}, []):
        return ""
    return yaml.safe_dump(v, default_flow_style=False, sort_keys=False).rstrip("\n")


FUNCS = ("quote", "toYaml", "nindent", "indent")


def arg(a, dot, root):
    if a.startswith("."):
        return lookup(a, dot, root)
    if a.isdigit():
        return int(a)
    raise RenderError("not supported: argument %r" % a)


def evaluate(expr, dot, root):
    stages = [s.strip() for s in expr.split("|")]
    val = None
    for n, st in enumerate(stages):
        words = st.split()
        if not words:
            raise RenderError("empty pipeline stage in %r" % expr)
        fn, args = words[0], words[1:]
        if fn.startswith("."):
            if n or args:
                raise RenderError("not supported: %r" % expr)
            val = lookup(fn, dot, root)
            continue
        if fn not in FUNCS:
            raise RenderError("not supported: %r" % expr)
        argv = [arg(a, dot, root) for a in args]
        if n:
            argv.append(val)
        if fn == "quote" and len(argv) == 1:
            val = json.dumps("" if argv[0] is None else str(argv[0]))
        elif fn == "toYaml" and len(argv) == 1:
            val = to_yaml(argv[0])
        elif fn in ("nindent", "indent") and len(argv) == 2:
            pad = " " * argv[0]
            body = "\n".join(pad + l if l else l for l in str(argv[1]).split("\n"))
            val = "\n" + body if fn == "nindent" else body
        else:
            raise RenderError("not supported: %r" % expr)
    return val


def truthy(v):
    return v not in (None, False, 0, "", [], {})


def run(nodes, dot, root, out):
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            v = evaluate(node[1], dot, root)
            if isinstance(v, bool):
                v = "true" if v else "false"
            out.append("" if v is None else str(v))
        else:
            kw, expr, body, other = node
            v = evaluate(expr, dot, root)
            if kw == "range":
                for x in v or []:
                    run(body, x, root, out)
                if not v:
                    run(other, dot, root, out)
            elif truthy(v):
                run(body, v if kw == "with" else dot, root, out)
            else:
                run(other, dot, root, out)


def render_template(src, values, release):
    nodes, _, _ = parse(tokens(src))
    out = []
    root = {"Values": values, "Release": release}
    run(nodes, root, root, out)
    return "".join(out)


def merge(base, over):
    """Helm's values merge: maps merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def render(chart_dir, name, namespace, overrides=None):
    """The chart's objects (the YAML documents of every template but NOTES.txt)."""
    import os

    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = merge(yaml.safe_load(f) or {}, overrides)
    release = {"Name": name, "Namespace": namespace}
    tdir = os.path.join(chart_dir, "templates")
    docs = []
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(tdir, fn)) as f:
            text = render_template(f.read(), values, release)
        docs.extend(d for d in yaml.safe_load_all(text) if d is not None)
    return docs
