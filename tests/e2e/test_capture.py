# SPDX-License-Identifier: MIT
"""TLS plaintext capture from real clients: exact bytes, order, pid and direction."""
import os
import signal
import subprocess
import threading
import time

from lib import (PY, PY_GET, TLS_GET, TOP, TRACER, TestFailure, TlsServer, Workdir, by_type,
                 check, check_one_conn, eq, execs, payload, raw_with_server, read_raw, run_tracer,
                 streams)

SRC = {"curl": "ssl", "python": "ssl_ex", "node": "ssl"}


def capture_one(client, size):
    cmd, exe = TLS_GET[client]
    recs, ex, _ = raw_with_server(Workdir(), lambda srv: cmd(srv.url + "/bytes/%d" % size))
    eq(len(ex), 1, "server saw one exchange")
    procs = execs(recs, exe)
    eq(len(procs), 1, "one exec of %s" % client)
    pid, _ = check_one_conn(recs, {procs[0]["pid"]}, ex[0][0], ex[0][1])
    data = [r for r in by_type(recs, "data") if r["pid"] == pid]
    check(all(r["src"] == SRC[client] for r in data), "%s goes through %s" % (client, SRC[client]))
    check(all(r["comm"] for r in data), "comm set")
    # the first record of the connection is the request, the response follows it
    eq(min(data, key=lambda r: r["ts_ns"])["dir"], "write", "request first")


def test_curl_100b():
    capture_one("curl", 100)


def test_curl_1mib():
    capture_one("curl", 1 << 20)


def test_python_urllib_100b():
    capture_one("python", 100)


def test_python_urllib_1mib():
    capture_one("python", 1 << 20)


def test_node_https_100b():
    capture_one("node", 100)


def test_node_https_1mib():
    capture_one("node", 1 << 20)


def test_call_cap_marks_truncation():
    """A write larger than --call-cap keeps its head and its tail (a quarter of the cap), both
    marked; the stream position still advances past the lost middle."""
    work = Workdir()
    body = work.file("body.bin")
    with open(body, "wb") as f:
        f.write(b"x" * 5000)
    recs, ex, _ = raw_with_server(work, lambda srv: ["curl", "-sk", "--http1.1", "--data-binary",
                                                     "@" + body, srv.url + "/upload"],
                                  args=["--call-cap", "1000"])
    want_req = ex[0][0]
    writes = [r for r in by_type(recs, "data") if r["dir"] == "write"]
    big = sorted((r for r in writes if r["call_len"] > 1000), key=lambda r: r["pos"])
    eq(len(big), 2, "one write call over the cap: its head and its tail")
    eq(big[0]["call_len"], big[1]["call_len"], "of one call")
    call_pos, call_len = big[0]["pos"], big[0]["call_len"]
    check(call_len >= 5000, "the call carries the 5000-byte body")
    eq((big[0]["len"], big[1]["len"]), (750, 250), "head and tail: the cap")
    eq(big[1]["pos"], call_pos + call_len - 250, "the tail ends the call")
    eq(payload(big[0]), want_req[call_pos:call_pos + 750], "head bytes")
    eq(payload(big[1]), want_req[call_pos + call_len - 250:call_pos + call_len], "tail bytes")
    check(all(r["truncated"] for r in big), "marked truncated")
    calls = [r for r in writes if r not in big] + big[:1]
    eq(sum(r["call_len"] for r in calls), len(want_req), "call lengths add up to the request")
    for r in writes:
        check(r["truncated"] == (r in big), "only the big call is truncated")
        check(r["pos"] <= call_pos or r["pos"] >= call_pos + call_len or r in big,
              "positions advance past the lost bytes")


def test_replay_is_byte_identical():
    work = Workdir()
    srv = TlsServer(work)
    try:
        live, cap = work.file("live.jsonl"), work.file("cap.ttcap")
        run_tracer(["--raw=" + live, "--record", cap, "--", "curl", "-sk", "--http1.1",
                    srv.url + "/bytes/70000"])
    finally:
        srv.stop()
    p = subprocess.run([TRACER, "replay", cap, "--raw"], capture_output=True, timeout=30)
    eq(p.returncode, 0, "replay exit code")
    live_bytes = open(live, "rb").read()
    check(len(live_bytes) > 0 and b'"type":"data"' in live_bytes, "live output has data")
    eq(p.stdout, live_bytes, "replay output equals live output")


def test_replay_stops_on_sigterm():
    """replay reads records for as long as they come: SIGTERM must stop it between records
    (it kept reading before), and it still ends its output cleanly. The capture comes through
    a FIFO from a writer that never stops, so only the signal can end the replay."""
    work = Workdir()
    cap = open(os.path.join(TOP, "tests/fixtures/captures/httpx_openai_sse.ttcap"), "rb").read()
    hsize = int.from_bytes(cap[8:12], "little")
    head, recs = cap[:hsize], cap[hsize:]
    fifo = work.file("cap.fifo")
    os.mkfifo(fifo)
    p = subprocess.Popen([TRACER, "replay", fifo, "-o", work.file("out.jsonl")],
                         stderr=subprocess.PIPE)
    written = [0]

    def writer():
        try:
            with open(fifo, "wb") as f:
                f.write(head)
                while True:
                    f.write(recs)
                    written[0] += len(recs)
        except (BrokenPipeError, OSError):
            pass

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    # the pipe holds 64 KiB: 4 MiB written means replay is reading and decoding
    deadline = time.monotonic() + 120
    while written[0] < (4 << 20) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    check(p.poll() is None and written[0] >= (4 << 20), "replay reads the endless capture")
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise TestFailure("replay still running 60 s after SIGTERM")
    t.join(timeout=10)
    eq(rc, 0, "exit status after SIGTERM (stderr: %s)" % p.stderr.read().decode()[-500:])


def test_process_tree_fork_exec_exit():
    work = Workdir()
    srv = TlsServer(work)
    try:
        out = work.file("raw.jsonl")
        script = ("curl -sk --http1.1 %s/bytes/10 -o /dev/null; %s -c '%s' %s/bytes/20; "
                  "( exit 7 ); exit 3" % (srv.url, PY, PY_GET, srv.url))
        p = run_tracer(["--raw=" + out, "--", "sh", "-c", script], check_rc=False)
        recs = read_raw(out)
    finally:
        srv.stop()
    eq(p.returncode, 3, "tracer exits with the command's status")
    sh = execs(recs, "sh")
    eq(len(sh), 1, "sh exec")
    shpid = sh[0]["pid"]
    curl, py = execs(recs, "curl"), execs(recs, "python3")
    eq(len(curl), 1, "curl exec")
    eq(len(py), 1, "python3 exec")
    forks = {r["pid"]: r for r in by_type(recs, "fork")}
    exits = {r["pid"]: r for r in by_type(recs, "exit")}
    for child in (curl[0], py[0]):
        eq(child["ppid"], shpid, "exec ppid of %s" % child["filename"])
        check(child["pid"] in forks, "fork seen for %s" % child["filename"])
        eq(forks[child["pid"]]["ppid"], shpid, "fork ppid")
        eq(exits[child["pid"]]["exit_code"], 0, "exit code of %s" % child["filename"])
        eq(exits[child["pid"]]["start_ns"], forks[child["pid"]]["start_ns"], "identity")
    eq(exits[shpid]["exit_code"], 3, "sh exit code")
    # the subshell that only forks and exits within a millisecond is still seen
    sub = [pid for pid, f in forks.items() if f["ppid"] == shpid and
           pid not in (curl[0]["pid"], py[0]["pid"])]
    eq(len(sub), 1, "the ( exit 7 ) subshell was forked")
    eq(exits[sub[0]]["exit_code"], 7, "subshell exit code")
    check(not execs(recs, "true"), "no unrelated exec")


def test_short_lived_process_seen():
    """A process that execs and exits in about a millisecond is seen with its exit code."""
    work = Workdir()
    out = work.file("raw.jsonl")
    run_tracer(["--raw=" + out, "--", "sh", "-c", "/bin/false; /bin/true"])
    recs = read_raw(out)
    fl = execs(recs, "false")
    eq(len(fl), 1, "false exec")
    ex = [r for r in by_type(recs, "exit") if r["pid"] == fl[0]["pid"]]
    eq(len(ex), 1, "false exit")
    eq(ex[0]["exit_code"], 1, "false exit code")
    check(ex[0]["ts_ns"] - fl[0]["ts_ns"] < 50_000_000, "it was short-lived")


def wait_ready(tr, timeout=30):
    """Reads the tracer's -v stderr until it says the probes are attached."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = tr.stderr.readline()
        if not line:
            break
        if b"tracing" in line and b"main:" in line:
            # keep draining, so a chatty tracer never blocks on a full pipe
            threading.Thread(target=tr.stderr.read, daemon=True).start()
            return
    raise TestFailure("the tracer did not report ready (exit %s)" % tr.poll())


def test_pid_mode_follows_children_and_sigterm():
    """-p traces an already running process and its new children; SIGTERM stops the tracer
    cleanly (exit 0) and the traced process keeps running."""
    work = Workdir()
    srv = TlsServer(work)
    go = work.file("go")
    script = ("while [ ! -e %s ]; do sleep 0.05; done; curl -sk --http1.1 %s/bytes/33 "
              "-o /dev/null; sleep 30" % (go, srv.url))
    target = subprocess.Popen(["sh", "-c", script])
    out = work.file("raw.jsonl")
    tr = subprocess.Popen([TRACER, "-v", "--raw=" + out, "-p", str(target.pid)],
                          stderr=subprocess.PIPE)
    try:
        wait_ready(tr)
        open(go, "w").close()
        deadline = time.time() + 15
        while time.time() < deadline and len(srv.exchanges()) < 1:
            time.sleep(0.1)
        time.sleep(0.3)
        tr.send_signal(signal.SIGTERM)
        rc = tr.wait(10)
        eq(rc, 0, "tracer exit code on SIGTERM")
        check(target.poll() is None, "traced process still running")
        recs = read_raw(out)
        curl = execs(recs, "curl")
        eq(len(curl), 1, "child curl seen")
        eq(curl[0]["ppid"], target.pid, "curl parent")
        st = streams(recs)
        reqs = [v for k, v in st.items() if k[0] == curl[0]["pid"] and k[2] == "write"]
        eq(reqs, [srv.exchanges()[0][0]], "curl request captured")
    finally:
        target.kill()
        srv.stop()


def test_traced_program_survives_tracer_kill():
    work = Workdir()
    srv = TlsServer(work)
    done = work.file("done")
    script = "sleep 1; curl -sk --http1.1 %s/bytes/5 -o %s" % (srv.url, done)
    tr = subprocess.Popen([TRACER, "-v", "--raw=" + work.file("raw.jsonl"), "--", "sh", "-c",
                           script], stderr=subprocess.PIPE)
    try:
        # killed once the command runs (before that, the command is never started untraced)
        wait_ready(tr)
        time.sleep(0.3)
        tr.kill()
        tr.wait(5)
        deadline = time.time() + 10
        while time.time() < deadline and not (os.path.exists(done) and
                                               os.path.getsize(done) == 5):
            time.sleep(0.1)
        eq(os.path.getsize(done) if os.path.exists(done) else -1, 5,
           "the command finished its request after the tracer died")
    finally:
        srv.stop()


def test_clear_errors():
    # not root
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TRACER,
                        "--raw", "--", "true"], capture_output=True, timeout=10)
    eq(p.returncode, 1, "exit code without root")
    err = p.stderr.decode()
    check("needs root" in err and err.count("\n") == 1, "one-line root error: %r" % err)
    # bad usage
    p = subprocess.run([TRACER, "--raw"], capture_output=True, timeout=10)
    eq(p.returncode, 2, "usage exit code")
    check("nothing to trace" in p.stderr.decode(), "usage message")
    # unknown pid
    p = subprocess.run([TRACER, "--raw", "-p", "999999999"], capture_output=True, timeout=10)
    eq(p.returncode, 1, "exit code for a missing pid")
    check("no process with pid" in p.stderr.decode(), "missing pid message")
    # help lists the working modes
    p = subprocess.run([TRACER, "--help"], capture_output=True, timeout=10)
    eq(p.returncode, 0, "help exit code")
    for word in (b"--raw", b"--record", b"replay", b"-p PID", b"--all", b"--call-cap"):
        check(word in p.stdout, "help mentions %s" % word.decode())


def test_new_libssl_probed_when_opened():
    """A process that loads a libssl the tracer has not probed yet (another inode) gets it
    probed in time for its first request."""
    work = Workdir()
    libdir = work.file("lib")
    os.mkdir(libdir)
    subprocess.run(["cp", "/lib/x86_64-linux-gnu/libssl.so.3", libdir], check=True)
    recs, ex, _ = raw_with_server(work, lambda srv: ["env", "LD_LIBRARY_PATH=" + libdir, PY, "-c",
                                                  PY_GET, srv.url + "/bytes/64"])
    opens = [r for r in by_type(recs, "libopen") if r["path"] == libdir + "/libssl.so.3"]
    eq(len(opens), 1, "libopen of the copied library")
    st = streams(recs)
    pid = execs(recs, "python3")[0]["pid"]
    eq(sorted(v for k, v in st.items() if k[0] == pid), sorted([ex[0][0], ex[0][1]]),
       "request and response captured through the copied libssl")


def test_all_mode_traces_unrelated_process():
    """--all captures a process the tracer did not start and was not told about."""
    work = Workdir()
    srv = TlsServer(work)
    out = work.file("raw.jsonl")
    tr = subprocess.Popen([TRACER, "-v", "--raw=" + out, "--all", "--duration", "20"],
                          stderr=subprocess.PIPE)
    try:
        wait_ready(tr)
        subprocess.run(["curl", "-sk", "--http1.1", srv.url + "/bytes/48", "-o", "/dev/null"],
                       check=True, timeout=10)
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(20), 0, "tracer exit code after SIGINT")
        recs = read_raw(out)
        ex = srv.exchanges()
    finally:
        if tr.poll() is None:
            tr.kill()
        srv.stop()
    curl = execs(recs, "curl")
    check(len(curl) >= 1, "curl exec seen in --all mode")
    pid = curl[-1]["pid"]
    # every process on the host is traced: look only at our curl's connections
    st = streams([r for r in recs if r["pid"] == pid])
    eq(st.get(next((k for k in st if k[0] == pid and k[2] == "write"), None)), ex[0][0],
       "request captured")
    eq(st.get(next((k for k in st if k[0] == pid and k[2] == "read"), None)), ex[0][1],
       "response captured")
    check(not [r for r in recs if r["pid"] == tr.pid], "the tracer does not trace itself")
