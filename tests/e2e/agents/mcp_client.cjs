// SPDX-License-Identifier: MIT
// MCP client over streamable HTTP (the official SDK) for tests/e2e/test_plaintext.py.
// Usage: node mcp_client.cjs URL TOOL JSON_ARGS: initialize, call the tool, print the result.
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

(async () => {
  const [url, tool, args] = process.argv.slice(2);
  const c = new Client({ name: 'tt-client', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  const r = await c.callTool({ name: tool, arguments: JSON.parse(args) });
  console.log(JSON.stringify(r));
  await c.close();
})().catch((e) => { console.error(e); process.exit(1); });
