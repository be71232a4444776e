#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A fake OpenAI Realtime API over WebSocket (RFC 6455 by hand: no websockets module), TLS on
127.0.0.1, permessage-deflate (RFC 7692) when the client offers it.

Usage: ws_server.py CERT KEY PORT_FILE
After the handshake it sends session.created; each response.create the client sends gets a
response: the first asks for the get_weather tool (call_e2e_1), the next answers in text. A
close frame is answered with one and the connection ends. The port goes to PORT_FILE once
listening, as lib.Server expects."""
import base64
import hashlib
import json
import ssl
import struct
import sys
import zlib

from tls_server import listen_tls, read_request  # this script's directory is on sys.path

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B65"


class Peer:
    """One side's frames: send (unmasked: the server's) and receive (masked: the client's)."""

    def __init__(self, sock, deflate):
        self.s = sock
        self.buf = b""
        self.deflate = deflate
        self.z_out = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.z_in = zlib.decompressobj(-15)

    def send(self, obj, op=1):
        data = json.dumps(obj).encode() if op == 1 else obj
        b0 = 0x80 | op
        if op == 1 and self.deflate:
            data = self.z_out.compress(data) + self.z_out.flush(zlib.Z_SYNC_FLUSH)
            data = data[:-4]
            b0 |= 0x40
        n = len(data)
        head = bytes([b0, n]) if n < 126 else bytes([b0, 126]) + struct.pack(">H", n)
        self.s.sendall(head + data)

    def need(self, n):
        while len(self.buf) < n:
            got = self.s.recv(65536)
            if not got:
                raise EOFError
            self.buf += got
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """(opcode, payload) of the next message (fragments joined, inflated)."""
        parts, first = [], None
        while True:
            b0, b1 = self.need(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack(">H", self.need(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self.need(8))[0]
            mask = self.need(4) if b1 & 0x80 else b"\0\0\0\0"
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(self.need(n)))
            if b0 & 0x0f >= 8:
                return b0 & 0x0f, data
            first = first if first is not None else b0
            parts.append(data)
            if b0 & 0x80:
                break
        data = b"".join(parts)
        if first & 0x40:
            data = self.z_in.decompress(data + b"\0\0\xff\xff")
        return first & 0x0f, data


def response(n):
    rid = "resp_e2e_%d" % n
    if n == 1:
        item = {"id": "item_1", "type": "function_call", "name": "get_weather",
                "call_id": "call_e2e_1", "arguments": "{\"city\":\"Paris\"}"}
        usage = {"total_tokens": 138, "input_tokens": 120, "output_tokens": 18,
                 "input_token_details": {"cached_tokens": 64}}
    else:
        item = {"id": "item_2", "type": "message", "role": "assistant",
                "content": [{"type": "text", "text": "21 C in Paris."}]}
        usage = {"total_tokens": 161, "input_tokens": 150, "output_tokens": 11}
    yield {"type": "response.created", "response": {"id": rid, "status": "in_progress",
                                                    "output": []}}
    yield {"type": "response.output_item.added", "response_id": rid, "output_index": 0,
           "item": dict(item, arguments="") if n == 1 else dict(item, content=[])}
    if n != 1:
        yield {"type": "response.output_text.delta", "response_id": rid, "output_index": 0,
               "content_index": 0, "delta": "21 C in Paris."}
    yield {"type": "response.done", "response": {"id": rid, "status": "completed",
                                                 "output": [item], "usage": usage}}


def serve(t):
    got = read_request(t)
    if got is None:
        return
    head = got[1].decode("latin-1")
    hdrs = {}
    for line in head.split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    accept = base64.b64encode(hashlib.sha1(hdrs["sec-websocket-key"].encode() + GUID).digest())
    deflate = "permessage-deflate" in hdrs.get("sec-websocket-extensions", "")
    t.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n" +
              (b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b"") +
              b"\r\n")
    p = Peer(t, deflate)
    p.send({"type": "session.created", "session": {"id": "sess_e2e", "model": "gpt-realtime",
                                                   "modalities": ["text"]}})
    n = 0
    while True:
        op, data = p.recv()
        if op == 8:
            p.send(data, op=8)
            return
        if op == 9:
            p.send(data, op=10)
            continue
        if json.loads(data).get("type") == "response.create":
            n += 1
            for ev in response(n):
                p.send(ev)


def main():
    ctx, s = listen_tls(*sys.argv[1:4])
    while True:
        c, _ = s.accept()
        try:
            t = ctx.wrap_socket(c, server_side=True)
            serve(t)
            t.close()
        except (OSError, ssl.SSLError, EOFError, KeyError, ValueError, zlib.error):
            c.close()


if __name__ == "__main__":
    main()
