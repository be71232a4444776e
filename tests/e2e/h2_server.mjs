// SPDX-License-Identifier: MIT
// h2_server.mjs: a fake OpenAI chat completions API over HTTP/2 and TLS (node's http2 module).
//
//   node h2_server.mjs --cert C --key K --port-file F --log L
//   node h2_server.mjs --plain 1 --port-file F --log L     h2c with prior knowledge, no TLS
//
// POST /v1/chat/completions answers JSON, or SSE when the request says "stream": true (usage in
// a last chunk when stream_options.include_usage is set, as OpenAI does). POST /v1/responses
// (Responses API, as Codex calls it) streams one text message: "Hello over h2!". The model
// echoes the request's; token counts derive from the request so each call is told apart. Every
// answered request is appended to the log as one JSON line: path, model, stream, id, usage,
// stream id.
import fs from 'node:fs';
import http2 from 'node:http2';

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

const server = args.plain ? http2.createServer() : http2.createSecureServer({
	cert: fs.readFileSync(args.cert),
	key: fs.readFileSync(args.key),
	allowHTTP1: false,
});

let seq = 0;

function usageOf(body) {
	const prompt = 7 + (JSON.stringify(body.messages || []).length % 50);
	const completion = 3 + (seq % 5);

	return { prompt_tokens: prompt, completion_tokens: completion,
		 total_tokens: prompt + completion };
}

// Writes the events 5 ms apart, then ends the stream.
function paced(stream, events) {
	let i = 0;
	const next = () => {
		if (i < events.length) {
			stream.write(events[i++]);
			setTimeout(next, 5);
		} else {
			stream.end();
		}
	};
	next();
}

function answer(stream, headers, body) {
	const model = body.model || 'gpt-4o';
	const id = 'chatcmpl-h2-' + ++seq;
	const usage = usageOf(body);
	const created = 1700000000;

	fs.appendFileSync(args.log, JSON.stringify({ path: headers[':path'], model, id, usage,
		stream: !!body.stream, h2_stream: stream.id }) + '\n');
	if (!body.stream) {
		stream.respond({ ':status': 200, 'content-type': 'application/json' });
		stream.end(JSON.stringify({ id, object: 'chat.completion', created, model,
			choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' },
				    finish_reason: 'stop' }], usage }));
		return;
	}
	const chunk = (choices, extra) => 'data: ' + JSON.stringify({ id,
		object: 'chat.completion.chunk', created, model, choices, ...extra }) + '\n\n';
	const events = [
		chunk([{ index: 0, delta: { role: 'assistant', content: '' },
			 finish_reason: null }]),
		chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
		chunk([{ index: 0, delta: { content: 'lo!' }, finish_reason: null }]),
		chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
	];
	if (body.stream_options && body.stream_options.include_usage)
		events.push(chunk([], { usage }));
	events.push('data: [DONE]\n\n');
	stream.respond({ ':status': 200, 'content-type': 'text/event-stream',
			 'cache-control': 'no-cache' });
	paced(stream, events);
}

// The Responses API stream of one assistant message, as api.openai.com sends it (the fields a
// client reads; see tools/fake_llm.py rs_stream for the whole shape).
function answerResponses(stream, headers, body) {
	const model = body.model || 'gpt-4o';
	const id = 'resp_h2_' + ++seq;
	const prompt = 11 + (JSON.stringify(body.input || []).length % 50);
	const usage = { input_tokens: prompt, input_tokens_details: { cached_tokens: 0 },
			output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 },
			total_tokens: prompt + 4 };
	const text = 'Hello over h2!';
	const msg = { id: 'msg_h2_' + seq, type: 'message', status: 'completed', role: 'assistant',
		      content: [{ type: 'output_text', text, annotations: [] }] };
	const resp = (status, output, u) => ({ id, object: 'response', created_at: 1700000000,
		status, model, output, usage: u, error: null, incomplete_details: null });
	let n = 0;
	const ev = (type, fields) => 'event: ' + type + '\ndata: ' +
		JSON.stringify({ type, sequence_number: n++, ...fields }) + '\n\n';
	const events = [
		ev('response.created', { response: resp('in_progress', [], null) }),
		ev('response.output_item.added', { output_index: 0,
			item: { ...msg, status: 'in_progress', content: [] } }),
		ev('response.output_text.delta', { item_id: msg.id, output_index: 0,
			content_index: 0, delta: 'Hello ' }),
		ev('response.output_text.delta', { item_id: msg.id, output_index: 0,
			content_index: 0, delta: 'over h2!' }),
		ev('response.output_text.done', { item_id: msg.id, output_index: 0,
			content_index: 0, text }),
		ev('response.output_item.done', { output_index: 0, item: msg }),
		ev('response.completed', { response: resp('completed', [msg], usage) }),
	];
	fs.appendFileSync(args.log, JSON.stringify({ path: headers[':path'], model, id, usage,
		stream: true, h2_stream: stream.id }) + '\n');
	stream.respond({ ':status': 200, 'content-type': 'text/event-stream' });
	paced(stream, events);
}

server.on('stream', (stream, headers) => {
	const chunks = [];

	stream.on('data', (d) => chunks.push(d));
	stream.on('end', () => {
		const path = String(headers[':path']);

		if (headers[':method'] !== 'POST' || !(path.endsWith('/chat/completions') ||
						      path.endsWith('/responses'))) {
			stream.respond({ ':status': 404, 'content-type': 'application/json' });
			stream.end('{"error":{"message":"not found"}}');
			return;
		}
		let body;
		try {
			body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
		} catch (e) {
			stream.respond({ ':status': 400, 'content-type': 'application/json' });
			stream.end('{"error":{"message":"bad json"}}');
			return;
		}
		if (path.endsWith('/responses'))
			answerResponses(stream, headers, body);
		else
			answer(stream, headers, body);
	});
	stream.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(args['port-file'] + '.tmp', String(server.address().port));
	fs.renameSync(args['port-file'] + '.tmp', args['port-file']);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
