// SPDX-License-Identifier: MIT
// A two-turn tool loop with the official npm SDKs (`openai`, `@anthropic-ai/sdk`).
//   node sdk_agent.mjs --modules DIR --base-url URL --provider openai|anthropic [--stream] [--model M]
// DIR holds node_modules/openai and node_modules/@anthropic-ai/sdk (npm install --prefix DIR).
// The self-signed certificate is trusted through NODE_EXTRA_CA_CERTS (set by the caller).
// Turn 1 offers run_command and gets a tool call; the command runs with /bin/sh -c; turn 2 sends
// the result back with the call id; prints the final answer, exit 0.
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const FAKE_API_KEY = 'sk-test-FAKE-tracetree-sdk-0123456789abcdef'; // not a real key, on purpose
const PROMPT = 'List the files in /tmp and tell me the first one.';
const TOOL_DESC = 'Run a shell command with /bin/sh and return its output.';
const TOOL_PARAMS = { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] };

const opt = { stream: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--stream') opt.stream = true;
  else if (a.startsWith('--')) opt[a.slice(2).replace(/-(.)/g, (_, c) => c.toUpperCase())] = process.argv[++i];
}
const require = createRequire(path.join(path.resolve(opt.modules), 'package.json'));

function runTool(args) {
  const { command } = JSON.parse(args || '{}');
  try {
    return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `${e.stdout || ''}${e.stderr || ''}[exit code ${e.status}]`;
  }
}

async function openaiLoop() {
  const OpenAI = require('openai');
  const client = new OpenAI({ apiKey: FAKE_API_KEY, baseURL: `${opt.baseUrl}/v1`, maxRetries: 0 });
  const model = opt.model || 'gpt-4o-mini';
  const tools = [{ type: 'function', function: { name: 'run_command', description: TOOL_DESC, parameters: TOOL_PARAMS } }];
  const messages = [{ role: 'user', content: PROMPT }];
  for (let turn = 1; turn <= 2; turn++) {
    let msg;
    if (opt.stream) {
      const stream = client.chat.completions.stream({ model, messages, tools, stream_options: { include_usage: true } });
      const done = await stream.finalChatCompletion();
      msg = done.choices[0].message;
    } else {
      const done = await client.chat.completions.create({ model, messages, tools });
      msg = done.choices[0].message;
    }
    const calls = msg.tool_calls || [];
    if (!calls.length) return msg.content;
    messages.push({ role: 'assistant', content: msg.content ?? null, tool_calls: calls });
    for (const c of calls) {
      console.log(`tool> ${c.function.name} ${c.function.arguments} id=${c.id}`);
      messages.push({ role: 'tool', tool_call_id: c.id, content: runTool(c.function.arguments) });
    }
  }
  throw new Error('no final answer after two turns');
}

async function anthropicLoop() {
  const sdk = require('@anthropic-ai/sdk');
  const Anthropic = sdk.Anthropic || sdk.default || sdk;
  const client = new Anthropic({ apiKey: FAKE_API_KEY, baseURL: opt.baseUrl, maxRetries: 0 });
  const model = opt.model || 'claude-sonnet-4-5';
  const tools = [{ name: 'run_command', description: TOOL_DESC, input_schema: TOOL_PARAMS }];
  const messages = [{ role: 'user', content: PROMPT }];
  for (let turn = 1; turn <= 2; turn++) {
    const req = { model, max_tokens: 1024, messages, tools };
    const msg = opt.stream ? await client.messages.stream(req).finalMessage()
      : await client.messages.create(req);
    const calls = msg.content.filter((b) => b.type === 'tool_use');
    if (!calls.length) return msg.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
    messages.push({ role: 'assistant', content: msg.content });
    messages.push({
      role: 'user',
      content: calls.map((c) => {
        console.log(`tool> ${c.name} ${JSON.stringify(c.input)} id=${c.id}`);
        return { type: 'tool_result', tool_use_id: c.id, content: runTool(JSON.stringify(c.input)) };
      }),
    });
  }
  throw new Error('no final answer after two turns');
}

const answer = await (opt.provider === 'anthropic' ? anthropicLoop() : openaiLoop());
console.log(`FINAL: ${answer}`);
