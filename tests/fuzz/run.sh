#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer harness in OUTPUT/fuzz for FUZZ_SECONDS each, seeded from the fixtures,
# and ends with "fuzz: N passed, M failed". A crash, leak or timeout fails the harness and
# leaves its reproducer in OUTPUT/fuzz/artifacts.
# Usage: tests/fuzz/run.sh OUTPUT_DIR
set -u
out=${1:-.output}
secs=${FUZZ_SECONDS:-60}
cd "$(dirname "$0")/../.." || exit 2
seeds="$out/fuzz/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/fuzz/artifacts"
# corpora from the recorded HTTP fixtures and the provider fixtures
/usr/bin/python3 tools/record_wire.py --fuzz-seeds "$seeds" >/dev/null 2>&1 || true
/usr/bin/python3 tests/fuzz/provider_seeds.py "$seeds/fuzz_provider" >/dev/null 2>&1 || true
if [ -d tests/fixtures/http2/fuzz_seeds ]; then
	mkdir -p "$seeds/fuzz_http2"
	cp -r tests/fixtures/http2/fuzz_seeds/. "$seeds/fuzz_http2/"
fi
# seeds kept in the tree: tests/fuzz/seeds/HARNESS/
for d in tests/fuzz/seeds/*/; do
	[ -d "$d" ] || continue
	mkdir -p "$seeds/$(basename "$d")"
	cp -r "$d." "$seeds/$(basename "$d")/"
done
if [ -d tests/fixtures/tls ]; then
	mkdir -p "$seeds/fuzz_tlshello"
	cp tests/fixtures/tls/*.bin "$seeds/fuzz_tlshello/"
fi
# fuzz_tlsdb: one file laid out as its harness reads it (thirds: code, data, .eh_frame), with a
# function whose lea loads the anchor string, so mutations start from a match
mkdir -p "$seeds/fuzz_tlsdb"
/usr/bin/python3 - "$seeds/fuzz_tlsdb/seed" <<'PY'
import struct, sys
third = 256
f = bytearray(b"\xcc" * (3 * third))
f[0x10:0x14] = b"\x55\x48\x89\xe5"
# lea rcx, [rip + disp] at 0x20 -> data vaddr 0x600004 (file third + 4)
f[0x20:0x27] = b"\x48\x8d\x0d" + struct.pack("<i", 0x600004 - (0x400000 + 0x20 + 7))
f[third:2 * third] = bytes(third)
f[third + 4:third + 23] = b"ssl_write_internal\0"
eh = 2 * third
cie = struct.pack("<II", 16, 0) + bytes([1]) + b"zR\0" + bytes([1, 0x78, 16, 1, 0x1b, 0, 0, 0])
f[eh:eh + len(cie)] = cie
fde_at = eh + len(cie)
field_va = 0x600000 + third + len(cie) + 8
fde = struct.pack("<IIiIB", 13, len(cie) + 4, 0x400010 - field_va, 0x30, 0)
f[fde_at:fde_at + len(fde)] = fde
open(sys.argv[1], "wb").write(bytes(f))
PY
pass=0
fail=0
for bin in "$out"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$(mktemp -d)
	[ -d "$seeds/$name" ] && cp -r "$seeds/$name/." "$corpus/"
	if "$bin" "$corpus" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=0 -artifact_prefix="$out/fuzz/artifacts/$name-" \
		> "$out/fuzz/$name.log" 2>&1; then
		echo "#fuzz $name: OK ($(grep -c . "$out/fuzz/$name.log") log lines, ${secs}s)"
		pass=$((pass + 1))
	else
		echo "#fuzz $name: FAIL (see $out/fuzz/$name.log)"
		tail -n 30 "$out/fuzz/$name.log"
		fail=$((fail + 1))
	fi
	rm -rf "$corpus"
done
echo "fuzz: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
