# SPDX-License-Identifier: MIT
"""TLS without OpenSSL symbols: Bun's static BoringSSL (signature tier), OpenSSL linked
statically and stripped (anchor tier: helpers/tls/static_ssl_client.c against libssl.a), Go
crypto/tls (.gopclntab, RET probes), GnuTLS and NSS (tstclnt: NSPR's PR_Write/PR_Read,
libnspr4 probed when the process opens it) by symbol. Exact request and response bytes, both
directions.

Packages come from `make deps`: npm packages under $TT_NPM_DIR (default .output/npm, one
directory per package version, e.g. bun-1.3.14/node_modules/@oven/bun-linux-x64/bin/bun),
Debian golang-go, gnutls-bin and libnss3-tools. A missing one makes its test SKIP with the
reason."""
import json
import os
import shutil
import subprocess

from lib import (TOP, TRACER, FakeLLM, Skip, Workdir, by_type, check, check_one_conn, eq, execs,
                 raw_with_server, read_raw, streams)

NPM_DIR = os.environ.get("TT_NPM_DIR") or os.path.join(TOP, ".output", "npm")
BUN_VERSIONS = ("1.3.14", "1.4.5")

BUN_FETCH = """
const [url, body] = process.argv.slice(2);
const init = { tls: { rejectUnauthorized: false } };
if (body !== undefined) {
  init.method = "POST";
  init.body = body;
  init.headers = { "content-type": "application/json" };
}
const r = await fetch(url, init);
const b = await r.arrayBuffer();
console.log(b.byteLength);
"""


def bun_path(version):
    p = os.path.join(NPM_DIR, "bun-" + version, "node_modules", "@oven", "bun-linux-x64",
                     "bin", "bun")
    if not os.access(p, os.X_OK):
        raise Skip("bun %s not installed (npm @oven/bun-linux-x64@%s under %s; make deps)"
                   % (version, version, NPM_DIR))
    return p


def check_capture(recs, ex, exe_base, src, n_exchanges=1, lib=None):
    """The traced process's streams equal what the server saw: one connection, exact bytes;
    lib: the library the records name (the OpenSSL API's owner), if given."""
    eq(len(ex), n_exchanges, "server exchanges")
    want_req = b"".join(e[0] for e in ex)
    want_resp = b"".join(e[1] for e in ex)
    procs = execs(recs, exe_base)
    check(len(procs) >= 1, "an exec of %s" % exe_base)
    pid, _ = check_one_conn(recs, {p["pid"] for p in procs}, want_req, want_resp)
    data = [r for r in by_type(recs, "data") if r["pid"] == pid]
    check(all(r["src"] == src for r in data), "records come from %s" % src)
    if lib is not None:
        eq(sorted({r.get("lib") for r in data}), [lib], "the library the records name")


def bun_capture(version, path, body=None):
    bun = bun_path(version)
    work = Workdir()
    script = work.file("fetch.mjs")
    with open(script, "w") as f:
        f.write(BUN_FETCH)
    recs, ex, _ = raw_with_server(work, lambda srv: [bun, script, srv.url + path] +
                               ([body] if body is not None else []), timeout=120)
    check_capture(recs, ex, "bun", "ssl", lib="boringssl")


def test_bun_1_3_get_100b():
    bun_capture(BUN_VERSIONS[0], "/bytes/100")


def test_bun_1_3_post():
    bun_capture(BUN_VERSIONS[0], "/upload", '{"model":"m","messages":["%s"]}' % ("x" * 3000))


def test_bun_1_3_get_1mib():
    bun_capture(BUN_VERSIONS[0], "/bytes/%d" % (1 << 20))


def test_bun_1_4_get_100b():
    bun_capture(BUN_VERSIONS[1], "/bytes/100")


def test_bun_1_4_post():
    bun_capture(BUN_VERSIONS[1], "/upload", '{"model":"m","messages":["%s"]}' % ("y" * 5000))


def test_bun_1_4_get_1mib():
    bun_capture(BUN_VERSIONS[1], "/bytes/%d" % (1 << 20))


_GO_BUILDS = {}


def go_client(stripped):
    """tests/e2e/helpers/go/tlsget.go built with Debian's go (cached per run)."""
    if stripped in _GO_BUILDS:
        return _GO_BUILDS[stripped]
    go = shutil.which("go") or ("/usr/lib/go/bin/go" if os.path.exists("/usr/lib/go/bin/go")
                                else None)
    if not go:
        raise Skip("go not installed (Debian golang-go; make deps)")
    work = Workdir()
    out = work.file("tlsget" + (".stripped" if stripped else ""))
    env = dict(os.environ, GOCACHE=work.file("gocache"), GOPATH=work.file("gopath"),
               GOFLAGS="-mod=mod", GO111MODULE="off", CGO_ENABLED="0")
    cmd = [go, "build", "-o", out]
    if stripped:
        cmd += ["-ldflags=-s -w"]
    cmd.append(os.path.join(TOP, "tests/e2e/helpers/go/tlsget.go"))
    p = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    if p.returncode:
        raise AssertionError("go build: %s" % p.stderr.decode()[-2000:])
    _GO_BUILDS[stripped] = out
    return out


def go_capture(path, body=None, stripped=False):
    client = go_client(stripped)
    recs, ex, _ = raw_with_server(Workdir(), lambda srv: [client, srv.url + path] +
                               ([body] if body is not None else []), timeout=120)
    check_capture(recs, ex, os.path.basename(client), "gotls")


def test_go_get_100b():
    go_capture("/bytes/100")


def test_go_get_1mib():
    go_capture("/bytes/%d" % (1 << 20))


def test_go_post():
    go_capture("/upload", '{"input":"%s"}' % ("z" * 20000))


def test_go_stripped_get_1mib():
    go_capture("/bytes/%d" % (1 << 20), stripped=True)


def stdin_client_capture(size, shell, exe_base, src, work=None):
    """A command-line TLS client fed a GET of /bytes/SIZE on stdin (shell: a format taking the
    request file, the port and the output file), under the tracer: exact bytes."""
    work = work or Workdir()
    req = work.file("req.txt")
    with open(req, "wb") as f:
        f.write(b"GET /bytes/%d HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tt-e2e\r\n\r\n" % size)
    recs, ex, _ = raw_with_server(work, lambda srv: ["/bin/sh", "-c", shell % (
        req, srv.port, work.file("resp.bin"))], timeout=120)
    check_capture(recs, ex, exe_base, src)


def gnutls_capture(size):
    cli = shutil.which("gnutls-cli")
    if not cli:
        raise Skip("gnutls-cli not installed (Debian gnutls-bin; make deps)")
    # the server keeps the connection open: a shell holds stdin open long enough for the
    # response, then closes it so gnutls-cli sends close_notify and exits
    stdin_client_capture(size, "(cat %%s; sleep 2) | %s --insecure --logfile=/dev/null -p %%d "
                         "127.0.0.1 >%%s" % cli, "gnutls-cli", "gnutls")


def test_gnutls_cli_100b():
    gnutls_capture(100)


_STATIC_SSL = None


def static_ssl_client():
    """tests/e2e/helpers/tls/static_ssl_client.c linked against libssl.a and stripped."""
    global _STATIC_SSL
    if _STATIC_SSL:
        return _STATIC_SSL
    if not os.path.exists("/usr/lib/x86_64-linux-gnu/libssl.a"):
        raise Skip("no static libssl.a (Debian libssl-dev; make deps)")
    work = Workdir()
    out = work.file("static_ssl_client")
    p = subprocess.run(["cc", "-O2", "-static", "-o", out,
                        os.path.join(TOP, "tests/e2e/helpers/tls/static_ssl_client.c"),
                        "-lssl", "-lcrypto", "-pthread"], capture_output=True)
    if p.returncode:
        raise AssertionError("building static_ssl_client: %s" % p.stderr.decode()[-2000:])
    subprocess.run(["strip", out], check=True)
    syms = subprocess.run(["nm", out], capture_output=True)
    check(b"no symbols" in syms.stderr, "the client is stripped: %r" % syms.stderr)
    _STATIC_SSL = out
    return out


def static_ssl_capture(path, body=b""):
    """OpenSSL linked statically and stripped: found by the record layer's anchors
    (tools/tls-targets.conf: openssl-record, before the ssl_*_internal ones)."""
    client = static_ssl_client()
    work = Workdir()
    req = work.file("req.txt")
    with open(req, "wb") as f:
        f.write(b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" %
                (b"POST" if body else b"GET", path.encode(), len(body)) + body)
    size = int(path.rsplit("/", 1)[1]) if path.startswith("/bytes/") else len(body)
    want = len(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
               % (size if path.startswith("/bytes/") else len(b"received %d bytes\n" % size))) \
        + (size if path.startswith("/bytes/") else len(b"received %d bytes\n" % size))
    recs, ex, p = raw_with_server(work, lambda srv: [client, str(srv.port), req, str(want)],
                                  args=["-v"], timeout=120)
    check(b"openssl-record" in p.stderr,
          "found by the record layer's anchor set: %s" % p.stderr.decode()[-1500:])
    check_capture(recs, ex, "static_ssl_client", "ssl", lib="openssl")


def test_static_openssl_get_1mib():
    static_ssl_capture("/bytes/%d" % (1 << 20))


def test_static_openssl_post():
    static_ssl_capture("/upload", b'{"input":"%s"}' % (b"s" * 30000))


def nss_capture(size):
    """NSS's tstclnt (Debian libnss3-tools): NSPR PR_Write/PR_Read on its SSL layer."""
    cli = shutil.which("tstclnt")
    certutil = shutil.which("certutil")
    if not cli or not certutil:
        raise Skip("tstclnt not installed (Debian libnss3-tools; make deps)")
    work = Workdir()
    db = work.file("nssdb")
    os.mkdir(db)
    subprocess.run([certutil, "-N", "-d", "sql:" + db, "--empty-password"], check=True,
                   capture_output=True)
    # tstclnt sends stdin and prints what comes back, but does not exit at the end of stdin:
    # it is stopped once the response is in (the server keeps the connection open)
    stdin_client_capture(size, "(cat %%s; sleep 3) | timeout 4 %s -h 127.0.0.1 -p %%d -d sql:%s "
                         "-o -4 >%%s 2>/dev/null; true" % (cli, db), "tstclnt", "nss", work)


def test_nss_tstclnt_100b():
    nss_capture(100)


def test_nss_tstclnt_256kib():
    nss_capture(256 << 10)


def test_gnutls_cli_256kib():
    gnutls_capture(256 << 10)


def http_messages(data):
    """Splits an HTTP/1.1 byte stream into (head, body) pairs (Content-Length or chunked)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        check(sep, "complete HTTP head in %r" % data[:80])
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            fields[k.strip().lower()] = v.strip()
        if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while True:
                size_line, _, rest = rest.partition(b"\r\n")
                n = int(size_line.split(b";")[0], 16)
                if n == 0:
                    _, _, rest = rest.partition(b"\r\n")
                    break
                body += rest[:n]
                rest = rest[n + 2:]
        else:
            n = int(fields.get(b"content-length", b"0"))
            body, rest = rest[:n], rest[n:]
        out.append((head, fields, body))
        data = rest
    return out


def sse_events(body):
    events = []
    for block in body.decode().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


CLAUDE_SCRIPT = {
    "steps": [{"tool_calls": [{"name": "Bash", "arguments": {
        "command": "echo tt-e2e-marker", "description": "print a marker"}}]}],
    "final_text": "Done: {result}",
}


def test_claude_code_print_mode_bash_tool():
    """Claude Code (Bun, stripped BoringSSL) against the fake Anthropic API: both requests and
    both SSE answers captured, equal to what the server parsed; the Bash tool's process seen."""
    claude = os.path.join(NPM_DIR, "claude-code", "node_modules", "@anthropic-ai",
                          "claude-code-linux-x64", "claude")
    if not os.access(claude, os.X_OK):
        raise Skip("Claude Code not installed (npm @anthropic-ai/claude-code under %s/"
                   "claude-code; make deps)" % NPM_DIR)
    work = Workdir()
    with FakeLLM(work, script=CLAUDE_SCRIPT) as fake:
        home = work.file("home")
        os.mkdir(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home,
               "ANTHROPIC_BASE_URL": fake.url,
               "ANTHROPIC_API_KEY": "sk-test-FAKE-tracetree-claude",
               "NODE_EXTRA_CA_CERTS": fake.cafile,
               "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1",
               "DISABLE_ERROR_REPORTING": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
        out = work.file("raw.jsonl")
        p = subprocess.run([TRACER, "--raw=" + out, "--", claude, "-p", "run the marker",
                            "--allowedTools", "Bash", "--model", "claude-sonnet-4-5"],
                           env=env, capture_output=True, timeout=180)
        eq(p.returncode, 0, "tracer exit (stderr %s)" % p.stderr.decode()[-500:])
        check(b"Done: tt-e2e-marker" in p.stdout, "claude answered with the tool result")
        recs = read_raw(out)
    logged = fake.requests()
    eq(len(logged), 2, "two LLM calls")
    st = streams(recs)
    writes = {k: v for k, v in st.items() if k[2] == "write" and b"/v1/messages" in v}
    eq(len(writes), 1, "one connection carries the API calls (streams %s)" % list(st))
    key = list(writes)[0]
    reqs = http_messages(writes[key])
    eq(len(reqs), 2, "two requests on the connection")
    for (head, fields, body), want in zip(reqs, logged):
        eq(head.split(b"\r\n")[0], b"POST %s HTTP/1.1" % want["path"].encode(), "request line")
        eq(json.loads(body), want["body"], "request body as the server parsed it")
        eq(fields[b"x-api-key"], b"sk-test-FAKE-tracetree-claude", "api key header captured")
    resps = http_messages(st[(key[0], key[1], "read")])
    eq(len(resps), 2, "two responses")
    ev1, ev2 = sse_events(resps[0][2]), sse_events(resps[1][2])
    tool = [e["content_block"] for e in ev1 if e["type"] == "content_block_start"
            and e["content_block"]["type"] == "tool_use"]
    eq([(t["id"], t["name"]) for t in tool], [("toolu_01", "Bash")], "tool call asked for")
    text = "".join(e["delta"]["text"] for e in ev2 if e["type"] == "content_block_delta"
                   and e["delta"]["type"] == "text_delta")
    eq(text, "Done: tt-e2e-marker", "final answer text")
    eq(ev2[-1]["type"], "message_stop", "second stream complete")
    pid = key[0]
    kids = [r for r in by_type(recs, "exec") if os.path.basename(r["filename"]) == "bash"]
    tool_runs = [r for r in kids if r["ppid"] == pid and r["argv"][:2] == ["/bin/bash", "-c"]
                 and "echo tt-e2e-marker" in r["argv"][-1]]
    eq(len(tool_runs), 1, "the Bash tool ran once, as a child of claude")
    check(all(r["src"] == "ssl" for r in by_type(recs, "data") if r["pid"] == pid),
          "BoringSSL through the SSL_* programs")
