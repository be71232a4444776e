// SPDX-License-Identifier: MIT
// bedrock_fake.mjs: a fake AWS Bedrock Runtime (Converse, ConverseStream, InvokeModel,
// InvokeModelWithResponseStream) for tests/e2e/bedrock_server.mjs and tools/record_bedrock.mjs.
//
// Event streams are encoded here, independently of the SDK (application/vnd.amazon.eventstream:
// prelude, string headers, payload, two CRC32s), so that the SDK parsing them checks this
// encoder, and the tracer decoding the same bytes checks its decoder, against AWS's.
import zlib from 'node:zlib';

export const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY';

function header(name, value) {
	const n = Buffer.from(name), v = Buffer.from(value);

	return Buffer.concat([Buffer.from([n.length]), n, Buffer.from([7, v.length >> 8,
		v.length & 255]), v]);
}

// One message: headers (all strings) and a payload.
export function esMessage(headers, payload) {
	const h = Buffer.concat(Object.entries(headers).map(([k, v]) => header(k, v)));
	const p = Buffer.from(payload);
	const pre = Buffer.alloc(12);

	pre.writeUInt32BE(16 + h.length + p.length, 0);
	pre.writeUInt32BE(h.length, 4);
	pre.writeUInt32BE(zlib.crc32(pre.subarray(0, 8)) >>> 0, 8);
	const body = Buffer.concat([pre, h, p]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(zlib.crc32(body) >>> 0, 0);
	return Buffer.concat([body, crc]);
}

// An event as Bedrock sends it: JSON payload, with the "p" padding field it adds.
export function esEvent(type, obj) {
	return esMessage({ ':event-type': type, ':content-type': 'application/json',
			   ':message-type': 'event' }, JSON.stringify({ p: PAD.slice(0, 7), ...obj }));
}

export function esException(type, message) {
	return esMessage({ ':exception-type': type, ':content-type': 'application/json',
			   ':message-type': 'exception' }, JSON.stringify({ message }));
}

// InvokeModelWithResponseStream: each model event in a chunk, base64 in "bytes".
export function esChunk(obj) {
	return esEvent('chunk', { bytes: Buffer.from(JSON.stringify(obj)).toString('base64') });
}

// Converse answer: text, or a tool call when the request offers tools and has no result yet.
export function converse(model, body, seq) {
	const msgs = body.messages || [];
	const last = msgs[msgs.length - 1] || {};
	const answered = (last.content || []).some((c) => c.toolResult);
	const tools = body.toolConfig && body.toolConfig.tools && !answered;
	const usage = { inputTokens: 100 + seq, outputTokens: 10 + seq,
			totalTokens: 110 + 2 * seq };
	const content = tools ? [{ text: 'Let me check.' },
		{ toolUse: { toolUseId: 'tooluse_' + seq + 'kZJMlvQmRJ6eAyJE5GIl7Q',
			     name: body.toolConfig.tools[0].toolSpec.name,
			     input: { location: 'Toronto' } } }]
		: [{ text: 'It is 24C in Toronto.' }];
	return { output: { message: { role: 'assistant', content } },
		 stopReason: tools ? 'tool_use' : 'end_turn', usage, metrics: { latencyMs: 321 } };
}

// ConverseStream: the same answer as events.
export function converseStream(model, body, seq) {
	const r = converse(model, body, seq);
	const ev = [esEvent('messageStart', { role: 'assistant' })];

	r.output.message.content.forEach((c, i) => {
		if (c.text) {
			ev.push(esEvent('contentBlockDelta', { contentBlockIndex: i,
							       delta: { text: c.text.slice(0, 6) } }));
			ev.push(esEvent('contentBlockDelta', { contentBlockIndex: i,
							       delta: { text: c.text.slice(6) } }));
		} else {
			const input = JSON.stringify(c.toolUse.input);
			ev.push(esEvent('contentBlockStart', { contentBlockIndex: i,
				start: { toolUse: { toolUseId: c.toolUse.toolUseId,
						    name: c.toolUse.name } } }));
			ev.push(esEvent('contentBlockDelta', { contentBlockIndex: i,
				delta: { toolUse: { input: input.slice(0, 9) } } }));
			ev.push(esEvent('contentBlockDelta', { contentBlockIndex: i,
				delta: { toolUse: { input: input.slice(9) } } }));
		}
		ev.push(esEvent('contentBlockStop', { contentBlockIndex: i }));
	});
	ev.push(esEvent('messageStop', { stopReason: r.stopReason }));
	ev.push(esEvent('metadata', { usage: r.usage, metrics: { latencyMs: 321 } }));
	return ev;
}

// InvokeModel with an Anthropic Messages body (anthropic_version bedrock-2023-05-31).
export function anthropic(model, body, seq) {
	return { id: 'msg_bdrk_01' + seq + 'XFDUDYJgAACzvnptvVoYEL', type: 'message',
		 role: 'assistant', model: 'claude-3-5-sonnet-20241022',
		 content: [{ type: 'text', text: 'Hello from Claude on Bedrock.' }],
		 stop_reason: 'end_turn', stop_sequence: null,
		 usage: { input_tokens: 20 + seq, output_tokens: 9 } };
}

export function anthropicStream(model, body, seq) {
	const id = 'msg_bdrk_01' + seq + 'StreamJgAACzvnptvVoYEL';
	return [
		esChunk({ type: 'message_start', message: { id, type: 'message', role: 'assistant',
			model: 'claude-3-5-sonnet-20241022', content: [], stop_reason: null,
			stop_sequence: null, usage: { input_tokens: 31, output_tokens: 1 } } }),
		esChunk({ type: 'content_block_start', index: 0,
			  content_block: { type: 'text', text: '' } }),
		esChunk({ type: 'content_block_delta', index: 0,
			  delta: { type: 'text_delta', text: 'Hello' } }),
		esChunk({ type: 'content_block_delta', index: 0,
			  delta: { type: 'text_delta', text: ' there.' } }),
		esChunk({ type: 'content_block_stop', index: 0 }),
		esChunk({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use',
			  id: 'toolu_bdrk_01A09q90qw90lq917835lq9', name: 'get_weather', input: {} } }),
		esChunk({ type: 'content_block_delta', index: 1,
			  delta: { type: 'input_json_delta', partial_json: '{"location": "Os' } }),
		esChunk({ type: 'content_block_delta', index: 1,
			  delta: { type: 'input_json_delta', partial_json: 'lo"}' } }),
		esChunk({ type: 'content_block_stop', index: 1 }),
		esChunk({ type: 'message_delta', delta: { stop_reason: 'tool_use',
			  stop_sequence: null }, usage: { output_tokens: 42 } }),
		esChunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': {
			inputTokenCount: 31, outputTokenCount: 42, invocationLatency: 1400,
			firstByteLatency: 380 } }),
	];
}

// Meta Llama (prompt in, generation out).
export function llama(model, body, seq) {
	return { generation: ' Paris is the capital of France.', prompt_token_count: 18,
		 generation_token_count: 8, stop_reason: 'stop' };
}

export function llamaStream(model, body, seq) {
	return [
		esChunk({ generation: ' Paris', prompt_token_count: 18, generation_token_count: 1,
			  stop_reason: null }),
		esChunk({ generation: ' is the capital.', prompt_token_count: null,
			  generation_token_count: 5, stop_reason: null }),
		esChunk({ generation: '', prompt_token_count: null, generation_token_count: 6,
			  stop_reason: 'length', 'amazon-bedrock-invocationMetrics': {
				  inputTokenCount: 18, outputTokenCount: 6, invocationLatency: 500,
				  firstByteLatency: 120 } }),
	];
}

// Amazon Titan Text (inputText in, results out).
export function titan(model, body, seq) {
	return { inputTextTokenCount: 12, results: [{ tokenCount: 7,
		 outputText: '\nBonjour le monde.', completionReason: 'FINISH' }] };
}
