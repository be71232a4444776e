# SPDX-License-Identifier: MIT
"""Container and pod identity, traced from the host with --all: an agent (curl talking TLS to
the fake LLM) in a kubelet-style cgroup made here, and in a podman container with its own pid
namespace and its own libssl. The LLM span's resource carries the exact container.id,
k8s.pod.uid, the pid inside the namespace (process.vpid) and the process's own
OTEL_SERVICE_NAME, live and in the replay of the --record capture (no /proc there)."""
import json
import os
import shutil
import signal
import subprocess
import uuid

import otlp
from lib import TOP, TRACER, FakeLLM, Skip, TestFailure, Workdir, check, eq
from test_capture import wait_ready

UNIFIED = "/sys/fs/cgroup/unified"
ROOTFS = os.path.join(TOP, ".output", "containers", "curl-rootfs")
BODY = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})


def traced_all(work, run):
    """Runs run() while the tracer traces --all with --record cap.ttcap in work; returns (live
    spans, replayed spans)."""
    out, cap, rep = work.file("otlp.jsonl"), work.file("cap.ttcap"), work.file("replay.jsonl")
    tr = subprocess.Popen([TRACER, "-v", "-o", out, "--format", "otlp-json", "--record", cap,
                           "--all", "--duration", "120"], stderr=subprocess.PIPE,
                          stdout=subprocess.DEVNULL)
    try:
        wait_ready(tr)
        run()
        tr.send_signal(signal.SIGINT)
        eq(tr.wait(60), 0, "tracer exit after SIGINT")
    finally:
        if tr.poll() is None:
            tr.kill()
    p = subprocess.run([TRACER, "replay", cap, "-o", rep, "--format", "otlp-json"],
                       capture_output=True, timeout=120)
    eq(p.returncode, 0, "replay exit: %s" % p.stderr.decode(errors="replace")[-500:])
    return otlp.load(out), otlp.load(rep)


def the_call(t, pid_pred, what):
    """The one chat span of a process pid_pred(resource) accepts."""
    calls = [s for s in t.named("chat gpt-4o") if pid_pred(s.resource)]
    eq(len(calls), 1, "%s: one LLM span\n%s" % (what, t.dump()))
    return calls[0]


def check_resource(res, want, what):
    for k, v in want.items():
        eq(res.get(k), v, "%s: %s" % (what, k))


def test_kubepods_cgroup():
    """A client moved into /kubepods/besteffort/pod<uid>/<64 hex> (the kubelet's cgroupfs
    layout, in the v2 hierarchy) before it execs: k8s.pod.uid and container.id."""
    if not os.path.isdir(UNIFIED) or not os.access(UNIFIED, os.W_OK):
        raise Skip("no writable cgroup v2 hierarchy at %s" % UNIFIED)
    work = Workdir()
    uid, cid = str(uuid.uuid4()), uuid.uuid4().hex + uuid.uuid4().hex
    pod = os.path.join(UNIFIED, "kubepods", "besteffort", "pod" + uid)
    cg = os.path.join(pod, cid)
    os.makedirs(cg)
    llm = FakeLLM(work)
    pids = []

    def run():
        # the wrapper moves itself, then execs the client: the exec is read in its pod
        script = 'echo $$ > %s/cgroup.procs && echo $$ > %s && exec curl -s --cacert %s ' \
                 '%s/v1/chat/completions -H "Content-Type: application/json" -d \'%s\'' % \
                 (cg, work.file("pid"), llm.cafile, llm.url, BODY)
        env = dict(os.environ, OTEL_SERVICE_NAME="billing-agent")
        p = subprocess.run(["sh", "-c", script], capture_output=True, timeout=60, env=env)
        eq(p.returncode, 0, "client: %s" % p.stderr.decode(errors="replace"))
        check(b"chatcmpl" in p.stdout, "the fake answered: %r" % p.stdout[:200])
        pids.append(int(open(work.file("pid")).read()))

    try:
        live, rep = traced_all(work, run)
    finally:
        llm.stop()
        for d in (cg, pod, os.path.dirname(pod), os.path.dirname(os.path.dirname(pod))):
            try:
                os.rmdir(d)
            except OSError:
                pass
    want = {"container.id": cid, "k8s.pod.uid": uid, "service.name": "billing-agent",
            "process.pid": pids[0]}
    for t, what in ((live, "live"), (rep, "replay")):
        call = the_call(t, lambda r: r.get("process.pid") == pids[0], what)
        check_resource(call.resource, want, what)
        check("container.runtime.name" not in call.resource,
              "%s: the cgroupfs layout names no runtime" % what)
        check("process.vpid" not in call.resource, "%s: host pid namespace" % what)


def build_rootfs():
    """A root filesystem of curl and the libraries it links (its own copies: its libssl is not
    the host's file), built once under .output/."""
    curl = shutil.which("curl")
    if os.path.exists(os.path.join(ROOTFS, "usr", "bin", "curl")):
        return
    tmp = ROOTFS + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for d in ("usr/bin", "etc", "tmp", "proc", "sys", "dev"):
        os.makedirs(os.path.join(tmp, d))
    shutil.copy(curl, os.path.join(tmp, "usr", "bin", "curl"))
    ldd = subprocess.run(["ldd", curl], capture_output=True, text=True, check=True).stdout
    for word in ldd.split():
        if word.startswith("/"):
            dst = tmp + word
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.realpath(word), dst)
    os.rename(tmp, ROOTFS)


def test_podman_container():
    """curl in a podman container (own pid namespace, own libssl, --network host to reach the
    fake on 127.0.0.1): its LLM span has podman's full container id and vpid 1."""
    if not shutil.which("podman") or not shutil.which("runc"):
        raise Skip("podman and runc are needed (sudo make deps)")
    work = Workdir()
    build_rootfs()
    conf = work.file("containers.conf")
    with open(conf, "w") as f:
        f.write("[containers]\ndefault_ulimits = []\n")   # the machine's rlimits are capped
    llm = FakeLLM(work)
    cidfile = work.file("cid")
    os.makedirs(os.path.join(ROOTFS, "ca"), exist_ok=True)

    def run():
        env = dict(os.environ, CONTAINERS_CONF=conf)
        p = subprocess.run(["podman", "run", "--rm", "--runtime", "runc", "--cgroup-manager",
                            "cgroupfs", "--network", "host", "--cidfile", cidfile,
                            "-e", "OTEL_SERVICE_NAME=podman-agent",
                            "-v", "%s:/ca/cert.pem:ro" % llm.cafile, "--rootfs", ROOTFS,
                            "/usr/bin/curl", "-s", "--cacert", "/ca/cert.pem",
                            llm.url + "/v1/chat/completions", "-H",
                            "Content-Type: application/json", "-d", BODY],
                           capture_output=True, timeout=180, env=env)
        if p.returncode != 0:
            raise TestFailure("podman run exited %d: %s" %
                              (p.returncode, p.stderr.decode(errors="replace")[-1000:]))
        check(b"chatcmpl" in p.stdout, "the fake answered: %r" % p.stdout[:200])

    try:
        live, rep = traced_all(work, run)
    finally:
        llm.stop()
    cid = open(cidfile).read().strip()
    eq(len(cid), 64, "podman's full id")
    want = {"container.id": cid, "container.runtime.name": "podman", "process.vpid": 1,
            "service.name": "podman-agent"}
    for t, what in ((live, "live"), (rep, "replay")):
        call = the_call(t, lambda r: r.get("container.id") == cid, what)
        check_resource(call.resource, want, what)
        check(call.resource.get("process.pid") != 1, "%s: process.pid is the host's" % what)
    # the kernel's fork record of the container's first process says its vpid too
    p = subprocess.run([TRACER, "replay", work.file("cap.ttcap"), "--raw", "--format", "none"],
                       capture_output=True, timeout=120)
    pid = call.resource["process.pid"]
    forks = [r for r in map(json.loads, p.stdout.splitlines())
             if r["type"] == "fork" and r["pid"] == pid]
    eq([r["vpid"] for r in forks], [1], "fork record of pid %d" % pid)
