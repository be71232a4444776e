#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Minimal TLS HTTP/1.1 test server with exact, known bytes on the wire.

GET /bytes/N answers N bytes of a deterministic text body; POST echoes the body length.
Every request as received and every response as sent is appended to --log as JSON Lines
(base64), so tests can compare them with what tracetree-bpf captured.
"""
import argparse
import base64
import json
import os
import socket
import ssl
import sys
import threading

LOCK = threading.Lock()


def body_bytes(n):
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#\n"
    return (line * (n // len(line) + 1))[:n]


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest, head, rest


def handle(conn, log_path):
    try:
        while True:
            got = read_request(conn)
            if not got:
                break
            raw, head, body = got
            line = head.split(b"\r\n")[0].decode()
            method, target = line.split(" ")[:2]
            if method == "GET" and target.startswith("/bytes/"):
                payload = body_bytes(int(target[len("/bytes/"):]))
            else:
                payload = b"received %d bytes\n" % len(body)
            resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                    b"\r\n" % len(payload)) + payload
            conn.sendall(resp)
            with LOCK, open(log_path, "a") as f:
                f.write(json.dumps({"request": base64.b64encode(raw).decode(),
                                    "response": base64.b64encode(resp).decode()}) + "\n")
    except (OSError, ssl.SSLError, ValueError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def listen_tls(cert, key, port_file, backlog=8):
    """A TLS context with cert and key, and a socket listening on 127.0.0.1 whose port is
    written to port_file (atomically, as lib.Server waits for it)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(backlog)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    return ctx, srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    ctx, srv = listen_tls(a.cert, a.key, a.port_file, 64)
    ctx.set_alpn_protocols(["http/1.1"])
    while True:
        raw, _ = srv.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=handle, args=(conn, a.log), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
