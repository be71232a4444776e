# SPDX-License-Identifier: MIT
"""Privileges and files: -- COMMAND runs as the user who ran sudo (or -u USER), not as root; once
attached the tracer keeps only the capabilities README "Privileges" lists and sets no_new_privs;
its output files are private and not open in COMMAND."""
import grp
import json
import os
import pwd
import stat
import subprocess

from lib import PORT_FILE, PY, TRACER, Server, Workdir, check, eq

USER = "tt-e2e-user"          # made here when missing: an unprivileged user with a group
GROUP = "tt-e2e-group"        # ... of its own besides its primary one

# README "Privileges": CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_PERFMON (38),
# CAP_BPF (39), CAP_CHECKPOINT_RESTORE (40)
# + CAP_KILL (5): SIGCONT to the processes held at exec (not with --no-hold-exec)
KEPT_CAPS = (1 << 2) | (1 << 5) | (1 << 19) | (1 << 21) | (1 << 38) | (1 << 39) | (1 << 40)


def tracee_user():
    """The test user (made once): its passwd entry."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "-r", GROUP], check=True, capture_output=True)
    subprocess.run(["useradd", "-r", "-M", "-d", "/nonexistent-tt", "-s", "/bin/sh",
                    "-G", GROUP, USER], check=True, capture_output=True)
    return pwd.getpwnam(USER)


def sudo_env(pw):
    """The environment sudo gives the tracer when pw ran it."""
    env = dict(os.environ)
    env.update(SUDO_UID=str(pw.pw_uid), SUDO_GID=str(pw.pw_gid), SUDO_USER=pw.pw_name,
               HOME="/root", USER="root", LOGNAME="root", SHELL="/bin/bash")
    return env


def root_env():
    """Root without sudo (as .ci/run runs the tests)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SUDO_")}


def traced(args, cmd, env, cwd=None):
    """The stdout lines of cmd (a shell script) run by the tracer with args."""
    p = subprocess.run([TRACER, "--format", "none"] + args + ["--", "sh", "-c", cmd],
                       capture_output=True, env=env, cwd=cwd, timeout=120)
    eq(p.returncode, 0, "exit status (stderr: %s)" % p.stderr.decode(errors="replace")[-1500:])
    return p.stdout.decode().splitlines()


def shared_dir():
    """A working directory any user may enter."""
    w = Workdir()
    os.chmod(w.path, 0o755)
    return w.path


def test_command_runs_as_sudo_user():
    """sudo tracetree-bpf -- id: the invoking user's uid, gid, groups, HOME, USER, LOGNAME,
    SHELL; the working directory kept."""
    pw = tracee_user()
    groups = sorted(os.getgrouplist(pw.pw_name, pw.pw_gid))
    check(grp.getgrnam(GROUP).gr_gid in groups, "the test user is in %s" % GROUP)
    cwd = shared_dir()
    out = traced([], "id -u; id -g; id -G; echo $HOME; echo $USER; echo $LOGNAME; echo $SHELL; "
                 "pwd; grep ^CapEff /proc/self/status", sudo_env(pw), cwd)
    eq(out[0], str(pw.pw_uid), "id -u")
    eq(out[1], str(pw.pw_gid), "id -g")
    eq(sorted(int(g) for g in out[2].split()), groups, "id -G")
    eq(out[3:7], [pw.pw_dir, USER, USER, pw.pw_shell], "HOME USER LOGNAME SHELL")
    eq(out[7], cwd, "the working directory")
    eq(out[8].split()[1], "0" * 16, "COMMAND holds no capability")


def test_user_option():
    """-u nobody and -u '#UID' choose the user; -u root, or root without sudo, runs as root."""
    nobody = pwd.getpwnam("nobody")
    pw = tracee_user()
    eq(traced(["-u", "nobody"], "id -u; id -G; echo $USER", sudo_env(pw), "/"),
       [str(nobody.pw_uid), " ".join(str(g) for g in
                                     os.getgrouplist("nobody", nobody.pw_gid)), "nobody"],
       "-u nobody: uid, groups, USER")
    eq(traced(["-u", "#54321"], "id -u; id -g; id -G", root_env(), "/"),
       ["54321", "54321", "54321"], "-u '#54321' (no passwd entry)")
    eq(traced(["-u", "root"], "id -u", sudo_env(pw), "/"), ["0"], "-u root under sudo")
    eq(traced([], "id -u", root_env(), "/"), ["0"], "root without sudo")
    p = subprocess.run([TRACER, "-u", "no-such-user-tt", "--", "true"], capture_output=True,
                       env=root_env(), timeout=60)
    eq(p.returncode, 1, "an unknown user is an error")
    check(b"no such user 'no-such-user-tt'" in p.stderr, "said so: %r" % p.stderr[-300:])


def caps(lines, key):
    return [int(line.split()[1], 16) for line in lines if line.startswith(key + ":")][0]


def test_tracer_drops_capabilities():
    """Once attached (COMMAND starts only then) the tracer holds only the documented
    capabilities and no_new_privs; COMMAND run as root keeps all of root's."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    if last < 40:
        want = (1 << 2) | (1 << 5) | (1 << 19) | (1 << 21)  # before 5.9: CAP_SYS_ADMIN
        if last >= 39:
            want |= (1 << 38) | (1 << 39)
    else:
        want = KEPT_CAPS
    mine = caps(open("/proc/self/status").read().splitlines(), "CapEff")
    want &= mine
    out = traced([], "grep -E '^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|NoNewPrivs):' "
                 "/proc/$PPID/status; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status "
                 "| sed s/^/self/", root_env(), "/")
    tracer = [line for line in out if not line.startswith("self")]
    child = [line[4:] for line in out if line.startswith("self")]
    eq("%016x" % caps(tracer, "CapEff"), "%016x" % want, "tracer CapEff")
    eq("%016x" % caps(tracer, "CapPrm"), "%016x" % want, "tracer CapPrm")
    eq(caps(tracer, "CapBnd") & ~want, 0, "bounding set: nothing more")
    eq(caps(tracer, "CapInh") | caps(tracer, "CapAmb"), 0, "nothing inheritable or ambient")
    eq([line.split()[1] for line in tracer if line.startswith("NoNewPrivs")], ["1"],
       "tracer no_new_privs")
    eq("%016x" % caps(child, "CapEff"), "%016x" % mine, "COMMAND as root keeps root's")
    eq([line.split()[1] for line in child if line.startswith("NoNewPrivs")], ["0"],
       "COMMAND without no_new_privs (sudo and setuid programs still work as root)")



def test_every_tracer_thread_drops_capabilities():
    """Capabilities are per thread: the OTLP/HTTP sender, started before the drop, holds none,
    and no thread of the tracer holds more than the documented set."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    mine = caps(open("/proc/self/status").read().splitlines(), "CapEff")
    want = KEPT_CAPS & mine if last >= 40 else mine
    w = Workdir()
    with Server(w, "recv", [PY, RECEIVER, "--port-file", PORT_FILE, "--out",
                            w.file("recv.jsonl")]) as srv:
        out = traced(["--otlp-endpoint", srv.url],
                     "for t in /proc/$PPID/task/*; do echo $(cat $t/comm)"
                     " $(grep -E '^(CapEff|CapPrm|NoNewPrivs):' $t/status | tr -s '\\t' ' ');"
                     " done", root_env(), "/")
    check(len(out) >= 2, "the tracer has its sender thread: %s" % out)
    for line in out:
        f = line.split()
        eff, prm = int(f[f.index("CapEff:") + 1], 16), int(f[f.index("CapPrm:") + 1], 16)
        eq(eff & ~want, 0, "thread %s: CapEff within the kept set (%s)" % (f[0], line))
        eq(prm & ~want, 0, "thread %s: CapPrm within the kept set (%s)" % (f[0], line))
        eq(f[f.index("NoNewPrivs:") + 1], "1", "thread %s: no_new_privs" % f[0])
    eq([line.split()[0] for line in out if "CapEff: 0000000000000000" in line], ["tt-export"],
       "the sender thread holds nothing: %s" % out)


def test_output_files_private():
    """-o, --raw=FILE and --record: created 0600 (an existing file of ours made so), and not
    open in COMMAND."""
    w = Workdir()
    files = [w.file("out.jsonl"), w.file("raw.jsonl"), w.file("rec.cap")]
    with open(files[0], "w") as f:         # exists, readable by all: made private
        f.write("old\n")
    os.chmod(files[0], 0o644)
    old = os.umask(0)
    try:
        out = traced(["-o", files[0], "--raw=" + files[1], "--record", files[2]],
                     "ls -l /proc/$$/fd/", root_env(), "/")
    finally:
        os.umask(old)
    for path in files:
        eq(oct(stat.S_IMODE(os.stat(path).st_mode)), "0o600", "mode of %s" % path)
        check(not any(path in line for line in out), "%s open in COMMAND: %s" % (path, out))
    check(len(out) >= 4, "COMMAND listed its fds: %s" % out)


def test_output_file_symlink_refused():
    """A symlink planted where --record writes is not followed."""
    w = Workdir()
    victim, link = w.file("victim"), w.file("rec.cap")
    with open(victim, "w") as f:
        f.write("keep")
    os.symlink(victim, link)
    p = subprocess.run([TRACER, "--record", link, "--", "true"], capture_output=True,
                       env=root_env(), timeout=60)
    eq(p.returncode, 1, "refused")
    eq(open(victim).read(), "keep", "the symlink's target untouched")


# --- mTLS to the OTLP collector -----------------------------------------------------------

RECEIVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otlp_receiver.py")


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_pki(w):
    """A CA, a server certificate for 127.0.0.1 and a client certificate (CN tt-client) it
    signed, and a second CA that signed nothing of these: {name: path}."""
    f = {k: w.file(k + ".pem") for k in ("ca", "ca_key", "other_ca", "other_ca_key", "srv",
                                         "srv_key", "cli", "cli_key")}
    for ca in ("ca", "other_ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f[ca + "_key"],
                "-out", f[ca], "-days", "2", "-subj", "/CN=tt-test-" + ca)
    ext = w.file("san.ext")
    with open(ext, "w") as e:
        e.write("subjectAltName=IP:127.0.0.1\n")
    for name, cn, extra in (("srv", "127.0.0.1", ["-extfile", ext]), ("cli", "tt-client", [])):
        csr = w.file(name + ".csr")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f[name + "_key"], "-out", csr,
                "-subj", "/CN=" + cn)
        openssl("x509", "-req", "-in", csr, "-CA", f["ca"], "-CAkey", f["ca_key"],
                "-CAcreateserial", "-out", f[name], "-days", "2", *extra)
    os.chmod(f["cli_key"], 0o600)
    return f


def send_spans(w, pki, args, env=None):
    """Runs `-- true` under the tracer exporting to an mTLS receiver (args: its TLS options,
    ENDPOINT standing for the receiver's URL): (the requests received, the tracer's stderr)."""
    out = w.file("received-%d.jsonl" % len(os.listdir(w.path)))
    with Server(w, os.path.basename(out), [PY, RECEIVER, "--port-file", PORT_FILE, "--out", out,
                                           "--tls-cert", pki["srv"], "--tls-key",
                                           pki["srv_key"], "--client-ca", pki["ca"]],
                scheme="https") as srv:
        p = subprocess.run([TRACER, "--format", "none"] +
                           [srv.url if a == "ENDPOINT" else a for a in args] + ["--", "true"],
                           capture_output=True, env=env or root_env(), timeout=120)
        eq(p.returncode, 0, "tracer exit (stderr: %s)" % p.stderr.decode(errors="replace"))
    reqs = [json.loads(line) for line in open(out)] if os.path.exists(out) else []
    return reqs, p.stderr.decode(errors="replace")


def test_otlp_mtls():
    """--otlp-ca, --otlp-cert, --otlp-key (and the OTEL_EXPORTER_OTLP_CERTIFICATE,
    _CLIENT_CERTIFICATE, _CLIENT_KEY variables): spans reach a collector that requires a
    client certificate; without it, or with another CA, nothing is sent."""
    w = Workdir()
    pki = make_pki(w)
    reqs, err = send_spans(w, pki, ["--otlp-endpoint", "ENDPOINT", "--otlp-ca", pki["ca"],
                                    "--otlp-cert", pki["cli"], "--otlp-key", pki["cli_key"]])
    check(reqs, "spans sent with the client certificate (stderr: %s)" % err[-1500:])
    eq({(r["status"], r["client_cn"]) for r in reqs}, {(200, "tt-client")},
       "accepted, from tt-client")

    env = root_env()
    env.update(OTEL_EXPORTER_OTLP_CERTIFICATE=pki["ca"],
               OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE=pki["cli"],
               OTEL_EXPORTER_OTLP_CLIENT_KEY=pki["cli_key"])
    reqs, err = send_spans(w, pki, ["--otlp-endpoint", "ENDPOINT"], env)
    eq({(r["status"], r["client_cn"]) for r in reqs}, {(200, "tt-client")},
       "the same through the environment (stderr: %s)" % err[-1500:])

    reqs, err = send_spans(w, pki, ["--otlp-endpoint", "ENDPOINT", "--otlp-ca", pki["ca"]])
    eq(reqs, [], "no client certificate: refused by the collector")
    reqs, err = send_spans(w, pki, ["--otlp-endpoint", "ENDPOINT", "--otlp-ca",
                                    pki["other_ca"], "--otlp-cert", pki["cli"], "--otlp-key",
                                    pki["cli_key"]])
    eq(reqs, [], "a collector the CA did not sign: not trusted")
    check("tt-test" not in err and "PRIVATE KEY" not in err, "no TLS material logged")


def test_all_mode_probes_a_new_executable():
    """--all: an executable first seen after the capabilities were dropped (node, started after
    the tracer) is probed and its TLS call to the model is an LLM span with the exact tokens
    the server sent. Before, attaching its uprobes failed with EACCES once CAP_SYS_ADMIN was
    dropped, and nothing of it was captured under --all (the DaemonSet's mode)."""
    from lib import FakeLLM
    from test_fidelity_procs import NODE, run_all
    work = Workdir()
    fake = FakeLLM(work)
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=fake.cafile)
    script = ("fetch(process.argv[1] + '/v1/chat/completions', {method: 'POST', headers: "
              "{'content-type': 'application/json'}, body: JSON.stringify({model: "
              "'gpt-4o-mini', messages: [{role: 'user', content: 'hi'}]})})"
              ".then(r => r.json()).then(j => console.log(JSON.stringify(j.usage)))")
    try:
        t, pid, out = run_all(work, [NODE, "-e", script, fake.url], env=env)
    finally:
        fake.stop()
    usage = json.loads(out.strip().splitlines()[-1])
    chats = [s for s in t.spans if s.name.startswith("chat ")]
    eq([c.name for c in chats], ["chat gpt-4o-mini"], "the node process's LLM span")
    eq(chats[0].get("process.pid"), pid, "made by the node process")
    eq((chats[0].get("gen_ai.usage.input_tokens"), chats[0].get("gen_ai.usage.output_tokens")),
       (usage["prompt_tokens"], usage["completion_tokens"]), "tokens: what the server sent")
