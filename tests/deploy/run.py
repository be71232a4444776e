#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Tests of tools/deploy (no root, no cluster): every manifest and the rendered chart through
`kubectl apply --dry-run=client` (against fake_apiserver.py: kubectl needs a server for
discovery even then) and the schema subset of k8s_schema.py; the chart rendered with its
defaults is the DaemonSet of daemonset.yaml; the capabilities of the DaemonSet and of the
systemd unit are the set the tracer keeps; the Collector's pipelines are wired; the systemd unit
passes `systemd-analyze verify`; the Dockerfile's packages are the Makefile's.
Prints 'deploy: N passed, M failed, K skipped'. Usage: tests/deploy/run.py [FILTER]
"""
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
DEPLOY = os.path.join(TOP, "tools", "deploy")
CHART = os.path.join(DEPLOY, "helm", "tracetree-bpf")
sys.path.insert(0, HERE)

import yaml  # noqa: E402

import chart_render  # noqa: E402
import fake_apiserver  # noqa: E402
import k8s_schema  # noqa: E402


class Skip(Exception):
    pass


def load(name):
    with open(os.path.join(DEPLOY, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def obj(docs, kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or
                                                      d["metadata"]["name"] == name)]
    assert len(found) == 1, "%d %s %s" % (len(found), kind, name)
    return found[0]


def tracer_container(ds):
    return obj(ds["spec"]["template"]["spec"]["containers"] and
               [dict(c, kind="c", metadata={"name": c["name"]})
                for c in ds["spec"]["template"]["spec"]["containers"]], "c", "tracetree-bpf")


def chart_docs(**over):
    return chart_render.render(CHART, "tracetree-bpf", "tracetree", over or None)


def kubectl_dry_run(path):
    """kubectl apply --dry-run=client on path: its 'kind/name' lines."""
    if not shutil.which("kubectl"):
        raise Skip("kubectl not installed")
    url, srv = fake_apiserver.start()
    try:
        with tempfile.TemporaryDirectory() as home:
            r = subprocess.run(["kubectl", "--server", url, "apply", "--dry-run=client",
                                "--validate=false", "-o", "name", "-f", path],
                               capture_output=True, text=True, timeout=120,
                               env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                    "HOME": home, "KUBECONFIG": os.path.join(home, "none")})
    finally:
        srv.shutdown()
    assert r.returncode == 0, "kubectl: %s" % r.stderr
    return r.stdout.split()


# ---- kubectl and the schema ----

def test_daemonset_kubectl_dry_run():
    assert kubectl_dry_run(os.path.join(DEPLOY, "daemonset.yaml")) == [
        "namespace/tracetree", "serviceaccount/tracetree-bpf", "daemonset.apps/tracetree-bpf"]


def test_collector_kubectl_dry_run():
    assert kubectl_dry_run(os.path.join(DEPLOY, "otel-collector-k8s.yaml")) == [
        "namespace/tracetree", "serviceaccount/otel-collector",
        "clusterrole.rbac.authorization.k8s.io/tracetree-otel-collector",
        "clusterrolebinding.rbac.authorization.k8s.io/tracetree-otel-collector",
        "configmap/otel-collector", "deployment.apps/otel-collector", "service/otel-collector"]


def test_chart_kubectl_dry_run():
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump_all(chart_docs(), f)
        f.flush()
        assert kubectl_dry_run(f.name) == ["daemonset.apps/tracetree-bpf",
                                           "serviceaccount/tracetree-bpf"]


def test_kubectl_dry_run_refuses_a_broken_manifest():
    """The kubectl step is no formality: a kind the API lacks or an object without a name
    fails it."""
    text = open(os.path.join(DEPLOY, "daemonset.yaml")).read()
    for bad, want in ((text.replace("kind: DaemonSet", "kind: DaemonSett"),
                       'no matches for kind "DaemonSett"'),
                      (text.replace("  name: tracetree-bpf\n  namespace", "  namespace", 1),
                       "resource name may not be empty")):
        assert bad != text
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
            f.write(bad)
            f.flush()
            try:
                kubectl_dry_run(f.name)
            except AssertionError as e:
                assert want in str(e), str(e)
                continue
        raise AssertionError("kubectl accepted: " + want)


def test_manifests_pass_schema():
    for name in ("daemonset.yaml", "otel-collector-k8s.yaml"):
        for d in load(name):
            assert k8s_schema.check(d) == [], "%s: %s" % (name, k8s_schema.check(d))
    for d in chart_docs(captureContent=True, selection=["namespace=agents"],
                        nodeSelector={"kubernetes.io/os": "linux"}):
        assert k8s_schema.check(d) == [], k8s_schema.check(d)


def test_schema_rejects_what_the_api_refuses():
    ds = obj(load("daemonset.yaml"), "DaemonSet")
    cases = [
        (("spec", "template", "spec", "hostPid"), True,
         "DaemonSet.spec.template.spec: unknown field hostPid (PodSpec)"),
        (("spec", "template", "spec", "terminationGracePeriodSeconds"), "30",
         "DaemonSet.spec.template.spec.terminationGracePeriodSeconds: an integer, not '30'"),
        (("spec", "template", "spec", "containers", 0, "resources", "limits", "memory"), "1 GB",
         "DaemonSet.spec.template.spec.containers[0].resources.limits.memory: a quantity, "
         "not '1 GB'"),
        (("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "add",
          0), "CAP_BPF",
         "DaemonSet.spec.template.spec.containers[0].securityContext.capabilities.add[0]: "
         "'CAP_BPF' is not one of"),
        (("spec", "template", "spec", "containers", 0, "securityContext",
          "allowPrivilegeEscalation"), False,
         "tracetree-bpf: allowPrivilegeEscalation false with SYS_ADMIN or privileged"),
        (("spec", "template", "metadata", "labels"), {"app": "x"},
         "DaemonSet: selector app.kubernetes.io/name=tracetree-bpf does not match"),
        (("spec", "template", "spec", "volumes", 0, "name"), "tracefs2",
         "tracetree-bpf: volumeMount tracefs names no volume"),
    ]
    for path, value, want in cases:
        bad = copy.deepcopy(ds)
        cur = bad
        for p in path[:-1]:
            cur = cur[p]
        cur[path[-1]] = value
        errs = k8s_schema.check(bad)
        assert len(errs) == 1 and errs[0].startswith(want), (path, errs)
    bad = copy.deepcopy(ds)
    del bad["spec"]["template"]["spec"]["containers"][0]["name"]
    assert k8s_schema.check(bad) == [
        "DaemonSet.spec.template.spec.containers[0]: name is required"]


# ---- the chart ----

def test_chart_defaults_render_the_daemonset():
    key = lambda d: d["kind"]  # noqa: E731
    want = sorted([d for d in load("daemonset.yaml") if d["kind"] != "Namespace"], key=key)
    assert sorted(chart_docs(), key=key) == want


def test_chart_values():
    ds = obj(chart_docs(captureContent=True, extraArgs=["--trust-traceparent"],
                        selection=["namespace=agents", "exe=*/node"],
                        endpoint="https://collector.example:4318",
                        headersSecret={"name": "otlp", "key": "h"},
                        image={"repository": "registry.example/tt", "tag": "1.2"},
                        nodeSelector={"kubernetes.io/os": "linux"},
                        tolerations=[{"key": "gpu", "operator": "Exists"}],
                        resources={"limits": {"memory": "1Gi"}},
                        targetsCachePath="/var/lib/tt"), "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["args"] == ["--all", "--format", "none", "--otlp-endpoint",
                         "https://collector.example:4318",
                         "--health-addr", "0.0.0.0:9464", "--capture-content", "--select",
                         "namespace=agents", "--select", "exe=*/node", "--trust-traceparent"]
    assert c["image"] == "registry.example/tt:1.2"
    assert c["env"] == [
        {"name": "TT_TARGETS_CACHE", "value": "/var/lib/tt/targets.cache"},
        {"name": "OTEL_EXPORTER_OTLP_HEADERS",
         "valueFrom": {"secretKeyRef": {"name": "otlp", "key": "h", "optional": True}}}]
    # maps merge with the defaults, key by key, as Helm merges values
    requests = tracer_container(obj(load("daemonset.yaml"), "DaemonSet"))["resources"]["requests"]
    assert c["resources"] == {"requests": requests, "limits": {"memory": "1Gi"}}
    assert pod["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["tolerations"] == [{"key": "gpu", "operator": "Exists"}]
    cache = [v for v in pod["volumes"] if v["name"] == "targets-cache"][0]
    assert cache["hostPath"] == {"path": "/var/lib/tt", "type": "DirectoryOrCreate"}
    # content capture is off unless asked for
    args = obj(chart_docs(), "DaemonSet")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--capture-content" not in args
    assert "nodeSelector" not in obj(chart_docs(), "DaemonSet")["spec"]["template"]["spec"]


def test_chart_renderer_refuses_what_it_does_not_know():
    for src in ('{{ include "x" . }}', "{{ if .Values.a }}", "{{ end }}",
                "{{ .Values.a | upper }}"):
        try:
            chart_render.render_template(src, {"a": 1}, {"Name": "n", "Namespace": "s"})
        except chart_render.RenderError:
            continue
        raise AssertionError("rendered: %r" % src)
    assert chart_render.render_template(
        "a:\n  {{- toYaml .Values.m | nindent 2 }}\n{{- range .Values.l }}\n- {{ . | quote }}"
        "\n{{- end }}\n", {"m": {"k": [1, 2]}, "l": ["x", 3]}, {}) == \
        'a:\n  k:\n  - 1\n  - 2\n- "x"\n- "3"\n'


# ---- what the manifests promise ----

def help_caps():
    """The capabilities `tracetree-bpf --help` says the tracer keeps (from src/cli.c)."""
    with open(os.path.join(TOP, "src", "cli.c")) as f:
        src = f.read()
    text = "".join(re.findall(r'^"(.*)"$', src, re.M)).replace("\\n", " ")
    m = re.search(r"keeps only (.*?) and sets no_new_privs", text)
    assert m, "cli.c: the sentence naming the capabilities"
    return sorted(set(re.findall(r"CAP_([A-Z_]+)", m.group(1))))


def test_daemonset_capabilities_are_the_tracers():
    caps = help_caps()
    assert caps == ["BPF", "CHECKPOINT_RESTORE", "DAC_READ_SEARCH", "KILL", "PERFMON",
                    "SYS_ADMIN", "SYS_PTRACE"]
    c = tracer_container(obj(load("daemonset.yaml"), "DaemonSet"))
    sc = c["securityContext"]
    # and SETPCAP, to drop the others from the bounding set (privs.c drop_to)
    assert sorted(sc["capabilities"]["add"]) == sorted(caps + ["SETPCAP"])
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert sc["privileged"] is False
    with open(os.path.join(DEPLOY, "tracetree-bpf.service")) as f:
        unit = f.read().replace("\\\n", " ")
    bset = re.search(r"^CapabilityBoundingSet=(.*)$", unit, re.M).group(1).split()
    assert sorted(bset) == sorted("CAP_" + x for x in caps + ["SETPCAP"])


def test_daemonset_node_access():
    ds = obj(load("daemonset.yaml"), "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    assert pod["hostPID"] is True
    assert pod["tolerations"] == [{"operator": "Exists"}]
    assert pod["terminationGracePeriodSeconds"] == 30
    c = tracer_container(ds)
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in pod["volumes"]}
    for path in ("/sys/kernel/tracing", "/sys/kernel/debug", "/sys/kernel/btf"):
        assert mounts[path].get("readOnly") is True, path
        assert vols[mounts[path]["name"]]["hostPath"] == {"path": path, "type": "Directory"}
    cache = [e for e in c["env"] if e["name"] == "TT_TARGETS_CACHE"][0]["value"]
    m = mounts[os.path.dirname(cache)]
    assert vols[m["name"]]["hostPath"]["type"] == "DirectoryOrCreate"
    assert not m.get("readOnly")
    assert "/proc" not in mounts  # with hostPID the container's /proc is the host's
    # the probes on --health-addr's port, named "metrics"
    assert c["ports"] == [{"name": "metrics", "containerPort": 9464, "protocol": "TCP"}]
    i = c["args"].index("--health-addr")
    assert c["args"][i + 1] == "0.0.0.0:9464"
    for p in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[p]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    # liveness starts once startup has passed: no initial delay of its own
    assert "initialDelaySeconds" not in c["livenessProbe"]
    res = c["resources"]
    assert set(res) == {"requests", "limits"} and "memory" in res["limits"]


def procid_state_dirs():
    """The directories above the container ids in src/procid.c's OCI config paths."""
    with open(os.path.join(TOP, "src", "procid.c")) as f:
        src = f.read()
    table = re.search(r"oci_paths\[\] = \{(.*?)\};", src, re.S)
    assert table, "procid.c: the table of OCI config paths"
    paths = re.findall(r'"([^"]*)"', table.group(1))
    assert len(paths) == 2 and all("/%s/" in p for p in paths), paths
    return [p.split("/%s/")[0] for p in paths]


def covering_mount(mounts, path):
    """The mount whose mountPath is path or one of its parent directories, or None."""
    for mp, m in mounts.items():
        if path == mp or path.startswith(mp.rstrip("/") + "/"):
            return m
    return None


def test_daemonset_runtime_state_mounts():
    """The runtimes' state is mounted read-only where procid reads the OCI configs."""
    dirs = procid_state_dirs()
    assert dirs == ["/run/containerd/io.containerd.runtime.v2.task/k8s.io",
                    "/var/run/containers/storage/overlay-containers"]
    for docs in (load("daemonset.yaml"), chart_docs()):
        pod = obj(docs, "DaemonSet")["spec"]["template"]["spec"]
        c = tracer_container(obj(docs, "DaemonSet"))
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        vols = {v["name"]: v for v in pod["volumes"]}
        for d in dirs:
            m = covering_mount(mounts, d)
            assert m, "no mount covers %s" % d
            assert m.get("readOnly") is True, d
            # no private copy of the bundles' rootfs and shm mounts
            assert m.get("mountPropagation") == "HostToContainer", d
            assert vols[m["name"]]["hostPath"] == {"path": m["mountPath"],
                                                   "type": "DirectoryOrCreate"}, d
    # the chart: another host directory, mounted where procid reads; or none
    pod = obj(chart_docs(runtimeState={"containerd": "/run/k3s/containerd/"
                                       "io.containerd.runtime.v2.task"}),
              "DaemonSet")["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    m = covering_mount(mounts, dirs[0])
    assert vols[m["name"]]["hostPath"]["path"] == \
        "/run/k3s/containerd/io.containerd.runtime.v2.task"
    assert covering_mount(mounts, dirs[1])["mountPath"] == "/var/run/containers/storage"
    pod = obj(chart_docs(runtimeState={"containerd": "", "crio": ""}),
              "DaemonSet")["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert not any(covering_mount(mounts, d) for d in dirs)
    assert not {"containerd-state", "crio-state"} & {v["name"] for v in pod["volumes"]}


def test_daemonset_exports_to_the_collector_service():
    c = tracer_container(obj(load("daemonset.yaml"), "DaemonSet"))
    # the spans to the Collector only: stdout (the pod's log) is no terminal, the tracer would
    # write them there too as JSON lines
    assert c["args"][:3] == ["--all", "--format", "none"]
    url = c["args"][c["args"].index("--otlp-endpoint") + 1]
    m = re.fullmatch(r"http://([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)", url)
    assert m, url
    col = load("otel-collector-k8s.yaml")
    svc = obj(col, "Service", m.group(1))
    assert svc["metadata"]["namespace"] == m.group(2)
    port = [p for p in svc["spec"]["ports"] if p["port"] == int(m.group(3))][0]
    dep = obj(col, "Deployment", "otel-collector")
    cports = {p["name"]: p["containerPort"]
              for p in dep["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert cports[port["targetPort"]] == 4318
    assert svc["spec"]["selector"] == dep["spec"]["template"]["metadata"]["labels"]
    # the Collector's OTLP/HTTP receiver listens there
    cfg = load("otel-collector.yaml")[0]
    assert cfg["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"


# ---- the Collector ----

def test_collector_pipelines_are_wired():
    cfg = load("otel-collector.yaml")[0]
    svc = cfg["service"]
    assert set(svc["pipelines"]) == {"traces"}
    for pipe in svc["pipelines"].values():
        for part in ("receivers", "processors", "exporters"):
            assert pipe[part], part
            for name in pipe[part]:
                assert name in cfg[part], "%s %s is not defined" % (part, name)
    for name in svc.get("extensions", []):
        assert name in cfg["extensions"], name
    t = svc["pipelines"]["traces"]
    assert t == {"receivers": ["otlp"], "processors": ["memory_limiter", "k8sattributes",
                                                       "batch"], "exporters": ["otlp"]}
    assert cfg["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
    k8s = cfg["processors"]["k8sattributes"]
    assert k8s["pod_association"] == [
        {"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]},
        {"sources": [{"from": "resource_attribute", "name": "container.id"}]}]
    for a in ("k8s.pod.name", "k8s.namespace.name", "k8s.container.name",
              "k8s.deployment.name"):
        assert a in k8s["extract"]["metadata"], a
    assert k8s["extract"]["labels"] == [
        {"tag_name": "k8s.pod.label.$$1", "key_regex": "(.*)", "from": "pod"}]
    # the same configuration in the Collector's ConfigMap
    cm = obj(load("otel-collector-k8s.yaml"), "ConfigMap", "otel-collector")
    assert yaml.safe_load(cm["data"]["config.yaml"]) == cfg
    # its RBAC: what k8sattributes watches
    role = obj(load("otel-collector-k8s.yaml"), "ClusterRole")
    assert {(g, r) for rule in role["rules"] for g in rule["apiGroups"]
            for r in rule["resources"]} == {("", "pods"), ("", "namespaces"),
                                            ("apps", "replicasets")}


# ---- the systemd unit ----

def test_systemd_unit_verifies():
    if not shutil.which("systemd-analyze"):
        raise Skip("systemd-analyze not installed")
    with open(os.path.join(DEPLOY, "tracetree-bpf.service")) as f:
        unit = f.read()
    assert "\nExecStart=/usr/local/bin/tracetree-bpf --all --format none " in unit
    assert "\nEnvironmentFile=/etc/tracetree-bpf/tracetree-bpf.env\n" in unit
    assert "\nRestart=on-failure\n" in unit
    with tempfile.TemporaryDirectory() as d:
        # verify checks that ExecStart is executable: any executable stands in for the
        # installed binary
        unit = unit.replace("/usr/local/bin/tracetree-bpf", "/bin/true")
        path = os.path.join(d, "tracetree-bpf.service")
        with open(path, "w") as f:
            f.write(unit)
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True,
                           text=True, timeout=120, cwd=d)
        assert r.returncode == 0 and r.stderr == "" and r.stdout == "", (r.returncode,
                                                                          r.stderr)
        # and verify does find a fault: the check is not vacuous
        with open(path, "w") as f:
            f.write(unit.replace("Restart=on-failure", "Restart=bogus"))
        r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True,
                           text=True, timeout=120, cwd=d)
        assert "Failed to parse service restart specifier" in r.stderr, r.stderr


# ---- the image ----

# what the binary links (Makefile LDLIBS) -> the Debian 12 package that ships it
RUNTIME_PKG = {"bpf": "libbpf1", "elf": "libelf1", "z": "zlib1g", "deflate": "libdeflate0",
               "cjson": "libcjson1", "brotlidec": "libbrotli1", "brotlienc": "libbrotli1",
               "zstd": "libzstd1", "nghttp2": "libnghttp2-14", "curl": "libcurl4",
               "m": "libc6"}


def test_dockerfile_packages_are_the_makefiles():
    with open(os.path.join(TOP, "Makefile")) as f:
        mk = f.read().replace("\\\n", " ")
    deps = set(re.search(r"^DEBIAN_DEPS := (.*)$", mk, re.M).group(1).split())
    libs = re.search(r"^LDLIBS := (.*)$", mk, re.M).group(1).split()
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        df = f.read()
    lines = df.replace("\\\n", " ").split("\n")
    assert lines.index("ARG BASE=debian:12") < min(
        i for i, l in enumerate(lines) if l.startswith("FROM "))
    froms = [l for l in lines if l.startswith("FROM ")]
    assert froms == ["FROM ${BASE} AS build", "FROM ${BASE}"], froms
    installs = [set(re.search(r"--no-install-recommends (.*?)>", l).group(1).split())
                for l in lines if "apt-get" in l and "install" in l]
    assert len(installs) == 2
    build, run = installs
    assert build <= deps, build - deps
    for lib in libs:
        assert lib.startswith("-l")
        pkg = RUNTIME_PKG[lib[2:]]
        assert pkg == "libc6" or pkg in run, (lib, pkg)
    # capstone is opened with dlopen (disasm.c): its headers to build, its library to run
    with open(os.path.join(TOP, "src", "disasm.c")) as f:
        assert '"libcapstone.so.4"' in f.read()
    assert "libcapstone-dev" in build and "libcapstone4" in run
    # no compiler or -dev package in the run stage
    assert not [p for p in run if p.endswith("-dev") or p in ("clang", "llvm", "gcc")]
    assert "COPY --from=build /out/usr/local/ /usr/local/" in df
    assert 'ENTRYPOINT ["/usr/local/bin/tracetree-bpf"]' in df


def test_image_context_is_what_the_dockerfile_copies():
    with open(os.path.join(DEPLOY, "Dockerfile")) as f:
        copies = set()
        for line in f:
            w = line.split()
            if w and w[0] == "COPY" and not w[1].startswith("--from"):
                copies.update(x.rstrip("/") for x in w[1:-1])
    assert copies == {"Makefile", "bpf", "include", "src", "vmlinux", "tools/tls-targets.conf",
                      "tools/check_cycles.sh"}, copies
    with open(os.path.join(DEPLOY, "Dockerfile.dockerignore")) as f:
        lines = [x.strip() for x in f if x.strip() and not x.startswith("#")]
    assert lines[0] == "*" and {x[1:] for x in lines[1:] if x.startswith("!")} == copies
    # build-image.sh's context and hash: the same files and the Dockerfile
    with open(os.path.join(DEPLOY, "build-image.sh")) as f:
        sh = f.read().replace("\\\n", " ")
    files = re.search(r"ls-files -co --exclude-standard -- (.*?) \|", sh).group(1).split()
    assert set(files) == copies | {"tools/deploy/Dockerfile"}, files


def main():
    flt = sys.argv[1] if len(sys.argv) > 1 else None
    tests = [(n[5:], f) for n, f in sorted(globals().items())
             if n.startswith("test_") and callable(f) and (not flt or flt in n)]
    passed = failed = skipped = 0
    for i, (name, fn) in enumerate(tests, 1):
        try:
            fn()
        except Skip as e:
            skipped += 1
            print("#%d deploy/%s: SKIP (%s)" % (i, name, e))
        except Exception:  # noqa: BLE001
            failed += 1
            print("#%d deploy/%s: FAIL" % (i, name))
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print("#%d deploy/%s: OK" % (i, name))
    print("deploy: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
