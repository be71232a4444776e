// SPDX-License-Identifier: MIT
// record_routes.mjs: records the Vertex AI, Azure OpenAI and embeddings / rerank provider
// fixtures with the official SDKs (openai's OpenAI and AzureOpenAI, @google/genai in Gemini API
// and Vertex mode, @anthropic-ai/vertex-sdk, cohere-ai, voyageai).
//
// Serves the documented wire format of each API from a local HTTP server, lets the SDK talk to
// it, and writes per case tests/fixtures/providers/<dir>/{meta.json,request.json,response.body}:
// the request body the SDK sent, the path it used (meta target, under the real host the SDK
// would call) and the response it was given. It prints what the SDK itself parsed from each
// response (dimension count, usage, model): the unit tests assert the same values.
// Usage: node tools/record_routes.mjs NODE_MODULES_DIR [OUT_DIR]
//   (npm install --prefix /tmp/x openai @google/genai @anthropic-ai/vertex-sdk cohere-ai voyageai)
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";

const mods = process.argv[2];
const out = process.argv[3] || "tests/fixtures/providers";
const require = createRequire(path.join(path.resolve(mods), "x.js"));
const { OpenAI, AzureOpenAI } = require("openai");
const { GoogleGenAI } = require("@google/genai");
const { AnthropicVertex } = require("@anthropic-ai/vertex-sdk");
const { CohereClientV2 } = require("cohere-ai");
const { VoyageAIClient } = require("voyageai");

/* A vector of n floats that float32 holds exactly (the SDKs decode base64 to float32). */
const vec = (n, k) => Array.from({ length: n }, (_, i) => ((i * 7 + k * 3) % 17 - 8) / 16);
const b64 = (v) => Buffer.from(new Float32Array(v).buffer).toString("base64");
const sse = (events) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
const gsse = (objs) => objs.map((o) => `data: ${JSON.stringify(o)}\r\n\r\n`).join("");

const AUTH = { projectId: "proj-1", getRequestHeaders: async () => new Headers({ authorization: "Bearer ya29.test" }) };
const MSGS = [{ role: "user", content: "Name a colour." }];

const ANTHROPIC_MSG = {
	id: "msg_vrtx_01AbCdEf", type: "message", role: "assistant", model: "claude-sonnet-4-20250514",
	content: [{ type: "text", text: "Teal." }], stop_reason: "end_turn", stop_sequence: null,
	usage: { input_tokens: 14, output_tokens: 5, cache_read_input_tokens: 3,
		 cache_creation_input_tokens: 0 },
};
const ANTHROPIC_STREAM = sse([
	{ type: "message_start", message: { ...ANTHROPIC_MSG, content: [], stop_reason: null,
					      usage: { input_tokens: 14, output_tokens: 1 } } },
	{ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
	{ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Te" } },
	{ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "al." } },
	{ type: "content_block_stop", index: 0 },
	{ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null },
	  usage: { output_tokens: 5 } },
	{ type: "message_stop" },
]);
const GEMINI_STREAM = gsse([
	{ candidates: [{ content: { role: "model", parts: [{ text: "Te" }] } }],
	  modelVersion: "gemini-2.5-flash", responseId: "vx-resp-1",
	  usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 } },
	{ candidates: [{ content: { role: "model", parts: [{ text: "al." }] }, finishReason: "STOP" }],
	  modelVersion: "gemini-2.5-flash", responseId: "vx-resp-1",
	  usageMetadata: { promptTokenCount: 6, candidatesTokenCount: 2, totalTokenCount: 8 } },
]);

const CASES = [
	{
		dir: "embed/openai_base64", host: "api.openai.com", type: "application/json",
		body: () => JSON.stringify({ object: "list", model: "text-embedding-3-small",
			data: [0, 1].map((k) => ({ object: "embedding", index: k, embedding: b64(vec(256, k)) })),
			usage: { prompt_tokens: 9, total_tokens: 9 } }),
		run: async (base) => {
			const c = new OpenAI({ baseURL: `${base}/v1`, apiKey: "sk-test" });
			const r = await c.embeddings.create({ model: "text-embedding-3-small", dimensions: 256,
				input: ["a red fox", "a blue jay"] });
			return { dims: r.data[0].embedding.length, input_tokens: r.usage.prompt_tokens, model: r.model };
		},
	},
	{
		dir: "embed/azure_float", host: "myres.openai.azure.com", type: "application/json",
		body: () => JSON.stringify({ object: "list", model: "text-embedding-3-large",
			data: [{ object: "embedding", index: 0, embedding: vec(12, 0) }],
			usage: { prompt_tokens: 4, total_tokens: 4 } }),
		run: async (base) => {
			const c = new AzureOpenAI({ endpoint: base, apiKey: "az-test", apiVersion: "2024-10-21",
				deployment: "emb-large" });
			const r = await c.embeddings.create({ model: "text-embedding-3-large", input: "a red fox",
				encoding_format: "float" });
			return { dims: r.data[0].embedding.length, input_tokens: r.usage.prompt_tokens, model: r.model };
		},
	},
	{
		dir: "openai/azure_sdk_chat", host: "myres.openai.azure.com", type: "application/json",
		body: () => JSON.stringify({ id: "chatcmpl-az-1", object: "chat.completion", created: 1765000000,
			model: "gpt-4o-2024-11-20", choices: [{ index: 0, finish_reason: "stop",
				message: { role: "assistant", content: "Teal." } }],
			usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 } }),
		run: async (base) => {
			const c = new AzureOpenAI({ endpoint: base, apiKey: "az-test", apiVersion: "2024-10-21",
				deployment: "gpt4o-prod" });
			const r = await c.chat.completions.create({ model: "gpt-4o", messages: MSGS });
			return { model: r.model, input_tokens: r.usage.prompt_tokens, output_tokens: r.usage.completion_tokens };
		},
	},
	{
		dir: "embed/gemini_batch", host: "generativelanguage.googleapis.com", type: "application/json",
		body: () => JSON.stringify({ embeddings: [{ values: vec(24, 0) }, { values: vec(24, 1) }] }),
		run: async (base) => {
			const c = new GoogleGenAI({ apiKey: "g-test", httpOptions: { baseUrl: base } });
			const r = await c.models.embedContent({ model: "gemini-embedding-001",
				contents: ["a red fox", "a blue jay"], config: { outputDimensionality: 24 } });
			return { dims: r.embeddings[0].values.length, n: r.embeddings.length };
		},
	},
	{
		dir: "embed/vertex_predict", host: "us-central1-aiplatform.googleapis.com", type: "application/json",
		body: () => JSON.stringify({ predictions: [0, 1].map((k) => ({ embeddings: { values: vec(16, k),
			statistics: { token_count: 3 + k, truncated: false } } })),
			metadata: { billableCharacterCount: 18 } }),
		run: async (base) => {
			const c = new GoogleGenAI({ vertexai: true, project: "proj-1", location: "us-central1",
				googleAuthOptions: { authClient: AUTH }, httpOptions: { baseUrl: base } });
			const r = await c.models.embedContent({ model: "text-embedding-005",
				contents: ["a red fox", "a blue jay"], config: { outputDimensionality: 16 } });
			return { dims: r.embeddings[0].values.length,
				 tokens: r.embeddings.map((e) => e.statistics.tokenCount) };
		},
	},
	{
		dir: "embed/vertex_embed_content", host: "us-central1-aiplatform.googleapis.com",
		type: "application/json",
		body: () => JSON.stringify({ embedding: { values: vec(32, 2) },
			usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }),
		run: async (base) => {
			const c = new GoogleGenAI({ vertexai: true, project: "proj-1", location: "us-central1",
				googleAuthOptions: { authClient: AUTH }, httpOptions: { baseUrl: base } });
			const r = await c.models.embedContent({ model: "gemini-embedding-2-preview",
				contents: "a red fox" });
			return { dims: r.embeddings[0].values.length, tokens: r.embeddings[0].statistics?.tokenCount };
		},
	},
	{
		dir: "gemini/vertex_stream", host: "us-central1-aiplatform.googleapis.com",
		type: "text/event-stream", response: "sse", body: () => GEMINI_STREAM,
		run: async (base) => {
			const c = new GoogleGenAI({ vertexai: true, project: "proj-1", location: "us-central1",
				googleAuthOptions: { authClient: AUTH }, httpOptions: { baseUrl: base } });
			let text = "", last;
			for await (const ch of await c.models.generateContentStream({ model: "gemini-2.5-flash",
				contents: "Name a colour." })) { text += ch.text; last = ch; }
			return { text, usage: last.usageMetadata, model: last.modelVersion };
		},
	},
	{
		dir: "anthropic/vertex_raw", host: "us-east5-aiplatform.googleapis.com", type: "application/json",
		body: () => JSON.stringify(ANTHROPIC_MSG),
		run: async (base) => {
			const c = new AnthropicVertex({ region: "us-east5", projectId: "proj-1", authClient: AUTH,
				baseURL: `${base}/v1` });
			const r = await c.messages.create({ model: "claude-sonnet-4@20250514", max_tokens: 64,
				messages: MSGS });
			return { model: r.model, usage: r.usage, stop: r.stop_reason };
		},
	},
	{
		dir: "anthropic/vertex_stream", host: "us-east5-aiplatform.googleapis.com",
		type: "text/event-stream", response: "sse", body: () => ANTHROPIC_STREAM,
		run: async (base) => {
			const c = new AnthropicVertex({ region: "us-east5", projectId: "proj-1", authClient: AUTH,
				baseURL: `${base}/v1` });
			const m = await c.messages.stream({ model: "claude-sonnet-4@20250514", max_tokens: 64,
				messages: MSGS }).finalMessage();
			return { model: m.model, usage: m.usage, text: m.content[0].text };
		},
	},
	{
		dir: "embed/cohere_v2", host: "api.cohere.com", type: "application/json",
		body: () => JSON.stringify({ id: "5807ee2e-0cda-445a-9ec8-864c60a06606",
			embeddings: { float: [vec(20, 0), vec(20, 1)] }, texts: ["a red fox", "a blue jay"],
			meta: { api_version: { version: "2" }, billed_units: { input_tokens: 6 } },
			response_type: "embeddings_by_type" }),
		run: async (base) => {
			const c = new CohereClientV2({ token: "co-test", environment: base });
			const r = await c.embed({ model: "embed-v4.0", texts: ["a red fox", "a blue jay"],
				inputType: "search_document", embeddingTypes: ["float"] });
			return { dims: r.embeddings.float[0].length, billed: r.meta.billedUnits };
		},
	},
	{
		dir: "embed/cohere_rerank", host: "api.cohere.com", type: "application/json",
		body: () => JSON.stringify({ id: "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
			results: [{ index: 1, relevance_score: 0.999071 }, { index: 0, relevance_score: 0.32713068 }],
			meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } } }),
		run: async (base) => {
			const c = new CohereClientV2({ token: "co-test", environment: base });
			const r = await c.rerank({ model: "rerank-v3.5", query: "bird",
				documents: ["a red fox", "a blue jay"], topN: 2 });
			return { top: r.results[0].index, billed: r.meta.billedUnits };
		},
	},
	{
		dir: "embed/voyage_embed", host: "api.voyageai.com", type: "application/json",
		body: () => JSON.stringify({ object: "list", data: [0, 1].map((k) => ({ object: "embedding",
			embedding: vec(10, k), index: k })), model: "voyage-3.5", usage: { total_tokens: 7 } }),
		run: async (base) => {
			const c = new VoyageAIClient({ apiKey: "pa-test", environment: `${base}/v1` });
			const r = await c.embed({ model: "voyage-3.5", input: ["a red fox", "a blue jay"] });
			return { dims: r.data[0].embedding.length, usage: r.usage, model: r.model };
		},
	},
	{
		dir: "embed/voyage_rerank", host: "api.voyageai.com", type: "application/json",
		body: () => JSON.stringify({ object: "list", data: [{ relevance_score: 0.84, index: 1 },
			{ relevance_score: 0.31, index: 0 }], model: "rerank-2.5", usage: { total_tokens: 26 } }),
		run: async (base) => {
			const c = new VoyageAIClient({ apiKey: "pa-test", environment: `${base}/v1` });
			const r = await c.rerank({ model: "rerank-2.5", query: "bird",
				documents: ["a red fox", "a blue jay"] });
			return { top: r.data[0].index, usage: r.usage, model: r.model };
		},
	},
];

async function record(cs) {
	let got;
	const srv = http.createServer((req, res) => {
		let body = "";
		req.on("data", (d) => (body += d));
		req.on("end", () => {
			got = { target: req.url, body, headers: req.headers };
			res.writeHead(200, { "content-type": cs.type });
			res.end(cs.body());
		});
	});
	await new Promise((r) => srv.listen(0, "127.0.0.1", r));
	const base = `http://127.0.0.1:${srv.address().port}`;
	try {
		const parsed = await cs.run(base);
		const dir = path.join(out, cs.dir);
		fs.mkdirSync(dir, { recursive: true });
		const meta = { host: cs.host, target: got.target, status: 200, response: cs.response || "plain" };
		fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta, null, 1) + "\n");
		fs.writeFileSync(path.join(dir, "request.json"), got.body);
		fs.writeFileSync(path.join(dir, "response.body"), cs.body());
		console.log(cs.dir, got.target, JSON.stringify(parsed),
			    "auth headers:", Object.keys(got.headers).filter((h) => /key|auth/.test(h)).join(","));
	} finally {
		srv.close();
	}
}

for (const cs of CASES) {
	try {
		await record(cs);
	} catch (e) {
		console.log(cs.dir, "FAILED", e.message);
	}
}
