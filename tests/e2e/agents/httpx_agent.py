#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A two-turn tool loop over httpx (Debian python3-httpx): OpenAI chat or Anthropic messages,
JSON or streaming (SSE).

    httpx_agent.py --base-url URL --cafile F --provider openai|anthropic [--stream] [--model M]

Turn 1 offers run_command and gets a tool call; the command runs with /bin/sh -c; turn 2 sends
the result back with the call id and prints the final answer. Exit 0 on a final answer."""
import argparse
import json
import subprocess
import sys

import httpx

FAKE_API_KEY = "sk-test-FAKE-tracetree-httpx-0123456789abcdef"   # not a real key, on purpose
PROMPT = "List the files in /tmp and tell me the first one."
TOOL_DESC = "Run a shell command with /bin/sh and return its output."
TOOL_PARAMS = {"type": "object", "properties": {"command": {"type": "string"}},
               "required": ["command"]}


def _lines(resp):
    """The body's lines, blank ones included (httpx 0.23's iter_lines drops them)."""
    buf = ""
    for text in resp.iter_text():
        buf += text
        while True:
            i = buf.find("\n")
            if i < 0:
                break
            yield buf[:i].rstrip("\r")
            buf = buf[i + 1:]
    if buf:
        yield buf.rstrip("\r")


def sse_events(resp):
    """(event, data) pairs of an SSE body."""
    event, data = None, []
    for line in _lines(resp):
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, "\n".join(data)


def openai_turn(client, args, messages):
    body = {"model": args.model, "messages": messages,
            "tools": [{"type": "function", "function": {"name": "run_command",
                                                        "description": TOOL_DESC,
                                                        "parameters": TOOL_PARAMS}}]}
    headers = {"Authorization": "Bearer " + FAKE_API_KEY}
    if not args.stream:
        r = client.post("/v1/chat/completions", json=body, headers=headers)
        r.raise_for_status()
        msg = r.json()["choices"][0]["message"]
        calls = [(c["id"], c["function"]["name"], c["function"]["arguments"])
                 for c in msg.get("tool_calls") or []]
        return msg.get("content") or "", calls
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    text, calls = "", {}
    with client.stream("POST", "/v1/chat/completions", json=body, headers=headers) as r:
        r.raise_for_status()
        for _, data in sse_events(r):
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            for ch in chunk.get("choices") or []:
                d = ch.get("delta") or {}
                text += d.get("content") or ""
                for tc in d.get("tool_calls") or []:
                    c = calls.setdefault(tc["index"], ["", "", ""])
                    c[0] = tc.get("id") or c[0]
                    f = tc.get("function") or {}
                    c[1] = f.get("name") or c[1]
                    c[2] += f.get("arguments") or ""
    return text, [tuple(calls[k]) for k in sorted(calls)]


def anthropic_turn(client, args, messages):
    body = {"model": args.model, "max_tokens": 1024, "messages": messages,
            "tools": [{"name": "run_command", "description": TOOL_DESC,
                       "input_schema": TOOL_PARAMS}]}
    headers = {"x-api-key": FAKE_API_KEY, "anthropic-version": "2023-06-01"}
    if not args.stream:
        r = client.post("/v1/messages", json=body, headers=headers)
        r.raise_for_status()
        content = r.json()["content"]
    else:
        body["stream"] = True
        content = []
        with client.stream("POST", "/v1/messages", json=body, headers=headers) as r:
            r.raise_for_status()
            for event, data in sse_events(r):
                ev = json.loads(data)
                if ev["type"] == "content_block_start":
                    b = dict(ev["content_block"])
                    if b["type"] == "tool_use":
                        b["partial"] = ""
                    content.append(b)
                elif ev["type"] == "content_block_delta":
                    d = ev["delta"]
                    if d["type"] == "text_delta":
                        content[ev["index"]]["text"] += d["text"]
                    elif d["type"] == "input_json_delta":
                        content[ev["index"]]["partial"] += d["partial_json"]
        for b in content:
            if b["type"] == "tool_use":
                b["input"] = json.loads(b.pop("partial") or "{}")
    text = "".join(b.get("text", "") for b in content if b["type"] == "text")
    calls = [(b["id"], b["name"], json.dumps(b["input"])) for b in content
             if b["type"] == "tool_use"]
    return text, calls, content


def run_tool(arguments):
    cmd = json.loads(arguments)["command"]
    p = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True)
    return p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--provider", choices=["openai", "anthropic"], default="openai")
    ap.add_argument("--model")
    ap.add_argument("--stream", action="store_true")
    args = ap.parse_args()
    args.model = args.model or ("gpt-4o-mini" if args.provider == "openai"
                                else "claude-sonnet-4-5")
    with httpx.Client(base_url=args.base_url, verify=args.cafile, http2=False,
                      timeout=30) as client:
        if args.provider == "openai":
            messages = [{"role": "user", "content": PROMPT}]
            _, calls = openai_turn(client, args, messages)
            if not calls:
                sys.exit("httpx_agent: no tool call")
            messages.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
                for i, n, a in calls]})
            for i, n, a in calls:
                print("tool> %s %s id=%s" % (n, a, i))
                messages.append({"role": "tool", "tool_call_id": i, "content": run_tool(a)})
            text, _ = openai_turn(client, args, messages)
        else:
            messages = [{"role": "user", "content": PROMPT}]
            _, calls, content = anthropic_turn(client, args, messages)
            if not calls:
                sys.exit("httpx_agent: no tool call")
            messages.append({"role": "assistant", "content": content})
            results = []
            for i, n, a in calls:
                print("tool> %s %s id=%s" % (n, a, i))
                results.append({"type": "tool_result", "tool_use_id": i, "content": run_tool(a)})
            messages.append({"role": "user", "content": results})
            text, _, _ = anthropic_turn(client, args, messages)
    print("FINAL: " + text)


if __name__ == "__main__":
    main()
