# SPDX-License-Identifier: MIT
"""The DaemonSet's image (tools/deploy/Dockerfile, built by tools/deploy/build-image.sh with
podman from a local Debian 12 base, cached by a hash of its sources): the tracer in its own
container, in the host's pid namespace with the host mounts of tools/deploy/daemonset.yaml,
traces a client on the host with --all. Once privileged, as the issue asks, and once with
exactly the DaemonSet's capabilities and no others, which shows that the manifest's set is
enough to attach the uprobes and that the tracer then holds only the set --help names."""
import os
import re
import shutil
import subprocess
import threading
import time

import otlp
from lib import FakeLLM, TOP, Skip, TestFailure, Workdir, check, eq

BUILD = os.path.join(TOP, "tools", "deploy", "build-image.sh")
CONF = os.path.join(TOP, "tools", "deploy", "containers.conf")
ENV = dict(os.environ, CONTAINERS_CONF=CONF)

# what the tracer keeps once attached (privs.c, --help): the DaemonSet's but SETPCAP
CAP_NUM = {"DAC_READ_SEARCH": 2, "KILL": 5, "SYS_PTRACE": 19, "SYS_ADMIN": 21, "PERFMON": 38,
           "BPF": 39, "CHECKPOINT_RESTORE": 40}
KEPT = sum(1 << n for n in CAP_NUM.values())
_IMAGE = None


def daemonset():
    """The tracer's container of daemonset.yaml and the pod's volumes."""
    import yaml

    with open(os.path.join(TOP, "tools", "deploy", "daemonset.yaml")) as f:
        ds = [d for d in yaml.safe_load_all(f) if d and d["kind"] == "DaemonSet"][0]
    pod = ds["spec"]["template"]["spec"]
    return pod["containers"][0], {v["name"]: v for v in pod["volumes"]}


def ds_caps():
    """daemonset.yaml's capabilities (tests/deploy checks them against --help)."""
    return daemonset()[0]["securityContext"]["capabilities"]["add"]


def ds_podman_opts(work):
    """daemonset.yaml's mounts and root filesystem as podman options: its read-only host
    directories at the same places, its emptyDirs as tmpfs, its targets cache on a directory
    of the test (not the host's)."""
    c, vols = daemonset()
    opts = ["--read-only"] if c["securityContext"].get("readOnlyRootFilesystem") else []
    for m in c["volumeMounts"]:
        v = vols[m["name"]]
        if "emptyDir" in v:
            opts += ["--tmpfs", m["mountPath"]]
        elif v["hostPath"]["type"] == "DirectoryOrCreate":
            cache = os.path.join(work.path, m["name"])
            os.makedirs(cache, mode=0o700, exist_ok=True)
            opts += ["-v", "%s:%s" % (cache, m["mountPath"])]
        else:
            check(m.get("readOnly") and v["hostPath"]["path"] == m["mountPath"],
                  "a host directory mounted read-only at its own place: %r" % m)
            opts += ["-v", "%s:%s:ro" % (m["mountPath"], m["mountPath"])]
    return opts


def image():
    """The image of today's sources: built on first use (minutes), then reused."""
    global _IMAGE
    if isinstance(_IMAGE, Exception):
        raise _IMAGE
    if _IMAGE:
        return _IMAGE
    if not shutil.which("podman") or not shutil.which("runc"):
        _IMAGE = Skip("podman or runc is not installed (make deps)")
        raise _IMAGE
    p = subprocess.run([BUILD], capture_output=True, env=ENV, timeout=3600)
    if p.returncode != 0:
        _IMAGE = TestFailure("build-image.sh exited %d: %s" %
                             (p.returncode, p.stderr.decode(errors="replace")[-3000:]))
        raise _IMAGE
    _IMAGE = p.stdout.decode().split()[-1]
    return _IMAGE


def podman(*args, timeout=60):
    return subprocess.run(["podman"] + list(args), capture_output=True, env=ENV,
                          timeout=timeout)


def container_cmd(work, name, opts):
    """podman run of the image with the DaemonSet's host mounts (and opts), up to the image."""
    return ["podman", "run", "--rm", "--name", name, "--pid=host", "--network=host"] + \
        ds_podman_opts(work) + opts + [image()]


def cap_opts(caps):
    """Not privileged: only caps, and seccomp unconfined as in daemonset.yaml."""
    eq(daemonset()[0]["securityContext"]["seccompProfile"], {"type": "Unconfined"}, "seccomp")
    opts = ["--cap-drop=all", "--security-opt", "seccomp=unconfined"]
    for c in caps:
        opts += ["--cap-add", "CAP_" + c]
    return opts


def run_in_container(work, opts, fn):
    """Runs fn() while the image's tracer runs with --all -o /out/t.jsonl in a container (the
    host's pid namespace and network, the DaemonSet's read-only host mounts, a targets cache
    directory); returns (what fn returned, the host pid of the tracer, its /proc status read
    while it ran). The tracer must exit 0 on SIGTERM, as a pod's does at deletion."""
    out = os.path.join(work.path, "out")
    os.makedirs(out)
    name = "tt-deploy-%d" % os.getpid()
    podman("rm", "-f", name)
    cmd = container_cmd(work, name, opts + ["-v", out + ":/out"]) + [
        "-v", "--all", "-o", "/out/t.jsonl", "--format", "none"]
    tr = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=ENV)
    err = []
    try:
        deadline = time.time() + 120
        while True:
            line = tr.stderr.readline()
            if not line or time.time() > deadline:
                raise TestFailure("the tracer in the container did not report ready (exit %s):"
                                  "\n%s" % (tr.poll(), b"".join(err).decode(errors="replace")
                                            [-3000:]))
            err.append(line)
            if b"tracing" in line and b"main:" in line:
                break
        threading.Thread(target=lambda: err.extend(tr.stderr), daemon=True).start()
        p = podman("inspect", "--format", "{{.State.Pid}}", name)
        pid = int(p.stdout.decode().strip())
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        got = fn()
        podman("kill", "--signal", "TERM", name)
        rc = tr.wait(60)
        eq(rc, 0, "the tracer's exit code after SIGTERM:\n%s" %
           b"".join(err).decode(errors="replace")[-3000:])
        return got, pid, status
    finally:
        if tr.poll() is None:
            podman("rm", "-f", name)
            tr.kill()
            tr.wait()


def llm_call_traced(opts):
    """curl on the host makes one chat completion to the fake API; the tracer in its container
    exports the LLM span with the host's pid of curl and the exact model and token counts."""
    work = Workdir()
    body = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}'
    with FakeLLM(work) as fake:
        def client():
            c = subprocess.Popen(["curl", "-sk", "--http1.1", fake.url + "/v1/chat/completions",
                                  "-H", "content-type: application/json", "-d", body,
                                  "-o", "/dev/null"])
            eq(c.wait(30), 0, "curl's exit code")
            return c.pid
        curl_pid, tracer_pid, status = run_in_container(work, opts, client)
        llm = fake.llm()
    eq(len(llm), 1, "the fake API saw one call")
    usage = llm[0]["response"]["usage"]
    eq((usage["input_tokens"], usage["output_tokens"]), (11, 9), "the fake's token counts")
    t = otlp.load(os.path.join(work.path, "out", "t.jsonl"))
    s = t.one("chat gpt-4o-mini")
    eq(s.get("gen_ai.request.model"), "gpt-4o-mini", "gen_ai.request.model")
    eq(s.get("gen_ai.response.model"), "gpt-4o-mini", "gen_ai.response.model")
    eq(s.get("gen_ai.usage.input_tokens"), 11, "gen_ai.usage.input_tokens")
    eq(s.get("gen_ai.usage.output_tokens"), 9, "gen_ai.usage.output_tokens")
    proc = t.parent(s)
    check(proc is not None and proc.name == "exec curl", "the LLM span under curl's:\n" +
          t.dump())
    # hostPID: the pids are the host's
    eq(proc.get("process.pid"), curl_pid,
       "process.pid of curl (the host's)")
    return tracer_pid, status


def caps(status, field):
    return int(re.search(r"^%s:\s*([0-9a-f]+)$" % field, status, re.M).group(1), 16)


def test_image_privileged_traces_host_client():
    llm_call_traced(["--privileged"])


def test_image_daemonset_capabilities_trace_host_client():
    """Not privileged: only daemonset.yaml's capabilities (seccomp unconfined, as there). The
    uprobes attach, and once attached the tracer holds exactly the set it keeps."""
    eq(sorted(ds_caps()), sorted(list(CAP_NUM) + ["SETPCAP"]), "daemonset.yaml's capabilities")
    pid, status = llm_call_traced(cap_opts(ds_caps()))
    eq(caps(status, "CapEff"), KEPT, "CapEff of the tracer (pid %d) once attached" % pid)
    eq(caps(status, "CapBnd"), KEPT, "CapBnd of the tracer once attached")
    eq(re.search(r"^NoNewPrivs:\s*(\d)$", status, re.M).group(1), "1", "NoNewPrivs")


def test_image_capabilities_short_of_the_daemonsets_fail():
    """The set is not larger than needed where it matters most: without CAP_SYS_ADMIN no uprobe
    attaches (the uprobe PMU checks it), without CAP_SETPCAP the tracer cannot drop the rest
    and stops rather than run with them."""
    work = Workdir()
    name = "tt-deploy-%d" % os.getpid()
    podman("rm", "-f", name)
    for drop, want_rc, want in (
            ("SYS_ADMIN", 0, rb"attaching \w+ at 0x[0-9a-f]+ failed: Permission denied"),
            ("SETPCAP", 1, rb"cannot drop capabilities: Operation not permitted")):
        cmd = container_cmd(work, name, cap_opts([c for c in ds_caps() if c != drop])) + [
            "-v", "--all", "--duration", "2", "--format", "none"]
        p = subprocess.run(cmd, capture_output=True, env=ENV, timeout=180)
        err = p.stderr.decode(errors="replace")
        eq(p.returncode, want_rc, "exit code without CAP_%s: %s" % (drop, err[-2000:]))
        check(re.search(want, p.stderr), "without CAP_%s: %r in:\n%s" %
              (drop, want, err[-3000:]))
        if drop == "SYS_ADMIN":
            check(b"main: probes attached to 0 files" in p.stderr,
                  "without CAP_SYS_ADMIN no file is probed:\n" + err[-3000:])
