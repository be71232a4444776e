#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/bench/run.sh OUTPUT: what `make bench` runs (root). Builds the reference BPF object of
# the naive probe, then runs every benchmark (tests/bench/bench.py) and prints the figures.
# BENCH_ONLY=STEP[,STEP...]: only those steps of bench.py (e.g. BENCH_ONLY=http).
set -e
OUT=${1:-.output}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
mkdir -p "$OUT/bench"
# BENCH_ONLY=http (the HTTP layer alone, tests/bench/httpbench.c) needs no root and no BPF
if [ "$BENCH_ONLY" != http ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: needs root (uprobes): sudo make bench" >&2
		exit 1
	fi
	${CLANG:-clang} -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -I"$TOP/vmlinux/$ARCH" \
		-I"$TOP/include" -Wall -Werror -c "$TOP/tests/bench/bpf/naive.bpf.c" \
		-o "$OUT/bench/naive.bpf.o"
fi
exec /usr/bin/python3 "$TOP/tests/bench/bench.py" "$OUT" $BENCH_ARGS
