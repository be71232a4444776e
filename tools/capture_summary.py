#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Summarises a `tracetree-bpf --raw` capture (JSON Lines) as a process tree with the HTTP
request and status lines each process sent and received over TLS.

Usage: tools/capture_summary.py RAW.jsonl
A capture-inspection aid; the span tree view of tracetree-bpf itself supersedes it.
"""
import base64
import json
import os
import re
import sys

REQ = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) HTTP/1\.[01]\r\n")
RESP = re.compile(rb"^HTTP/1\.[01] (\d{3})[^\r\n]*\r\n")


def payload(r):
    return r["text"].encode() if "text" in r else base64.b64decode(r.get("base64", ""))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    procs, lines, tls = {}, {}, {}
    for raw in open(sys.argv[1], "rb"):
        r = json.loads(raw)
        pid = r["pid"]
        p = procs.setdefault(pid, {"ppid": None, "exe": r.get("comm", "?"), "argv": [],
                                   "exit": None})
        t = r["type"]
        if t == "fork":
            p["ppid"] = r["ppid"]
        elif t == "exec":
            p["ppid"] = p["ppid"] or r["ppid"]
            p["exe"] = os.path.basename(r["filename"])
            p["argv"] = r["argv"]
        elif t == "exit":
            p["exit"] = r["exit_code"] if not r["signal"] else "signal %d" % r["signal"]
        elif t == "data":
            b = payload(r)
            st = tls.setdefault(pid, [0, 0])
            st[0 if r["dir"] == "write" else 1] += r["len"]
            # message heads start SSL calls in practice: good enough for a summary
            m = REQ.match(b) if r["dir"] == "write" else RESP.match(b)
            if m:
                if r["dir"] == "write":
                    lines.setdefault(pid, []).append("-> %s %s" % (m.group(1).decode(),
                                                                   m.group(2).decode()[:60]))
                else:
                    lines.setdefault(pid, []).append("<- %s" % m.group(1).decode())
    roots = [pid for pid, p in procs.items() if p["ppid"] not in procs]

    def show(pid, depth):
        p = procs[pid]
        argv = " ".join(p["argv"][1:])[:50]
        ex = "" if p["exit"] is None else " exit %s" % p["exit"]
        io = tls.get(pid)
        io_s = " tls %dB out / %dB in" % (io[0], io[1]) if io else ""
        print("%s%s [%d] %s%s%s" % ("  " * depth, p["exe"], pid, argv, ex, io_s))
        for ln in lines.get(pid, []):
            print("%s    %s" % ("  " * depth, ln))
        for c in sorted(k for k, v in procs.items() if v["ppid"] == pid):
            show(c, depth + 1)

    for r in sorted(roots):
        show(r, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
