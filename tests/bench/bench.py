#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`: the performance figures of issue 8, each measured side by side in one run.

Usage (root): tests/bench/bench.py OUTPUT_DIR [--quick]
Needs OUTPUT_DIR/tracetree-bpf (or TT_TRACER), OUTPUT_DIR/bench/{sslbench,syswrite,naive,capstat,
httpbench,naive.bpf.o}. Prints a table and one `bench: NAME VALUE UNIT` line per figure.
BENCH_ONLY=http,pipeline,...: only those steps (names of the bench_* functions without the
prefix; BENCH_ONLY=http needs neither root nor the tracer).
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
LIBSSL = "/usr/lib/x86_64-linux-gnu/libssl.so.3"
QUICK = "--quick" in sys.argv
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(TOP, ".output")
TRACER = os.environ.get("TT_TRACER") or os.path.join(OUT, "tracetree-bpf")
if not os.path.exists(TRACER):
    TRACER = os.path.join(TOP, "tracetree-bpf")
B = os.path.join(OUT, "bench")
WORK = tempfile.mkdtemp(prefix="tt-bench-")
NCPU = os.cpu_count() or 1
# the measured thread on CPU 0, the tracer's consumer on the last CPU
PIN_BENCH = ["taskset", "-c", "0"] if NCPU > 1 else []
PIN_TRACER = ["taskset", "-c", str(NCPU - 1)] if NCPU > 1 else []

results = []        # (name, value, unit, note)
table = []          # rows of the per-call table


def fig(name, value, unit, note=""):
    results.append((name, value, unit, note))
    print("bench: %s %s %s" % (name, ("%.3f" % value) if isinstance(value, float) else value,
                               unit), flush=True)


def log(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def wait4(p):
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return ru


class BgTracer:
    """tracetree-bpf in the background, ready once its probes are attached."""

    def __init__(self, args, env=None, tracer=None):
        self.p = subprocess.Popen(PIN_TRACER + [tracer or TRACER, "-v", "--format", "none"] + args,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.ready = threading.Event()
        self.err = []
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            self.stop()
            raise RuntimeError("tracer did not start: %s" % "".join(self.err[-5:]))

    def _read(self):
        for line in iter(self.p.stderr.readline, b""):
            s = line.decode(errors="replace")
            self.err.append(s)
            if "tracing" in s and "main:" in s:
                self.ready.set()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
        try:
            self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def sslbench(prefix=(), env=None, n=2000, reps=7):
    """{(dir, size): median us per call} of one sslbench run under prefix."""
    cmd = list(prefix) + PIN_BENCH + [os.path.join(B, "sslbench"), str(n), str(reps)]
    p = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    out = {}
    for line in p.stdout.decode().splitlines():
        f = line.split()
        if len(f) == 5 and f[0] == "call":
            out[(f[1], int(f[2]))] = float(f[3])
    if len(out) != 6:
        raise RuntimeError("sslbench under %s failed: %s" % (prefix, p.stderr.decode()[-500:]))
    return out


def med(vals):
    return statistics.median(vals) if vals else float("nan")


# --- 1. per-call cost ------------------------------------------------------------------------

def bench_per_call():
    rounds = 2 if QUICK else 3
    naive = [os.path.join(B, "naive"), os.path.join(B, "naive.bpf.o"), LIBSSL]
    configs = {
        "untraced": (),
        "traced": PIN_TRACER + [TRACER, "-q", "--format", "none", "--"],
        "floor": naive + ["floor", "--"],
        "copy": naive + ["copy", "--"],
        "naive": naive + ["naive", "--"],
    }
    runs = {c: [] for c in configs}
    for r in range(rounds):
        for c, prefix in configs.items():
            log("per-call round %d: %s" % (r + 1, c))
            runs[c].append(sslbench(prefix))
    keys = sorted(runs["untraced"][0], key=lambda k: (k[1], k[0]))

    def over(c, k):
        return med([run[k] - base[k] for run, base in zip(runs[c], runs["untraced"])])

    print("\nPer SSL call on the traced thread (us; overhead = median of per-round differences "
          "with untraced, %d rounds x 7 reps x 2000 calls)" % rounds)
    print("%-6s %6s | %9s | %9s %9s | %9s %9s | %9s | %9s %9s | %6s %6s" % (
        "call", "size", "untraced", "traced", "overhead", "floor", "overhead", "copy o/h",
        "naive", "overhead", "x floor", "x copy"))
    worst = worst_naive = worst_floor = worst_copy = 0.0
    for k in keys:
        o_t, o_f, o_n, o_c = over("traced", k), over("floor", k), over("naive", k), \
            over("copy", k)
        print("%-6s %6d | %9.3f | %9.3f %9.3f | %9.3f %9.3f | %9.3f | %9.3f %9.3f | %6.2f %6.2f" % (
            k[0], k[1], med([x[k] for x in runs["untraced"]]), med([x[k] for x in runs["traced"]]),
            o_t, med([x[k] for x in runs["floor"]]), o_f, o_c, med([x[k] for x in runs["naive"]]),
            o_n, o_t / o_f if o_f > 0 else float("nan"), o_t / o_c if o_c > 0 else float("nan")))
        if k[1] == 16384:
            worst, worst_naive, worst_floor = max(worst, o_t), max(worst_naive, o_n), \
                max(worst_floor, o_f)
            worst_copy = max(worst_copy, o_c)
    print()
    fig("ssl_call_16k_us", worst, "us", "overhead per call, worst of read and write")
    fig("ssl_call_16k_naive_us", worst_naive, "us", "reference naive probe, same run")
    fig("ssl_call_16k_floor_us", worst_floor, "us", "empty entry+return probes, same placement")
    fig("ssl_call_16k_x_floor", worst / worst_floor if worst_floor > 0 else float("nan"), "x")
    fig("ssl_call_16k_copy_floor_us", worst_copy, "us",
        "same placement, only the copy into the ring buffer, no wakeup")
    fig("ssl_call_16k_x_copy_floor", worst / worst_copy if worst_copy > 0 else float("nan"), "x")


IDLE = "IDLE"       # in a mode's tracer arguments: the pid of an idle process (for -p)


def round_robin(what, rounds, modes, measure):
    """{mode: [measure() per round]}, the modes round-robin within each round. A mode is
    (name, tracer args or None for no tracer, env, tracer binary or None for TRACER); the
    tracer runs in the background around that mode's measure()."""
    idle = subprocess.Popen([os.path.join(B, "sslbench"), "idle", "600"])
    runs = {m[0]: [] for m in modes}
    try:
        for r in range(rounds):
            for name, args, env, tracer in modes:
                log("%s round %d: %s" % (what, r + 1, name))
                if args is None:
                    runs[name].append(measure())
                    continue
                t = BgTracer([str(idle.pid) if a == IDLE else a for a in args], env, tracer)
                try:
                    runs[name].append(measure())
                finally:
                    t.stop()
    finally:
        idle.kill()
        idle.wait()
    return runs


def bench_untraced():
    """Cost on a process the tracer was not asked to trace, per tracing mode."""
    rounds = 2 if QUICK else 3
    # per-process attachment is the default for -p and --; TT_UPROBE_ATTACH=all forces the
    # system-wide design (uprobes everywhere + BPF pid filter) for comparison
    systemwide = dict(os.environ, TT_UPROBE_ATTACH="all")
    names = ("pid", "command", "all", "pid_systemwide")
    modes = []
    for name, args, env in (("pid", ["-p", IDLE], None),
                            ("command", ["--", os.path.join(B, "sslbench"), "idle", "600"], None),
                            ("all", ["--all"], None),
                            ("pid_systemwide", ["-p", IDLE], systemwide)):
        modes += [("base_" + name, None, None, None), (name, args, env, None)]
    runs = round_robin("untraced cost", rounds, modes, sslbench)
    diffs = {name: [max(got[("write", 16384)] - base[("write", 16384)],
                        got[("read", 16384)] - base[("read", 16384)])
                    for got, base in zip(runs[name], runs["base_" + name])] for name in names}
    print("\nCost on an untraced process using libssl while tracing runs (us per 16 KiB call, "
          "worst of read and write)")
    for name in names:
        print("  %-16s %7.3f" % (name, med(diffs[name])))
    print("  (all: --all traces every process, so this is the capture cost; pid_systemwide: "
          "the previous design, uprobes system-wide + BPF pid filter)\n")
    fig("untraced_cost_pid_mode_us", med(diffs["pid"]), "us")
    fig("untraced_cost_command_mode_us", med(diffs["command"]), "us")
    fig("untraced_cost_all_mode_us", med(diffs["all"]), "us")
    fig("untraced_cost_pid_mode_systemwide_us", med(diffs["pid_systemwide"]), "us")


def syswrite(n=50000, reps=31):
    """ns of CPU of one write(2) of 64 bytes to /dev/null (tests/bench/syswrite.c): the least
    of reps repetitions of n calls, the one the other processes of a shared machine disturbed
    least (the median of a run moves by a fifth from run to run here, the minimum by 3%)."""
    cmd = PIN_BENCH + [os.path.join(B, "syswrite"), str(n), str(reps)]
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    f = p.stdout.decode().split()
    if p.returncode != 0 or len(f) != 4 or f[:2] != ["write", "devnull"]:
        raise RuntimeError("syswrite failed: %s" % p.stderr.decode()[-500:])
    return float(f[3])


def bench_syscall():
    """What the syscall tracepoints cost a write(2) that is not captured.

    The tracer hangs programs on the read/write-family syscalls of every process on the host
    (bpf/sock.bpf.c). In --all mode every process is traced, so there is no untraced process
    to measure: the case measured is the common one, a write to a file that is not a socket
    (/dev/null), which the programs must still look at to leave it. -p mode gives a process
    the tracer does not track at all. Both beside the same loop with no tracer, round-robin.
    TT_TRACER_BEFORE=PATH adds another build of the tracer to the same rounds (before/after).
    """
    rounds = 3 if QUICK else 5
    before = os.environ.get("TT_TRACER_BEFORE")
    modes = [("none", None, None, None), ("all", ["--all"], None, None),
             ("pid", ["-p", IDLE], None, None)]
    if before:
        modes += [("all_before", ["--all"], None, before),
                  ("pid_before", ["-p", IDLE], None, before)]
    runs = round_robin("syscall", rounds, modes, syswrite)
    none = med(runs["none"])
    print("\nwrite(2) of 64 B to /dev/null (ns of CPU per call: the least of 31 x 50000 calls, "
          "median of %d rounds; added: median of the per-round differences with no tracer)"
          % rounds)
    print("  %-10s %8s %8s %7s" % ("tracer", "ns", "added", "x none"))
    what = {"none": "no tracer", "all": "--all: every process is traced, the fd is no socket",
            "pid": "-p other: the calling process is not traced",
            "all_before": "--all, TT_TRACER_BEFORE", "pid_before": "-p other, TT_TRACER_BEFORE"}
    for name, _, _, _ in modes:
        v = med(runs[name])
        added = med([x - n for x, n in zip(runs[name], runs["none"])])
        print("  %-10s %8.1f %8.1f %7.2f   %s" % (name, v, added, v / none, what[name]))
    print()
    fig("untraced_syscall_ns", med(runs["all"]), "ns", "tracer --all, write to a non-socket fd")
    fig("untraced_syscall_ns_no_tracer", none, "ns", "the same loop without a tracer")
    fig("untraced_syscall_ns_pid_mode", med(runs["pid"]), "ns", "tracer -p, process not traced")
    fig("untraced_syscall_x_no_tracer", med(runs["all"]) / none, "x")
    if before:
        fig("untraced_syscall_ns_before", med(runs["all_before"]), "ns", "TT_TRACER_BEFORE")
        fig("untraced_syscall_ns_pid_mode_before", med(runs["pid_before"]), "ns")


# --- 2. agent workload -----------------------------------------------------------------------

class FakeLLM:
    def __init__(self, extra=()):
        self.cert = os.path.join(WORK, "cert")
        portf = os.path.join(WORK, "fake.port.%d" % time.monotonic_ns())
        self.p = subprocess.Popen([PY, os.path.join(TOP, "tools/fake_llm.py"), "--gen-cert",
                                   self.cert, "--port-file", portf] + list(extra),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not (os.path.exists(portf) and os.path.getsize(portf)):
            if time.time() > deadline or self.p.poll() is not None:
                raise RuntimeError("fake_llm.py did not start")
            time.sleep(0.05)
        self.url = "https://127.0.0.1:%d" % int(open(portf).read())
        self.ca = os.path.join(self.cert, "cert.pem")

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


def client(fake, n, conc, tracer_args=None):
    """Runs llm_client.py stream; returns (client result dict, tracer cpu s or None, stderr)."""
    out = os.path.join(WORK, "client.json")
    cmd = [PY, os.path.join(TOP, "tests/bench/llm_client.py"), "stream", fake.url, fake.ca,
           str(n), str(conc), out]
    if tracer_args is not None:
        cmd = PIN_TRACER + [TRACER, "--format", "none"] + tracer_args + ["--"] + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = []
    th = threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)
    th.start()
    ru = wait4(p)
    th.join()
    res = json.load(open(out))
    tracer_cpu = None
    if tracer_args is not None:
        tracer_cpu = ru.ru_utime + ru.ru_stime - res["cpu_s"]
    return res, tracer_cpu, b"".join(err).decode(errors="replace")


def bench_agent():
    rounds = 2 if QUICK else 3
    for label, extra, n in (("paced", ["--ttft-ms", "400", "--token-ms", "25"], 6 if QUICK else 10),
                            ("unpaced", [], 100 if QUICK else 200)):
        fake = FakeLLM(extra)
        walls = {"untraced": [], "traced": []}
        cpus = {"untraced": [], "traced": []}
        tcpu = []
        try:
            for r in range(rounds):
                for mode in ("untraced", "traced"):
                    log("agent %s round %d: %s" % (label, r + 1, mode))
                    res, tc, _ = client(fake, n, 1, None if mode == "untraced" else [])
                    walls[mode].append(res["wall_s"])
                    cpus[mode].append(res["cpu_s"])
                    if tc is not None:
                        tcpu.append(tc)
        finally:
            fake.stop()
        wu, wt = med(walls["untraced"]), med(walls["traced"])
        cu, ct = med(cpus["untraced"]), med(cpus["traced"])
        print("Agent workload, %s: %d streaming chat completions in a row; wall %.3f s -> %.3f s,"
              " client CPU %.3f s -> %.3f s, tracer CPU %.3f s" % (label, n, wu, wt, cu, ct,
                                                                   med(tcpu)))
        fig("agent_%s_overhead_pct" % label, (wt - wu) / wu * 100, "%")
        fig("agent_%s_cpu_overhead_pct" % label, (ct - cu) / cu * 100, "%")
        fig("agent_%s_tracer_cpu_s" % label, med(tcpu), "s")


# --- 3. pipeline -----------------------------------------------------------------------------

def bench_pipeline():
    fake = FakeLLM()
    cap = os.path.join(WORK, "mix.ttcap")
    srvlog = os.path.join(WORK, "tls_server.jsonl")
    portf = os.path.join(WORK, "tls.port")
    srv = subprocess.Popen([PY, os.path.join(TOP, "tests/e2e/tls_server.py"), "--cert",
                            fake.ca, "--key", os.path.join(fake.cert, "key.pem"), "--port-file",
                            portf, "--log", srvlog], stdout=subprocess.DEVNULL)
    while not os.path.exists(portf):
        time.sleep(0.05)
    big = "https://127.0.0.1:%d/bytes/1048576" % int(open(portf).read())
    downloads = 20 if QUICK else 40
    script = ("%s %s stream %s %s 100 4 %s/mix.json; for i in $(seq %d); do "
              "curl -sk --http1.1 %s -o /dev/null; done" % (
                  PY, os.path.join(TOP, "tests/bench/llm_client.py"), fake.url, fake.ca, WORK,
                  downloads, big))
    log("pipeline: recording the capture mix")
    subprocess.run([TRACER, "-q", "--format", "none", "--record", cap, "--", "sh", "-c", script],
                   check=True, timeout=300)
    srv.terminate()
    fake.stop()
    st = subprocess.run([os.path.join(B, "capstat"), cap], capture_output=True, check=True)
    f = st.stdout.decode().split()
    recs, nbytes = int(f[1]), int(f[5])
    cpus = []
    for _ in range(5):
        p = subprocess.Popen([TRACER, "replay", cap, "--format", "none"],
                             stdout=subprocess.DEVNULL)
        ru = wait4(p)
        cpus.append(ru.ru_utime + ru.ru_stime)
    cpu = min(cpus)
    print("Pipeline: replay of %d records, %.1f MB of plaintext (%d x 1 MiB downloads + 400 "
          "streamed chat completions): %.3f s CPU" % (recs, nbytes / 1e6, downloads, cpu))
    fig("pipeline_mb_s", nbytes / 1e6 / cpu, "MB/s")
    fig("pipeline_records_s", recs / cpu, "records/s")


# --- 3b. HTTP layer alone --------------------------------------------------------------------

def httpbench(*args):
    cmd = PIN_BENCH + [os.path.join(B, "httpbench")] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                                  p.stderr.decode(errors="replace")[-1500:]))
    return [line.split() for line in p.stdout.decode().splitlines()]


def bench_http():
    """conn_table__feed/__flush alone on tests/bench/httpbench.c's synthetic capture mix.

    The speed run is repeated in several processes: within one process the layer and zlib
    are timed side by side, round-robin, but from one process to the next the layer's time
    moves by up to a third on this VM (it writes the decoded events of concurrent streams,
    megabytes, where zlib alone writes one 16 KiB buffer: where those pages land counts) while
    zlib's stays put. Each figure is the median over the processes of that process's
    side-by-side value; the spread is printed with it.
    """
    reps, procs = (7, 3) if QUICK else (15, 5)
    log("http layer: speed, %d processes x %d rounds" % (procs, reps))
    corpus, runs = {}, []
    for _ in range(procs):
        speed, zlib = {}, {}
        for f in httpbench("speed", reps):
            if f[0] == "corpus":
                corpus[f[1]] = dict(bytes=int(f[2]), records=int(f[3]), x=int(f[4]),
                                    events=int(f[5]))
            elif f[0] == "speed":
                speed[f[1]] = float(f[2])
            elif f[0] == "zlib":
                zlib[f[1]] = dict(cpu=float(f[2]), zbytes=int(f[3]), plain=int(f[4]),
                                  seq=float(f[5]))
        runs.append((speed, zlib))

    def med(v):
        v = sorted(v)
        return v[len(v) // 2]

    speed = {n: med([r[0][n] for r in runs]) for n in runs[0][0]
             if all(n in r[0] for r in runs)}
    zlib = {n: dict(runs[0][1][n], cpu=med([r[1][n]["cpu"] for r in runs]))
            for n in runs[0][1] if all(n in r[1] for r in runs)}
    # zlib's time over the layer's, per process: the median and the range
    xz = {n: sorted(r[1][n]["cpu"] / r[0][n] for r in runs) for n in zlib if n in speed}
    xs = {n: med([r[1][n]["seq"] / r[0][n] for r in runs]) for n in zlib if n in speed}
    need = ("mix_plain", "mix_gzip", "sse_gzip", "sse_plain", "json_plain", "small")
    if any(n not in corpus or n not in speed for n in need) or "sse_gzip" not in zlib:
        raise RuntimeError("httpbench speed: missing results")
    mem = {}
    for scale in (1, 10):
        log("http layer: peak memory, input x%d" % scale)
        for f in httpbench("mem", scale):
            if f[0] == "mem":
                mem[int(f[1])] = dict(bytes=int(f[2]), x=int(f[3]), base=float(f[4]),
                                      peak=float(f[5]), growth=float(f[6]))
    if 1 not in mem or 10 not in mem:
        raise RuntimeError("httpbench mem: missing results")

    def rate(name):
        return corpus[name]["bytes"] / 1e6 / speed[name]

    print("\nHTTP layer alone (conn_table__feed + __flush, exchanges checked; MB of captured "
          "plaintext per CPU second, one core; each process: median of %d rounds; medians "
          "over %d processes)" % (reps, procs))
    print("%-20s %9s %8s %9s %7s | %8s %9s | %9s %9s %7s %11s %6s" % (
        "corpus", "captured", "records", "exchanges", "events", "CPU ms", "MB/s", "zlib ms",
        "zlib MB/s", "x zlib", "range", "x seq"))
    for name in ("mix_plain", "sse_plain", "json_plain", "small", "mix_gzip", "sse_gzip",
                 "sse_gzip_reads16k", "sse_gzip_per_event"):
        if name not in corpus or name not in speed:
            continue
        c, z = corpus[name], zlib.get(name)
        x = xz.get(name)
        print("%-20s %6.1f MB %8d %9d %7d | %8.2f %9.1f | %9s %9s %7s %11s %6s" % (
            name, c["bytes"] / 1e6, c["records"], c["x"], c["events"], speed[name] * 1e3,
            rate(name), "%.2f" % (z["cpu"] * 1e3) if z else "-",
            "%.1f" % (c["bytes"] / 1e6 / z["cpu"]) if z else "-",
            "%.2f" % med(x) if x else "-", "%.2f-%.2f" % (x[0], x[-1]) if x else "-",
            "%.2f" % xs[name] if x else "-"))
    zs = zlib["sse_gzip"]
    zrate = corpus["sse_gzip"]["bytes"] / 1e6 / zs["cpu"]
    print("  zlib alone: inflating the same gzip bodies in the same pieces (16 KiB out) in the "
          "capture's order (the streams' pieces interleaved, one z_stream each), its rate "
          "counted in the same captured bytes; x seq: against zlib inflating body after body "
          "instead, kinder to caches; per compressed byte %.1f MB/s, per decoded byte "
          "%.1f MB/s" % (zs["zbytes"] / 1e6 / zs["cpu"], zs["plain"] / 1e6 / zs["cpu"]))
    print("  x zlib: zlib's CPU time over the layer's in one process (>= 1: the layer keeps up "
          "with zlib alone), median and range over the processes. "
          "The layer inflates with zlib, and with libdeflate the pieces of 2 KiB or more that "
          "reach a flush (src/coding.c)")
    for scale in (1, 10):
        m = mem[scale]
        print("  Memory, input x%-2d: %.1f MB captured, %d exchanges through one table: peak RSS "
              "%.1f MiB above the loaded corpus (process %.1f MiB -> peak %.1f MiB)" % (
                  scale, m["bytes"] / 1e6, m["x"], m["growth"], m["base"], m["peak"]))
    print()
    fig("http_layer_mb_s", rate("mix_plain"), "MB/s", "uncompressed mix, target >= 300")
    fig("http_layer_gzip_mb_s", rate("sse_gzip"), "MB/s", "gzip SSE streams")
    fig("zlib_inflate_mb_s", zrate, "MB/s", "zlib alone on the same bytes")
    fig("http_layer_gzip_x_zlib", med(xz["sse_gzip"]), "x",
        "target >= 1; range %.2f-%.2f" % (xz["sse_gzip"][0], xz["sse_gzip"][-1]))
    for name, what in (("sse_gzip_reads16k", "reads of 16 KiB"),
                       ("sse_gzip_per_event", "one event per read")):
        if name in xz:
            fig("http_layer_gzip_x_zlib_" + name[9:], med(xz[name]), "x",
                "%s; range %.2f-%.2f" % (what, xz[name][0], xz[name][-1]))
    fig("http_layer_gzip_mix_mb_s", rate("mix_gzip"), "MB/s", "the mix with gzip responses")
    fig("http_layer_small_mb_s", rate("small"), "MB/s", "small keep-alive exchanges")
    fig("http_layer_peak_rss_mib", mem[1]["growth"], "MiB")
    fig("http_layer_peak_rss_10x_mib", mem[10]["growth"], "MiB")


# --- 4. load and memory ----------------------------------------------------------------------

def rss_of(pid):
    """(RSS, RSS without the ring buffer) in MiB. libbpf maps the BPF ring buffer's pages twice
    (2 x --ringbuf-size, kernel memory that exists whether mapped or not) and the kernel counts
    the mapping in RSS: the second figure is the tracer's own memory."""
    rss = ring = 0
    try:
        with open("/proc/%d/smaps" % pid) as f:
            in_ring = False
            for line in f:
                if line[0] in "0123456789abcdef" and "-" in line.split()[0]:
                    in_ring = "anon_inode:bpf-map" in line
                elif line.startswith("Rss:"):
                    kb = int(line.split()[1])
                    rss += kb
                    ring += kb if in_ring else 0
    except OSError:
        return None
    return rss / 1024.0, (rss - ring) / 1024.0


def bench_streams():
    fake = FakeLLM(["--ttft-ms", "100", "--token-ms", "20"])
    try:
        log("load: 200 concurrent streams")
        res, tc, err = client(fake, 2, 200, ["--stats", "--ringbuf-size", "64M"])
    finally:
        fake.stop()
    lost = re.search(r"lost_records=(\d+)", err)
    ex = re.search(r"exchanges=(\d+)", err)
    print("Load: 200 concurrent streaming clients x 2 calls: %d ok, %d failed, %s exchanges "
          "decoded, tracer CPU %.3f s" % (res["ok"], res["failed"], ex.group(1) if ex else "?",
                                         tc))
    fig("lost_records_200_streams", int(lost.group(1)) if lost else -1, "records")
    fig("exchanges_200_streams", int(ex.group(1)) if ex else -1, "exchanges")
    fig("tracer_cpu_200_streams_s", tc, "s")


def traced_with_rss(cmd):
    """Runs cmd under the tracer, sampling its RSS; returns [(t, rss, rss without ring)]."""
    p = subprocess.Popen(PIN_TRACER + [TRACER, "--format", "none", "--"] + cmd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # taskset execs the tracer: same pid
    samples, t0 = [], time.monotonic()
    while p.poll() is None:
        v = rss_of(p.pid)
        if v and v[0] > 0:
            samples.append((time.monotonic() - t0, v[0], v[1]))
        time.sleep(0.2)
    return samples


def bench_conns():
    fake = FakeLLM()
    ready = os.path.join(WORK, "idle.ready")
    try:
        log("memory: 1000 idle keep-alive connections")
        samples = traced_with_rss([PY, os.path.join(TOP, "tests/bench/llm_client.py"), "idle",
                                   fake.url, fake.ca, "1000", "4", ready])
    finally:
        fake.stop()
    n = open(ready).read().strip() if os.path.exists(ready) else "0"
    own = max(s[2] for s in samples)
    total = max(s[1] for s in samples)
    print("Memory: %s keep-alive TLS connections open at once: tracer peak RSS %.1f MiB "
          "without the ring buffer mapping, %.1f MiB with it (64 MiB ring mapped twice)" % (
              n, own, total))
    fig("rss_1000_conns_mib", own, "MiB")
    fig("rss_1000_conns_with_ring_mib", total, "MiB")


def bench_churn():
    n = 3000 if QUICK else 10000
    log("memory: %d short-lived processes" % n)
    script = "i=0; while [ $i -lt %d ]; do /bin/true; i=$((i+1)); done" % n
    t0 = time.monotonic()
    samples = traced_with_rss(["sh", "-c", script])
    wall = time.monotonic() - t0
    own = [s[2] for s in samples]
    early = next((s[2] for s in samples if s[0] >= wall * 0.1), own[0])
    # the last samples are taken while the tracer tears down: use the last 20% before that
    late = max(s[2] for s in samples if s[0] >= wall * 0.8) if samples else 0
    print("Memory: %d short-lived processes (fork + exec /bin/true) in %.1f s: tracer RSS "
          "without the ring %.1f MiB after 10%% of them, %.1f MiB in the last 20%%, peak %.1f MiB"
          % (n, wall, early, late, max(own)))
    fig("rss_churn_10000_procs_mib", max(own), "MiB")
    fig("rss_churn_growth_mib", late - early, "MiB")


# --- 5. long requests -----------------------------------------------------------------------

def sslwrite(prefix, size, n, reps):
    """us per SSL_write of size bytes (median of reps x n) of one sslbench write run."""
    cmd = list(prefix) + PIN_BENCH + [os.path.join(B, "sslbench"), "write", str(size), str(n),
                                      str(reps)]
    p = subprocess.run(cmd, capture_output=True, timeout=600)
    for line in p.stdout.decode().splitlines():
        f = line.split()
        if len(f) == 5 and f[:3] == ["call", "write", str(size)]:
            return float(f[3])
    raise RuntimeError("sslbench write under %s failed: %s" % (prefix, p.stderr.decode()[-500:]))


def bench_large():
    """A coding agent's request of 8 MiB (long history, tool definitions) in one SSL call: what
    capturing it whole costs the calling thread, traced against untraced in the same rounds;
    then 10 such chat requests in a row against tools/fake_llm.py under the tracer with its
    default caps and ring: each must be decoded (request model) with no record lost and no call
    truncated."""
    rounds, size = (2 if QUICK else 3), 8 << 20
    configs = {"untraced": (), "traced": PIN_TRACER + [TRACER, "-q", "--format", "none", "--"]}
    runs = {c: [] for c in configs}
    for r in range(rounds):
        for c, prefix in configs.items():
            log("large requests round %d: %s" % (r + 1, c))
            runs[c].append((sslwrite(prefix, size, 4, 5), sslwrite(prefix, 16384, 2000, 5)))

    def added(k):
        return med([t[k] - u[k] for t, u in zip(runs["traced"], runs["untraced"])])

    base = med([u[0] for u in runs["untraced"]])
    big, small = added(0), added(1)
    per16k = big / (size // 16384)
    print("\nSSL_write of 8 MiB against 16 KiB, same rounds (us added on the traced thread, median "
          "of %d rounds of per-round differences): 8 MiB %.0f (untraced call %.0f), i.e. %.2f per "
          "16 KiB; 16 KiB calls %.2f" % (rounds, big, base, per16k, small))
    fig("large_request_8mib_us", big, "us", "added time per 8 MiB call on the traced thread")
    fig("large_request_8mib_untraced_us", base, "us", "the same call untraced")
    fig("large_request_8mib_x_untraced", (base + big) / base, "x")
    fig("large_request_16k_us", small, "us", "added per 16 KiB call, same rounds")
    fig("large_request_8mib_x_16k", per16k / small if small > 0 else float("nan"), "x",
        "cost per byte of an 8 MiB call against 16 KiB calls")
    n = 10
    fake = FakeLLM()
    out, res = os.path.join(WORK, "large.jsonl"), os.path.join(WORK, "large.json")
    try:
        log("large requests: %d in a row, decoded" % n)
        cmd = PIN_TRACER + [TRACER, "--format", "none", "--stats", "-o", out, "--", PY,
                            os.path.join(TOP, "tests/bench/llm_client.py"), "large", fake.url,
                            fake.ca, str(n), str(size), res]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.communicate(timeout=600)[1].decode(errors="replace")
    finally:
        fake.stop()
    got = json.load(open(res))
    lost = re.search(r"lost_records=(\d+)", err)
    trunc = re.search(r"truncated_calls=(\d+)", err)
    decoded = open(out).read().count('"key":"gen_ai.request.model","value":{"stringValue":'
                                     '"gpt-4o-large"}')
    print("Load: %d chat requests of 8 MiB in a row: %d ok, %d decoded with their model, "
          "%s records lost, %s calls truncated" % (n, got["ok"], decoded,
                                                   lost.group(1) if lost else "?",
                                                   trunc.group(1) if trunc else "?"))
    fig("large_request_8mib_decoded", decoded, "requests", "of %d" % n)
    fig("large_request_8mib_lost_records", int(lost.group(1)) if lost else -1, "records")
    fig("large_request_8mib_truncated_calls", int(trunc.group(1)) if trunc else -1, "calls")


# --- 5. the tracer's own CPU -------------------------------------------------------------------

# Runs argv[5:] once argv[2] exists (argv[1] written when it starts), writes argv[3] when it
# ended, then waits for argv[4]: the tracer's CPU is read around the calls alone.
WAIT_RUN = ("import os, subprocess, sys, time\n"
            "ready, go, done, stop = sys.argv[1:5]\n"
            "open(ready, 'w').close()\n"
            "while not os.path.exists(go):\n    time.sleep(0.05)\n"
            "subprocess.run(sys.argv[5:], check=True)\n"
            "open(done, 'w').close()\n"
            "while not os.path.exists(stop):\n    time.sleep(0.05)\n")
# File I/O, a socketpair and /bin/true 20 times a second: no TLS, no HTTP, no agent.
IDLE_LOAD = ("import os, socket, subprocess, sys, time\n"
             "end, path, buf, i = time.monotonic() + float(sys.argv[1]), sys.argv[2], "
             "b'x' * 65536, 0\n"
             "a, b = socket.socketpair()\n"
             "while time.monotonic() < end:\n"
             "    with open(path, 'wb') as f:\n        f.write(buf)\n"
             "    with open(path, 'rb') as f:\n        f.read()\n"
             "    a.sendall(b'ping'); b.recv(16)\n"
             "    if i % 5 == 0:\n        subprocess.run(['/bin/true'])\n"
             "    i += 1\n    time.sleep(0.01)\n")


def proc_cpu_s(pid):
    """The CPU time of every thread of pid so far, in seconds: its process CPU clock (the
    clockid the kernel derives from a pid, CPUCLOCK_SCHED: nanoseconds, exited threads
    included), else utime + stime of /proc/PID/stat (clock ticks: 10 ms, 50 us per call of
    200)."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except OSError:
        pass
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_file(path, p, timeout):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > deadline or p.poll() is not None:
            raise RuntimeError("%s did not appear" % path)
        time.sleep(0.05)


def wait_run_cpu(tracer, cmd, settle):
    """The CPU of tracer (-- COMMAND) while it traces cmd (under WAIT_RUN), from cmd's start
    to settle seconds after its end, in seconds; and that wall time."""
    files = [os.path.join(WORK, "cpu.%s.%d" % (x, time.monotonic_ns()))
             for x in ("ready", "go", "done", "stop")]
    p = subprocess.Popen(PIN_TRACER + [tracer, "--format", "none", "--", PY, "-c", WAIT_RUN] +
                         files + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_file(files[0], p, 120)
        time.sleep(1)  # the inspections of the start are over
        c0, w0 = proc_cpu_s(p.pid), time.monotonic()  # taskset execs the tracer: same pid
        open(files[1], "w").close()
        wait_file(files[2], p, 600)
        time.sleep(settle)  # the last records decoded, the spans exported
        c1, w1 = proc_cpu_s(p.pid), time.monotonic()
        open(files[3], "w").close()
        p.wait(60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return c1 - c0, w1 - w0


def tracer_cpu_run(tracer, n):
    """The CPU of tracer (-- COMMAND) over n streamed chat completions in a row, in seconds."""
    fake = FakeLLM()
    out = os.path.join(WORK, "client.json")
    try:
        res = wait_run_cpu(tracer, [PY, os.path.join(TOP, "tests/bench/llm_client.py"),
                                    "stream", fake.url, fake.ca, str(n), "1", out], 1)
    finally:
        fake.stop()
    if json.load(open(out))["ok"] != n:
        raise RuntimeError("the client's calls failed under %s" % tracer)
    return res


def builds_rounds(run, *args):
    """{"": [run(TRACER, *args)...]} and "_before" for TT_TRACER_BEFORE, rounds alternated
    (3 of each with a before build, else 1)."""
    tracers = {"": TRACER}
    if os.environ.get("TT_TRACER_BEFORE"):
        tracers["_before"] = os.environ["TT_TRACER_BEFORE"]
    runs = {k: [] for k in tracers}
    for _ in range(1 if QUICK or len(tracers) == 1 else 3):
        for k, t in tracers.items():
            runs[k].append(run(t, *args))
    return runs


def report_rounds(runs, name, n, what):
    """Prints what (formatted with the build's label, n, the wall and the CPU, in s) for each
    build's rounds, and the figure name + label: the CPU per n, in us."""
    for k in runs:
        cpu, wall = med([c for c, _ in runs[k]]), med([w for _, w in runs[k]])
        print((what % (k.replace("_", " "), n, wall, cpu)) +
              ("; median of %d rounds)" % len(runs[k]) if len(runs[k]) > 1 else ")"))
        fig(name + k, cpu / n * 1e6, "us", "TT_TRACER_BEFORE" if k else "")


def bench_tracer_cpu():
    """TT_TRACER_BEFORE=PATH: that build too, rounds alternated (before/after)."""
    n = 100 if QUICK else 200
    report_rounds(builds_rounds(tracer_cpu_run, n), "tracer_cpu_per_call_us", n,
                  "Tracer CPU%s: %d streamed chat completions in %.1f s: %.3f s of tracer CPU "
                  "(its process CPU clock, the second after the last call included")


def tracer_idle_run(tracer, secs):
    """The CPU of tracer in --all over secs of IDLE_LOAD, in seconds, and the wall time."""
    t = BgTracer(["--all", "--no-hold-exec"], tracer=tracer)
    try:
        time.sleep(2)  # the processes found running are inspected
        c0, w0 = proc_cpu_s(t.p.pid), time.monotonic()
        subprocess.run([PY, "-c", IDLE_LOAD, str(secs), os.path.join(WORK, "idle.io")],
                       check=True)
        c1, w1 = proc_cpu_s(t.p.pid), time.monotonic()
    finally:
        t.stop()
    return c1 - c0, w1 - w0


def bench_tracer_idle():
    """TT_TRACER_BEFORE=PATH: that build too, rounds alternated (before/after)."""
    secs = 5 if QUICK else 10
    runs = builds_rounds(tracer_idle_run, secs)
    for k in runs:
        pct = med([c / w * 100 for c, w in runs[k]])
        print("Tracer idle%s: --all for %.1f s beside file I/O, a socketpair and 20 exec/s (and "
              "whatever else runs on the host): %.3f s of tracer CPU%s" %
              (k.replace("_", " "), med([w for _, w in runs[k]]), med([c for c, _ in runs[k]]),
               "; median of %d rounds" % len(runs[k]) if len(runs[k]) > 1 else ""))
        fig("tracer_idle_cpu_pct" + k, pct, "%", "TT_TRACER_BEFORE" if k else "")


# A shell that runs /bin/true argv[1] times: an exec storm, nothing else.
EXEC_STORM = 'i=0; while [ $i -lt "$1" ]; do /bin/true; i=$((i + 1)); done'


def tracer_exec_run(tracer, n):
    """The CPU of tracer (-- COMMAND) over n fork+exec of /bin/true, in seconds; the wall."""
    return wait_run_cpu(tracer, ["/bin/sh", "-c", EXEC_STORM, "sh", str(n)], 0.5)


def bench_exec():
    """TT_TRACER_BEFORE=PATH: that build too, rounds alternated (before/after)."""
    n = 500 if QUICK else 2000
    report_rounds(builds_rounds(tracer_exec_run, n), "tracer_cpu_per_exec_us", n,
                  "Tracer per exec%s: %d fork+exec of /bin/true by a traced shell in %.1f s: "
                  "%.3f s of tracer CPU (its process CPU clock, half a second after the last "
                  "included")
    p = subprocess.run([os.path.join(B, "identbench"), "2000", "15"], capture_output=True,
                       timeout=300)
    f = p.stdout.decode().split()
    if p.returncode or len(f) != 4:
        raise RuntimeError("identbench failed: %s" % p.stderr.decode()[-500:])
    print("procid__read (the identity of a process at exec: its /proc files) on a live process: "
          "%s us of CPU (median of 15 x 2000), least %s us" % (f[2], f[3]))
    fig("procid_read_us", float(f[2]), "us")


STEPS = ("per_call", "untraced", "syscall", "agent", "pipeline", "http", "streams", "conns",
         "churn", "large", "tracer_cpu", "tracer_idle", "exec")
NO_ROOT = {"http"}


def main():
    only = [s for s in os.environ.get("BENCH_ONLY", "").replace(",", " ").split() if s]
    bad = [s for s in only if s not in STEPS]
    if bad:
        print("bench: BENCH_ONLY: unknown step(s) %s (steps: %s)" % (" ".join(bad),
                                                                    ",".join(STEPS)),
              file=sys.stderr)
        return 2
    steps = [s for s in STEPS if not only or s in only]
    if os.geteuid() != 0 and not set(steps) <= NO_ROOT:
        print("bench: needs root (uprobes)", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    uname = os.uname()
    print("tracetree-bpf bench: %s %s, %d CPUs, %s" % (uname.sysname, uname.release, NCPU,
                                                      subprocess.run(
                                                          ["openssl", "version"],
                                                          capture_output=True).stdout.decode()
                                                      .strip()))
    for step in (globals()["bench_" + s] for s in steps):
        try:
            step()
        except Exception as e:  # noqa: BLE001
            print("bench: %s failed: %s" % (step.__name__, e), flush=True)
    print("\nbench: done in %.0f s" % (time.monotonic() - t0))
    with open(os.path.join(B, "results.txt"), "w") as f:
        for name, value, unit, note in results:
            f.write("bench: %s %s %s\n" % (name, value, unit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
