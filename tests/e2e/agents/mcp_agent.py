# SPDX-License-Identifier: MIT
"""An agent for tests/e2e/test_plaintext.py: asks an OpenAI-compatible LLM (plain HTTP) with the
tool `add` offered, runs each tool call it gets on an MCP server over streamable HTTP (JSON-RPC
by hand: initialize, notifications/initialized, tools/call), sends the results back.

Usage: mcp_agent.py LLM_URL MCP_URL"""
import json
import sys
import urllib.request

LLM, MCP = sys.argv[1], sys.argv[2]
TOOLS = [{"type": "function", "function": {
    "name": "add", "description": "a + b",
    "parameters": {"type": "object", "properties": {"a": {"type": "number"},
                                                    "b": {"type": "number"}}}}}]
session = None


def post(url, obj, headers=None):
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    h.update(headers or {})
    r = urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(obj).encode(),
                                                      headers=h))
    return r, r.read().decode()


def rpc(method, params, rid=None):
    global session
    msg = {"jsonrpc": "2.0", "method": method, "params": params}
    if rid is not None:
        msg["id"] = rid
    h = {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"} if session else {}
    r, body = post(MCP, msg, h)
    session = session or r.headers.get("Mcp-Session-Id")
    if rid is None:
        return None
    for line in body.splitlines():     # SSE: the response is a data: line
        if line.startswith("data:"):
            body = line[5:]
    return json.loads(body)["result"]


rpc("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "mcp_agent", "version": "1"}}, 1)
rpc("notifications/initialized", {})
msgs = [{"role": "user", "content": "add two numbers"}]
for _ in range(4):
    _, body = post(LLM + "/v1/chat/completions",
                   {"model": "gpt-4o-mini", "messages": msgs, "tools": TOOLS})
    m = json.loads(body)["choices"][0]["message"]
    msgs.append(m)
    if not m.get("tool_calls"):
        print(m["content"])
        break
    for i, tc in enumerate(m["tool_calls"]):
        res = rpc("tools/call", {"name": tc["function"]["name"],
                                 "arguments": json.loads(tc["function"]["arguments"])}, 2 + i)
        msgs.append({"role": "tool", "tool_call_id": tc["id"],
                     "content": res["content"][0]["text"]})
