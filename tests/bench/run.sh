#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/run.sh OUTPUT: what `make bench` runs (root). Builds the reference BPF object of
# the naive probe, then runs every benchmark (tests/bench/bench.py) and prints the figures.
set -e
OUT=${1:-.output}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (uprobes): sudo make bench" >&2
	exit 1
fi
mkdir -p "$OUT/bench"
${CLANG:-clang} -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -I"$TOP/vmlinux/$ARCH" -I"$TOP/include" \
	-Wall -Werror -c "$TOP/tests/bench/bpf/naive.bpf.c" -o "$OUT/bench/naive.bpf.o"
exec /usr/bin/python3 "$TOP/tests/bench/bench.py" "$OUT" $BENCH_ARGS
