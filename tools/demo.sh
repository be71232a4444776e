#!/bin/sh
# SPDX-License-Identifier: MIT
# `sudo make demo`: start the local fake LLM API (TLS, paced like a real model), run the sample
# agent under tracetree-bpf, and print what was captured.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/tracetree-demo.XXXXXX)
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
	--log "$work/llm-requests.jsonl" --script builtin:demo --ttft-ms 300 --token-ms 15 &
server_pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "demo: the fake LLM server did not start" >&2; exit 1; }
	sleep 0.05
done
port=$(cat "$work/port")
echo "demo: fake LLM API on https://127.0.0.1:$port; tracing the sample agent..."
"$top/tracetree-bpf" --raw="$work/capture.jsonl" --record "$work/capture.ttcap" -- \
	"$py" "$top/tools/demo_agent.py" --base-url "https://127.0.0.1:$port" \
	--provider openai --stream --cafile "$work/cert/cert.pem" --subagent
echo
echo "demo: captured process tree and TLS exchanges:"
"$py" "$top/tools/capture_summary.py" "$work/capture.jsonl"
echo
echo "demo: every record: $work/capture.jsonl (replay: tracetree-bpf replay $work/capture.ttcap)"
