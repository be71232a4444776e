#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every test suite that can run here and prints one closing line:
#   N passed, M failed, K skipped
# Unit tests and the tests of tools/deploy (tests/deploy) always run; the BPF tests
# (BPF_PROG_TEST_RUN on the helpers of bpf/) need root and BTF, the end-to-end tests root, BTF
# and uprobes: without them they report themselves skipped (never passed), with the reason.
# Usage: tests/run.sh [--e2e-only] OUTPUT_DIR
set -u
e2e_only=0
if [ "${1:-}" = "--e2e-only" ]; then
	e2e_only=1
	shift
fi
out=${1:-.output}
cd "$(dirname "$0")/.." || exit 2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

run_suite() {
	# $1 = name, rest = command; its last line is "name: N passed, M failed, K skipped"
	name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee -a "$log"
	rc=$?
	if ! tail -n 1 "$log" | grep -q "^$name: [0-9]* passed, [0-9]* failed"; then
		echo "$name: suite did not finish (exit $rc)"
		echo "$name: 0 passed, 1 failed, 0 skipped" >> "$log"
		status=1
	fi
}

if [ $e2e_only = 0 ]; then
	TT_FIXTURES=tests/fixtures TT_BPF_OBJ="$out/tracetree.bpf.o" run_suite unit "$out/unit-tests"
	run_suite bpf "$out/bpf-tests"
	run_suite deploy /usr/bin/python3 tests/deploy/run.py
fi
run_suite e2e /usr/bin/python3 tests/e2e/run.py
if [ $e2e_only = 0 ] && ls "$out"/fuzz/fuzz_* >/dev/null 2>&1; then
	run_suite fuzz tests/fuzz/run.sh "$out"
fi

summary=$(grep -E '^(unit|bpf|deploy|e2e|fuzz): [0-9]+ passed' "$log" | awk '
	{ p += $2; f += $4; s += $6 }
	END { printf "%d passed, %d failed, %d skipped", p, f, s }')
echo "== total"
echo "$summary"
case $summary in
*" 0 failed"*) exit $status ;;
*) exit 1 ;;
esac
