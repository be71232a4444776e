#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fake_llm.py - a local fake of the LLM provider HTTP APIs (stdlib only).

Serves realistic wire shapes of OpenAI Chat Completions, OpenAI Responses, Anthropic Messages,
Gemini generateContent/streamGenerateContent and Ollama /api/chat + /api/generate, JSON and
streaming (SSE / NDJSON / JSON array), over HTTP/1.1 keep-alive, optionally TLS and gzip.

The conversation is stateless (decided from the request alone): the number of assistant
tool-call turns since the last genuine user message picks the script step. See tools/README.md
for the script format, the token formula and the default conversation.

Run `tools/fake_llm.py --help` for the CLI.
"""
import argparse
import gzip
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from urllib.parse import parse_qsl, urlsplit, urlencode

OVERHEAD_TOKENS = 10          # fixed per-request input overhead of the token formula
MAX_BODY = 64 * 1024 * 1024   # request bodies larger than this get 413
AUTH_HEADERS = {"authorization", "proxy-authorization", "x-api-key", "x-goog-api-key",
                "api-key", "cookie"}
SECRET_QUERY = {"key", "api_key", "api-key", "token", "access_token"}

# ---------------------------------------------------------------------------------------------
# Scripts

DEFAULT_FINAL = 'Done. The tool result begins with: "{result}"'
DEFAULT_NO_TOOLS = 'This is a fake reply from {model} to: "{prompt}"'

BUILTIN_SCRIPTS = {
    # The default: one run_command, (a sub-agent round when the client offers run_subagent),
    # then a final answer quoting the first line of the last tool result.
    "default": {
        "steps": [
            {"tool_calls": [{"name": "run_command", "arguments": {"command": "ls /tmp"}}]},
            {"only_if_tool": "run_subagent",
             "tool_calls": [{"name": "run_subagent",
                             "arguments": {"prompt": "List the files in /tmp and report the first one."}}]},
        ],
        "final_text": DEFAULT_FINAL,
    },
    # Two tools in one response (parallel tool calls), then the final answer.
    "parallel": {
        "steps": [
            {"tool_calls": [
                {"name": "run_command", "arguments": {"command": "ls /tmp"}},
                {"name": "fetch_url", "arguments": {"url": "{base_url}/tool/fetch?q=weather&city=Paris"}},
            ]},
        ],
        "final_text": 'Both tools finished. Results: {results}',
    },
    # Three rounds: command, fetch, command, then the answer.
    "multi": {
        "steps": [
            {"text": "Let me look around first.",
             "tool_calls": [{"name": "run_command", "arguments": {"command": "echo step-one && uname -s"}}]},
            {"tool_calls": [{"name": "fetch_url", "arguments": {"url": "{base_url}/tool/fetch?q=step-two"}}]},
            {"tool_calls": [{"name": "run_command", "arguments": {"command": "echo step-three"}}]},
        ],
        "final_text": 'All three steps done; the last one said: "{result}"',
    },
    # The demo: a command and a fetch in parallel, then the sub-agent round if offered.
    "demo": {
        "steps": [
            {"text": "I'll list /tmp and fetch the weather at the same time.",
             "tool_calls": [
                 {"name": "run_command", "arguments": {"command": "ls /tmp | head -n 5"}},
                 {"name": "fetch_url", "arguments": {"url": "{base_url}/tool/fetch?q=weather&city=Paris"}},
             ]},
            {"only_if_tool": "run_subagent",
             "tool_calls": [{"name": "run_subagent",
                             "arguments": {"prompt": "List the files in /tmp and report the first one."}}]},
        ],
        "final_text": 'Finished. Results: {results}',
    },
    # The first request of each conversation gets a 429, the retry succeeds.
    "error429": {
        "steps": [
            {"errors": [{"status": 429, "times": 1}],
             "tool_calls": [{"name": "run_command", "arguments": {"command": "ls /tmp"}}]},
        ],
        "final_text": DEFAULT_FINAL,
    },
    # A 500 on the second round, once.
    "error500": {
        "steps": [
            {"tool_calls": [{"name": "run_command", "arguments": {"command": "ls /tmp"}}]},
            {"errors": [{"status": 500, "times": 1}], "text": DEFAULT_FINAL},
        ],
    },
    # The first streamed answer dies mid-stream with a provider error event, once.
    "stream-error": {
        "steps": [
            {"errors": [{"mid_stream": True, "times": 1}],
             "tool_calls": [{"name": "run_command", "arguments": {"command": "ls /tmp"}}]},
        ],
        "final_text": DEFAULT_FINAL,
    },
    # No tools at all: a plain text answer.
    "text": {"steps": [{"text": "Hello from the fake model {model}. You said: {prompt}"}]},
}


class ScriptError(Exception):
    pass


def load_script(spec):
    if spec is None:
        spec = "builtin:default"
    if spec.startswith("builtin:") or spec in BUILTIN_SCRIPTS:
        name = spec.split(":", 1)[1] if spec.startswith("builtin:") else spec
        if name not in BUILTIN_SCRIPTS:
            raise ScriptError("unknown builtin script %r (have: %s)" % (name, ", ".join(BUILTIN_SCRIPTS)))
        data = json.loads(json.dumps(BUILTIN_SCRIPTS[name]))
    else:
        try:
            with open(spec, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ScriptError("cannot read script %s: %s" % (spec, e))
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict) or not isinstance(data.get("steps", []), list):
        raise ScriptError("script must be an object with a 'steps' list (or a list of steps)")
    data.setdefault("steps", [])
    data.setdefault("final_text", DEFAULT_FINAL)
    data.setdefault("no_tools_text", DEFAULT_NO_TOOLS)
    for i, st in enumerate(data["steps"]):
        if not isinstance(st, dict):
            raise ScriptError("step %d is not an object" % i)
        calls = st.get("tool_calls", [])
        if not isinstance(calls, list):
            raise ScriptError("step %d: tool_calls must be a list" % i)
        for c in calls:
            if not isinstance(c, dict) or not isinstance(c.get("name"), str):
                raise ScriptError("step %d: each tool call needs a string 'name'" % i)
            c.setdefault("arguments", {})
            if not isinstance(c["arguments"], dict):
                raise ScriptError("step %d: tool call arguments must be an object" % i)
        if "text" not in st and not calls:
            raise ScriptError("step %d has neither text nor tool_calls" % i)
        for e in st.get("errors", []):
            if not isinstance(e, dict) or not ("status" in e or e.get("mid_stream") or e.get("cut")):
                raise ScriptError("step %d: each error needs status, mid_stream or cut" % i)
    return data


# ---------------------------------------------------------------------------------------------
# Helpers

def words(s):
    return len(s.split()) if isinstance(s, str) and s else 0


def canon_json(o):
    return json.dumps(o)                      # Python defaults: ", " and ": " separators


def compact_json(o):
    return json.dumps(o, separators=(",", ":"))


def first_line(s):
    for line in (s or "").splitlines():
        if line.strip():
            return line.strip()
    return "(no output)"


TEXT_PART_TYPES = {"text", "input_text", "output_text"}


def text_of(content):
    """Text carried by a message content (string, list of parts, or object)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for p in content:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, dict):
                t = p.get("type")
                if (t is None or t in TEXT_PART_TYPES) and isinstance(p.get("text"), str):
                    out.append(p["text"])
        return "\n".join(out)
    if isinstance(content, dict):
        for k in ("text", "output", "result", "content"):
            if isinstance(content.get(k), (str, list)):
                return text_of(content[k])
        return canon_json(content)
    return str(content)


def parse_args(a):
    if isinstance(a, str):
        try:
            return json.loads(a) if a.strip() else {}
        except ValueError:
            return a
    return a if a is not None else {}


def args_text(a):
    return a if isinstance(a, str) else canon_json(a)


def split_text(text):
    """Stream pieces: words with their leading whitespace (concatenation == text)."""
    return re.findall(r"\s*\S+|\s+$", text) or ([text] if text else [])


def split_json(s):
    """Fragments of a JSON text the way a tokenizer cuts it (2 tokens per fragment)."""
    toks = re.findall(r"\w+|\s+|[^\w\s]+", s)
    return ["".join(toks[i:i + 2]) for i in range(0, len(toks), 2)] or [s]


def subst(obj, ctx):
    if isinstance(obj, str):
        return re.sub(r"\{(result|results|prompt|model|base_url|round|n_results)\}",
                      lambda m: str(ctx.get(m.group(1), "")), obj)
    if isinstance(obj, list):
        return [subst(x, ctx) for x in obj]
    if isinstance(obj, dict):
        return {k: subst(v, ctx) for k, v in obj.items()}
    return obj


class BadRequest(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Request -> normalized conversation

class Conv:
    def __init__(self):
        self.model = None
        self.stream = False
        self.system = []       # system instruction texts
        self.msgs = []         # {role, texts[], calls[{id,name,args}], results[{id,name,content,is_error}]}
        self.tools = []        # offered tool names
        self.prev = None       # Responses previous_response_id state
        self.include_usage = False

    def add(self, role, texts=(), calls=(), results=()):
        self.msgs.append({"role": role, "texts": [t for t in texts if t], "calls": list(calls),
                          "results": list(results)})

    def analyze(self):
        w = sum(words(t) for t in self.system)
        for m in self.msgs:
            w += sum(words(t) for t in m["texts"])
            w += sum(words(args_text(c["args"])) for c in m["calls"])
            w += sum(words(r["content"]) for r in m["results"])
        last_user = None
        first_user = None
        for i, m in enumerate(self.msgs):
            if m["role"] == "user" and not m["results"]:
                last_user = i
                if first_user is None:
                    first_user = i
        after = self.msgs[last_user + 1:] if last_user is not None else self.msgs
        self.rounds = sum(1 for m in after if m["role"] == "assistant" and m["calls"])
        self.total_calls = sum(len(m["calls"]) for m in self.msgs)
        self.prompt = " ".join(self.msgs[last_user]["texts"]) if last_user is not None else ""
        fu = " ".join(self.msgs[first_user]["texts"]) if first_user is not None else ""
        self.key = hashlib.sha1((fu + "\0" + "\n".join(self.system)).encode()).hexdigest()[:12]
        if self.prev:
            w += self.prev["words"]
            self.total_calls += self.prev["calls"]
            if last_user is None:
                self.rounds += self.prev["rounds"]
                self.key = self.prev["key"]
                self.prompt = self.prev["prompt"]
        # the tool results that end the request (the answer to the previous tool-call turn)
        tail = []
        for m in reversed(self.msgs):
            if m["results"] and m["role"] in ("user", "tool"):
                tail = m["results"] + tail
            else:
                break
        self.tail_results = tail
        nonsys = [m for m in self.msgs if m["role"] != "system"]
        self.has_history = len(nonsys) > 1 or bool(self.prev)
        self.words_in = w


def _req_list(body, key):
    v = body.get(key)
    if not isinstance(v, list):
        raise BadRequest("'%s' must be an array" % key)
    return v


def _model(body, required=True):
    m = body.get("model")
    if not isinstance(m, str) or not m:
        if required:
            raise BadRequest("you must provide a model parameter")
        return None
    return m


def chat_into(c, body, system_roles, result_name):
    """The tools and messages of a chat body, OpenAI's or Ollama's, into c: system_roles are
    the roles of system prompts, result_name the key naming a tool result's tool."""
    for t in body.get("tools") or []:
        if isinstance(t, dict):
            fn = t.get("function") if isinstance(t.get("function"), dict) else t
            if isinstance(fn.get("name"), str):
                c.tools.append(fn["name"])
    for m in _req_list(body, "messages"):
        if not isinstance(m, dict):
            raise BadRequest("each message must be an object")
        role = m.get("role")
        if role in system_roles:
            c.system.append(text_of(m.get("content")))
            c.add("system")
        elif role == "tool":
            c.add("tool", results=[{"id": m.get("tool_call_id"), "name": m.get(result_name),
                                    "content": text_of(m.get("content")), "is_error": False}])
        elif role == "assistant":
            calls = []
            for tc in m.get("tool_calls") or []:
                fn = (tc or {}).get("function") or {}
                calls.append({"id": tc.get("id"), "name": fn.get("name"),
                              "args": parse_args(fn.get("arguments"))})
            c.add("assistant", [text_of(m.get("content"))], calls)
        elif role == "user":
            c.add("user", [text_of(m.get("content"))])
        else:
            raise BadRequest("invalid role %r" % (role,))
    return c


def conv_openai_chat(body):
    c = Conv()
    c.model = _model(body)
    c.stream = bool(body.get("stream"))
    so = body.get("stream_options")
    c.include_usage = bool(isinstance(so, dict) and so.get("include_usage"))
    return chat_into(c, body, ("system", "developer"), "name")


def conv_responses(body, server):
    c = Conv()
    c.model = _model(body)
    c.stream = bool(body.get("stream"))
    for t in body.get("tools") or []:
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            c.tools.append(t["name"])
        elif isinstance(t, dict) and isinstance(t.get("type"), str):
            c.tools.append(t["type"])
    if isinstance(body.get("instructions"), str):
        c.system.append(body["instructions"])
    prev = body.get("previous_response_id")
    if prev is not None:
        st = server.responses_state.get(prev)
        if st is None:
            raise BadRequest("Previous response with id '%s' not found." % prev)
        c.prev = st
    inp = body.get("input")
    if isinstance(inp, str):
        c.add("user", [inp])
    elif isinstance(inp, list):
        pending_calls = []
        for it in inp:
            if not isinstance(it, dict):
                raise BadRequest("each input item must be an object")
            t = it.get("type", "message")
            if t == "function_call":
                pending_calls.append({"id": it.get("call_id"), "name": it.get("name"),
                                      "args": parse_args(it.get("arguments"))})
                continue
            if pending_calls:
                c.add("assistant", calls=pending_calls)
                pending_calls = []
            if t == "function_call_output":
                res = {"id": it.get("call_id"), "name": None,
                       "content": text_of(it.get("output")), "is_error": False}
                if c.msgs and c.msgs[-1]["role"] == "tool":
                    c.msgs[-1]["results"].append(res)
                else:
                    c.add("tool", results=[res])
            elif t == "message":
                role = it.get("role", "user")
                if role in ("system", "developer"):
                    c.system.append(text_of(it.get("content")))
                    c.add("system")
                elif role in ("user", "assistant"):
                    c.add(role, [text_of(it.get("content"))])
                else:
                    raise BadRequest("invalid role %r" % (role,))
            # reasoning and other items carry no conversation text for the formula
        if pending_calls:
            c.add("assistant", calls=pending_calls)
    elif inp is not None:
        raise BadRequest("'input' must be a string or an array")
    return c


def conv_anthropic(body):
    c = Conv()
    c.model = _model(body)
    c.stream = bool(body.get("stream"))
    for t in body.get("tools") or []:
        if isinstance(t, dict) and isinstance(t.get("name"), str):
            c.tools.append(t["name"])
    sysp = body.get("system")
    if sysp is not None:
        c.system.append(text_of(sysp))
    for m in _req_list(body, "messages"):
        if not isinstance(m, dict):
            raise BadRequest("each message must be an object")
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise BadRequest("messages: unexpected role %r" % (role,))
        content = m.get("content")
        if isinstance(content, str):
            c.add(role, [content])
            continue
        if not isinstance(content, list):
            raise BadRequest("messages: content must be a string or an array")
        texts, calls, results = [], [], []
        for b in content:
            if not isinstance(b, dict):
                continue
            bt = b.get("type")
            if bt == "text":
                texts.append(b.get("text") or "")
            elif bt == "tool_use":
                calls.append({"id": b.get("id"), "name": b.get("name"), "args": b.get("input") or {}})
            elif bt == "tool_result":
                results.append({"id": b.get("tool_use_id"), "name": None,
                                "content": text_of(b.get("content")),
                                "is_error": bool(b.get("is_error"))})
        c.add(role, texts, calls, results)
    return c


def conv_gemini(body, model, stream):
    c = Conv()
    c.model = model
    c.stream = stream
    for t in body.get("tools") or []:
        if isinstance(t, dict):
            for fd in t.get("functionDeclarations") or t.get("function_declarations") or []:
                if isinstance(fd, dict) and isinstance(fd.get("name"), str):
                    c.tools.append(fd["name"])
    si = body.get("systemInstruction") or body.get("system_instruction")
    if si is not None:
        c.system.append(text_of(si.get("parts") if isinstance(si, dict) else si))
    for m in _req_list(body, "contents"):
        if not isinstance(m, dict):
            raise BadRequest("each content must be an object")
        role = {"model": "assistant", "function": "user", "tool": "user"}.get(m.get("role"), "user")
        texts, calls, results = [], [], []
        for p in m.get("parts") or []:
            if not isinstance(p, dict):
                continue
            if isinstance(p.get("text"), str):
                texts.append(p["text"])
            fc = p.get("functionCall") or p.get("function_call")
            if isinstance(fc, dict):
                calls.append({"id": fc.get("id"), "name": fc.get("name"), "args": fc.get("args") or {}})
            fr = p.get("functionResponse") or p.get("function_response")
            if isinstance(fr, dict):
                results.append({"id": fr.get("id"), "name": fr.get("name"),
                                "content": text_of(fr.get("response")), "is_error": False})
        c.add(role, texts, calls, results)
    return c


def conv_ollama_chat(body):
    c = Conv()
    c.model = _model(body)
    c.stream = body.get("stream", True) is not False
    return chat_into(c, body, ("system",), "tool_name")


def conv_ollama_generate(body):
    c = Conv()
    c.model = _model(body)
    c.stream = body.get("stream", True) is not False
    if isinstance(body.get("system"), str):
        c.system.append(body["system"])
    p = body.get("prompt", "")
    if not isinstance(p, str):
        raise BadRequest("'prompt' must be a string")
    c.add("user", [p])
    return c


# ---------------------------------------------------------------------------------------------
# The decision: what to answer

class Plan:
    pass


def make_plan(server, conv, endpoint, base_url):
    """Decide the response: error / tool calls / text, ids and token counts."""
    conv.analyze()
    script = server.script
    offered = set(conv.tools)
    steps = [s for s in script["steps"] if (not s.get("only_if_tool") or s["only_if_tool"] in offered)
             and (not s.get("unless_tool") or s["unless_tool"] not in offered)]
    r = conv.rounds
    step = steps[r] if r < len(steps) else None
    p = Plan()
    p.endpoint = endpoint
    p.model = conv.model
    p.round = r
    p.error = None
    p.seq = server.next_seq()
    p.created = int(time.time())
    if step and step.get("errors"):
        key = (conv.key, endpoint, conv.stream, r)
        with server.lock:
            n = server.error_counters.get(key, 0)
            server.error_counters[key] = n + 1
        acc = 0
        for e in step["errors"]:
            t = e.get("times", 1)
            if t < 0 or n < acc + t:
                p.error = e
                break
            acc += t
    ctx = {"model": conv.model, "base_url": base_url, "round": r,
           "prompt": first_line(conv.prompt) if conv.prompt else "",
           "result": first_line(conv.tail_results[0]["content"]) if conv.tail_results else "(no tool result)",
           "results": " | ".join(first_line(x["content"]) for x in conv.tail_results) or "(no tool result)",
           "n_results": len(conv.tail_results)}
    calls = []
    if endpoint == "ollama.generate" or not offered:
        text = step["text"] if step and not step.get("tool_calls") and "text" in step else script["no_tools_text"]
    elif step is None:
        text = script["final_text"]
    else:
        text = step.get("text", "")
        calls = step.get("tool_calls", [])
    p.text = subst(text, ctx)
    p.calls = []
    n0 = conv.total_calls
    for j, tc in enumerate(calls):
        n = n0 + j + 1
        if tc.get("id"):
            cid = tc["id"]
        elif endpoint == "anthropic.messages":
            cid = "toolu_%02d" % n
        else:
            cid = "call_%d" % n
        p.calls.append({"id": cid, "item_id": "fc_%d" % n, "name": tc["name"],
                        "args": subst(tc.get("arguments", {}), ctx)})
    # token formula (tools/README.md)
    T = OVERHEAD_TOKENS + conv.words_in
    O = words(p.text) + sum(1 + words(canon_json(c["args"])) for c in p.calls)
    st = step or {}
    R = int(st.get("reasoning_tokens", server.reasoning_tokens))
    if server.no_cache:
        cr, cc = 0, 0
    else:
        cr = T // 2 if conv.has_history else 0
        cc = T // 4 if (endpoint == "anthropic.messages" and not conv.has_history) else 0
    cr = int(st.get("cache_read_tokens", cr))
    cc = int(st.get("cache_creation_tokens", cc)) if endpoint == "anthropic.messages" else 0
    cr = max(0, min(cr, T))
    cc = max(0, min(cc, T - cr))
    p.T, p.O, p.R, p.cr, p.cc, p.W = T, O, R, cr, cc, conv.words_in
    p.usage = {"input_tokens": T, "output_tokens": O + R, "total_tokens": T + O + R,
               "cache_read_input_tokens": cr, "cache_creation_input_tokens": cc,
               "reasoning_tokens": R, "words_in": conv.words_in, "words_out": O}
    p.include_usage = conv.include_usage
    p.stream = conv.stream
    p.id = {"openai.chat": "chatcmpl-fake%06d", "openai.responses": "resp_fake%06d",
            "anthropic.messages": "msg_fake%06d", "gemini": "gemfake%06d"}.get(endpoint, "fake%06d") % p.seq
    p.finish = None
    if endpoint == "openai.responses" and p.error is None:
        # remember the conversation so previous_response_id works
        words_out = O
        server.responses_state[p.id] = {
            "words": conv.words_in + words_out, "calls": conv.total_calls + len(p.calls),
            "rounds": conv.rounds + (1 if p.calls else 0), "key": conv.key, "prompt": conv.prompt}
    return p


# ---------------------------------------------------------------------------------------------
# Provider renderers. Streams are lists of (kind, bytes); kind "delta" events are paced.

def sse(obj, event=None, eol="\n", compact=True):
    s = ""
    if event:
        s += "event: " + event + eol
    s += "data: " + (obj if isinstance(obj, str) else (compact_json(obj) if compact else json.dumps(obj))) + eol + eol
    return s.encode()


# --- OpenAI chat completions ---

def oa_usage(p):
    return {"prompt_tokens": p.T, "completion_tokens": p.O + p.R, "total_tokens": p.T + p.O + p.R,
            "prompt_tokens_details": {"cached_tokens": p.cr, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": p.R, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}}


def oa_chat_json(p):
    p.finish = "tool_calls" if p.calls else "stop"
    msg = {"role": "assistant", "content": p.text if (p.text or not p.calls) else None,
           "refusal": None, "annotations": []}
    if p.calls:
        msg["tool_calls"] = [{"id": c["id"], "type": "function",
                              "function": {"name": c["name"], "arguments": compact_json(c["args"])}}
                             for c in p.calls]
    p.wire_usage = oa_usage(p)
    return {"id": p.id, "object": "chat.completion", "created": p.created, "model": p.model,
            "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": p.finish}],
            "usage": p.wire_usage, "service_tier": "default", "system_fingerprint": "fp_fake0001"}


def oa_chat_stream(p):
    p.finish = "tool_calls" if p.calls else "stop"
    ev = []

    def chunk(delta, finish=None, kind="delta"):
        c = {"id": p.id, "object": "chat.completion.chunk", "created": p.created, "model": p.model,
             "service_tier": "default", "system_fingerprint": "fp_fake0001",
             "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if p.include_usage:
            c["usage"] = None
        ev.append((kind, sse(c)))

    chunk({"role": "assistant", "content": "" if p.text or not p.calls else None, "refusal": None},
          kind="pre")
    for piece in split_text(p.text):
        chunk({"content": piece})
    for i, c in enumerate(p.calls):
        chunk({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                               "function": {"name": c["name"], "arguments": ""}}]})
        for frag in split_json(compact_json(c["args"])):
            chunk({"tool_calls": [{"index": i, "function": {"arguments": frag}}]})
    chunk({}, p.finish, kind="post")
    p.wire_usage = None
    if p.include_usage:
        p.wire_usage = oa_usage(p)
        ev.append(("post", sse({"id": p.id, "object": "chat.completion.chunk", "created": p.created,
                                "model": p.model, "service_tier": "default",
                                "system_fingerprint": "fp_fake0001", "choices": [],
                                "usage": p.wire_usage})))
    ev.append(("post", sse("[DONE]")))
    return ev


def oa_error_body(status, e):
    defaults = {
        400: ("invalid_request_error", None, "Invalid request."),
        401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-test-****."),
        404: ("invalid_request_error", "model_not_found", "The model does not exist."),
        405: ("invalid_request_error", "method_not_supported", "Method not allowed."),
        413: ("invalid_request_error", "request_too_large", "Request too large."),
        429: ("requests", "rate_limit_exceeded",
              "Rate limit reached for requests. Please try again in 1s."),
        500: ("server_error", None, "The server had an error while processing your request."),
        503: ("server_error", None, "The engine is currently overloaded, please try again later."),
    }
    t, code, msg = defaults.get(status, ("server_error", None, "Error %d" % status))
    return {"error": {"message": e.get("message", msg), "type": e.get("type", t),
                      "param": None, "code": e.get("code", code)}}


def oa_stream_error(e, seq):
    return sse({"error": {"message": e.get("message", "The server had an error while processing your request."),
                          "type": e.get("type", "server_error"), "param": None, "code": None}})


# --- OpenAI Responses ---

def rs_usage(p):
    return {"input_tokens": p.T, "input_tokens_details": {"cached_tokens": p.cr},
            "output_tokens": p.O + p.R, "output_tokens_details": {"reasoning_tokens": p.R},
            "total_tokens": p.T + p.O + p.R}


def rs_items(p):
    items = []
    if p.text or not p.calls:
        items.append({"id": "msg_fake%06d" % p.seq, "type": "message", "status": "completed",
                      "role": "assistant",
                      "content": [{"type": "output_text", "text": p.text, "annotations": [],
                                   "logprobs": []}]})
    for c in p.calls:
        items.append({"id": c["item_id"], "type": "function_call", "status": "completed",
                      "arguments": compact_json(c["args"]), "call_id": c["id"], "name": c["name"]})
    return items


def rs_obj(p, body, status, output, usage):
    return {"id": p.id, "object": "response", "created_at": p.created, "status": status,
            "background": False, "error": None, "incomplete_details": None,
            "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
            "model": p.model, "output": output, "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"),
            "reasoning": {"effort": None, "summary": None}, "service_tier": "default",
            "store": body.get("store", True), "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}}, "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools") or [], "top_p": body.get("top_p", 1.0),
            "truncation": "disabled", "usage": usage, "user": None, "metadata": {}}


def rs_json(p, body):
    p.finish = "tool_calls" if p.calls else "stop"
    p.wire_usage = rs_usage(p)
    return rs_obj(p, body, "completed", rs_items(p), p.wire_usage)


def rs_stream(p, body):
    p.finish = "tool_calls" if p.calls else "stop"
    ev = []
    seq = [0]

    def emit(typ, kind="delta", **fields):
        d = {"type": typ, "sequence_number": seq[0]}
        d.update(fields)
        seq[0] += 1
        ev.append((kind, sse(d, event=typ)))

    emit("response.created", "pre", response=rs_obj(p, body, "in_progress", [], None))
    emit("response.in_progress", "pre", response=rs_obj(p, body, "in_progress", [], None))
    items = rs_items(p)
    for oi, it in enumerate(items):
        if it["type"] == "message":
            added = dict(it, status="in_progress", content=[])
            emit("response.output_item.added", "pre", output_index=oi, item=added)
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            emit("response.content_part.added", "pre", item_id=it["id"],
                 output_index=oi, content_index=0, part=part)
            for piece in split_text(p.text):
                emit("response.output_text.delta", item_id=it["id"], output_index=oi,
                     content_index=0, delta=piece, logprobs=[])
            emit("response.output_text.done", "post", item_id=it["id"], output_index=oi,
                 content_index=0, text=p.text, logprobs=[])
            emit("response.content_part.done", "post", item_id=it["id"], output_index=oi,
                 content_index=0, part=dict(part, text=p.text))
            emit("response.output_item.done", "post", output_index=oi, item=it)
        else:
            emit("response.output_item.added", "pre", output_index=oi,
                 item=dict(it, status="in_progress", arguments=""))
            for frag in split_json(it["arguments"]):
                emit("response.function_call_arguments.delta", item_id=it["id"], output_index=oi,
                     delta=frag)
            emit("response.function_call_arguments.done", "post", item_id=it["id"], output_index=oi,
                 arguments=it["arguments"])
            emit("response.output_item.done", "post", output_index=oi, item=it)
    p.wire_usage = rs_usage(p)
    emit("response.completed", "post", response=rs_obj(p, body, "completed", items, p.wire_usage))
    return ev


def rs_stream_error(e, seq):
    return sse({"type": "error", "sequence_number": seq, "code": e.get("code", "server_error"),
                "message": e.get("message", "The server had an error while processing your request."),
                "param": None}, event="error")


# --- Anthropic Messages ---

ANTH_ERRORS = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
               500: "api_error", 503: "api_error", 529: "overloaded_error"}
ANTH_MSGS = {"rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit.",
             "overloaded_error": "Overloaded", "api_error": "Internal server error",
             "authentication_error": "invalid x-api-key"}


def an_usage(p, final=True):
    return {"input_tokens": p.T - p.cr - p.cc, "cache_creation_input_tokens": p.cc,
            "cache_read_input_tokens": p.cr,
            "cache_creation": {"ephemeral_5m_input_tokens": p.cc, "ephemeral_1h_input_tokens": 0},
            "output_tokens": (p.O + p.R) if final else 1, "service_tier": "standard"}


def an_blocks(p):
    blocks = []
    if p.text or not p.calls:
        blocks.append({"type": "text", "text": p.text})
    for c in p.calls:
        blocks.append({"type": "tool_use", "id": c["id"], "name": c["name"], "input": c["args"]})
    return blocks


def an_json(p):
    p.finish = "tool_use" if p.calls else "end_turn"
    p.wire_usage = an_usage(p)
    return {"id": p.id, "type": "message", "role": "assistant", "model": p.model,
            "content": an_blocks(p), "stop_reason": p.finish, "stop_sequence": None,
            "usage": p.wire_usage}


def an_stream(p):
    p.finish = "tool_use" if p.calls else "end_turn"
    ev = []

    def emit(typ, kind="delta", **fields):
        d = {"type": typ}
        d.update(fields)
        ev.append((kind, sse(d, event=typ)))

    emit("message_start", "pre", message={"id": p.id, "type": "message", "role": "assistant",
                                          "model": p.model, "content": [], "stop_reason": None,
                                          "stop_sequence": None, "usage": an_usage(p, final=False)})
    emit("ping", "pre")
    for i, b in enumerate(an_blocks(p)):
        if b["type"] == "text":
            emit("content_block_start", "pre", index=i, content_block={"type": "text", "text": ""})
            for piece in split_text(b["text"]):
                emit("content_block_delta", index=i, delta={"type": "text_delta", "text": piece})
        else:
            emit("content_block_start", "pre", index=i,
                 content_block={"type": "tool_use", "id": b["id"], "name": b["name"], "input": {}})
            emit("content_block_delta", "pre", index=i, delta={"type": "input_json_delta", "partial_json": ""})
            for frag in split_json(compact_json(b["input"])):
                emit("content_block_delta", index=i, delta={"type": "input_json_delta",
                                                            "partial_json": frag})
        emit("content_block_stop", "post", index=i)
    p.wire_usage = an_usage(p)
    mu = {k: v for k, v in p.wire_usage.items() if k in ("input_tokens", "cache_creation_input_tokens",
                                                        "cache_read_input_tokens", "output_tokens")}
    emit("message_delta", "post", delta={"stop_reason": p.finish, "stop_sequence": None}, usage=mu)
    emit("message_stop", "post")
    return ev


def an_error_body(status, e):
    t = e.get("type", ANTH_ERRORS.get(status, "api_error"))
    return {"type": "error", "error": {"type": t, "message": e.get("message", ANTH_MSGS.get(t, "Error"))},
            "request_id": "req_fake_err"}


def an_stream_error(e, seq):
    t = e.get("type", "overloaded_error")
    return sse({"type": "error", "error": {"type": t, "message": e.get("message", ANTH_MSGS.get(t, "Error"))}},
               event="error")


# --- Gemini ---

GEM_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
              404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
GEM_MSGS = {429: "Resource has been exhausted (e.g. check quota).",
            500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            503: "The model is overloaded. Please try again later."}


def gm_usage(p, final=True):
    u = {"promptTokenCount": p.T}
    if final:
        u["candidatesTokenCount"] = p.O
        u["totalTokenCount"] = p.T + p.O + p.R
    else:
        u["totalTokenCount"] = p.T
    if p.cr:
        u["cachedContentTokenCount"] = p.cr
    if final and p.R:
        u["thoughtsTokenCount"] = p.R
    u["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": p.T}]
    if p.cr:
        u["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": p.cr}]
    return u


def gm_parts(p):
    parts = []
    if p.text or not p.calls:
        parts.append({"text": p.text})
    for c in p.calls:
        parts.append({"functionCall": {"id": c["id"], "name": c["name"], "args": c["args"]}})
    return parts


def gm_json(p):
    p.finish = "STOP"
    p.wire_usage = gm_usage(p)
    return {"candidates": [{"content": {"parts": gm_parts(p), "role": "model"}, "finishReason": "STOP",
                            "index": 0}],
            "usageMetadata": p.wire_usage, "modelVersion": p.model, "responseId": p.id}


def gm_stream_objs(p):
    p.finish = "STOP"
    objs = []   # (kind, obj)
    pieces = split_text(p.text) if p.text else []
    groups = ["".join(pieces[i:i + 3]) for i in range(0, len(pieces), 3)]
    chunks = [[{"text": g}] for g in groups]
    for c in p.calls:
        chunks.append([{"functionCall": {"id": c["id"], "name": c["name"], "args": c["args"]}}])
    if not chunks:
        chunks = [[{"text": ""}]]
    p.wire_usage = gm_usage(p)
    for i, parts in enumerate(chunks):
        last = i == len(chunks) - 1
        cand = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if last:
            cand["finishReason"] = "STOP"
        objs.append(("delta", {"candidates": [cand], "usageMetadata": gm_usage(p, final=last),
                               "modelVersion": p.model, "responseId": p.id}))
    return objs


def gm_sse(p):
    return [(k, sse(o, eol="\r\n", compact=False)) for k, o in gm_stream_objs(p)]


def gm_array(p):
    objs = gm_stream_objs(p)
    ev = []
    for i, (k, o) in enumerate(objs):
        ev.append((k, (("[" if i == 0 else ",\r\n") + json.dumps(o, indent=2) + "\n").encode()))
    ev.append(("post", b"]"))
    return ev


def gm_error_body(status, e):
    return {"error": {"code": status, "message": e.get("message", GEM_MSGS.get(status, "Error")),
                      "status": e.get("type", GEM_STATUS.get(status, "UNKNOWN"))}}


def gm_stream_error(e, seq, array=False):
    o = gm_error_body(500, e)
    return ((",\r\n" + json.dumps(o, indent=2) + "\n]").encode() if array else sse(o, eol="\r\n", compact=False))


# --- Ollama ---

def ol_ts():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + (".%09dZ" % int((t % 1) * 1e9))


def ol_final(p, server):
    p.wire_usage = {"prompt_eval_count": p.T, "eval_count": p.O + p.R}
    gen_ms = server.ttft_ms + server.token_ms * max(0, len(split_text(p.text)) - 1)
    return {"done_reason": "stop", "done": True,
            "total_duration": 2000000 + p.T * 100000 + (p.O + p.R) * 1000000 + gen_ms * 1000000,
            "load_duration": 2000000, "prompt_eval_count": p.T, "prompt_eval_duration": p.T * 100000,
            "eval_count": p.O + p.R, "eval_duration": (p.O + p.R) * 1000000 + gen_ms * 1000000}


def ol_calls(p):
    return [{"function": {"name": c["name"], "arguments": c["args"]}} for c in p.calls]


def ol_chat_json(p, server):
    p.finish = "stop"
    msg = {"role": "assistant", "content": p.text}
    if p.calls:
        msg["tool_calls"] = ol_calls(p)
    d = {"model": p.model, "created_at": ol_ts(), "message": msg}
    d.update(ol_final(p, server))
    return d


def ol_chat_stream(p, server):
    p.finish = "stop"
    ev = []
    for piece in split_text(p.text):
        ev.append(("delta", (json.dumps({"model": p.model, "created_at": ol_ts(),
                                         "message": {"role": "assistant", "content": piece},
                                         "done": False}) + "\n").encode()))
    if p.calls:
        ev.append(("delta", (json.dumps({"model": p.model, "created_at": ol_ts(),
                                         "message": {"role": "assistant", "content": "",
                                                     "tool_calls": ol_calls(p)},
                                         "done": False}) + "\n").encode()))
    d = {"model": p.model, "created_at": ol_ts(), "message": {"role": "assistant", "content": ""}}
    d.update(ol_final(p, server))
    ev.append(("post", (json.dumps(d) + "\n").encode()))
    return ev


def ol_gen_json(p, server):
    p.finish = "stop"
    d = {"model": p.model, "created_at": ol_ts(), "response": p.text}
    d.update(ol_final(p, server))
    d["context"] = [1, 2, 3]
    return d


def ol_gen_stream(p, server):
    p.finish = "stop"
    ev = []
    for piece in split_text(p.text):
        ev.append(("delta", (json.dumps({"model": p.model, "created_at": ol_ts(), "response": piece,
                                         "done": False}) + "\n").encode()))
    d = {"model": p.model, "created_at": ol_ts(), "response": ""}
    d.update(ol_final(p, server))
    d["context"] = [1, 2, 3]
    ev.append(("post", (json.dumps(d) + "\n").encode()))
    return ev


def ol_error_body(status, e):
    return {"error": e.get("message", {429: "too many requests", 500: "llama runner process has terminated",
                                       400: "invalid request"}.get(status, "error %d" % status))}


def ol_stream_error(e, seq):
    return (json.dumps({"error": e.get("message", "an error was encountered while running the model")})
            + "\n").encode()


# ---------------------------------------------------------------------------------------------
# HTTP

ERROR_BODY = {"openai.chat": oa_error_body, "openai.responses": oa_error_body,
              "openai.embeddings": oa_error_body, "openai.models": oa_error_body,
              "anthropic.messages": an_error_body, "anthropic.count_tokens": an_error_body,
              "gemini": gm_error_body, "ollama.chat": ol_error_body, "ollama.generate": ol_error_body}

MODELS = ["gpt-4o-mini", "gpt-4.1", "o4-mini", "claude-sonnet-4-5", "claude-haiku-4-5",
          "gemini-2.5-flash", "llama3.2"]


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, opts, ssl_ctx):
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, handler)
        self.ssl_ctx = ssl_ctx
        self.script = opts.script_data
        self.ttft_ms = opts.ttft_ms
        self.token_ms = opts.token_ms
        self.gzip = opts.gzip
        self.chunked = opts.chunked == "on"
        self.verbose = opts.verbose
        self.reasoning_tokens = opts.reasoning_tokens
        self.no_cache = opts.no_cache_tokens
        self.lock = threading.Lock()
        self.seq = 0
        self.error_counters = {}
        self.responses_state = {}
        self.log_f = None
        if opts.log:
            self.log_f = sys.stderr if opts.log == "-" else open(opts.log, "a", encoding="utf-8")

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def log_entry(self, entry):
        if not self.log_f:
            return
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.lock:
            self.log_f.write(line)
            self.log_f.flush()

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_ctx:
            sock = self.ssl_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if self.verbose or not isinstance(exc, (OSError, ssl.SSLError)):
            sys.stderr.write("fake_llm: error with client %s: %r\n" % (client_address, exc))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1.0"
    sys_version = ""

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(30)
            self.request.do_handshake()
        self.request.settimeout(300)
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_llm: %s %s\n" % (self.address_string(), fmt % args))

    # ---- plumbing ----
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise BadRequest("truncated chunked body")
                try:
                    n = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size")
                if n == 0:
                    while True:      # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                total += n
                if total > MAX_BODY:
                    raise BadRequest("body too large")
                parts.append(self.rfile.read(n))
                self.rfile.readline(3)
            data = b"".join(parts)
        else:
            cl = self.headers.get("Content-Length")
            try:
                n = int(cl) if cl else 0
            except ValueError:
                raise BadRequest("bad Content-Length")
            if n < 0 or n > MAX_BODY:
                self.close_connection = True
                raise BadRequest("bad Content-Length")
            data = self.rfile.read(n) if n else b""
        ce = (self.headers.get("Content-Encoding") or "").lower()
        try:
            if ce == "gzip":
                data = gzip.decompress(data)
            elif ce == "deflate":
                data = zlib.decompress(data)
            elif ce and ce != "identity":
                raise BadRequest("unsupported Content-Encoding %s" % ce)
        except (OSError, zlib.error, EOFError):
            raise BadRequest("cannot decode %s body" % ce)
        return data

    def wants_gzip(self):
        if not self.server.gzip:
            return False
        ae = (self.headers.get("Accept-Encoding") or "").lower()
        return any(t.split(";")[0].strip() in ("gzip", "*") for t in ae.split(","))

    def write_chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def send_body(self, status, ctype, body, extra=()):
        gz = self.wants_gzip() and len(body) > 0
        if gz:
            body = gzip.compress(body)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        if self.server.chunked and body:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = max(1, (len(body) + 2) // 3)
            for i in range(0, len(body), step):
                self.write_chunk(body[i:i + step])
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def send_json(self, status, obj, extra=(), indent=None):
        data = json.dumps(obj, indent=indent) if indent else compact_json(obj)
        self.send_body(status, "application/json", data.encode(), extra)

    def send_stream(self, ctype, events, extra=(), cut=False):
        gz = self.wants_gzip()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache")
        for k, v in extra:
            self.send_header(k, v)
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        comp = zlib.compressobj(6, zlib.DEFLATED, 31) if gz else None
        first = True
        for kind, data in events:
            if kind == "delta":
                ms = self.server.ttft_ms if first else self.server.token_ms
                first = False
                if ms > 0:
                    time.sleep(ms / 1000.0)
            if comp:
                data = comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)
            self.write_chunk(data)
        if cut:
            self.close_connection = True
            try:
                self.wfile.flush()
                self.request.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if comp:
            self.write_chunk(comp.flush())
        self.wfile.write(b"0\r\n\r\n")

    def pace_nonstream(self, n_deltas):
        ms = self.server.ttft_ms + self.server.token_ms * max(0, n_deltas - 1)
        if ms > 0:
            time.sleep(ms / 1000.0)

    def base_url(self):
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return ("https://" if self.server.ssl_ctx else "http://") + host

    def log_request_entry(self, body_raw, body, endpoint, response):
        hdrs, auth = {}, []
        for k, v in self.headers.items():
            if k.lower() in AUTH_HEADERS:
                auth.append(k.lower())
            else:
                hdrs[k.lower()] = v
        u = urlsplit(self.path)
        q = [(k, "REDACTED" if k.lower() in SECRET_QUERY else v) for k, v in parse_qsl(u.query, keep_blank_values=True)]
        e = {"seq": response.get("seq"), "ts": round(time.time(), 6),
             "client": "%s:%s" % self.client_address[:2], "method": self.command,
             "path": u.path + ("?" + urlencode(q) if q else ""), "query": dict(q), "headers": hdrs,
             "auth_headers": auth, "endpoint": endpoint}
        if body is not None:
            e["body"] = body
        elif body_raw:
            e["body_text"] = body_raw[:65536].decode("utf-8", "replace")
        e["response"] = response
        self.server.log_entry(e)

    # ---- dispatch ----
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def dispatch(self, method):
        body_raw, body, endpoint = b"", None, "unknown"
        path = urlsplit(self.path).path
        try:
            try:
                body_raw = self.read_body()
            except BadRequest as e:
                self.close_connection = True
                raise
            endpoint, handler = self.route(method, path)
            if method == "POST" and endpoint not in ("unknown",):
                if not body_raw.strip():
                    raise BadRequest("request body is empty, expected JSON")
                try:
                    body = json.loads(body_raw)
                except ValueError as e:
                    raise BadRequest("body is not valid JSON: %s" % e)
                if not isinstance(body, dict):
                    raise BadRequest("body must be a JSON object")
            elif body_raw:
                try:
                    body = json.loads(body_raw)
                except ValueError:
                    body = None
            handler(endpoint, body, body_raw)
        except BadRequest as e:
            self.fail(endpoint, body_raw, body, 400, {"message": str(e)})
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True
        except Exception as e:  # never crash: 500 with an error JSON
            if self.server.verbose:
                import traceback
                traceback.print_exc()
            try:
                self.fail(endpoint, body_raw, body, 500, {"message": "fake_llm internal error: %r" % e})
            except Exception:
                self.close_connection = True

    def fail(self, endpoint, body_raw, body, status, e):
        fn = ERROR_BODY.get(endpoint, oa_error_body)
        obj = fn(status, e)
        self.log_request_entry(body_raw, body, endpoint, {"status": status, "kind": "error", "error": obj})
        self.send_json(status, obj)

    def route(self, method, path):
        p = path.rstrip("/") or "/"
        post = {"openai.chat": self.h_llm, "openai.responses": self.h_llm, "anthropic.messages": self.h_llm,
                "gemini": self.h_llm, "ollama.chat": self.h_llm, "ollama.generate": self.h_llm,
                "openai.embeddings": self.h_embeddings, "anthropic.count_tokens": self.h_count_tokens}
        ep = None
        if p.endswith("/chat/completions"):
            ep = "openai.chat"
        elif p.endswith("/responses"):
            ep = "openai.responses"
        elif p.endswith("/messages/count_tokens"):
            ep = "anthropic.count_tokens"
        elif p.endswith("/v1/messages"):
            ep = "anthropic.messages"
        elif re.search(r"/models/[^/]+:(generateContent|streamGenerateContent)$", p):
            ep = "gemini"
        elif p == "/api/chat":
            ep = "ollama.chat"
        elif p == "/api/generate":
            ep = "ollama.generate"
        elif p.endswith("/embeddings"):
            ep = "openai.embeddings"
        if ep:
            if method != "POST":
                return ep, self.h_method_not_allowed
            return ep, post[ep]
        if method == "GET":
            if p.startswith("/tool/fetch"):
                return "tool.fetch", self.h_fetch
            if p in ("/v1/models", "/v1beta/models", "/api/tags", "/models"):
                return "openai.models", self.h_models
            if p in ("/health", "/healthz", "/"):
                return "health", self.h_health
        return "unknown", self.h_not_found

    # ---- endpoints ----
    def h_not_found(self, ep, body, raw):
        self.fail(ep, raw, body, 404, {"message": "Unknown request URL: %s %s" % (self.command, self.path),
                                       "type": "invalid_request_error", "code": "unknown_url"})

    def h_method_not_allowed(self, ep, body, raw):
        self.fail(ep, raw, body, 405,
                  {"message": "Invalid method for URL (%s %s)" % (self.command, self.path)})

    def h_health(self, ep, body, raw):
        self.log_request_entry(raw, body, ep, {"status": 200})
        self.send_json(200, {"status": "ok"})

    def h_models(self, ep, body, raw):
        now = 1700000000
        p = urlsplit(self.path).path
        if p.startswith("/v1beta"):
            obj = {"models": [{"name": "models/" + m, "displayName": m, "version": "001",
                               "supportedGenerationMethods": ["generateContent", "streamGenerateContent"]}
                              for m in MODELS if m.startswith("gemini")]}
        elif p == "/api/tags":
            obj = {"models": [{"name": m + ":latest", "model": m + ":latest", "size": 2019393189,
                               "modified_at": "2024-09-25T12:00:00Z"} for m in MODELS if m.startswith("llama")]}
        elif self.headers.get("anthropic-version"):
            data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-09-29T00:00:00Z"}
                    for m in MODELS if m.startswith("claude")]
            obj = {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        else:
            obj = {"object": "list", "data": [{"id": m, "object": "model", "created": now, "owned_by": "fake-llm"}
                                              for m in MODELS]}
        self.log_request_entry(raw, body, ep, {"status": 200})
        self.send_json(200, obj)

    def h_fetch(self, ep, body, raw):
        q = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        try:
            status = int(q.get("status", "200"))
            delay = int(q.get("delay_ms", "0"))
        except ValueError:
            raise BadRequest("status and delay_ms must be integers")
        if not 200 <= status <= 599:
            raise BadRequest("status out of range")
        if delay > 0:
            time.sleep(min(delay, 30000) / 1000.0)
        obj = {"ok": status < 400, "source": "fake_llm", "query": q,
               "summary": "fetched %s" % (" ".join("%s=%s" % kv for kv in sorted(q.items())) or "nothing"),
               "items": [{"n": i, "value": "item-%d" % i} for i in range(3)]}
        if q.get("q") == "weather":
            obj["forecast"] = {"city": q.get("city", "Paris"), "temp_c": 21, "sky": "sunny"}
        self.log_request_entry(raw, body, ep, {"status": status, "body": obj})
        self.send_json(status, obj)

    def h_embeddings(self, ep, body, raw):
        model = _model(body)
        inp = body.get("input")
        texts = [inp] if isinstance(inp, str) else [text_of(x) if not isinstance(x, str) else x
                                                    for x in (inp or [])]
        T = OVERHEAD_TOKENS + sum(words(t) for t in texts)
        data = []
        for i, t in enumerate(texts):
            h = hashlib.sha256(t.encode()).digest()
            data.append({"object": "embedding", "index": i,
                         "embedding": [round((b - 128) / 128.0, 6) for b in h[:8]]})
        obj = {"object": "list", "data": data, "model": model,
               "usage": {"prompt_tokens": T, "total_tokens": T}}
        self.log_request_entry(raw, body, ep, {"status": 200, "usage": {"input_tokens": T}})
        self.send_json(200, obj)

    def h_count_tokens(self, ep, body, raw):
        c = conv_anthropic(body)
        c.analyze()
        T = OVERHEAD_TOKENS + c.words_in
        self.log_request_entry(raw, body, ep, {"status": 200, "usage": {"input_tokens": T}})
        self.send_json(200, {"input_tokens": T})

    def h_llm(self, ep, body, raw):
        path = urlsplit(self.path).path
        query = dict(parse_qsl(urlsplit(self.path).query))
        gem_sse = False
        if ep == "openai.chat":
            conv = conv_openai_chat(body)
        elif ep == "openai.responses":
            conv = conv_responses(body, self.server)
        elif ep == "anthropic.messages":
            conv = conv_anthropic(body)
        elif ep == "gemini":
            m = re.search(r"/models/([^/]+):(generateContent|streamGenerateContent)$", path.rstrip("/"))
            conv = conv_gemini(body, m.group(1), m.group(2) == "streamGenerateContent")
            gem_sse = query.get("alt") == "sse"
        elif ep == "ollama.chat":
            conv = conv_ollama_chat(body)
        else:
            conv = conv_ollama_generate(body)
        p = make_plan(self.server, conv, ep, self.base_url())
        e = p.error
        resp = {"seq": p.seq, "status": 200, "stream": p.stream, "round": p.round, "model": p.model}
        extra = self.provider_headers(ep, p)
        if e and "status" in e and not e.get("mid_stream") and not e.get("cut"):
            st = int(e["status"])
            obj = ERROR_BODY[ep](st, e)
            resp.update({"status": st, "kind": "error", "error": obj})
            self.log_request_entry(raw, body, ep, resp)
            if st in (429, 503, 529):
                extra.append(("retry-after", str(e.get("retry_after", 1))))
            self.send_json(st, obj, extra)
            return
        # build the normal answer
        if p.stream:
            if ep == "openai.chat":
                ctype, events = "text/event-stream; charset=utf-8", oa_chat_stream(p)
            elif ep == "openai.responses":
                ctype, events = "text/event-stream; charset=utf-8", rs_stream(p, body)
            elif ep == "anthropic.messages":
                ctype, events = "text/event-stream; charset=utf-8", an_stream(p)
            elif ep == "gemini":
                ctype, events = (("text/event-stream", gm_sse(p)) if gem_sse
                                 else ("application/json; charset=UTF-8", gm_array(p)))
            elif ep == "ollama.chat":
                ctype, events = "application/x-ndjson", ol_chat_stream(p, self.server)
            else:
                ctype, events = "application/x-ndjson", ol_gen_stream(p, self.server)
        else:
            if ep == "openai.chat":
                obj = oa_chat_json(p)
            elif ep == "openai.responses":
                obj = rs_json(p, body)
            elif ep == "anthropic.messages":
                obj = an_json(p)
            elif ep == "gemini":
                obj = gm_json(p)
            elif ep == "ollama.chat":
                obj = ol_chat_json(p, self.server)
            else:
                obj = ol_gen_json(p, self.server)
        resp.update({"kind": "tool_calls" if p.calls else "text", "id": p.id if ep.startswith(("openai", "anthropic", "gemini")) else None,
                     "text": p.text,
                     "tool_calls": [{"id": c["id"], "name": c["name"], "arguments": c["args"]} for c in p.calls],
                     "finish_reason": p.finish, "usage": p.usage, "wire_usage": p.wire_usage})
        if e:   # mid-stream error or cut
            resp["error"] = {"mid_stream": bool(e.get("mid_stream")), "cut": bool(e.get("cut")),
                             "type": e.get("type")}
            resp["kind"] = "error"
            if not p.stream:
                st = int(e.get("status", 529 if ep == "anthropic.messages" else 500))
                if e.get("cut"):
                    data = compact_json(obj).encode()
                    self.log_request_entry(raw, body, ep, resp)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.close_connection = True
                    try:
                        self.request.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                obj = ERROR_BODY[ep](st, {k: e[k] for k in ("message", "type") if k in e})
                resp["status"] = st
                self.log_request_entry(raw, body, ep, resp)
                self.send_json(st, obj, extra)
                return
            # keep the preamble and the first half of the deltas (at least one), then fail
            deltas = [i for i, (k, _) in enumerate(events) if k == "delta"]
            keep = deltas[(len(deltas) - 1) // 2] + 1 if deltas else max(1, len(events) // 2)
            events = events[:keep]
            if e.get("mid_stream"):
                if ep == "openai.chat":
                    err = oa_stream_error(e, keep)
                elif ep == "openai.responses":
                    err = rs_stream_error(e, keep)
                elif ep == "anthropic.messages":
                    err = an_stream_error(e, keep)
                elif ep == "gemini":
                    err = gm_stream_error(e, keep, array=not gem_sse)
                    if not gem_sse and not events:
                        err = b"[" + err[3:]
                else:
                    err = ol_stream_error(e, keep)
                events.append(("post", err))
            self.log_request_entry(raw, body, ep, resp)
            self.send_stream(ctype, events, extra, cut=bool(e.get("cut")))
            return
        self.log_request_entry(raw, body, ep, resp)
        if p.stream:
            self.send_stream(ctype, events, extra)
        else:
            self.pace_nonstream(len(split_text(p.text)) + len(p.calls))
            # OpenAI and Gemini pretty-print JSON bodies, Anthropic and Ollama do not
            self.send_json(200, obj, extra, indent=2 if ep.startswith(("openai", "gemini")) else None)

    def provider_headers(self, ep, p):
        if ep.startswith("openai"):
            return [("x-request-id", "req_fake%06d" % p.seq), ("openai-processing-ms", "12"),
                    ("openai-version", "2020-10-01")]
        if ep.startswith("anthropic"):
            return [("request-id", "req_fake%06d" % p.seq), ("anthropic-organization-id", "fake-org")]
        if ep == "gemini":
            return [("x-goog-request-id", "fake%06d" % p.seq), ("Server-Timing", "gfet4t7; dur=12")]
        return []


# ---------------------------------------------------------------------------------------------

def gen_cert(d):
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    if os.path.exists(cert) and os.path.exists(key):
        return cert, key
    cmd = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
           "-days", "3650", "-subj", "/CN=localhost",
           "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign"]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit("fake_llm: openssl failed: %s" % r.stderr.decode(errors="replace"))
    return cert, key


def main(argv=None):
    ap = argparse.ArgumentParser(description="Local fake of the LLM provider HTTP APIs (see tools/README.md).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port (default)")
    ap.add_argument("--port-file", help="write the port here once listening")
    ap.add_argument("--tls", action="store_true", help="serve HTTPS")
    ap.add_argument("--cert", help="PEM certificate (with --tls)")
    ap.add_argument("--key", help="PEM private key (with --tls)")
    ap.add_argument("--gen-cert", metavar="DIR",
                    help="make (or reuse) DIR/cert.pem + DIR/key.pem, self-signed for 127.0.0.1/localhost; implies --tls")
    ap.add_argument("--script", help="JSON script FILE, or builtin:NAME (%s)" % ", ".join(BUILTIN_SCRIPTS))
    ap.add_argument("--log", help="append a JSON line per request to FILE ('-' = stderr)")
    ap.add_argument("--ttft-ms", type=int, default=0, help="delay before the first streamed delta")
    ap.add_argument("--token-ms", type=int, default=0, help="delay between streamed deltas")
    ap.add_argument("--gzip", action="store_true", help="gzip responses when the client accepts gzip")
    ap.add_argument("--chunked", choices=["on", "off"], default="off",
                    help="Transfer-Encoding: chunked for non-streaming bodies (default off)")
    ap.add_argument("--reasoning-tokens", type=int, default=0, help="reasoning tokens per response (default 0)")
    ap.add_argument("--no-cache-tokens", action="store_true", help="report 0 cache read/creation tokens")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args(argv)
    try:
        opts.script_data = load_script(opts.script)
    except ScriptError as e:
        sys.stderr.write("fake_llm: %s\n" % e)
        return 2
    ctx = None
    if opts.gen_cert or opts.cert:
        opts.tls = True
    if opts.tls:
        if not opts.cert:
            d = opts.gen_cert or tempfile.mkdtemp(prefix="fake_llm_cert.")
            opts.cert, opts.key = gen_cert(d)
            sys.stderr.write("fake_llm: certificate %s\n" % opts.cert)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.cert, opts.key or opts.cert)
        ctx.set_alpn_protocols(["http/1.1"])
    try:
        httpd = Server((opts.host, opts.port), Handler, opts, ctx)
    except OSError as e:
        sys.stderr.write("fake_llm: cannot listen on %s:%d: %s\n" % (opts.host, opts.port, e))
        return 1
    port = httpd.server_address[1]
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, opts.port_file)
    sys.stderr.write("fake_llm: listening on %s://%s:%d\n" % ("https" if ctx else "http", opts.host, port))
    sys.stderr.flush()

    def on_signal(signo, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
        if httpd.log_f and httpd.log_f is not sys.stderr:
            httpd.log_f.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
