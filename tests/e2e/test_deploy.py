# SPDX-License-Identifier: MIT
"""The DaemonSet's image: the tracer in its own container, in the host's pid namespace with
the host mounts, capabilities and read-only root filesystem of tools/deploy/daemonset.yaml,
traces a client on the host with --all. Once privileged, as the issue asks, and once with
exactly the DaemonSet's capabilities and no others, which shows that the manifest's set is
enough to attach the uprobes and that the tracer then holds only the set --help names.

The image run here is not tools/deploy/Dockerfile's (`make deploy-image`: a Debian base by
debootstrap and a compile in the image, 10-18 minutes) but one made in seconds from the tracer
this checkout built and host files (build_test_image), with the Dockerfile's PREFIX, ENV,
USER, ENTRYPOINT and CMD; tests/deploy checks the Dockerfile itself."""
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import otlp
from lib import TRACER, FakeLLM, TOP, Skip, TestFailure, Workdir, check, eq

CONF = os.path.join(TOP, "tools", "deploy", "containers.conf")
ENV = dict(os.environ, CONTAINERS_CONF=CONF)

# what the tracer keeps once attached (privs.c, --help): the DaemonSet's but SETPCAP
CAP_NUM = {"DAC_READ_SEARCH": 2, "KILL": 5, "SYS_PTRACE": 19, "SYS_ADMIN": 21, "PERFMON": 38,
           "BPF": 39, "CHECKPOINT_RESTORE": 40}
KEPT = sum(1 << n for n in CAP_NUM.values())
TEST_IMAGE = "localhost/tracetree-bpf-test"
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
    directories at the same places (the runtimes' state: an empty directory where the host
    has none), its emptyDirs as tmpfs, its targets cache on a directory of the test (not the
    host's)."""
    c, vols = daemonset()
    opts = ["--read-only"] if c["securityContext"].get("readOnlyRootFilesystem") else []
    for m in c["volumeMounts"]:
        v = vols[m["name"]]
        if "emptyDir" in v:
            opts += ["--tmpfs", m["mountPath"]]
        elif v["hostPath"]["type"] == "DirectoryOrCreate" and m.get("readOnly"):
            # the runtimes' state: the host's where it has it, else an empty directory
            src = v["hostPath"]["path"]
            if not os.path.isdir(src):
                src = os.path.join(work.path, m["name"])
                os.makedirs(src, mode=0o700, exist_ok=True)
            prop = {"HostToContainer": ",rslave"}.get(m.get("mountPropagation"), "")
            opts += ["-v", "%s:%s:ro%s" % (src, m["mountPath"], prop)]
        elif v["hostPath"]["type"] == "DirectoryOrCreate":
            cache = os.path.join(work.path, m["name"])
            os.makedirs(cache, mode=0o700, exist_ok=True)
            opts += ["-v", "%s:%s" % (cache, m["mountPath"])]
        else:
            check(m.get("readOnly") and v["hostPath"]["path"] == m["mountPath"],
                  "a host directory mounted read-only at its own place: %r" % m)
            opts += ["-v", "%s:%s:ro" % (m["mountPath"], m["mountPath"])]
    return opts


def dockerfile_runtime():
    """What the Dockerfile's final stage gives the running image: its ENV, USER, ENTRYPOINT
    and CMD lines (as `podman import --change`s) and the PREFIX its build stage installs to."""
    with open(os.path.join(TOP, "tools", "deploy", "Dockerfile")) as f:
        df = f.read()
    m = re.search(r"make install DESTDIR=/out PREFIX=(\S+)", df)
    check(m, "the Dockerfile's `make install DESTDIR=/out PREFIX=...`")
    prefix = m.group(1)
    final = re.split(r"^FROM ", df, flags=re.M)[-1]
    changes = re.findall(r"^((?:ENV|USER|ENTRYPOINT|CMD) .*)$", final, re.M)
    check(any(c.startswith("ENTRYPOINT") for c in changes), "the Dockerfile's ENTRYPOINT")
    return prefix, changes


def ldd_closure(path):
    """The libraries path loads (ldd), as (the path the loader finds, the file's real path)."""
    p = subprocess.run(["ldd", path], capture_output=True, check=True, timeout=60)
    libs = []
    for line in p.stdout.decode().splitlines():
        m = re.match(r"\s*(?:\S+ => )?(/\S+) \(0x", line)
        if m:
            libs.append((m.group(1), os.path.realpath(m.group(1))))
    return libs


def capstone():
    """The libcapstone disasm.c's dlopen finds first (ldconfig's cache), or None."""
    p = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, timeout=60)
    found = dict(re.findall(r"^\s*(\S+) \(libc6[^)]*\) => (\S+)$", p.stdout.decode(), re.M))
    for name in ("libcapstone.so.5", "libcapstone.so.4", "libcapstone.so"):
        if name in found:
            return found[name]
    return None


def rootfs_files(dest):
    """The test image's files, {path in the image: host file}: what `make install` puts under
    the Dockerfile's PREFIX (the binary and tls-targets.conf where it looks for it), the shared
    libraries of the binary and of libcapstone with the dynamic loader, the CAs."""
    prefix, changes = dockerfile_runtime()
    subprocess.run(["make", "-s", "-C", TOP, "-o", TRACER, "install", "BIN=" + TRACER,
                    "DESTDIR=" + dest, "PREFIX=" + prefix], check=True, capture_output=True,
                   timeout=120)
    files = {}
    for d, _, names in os.walk(dest):
        for n in names:
            f = os.path.join(d, n)
            files[os.path.relpath(f, dest)] = f
    cs = capstone()
    check(cs is not None, "libcapstone on the host (make deps)")
    for path, real in ldd_closure(TRACER) + ldd_closure(cs) + [(cs, os.path.realpath(cs))]:
        # /lib is usr/lib on the host and in the image; /lib64 holds the loader itself
        if not path.startswith("/lib64/"):
            path = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        files[path.lstrip("/")] = real
    for d, _, names in os.walk("/etc/ssl/certs"):
        for n in names:
            f = os.path.join(d, n)
            if os.path.exists(f):
                files[f.lstrip("/")] = os.path.realpath(f)
    return files, changes


def build_test_image():
    """The test image: the tracer just built and a root filesystem of host files (no build in
    an image, no Debian mirror), `podman import`ed with the Dockerfile's ENV, USER, ENTRYPOINT
    and CMD, tagged with a hash of its files and settings so a rerun only looks it up.
    Measured on the 2-core test machine under a load average of 11, empty of this image:
    7.5-9.2 s cold (a 30 MB image: make install, 31 libraries, the CAs, podman import),
    2.5 s when it exists (make install and the hash); the three tests of this file, the image
    made cold, 64 s. The images of older binaries are removed."""
    import hashlib
    import io
    import tarfile

    dest = tempfile.mkdtemp(prefix="tt-deploy-root-")
    try:
        files, changes = rootfs_files(dest)
        h = hashlib.sha256("\n".join(changes).encode())
        for path in sorted(files):
            st = os.stat(files[path])
            h.update(b"\0%s\0%o\0" % (path.encode(), st.st_mode & 0o7777))
            with open(files[path], "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
        tag = "%s:%s" % (TEST_IMAGE, h.hexdigest()[:16])
        if podman("image", "exists", tag).returncode == 0:
            return tag
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            def add(name, kind=tarfile.DIRTYPE, mode=0o755, link="", data=None):
                ti = tarfile.TarInfo(name)
                ti.type, ti.mode, ti.linkname = kind, mode, link
                if data is not None:
                    ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data) if data is not None else None)
            # mount points of the runtime and of the DaemonSet, a root for the runtime's
            # /etc/passwd lookups, /lib as on a merged-/usr Debian
            for d in ("dev", "proc", "sys", "etc", "tmp", "out", "usr", "usr/lib",
                      "lib64", "var", "var/cache", "var/cache/tracetree-bpf"):
                add(d, mode=0o1777 if d == "tmp" else 0o755)
            add("lib", tarfile.SYMTYPE, 0o777, "usr/lib")
            add("etc/passwd", tarfile.REGTYPE, 0o644, data=b"root:x:0:0:root:/root:/\n")
            add("etc/group", tarfile.REGTYPE, 0o644, data=b"root:x:0:\n")
            dirs = set()
            for path in sorted(files):
                parts = path.split("/")[:-1]
                for i in range(1, len(parts) + 1):
                    d = "/".join(parts[:i])
                    if d not in dirs and d not in ("usr", "usr/lib", "lib64", "etc", "var",
                                                   "var/cache"):
                        dirs.add(d)
                        add(d)
                ti = tar.gettarinfo(files[path], path)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                with open(files[path], "rb") as f:
                    tar.addfile(ti, f)
        args = ["import"]
        for c in changes:
            args += ["--change", c]
        p = subprocess.run(["podman"] + args + ["-", tag], input=buf.getvalue(),
                           capture_output=True, env=ENV, timeout=300)
        if p.returncode != 0:
            raise TestFailure("podman import exited %d: %s" %
                              (p.returncode, p.stderr.decode(errors="replace")[-3000:]))
        # one test image kept per machine: those of older binaries go
        old = podman("images", "--format", "{{.Repository}}:{{.Tag}}", TEST_IMAGE)
        for t in old.stdout.decode().split():
            if t != tag:
                podman("rmi", t)
        return tag
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def image():
    """The test image, built on first use (seconds), then reused."""
    global _IMAGE
    if isinstance(_IMAGE, Exception):
        raise _IMAGE
    if _IMAGE:
        return _IMAGE
    if not shutil.which("podman") or not shutil.which("runc"):
        _IMAGE = Skip("podman or runc is not installed (make deps)")
        raise _IMAGE
    try:
        _IMAGE = build_test_image()
    except (TestFailure, subprocess.SubprocessError) as e:
        _IMAGE = TestFailure("the test image: %s" % e)
        raise _IMAGE
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


def test_image_daemonset_capabilities_trace_podman_container():
    """Identity from inside the tracer's own container: the image with exactly the DaemonSet's
    capabilities and mounts (host pid namespace) traces curl in ANOTHER podman container, with
    its own pid namespace and its own libssl (test_containers' root filesystem): the LLM span's
    resource has that container's full id, podman as its runtime, and the pid curl has in its
    namespace (process.vpid 1) beside its host pid. The tracer reads the client's cgroup from
    its own cgroup namespace, and its files through /proc/PID/root."""
    from test_containers import BODY, build_rootfs, ROOTFS

    work = Workdir()
    build_rootfs()
    os.makedirs(os.path.join(ROOTFS, "ca"), exist_ok=True)
    cidfile = os.path.join(work.path, "cid")
    with FakeLLM(work) as fake:
        def client():
            p = podman("run", "--rm", "--cgroup-manager", "cgroupfs", "--network", "host",
                       "--cidfile", cidfile, "-v", "%s:/ca/cert.pem:ro" % fake.cafile,
                       "--rootfs", ROOTFS, "/usr/bin/curl", "-s", "--cacert", "/ca/cert.pem",
                       fake.url + "/v1/chat/completions", "-H",
                       "Content-Type: application/json", "-d", BODY, timeout=180)
            if p.returncode != 0:
                raise TestFailure("podman run exited %d: %s" %
                                  (p.returncode, p.stderr.decode(errors="replace")[-1000:]))
            check(b"chatcmpl" in p.stdout, "the fake answered: %r" % p.stdout[:200])
        run_in_container(work, cap_opts(ds_caps()), client)
    cid = open(cidfile).read().strip()
    eq(len(cid), 64, "podman's full id")
    t = otlp.load(os.path.join(work.path, "out", "t.jsonl"))
    calls = [s for s in t.named("chat gpt-4o") if s.resource.get("container.id") == cid]
    eq(len(calls), 1, "one LLM span of the container %s:\n%s" % (cid, t.dump()))
    res = calls[0].resource
    eq(res.get("container.runtime.name"), "podman", "container.runtime.name")
    eq(res.get("process.vpid"), 1, "process.vpid: curl is its namespace's first process")
    check(res.get("process.pid") not in (None, 1), "process.pid is the host's: %r" %
          res.get("process.pid"))
    eq(res.get("process.executable.name"), "curl", "process.executable.name")
