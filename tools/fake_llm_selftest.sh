#!/bin/bash
# SPDX-License-Identifier: MIT
# Self-check of tools/fake_llm.py (and a smoke run of tools/demo_agent.py): starts the server
# with TLS, hits every endpoint with curl and checks the answers. Exits non-zero on any failure.
# Usage: tools/fake_llm_selftest.sh [-v]     (needs curl, openssl and /usr/bin/python3)
set -u
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
FAKE=tools/fake_llm.py
AGENT=tools/demo_agent.py
VERBOSE=0
[ "${1:-}" = "-v" ] && VERBOSE=1
T=$(mktemp -d /tmp/fake_llm_selftest.XXXXXX)
PIDS=()
FAILS=0
PASSES=0

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok()   { PASSES=$((PASSES + 1)); [ $VERBOSE = 1 ] && echo "ok   $*"; return 0; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL $*" >&2; }

# start_server NAME ARGS... -> sets PORT, SRVPID; log in $T/NAME.log
start_server() {
	local name=$1; shift
	rm -f "$T/$name.port"
	$PY $FAKE --port 0 --port-file "$T/$name.port" --gen-cert "$T/cert" --log "$T/$name.log" "$@" \
		2>"$T/$name.stderr" &
	SRVPID=$!
	PIDS+=("$SRVPID")
	for _ in $(seq 100); do [ -s "$T/$name.port" ] && break; sleep 0.05; done
	if [ ! -s "$T/$name.port" ]; then
		fail "server $name did not start: $(cat "$T/$name.stderr")"; exit 1
	fi
	PORT=$(cat "$T/$name.port")
	BASE=https://127.0.0.1:$PORT
}

# req NAME CODE CURL-ARGS... : body in $T/NAME.out, headers in $T/NAME.hdr
req() {
	local name=$1 code=$2; shift 2
	local got
	got=$(curl -sS --cacert "$T/cert/cert.pem" -o "$T/$name.out" -D "$T/$name.hdr" -w '%{http_code}' \
		--max-time 20 "$@" 2>"$T/$name.curlerr")
	if [ "$got" != "$code" ]; then
		fail "$name: HTTP $got, expected $code ($(head -c 300 "$T/$name.out" 2>/dev/null) $(cat "$T/$name.curlerr"))"
		return 1
	fi
	ok "$name: HTTP $code"
}

# check NAME PYTHON-ASSERTIONS : runs them with body/j/events/lines/hdr bound (see below)
check() {
	local name=$1 code=$2
	if $PY - "$T/$name.out" "$T/$name.hdr" >"$T/$name.chk" 2>&1 <<EOF
import json, sys
body = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
hdr = open(sys.argv[2], encoding="utf-8", errors="replace").read().lower()
def parse_sse(b):
    out = []
    for blk in b.replace("\r\n", "\n").split("\n\n"):
        ev, data = None, []
        for line in blk.split("\n"):
            if line.startswith("event:"): ev = line[6:].strip()
            elif line.startswith("data:"): data.append(line[5:].lstrip())
        if data:
            d = "\n".join(data)
            out.append((ev, d if d == "[DONE]" else json.loads(d)))
    return out
try: j = json.loads(body)
except ValueError: j = None
events = parse_sse(body) if "data:" in body else []
lines = [json.loads(l) for l in body.splitlines() if l.strip()] if j is None and "data:" not in body and body.lstrip()[:1] == "{" else []
$code
EOF
	then ok "$name: checks"; else fail "$name: $(tail -3 "$T/$name.chk")"; fi
}

TOOLS_OA='"tools":[{"type":"function","function":{"name":"run_command","parameters":{"type":"object"}}}]'
H_JSON=(-H 'Content-Type: application/json' -H 'Authorization: Bearer sk-test-selftest')

# =============================================================================================
start_server main --gzip
MAIN_PID=$SRVPID

req health 200 "$BASE/health" && check health 'assert j == {"status": "ok"}'
req models 200 "$BASE/v1/models" && check models 'assert j["object"] == "list" and any(m["id"] == "gpt-4o-mini" for m in j["data"])'
req models_anth 200 -H 'anthropic-version: 2023-06-01' "$BASE/v1/models" && check models_anth 'assert j["data"][0]["type"] == "model" and j["has_more"] is False'
req models_gem 200 "$BASE/v1beta/models" && check models_gem 'assert j["models"][0]["name"].startswith("models/gemini")'
req tags 200 "$BASE/api/tags" && check tags 'assert j["models"][0]["name"].startswith("llama")'
req fetch 200 "$BASE/tool/fetch?q=weather&city=Oslo" && check fetch 'assert j["ok"] and j["forecast"]["city"] == "Oslo" and "\n" not in body.strip()'
req fetch404 404 "$BASE/tool/fetch?status=404" && check fetch404 'assert j["ok"] is False'
req notfound 404 "$BASE/nope" && check notfound 'assert j["error"]["code"] == "unknown_url"'
req badjson 400 "${H_JSON[@]}" "$BASE/v1/chat/completions" -d 'not json' && check badjson 'assert j["error"]["type"] == "invalid_request_error"'
req nomodel 400 "${H_JSON[@]}" "$BASE/v1/chat/completions" -d '{"messages":[]}' && check nomodel 'assert "model" in j["error"]["message"]'
req badanth 400 "$BASE/v1/messages" -d '{"model":"c","messages":[{"role":"user","content":5}]}' && check badanth 'assert j["type"] == "error" and j["error"]["type"] == "invalid_request_error"'
req badgem 400 "$BASE/v1beta/models/g:generateContent" -d '{"contents":3}' && check badgem 'assert j["error"]["status"] == "INVALID_ARGUMENT"'
req badoll 400 "$BASE/api/chat" -d '{"model":"l"}' && check badoll 'assert isinstance(j["error"], str)'

# --- OpenAI chat: tool call, non-stream. words: "list the files" = 3 -> input 13
req oa_json 200 "${H_JSON[@]}" "$BASE/v1/chat/completions" \
	-d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"list the files"}],'"$TOOLS_OA"'}' && check oa_json '
c = j["choices"][0]
assert j["id"].startswith("chatcmpl-") and j["object"] == "chat.completion" and j["model"] == "gpt-4o-mini"
assert c["finish_reason"] == "tool_calls" and c["message"]["content"] is None
tc = c["message"]["tool_calls"][0]
assert tc["id"] == "call_1" and tc["function"]["name"] == "run_command"
assert json.loads(tc["function"]["arguments"]) == {"command": "ls /tmp"}
u = j["usage"]
assert u["prompt_tokens"] == 13 and u["completion_tokens"] == 4 and u["total_tokens"] == 17, u
assert u["prompt_tokens_details"]["cached_tokens"] == 0 and u["completion_tokens_details"]["reasoning_tokens"] == 0'

# --- OpenAI chat: stream with include_usage, tool args in fragments
req oa_sse 200 "${H_JSON[@]}" "$BASE/v1/chat/completions" \
	-d '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"list the files"}],'"$TOOLS_OA"'}' && check oa_sse '
assert "text/event-stream" in hdr and "transfer-encoding: chunked" in hdr
assert events[-1][1] == "[DONE]"
chunks = [d for _, d in events[:-1]]
assert all(c["object"] == "chat.completion.chunk" for c in chunks)
assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["prompt_tokens"] == 13
assert all(c["usage"] is None for c in chunks[:-1])
frags = [tc["function"].get("arguments", "") for c in chunks[:-1] for ch in c["choices"] for tc in ch["delta"].get("tool_calls", [])]
assert len([f for f in frags if f]) >= 3, frags
assert json.loads("".join(frags)) == {"command": "ls /tmp"}
assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"'

# --- OpenAI chat: stream without include_usage has no usage at all
req oa_sse_nou 200 "$BASE/v1/chat/completions" -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}' && check oa_sse_nou '
assert events[-1][1] == "[DONE]" and all("usage" not in d for _, d in events[:-1])
assert "".join(d["choices"][0]["delta"].get("content") or "" for _, d in events[:-1]) == "This is a fake reply from m to: \"hi\""'

# --- OpenAI chat: tool result -> final text quoting the first line; cache = T//2
req oa_final 200 "${H_JSON[@]}" "$BASE/v1/chat/completions" -d '{"model":"gpt-4o-mini","messages":[
 {"role":"system","content":"be brief"},{"role":"user","content":"list the files"},
 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"run_command","arguments":"{\"command\":\"ls /tmp\"}"}}]},
 {"role":"tool","tool_call_id":"call_1","content":"alpha.txt\nbeta.txt"}],'"$TOOLS_OA"'}' && check oa_final '
# words: be brief(2) + list the files(3) + {"command": "ls /tmp"}(3) + alpha.txt beta.txt(2) = 10 -> 20
m = j["choices"][0]["message"]
assert m["content"] == "Done. The tool result begins with: \"alpha.txt\"", m
assert j["choices"][0]["finish_reason"] == "stop"
assert j["usage"]["prompt_tokens"] == 20 and j["usage"]["prompt_tokens_details"]["cached_tokens"] == 10, j["usage"]
assert j["usage"]["completion_tokens"] == 7'

# --- OpenAI Responses, JSON and SSE
TOOLS_RS='"tools":[{"type":"function","name":"run_command","parameters":{"type":"object"}}]'
req rs_json 200 "${H_JSON[@]}" "$BASE/v1/responses" -d '{"model":"gpt-4.1","input":"list the files",'"$TOOLS_RS"'}' && check rs_json '
assert j["id"].startswith("resp_") and j["object"] == "response" and j["status"] == "completed"
fc = j["output"][0]
assert fc["type"] == "function_call" and fc["call_id"] == "call_1" and fc["id"] == "fc_1" and fc["name"] == "run_command"
assert json.loads(fc["arguments"]) == {"command": "ls /tmp"}
u = j["usage"]
assert u["input_tokens"] == 13 and u["output_tokens"] == 4 and u["input_tokens_details"]["cached_tokens"] == 0 and u["output_tokens_details"]["reasoning_tokens"] == 0'
RS1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/rs_json.out" 2>/dev/null)
req rs_sse 200 "$BASE/v1/responses" -d '{"model":"gpt-4.1","stream":true,"input":[{"role":"user","content":[{"type":"input_text","text":"list the files"}]}],'"$TOOLS_RS"'}' && check rs_sse '
names = [e for e, _ in events]
assert names[:3] == ["response.created", "response.in_progress", "response.output_item.added"], names
assert "response.function_call_arguments.delta" in names and "response.function_call_arguments.done" in names
assert names[-1] == "response.completed"
assert all(d["type"] == e for e, d in events) and [d["sequence_number"] for _, d in events] == list(range(len(events)))
args = "".join(d["delta"] for e, d in events if e == "response.function_call_arguments.delta")
assert json.loads(args) == {"command": "ls /tmp"}
r = events[-1][1]["response"]
assert r["usage"]["input_tokens"] == 13 and r["output"][0]["call_id"] == "call_1"'
req rs_chain 200 "$BASE/v1/responses" -d '{"model":"gpt-4.1","stream":true,"previous_response_id":"'"$RS1"'","input":[{"type":"function_call_output","call_id":"call_1","output":"gamma\ndelta"}],'"$TOOLS_RS"'}' && check rs_chain '
names = [e for e, _ in events]
assert "response.output_text.delta" in names and names[-1] == "response.completed"
text = "".join(d["delta"] for e, d in events if e == "response.output_text.delta")
assert text == "Done. The tool result begins with: \"gamma\"", text
u = events[-1][1]["response"]["usage"]
# previous chain words 3 + 4 (answer) + 2 (result) = 9 -> 19, cached 9
assert u["input_tokens"] == 19 and u["input_tokens_details"]["cached_tokens"] == 9, u'
req rs_badprev 400 "$BASE/v1/responses" -d '{"model":"gpt-4.1","previous_response_id":"resp_nope","input":"x"}'

# --- Anthropic, JSON and SSE (?beta=true)
TOOLS_AN='"tools":[{"name":"run_command","input_schema":{"type":"object"}}]'
H_AN=(-H 'x-api-key: sk-ant-test-selftest' -H 'anthropic-version: 2023-06-01' -H 'Content-Type: application/json')
req an_json 200 "${H_AN[@]}" "$BASE/v1/messages" -d '{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"list the files"}],'"$TOOLS_AN"'}' && check an_json '
assert j["id"].startswith("msg_") and j["type"] == "message" and j["stop_reason"] == "tool_use"
b = j["content"][0]
assert b == {"type": "tool_use", "id": "toolu_01", "name": "run_command", "input": {"command": "ls /tmp"}}, b
u = j["usage"]
assert u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"] == 13 and u["cache_creation_input_tokens"] == 3 and u["output_tokens"] == 4, u'
req an_sse 200 "${H_AN[@]}" "$BASE/v1/messages?beta=true" -d '{"model":"claude-sonnet-4-5","max_tokens":100,"stream":true,"messages":[
 {"role":"user","content":"list the files"},
 {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"run_command","input":{"command":"ls /tmp"}}]},
 {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"one two\nthree"}]}],'"$TOOLS_AN"'}' && check an_sse '
names = [e for e, _ in events]
assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"], names
assert "content_block_start" in names and "content_block_stop" in names
text = "".join(d["delta"]["text"] for e, d in events if e == "content_block_delta")
assert text == "Done. The tool result begins with: \"one two\"", text
md = events[-2][1]
assert md["delta"]["stop_reason"] == "end_turn"
u = md["usage"]
# words 3 + 3 + 3 = 9 -> 19; history -> cache_read 9, input 10
assert (u["input_tokens"], u["cache_read_input_tokens"], u["cache_creation_input_tokens"], u["output_tokens"]) == (10, 9, 0, 8), u'
req an_sse_tool 200 "${H_AN[@]}" "$BASE/v1/messages" -d '{"model":"claude-haiku-4-5","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"list the files"}],'"$TOOLS_AN"'}' && check an_sse_tool '
st = [d for e, d in events if e == "content_block_start"][0]["content_block"]
assert st["type"] == "tool_use" and st["id"] == "toolu_01" and st["input"] == {}
pj = "".join(d["delta"]["partial_json"] for e, d in events if e == "content_block_delta")
assert json.loads(pj) == {"command": "ls /tmp"}
assert [d for e, d in events if e == "message_delta"][0]["delta"]["stop_reason"] == "tool_use"'
req an_count 200 "${H_AN[@]}" "$BASE/v1/messages/count_tokens" -d '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"a b c"}]}' && check an_count 'assert j == {"input_tokens": 13}'

# --- Gemini: JSON, SSE, JSON-array stream
TOOLS_GM='"tools":[{"functionDeclarations":[{"name":"run_command","parameters":{"type":"object"}}]}]'
req gm_json 200 -H 'x-goog-api-key: AIza-test' "$BASE/v1beta/models/gemini-2.5-flash:generateContent" -d '{"contents":[{"role":"user","parts":[{"text":"list the files"}]}],'"$TOOLS_GM"'}' && check gm_json '
c = j["candidates"][0]
assert c["content"]["role"] == "model" and c["finishReason"] == "STOP"
fc = c["content"]["parts"][0]["functionCall"]
assert fc["name"] == "run_command" and fc["args"] == {"command": "ls /tmp"} and fc["id"] == "call_1"
u = j["usageMetadata"]
assert u["promptTokenCount"] == 13 and u["candidatesTokenCount"] == 4 and u["totalTokenCount"] == 17
assert j["modelVersion"] == "gemini-2.5-flash" and j["responseId"]'
req gm_sse 200 "$BASE/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=AIza-secret" -d '{"contents":[
 {"role":"user","parts":[{"text":"list the files"}]},
 {"role":"model","parts":[{"functionCall":{"name":"run_command","args":{"command":"ls /tmp"}}}]},
 {"role":"user","parts":[{"functionResponse":{"name":"run_command","response":{"output":"x1 x2 x3 x4"}}}]}],'"$TOOLS_GM"'}' && check gm_sse '
assert "\r\n\r\n" in body
text = "".join(p.get("text", "") for _, d in events for p in d["candidates"][0]["content"]["parts"])
assert text == "Done. The tool result begins with: \"x1 x2 x3 x4\"", text
assert len(events) >= 3 and events[-1][1]["candidates"][0]["finishReason"] == "STOP"
u = events[-1][1]["usageMetadata"]
assert u["promptTokenCount"] == 20 and u["cachedContentTokenCount"] == 10 and u["candidatesTokenCount"] == 10, u'
req gm_arr 200 "$BASE/v1beta/models/gemini-2.5-flash:streamGenerateContent" -d '{"contents":[{"role":"user","parts":[{"text":"hello"}]}]}' && check gm_arr '
assert isinstance(j, list) and len(j) >= 2 and j[-1]["candidates"][0]["finishReason"] == "STOP"
assert "".join(p["text"] for d in j for p in d["candidates"][0]["content"]["parts"]) == "This is a fake reply from gemini-2.5-flash to: \"hello\""'

# --- Ollama chat and generate
req ol_chat 200 "$BASE/api/chat" -d '{"model":"llama3.2","messages":[{"role":"user","content":"list the files"}],"tools":[{"type":"function","function":{"name":"run_command"}}]}' && check ol_chat '
assert "application/x-ndjson" in hdr and len(lines) >= 2
assert lines[-1]["done"] is True and lines[-1]["prompt_eval_count"] == 13 and lines[-1]["eval_count"] == 4
tc = [t for l in lines for t in l["message"].get("tool_calls", [])]
assert tc == [{"function": {"name": "run_command", "arguments": {"command": "ls /tmp"}}}], tc
assert all(l["done"] is False for l in lines[:-1])'
req ol_chat_json 200 "$BASE/api/chat" -d '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}' && check ol_chat_json '
assert j["done"] is True and j["message"]["content"].startswith("This is a fake reply") and j["done_reason"] == "stop"'
req ol_gen 200 "$BASE/api/generate" -d '{"model":"llama3.2","prompt":"why is the sky blue"}' && check ol_gen '
assert "".join(l["response"] for l in lines) == "This is a fake reply from llama3.2 to: \"why is the sky blue\""
assert lines[-1]["done"] and lines[-1]["prompt_eval_count"] == 15'
req ol_gen_json 200 "$BASE/api/generate" -d '{"model":"llama3.2","prompt":"hi","stream":false}' && check ol_gen_json 'assert j["done"] and j["response"]'
req emb 200 "$BASE/v1/embeddings" -d '{"model":"text-embedding-3-small","input":["a b","c"]}' && check emb '
assert len(j["data"]) == 2 and j["usage"]["prompt_tokens"] == 13'

# --- gzip: whole bodies and SSE flushed per event (every HTTP chunk inflates to whole events)
req gz_json 200 --compressed "$BASE/v1/chat/completions" -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}' && check gz_json '
assert "content-encoding: gzip" in hdr and j["object"] == "chat.completion"'
if $PY - "$PORT" "$T/cert/cert.pem" >"$T/gzsse.chk" 2>&1 <<'EOF'
import http.client, ssl, sys, zlib, json
ctx = ssl.create_default_context(cafile=sys.argv[2])
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
c.request("POST", "/v1/messages", body=json.dumps({"model": "c", "max_tokens": 10, "stream": True,
          "messages": [{"role": "user", "content": "say something long enough"}]}),
          headers={"Accept-Encoding": "gzip", "anthropic-version": "2023-06-01"})
r = c.getresponse()
assert r.getheader("Content-Encoding") == "gzip"
d = zlib.decompressobj(31)
n = 0
while True:
    chunk = r.read1(65536)
    if not chunk:
        break
    out = d.decompress(chunk)
    if out:
        n += 1
        assert out.endswith(b"\n\n"), out      # sync flush: whole events per chunk
r.read()
assert n >= 5, n
# keep-alive: the same connection serves another request
c.request("GET", "/health")
assert c.getresponse().read() == b'{"status":"ok"}'
EOF
then ok "gzip SSE sync flush + keep-alive"; else fail "gzip SSE: $(tail -3 "$T/gzsse.chk")"; fi

# --- the log: one line per request, no credentials, usage matches the wire
if $PY - "$T/main.log" >"$T/log.chk" 2>&1 <<'EOF'
import json, sys
raw = open(sys.argv[1]).read()
assert "sk-test-selftest" not in raw and "sk-ant-test-selftest" not in raw and "AIza-test" not in raw and "AIza-secret" not in raw
ents = [json.loads(l) for l in raw.splitlines()]
assert len(ents) >= 30, len(ents)
oa = [e for e in ents if e["endpoint"] == "openai.chat" and e["response"].get("wire_usage")]
for e in oa:
    w, u = e["response"]["wire_usage"], e["response"]["usage"]
    assert w["prompt_tokens"] == u["input_tokens"] and w["completion_tokens"] == u["output_tokens"]
an = [e for e in ents if e["endpoint"] == "anthropic.messages" and e["response"].get("status") == 200]
for e in an:
    u = e["response"]["usage"]
    w = e["response"]["wire_usage"]
    assert w["input_tokens"] + w["cache_read_input_tokens"] + w["cache_creation_input_tokens"] == u["input_tokens"]
assert any("authorization" in e["auth_headers"] for e in ents)
assert any(e["query"].get("key") == "REDACTED" for e in ents)
EOF
then ok "request log"; else fail "request log: $(tail -3 "$T/log.chk")"; fi

# --- the sample agent against every provider, streaming and not, with gzip
for prov in openai openai-responses anthropic gemini ollama; do
	for s in "" --stream; do
		out=$($PY $AGENT --base-url "$BASE" --provider $prov $s --gzip --cafile "$T/cert/cert.pem" 2>&1)
		if echo "$out" | grep -q '^FINAL: Done. The tool result begins with: '; then ok "agent $prov $s"
		else fail "agent $prov $s: $out"; fi
	done
done
out=$($PY $AGENT --base-url "$BASE" --provider anthropic --stream --insecure --subagent 2>&1)
if echo "$out" | grep -q 'tool> run_subagent: Done.' && echo "$out" | grep -q '^FINAL:'; then ok "agent --subagent"
else fail "agent --subagent: $out"; fi

if [ -x /usr/bin/node ]; then
	for prov in openai anthropic; do
		for cl in fetch https; do
			out=$(/usr/bin/node tools/demo_agent_node.mjs --base-url "$BASE" --provider $prov --stream --client $cl --cafile "$T/cert/cert.pem" 2>&1)
			if echo "$out" | grep -q '^FINAL: Done. The tool result begins with: '; then ok "node agent $prov $cl"
			else fail "node agent $prov $cl: $out"; fi
		done
	done
fi

# --- SIGTERM: clean exit
kill -TERM "$MAIN_PID"
for _ in $(seq 60); do kill -0 "$MAIN_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$MAIN_PID" 2>/dev/null; then fail "server still running 3 s after SIGTERM"
else wait "$MAIN_PID"; rc=$?; [ $rc = 0 ] && ok "SIGTERM exit 0" || fail "SIGTERM exit code $rc"; fi

# =============================================================================================
# errors: 429 once, then success; Anthropic mid-stream error event; pacing; chunked bodies
start_server err --script builtin:error429 --chunked on
req e429 429 "${H_AN[@]}" "$BASE/v1/messages" -d '{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"go"}],'"$TOOLS_AN"'}' && check e429 '
assert j["type"] == "error" and j["error"]["type"] == "rate_limit_error" and "retry-after: 1" in hdr'
req e429b 200 "${H_AN[@]}" "$BASE/v1/messages" -d '{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"go"}],'"$TOOLS_AN"'}' && check e429b '
assert j["content"][0]["name"] == "run_command" and "transfer-encoding: chunked" in hdr'
req e429oa 429 "$BASE/v1/chat/completions" -d '{"model":"m","messages":[{"role":"user","content":"go"}],'"$TOOLS_OA"'}' && check e429oa '
assert j["error"]["code"] == "rate_limit_exceeded"'
kill "$SRVPID"

start_server serr --script builtin:stream-error
req an_err 200 "$BASE/v1/messages" -d '{"model":"c","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"go"}],'"$TOOLS_AN"'}' && check an_err '
names = [e for e, _ in events]
assert names[0] == "message_start" and names[-1] == "error" and "message_stop" not in names, names
assert events[-1][1]["error"]["type"] == "overloaded_error"'
req oa_err 200 "$BASE/v1/chat/completions" -d '{"model":"m","stream":true,"messages":[{"role":"user","content":"go"}],'"$TOOLS_OA"'}' && check oa_err '
assert events[-1][1]["error"]["type"] == "server_error" and all(d != "[DONE]" for _, d in events)'
kill "$SRVPID"

cat >"$T/script.json" <<'EOF'
{"steps": [
  {"text": "Checking two things.", "reasoning_tokens": 5,
   "tool_calls": [{"name": "run_command", "arguments": {"command": "echo hi"}},
                  {"name": "fetch_url", "arguments": {"url": "{base_url}/tool/fetch?q=x"}, "id": "custom_id"}]}
 ],
 "final_text": "Results: {results}"}
EOF
start_server paced --script "$T/script.json" --ttft-ms 300 --token-ms 30
if $PY - "$PORT" "$T/cert/cert.pem" >"$T/paced.chk" 2>&1 <<'EOF'
import http.client, ssl, sys, json, time
ctx = ssl.create_default_context(cafile=sys.argv[2])
c = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[1]), context=ctx)
t0 = time.monotonic()
c.request("POST", "/v1/chat/completions", body=json.dumps({"model": "m", "stream": True,
          "messages": [{"role": "user", "content": "go"}],
          "tools": [{"type": "function", "function": {"name": "run_command"}}]}))
r = c.getresponse()
times, buf = [], b""
while True:
    b = r.read1(65536)
    if not b:
        break
    buf += b
    times.append((time.monotonic() - t0, b))
first_delta = next(t for t, b in times if b'"content":"Checking' in b)
assert first_delta >= 0.29, first_delta
assert times[0][0] < 0.2, times[0][0]          # headers + role chunk come at once
total = times[-1][0]
assert total >= 0.3 + 0.03 * 5, total
chunks = [json.loads(l[6:]) for l in buf.decode().split("\n") if l.startswith("data: {")]
tcs = {}
for ch in chunks:
    for tc in ch["choices"][0]["delta"].get("tool_calls", []):
        e = tcs.setdefault(tc["index"], {"id": None, "args": ""})
        e["id"] = tc.get("id") or e["id"]
        e["args"] += tc["function"].get("arguments", "")
assert tcs[0]["id"] == "call_1" and tcs[1]["id"] == "custom_id", tcs
assert json.loads(tcs[1]["args"])["url"] == "https://127.0.0.1:%s/tool/fetch?q=x" % sys.argv[1]
EOF
then ok "pacing + parallel tool calls + custom ids"; else fail "pacing: $(tail -3 "$T/paced.chk")"; fi
out=$($PY $AGENT --base-url "$BASE" --provider openai-responses --stream --insecure --responses-chain 2>&1)
if echo "$out" | grep -q '^FINAL: Results: hi | {"ok":true'; then ok "agent parallel tools (responses chain)"
else fail "agent parallel tools: $out"; fi
out=$($PY $AGENT --base-url "$BASE" --provider gemini --stream --gemini-array --insecure 2>&1)
if echo "$out" | grep -q '^FINAL: Results: hi | '; then ok "agent gemini array stream"
else fail "agent gemini array: $out"; fi
kill "$SRVPID"

if $PY $FAKE --script /nonexistent.json --port 0 2>/dev/null; then fail "bad --script accepted"; else ok "bad --script rejected"; fi

echo "fake_llm selftest: $PASSES passed, $FAILS failed"
[ $FAILS = 0 ]
