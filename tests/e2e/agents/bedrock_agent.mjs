// SPDX-License-Identifier: MIT
// bedrock_agent.mjs: an agent on AWS Bedrock through the official SDK
// (@aws-sdk/client-bedrock-runtime): Converse with a tool, ConverseStream with a tool, and
// InvokeModel with an Anthropic Messages body.
//   node bedrock_agent.mjs NODE_MODULES_DIR ENDPOINT h2|h1 OUT_FILE
// h2: the SDK's own request handler (HTTP/2, as it is shipped); h1: NodeHttpHandler (HTTP/1.1).
// Writes what the SDK parsed to OUT_FILE as JSON.
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { createRequire } from 'node:module';

const [mods, endpoint, mode, outFile] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(mods), 'x.js'));
const br = require('@aws-sdk/client-bedrock-runtime');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const TOOLS = { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather of a city',
	inputSchema: { json: { type: 'object', properties: { location: { type: 'string' } } } } } }] };
const client = new br.BedrockRuntimeClient({
	region: 'us-east-1',
	endpoint,
	credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
		       secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
		       sessionToken: 'FwoGZXIvYXdzE2e2eSESSIONTOKENabcdef0123456789' },
	maxAttempts: 1,
	...(mode === 'h1' ? { requestHandler: new NodeHttpHandler({
		httpsAgent: new https.Agent({ rejectUnauthorized: false }) }) } : {}),
});
const out = {};
const conv = await client.send(new br.ConverseCommand({
	modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
	messages: [{ role: 'user', content: [{ text: 'Weather in Toronto?' }] }],
	toolConfig: TOOLS,
}));
out.converse = { usage: conv.usage, stop: conv.stopReason,
		 tool: conv.output.message.content[1].toolUse };
const st = await client.send(new br.ConverseStreamCommand({
	modelId: 'meta.llama3-70b-instruct-v1:0',
	messages: [{ role: 'user', content: [{ text: 'And in Toronto now?' }] }],
	toolConfig: TOOLS,
}));
out.stream = { input: '' };
for await (const e of st.stream) {
	if (e.contentBlockStart) out.stream.tool = e.contentBlockStart.start.toolUse;
	if (e.contentBlockDelta && e.contentBlockDelta.delta.toolUse)
		out.stream.input += e.contentBlockDelta.delta.toolUse.input;
	if (e.metadata) out.stream.usage = e.metadata.usage;
}
const inv = await client.send(new br.InvokeModelCommand({
	modelId: 'anthropic.claude-3-haiku-20240307-v1:0', contentType: 'application/json',
	body: new TextEncoder().encode(JSON.stringify({ anthropic_version: 'bedrock-2023-05-31',
		max_tokens: 100, messages: [{ role: 'user', content: 'Say hello.' }] })),
}));
out.invoke = JSON.parse(new TextDecoder().decode(inv.body)).usage;
fs.writeFileSync(outFile, JSON.stringify(out));
