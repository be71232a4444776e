#!/bin/sh
# SPDX-License-Identifier: MIT
# Enforces the layer DAG of DESIGN section 3: a module may include only headers of its own layer
# or lower ones, and only L5 (platform) may include libbpf, the skeleton or read /proc. Calls
# are checked on the built objects by tools/check_cycles.sh (every build). Also keeps files on
# their seams: STYLE aims at about 700 lines a .c and 800 a module with its header; a .c over
# MAX_C or a module over MAX_MODULE fails here, so a file is split before it doubles.
set -eu
cd "$(dirname "$0")/.."

# module:layer, one a line (sorted within a layer). A new module must be added here (the check
# fails on unknown ones); internal headers (src/*.h) count as their module's layer.
layers='
# L0 util
buf:0
hex:0
jsonstr:0
jsonw:0
tt_limits:0
tt_parse:0
log:0
outfile:0
redact:0
redact_http:0
redact_internal:0
redact_json:0
redact_keys:0
str:0
tls_lib:0
tt_abi:0
varint:0
# L1 codecs
aead_bind:1
body_reader:1
capfile:1
cgroup:1
select:1
chunked:1
cli:1
coding:1
eventstream:1
ehframe:1
gopclntab:1
http1:1
http2:1
http2_frame:1
http2_hdrs:1
http2_internal:1
http2_stream:1
http_exchange:1
rawfmt:1
records:1
sse:1
ws:1
tlsdb:1
tlsdb_conf:1
tlsdb_internal:1
tlshello:1
# L2 streams
conn:2
conn_core:2
conn_h2:2
conn_http1:2
conn_ws:2
conn_internal:2
conn_peer:2
stream:2
# L3 semantics
genai:3
conv_chain:3
genai_metrics:3
linker:3
linker_attrs:3
linker_http:3
linker_local:3
linker_internal:3
linker_parent:3
linker_place:3
linker_proc:3
linker_text:3
linker_tls:3
linker_tool:3
linker_trace:3
mcp:3
proctree:3
prov_anthropic:3
prov_bedrock:3
prov_build:3
prov_cohere:3
prov_embed:3
prov_gemini:3
prov_generic:3
prov_internal:3
prov_ollama:3
prov_openai:3
prov_realtime:3
provider:3
span:3
analyze:3
analyze_index:3
analyze_internal:3
analyze_schema:3
trace_model:3
# L4 output
analyze_cli:4
export:4
export_http:4
export_opts:4
export_tls:4
health:4
health_http:4
jsonl_fmt:4
metrics:4
otlp_json:4
otlp_metrics:4
otlp_pb:4
otlp_metrics_pb:4
pipeline:4
tree_view:4
view:4
view_internal:4
view_read:4
# L5 platform
disasm:5
doctor:5
events:5
holdwatch:5
launch:5
privs:5
loader:5
loader_files:5
loader_pid:5
main:5
metrics_src:5
prober:5
prober_work:5
podlabels:5
procid:5
procscan:5
targets:5
targets_cache:5
targets_elf:5
targets_internal:5
targets_proc:5
'
layer_of() {
	for e in $(echo "$layers" | grep -v '^#'); do
		[ "${e%%:*}" = "$1" ] && { echo "${e#*:}"; return; }
	done
	echo ""
}

MAX_C=750
MAX_MODULE=850

bad=0
for e in $(echo "$layers" | grep -v '^#'); do
	m=${e%%:*}
	if [ ! -e "src/$m.c" ] && [ ! -e "src/$m.h" ] && [ ! -e "include/$m.h" ]; then
		echo "layers: module '$m' is listed in tools/check_layers.sh but has no file" >&2
		bad=1
	fi
done
for f in src/*.c; do
	m=$(basename "$f" .c)
	n=$(wc -l < "$f")
	h=0
	for hf in "include/$m.h" "src/$m.h"; do
		[ -e "$hf" ] && h=$((h + $(wc -l < "$hf")))
	done
	if [ "$n" -gt $MAX_C ]; then
		echo "layers: $f has $n lines (more than $MAX_C): split it on its seams" >&2
		bad=1
	elif [ $((n + h)) -gt $MAX_MODULE ]; then
		echo "layers: module $m has $((n + h)) lines with its header (more than $MAX_MODULE)" >&2
		bad=1
	fi
done
for f in src/*.c src/*.h include/*.h; do
	[ -e "$f" ] || continue
	m=$(basename "$f"); m=${m%.*}
	l=$(layer_of "$m")
	if [ -z "$l" ]; then
		echo "layers: $f: module '$m' has no layer in tools/check_layers.sh" >&2
		bad=1
		continue
	fi
	for inc in $(sed -n 's/^#include "\([a-z0-9_]*\)\.h"/\1/p' "$f"); do
		case $inc in *.skel) inc=skel ;; esac
		il=$(layer_of "$inc")
		if [ "$inc" = tracetree ] || [ "$inc" = skel ]; then il=5; fi
		if [ -z "$il" ]; then
			echo "layers: $f includes unknown module header $inc.h" >&2
			bad=1
		elif [ "$il" -gt "$l" ]; then
			echo "layers: $f (L$l) includes $inc.h (L$il): includes only point downward" >&2
			bad=1
		fi
	done
	if [ "$l" -lt 5 ] && grep -Eq '#include <bpf/|\.skel\.h"|"/proc/' "$f"; then
		echo "layers: $f (L$l) touches libbpf, the skeleton or /proc: only L5 may" >&2
		bad=1
	fi
done
[ $bad = 0 ] && echo "layers: ok"
exit $bad
