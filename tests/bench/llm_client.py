#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Streaming LLM client workloads for `make bench` (against tools/fake_llm.py over TLS).

  llm_client.py stream URL CAFILE N CONCURRENCY OUT.json
      CONCURRENCY threads, each making N streaming chat completions over one keep-alive
      connection; OUT gets {"wall_s", "cpu_s", "ok", "failed", "bytes"}.
  llm_client.py idle URL CAFILE CONNS HOLD_S READY_FILE
      opens CONNS keep-alive connections, one request each, writes READY_FILE, holds them
      HOLD_S seconds, closes them.
  llm_client.py large URL CAFILE N SIZE OUT.json
      N chat completions in a row over one keep-alive connection, each a request of SIZE bytes
      in the OpenAI Python SDK's order ("model" and 16 tools after a long "messages"), each
      body sent in one SSL write; OUT as for stream.
"""
import http.client
import json
import os
import ssl
import sys
import threading
import time

BODY = json.dumps({"model": "gpt-4o", "stream": True,
                   "messages": [{"role": "user", "content": "Say hello and count to ten."}]})
HDRS = {"Content-Type": "application/json", "Authorization": "Bearer sk-test-FAKE-tracetree-b",
        "Accept": "text/event-stream"}


def connect(url, ctx):
    host, port = url.split("//")[1].split(":")
    return http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)


def one_stream(conn):
    conn.request("POST", "/v1/chat/completions", BODY, HDRS)
    r = conn.getresponse()
    n = 0
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        n += len(chunk)
    return r.status == 200, n


def finish(res, t0, out):
    """Adds wall and CPU time since t0 to res, writes it to out; the exit code."""
    res["wall_s"] = time.monotonic() - t0
    ru = os.times()
    res["cpu_s"] = ru.user + ru.system
    with open(out, "w") as f:
        json.dump(res, f)
    return 0 if not res["failed"] else 1


def stream(url, cafile, n, conc, out):
    ctx = ssl.create_default_context(cafile=cafile)
    res = {"ok": 0, "failed": 0, "bytes": 0}
    lock = threading.Lock()

    def worker():
        conn = connect(url, ctx)
        for _ in range(n):
            try:
                ok, b = one_stream(conn)
            except Exception:  # noqa: BLE001
                ok, b = False, 0
                conn.close()
                conn = connect(url, ctx)
            with lock:
                res["ok" if ok else "failed"] += 1
                res["bytes"] += b
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return finish(res, t0, out)


def idle(url, cafile, conns, hold, ready):
    ctx = ssl.create_default_context(cafile=cafile)
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    open_conns = []
    for _ in range(conns):
        c = connect(url, ctx)
        c.request("POST", "/v1/chat/completions", body, HDRS)
        r = c.getresponse()
        r.read()
        open_conns.append(c)
    with open(ready, "w") as f:
        f.write("%d\n" % len(open_conns))
    time.sleep(hold)
    for c in open_conns:
        c.close()
    return 0


def large_body(size):
    """A chat request of exactly size bytes: messages first, then model and tools."""
    tools = [{"type": "function", "function": {"name": "tool_%02d" % i, "parameters": {}}}
             for i in range(16)]

    def body(pad):
        msgs = [{"role": "system", "content": "You are a coding agent."},
                {"role": "user", "content": ("lorem ipsum dolor sit amet " * (pad // 27 + 1))[:pad]}]
        return json.dumps({"messages": msgs, "model": "gpt-4o-large", "tools": tools}).encode()

    return body(size - len(body(0)))


def large(url, cafile, n, size, out):
    ctx = ssl.create_default_context(cafile=cafile)
    data = large_body(size)
    hdrs = dict(HDRS, Accept="application/json")
    res = {"ok": 0, "failed": 0, "bytes": 0}
    t0 = time.monotonic()
    conn = connect(url, ctx)
    for _ in range(n):
        conn.request("POST", "/v1/chat/completions", data, hdrs)
        r = conn.getresponse()
        res["bytes"] += len(r.read())
        res["ok" if r.status == 200 else "failed"] += 1
    conn.close()
    return finish(res, t0, out)


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "stream":
        return stream(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    if len(sys.argv) == 7 and sys.argv[1] == "idle":
        return idle(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
    if len(sys.argv) == 7 and sys.argv[1] == "large":
        return large(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
