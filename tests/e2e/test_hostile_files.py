# SPDX-License-Identifier: MIT
"""Files a traced program names under a TLS library's name, made to hurt the tracer: a FIFO, a
file whose open blocks (a lease), a flood of files that are not ELF, an inspection held in a
test hook. The capture goes on meanwhile: the tracer opens each file once without blocking, and
inspects it on a worker thread, never in the record loop."""
import os
import subprocess

from lib import PY, PY_GET, Workdir, by_type, check, eq, execs, raw_with_server, streams

# Run traced: argv MODE PORT RAW WORK. Names a hostile file (by MODE), then makes one HTTPS
# request with the header X-Tag: hostile-MODE and waits (up to 30 s: the kernel breaks a lease
# after 45) until its bytes are in the tracer's --raw output, which is written as records are
# processed. WORK/result gets "flowing" or "stalled", and "fifo-reader" if the tracer holds the
# FIFO open for reading.
HOSTILE = r'''
import fcntl, http.client, os, signal, ssl, sys, time
mode, port, raw, work = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tag = "hostile-" + mode
lib = os.path.join(work, "libssl-tt-hold.so.3" if mode == "hold" else "libssl.so.3")
def name_it():
    # an openat the tracer sees (a TLS library's name) that opens nothing here
    try:
        os.open(lib, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        pass
lease = None
if mode == "fifo":
    os.mkfifo(lib)
    os.close(os.open(lib, os.O_RDONLY | os.O_NONBLOCK))
elif mode == "lease":
    # made and leased under another name: the tracer sees (and opens) none of it before
    tmp = os.path.join(work, "plain")
    with open(tmp, "wb") as f:
        f.write(b"\x7fELF" + b"\0" * 4096)
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    lease = os.open(tmp, os.O_RDONLY)
    fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_WRLCK)
    os.rename(tmp, lib)
    name_it()
elif mode == "hold":
    with open(lib, "wb") as f:
        f.write(b"not an ELF file\n" * 8)
    name_it()
c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl._create_unverified_context())
c.request("GET", "/bytes/77", headers={"X-Tag": tag})
c.getresponse().read()
c.close()
result = "stalled"
deadline = time.time() + 30
while time.time() < deadline:
    if os.path.exists(raw) and tag.encode() in open(raw, "rb").read():
        result = "flowing"
        break
    time.sleep(0.05)
if mode == "fifo":
    try:
        os.close(os.open(lib, os.O_WRONLY | os.O_NONBLOCK))
        result += " fifo-reader"
    except OSError:
        pass
if lease is not None:
    fcntl.fcntl(lease, fcntl.F_SETLEASE, fcntl.F_UNLCK)
open(os.path.join(work, "release"), "w").close()
open(os.path.join(work, "result"), "w").write(result)
'''


def prepare(work, name, text, *dirs):
    """Writes the script text to WORK/name and makes the directories WORK/dirs: their paths."""
    script = work.file(name)
    with open(script, "w") as f:
        f.write(text)
    for d in dirs:
        os.mkdir(work.file(d))
    return [script] + [work.file(d) for d in dirs]


def run_hostile(mode, args=(), env=None):
    """Runs HOSTILE in MODE under the tracer: (result, raw records, server exchanges, the
    tracer's CompletedProcess)."""
    work = Workdir()
    script, sub = prepare(work, "hostile.py", HOSTILE, "files")
    raw = work.file("raw.jsonl")
    env = dict(os.environ, **(env or {}))
    # the hook (TT_TEST_HOLD_INSPECT) waits for FILES/release, made once the script is done
    env["TT_TEST_HOLD_INSPECT"] = os.path.join(sub, "release")
    recs, ex, p = raw_with_server(work, lambda srv: [PY, script, mode, str(srv.port), raw, sub],
                                  args=args, timeout=120, env=env)
    with open(os.path.join(sub, "result")) as f:
        return f.read(), recs, ex, p


def check_captured(recs, ex, mode):
    """The one exchange the server saw is captured whole, from the last python3 started."""
    eq(len(ex), 1, "the server saw one exchange")
    pid = execs(recs, "python3")[-1]["pid"]
    st = streams(recs)
    eq(sorted(v for k, v in st.items() if k[0] == pid), sorted([ex[0][0], ex[0][1]]),
       "%s: request and response captured" % mode)


def test_fifo_named_libssl_not_opened():
    """A FIFO named libssl.so.3 that the traced program opens is never opened for reading by
    the tracer (it would wait for a writer), and the program's HTTPS call is captured."""
    result, recs, ex, _ = run_hostile("fifo")
    eq(result, "flowing", "records processed while the FIFO is there, no reader in the tracer")
    check(any(r["path"].endswith("/libssl.so.3") for r in by_type(recs, "libopen")),
          "the FIFO's open was seen")
    check_captured(recs, ex, "fifo")


def test_lease_held_library_does_not_stall():
    """A file named libssl.so.3 whose owner holds a write lease: an open for reading waits up to
    45 s for the lease to be given back. The tracer's open does not wait (the records of the
    HTTPS call that follows are processed while the lease is held)."""
    result, recs, ex, _ = run_hostile("lease")
    eq(result, "flowing", "records processed while the lease is held")
    check_captured(recs, ex, "lease")


def test_held_inspection_does_not_stall_records():
    """An inspection held in the test hook (as a huge file holds it) holds the worker only: the
    HTTPS call made after it is decoded, and its records written, before it is let go."""
    result, recs, ex, p = run_hostile("hold", args=["-v"])
    check(b"held until" in p.stderr, "the inspection was held")
    eq(result, "flowing", "records processed while an inspection is held")
    check_captured(recs, ex, "hold")


# argv DIR N FLAG: opens N files named like a libssl that are not ELF, makes FLAG.ready, and
# stays until FLAG.done exists: the tracer reads its files through /proc/PID/root meanwhile.
FLOOD = r'''
import os, sys, time
d, n, flag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(n):
    p = os.path.join(d, "libssl-%d.so.3" % i)
    with open(p, "w") as f:
        f.write("not an ELF file\n")
    os.close(os.open(p, os.O_RDONLY))
open(flag + ".ready", "w").close()
while not os.path.exists(flag + ".done"):
    time.sleep(0.05)
'''
FLOOD_SH = ('"$1" "$2" "$3" 4200 "$7" & while [ ! -e "$7.ready" ]; do sleep 0.05; done; '
            'LD_LIBRARY_PATH="$4" "$1" -c "$5" "$6"; rc=$?; touch "$7.done"; wait; exit $rc')


def test_non_elf_flood_leaves_room_for_libssl():
    """A process opens 4200 files named like a libssl that are not ELF (more than the 4096
    entries of the table of inspected files) and stays; a libssl loaded afterwards by another
    process is still probed in time, and the flood is counted as deferred in --stats."""
    work = Workdir()
    flood, files, libdir = prepare(work, "flood.py", FLOOD, "files", "lib")
    subprocess.run(["cp", "/lib/x86_64-linux-gnu/libssl.so.3", libdir], check=True)
    recs, ex, p = raw_with_server(work, lambda srv: [
        "sh", "-c", FLOOD_SH, "sh", PY, flood, files, libdir, PY_GET, srv.url + "/bytes/64",
        work.file("flood")], args=["--stats"], timeout=180)
    eq(len(execs(recs, "python3")), 2, "the flood and the client")
    check_captured(recs, ex, "the client through the copied libssl")
    err = p.stderr.decode(errors="replace")
    line = [ln for ln in err.splitlines() if "inspect_deferred=" in ln]
    check(line, "the prober's stats line")
    deferred = int(line[-1].split("inspect_deferred=")[1].split()[0])
    check(deferred >= 2000, "the flood was deferred (%d)" % deferred)
