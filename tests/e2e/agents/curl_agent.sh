#!/bin/sh
# SPDX-License-Identifier: MIT
# A shell "agent": two OpenAI chat calls made with curl, the tool run by the script itself.
#   curl_agent.sh BASE_URL CAFILE [MODEL]
# 1. asks (offering run_command), 2. runs the command the answer asks for with /bin/sh -c,
# 3. sends the result back with the call id and prints the final answer.
# Only POSIX sh, curl and sed: the tool's own processes are the only other ones.
set -eu
base=$1
cafile=$2
model=${3:-gpt-4o-mini}
key=sk-test-FAKE-tracetree-curl-0123456789abcdef   # not a real key, on purpose
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tools='[{"type":"function","function":{"name":"run_command","description":"Run a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]'
prompt='List the files in /tmp and tell me the first one.'
user="{\"role\":\"user\",\"content\":\"$prompt\"}"

# chat MESSAGES FILE: a chat call with the messages (a JSON list's inside), its answer to FILE.
chat() {
	curl -sS --fail --http1.1 --cacert "$cafile" -H "Authorization: Bearer $key" \
		-H 'Content-Type: application/json' -o "$2" \
		-d "{\"model\":\"$model\",\"messages\":[$1],\"tools\":$tools}" \
		"$base/v1/chat/completions"
}

chat "$user" "$work/r1.json"

# The pretty-printed chat.completion: one tool call, its id, name and JSON-string arguments.
id=$(sed -n 's/^ *"id": "\(call_[^"]*\)".*/\1/p' "$work/r1.json" | head -n 1)
name=$(sed -n 's/^ *"name": "\([^"]*\)".*/\1/p' "$work/r1.json" | head -n 1)
args=$(sed -n 's/^ *"arguments": "\(.*\)"$/\1/p' "$work/r1.json" | head -n 1)
cmd=$(printf '%s' "$args" | sed 's/^{\\"command\\": *\\"\(.*\)\\"}$/\1/; s/\\"/"/g; s/\\\\/\\/g')
[ -n "$id" ] && [ "$name" = run_command ] && [ -n "$cmd" ] || {
	echo "curl_agent: no run_command tool call in:" >&2; cat "$work/r1.json" >&2; exit 1; }
echo "llm#1> tool_call $name $cmd id=$id"

# The whole output through tr, cut afterwards: `| head` would end a long listing with SIGPIPE.
out=$(/bin/sh -c "$cmd" 2>&1 | tr '\n"\\\t' '    ')
out=$(printf '%.200s' "$out")
echo "tool> $out"

assistant="{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"$id\",\"type\":\"function\",\"function\":{\"name\":\"$name\",\"arguments\":\"$args\"}}]}"
result="{\"role\":\"tool\",\"tool_call_id\":\"$id\",\"content\":\"$out\"}"
chat "$user,$assistant,$result" "$work/r2.json"
echo "FINAL: $(sed -n 's/^ *"content": "\(.*\)",\{0,1\}$/\1/p' "$work/r2.json" | head -n 1)"
