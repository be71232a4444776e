// SPDX-License-Identifier: MIT
// record_bedrock.mjs: records AWS Bedrock Runtime provider fixtures with the official SDK
// (@aws-sdk/client-bedrock-runtime).
//
// Serves tests/e2e/bedrock_fake.mjs's answers (JSON bodies, event streams it encodes itself)
// from a local HTTP/1.1 server, lets the SDK's BedrockRuntimeClient talk to it (endpoint
// option, region us-east-1, dummy credentials), and writes per case
// tests/fixtures/providers/bedrock/<case>/{meta.json,request.json,response.body}: the request
// body the SDK sent, the response it was given. It prints what the SDK itself parsed from each
// response (its event stream parser checks the CRCs): the unit tests assert the same values.
// Usage: node tools/record_bedrock.mjs NODE_MODULES_DIR [OUT_DIR]
//   (make npm-deps installs it: NODE_MODULES_DIR=.output/npm/bedrock/node_modules)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as fake from '../tests/e2e/bedrock_fake.mjs';

const mods = process.argv[2];
const out = process.argv[3] || 'tests/fixtures/providers/bedrock';
const require = createRequire(path.join(path.resolve(mods), 'x.js'));
const br = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const TOOLS = { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather of a city',
	inputSchema: { json: { type: 'object', properties: { location: { type: 'string' } },
			       required: ['location'] } } } }] };
const SONNET = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const PROFILE = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/' +
	'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const json = (o) => ({ ct: 'application/json', body: Buffer.from(JSON.stringify(o)) });
const stream = (msgs) => ({ ct: 'application/vnd.amazon.eventstream', body: Buffer.concat(msgs) });
const enc = (o) => new TextEncoder().encode(JSON.stringify(o));

const CASES = [
	{
		name: 'converse_tools',
		answer: (b) => json(fake.converse(SONNET, b, 1)),
		call: () => new br.ConverseCommand({
			modelId: SONNET,
			system: [{ text: 'You are terse.' }],
			messages: [{ role: 'user', content: [{ text: 'Weather in Toronto?' }] }],
			inferenceConfig: { maxTokens: 300, temperature: 0.3, topP: 0.9,
					   stopSequences: ['END'] },
			toolConfig: TOOLS,
		}),
	},
	{
		name: 'converse_tool_result',
		answer: (b) => json({ ...fake.converse(SONNET, b, 2),
			usage: { inputTokens: 52, outputTokens: 9, totalTokens: 1161,
				 cacheReadInputTokens: 1100, cacheWriteInputTokens: 0 } }),
		call: () => new br.ConverseCommand({
			modelId: PROFILE,
			messages: [
				{ role: 'user', content: [{ text: 'Weather in Toronto?' }] },
				{ role: 'assistant', content: [{ toolUse: {
					toolUseId: 'tooluse_1kZJMlvQmRJ6eAyJE5GIl7Q',
					name: 'get_weather', input: { location: 'Toronto' } } }] },
				{ role: 'user', content: [{ toolResult: {
					toolUseId: 'tooluse_1kZJMlvQmRJ6eAyJE5GIl7Q',
					content: [{ json: { temperature: '24C' } }],
					status: 'success' } }] },
			],
			toolConfig: TOOLS,
		}),
	},
	{
		name: 'converse_stream_tools',
		answer: (b) => stream(fake.converseStream(SONNET, b, 3)),
		call: () => new br.ConverseStreamCommand({
			modelId: SONNET,
			messages: [{ role: 'user', content: [{ text: 'Weather in Toronto?' }] }],
			inferenceConfig: { maxTokens: 512 },
			toolConfig: TOOLS,
		}),
	},
	{
		name: 'converse_stream_error',
		answer: () => stream([fake.esEvent('messageStart', { role: 'assistant' }),
			fake.esEvent('contentBlockDelta', { contentBlockIndex: 0,
							    delta: { text: 'Partial' } }),
			fake.esException('modelStreamErrorException',
					 'Model stream error: the model stopped.')]),
		call: () => new br.ConverseStreamCommand({
			modelId: 'meta.llama3-70b-instruct-v1:0',
			messages: [{ role: 'user', content: [{ text: 'Tell a story.' }] }],
		}),
	},
	{
		name: 'converse_error_400',
		status: 400,
		resp_headers: { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/' +
			   'coral/com.amazon.bedrock/' },
		answer: () => json({ message: 'The provided model identifier is invalid.' }),
		call: () => new br.ConverseCommand({
			modelId: 'anthropic.claude-nope',
			messages: [{ role: 'user', content: [{ text: 'hi' }] }],
		}),
	},
	{
		name: 'invoke_anthropic',
		answer: (b) => json(fake.anthropic(SONNET, b, 4)),
		call: () => new br.InvokeModelCommand({
			modelId: SONNET, contentType: 'application/json', accept: 'application/json',
			body: enc({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 256,
				    system: 'Be brief.', temperature: 0.5,
				    messages: [{ role: 'user', content: 'Say hello.' }] }),
		}),
	},
	{
		name: 'invoke_stream_anthropic',
		answer: (b) => stream(fake.anthropicStream(SONNET, b, 5)),
		call: () => new br.InvokeModelWithResponseStreamCommand({
			modelId: SONNET, contentType: 'application/json',
			body: enc({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 256,
				    messages: [{ role: 'user', content: 'Hello, and weather in Oslo?' }],
				    tools: [{ name: 'get_weather', description: 'Weather of a city',
					      input_schema: TOOLS.tools[0].toolSpec.inputSchema.json }] }),
		}),
	},
	{
		name: 'invoke_stream_error',
		answer: (b) => stream([...fake.anthropicStream(SONNET, b, 9).slice(0, 3),
			fake.esException('throttlingException',
					 'Too many requests, please wait before trying again.')]),
		call: () => new br.InvokeModelWithResponseStreamCommand({
			modelId: SONNET, contentType: 'application/json',
			body: enc({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64,
				    messages: [{ role: 'user', content: 'Hello?' }] }),
		}),
	},
	{
		name: 'invoke_titan_embed',
		answer: () => json({ embedding: [0.125, -0.5, 0.25], inputTextTokenCount: 6 }),
		call: () => new br.InvokeModelCommand({
			modelId: 'amazon.titan-embed-text-v2:0', contentType: 'application/json',
			body: enc({ inputText: 'Embed this text.', dimensions: 3 }),
		}),
	},
	{
		name: 'invoke_llama',
		answer: (b) => json(fake.llama('meta.llama3-8b-instruct-v1:0', b, 6)),
		call: () => new br.InvokeModelCommand({
			modelId: 'meta.llama3-8b-instruct-v1:0', contentType: 'application/json',
			body: enc({ prompt: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>' +
				    '\nCapital of France?<|eot_id|>', max_gen_len: 64,
				    temperature: 0.2, top_p: 0.9 }),
		}),
	},
	{
		name: 'invoke_stream_llama',
		answer: (b) => stream(fake.llamaStream('meta.llama3-8b-instruct-v1:0', b, 7)),
		call: () => new br.InvokeModelWithResponseStreamCommand({
			modelId: 'meta.llama3-8b-instruct-v1:0', contentType: 'application/json',
			body: enc({ prompt: 'Capital of France?', max_gen_len: 6 }),
		}),
	},
	{
		name: 'invoke_titan',
		answer: (b) => json(fake.titan('amazon.titan-text-express-v1', b, 8)),
		call: () => new br.InvokeModelCommand({
			modelId: 'amazon.titan-text-express-v1', contentType: 'application/json',
			body: enc({ inputText: 'Say hello in French.',
				    textGenerationConfig: { maxTokenCount: 50, temperature: 0,
							    topP: 1, stopSequences: ['User:'] } }),
		}),
	},
];

async function sdkView(res) {
	if (res.stream) {
		const v = { events: [], text: '', tools: {}, stop: null, usage: null };
		try {
			for await (const e of res.stream) {
				const k = Object.keys(e)[0];
				v.events.push(k);
				if (k === 'contentBlockStart' && e[k].start.toolUse)
					v.tools[e[k].contentBlockIndex] = { ...e[k].start.toolUse, input: '' };
				if (k === 'contentBlockDelta' && e[k].delta.text !== undefined)
					v.text += e[k].delta.text;
				if (k === 'contentBlockDelta' && e[k].delta.toolUse)
					v.tools[e[k].contentBlockIndex].input += e[k].delta.toolUse.input;
				if (k === 'messageStop') v.stop = e[k].stopReason;
				if (k === 'metadata') v.usage = e[k].usage;
			}
		} catch (e) {
			v.error = { name: e.name, message: e.message };
		}
		return v;
	}
	if (res.body && typeof res.body[Symbol.asyncIterator] === 'function') {
		const v = [];
		for await (const e of res.body)
			v.push(JSON.parse(new TextDecoder().decode(e.chunk.bytes)));
		return v;
	}
	if (res.body)
		return JSON.parse(new TextDecoder().decode(res.body));
	const { $metadata, ...rest } = res;
	return rest;
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (d) => chunks.push(d));
	req.on('end', () => {
		const c = CASES[server.current];
		const body = Buffer.concat(chunks);
		let parsed = {};
		try {
			parsed = JSON.parse(body.toString());
		} catch (e) {
			/* not JSON */
		}
		const a = c.answer(parsed);
		c.request = body;
		c.target = req.url;
		c.response = a;
		res.writeHead(c.status || 200, { 'content-type': a.ct, ...(c.resp_headers || {}) });
		res.end(a.body);
	});
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const client = new br.BedrockRuntimeClient({
	region: 'us-east-1',
	endpoint: `http://127.0.0.1:${server.address().port}`,
	credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
		       secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
		       sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' },
	requestHandler: new NodeHttpHandler(),
	maxAttempts: 1,
});
for (let i = 0; i < CASES.length; i++) {
	const c = CASES[i];
	server.current = i;
	let view;
	try {
		view = await sdkView(await client.send(c.call()));
	} catch (e) {
		view = { error: e.name, message: e.message, status: e.$metadata &&
			 e.$metadata.httpStatusCode };
	}
	console.log(c.name, JSON.stringify(view));
	const dir = path.join(out, c.name);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'request.json'), c.request);
	fs.writeFileSync(path.join(dir, 'response.body'), c.response.body);
	fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({
		host: 'bedrock-runtime.us-east-1.amazonaws.com', target: c.target,
		status: c.status || 200,
		response: c.response.ct === 'application/json' ? 'plain' : 'eventstream',
		...(c.resp_headers ? { resp_headers: c.resp_headers } : {}),
		recorded: 'tools/record_bedrock.mjs, @aws-sdk/client-bedrock-runtime 3.1178.0',
	}, null, 1) + '\n');
}
server.close();
