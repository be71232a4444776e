#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""demo_agent.py - the bundled sample agent: a small but real tool-using agent loop.

Talks to an LLM HTTP API (OpenAI chat, OpenAI Responses, Anthropic Messages, Gemini, Ollama),
offers the tools run_command, fetch_url (and run_subagent with --subagent), runs every tool call
the model asks for, sends the results back in the provider's format and stops at the final text
answer. Stdlib only (http.client keep-alive for the LLM, urllib.request for fetch_url,
subprocess for commands). Meant to run against tools/fake_llm.py; it only ever sends the fake
API key below, never a real one.
"""
import argparse
import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from urllib.parse import urlsplit, quote

FAKE_API_KEY = "sk-test-FAKE-tracetree-0123456789abcdefABCDEF"   # not a real key, on purpose
SYSTEM_PROMPT = "You are a helpful agent. Use the tools to answer; keep answers short."
DEFAULT_PROMPT = "List the files in /tmp and tell me the first one."
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "openai-responses": "gpt-4.1-mini",
                  "anthropic": "claude-sonnet-4-5", "gemini": "gemini-2.5-flash", "ollama": "llama3.2"}
MAX_RESULT = 16 * 1024
RETRY_STATUS = {429, 500, 502, 503, 504, 529}

TOOL_DEFS = [
    {"name": "run_command", "description": "Run a shell command with /bin/sh and return its output.",
     "parameters": {"type": "object", "properties": {"command": {"type": "string",
                                                                 "description": "the command line"}},
                    "required": ["command"]}},
    {"name": "fetch_url", "description": "HTTP GET a URL and return the response body.",
     "parameters": {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}},
]
SUBAGENT_DEF = {"name": "run_subagent",
                "description": "Start a sub-agent (another demo_agent.py process) on a task and return its answer.",
                "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}},
                               "required": ["prompt"]}}


class StreamError(Exception):
    """An error reported inside a 200 stream, or a stream cut short."""


class HTTPStatusError(Exception):
    def __init__(self, status, body, retry_after=None):
        super().__init__("HTTP %d: %s" % (status, body[:300]))
        self.status, self.body, self.retry_after = status, body, retry_after


# ---------------------------------------------------------------------------------------------
# HTTP with keep-alive

class Client:
    def __init__(self, base_url, ctx, gzip_ok, timeout, extra_headers):
        u = urlsplit(base_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise SystemExit("demo_agent: bad --base-url %r" % base_url)
        self.https = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.https else 80)
        self.prefix = u.path.rstrip("/")
        self.ctx, self.gzip_ok, self.timeout = ctx, gzip_ok, timeout
        self.extra = extra_headers
        self.conn = None

    def _connect(self):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=self.timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def post(self, path, obj, headers):
        data = json.dumps(obj).encode()
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
             "User-Agent": "tracetree-demo-agent/1.0 (python http.client)"}
        if self.gzip_ok:
            h["Accept-Encoding"] = "gzip"
        h.update(self.extra)
        h.update(headers)
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request("POST", self.prefix + path, body=data, headers=h)
                resp = self.conn.getresponse()
                return resp
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                # a kept-alive connection the server closed: reconnect once
                self.close()
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None


def iter_bytes(resp):
    gz = (resp.getheader("Content-Encoding") or "").lower() == "gzip"
    d = zlib.decompressobj(31) if gz else None
    try:
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                resp.read()             # marks the response done so the connection can be reused
                break
            out = d.decompress(chunk) if d else chunk
            if out:
                yield out
    except (http.client.IncompleteRead, ConnectionError, ssl.SSLError) as e:
        raise StreamError("stream cut: %r" % e)
    if d:
        tail = d.flush()
        if tail:
            yield tail


def iter_lines(resp):
    buf = b""
    for chunk in iter_bytes(resp):
        buf += chunk
        while True:
            i = buf.find(b"\n")
            if i < 0:
                break
            line, buf = buf[:i], buf[i + 1:]
            yield line.rstrip(b"\r").decode("utf-8", "replace")
    if buf:
        yield buf.rstrip(b"\r").decode("utf-8", "replace")


def iter_sse(resp):
    """Yields (event, data) per SSE event."""
    event, data = None, []
    for line in iter_lines(resp):
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith(":"):
            continue
        else:
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "event":
                event = v
            elif k == "data":
                data.append(v)
    if data:
        yield event, "\n".join(data)


def drain(resp):
    """Reads what follows the last event (e.g. the last chunk) so the connection can be reused."""
    try:
        while resp.read1(65536):
            pass
        resp.read()
    except (http.client.HTTPException, OSError):
        resp.close()


def read_all(resp):
    return b"".join(iter_bytes(resp))


def check_status(resp):
    if resp.status >= 400:
        body = read_all(resp).decode("utf-8", "replace")
        ra = resp.getheader("retry-after")
        raise HTTPStatusError(resp.status, body, float(ra) if ra and ra.replace(".", "", 1).isdigit() else None)


class Turn:
    def __init__(self):
        self.id = None
        self.text = ""
        self.calls = []      # {id, name, args(dict)}
        self.usage = {}
        self.finish = None
        self.raw = None      # provider-specific assistant payload for the history


def loads_args(s):
    if isinstance(s, dict):
        return s
    try:
        v = json.loads(s) if s else {}
        return v if isinstance(v, dict) else {"value": v}
    except ValueError:
        return {"_raw": s}


# ---------------------------------------------------------------------------------------------
# Providers

class OpenAIChat:
    def __init__(self, a, tools):
        self.a = a
        self.messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": a.prompt}]
        self.tools = [{"type": "function", "function": t} for t in tools]

    def request(self):
        body = {"model": self.a.model, "messages": self.messages, "tools": self.tools, "temperature": 0.2}
        if self.a.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return "/v1/chat/completions", body, {"Authorization": "Bearer " + self.a.api_key}

    def parse(self, resp):
        t = Turn()
        if not self.a.stream:
            d = json.loads(read_all(resp))
            t.id = d.get("id")
            ch = d["choices"][0]
            m = ch["message"]
            t.text = m.get("content") or ""
            for tc in m.get("tool_calls") or []:
                t.calls.append({"id": tc["id"], "name": tc["function"]["name"],
                                "args": loads_args(tc["function"].get("arguments"))})
            t.finish = ch.get("finish_reason")
            t.usage = d.get("usage") or {}
            return t
        acc = {}
        done = False
        for _, data in iter_sse(resp):
            if data == "[DONE]":
                done = True
                drain(resp)
                break
            d = json.loads(data)
            if "error" in d:
                raise StreamError("stream error: %s" % d["error"].get("message"))
            t.id = d.get("id", t.id)
            if d.get("usage"):
                t.usage = d["usage"]
            for ch in d.get("choices") or []:
                dl = ch.get("delta") or {}
                t.text += dl.get("content") or ""
                for tc in dl.get("tool_calls") or []:
                    e = acc.setdefault(tc.get("index", 0), {"id": None, "name": "", "args": ""})
                    if tc.get("id"):
                        e["id"] = tc["id"]
                    fn = tc.get("function") or {}
                    e["name"] += fn.get("name") or ""
                    e["args"] += fn.get("arguments") or ""
                if ch.get("finish_reason"):
                    t.finish = ch["finish_reason"]
        if not done:
            raise StreamError("stream ended without [DONE]")
        t.calls = [{"id": e["id"], "name": e["name"], "args": loads_args(e["args"])}
                   for _, e in sorted(acc.items())]
        return t

    def add_turn(self, t):
        m = {"role": "assistant", "content": t.text or None}
        if t.calls:
            m["tool_calls"] = [{"id": c["id"], "type": "function",
                                "function": {"name": c["name"], "arguments": json.dumps(c["args"])}}
                               for c in t.calls]
        self.messages.append(m)

    def add_results(self, results):
        for c, out, err in results:
            self.messages.append({"role": "tool", "tool_call_id": c["id"], "content": out})


class OpenAIResponses:
    def __init__(self, a, tools):
        self.a = a
        self.input = [{"role": "user", "content": [{"type": "input_text", "text": a.prompt}]}]
        self.tools = [dict(t, type="function") for t in tools]
        self.prev_id = None
        self.pending = []

    def request(self):
        body = {"model": self.a.model, "instructions": SYSTEM_PROMPT, "tools": self.tools,
                "stream": bool(self.a.stream), "store": bool(self.a.responses_chain)}
        if self.a.responses_chain and self.prev_id:
            body["previous_response_id"] = self.prev_id
            body["input"] = self.pending
        else:
            body["input"] = self.input
        return "/v1/responses", body, {"Authorization": "Bearer " + self.a.api_key}

    def _from_obj(self, t, r):
        t.id = r.get("id")
        t.usage = r.get("usage") or {}
        t.raw = r.get("output") or []
        text = ""
        for it in t.raw:
            if it.get("type") == "message":
                for c in it.get("content") or []:
                    if c.get("type") == "output_text":
                        text += c.get("text", "")
            elif it.get("type") == "function_call":
                t.calls.append({"id": it["call_id"], "name": it["name"], "args": loads_args(it.get("arguments"))})
        t.text = text
        t.finish = r.get("status")

    def parse(self, resp):
        t = Turn()
        if not self.a.stream:
            self._from_obj(t, json.loads(read_all(resp)))
            return t
        streamed = ""
        for ev, data in iter_sse(resp):
            d = json.loads(data)
            typ = d.get("type", ev)
            if typ == "response.output_text.delta":
                streamed += d.get("delta", "")
            elif typ == "error":
                raise StreamError("stream error: %s" % d.get("message"))
            elif typ in ("response.completed", "response.incomplete", "response.failed"):
                self._from_obj(t, d["response"])
                drain(resp)
                return t
        raise StreamError("stream ended without response.completed")

    def add_turn(self, t):
        self.prev_id = t.id
        self.input.extend(t.raw)
        self.pending = []

    def add_results(self, results):
        for c, out, err in results:
            item = {"type": "function_call_output", "call_id": c["id"], "output": out}
            self.input.append(item)
            self.pending.append(item)


class Anthropic:
    def __init__(self, a, tools):
        self.a = a
        self.messages = [{"role": "user", "content": a.prompt}]
        self.tools = [{"name": t["name"], "description": t["description"], "input_schema": t["parameters"]}
                      for t in tools]

    def request(self):
        body = {"model": self.a.model, "max_tokens": 1024, "system": SYSTEM_PROMPT,
                "messages": self.messages, "tools": self.tools}
        if self.a.stream:
            body["stream"] = True
        return "/v1/messages", body, {"x-api-key": self.a.api_key, "anthropic-version": "2023-06-01"}

    def parse(self, resp):
        t = Turn()
        if not self.a.stream:
            d = json.loads(read_all(resp))
            t.id, t.usage, t.finish = d.get("id"), d.get("usage") or {}, d.get("stop_reason")
            blocks = d.get("content") or []
        else:
            blocks, stopped = {}, False
            for ev, data in iter_sse(resp):
                d = json.loads(data)
                typ = d.get("type", ev)
                if typ == "message_start":
                    t.id = d["message"]["id"]
                    t.usage = dict(d["message"].get("usage") or {})
                elif typ == "content_block_start":
                    b = dict(d["content_block"])
                    if b.get("type") == "tool_use":
                        b["_json"] = ""
                    blocks[d["index"]] = b
                elif typ == "content_block_delta":
                    b, dl = blocks[d["index"]], d["delta"]
                    if dl.get("type") == "text_delta":
                        b["text"] = b.get("text", "") + dl["text"]
                    elif dl.get("type") == "input_json_delta":
                        b["_json"] += dl.get("partial_json", "")
                elif typ == "content_block_stop":
                    b = blocks[d["index"]]
                    if "_json" in b:
                        b["input"] = loads_args(b.pop("_json"))
                elif typ == "message_delta":
                    t.finish = (d.get("delta") or {}).get("stop_reason")
                    t.usage.update(d.get("usage") or {})
                elif typ == "message_stop":
                    stopped = True
                    drain(resp)
                    break
                elif typ == "error":
                    raise StreamError("stream error: %s" % (d.get("error") or {}).get("type"))
            if not stopped:
                raise StreamError("stream ended without message_stop")
            blocks = [blocks[i] for i in sorted(blocks)]
        t.raw = blocks
        for b in blocks:
            if b.get("type") == "text":
                t.text += b.get("text", "")
            elif b.get("type") == "tool_use":
                t.calls.append({"id": b["id"], "name": b["name"], "args": b.get("input") or {}})
        return t

    def add_turn(self, t):
        self.messages.append({"role": "assistant", "content": t.raw})

    def add_results(self, results):
        self.messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": c["id"], "content": out, "is_error": err}
            for c, out, err in results]})


class Gemini:
    def __init__(self, a, tools):
        self.a = a
        self.contents = [{"role": "user", "parts": [{"text": a.prompt}]}]
        self.tools = [{"functionDeclarations": tools}]

    def request(self):
        body = {"contents": self.contents, "tools": self.tools,
                "systemInstruction": {"parts": [{"text": SYSTEM_PROMPT}]},
                "generationConfig": {"temperature": 0.2}}
        m = quote(self.a.model, safe="")
        if self.a.stream:
            path = "/v1beta/models/%s:streamGenerateContent" % m + ("" if self.a.gemini_array else "?alt=sse")
        else:
            path = "/v1beta/models/%s:generateContent" % m
        return path, body, {"x-goog-api-key": self.a.api_key}

    def _take(self, t, d, parts):
        for cand in (d.get("candidates") or [])[:1]:
            for p in (cand.get("content") or {}).get("parts") or []:
                parts.append(p)
            if cand.get("finishReason"):
                t.finish = cand["finishReason"]
        if d.get("usageMetadata"):
            t.usage = d["usageMetadata"]
        t.id = d.get("responseId", t.id)

    def parse(self, resp):
        t, parts = Turn(), []
        if not self.a.stream:
            self._take(t, json.loads(read_all(resp)), parts)
        elif self.a.gemini_array:
            for d in json.loads(read_all(resp)):
                if "error" in d:
                    raise StreamError("stream error: %s" % d["error"].get("status"))
                self._take(t, d, parts)
        else:
            for _, data in iter_sse(resp):
                d = json.loads(data)
                if "error" in d:
                    raise StreamError("stream error: %s" % d["error"].get("status"))
                self._take(t, d, parts)
            if not t.finish:
                raise StreamError("stream ended without finishReason")
        merged = []
        for p in parts:
            if "text" in p:
                t.text += p["text"]
                if merged and "text" in merged[-1]:
                    merged[-1] = {"text": merged[-1]["text"] + p["text"]}
                    continue
            if "functionCall" in p:
                fc = p["functionCall"]
                t.calls.append({"id": fc.get("id"), "name": fc["name"], "args": fc.get("args") or {}})
            merged.append(p)
        t.raw = merged
        return t

    def add_turn(self, t):
        self.contents.append({"role": "model", "parts": t.raw})

    def add_results(self, results):
        parts = []
        for c, out, err in results:
            fr = {"name": c["name"], "response": {"error": out} if err else {"output": out}}
            if c.get("id"):
                fr["id"] = c["id"]
            parts.append({"functionResponse": fr})
        self.contents.append({"role": "user", "parts": parts})


class Ollama:
    def __init__(self, a, tools):
        self.a = a
        self.messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": a.prompt}]
        self.tools = [{"type": "function", "function": t} for t in tools]
        self.n = 0

    def request(self):
        return "/api/chat", {"model": self.a.model, "messages": self.messages, "tools": self.tools,
                             "stream": bool(self.a.stream), "options": {"temperature": 0.2}}, \
            {"Authorization": "Bearer " + self.a.api_key}

    def _take(self, t, d):
        if "error" in d:
            raise StreamError("stream error: %s" % d["error"])
        m = d.get("message") or {}
        t.text += m.get("content") or ""
        for tc in m.get("tool_calls") or []:
            fn = tc.get("function") or {}
            self.n += 1
            t.calls.append({"id": tc.get("id") or "ollama_%d" % self.n, "name": fn.get("name"),
                            "args": loads_args(fn.get("arguments"))})
        if d.get("done"):
            t.finish = d.get("done_reason")
            t.usage = {k: d.get(k) for k in ("prompt_eval_count", "eval_count")}

    def parse(self, resp):
        t = Turn()
        if not self.a.stream:
            self._take(t, json.loads(read_all(resp)))
            return t
        for line in iter_lines(resp):
            if line.strip():
                self._take(t, json.loads(line))
        if not t.finish:
            raise StreamError("stream ended without done")
        return t

    def add_turn(self, t):
        m = {"role": "assistant", "content": t.text}
        if t.calls:
            m["tool_calls"] = [{"function": {"name": c["name"], "arguments": c["args"]}} for c in t.calls]
        self.messages.append(m)

    def add_results(self, results):
        for c, out, err in results:
            self.messages.append({"role": "tool", "content": out, "tool_name": c["name"]})


PROVIDERS = {"openai": OpenAIChat, "openai-responses": OpenAIResponses, "anthropic": Anthropic,
             "gemini": Gemini, "ollama": Ollama}


# ---------------------------------------------------------------------------------------------
# Tools

def clip(s):
    return s if len(s) <= MAX_RESULT else s[:MAX_RESULT] + "\n[truncated]"


def tool_run_command(args, a, ctx):
    cmd = args.get("command")
    if not isinstance(cmd, str) or not cmd:
        return "error: run_command needs a 'command' string", True
    try:
        r = subprocess.run(["/bin/sh", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=a.tool_timeout)
    except subprocess.TimeoutExpired:
        return "error: command timed out after %ds" % a.tool_timeout, True
    out = r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")
    if r.returncode != 0:
        out += "\n[exit code %d]" % r.returncode
    return clip(out), r.returncode != 0


def tool_fetch_url(args, a, ctx):
    url = args.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return "error: fetch_url needs an http(s) 'url'", True
    req = urllib.request.Request(url, headers={"User-Agent": "tracetree-demo-agent/1.0 (urllib)"})
    try:
        with urllib.request.urlopen(req, context=ctx if url.startswith("https") else None,
                                    timeout=a.tool_timeout) as r:
            return clip(r.read().decode("utf-8", "replace")), False
    except urllib.error.HTTPError as e:
        return clip("HTTP %d: %s" % (e.code, e.read().decode("utf-8", "replace"))), True
    except (urllib.error.URLError, OSError) as e:
        return "error: %s" % e, True


def tool_run_subagent(args, a, ctx):
    prompt = args.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        return "error: run_subagent needs a 'prompt' string", True
    cmd = [sys.executable, os.path.abspath(__file__), "--base-url", a.base_url, "--provider", a.provider,
           "--model", a.model, "--prompt", prompt, "--answer-only", "--max-steps", str(a.max_steps),
           "--api-key", a.api_key]
    for flag in ("stream", "insecure", "gzip", "gemini_array", "responses_chain"):
        if getattr(a, flag):
            cmd.append("--" + flag.replace("_", "-"))
    if a.cafile:
        cmd += ["--cafile", a.cafile]
    env = dict(os.environ, DEMO_AGENT_DEPTH=str(int(os.environ.get("DEMO_AGENT_DEPTH", "0")) + 1))
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=a.tool_timeout * 4, env=env)
    except subprocess.TimeoutExpired:
        return "error: sub-agent timed out", True
    out = r.stdout.decode("utf-8", "replace").strip()
    if r.returncode != 0:
        return clip("sub-agent failed (exit %d): %s %s" % (r.returncode, out,
                                                           r.stderr.decode("utf-8", "replace").strip())), True
    return clip(out), False


TOOL_FUNCS = {"run_command": tool_run_command, "fetch_url": tool_fetch_url, "run_subagent": tool_run_subagent}


# ---------------------------------------------------------------------------------------------

def fmt_usage(u):
    if not u:
        return "usage n/a"
    keys = [("prompt_tokens", "in"), ("completion_tokens", "out"), ("input_tokens", "in"),
            ("output_tokens", "out"), ("promptTokenCount", "in"), ("candidatesTokenCount", "out"),
            ("prompt_eval_count", "in"), ("eval_count", "out"), ("cache_read_input_tokens", "cache_read")]
    return " ".join("%s=%s" % (n, u[k]) for k, n in keys if k in u and u[k] is not None)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Sample tool-using agent for tracetree-bpf demos and tests.")
    ap.add_argument("--base-url", required=True, help="e.g. https://127.0.0.1:8443")
    ap.add_argument("--provider", choices=sorted(PROVIDERS), default="openai")
    ap.add_argument("--model", help="default depends on the provider")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--insecure", action="store_true", help="accept any certificate (self-signed)")
    ap.add_argument("--cafile", help="CA/certificate PEM to verify the server with")
    ap.add_argument("--prompt", default=DEFAULT_PROMPT)
    ap.add_argument("--max-steps", type=int, default=8, help="LLM calls at most (default 8)")
    ap.add_argument("--subagent", action="store_true", help="offer run_subagent (runs another demo_agent.py)")
    ap.add_argument("--gzip", action="store_true", help="send Accept-Encoding: gzip and decode it")
    ap.add_argument("--gemini-array", action="store_true", help="gemini streaming as a JSON array (no alt=sse)")
    ap.add_argument("--responses-chain", action="store_true",
                    help="openai-responses: send only new items with previous_response_id")
    ap.add_argument("--retries", type=int, default=3, help="retries on 429/5xx/stream errors (default 3)")
    ap.add_argument("--timeout", type=float, default=60.0, help="HTTP timeout, seconds")
    ap.add_argument("--tool-timeout", type=int, default=60, help="per-tool timeout, seconds")
    ap.add_argument("--traceparent", help="send this W3C traceparent header on LLM requests")
    ap.add_argument("--api-key", default=FAKE_API_KEY, help="fake key to send (default %(default)s)")
    ap.add_argument("--answer-only", action="store_true", help="print only the final answer")
    a = ap.parse_args(argv)
    a.model = a.model or DEFAULT_MODELS[a.provider]
    if os.environ.get("DEMO_AGENT_DEPTH", "0") not in ("0", ""):
        a.subagent = False                      # sub-agents do not spawn sub-agents

    if a.insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=a.cafile) if a.cafile else ssl.create_default_context()
    ctx.set_alpn_protocols(["http/1.1"])

    def say(s):
        if not a.answer_only:
            print(s, flush=True)

    extra = {"traceparent": a.traceparent} if a.traceparent else {}
    client = Client(a.base_url, ctx, a.gzip, a.timeout, extra)
    tools = TOOL_DEFS + ([SUBAGENT_DEF] if a.subagent else [])
    prov = PROVIDERS[a.provider](a, tools)
    say("demo_agent[pid %d] provider=%s model=%s stream=%s base=%s" %
        (os.getpid(), a.provider, a.model, "yes" if a.stream else "no", a.base_url))
    say("user> %s" % a.prompt)
    for step in range(1, a.max_steps + 1):
        path, body, headers = prov.request()
        turn = None
        for attempt in range(a.retries + 1):
            try:
                resp = client.post(path, body, headers)
                check_status(resp)
                turn = prov.parse(resp)
                break
            except (HTTPStatusError, StreamError) as e:
                client.close() if isinstance(e, StreamError) else None
                if attempt >= a.retries or (isinstance(e, HTTPStatusError) and e.status not in RETRY_STATUS):
                    sys.stderr.write("demo_agent: LLM call failed: %s\n" % e)
                    return 1
                wait = min(getattr(e, "retry_after", None) or 0.2 * (2 ** attempt), 2.0)
                say("llm#%d! %s; retrying in %.1fs" % (step, str(e).splitlines()[0][:120], wait))
                time.sleep(wait)
            except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException) as e:
                client.close()
                sys.stderr.write("demo_agent: LLM call failed: %r\n" % e)
                return 1
        prov.add_turn(turn)
        if turn.text:
            say("llm#%d> %s" % (step, turn.text.strip()))
        for c in turn.calls:
            say("llm#%d> tool_call %s %s id=%s" % (step, c["name"], json.dumps(c["args"]), c["id"]))
        say("llm#%d  [%s, finish=%s, id=%s]" % (step, fmt_usage(turn.usage), turn.finish, turn.id))
        if not turn.calls:
            if a.answer_only:
                print(turn.text.strip(), flush=True)
            else:
                print("FINAL: %s" % turn.text.strip(), flush=True)
            client.close()
            return 0
        results = []
        for c in turn.calls:
            fn = TOOL_FUNCS.get(c["name"])
            if fn is None:
                out, err = "error: unknown tool %r" % c["name"], True
            else:
                out, err = fn(c["args"], a, ctx)
            lines = out.splitlines()
            say("tool> %s%s: %s%s" % (c["name"], " (error)" if err else "",
                                      lines[0][:100] if lines else "(no output)",
                                      " (+%d lines)" % (len(lines) - 1) if len(lines) > 1 else ""))
            results.append((c, out, err))
        prov.add_results(results)
    client.close()
    sys.stderr.write("demo_agent: no final answer after %d steps\n" % a.max_steps)
    return 2


if __name__ == "__main__":
    sys.exit(main())
