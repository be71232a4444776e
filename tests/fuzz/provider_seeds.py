#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes a libFuzzer seed corpus for tests/fuzz/fuzz_provider.c from the provider fixtures.

Seed layout (see the harness): one byte selecting the API target, one byte for the body kind
(0 SSE, 1 NDJSON: split into events by sse.c; 2 plain truncated, 3 plain; the harness takes
them modulo), the request body, a NUL, the response body.
Usage: tests/fuzz/provider_seeds.py OUT_DIR
"""
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# index of the harness's targets[] for a fixture's host and path
TARGETS = [("api.openai.com", "/v1/chat/completions"), ("api.openai.com", "/v1/responses"),
           ("api.openai.com", "/v1/completions"), ("api.openai.com", "/v1/embeddings"),
           ("api.anthropic.com", "/v1/messages"), ("generativelanguage", ":generateContent"),
           ("generativelanguage", ":streamGenerateContent"), ("11434", "/api/chat"),
           ("11434", "/api/generate")]
MORE = {12: ("api.cohere.com", "/v2/chat"), 14: ("api.groq.com", "/chat/completions")}
GENERIC = 13  # a host and path no decoder knows


def selector(prov, meta):
    host, target = meta.get("host", ""), meta.get("target", "")
    if prov == "generic":
        return GENERIC
    for i, (h, t) in list(MORE.items()) + list(enumerate(TARGETS)):
        if h in host and t in target:
            return i
    return 10 if "/v1/chat/completions" in target else 0


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    root = os.path.join(TOP, "tests/fixtures/providers")
    n = 0
    for prov in sorted(os.listdir(root)):
        for case in sorted(os.listdir(os.path.join(root, prov))):
            d = os.path.join(root, prov, case)
            try:
                meta = json.load(open(os.path.join(d, "meta.json")))
                req = open(os.path.join(d, "request.json"), "rb").read()
                resp = open(os.path.join(d, "response.body"), "rb").read()
            except OSError:
                continue
            kind = {"sse": 0, "ndjson": 1}.get(meta.get("response"), 3)
            seed = bytes([selector(prov, meta), kind]) + req.replace(b"\0", b"") + b"\0" + resp
            with open(os.path.join(out, "%s_%s" % (prov, case)), "wb") as f:
                f.write(seed)
            n += 1
    print("%d seeds" % n)


if __name__ == "__main__":
    sys.exit(main())
