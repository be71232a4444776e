# SPDX-License-Identifier: MIT
"""The byte budget over HTTP reassembly, live: 64 TLS connections each receiving a gzip body of
about 32 KB that decodes to 32 MiB, all of them in flight at once. Under the default budget the
tracer's peak RSS stays near the budget and the drops are counted; with a budget that does not
bind, the same run holds over a gigabyte (which shows the run does press on memory)."""
import os
import subprocess
import threading

from lib import PORT_FILE, PY, TRACER, Server, Workdir, cert, check, eq

CONNS = 64
DECODED = 31 << 20  # under the 32 MiB a body may decode to
MIB = 1 << 20

# The server: each connection gets one response whose gzip body decodes to DECODED zero bytes.
# All but the last byte of every body is sent first; the last bytes go out once every connection
# has its response that far, so the tracer holds all 64 bodies at the same time.
SERVER = r'''
import gzip, socket, ssl, sys, threading
CONNS, DECODED = int(sys.argv[4]), int(sys.argv[5])
body = gzip.compress(bytes(DECODED), 9)
head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body))
ready = threading.Barrier(CONNS)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(CONNS)
open(sys.argv[3] + ".tmp", "w").write(str(srv.getsockname()[1]))
import os; os.rename(sys.argv[3] + ".tmp", sys.argv[3])
def serve(c):
    data = b""
    while b"\r\n\r\n" not in data:
        data += c.recv(65536)
    c.sendall(head + body[:-1])
    ready.wait()
    c.sendall(body[-1:])
    c.close()
while True:
    raw, _ = srv.accept()
    threading.Thread(target=serve, args=(ctx.wrap_socket(raw, server_side=True),),
                     daemon=True).start()
'''

# The traced client: CONNS connections at once, each one request and its whole response.
CLIENT = r'''
import socket, ssl, sys, threading
port, conns = int(sys.argv[1]), int(sys.argv[2])
ctx = ssl._create_unverified_context()
got = [0] * conns
def one(i):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    while True:
        d = s.recv(65536)
        if not d:
            break
        got[i] += len(d)
    s.close()
t = [threading.Thread(target=one, args=(i,)) for i in range(conns)]
[x.start() for x in t]
[x.join() for x in t]
print(min(got), max(got))
'''


def traced_bombs(work, budget):
    """Runs the client under the tracer with --mem-budget budget against the bomb server:
    (the tracer's peak RSS in bytes, its --stats as a dict)."""
    crt, key = cert(work)
    srv_py, cli_py = work.file("bomb_server.py"), work.file("bomb_client.py")
    with open(srv_py, "w") as f:
        f.write(SERVER)
    with open(cli_py, "w") as f:
        f.write(CLIENT)
    outf, errf = work.file("out.txt"), work.file("err.txt")
    with Server(work, "bomb", [PY, srv_py, crt, key, PORT_FILE, str(CONNS), str(DECODED)],
                scheme="https") as srv:
        with open(outf, "wb") as out, open(errf, "wb") as err:
            p = subprocess.Popen([TRACER, "--stats", "--mem-budget", budget, "-o",
                                  work.file("otlp.jsonl"), "--", PY, cli_py, str(srv.port),
                                  str(CONNS)], stdout=out, stderr=err)
        # wait4 on the tracer itself: its rusage's ru_maxrss is its own peak RSS (or that of
        # the client it started and reaped, if larger: far smaller here). A hang is killed.
        watchdog = threading.Timer(240, p.kill)
        watchdog.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            watchdog.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(errf) as f:
        err = f.read()
    eq(p.returncode, 0, "tracer exit code (stderr: %s)" % err[-1500:])
    with open(outf) as f:
        least, most = (int(x) for x in f.read().split())
    check(least == most and least > 0, "every connection got its whole response: %d %d" %
          (least, most))
    stats = {}
    for line in err.splitlines():
        if line.startswith("tracetree-bpf: stats: "):
            stats.update(kv.split("=", 1) for kv in line.split()[2:])
    check("mem_high" in stats, "--stats has the budget line: %s" % err[-1500:])
    return ru.ru_maxrss * 1024, stats


def test_bombs_within_default_budget():
    work = Workdir()
    rss, st = traced_bombs(work, "256M")
    budget = int(st["mem_budget"])
    eq(budget, 256 * MIB, "the budget asked for")
    check(int(st["mem_high"]) <= budget, "accounted use never past the budget: %s" % st)
    check(int(st["mem_drops"]) > 0, "bodies were dropped to stay within it: %s" % st)
    eq(st["mem_used"], "0", "everything given back at the end")
    # The budget covers the bodies; the rest of the tracer (BPF maps' mappings, ring buffer,
    # libraries, the span store) is well under 200 MiB in every other test.
    check(rss < budget + 200 * MIB, "peak RSS %d MiB stays near the 256 MiB budget" % (rss >> 20))


def test_bombs_press_on_memory_without_a_binding_budget():
    """The same run with a budget that never binds holds every body: over a gigabyte. This is
    what the first test guards against (and shows the bombs are really in flight together)."""
    work = Workdir()
    rss, st = traced_bombs(work, "16G")
    eq(st["mem_drops"], "0", "nothing dropped")
    check(int(st["mem_high"]) > CONNS * (DECODED // 2),
          "the bodies were held at once: %s" % st)
    check(rss > 1024 * MIB, "peak RSS %d MiB: every body held" % (rss >> 20))
