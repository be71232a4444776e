#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A TLS HTTP/1.1 server answering each request with a fixed JSON document chosen by path.

Usage: json_server.py CERT KEY PORT_FILE ROUTES_JSON
ROUTES_JSON holds [[SUFFIX, DOCUMENT], ...]: a request whose path (query removed) ends in
SUFFIX gets DOCUMENT (the first match; "" matches every path), 404 if none. One request per
connection (Connection: close). The port goes to PORT_FILE once listening, as lib.Server
expects. For model APIs the tests describe by their answers alone."""
import json
import ssl
import sys

from tls_server import listen_tls, read_request  # this script's directory is on sys.path


def main():
    cert, key, port_file, routes_file = sys.argv[1:5]
    with open(routes_file) as f:
        routes = [(suffix, json.dumps(doc).encode()) for suffix, doc in json.load(f)]
    ctx, s = listen_tls(cert, key, port_file)
    while True:
        c, _ = s.accept()
        try:
            t = ctx.wrap_socket(c, server_side=True)
            got = read_request(t)
            if got is None:
                t.close()
                continue
            head = got[1]
            path = head.split(b" ")[1].split(b"?")[0].decode()
            found = [doc for suffix, doc in routes if path.endswith(suffix)]
            if found:
                t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(found[0]) +
                          found[0])
            else:
                t.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                          b"Connection: close\r\n\r\n")
            t.close()
        except (OSError, ssl.SSLError, IndexError, ValueError):
            c.close()


if __name__ == "__main__":
    main()
