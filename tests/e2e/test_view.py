# SPDX-License-Identifier: MIT
"""The waterfall page (tracetree-bpf view, --html) rendered in headless Chromium: every span of
the input is a row (data-span-id), the rows nest as parentSpanId says, hostile values stay text.
The replay and file tests need no root and no lock; live_curl_html runs the tracer live.
TT_VIEW_SHOT=FILE also writes the README's screenshot (node_fetch_anthropic's capture)."""
import glob
import html.parser
import json
import os
import shutil
import subprocess
import time

import lib

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def chromium(args, timeout=120):
    if not CHROMIUM:
        raise lib.Skip("no chromium (Debian package chromium: sudo make deps)")
    home = lib.Workdir()   # its profile, not the user's
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--user-data-dir=" + home.file("profile")] + args,
                       capture_output=True, timeout=timeout, env=dict(os.environ, HOME=home.path))
    if p.returncode != 0:
        raise lib.TestFailure("chromium exited %d: %s" % (p.returncode, p.stderr[-1500:]))
    return p.stdout.decode()


class Dom(html.parser.HTMLParser):
    """The rendered DOM: span rows (id, parent attribute, nearest span ancestor), every tag,
    and the text of each element of class nm (the span names)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.rows, self.tags, self.names, self.body = [], [], [], [], {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "body":
            self.body = a
        if tag in VOID:
            return
        anc = next((e["data-span-id"] for e in reversed(self.stack) if "data-span-id" in e),
                   None)
        if "data-span-id" in a:
            self.rows.append({"id": a["data-span-id"], "parent": a.get("data-parent-span-id"),
                              "anc": anc, "orphan": a.get("data-orphan") == "1"})
        a["_tag"] = tag
        self.stack.append(a)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["_tag"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.stack and self.stack[-1].get("class") == "nm":
            self.names.append(data)


def spans_of(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                for rs in json.loads(line)["resourceSpans"]:
                    for ss in rs.get("scopeSpans", []):
                        out += ss.get("spans", [])
    return out


def render(page, hash_=""):
    dom = Dom(chromium(["--dump-dom", "file://" + page + hash_]))
    lib.eq(dom.body.get("data-ready"), "1", "the page's script ran to the end")
    return dom


def check_rows(dom, spans):
    """Every span a row; nested under its parent's row, or at the top when it has none here."""
    lib.eq(sorted(r["id"] for r in dom.rows), sorted(s["spanId"] for s in spans),
           "data-span-id of the rows = the span ids of the file")
    ids = {s["spanId"] for s in spans}
    for s, r in zip(sorted(spans, key=lambda s: s["spanId"]),
                    sorted(dom.rows, key=lambda r: r["id"])):
        p = s.get("parentSpanId", "")
        lib.eq(r["parent"], p, "data-parent-span-id of " + r["id"])
        if p in ids and p != s["spanId"]:
            lib.eq(r["anc"], p, "row %s nests in its parent's row" % r["id"])
        else:
            lib.eq(r["anc"], None, "row %s (no parent in the file) at the top" % r["id"])
            lib.eq(r["orphan"], bool(p), "row %s marked orphan" % r["id"])


def view(work, jsonl, name="page.html"):
    page = work.file(name)
    lib.run_tracer(["view", jsonl, "-o", page])
    return page


def test_replay_captures():
    """Each golden capture: replay -o x.jsonl, view, rendered: every span a row, nesting."""
    caps = sorted(glob.glob(os.path.join(lib.TOP, "tests/fixtures/captures/*.ttcap")))
    lib.check(caps, "golden captures present")
    for cap in caps:
        work = lib.Workdir()
        jsonl = work.file("x.jsonl")
        lib.run_tracer(["replay", cap, "-o", jsonl, "--format", "none"])
        spans = spans_of(jsonl)
        lib.check(len(spans) >= 2, "%s: spans" % cap)
        page = view(work, jsonl)
        check_rows(render(page), spans)
        shot = os.environ.get("TT_VIEW_SHOT")
        if shot and cap.endswith("/node_fetch_anthropic.ttcap"):
            llm = next(s for s in spans if s["name"].startswith("chat"))
            chromium(["--window-size=1280,380", "--hide-scrollbars", "--screenshot=" + shot,
                      "file://%s#span=%s" % (page, llm["spanId"])])


HOSTILE = "</script><img src=x onerror=\"document.title='pwned'\"><!--\u2028"


def hostile_line():
    def attr(k, v):
        return {"key": k, "value": {"stringValue": v}}
    spans = [
        {"traceId": "t1", "spanId": "a1", "name": HOSTILE, "startTimeUnixNano": "1000",
         "endTimeUnixNano": "9000", "attributes": [attr("evil", HOSTILE),
                                                    attr("gen_ai.operation.name", "chat")],
         "status": {"code": 2, "message": HOSTILE},
         "events": [{"name": "tracetree.finding", "timeUnixNano": "2000",
                     "attributes": [attr("tracetree.finding.kind", "retry_storm"),
                                    attr("tracetree.finding.summary", HOSTILE)]}]},
        {"traceId": "t1", "spanId": "a2", "parentSpanId": "a1", "name": "child",
         "startTimeUnixNano": "2000", "endTimeUnixNano": "3000",
         "attributes": [attr("tracetree.link", "inferred")]},
        {"traceId": "t1", "spanId": "a3", "parentSpanId": "gone", "name": "orphan",
         "startTimeUnixNano": "2500", "endTimeUnixNano": "2600"},
        # a parent loop: neither reaches a root, both are still rows
        {"traceId": "t2", "spanId": "c1", "parentSpanId": "c2", "name": "loop1"},
        {"traceId": "t2", "spanId": "c2", "parentSpanId": "c1", "name": "loop2"},
    ]
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [attr("r", HOSTILE)]},
                                          "scopeSpans": [{"spans": spans}]}]})


def test_hostile_values():
    """Values that are HTML, a script end or a comment start appear as text, create nothing."""
    work = lib.Workdir()
    jsonl = work.file("h.jsonl")
    with open(jsonl, "w") as f:
        f.write(hostile_line() + "\n")
    page = view(work, jsonl)
    with open(page, encoding="utf-8") as f:
        text = f.read()
    lib.eq(text.count("</script>"), 2, "only the page's own script elements end")
    dom = render(page, "#span=a1")   # the details pane of the hostile span drawn too
    lib.eq([t for t, _ in dom.tags if t == "img"], [], "no img element")
    lib.eq([a for _, a in dom.tags if any(k.startswith("on") for k in a)], [],
           "no event handler attribute")
    lib.check(HOSTILE in dom.names, "the hostile name shown as text")
    lib.eq(sorted(r["id"] for r in dom.rows), ["a1", "a2", "a3", "c1", "c2"], "rows")
    loop = [r for r in dom.rows if r["id"] in ("c1", "c2")]
    lib.eq(sum(1 for r in loop if r["anc"] is None and r["orphan"]), 1,
           "a parent loop: one of it at the top, marked")
    bars = [a.get("class", "") for t, a in dom.tags if "bar" in a.get("class", "").split()]
    lib.eq(sum(1 for c in bars if "inferred" in c.split()), 1, "one inferred (dashed) bar")


def ten_k_line(n=10000):
    """A trace of n spans: an agent, LLM calls and tools, processes under the tools."""
    spans, t = [], 1700000000000000000
    attr = lambda k, v: {"key": k, "value": {"stringValue": v}}   # noqa: E731
    spans.append({"traceId": "big", "spanId": "s0", "name": "invoke_agent big",
                  "startTimeUnixNano": str(t), "endTimeUnixNano": str(t + n * 1000000),
                  "attributes": [attr("gen_ai.operation.name", "invoke_agent")]})
    for i in range(1, n):
        kind = ("chat", "execute_tool", "exec")[i % 3]
        parent = "s0" if kind != "exec" else "s%d" % (i - 1)
        a = [attr("gen_ai.operation.name", kind)] if kind != "exec" else []
        spans.append({"traceId": "big", "spanId": "s%d" % i, "parentSpanId": parent,
                      "name": "%s %d" % (kind, i), "startTimeUnixNano": str(t + i * 1000000),
                      "endTimeUnixNano": str(t + i * 1000000 + 900000), "attributes": a})
    return spans, json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]})


def test_ten_thousand_spans():
    """10,000 spans: every one a row. How long the page took is printed, never asserted."""
    work = lib.Workdir()
    jsonl = work.file("big.jsonl")
    spans, line = ten_k_line()
    with open(jsonl, "w") as f:
        f.write(line + "\n")
    page = view(work, jsonl)
    t0 = time.time()
    dom = render(page)
    wall = time.time() - t0
    check_rows(dom, spans)
    print("  10k spans: page script %s ms, chromium --dump-dom %.1f s (wall, with start-up)" %
          (dom.body.get("data-render-ms"), wall))


def test_live_curl_html():
    """--html on a live -- curl run (root, the e2e lock): the page has every exported span."""
    work = lib.Workdir()
    page, out = work.file("live.html"), work.file("live.jsonl")
    with lib.TlsServer(work) as srv:
        lib.run_tracer(["-o", out, "--html", page, "--format", "none", "--", "curl", "-sk",
                        "--http1.1", srv.url + "/bytes/100", "-o", "/dev/null"])
    spans = spans_of(out)
    lib.check(any(s["name"].startswith("exec") for s in spans), "curl's process span")
    lib.eq(oct(os.stat(page).st_mode & 0o777), "0o600", "the page is written 0600")
    check_rows(render(page), spans)
