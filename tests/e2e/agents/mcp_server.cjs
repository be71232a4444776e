// SPDX-License-Identifier: MIT
// MCP server over streamable HTTP (the official SDK) for tests/e2e/test_plaintext.py.
// Usage: node mcp_server.cjs PORT_FILE [json|sse]: tools add(a, b), fail(); stateful sessions.
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { z } = require('zod');

const [portFile, mode] = process.argv.slice(2);
const transports = {};

function newServer() {
  const s = new McpServer({ name: 'tt-test', version: '1.0.0' });
  s.registerTool('add', { description: 'a + b', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  s.registerTool('fail', { description: 'always fails', inputSchema: {} },
    async () => ({ content: [{ type: 'text', text: 'boom' }], isError: true }));
  return s;
}

http.createServer(async (req, res) => {
  let body = '';
  for await (const c of req) body += c;
  const sid = req.headers['mcp-session-id'];
  let t = sid && transports[sid];
  if (!t) {
    t = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => { transports[id] = t; },
      enableJsonResponse: mode === 'json',
    });
    await newServer().connect(t);
  }
  await t.handleRequest(req, res, body ? JSON.parse(body) : undefined);
}).listen(0, '127.0.0.1', function () {
  fs.writeFileSync(portFile, String(this.address().port));
});
