# SPDX-License-Identifier: MIT
"""Per-process uprobe attachment (the default with -- COMMAND and -p): every call of every
process of the traced tree is captured, whatever forks, execs and exits around it, and processes
outside the tree carry no breakpoint at all."""
import os
import subprocess

from lib import PY, TRACER, Skip, Workdir, check, eq, execs, payload, raw_with_server, streams

# Each worker keeps one TLS connection and, between two requests, forks a child that exits as
# soon as it is told to. The worker and its children share CPU 0: the worker tells the child and
# blocks in waitpid(), which hands the CPU straight to the child. Their perf contexts are clones,
# so the kernel swaps them there instead of switching the events, and the child exits holding
# the worker's inherited uprobe events: the worker's filter entry went with them and its later
# requests were lost (most of them, in every run before the fix). The root waits on CPU 1 so
# that it never swaps contexts with a worker.
TREE = r'''
import http.client, os, ssl, sys
def child_round():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.read(r, 1)
        os._exit(0)
    os.write(w, b"x")
    os.waitpid(pid, 0)
    os.close(r)
    os.close(w)
def worker(port, k, tag):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context())
    for i in range(k):
        c.request("GET", "/bytes/%d" % (100 + i), headers={"X-Tag": "%s-%d" % (tag, i)})
        c.getresponse().read()
        child_round()
    c.close()
os.sched_setaffinity(0, {1})
for j in range(int(sys.argv[2])):
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, {0})
        worker(int(sys.argv[1]), int(sys.argv[3]), "w%d" % j)
        os._exit(0)
    os.waitpid(pid, 0)
'''


def tags_sent(recs):
    """The X-Tag values of the requests the tracer saw written."""
    out = set()
    for r in recs:
        if r["type"] == "data" and r["dir"] == "write":
            for line in payload(r).split(b"\r\n"):
                if line.startswith(b"X-Tag: "):
                    out.add(line[7:].decode())
    return out


def test_child_exit_keeps_parent_probes():
    """Processes whose children exit keep their probes: all 32 requests of 4 workers."""
    if len(os.sched_getaffinity(0)) < 2 or not {0, 1} <= os.sched_getaffinity(0):
        raise Skip("needs CPUs 0 and 1")
    work = Workdir()
    tree = work.file("tree.py")
    with open(tree, "w") as f:
        f.write(TREE)
    recs, _, p = raw_with_server(work, lambda srv: [PY, tree, str(srv.port), "4", "8"],
                                 args=["-v"], timeout=120)
    err = p.stderr.decode(errors="replace")
    if not os.environ.get("TT_UPROBE_ATTACH"):
        check("traced processes only" in err, "per-process attachment is the default: %s" %
              err[-500:])
    want = {"w%d-%d" % (j, i) for j in range(4) for i in range(8)}
    got = tags_sent(recs)
    eq(sorted(want - got), [], "requests not captured")


def test_many_short_children_all_captured():
    """A shell forks and execs 30 curl processes in a row, each making its TLS call at once:
    every one inherits the probes at fork and is captured from its first byte."""
    script = ("for i in $(seq 1 30); do curl -sk --http1.1 %s/bytes/$((1000 + i)) "
              "-o /dev/null || exit 1; done")
    recs, ex, _ = raw_with_server(Workdir(), lambda srv: ["taskset", "-c", "0", "sh", "-c",
                                                          script % srv.url], timeout=120)
    eq(len(ex), 30, "server saw 30 exchanges")
    pids = {r["pid"] for r in execs(recs, "curl")}
    eq(len(pids), 30, "30 curl processes")
    st = streams(recs)
    for req, resp in ex:
        check(req in st.values(), "request captured: %r" % req[:40])
        check(resp in st.values(), "response captured: %r" % resp[:40])


def test_grandchild_of_exited_parent_keeps_late_probes():
    """node is probed when the tree execs it, so its processes get their own events. One that
    exits leaves them to the child it started, which makes its call after the parent is gone
    (the events of an exited process are closed only when no traced process can hold a copy)."""
    if not any(os.access(os.path.join(d, "node"), os.X_OK)
               for d in os.environ.get("PATH", "").split(":")):
        return
    child = ("setTimeout(()=>require('https').get(process.argv[1],{rejectUnauthorized:false},"
             "r=>{r.resume();r.on('end',()=>process.exit(0))}),1000)")
    parent = ("setTimeout(()=>{require('child_process').spawn(process.execPath,['-e',%r,"
              "process.argv[1]],{detached:true,stdio:'ignore'}).unref();process.exit(0)},400)"
              % child)
    recs, ex, _ = raw_with_server(Workdir(), lambda srv: [
        "sh", "-c", "node -e \"$1\" %s/bytes/4242; sleep 2.5" % srv.url, "sh", parent],
        timeout=120)
    eq(len(ex), 1, "server saw the grandchild's exchange")
    nodes = [r for r in execs(recs, "node")]
    check(len(nodes) >= 2, "both node processes traced (%d execs)" % len(nodes))
    st = streams(recs)
    check(ex[0][0] in st.values(), "the grandchild's request captured")
    check(ex[0][1] in st.values(), "the grandchild's response captured")


BP_COUNT = r'''
import sys, time
def bp_count():
    n = 0
    for line in open("/proc/self/maps"):
        f = line.split()
        if len(f) < 6 or "libssl" not in f[5] or "x" not in f[1]:
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        with open("/proc/self/mem", "rb") as m, open(f[5], "rb") as fi:
            m.seek(lo)
            mem = m.read(hi - lo)
            fi.seek(int(f[2], 16))
            fil = fi.read(hi - lo)
        n += sum(1 for a, b in zip(mem, fil) if a != b and a == 0xcc)
    return n
import ssl
if sys.argv[1] == "wait":
    print(bp_count(), flush=True)
    sys.stdin.readline()
print(bp_count(), flush=True)
'''


def test_untraced_process_has_no_breakpoint():
    """While a tree is traced, a process outside it that maps libssl has no breakpoint in its
    memory (it pays nothing); the traced one has them. TT_UPROBE_ATTACH=all restores the
    system-wide attachment, which puts them everywhere."""
    work = Workdir()
    script = work.file("bp.py")
    with open(script, "w") as f:
        f.write(BP_COUNT)
    for mode, outside_has in (("", False), ("all", True)):
        outside = subprocess.Popen([PY, script, "wait"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE)
        try:
            if int(outside.stdout.readline()):
                raise Skip("another tracer has uprobes in libssl system-wide")
            env = dict(os.environ, TT_UPROBE_ATTACH=mode)
            tr = subprocess.Popen([TRACER, "--format", "none", "--", "sh", "-c",
                                   "%s %s now; sleep 1" % (PY, script)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # the traced process has counted its own: the probes are in place, count outside
            n_in = int(tr.stdout.readline() or b"-1")
            outside.stdin.write(b"\n")
            outside.stdin.flush()
            n_out = int(outside.stdout.readline())
            _, se = tr.communicate(timeout=60)
        finally:
            outside.kill()
            outside.wait()
        eq(tr.returncode, 0, "tracer exit code (%s)" % se.decode(errors="replace")[-500:])
        check(n_in > 0, "mode %r: the traced process has breakpoints in libssl" % mode)
        eq(n_out > 0, outside_has, "mode %r: breakpoints in the outside process (%d)" %
           (mode, n_out))

