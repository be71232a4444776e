# SPDX-License-Identifier: MIT
"""Vertex AI, Azure OpenAI and embeddings routes with the official SDKs: node with openai's
AzureOpenAI (a chat call and an embeddings call, base64 vectors as the SDK asks by default) and
@google/genai in Vertex mode (generateContent and an embedding model's :predict), all against a
local TLS server on 127.0.0.1. Each call is its span with the exact provider, models, tokens and
dimension count; the api-key and the bearer token are nowhere in the output."""
import base64
import os
import struct
import subprocess

import otlp
from lib import (NODE_E2E, JsonServer, Skip, TestFailure, Workdir, cert, check, eq, node_sdks,
                 run_traced)

GENAI = "@google/genai@2.32.0"
AZURE_KEY = "az-e2e-secret-7f3a9c"
BEARER = "ya29.e2e-secret-b81d"
DIMS = 64

# Each route's documented answer, by path suffix.
VEC = [((i * 7) % 17 - 8) / 16 for i in range(DIMS)]
B64 = base64.b64encode(struct.pack("<%df" % DIMS, *VEC)).decode()
ROUTES = [
    ("/chat/completions", {"id": "chatcmpl-az-e2e", "object": "chat.completion",
        "created": 1765000000, "model": "gpt-4o-2024-11-20",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Teal."}}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}}),
    ("/embeddings", {"object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": B64},
                 {"object": "embedding", "index": 1, "embedding": B64}],
        "usage": {"prompt_tokens": 6, "total_tokens": 6}}),
    (":generateContent", {"candidates": [{"content": {"role": "model",
        "parts": [{"text": "Teal."}]}, "finishReason": "STOP"}],
        "modelVersion": "gemini-2.5-flash", "responseId": "vx-e2e-1",
        "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 2,
                          "totalTokenCount": 8}}),
    (":predict", {"predictions": [{"embeddings": {"values": VEC[:16],
        "statistics": {"token_count": 3 + k, "truncated": False}}} for k in range(2)]}),
]

CLIENT = r'''
const [mods, base] = process.argv.slice(2);
const key = process.env.ROUTES_AZ_KEY, bearer = process.env.ROUTES_BEARER;
const { createRequire } = require("node:module");
const req = createRequire(mods + "/node_modules/x.js");
const { AzureOpenAI } = req("openai");
const { GoogleGenAI } = req("@google/genai");
const auth = { projectId: "proj-1",
	       getRequestHeaders: async () => new Headers({ authorization: "Bearer " + bearer }) };
(async () => {
	const chat = new AzureOpenAI({ endpoint: base, apiKey: key, apiVersion: "2024-10-21",
				       deployment: "gpt4o-prod" });
	const r = await chat.chat.completions.create({ model: "gpt-4o",
		messages: [{ role: "user", content: "Name a colour." }] });
	const emb = new AzureOpenAI({ endpoint: base, apiKey: key, apiVersion: "2024-10-21",
				      deployment: "emb-small" });
	const e = await emb.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] });
	const vx = new GoogleGenAI({ vertexai: true, project: "proj-1", location: "us-central1",
				     googleAuthOptions: { authClient: auth },
				     httpOptions: { baseUrl: base } });
	const g = await vx.models.generateContent({ model: "gemini-2.5-flash",
						    contents: "Name a colour." });
	const p = await vx.models.embedContent({ model: "text-embedding-005", contents: ["a", "b"],
						 config: { outputDimensionality: 16 } });
	console.log(JSON.stringify({ chat: r.usage, dims: e.data[0].embedding.length,
		gen: g.usageMetadata, vdims: p.embeddings[0].values.length }));
})().catch((err) => { console.error(err); process.exit(1); });
'''


def sdks():
    """node_sdks() (openai) with @google/genai beside it, installed from npm on first use."""
    mods = node_sdks()
    if not os.path.exists(os.path.join(mods, "node_modules/@google/genai/package.json")):
        p = subprocess.run(["npm", "install", "--prefix", NODE_E2E, "--no-audit", "--no-fund",
                            "--loglevel=error", GENAI], capture_output=True, timeout=300)
        if p.returncode != 0:
            raise Skip("npm install %s failed: %s" %
                       (GENAI, p.stderr.decode(errors="replace").strip()[-300:]))
    return mods


# The exact attributes of each span (None: absent): what the SDKs parsed from the answers.
EXPECT = [
    ("chat gpt-4o", {
        "gen_ai.provider.name": "azure.ai.openai", "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-11-20",
        "gen_ai.usage.input_tokens": 11, "gen_ai.usage.output_tokens": 2}),
    ("embeddings text-embedding-3-small", {
        "gen_ai.provider.name": "azure.ai.openai", "gen_ai.operation.name": "embeddings",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.response.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": 6,
        "gen_ai.usage.output_tokens": None, "gen_ai.embeddings.dimension.count": DIMS,
        "gen_ai.request.encoding_formats": ["base64"]}),   # the SDK's default
    ("generate_content gemini-2.5-flash", {
        "gen_ai.provider.name": "gcp.vertex_ai", "gen_ai.request.model": "gemini-2.5-flash",
        "gen_ai.response.model": "gemini-2.5-flash", "gen_ai.response.id": "vx-e2e-1",
        "gen_ai.usage.input_tokens": 6, "gen_ai.usage.output_tokens": 2}),
    ("embeddings text-embedding-005", {   # the tokens of both instances
        "gen_ai.provider.name": "gcp.vertex_ai", "gen_ai.operation.name": "embeddings",
        "gen_ai.usage.input_tokens": 7, "gen_ai.embeddings.dimension.count": 16}),
]


def one(spans, name):
    got = spans.named(name)
    if len(got) != 1:
        raise TestFailure("want one span %r, got %d:\n%s" % (name, len(got), spans.dump()))
    s = got[0]
    eq(s.kind, 3, name + ": kind CLIENT")
    eq(s.get("server.address"), "127.0.0.1", name + ": server address")
    check(s.get("tracetree.decode") is None, name + ": a known API, not the generic decoder")
    return s


def test_routes_azure_vertex_node_sdks():
    mods = sdks()
    work = Workdir()
    crt, _ = cert(work)
    client = work.file("routes_client.js")
    with open(client, "w") as f:
        f.write(CLIENT)
    with JsonServer(work, "routes_server", ROUTES) as srv:
        # the secrets in the environment: a command line is exported (process spans)
        env = dict(os.environ, NODE_EXTRA_CA_CERTS=crt, ROUTES_AZ_KEY=AZURE_KEY,
                   ROUTES_BEARER=BEARER)
        p, out = run_traced(work, ["node", client, mods, srv.url], env=env, timeout=120)
    check(b'"dims":64' in p.stdout and b'"vdims":16' in p.stdout,
          "the SDKs parsed the answers: %r" % p.stdout[-300:])
    t = otlp.load(out)

    for name, want in EXPECT:
        s = one(t, name)
        for key, value in want.items():
            eq(s.get(key), value, "%s: %s" % (name, key))

    with open(out, "rb") as f:
        raw = f.read()
    check(AZURE_KEY.encode() not in raw, "the api-key header is not exported")
    check(BEARER.encode() not in raw, "the bearer token is not exported")
    # the vectors are not exported: the base64 of the first value pair is nowhere
    first = base64.b64encode(struct.pack("<2f", -0.5, -0.0625)).decode()[:8]
    check(first.encode() not in raw, "no vector in the output")
