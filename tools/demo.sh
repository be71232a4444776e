#!/bin/sh
# SPDX-License-Identifier: MIT
# `sudo make demo`: start the local fake LLM API (TLS, paced like a real model), run the sample
# agent under tracetree-bpf, print the trace tree and write the OTLP file.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/tracetree-demo.XXXXXX)
# the agent runs as the user who ran sudo: it reads the server's certificate (not its key) here
chmod 0755 "$work"
py=/usr/bin/python3
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" != 0 ]; then
	echo "demo: tracing needs root: run 'sudo make demo'" >&2
	exit 1
fi
"$py" "$top/tools/fake_llm.py" --gen-cert "$work/cert" --port-file "$work/port" \
	--log "$work/llm-requests.jsonl" --script builtin:demo --ttft-ms 300 --token-ms 15 \
	2>/dev/null &
server_pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "demo: the fake LLM server did not start" >&2; exit 1; }
	sleep 0.05
done
port=$(cat "$work/port")
echo "demo: fake LLM API on https://127.0.0.1:$port (OpenAI-compatible, TLS)"
echo "demo: sudo tracetree-bpf --format tree -o $work/trace.otlp.jsonl -- demo_agent.py ..."
echo
"$top/tracetree-bpf" --format tree -o "$work/trace.otlp.jsonl" --record "$work/capture.ttcap" \
	-- "$py" "$top/tools/demo_agent.py" --base-url "https://127.0.0.1:$port" \
	--provider openai --stream --cafile "$work/cert/cert.pem" --subagent --answer-only \
	> "$work/tree.txt"
# the agent's answer and the tree share stdout: show the tree after the agent's output
cat "$work/tree.txt"
echo
echo "demo: OTLP JSON Lines:   $work/trace.otlp.jsonl"
echo "demo: raw capture:       $work/capture.ttcap  (tracetree-bpf replay $work/capture.ttcap)"
echo "demo: export to a collector with --otlp-endpoint http://HOST:4318"
