# SPDX-License-Identifier: MIT
"""An agent service for tests/e2e/test_plaintext.py: answers N POST requests on a plain HTTP
port (one thread per request), calling an Ollama-compatible /api/chat for each.

Usage: agent_service.py LLM_URL PORT_FILE N"""
import json
import os
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        q = self.rfile.read(int(self.headers["Content-Length"])).decode()
        body = json.dumps({"model": "llama3.2", "stream": False,
                           "messages": [{"role": "user", "content": q}]}).encode()
        req = urllib.request.Request(LLM + "/api/chat", data=body,
                                     headers={"Content-Type": "application/json"})
        ans = json.loads(urllib.request.urlopen(req).read())["message"]["content"].encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(ans)))
        self.end_headers()
        self.wfile.write(ans)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = False   # server_close() waits for the handlers


LLM, PORT_FILE, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
srv = Server(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
for _ in range(N):
    srv.handle_request()
srv.server_close()
