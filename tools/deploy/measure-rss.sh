#!/bin/sh
# SPDX-License-Identifier: MIT
# The tracer's peak memory in DaemonSet mode, for the resources of daemonset.yaml and the
# chart: `tracetree-bpf --all` for DURATION seconds while CALLS streamed chat completions
# (curl and python, alternating, over TLS to tools/fake_llm.py) and other processes' file and
# TLS I/O run; prints VmHWM and VmRSS of the tracer (kB) before stopping it. Needs root; run
# it alone (it traces the whole host): flock /tmp/tt-e2e.lock tools/deploy/measure-rss.sh
# Usage: tools/deploy/measure-rss.sh [DURATION [CALLS]]   (180 s, 200 calls)
set -eu
cd "$(dirname "$0")/../.."
dur=${1:-180}
calls=${2:-200}
tracer=${TRACER:-./tracetree-bpf}
w=$(mktemp -d "${TMPDIR:-/tmp}/tt-rss.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$w"
}
trap cleanup EXIT

/usr/bin/python3 tools/fake_llm.py --gen-cert "$w/cert" --port-file "$w/port" \
	--token-ms 1 2>"$w/fake.err" &
pids="$pids $!"
while [ ! -s "$w/port" ]; do sleep 0.1; done
url="https://127.0.0.1:$(cat "$w/port")/v1/chat/completions"

"$tracer" -v --all -o "$w/out.jsonl" --format none 2>"$w/tracer.err" &
tr=$!
pids="$pids $tr"
until grep -q "main: .*tracing" "$w/tracer.err" 2>/dev/null; do
	kill -0 "$tr" || { cat "$w/tracer.err" >&2; exit 1; }
	sleep 0.2
done

# other processes' I/O: files read and written, TLS to a host that is no LLM API
(while :; do
	dd if=/dev/zero of="$w/io" bs=64k count=64 2>/dev/null
	cat "$w/io" >/dev/null
	curl -sk "https://127.0.0.1:$(cat "$w/port")/health" -o /dev/null || true
	sleep 0.2
done) &
pids="$pids $!"

body='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"measure the tracer"}]}'
py='import ssl,sys,urllib.request as u
r=u.Request(sys.argv[1],data=sys.argv[2].encode(),headers={"content-type":"application/json"})
print(len(u.urlopen(r,context=ssl._create_unverified_context()).read()))'
start=$(date +%s)
i=0
while [ $i -lt "$calls" ]; do
	if [ $((i % 2)) = 0 ]; then
		curl -sk "$url" -H 'content-type: application/json' -d "$body" -o /dev/null
	else
		/usr/bin/python3 -c "$py" "$url" "$body" >/dev/null
	fi
	i=$((i + 1))
	# spread the calls over the run
	sleep "$(awk -v d="$dur" -v n="$calls" 'BEGIN { printf "%.2f", d / n / 2 }')"
done
left=$((dur - ($(date +%s) - start)))
[ $left -gt 0 ] && sleep $left
grep -E '^(VmHWM|VmRSS|RssAnon|RssFile)' "/proc/$tr/status"
kill -TERM "$tr"
wait "$tr" || true
echo "spans exported: $(grep -o '"spanId"' "$w/out.jsonl" | wc -l)"
echo "LLM spans: $(grep -o '"gen_ai.request.model"' "$w/out.jsonl" | wc -l)"
