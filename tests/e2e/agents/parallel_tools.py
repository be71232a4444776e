#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""parallel_tools.py BASE_URL CAFILE [--stream]: an agent that runs the tools of one answer at
once, in the opposite order of the calls, each with an argv list and no shell
(subprocess.Popen), then sends both results back and prints FINAL: the answer. With --stream
it stops reading the first answer at its [DONE] event and closes that connection only after
the tools ran (the end of the response is read late, as streaming clients do)."""
import http.client
import json
import ssl
import subprocess
import sys
import urllib.parse

TOOLS = [{"type": "function", "function": {
    "name": "run_argv", "description": "run a program",
    "parameters": {"type": "object", "properties": {"argv": {"type": "array",
                                                              "items": {"type": "string"}}}}}}]


def connect(base, ctx):
    u = urllib.parse.urlsplit(base)
    return http.client.HTTPSConnection(u.hostname, u.port, context=ctx)


def post(conn, body):
    conn.request("POST", "/v1/chat/completions", json.dumps(body),
                 {"Content-Type": "application/json",
                  "Authorization": "Bearer sk-test-FAKE-tracetree-parallel-0123"})
    return conn.getresponse()


def stream_calls(resp):
    """The tool calls of a streamed answer, read up to its [DONE] event only."""
    calls = {}
    while True:
        line = resp.readline()
        if not line:
            break
        line = line.strip()
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        for d in json.loads(data)["choices"][0]["delta"].get("tool_calls") or []:
            c = calls.setdefault(d["index"], {"id": "", "name": "", "arguments": ""})
            c["id"] = d.get("id") or c["id"]
            f = d.get("function") or {}
            c["name"] = f.get("name") or c["name"]
            c["arguments"] += f.get("arguments") or ""
    return [calls[i] for i in sorted(calls)]


def main():
    base, cafile = sys.argv[1], sys.argv[2]
    stream = "--stream" in sys.argv[3:]
    ctx = ssl.create_default_context(cafile=cafile)
    msgs = [{"role": "user", "content": "run both programs"}]
    conn = connect(base, ctx)
    resp = post(conn, {"model": "gpt-4o-mini", "messages": msgs, "tools": TOOLS,
                       "stream": stream})
    if stream:
        calls = stream_calls(resp)
    else:
        m = json.loads(resp.read())["choices"][0]["message"]
        calls = [{"id": c["id"], "name": c["function"]["name"],
                  "arguments": c["function"]["arguments"]} for c in m["tool_calls"]]
        conn.close()
    # both at once, the last call first
    procs = [(c, subprocess.Popen(json.loads(c["arguments"])["argv"], stdout=subprocess.PIPE))
             for c in reversed(calls)]
    outs = {c["id"]: p.communicate()[0].decode() for c, p in procs}
    if stream:
        conn.close()
    msgs.append({"role": "assistant", "content": None, "tool_calls": [
        {"id": c["id"], "type": "function",
         "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]})
    for c in calls:
        msgs.append({"role": "tool", "tool_call_id": c["id"], "content": outs[c["id"]]})
    conn = connect(base, ctx)
    resp = post(conn, {"model": "gpt-4o-mini", "messages": msgs, "tools": TOOLS})
    answer = json.loads(resp.read())["choices"][0]["message"]["content"]
    conn.close()
    print("FINAL: " + answer)


if __name__ == "__main__":
    main()
