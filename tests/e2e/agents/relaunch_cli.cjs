// SPDX-License-Identifier: MIT
// relaunch_cli.cjs BASE_URL: a node CLI that relaunches itself as agent CLIs do (node with
// --expose-gc, twice: child_process.spawn(process.execPath, ...)); the last generation asks the
// model at BASE_URL (OpenAI chat over TLS with NODE_EXTRA_CA_CERTS, or plain HTTP) and prints
// FINAL: its answer.
// Each launcher exits with its child's code.
'use strict';
const { spawn } = require('child_process');
const http = require('http');
const https = require('https');

const gen = Number(process.env.TT_RELAUNCH_GEN || '0');
const base = process.argv[2];

if (gen < 2) {
	const child = spawn(process.execPath, ['--expose-gc', ...process.argv.slice(1)], {
		stdio: 'inherit',
		env: { ...process.env, TT_RELAUNCH_GEN: String(gen + 1) },
	});
	child.on('exit', (code, sig) => process.exit(sig ? 1 : code));
} else {
	const body = JSON.stringify({
		model: 'gpt-4o-mini',
		messages: [{ role: 'user', content: 'say hello' }],
	});
	const u = new URL(base + '/v1/chat/completions');
	const req = (u.protocol === 'https:' ? https : http).request(u, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
			authorization: 'Bearer sk-test-FAKE-tracetree-relaunch-0123',
		},
	}, (res) => {
		let data = '';
		res.setEncoding('utf8');
		res.on('data', (d) => (data += d));
		res.on('end', () => {
			const j = JSON.parse(data);
			console.log('FINAL: ' + j.choices[0].message.content);
			process.exit(0);
		});
	});
	req.on('error', (e) => {
		console.error(e);
		process.exit(1);
	});
	req.end(body);
}
