#!/usr/bin/node
// SPDX-License-Identifier: MIT
// demo_agent_node.mjs - the sample agent in Node (>= 18): same loop as tools/demo_agent.py for
// OpenAI chat completions and Anthropic Messages, streaming or not, over fetch (undici, the
// default) or the https module (--client https, keep-alive agent). Only a fake key is sent.
//
//   node tools/demo_agent_node.mjs --base-url https://127.0.0.1:PORT --provider openai|anthropic
//        [--model M] [--stream] [--insecure | --cafile F] [--prompt TEXT] [--max-steps N]
//        [--client fetch|https] [--answer-only]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';

const FAKE_API_KEY = 'sk-test-FAKE-tracetree-node-0123456789abcdef'; // not a real key, on purpose
const SYSTEM = 'You are a helpful agent. Use the tools to answer; keep answers short.';
const TOOLS = [
  { name: 'run_command', description: 'Run a shell command with /bin/sh and return its output.',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'fetch_url', description: 'HTTP GET a URL and return the response body.',
    parameters: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] } },
];

function parseArgs(argv) {
  const a = { provider: 'openai', stream: false, insecure: false, cafile: null, model: null,
    prompt: 'List the files in /tmp and tell me the first one.', maxSteps: 8, client: 'fetch',
    answerOnly: false, baseUrl: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = () => argv[++i];
    if (k === '--base-url') a.baseUrl = v();
    else if (k === '--provider') a.provider = v();
    else if (k === '--model') a.model = v();
    else if (k === '--stream') a.stream = true;
    else if (k === '--insecure') a.insecure = true;
    else if (k === '--cafile') a.cafile = v();
    else if (k === '--prompt') a.prompt = v();
    else if (k === '--max-steps') a.maxSteps = parseInt(v(), 10);
    else if (k === '--client') a.client = v();
    else if (k === '--answer-only') a.answerOnly = true;
    else { console.error(`demo_agent_node: unknown option ${k}`); process.exit(64); }
  }
  if (!a.baseUrl || !['openai', 'anthropic'].includes(a.provider) || !['fetch', 'https'].includes(a.client)) {
    console.error('usage: demo_agent_node.mjs --base-url URL [--provider openai|anthropic] [--stream] ' +
      '[--insecure|--cafile F] [--client fetch|https] [--model M] [--prompt T] [--max-steps N] [--answer-only]');
    process.exit(64);
  }
  a.model ??= a.provider === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-5';
  return a;
}

const a = parseArgs(process.argv.slice(2));
// fetch (undici) takes no per-request CA: use Node's process-wide switches for it.
if (a.client === 'fetch' && a.cafile && process.env.NODE_EXTRA_CA_CERTS !== a.cafile) {
  const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: a.cafile } });
  process.exit(r.status ?? 1);
}
if (a.insecure) {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  process.removeAllListeners('warning');
  process.on('warning', () => {});
}
const agent = a.baseUrl.startsWith('https:')
  ? new https.Agent({ keepAlive: true, rejectUnauthorized: !a.insecure,
      ca: a.cafile ? fs.readFileSync(a.cafile) : undefined })
  : new http.Agent({ keepAlive: true });
const say = (s) => { if (!a.answerOnly) console.log(s); };

// ---- HTTP: returns {status, headers, lines(): async iterator of text lines, text()}
async function post(path, body, headers) {
  const url = a.baseUrl.replace(/\/$/, '') + path;
  const h = { 'content-type': 'application/json', 'user-agent': `tracetree-demo-agent-node/1.0 (${a.client})`,
    'accept-encoding': 'gzip', ...headers };
  if (a.client === 'fetch') {
    const res = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, stream: res.body, text: () => res.text() };
  }
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { method: 'POST', headers: h, agent }, (res) => {
      const s = res.headers['content-encoding'] === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
      resolve({ status: res.statusCode, headers: res.headers, stream: s,
        text: async () => { let t = ''; for await (const c of s) t += c; return t; } });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function* lines(stream) {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
    }
  }
  if (buf) yield buf.replace(/\r$/, '');
}

async function* sse(stream) {
  let ev = null, data = [];
  for await (const line of lines(stream)) {
    if (line === '') {
      if (data.length) yield [ev, data.join('\n')];
      ev = null; data = [];
    } else if (line.startsWith('event:')) ev = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (data.length) yield [ev, data.join('\n')];
}

const parseJSON = (s) => { try { return s ? JSON.parse(s) : {}; } catch { return { _raw: s }; } };

// ---- providers
class OpenAIChat {
  constructor() {
    this.messages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: a.prompt }];
    this.tools = TOOLS.map((t) => ({ type: 'function', function: t }));
  }
  request() {
    const body = { model: a.model, messages: this.messages, tools: this.tools };
    if (a.stream) { body.stream = true; body.stream_options = { include_usage: true }; }
    return ['/v1/chat/completions', body, { authorization: `Bearer ${FAKE_API_KEY}` }];
  }
  async parse(res) {
    const t = { text: '', calls: [], usage: null, id: null, finish: null };
    if (!a.stream) {
      const d = JSON.parse(await res.text());
      const m = d.choices[0].message;
      Object.assign(t, { id: d.id, text: m.content ?? '', usage: d.usage, finish: d.choices[0].finish_reason });
      t.calls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, args: parseJSON(c.function.arguments) }));
      return t;
    }
    const acc = [];
    let done = false;
    for await (const [, data] of sse(res.stream)) {
      if (data === '[DONE]') { done = true; continue; }
      const d = JSON.parse(data);
      if (d.error) throw new Error(`stream error: ${d.error.message}`);
      t.id = d.id ?? t.id;
      if (d.usage) t.usage = d.usage;
      for (const ch of d.choices ?? []) {
        t.text += ch.delta?.content ?? '';
        for (const tc of ch.delta?.tool_calls ?? []) {
          const e = (acc[tc.index ?? 0] ??= { id: null, name: '', args: '' });
          if (tc.id) e.id = tc.id;
          e.name += tc.function?.name ?? '';
          e.args += tc.function?.arguments ?? '';
        }
        if (ch.finish_reason) t.finish = ch.finish_reason;
      }
    }
    if (!done) throw new Error('stream ended without [DONE]');
    t.calls = acc.filter(Boolean).map((e) => ({ id: e.id, name: e.name, args: parseJSON(e.args) }));
    return t;
  }
  addTurn(t) {
    const m = { role: 'assistant', content: t.text || null };
    if (t.calls.length) m.tool_calls = t.calls.map((c) => ({ id: c.id, type: 'function',
      function: { name: c.name, arguments: JSON.stringify(c.args) } }));
    this.messages.push(m);
  }
  addResults(results) {
    for (const [c, out] of results) this.messages.push({ role: 'tool', tool_call_id: c.id, content: out });
  }
}

class Anthropic {
  constructor() {
    this.messages = [{ role: 'user', content: a.prompt }];
    this.tools = TOOLS.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters }));
  }
  request() {
    const body = { model: a.model, max_tokens: 1024, system: SYSTEM, messages: this.messages, tools: this.tools };
    if (a.stream) body.stream = true;
    return ['/v1/messages', body, { 'x-api-key': FAKE_API_KEY, 'anthropic-version': '2023-06-01' }];
  }
  async parse(res) {
    const t = { text: '', calls: [], usage: {}, id: null, finish: null, blocks: [] };
    if (!a.stream) {
      const d = JSON.parse(await res.text());
      Object.assign(t, { id: d.id, usage: d.usage, finish: d.stop_reason, blocks: d.content });
    } else {
      let stopped = false;
      for await (const [ev, data] of sse(res.stream)) {
        const d = JSON.parse(data);
        const type = d.type ?? ev;
        if (type === 'message_start') { t.id = d.message.id; Object.assign(t.usage, d.message.usage); }
        else if (type === 'content_block_start') {
          t.blocks[d.index] = { ...d.content_block };
          if (d.content_block.type === 'tool_use') t.blocks[d.index]._json = '';
        } else if (type === 'content_block_delta') {
          const b = t.blocks[d.index];
          if (d.delta.type === 'text_delta') b.text = (b.text ?? '') + d.delta.text;
          else if (d.delta.type === 'input_json_delta') b._json += d.delta.partial_json;
        } else if (type === 'content_block_stop') {
          const b = t.blocks[d.index];
          if ('_json' in b) { b.input = parseJSON(b._json); delete b._json; }
        } else if (type === 'message_delta') { t.finish = d.delta.stop_reason; Object.assign(t.usage, d.usage); }
        else if (type === 'message_stop') stopped = true;
        else if (type === 'error') throw new Error(`stream error: ${d.error?.type}`);
      }
      if (!stopped) throw new Error('stream ended without message_stop');
    }
    for (const b of t.blocks) {
      if (b.type === 'text') t.text += b.text;
      else if (b.type === 'tool_use') t.calls.push({ id: b.id, name: b.name, args: b.input ?? {} });
    }
    return t;
  }
  addTurn(t) { this.messages.push({ role: 'assistant', content: t.blocks }); }
  addResults(results) {
    this.messages.push({ role: 'user', content: results.map(([c, out, err]) =>
      ({ type: 'tool_result', tool_use_id: c.id, content: out, is_error: err })) });
  }
}

// ---- tools
async function runTool(c) {
  if (c.name === 'run_command') {
    if (typeof c.args.command !== 'string') return ['error: run_command needs a command', true];
    const r = spawnSync('/bin/sh', ['-c', c.args.command], { encoding: 'utf8', timeout: 60000 });
    let out = (r.stdout ?? '') + (r.stderr ?? '');
    if (r.status !== 0) out += `\n[exit code ${r.status}]`;
    return [out.slice(0, 16384), r.status !== 0];
  }
  if (c.name === 'fetch_url') {
    if (typeof c.args.url !== 'string' || !/^https?:\/\//.test(c.args.url)) return ['error: fetch_url needs an http(s) url', true];
    const ua = { 'user-agent': `tracetree-demo-agent-node/1.0 (${a.client} tool)` };
    try {
      let status, body;
      if (a.client === 'fetch') {
        const r = await fetch(c.args.url, { headers: ua });
        [status, body] = [r.status, await r.text()];
      } else {
        [status, body] = await new Promise((resolve, reject) => {
          const mod = c.args.url.startsWith('https:') ? https : http;
          const opts = { headers: ua, ...(c.args.url.startsWith('https:') ? { ca: agent.options.ca,
            rejectUnauthorized: !a.insecure } : {}) };
          mod.get(c.args.url, opts, (res) => {
            let t = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { t += d; });
            res.on('end', () => resolve([res.statusCode, t]));
          }).on('error', reject);
        });
      }
      body = body.slice(0, 16384);
      return status < 400 ? [body, false] : [`HTTP ${status}: ${body}`, true];
    } catch (e) { return [`error: ${e.message}`, true]; }
  }
  return [`error: unknown tool ${c.name}`, true];
}

async function main() {
  const prov = a.provider === 'openai' ? new OpenAIChat() : new Anthropic();
  say(`demo_agent_node[pid ${process.pid}] provider=${a.provider} model=${a.model} stream=${a.stream ? 'yes' : 'no'} client=${a.client} base=${a.baseUrl}`);
  say(`user> ${a.prompt}`);
  for (let step = 1; step <= a.maxSteps; step++) {
    const [path, body, headers] = prov.request();
    let t;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await post(path, body, headers);
        if (res.status >= 400) {
          const txt = await res.text();
          const err = new Error(`HTTP ${res.status}: ${txt.slice(0, 200)}`);
          err.retry = [429, 500, 502, 503, 504, 529].includes(res.status);
          throw err;
        }
        t = await prov.parse(res);
        break;
      } catch (e) {
        const retry = e.retry !== false;
        if (!retry || attempt >= 3) { console.error(`demo_agent_node: LLM call failed: ${e.message}`); return 1; }
        say(`llm#${step}! ${e.message.split('\n')[0].slice(0, 120)}; retrying`);
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
    prov.addTurn(t);
    if (t.text) say(`llm#${step}> ${t.text.trim()}`);
    for (const c of t.calls) say(`llm#${step}> tool_call ${c.name} ${JSON.stringify(c.args)} id=${c.id}`);
    say(`llm#${step}  [usage ${JSON.stringify(t.usage)}, finish=${t.finish}, id=${t.id}]`);
    if (!t.calls.length) {
      console.log(a.answerOnly ? t.text.trim() : `FINAL: ${t.text.trim()}`);
      return 0;
    }
    const results = [];
    for (const c of t.calls) {
      const [out, err] = await runTool(c);
      const ls = out.split('\n');
      say(`tool> ${c.name}${err ? ' (error)' : ''}: ${ls[0].slice(0, 100) || '(no output)'}${ls.length > 1 ? ` (+${ls.length - 1} lines)` : ''}`);
      results.push([c, out, err]);
    }
    prov.addResults(results);
  }
  console.error(`demo_agent_node: no final answer after ${a.maxSteps} steps`);
  return 2;
}

main().then((rc) => { agent.destroy(); process.exit(rc); },
  (e) => { console.error(`demo_agent_node: ${e.stack ?? e}`); process.exit(1); });
