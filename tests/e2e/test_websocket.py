# SPDX-License-Identifier: MIT
"""LLM APIs over WebSocket: /usr/bin/python3 (OpenSSL) speaks the OpenAI Realtime API to a fake
server (tests/e2e/ws_server.py, RFC 6455 by hand) with and without permessage-deflate: one LLM
span per response, with the session's model, the exact tokens and the tool call asked for, and
the upgrade request's credentials never exported."""
import os
import subprocess

import otlp
from lib import PY, TOP, TRACER, PORT_FILE, Server, TestFailure, Workdir, cert, check, eq

KEY = "sk-proj-e2eWebSocketKey0123456789abcdefABCDEF"

# The client: handshake, then session.update, two responses (a tool result between), close.
CLIENT = r'''
import base64, json, os, socket, ssl, struct, sys, zlib
port, cafile, deflate, key = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4]
ctx = ssl.create_default_context(cafile=cafile)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="127.0.0.1")
wskey = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer %s\r\n"
           "OpenAI-Beta: realtime=v1\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           "%s\r\n" % (port, key, wskey, "Sec-WebSocket-Extensions: permessage-deflate; "
                       "client_max_window_bits\r\n" if deflate else "")).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, _, buf = buf.partition(b"\r\n\r\n")
assert head.startswith(b"HTTP/1.1 101"), head
zo, zi = zlib.compressobj(6, zlib.DEFLATED, -15), zlib.decompressobj(-15)

def send(obj, op=1):
    data, b0 = (json.dumps(obj).encode() if op == 1 else obj), 0x80 | op
    if op == 1 and deflate:
        data, b0 = (zo.compress(data) + zo.flush(zlib.Z_SYNC_FLUSH))[:-4], b0 | 0x40
    mask = os.urandom(4)
    n = len(data)
    hd = bytes([b0, 0x80 | n]) if n < 126 else bytes([b0, 0xfe]) + struct.pack(">H", n)
    s.sendall(hd + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data)))

def need(n):
    global buf
    while len(buf) < n:
        buf += s.recv(65536)
    out, buf = buf[:n], buf[n:]
    return out

def recv():
    b0, b1 = need(2)
    n = b1 & 0x7f
    if n == 126:
        n = struct.unpack(">H", need(2))[0]
    data = need(n)
    if b0 & 0x40:
        data = zi.decompress(data + b"\0\0\xff\xff")
    return b0 & 0x0f, data

def until_done():
    while True:
        op, data = recv()
        ev = json.loads(data)
        if ev["type"] == "response.done":
            return ev

assert json.loads(recv()[1])["type"] == "session.created"
send({"type": "session.update", "session": {"instructions": "Be brief.", "tools": [
    {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]}})
send({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
      "content": [{"type": "input_text", "text": "Weather in Paris?"}]}})
send({"type": "response.create"})
done = until_done()
call = done["response"]["output"][0]
send({"type": "conversation.item.create", "item": {"type": "function_call_output",
      "call_id": call["call_id"], "output": "{\"temp\":21}"}})
send({"type": "response.create"})
until_done()
send(b"\x03\xe8", op=8)
assert recv()[0] == 8
s.close()
'''


def run(deflate):
    work = Workdir()
    crt, key = cert(work)
    with Server(work, "ws_server", [PY, os.path.join(TOP, "tests/e2e/ws_server.py"), crt, key,
                                    PORT_FILE], scheme="https") as srv:
        path = work.file("ws_client.py")
        with open(path, "w") as f:
            f.write(CLIENT)
        out = work.file("otlp.jsonl")
        p = subprocess.run([TRACER, "-o", out, "--format", "none", "--", PY, path,
                            str(srv.port), crt, "1" if deflate else "0", KEY],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise TestFailure("tracer exited %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    check(KEY.encode() not in open(out, "rb").read(), "the API key is not exported")
    spans = otlp.load(out)
    llm = sorted((s for s in spans.spans if s.get("gen_ai.operation.name") == "chat"),
                 key=lambda s: s.start)
    eq(len(llm), 2, "two LLM spans, one per response:\n" + spans.dump())
    first, second = llm
    for s in llm:
        eq(s.name, "chat gpt-realtime", "span name")
        eq(s.kind, 3, "kind CLIENT")
        eq(s.get("gen_ai.provider.name"), "openai", "provider")
        eq(s.get("gen_ai.request.model"), "gpt-realtime", "the session's model")
        eq(s.get("openai.api.type"), "realtime", "api type")
        eq(s.get("server.address"), "127.0.0.1", "server address")
    eq(first.get("gen_ai.response.id"), "resp_e2e_1", "first id")
    eq(first.get("gen_ai.usage.input_tokens"), 120, "first input tokens")
    eq(first.get("gen_ai.usage.output_tokens"), 18, "first output tokens")
    eq(first.get("gen_ai.usage.cache_read.input_tokens"), 64, "first cached tokens")
    eq(first.get("gen_ai.response.finish_reasons"), ["tool_calls"], "first finish")
    eq(second.get("gen_ai.response.id"), "resp_e2e_2", "second id")
    eq(second.get("gen_ai.usage.input_tokens"), 150, "second input tokens")
    eq(second.get("gen_ai.usage.output_tokens"), 11, "second output tokens")
    eq(second.get("gen_ai.response.finish_reasons"), ["stop"], "second finish")
    check(first.end <= second.start, "the responses in order")
    tools = [s for s in spans.spans if s.name == "execute_tool get_weather"]
    eq(len(tools), 1, "the tool call's span:\n" + spans.dump())
    eq(tools[0].get("gen_ai.tool.call.id"), "call_e2e_1", "tool call id")


def test_websocket_realtime_deflate():
    run(True)


def test_websocket_realtime_plain():
    run(False)
