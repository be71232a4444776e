# SPDX-License-Identifier: MIT
"""Optimised probe placements capture exactly what plain probes at the exported functions do.

libssl is probed at ssl_write_internal/ssl_read_internal (found by decoding SSL_*_ex) instead of
the exported SSL_write/SSL_read(+_ex), and, unless tracing everything, uprobes are opened per
traced process and inherited at fork. For each client: the same bytes, positions, directions
and function labels (src) with TT_TLS_INTERNAL=0 (exported symbols) and with the default."""
import os
import subprocess
import time

from lib import (TLS_GET, TRACER, Skip, TlsServer, Workdir, by_type, check, check_one_conn, eq,
                 execs, raw_with_server, read_raw, streams)


def capture(client, size, env_extra, extra_args=()):
    """[(dir, src)] of the client's records, {dir: bytes} of its one connection (the exchange)
    and the tracer's stderr."""
    cmd, exe = TLS_GET[client]
    recs, ex, p = raw_with_server(Workdir(), lambda srv: cmd(srv.url + "/bytes/%d" % size),
                                  args=["-v"] + list(extra_args), timeout=120,
                                  env=dict(os.environ, **env_extra))
    eq(len(ex), 1, "server saw one exchange")
    pid, data = check_one_conn(recs, {execs(recs, exe)[0]["pid"]}, ex[0][0], ex[0][1])
    shape = sorted({(r["dir"], r["src"]) for r in by_type(recs, "data") if r["pid"] == pid})
    return shape, data, p.stderr.decode()


def same_as_exported(client, size):
    if client == "node" and not any(os.access(os.path.join(d, "node"), os.X_OK)
                                    for d in os.environ.get("PATH", "").split(":")):
        return
    base_shape, base_data, base_err = capture(client, size, {"TT_TLS_INTERNAL": "0"})
    shape, data, err = capture(client, size, {})
    check("ssl_*_internal" not in base_err, "TT_TLS_INTERNAL=0 keeps the exported symbols")
    check("at ssl_*_internal" in err, "libssl probed at ssl_*_internal: %s" % err[-800:])
    eq(shape, base_shape, "directions and function labels")
    # both equal the server's bytes (checked in capture); only the port differs between runs
    eq({k: len(v) for k, v in data.items()}, {k: len(v) for k, v in base_data.items()},
       "captured lengths")


def test_curl_internal_same_bytes():
    same_as_exported("curl", 40000)


def test_python_ex_internal_same_bytes():
    same_as_exported("python", 40000)


def test_node_static_internal_same_bytes():
    same_as_exported("node", 40000)


def test_system_wide_same_bytes():
    """The system-wide attachment (TT_UPROBE_ATTACH=all) captures the same as the per-process
    one (the default)."""
    shape, data, err = capture("python", 1000, {"TT_UPROBE_ATTACH": "all"})
    check("traced processes only" not in err, "system-wide attachment in use")
    shape2, data2, err2 = capture("python", 1000, {"TT_UPROBE_ATTACH": "pid"})
    check("traced processes only" in err2, "per-process attachment in use: %s" % err2[-500:])
    eq(shape2, shape, "directions and function labels")
    eq({k: len(v) for k, v in data2.items()}, {k: len(v) for k, v in data.items()},
       "captured lengths")


def test_grandchild_forked_late_is_captured():
    """A process forked long after the probes were opened (inherited at fork, no user-space
    round trip) is captured from its first call; an outside process is not."""
    work = Workdir()
    srv = TlsServer(work)
    try:
        out = work.file("raw.jsonl")
        script = "sleep 1; (sleep 0.5; curl -sk --http1.1 %s/bytes/77 -o /dev/null) & wait" % (
            srv.url)
        tr = subprocess.Popen([TRACER, "--raw=" + out, "--", "sh", "-c", script])
        time.sleep(0.8)
        subprocess.run(["curl", "-sk", "--http1.1", srv.url + "/bytes/55", "-o", "/dev/null"],
                       check=True, timeout=20)
        eq(tr.wait(60), 0, "tracer exit code")
        recs = read_raw(out)
        ex = srv.exchanges()
    finally:
        srv.stop()
    eq(len(ex), 2, "server saw both exchanges")
    got = sorted(streams(recs).values(), key=len)
    traced = [e for e in ex if e[0].startswith(b"GET /bytes/77")][0]
    eq(sorted(got), sorted([traced[0], traced[1]]), "only the traced grandchild's bytes")


def test_placement_found_beside_another_tracer():
    """Another tracer's system-wide probes put int3 into every private mapping of libssl that
    may execute: the inspection reads the file through a shared mapping, so the prologues it
    decodes are the file's and ssl_*_internal is still found (it was not: the exported symbols
    were probed, at their single-stepped first instruction)."""
    from test_capture import wait_ready
    lib = "/lib/x86_64-linux-gnu/libssl.so.3"
    if not os.path.exists(lib):
        raise Skip("no %s" % lib)
    other = subprocess.Popen([TRACER, "--all", "-v", "--format", "none"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_ready(other)
        env = dict(os.environ, TT_TARGETS_CACHE="off")
        p = subprocess.run([TRACER, "doctor", lib], capture_output=True, env=env, timeout=60)
        out = p.stdout.decode()
        rows = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines()
                if ln.startswith("    ssl_")}
        eq(rows.get("ssl_write_internal", [None, None])[1], "disasm",
           "ssl_write_internal found by decoding beside the other tracer:\n" + out)
        eq(rows.get("ssl_read_internal", [None, None])[1], "disasm",
           "ssl_read_internal found by decoding beside the other tracer:\n" + out)
    finally:
        other.terminate()
        other.wait(10)
