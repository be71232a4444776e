// SPDX-License-Identifier: MIT
// bedrock_server.mjs: a fake AWS Bedrock Runtime over TLS, HTTP/2 or HTTP/1.1 as the client's
// ALPN asks (node's http2 module with allowHTTP1), answers from bedrock_fake.mjs.
//
//   node bedrock_server.mjs --cert C --key K --port-file F --log L
//
// POST /model/{modelId}/converse | converse-stream | invoke | invoke-with-response-stream. Each
// answered request is appended to the log as one JSON line: path, model (URL-decoded), op,
// seq, HTTP version and the usage it was given.
import fs from 'node:fs';
import http2 from 'node:http2';
import * as fake from './bedrock_fake.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
	args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

let seq = 0;

// Writes the messages 5 ms apart, then ends the response.
function paced(res, msgs) {
	let i = 0;
	const next = () => {
		if (i < msgs.length) {
			res.write(msgs[i++]);
			setTimeout(next, 5);
		} else {
			res.end();
		}
	};
	next();
}

function answer(req, res, body) {
	const m = /^\/model\/([^/]+)\/([a-z-]+)$/.exec(req.url);
	const n = ++seq;
	if (!m) {
		res.writeHead(404, { 'content-type': 'application/json' });
		res.end('{"message":"not found"}');
		return;
	}
	const model = decodeURIComponent(m[1]), op = m[2];
	const log = { path: req.url, model, op, seq: n, http: req.httpVersion };
	const es = { 'content-type': 'application/vnd.amazon.eventstream' };
	if (op === 'converse') {
		const r = fake.converse(model, body, n);
		log.usage = r.usage;
		log.tool = r.output.message.content.find((c) => c.toolUse);
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(r));
	} else if (op === 'converse-stream') {
		const r = fake.converse(model, body, n);
		log.usage = r.usage;
		log.tool = r.output.message.content.find((c) => c.toolUse);
		res.writeHead(200, es);
		paced(res, fake.converseStream(model, body, n));
	} else if (op === 'invoke') {
		const r = fake.anthropic(model, body, n);
		log.usage = r.usage;
		log.id = r.id;
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end(JSON.stringify(r));
	} else {
		res.writeHead(200, es);
		paced(res, fake.anthropicStream(model, body, n));
	}
	fs.appendFileSync(args.log, JSON.stringify(log) + '\n');
}

const server = http2.createSecureServer({
	cert: fs.readFileSync(args.cert),
	key: fs.readFileSync(args.key),
	allowHTTP1: true,
}, (req, res) => {
	const chunks = [];
	req.on('data', (d) => chunks.push(d));
	req.on('end', () => {
		let body = {};
		try {
			body = JSON.parse(Buffer.concat(chunks).toString());
		} catch (e) {
			/* not JSON */
		}
		answer(req, res, body);
	});
});
server.listen(0, '127.0.0.1', () => {
	fs.writeFileSync(args['port-file'] + '.tmp', String(server.address().port));
	fs.renameSync(args['port-file'] + '.tmp', args['port-file']);
});
