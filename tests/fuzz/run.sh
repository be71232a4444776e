#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every libFuzzer harness in OUTPUT/fuzz: first over its regression inputs
# (tests/fuzz/regress/NAME/, each run once: crashes found before must stay fixed), then fuzzing
# from its seeds, and ends with "fuzz: N passed, M failed". A crash, leak or timeout fails the
# harness and leaves its reproducer in OUTPUT/fuzz/artifacts.
# Usage: tests/fuzz/run.sh OUTPUT_DIR
# Environment:
#   FUZZ_SECONDS  seconds of fuzzing per harness (default 60; 0: no time limit)
#   FUZZ_RUNS     executions per harness (libFuzzer -runs=; default none): with FUZZ_SECONDS,
#                 whichever comes first ends the harness
#   FUZZ_ONLY     harness names to run (space-separated; default all)
#   FUZZ_CORPUS   a directory keeping each harness's corpus (NAME/ in it) between runs; by
#                 default a temporary one, removed after
# Seeds: tests/fuzz/seeds/NAME/ and the generated ones below. Per-harness libFuzzer flags:
# tests/fuzz/NAME.options (one line), a dictionary: tests/fuzz/NAME.dict. The final libFuzzer
# numbers (executions, exec/s, cov, ft) of each harness are left in OUTPUT/fuzz/NAME.stats.
set -u
out=${1:-.output}
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
cd "$(dirname "$0")/../.." || exit 2
seeds="$out/fuzz/seeds"
rm -rf "$seeds"
mkdir -p "$seeds" "$out/fuzz/artifacts"
# A seed generator that fails is a failure of the run, not seeds silently missing.
gen_fail=0
seedgen() {
	if ! "$@" >> "$out/fuzz/seedgen.log" 2>&1; then
		echo "#fuzz seeds: FAIL: $* (see $out/fuzz/seedgen.log)"
		gen_fail=$((gen_fail + 1))
	fi
}
: > "$out/fuzz/seedgen.log"
# corpora from the recorded HTTP fixtures and the provider fixtures
seedgen /usr/bin/python3 tools/record_wire.py --fuzz-seeds "$seeds"
seedgen /usr/bin/python3 tests/fuzz/provider_seeds.py "$seeds/fuzz_provider"
seedgen /usr/bin/python3 tests/fuzz/elf_seeds.py "$seeds"
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
# the recorded captures, whole, for the capture reader and the replay pipeline
for name in fuzz_capfile fuzz_replay; do
	mkdir -p "$seeds/$name"
	cp tests/fixtures/captures/*.ttcap tests/fixtures/http2/*.ttcap "$seeds/$name/"
done
# fuzz_replay reads its options from the header's flags (offset 96): content capture with one
# trace (3), content capture in --all mode (5)
/usr/bin/python3 - "$seeds/fuzz_replay" <<'PY'
import glob, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.ttcap"))):
    data = bytearray(open(path, "rb").read())
    for flags in (3, 5):
        data[96:100] = flags.to_bytes(4, "little")
        open(path[:-6] + "-flags%d.ttcap" % flags, "wb").write(data)
PY
# the shipped target database for its parser
mkdir -p "$seeds/fuzz_tlsdb_conf"
cp tools/tls-targets.conf "$seeds/fuzz_tlsdb_conf/"
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
# checked-in seeds last: they name the harness they are for
if [ -d tests/fuzz/seeds ]; then
	for dir in tests/fuzz/seeds/*/; do
		[ -d "$dir" ] || continue
		mkdir -p "$seeds/$(basename "$dir")"
		cp -r "$dir." "$seeds/$(basename "$dir")/"
	done
fi

# The harness's own flags: NAME.options and NAME.dict beside its source.
extra_flags() {
	[ -f "tests/fuzz/$1.options" ] && tr '\n' ' ' < "tests/fuzz/$1.options"
	[ -f "tests/fuzz/$1.dict" ] && printf '%s' " -dict=tests/fuzz/$1.dict"
}

# Every regression input of harness $2 run once by binary $1: 0 when none crashes.
regress() {
	dir="tests/fuzz/regress/$2"
	[ -d "$dir" ] || return 0
	[ -n "$(ls -A "$dir")" ] || return 0
	# shellcheck disable=SC2046
	"$1" $(extra_flags "$2") -timeout=10 -rss_limit_mb=2048 "$dir"/* \
		> "$out/fuzz/$2.regress.log" 2>&1
}

# "executions exec/s cov ft" from a libFuzzer log with -print_final_stats=1.
final_stats() {
	awk '/stat::number_of_executed_units/ { n = $2 }
	     /stat::average_exec_per_sec/ { r = $2 }
	     /^#[0-9]+.*cov: / {
		for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "ft:") f = $(i + 1) }
	     }
	     END { print n + 0, r + 0, c + 0, f + 0 }' "$1"
}

pass=0
fail=$gen_fail
for bin in "$out"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	case "$name" in *.*) continue ;; esac
	if [ -n "${FUZZ_ONLY:-}" ]; then
		case " $FUZZ_ONLY " in *" $name "*) ;; *) continue ;; esac
	fi
	if ! regress "$bin" "$name"; then
		echo "#fuzz $name: FAIL: a regression input (see $out/fuzz/$name.regress.log)"
		tail -n 30 "$out/fuzz/$name.regress.log"
		fail=$((fail + 1))
		continue
	fi
	if [ -n "${FUZZ_CORPUS:-}" ]; then
		corpus="$FUZZ_CORPUS/$name"
		mkdir -p "$corpus"
	else
		corpus=$(mktemp -d)
	fi
	[ -d "$seeds/$name" ] && cp -r "$seeds/$name/." "$corpus/"
	# shellcheck disable=SC2046
	if "$bin" "$corpus" -max_total_time="$secs" ${runs:+-runs="$runs"} -timeout=10 \
		-rss_limit_mb=2048 $(extra_flags "$name") -print_final_stats=1 \
		-artifact_prefix="$out/fuzz/artifacts/$name-" > "$out/fuzz/$name.log" 2>&1; then
		final_stats "$out/fuzz/$name.log" > "$out/fuzz/$name.stats"
		read -r n r c f < "$out/fuzz/$name.stats"
		echo "#fuzz $name: OK ($n runs, $r exec/s, cov $c, ft $f)"
		pass=$((pass + 1))
	else
		echo "#fuzz $name: FAIL (see $out/fuzz/$name.log)"
		tail -n 30 "$out/fuzz/$name.log"
		fail=$((fail + 1))
	fi
	[ -n "${FUZZ_CORPUS:-}" ] || rm -rf "$corpus"
done
echo "fuzz: $pass passed, $fail failed, 0 skipped"
[ $fail = 0 ]
