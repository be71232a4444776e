#!/bin/sh
# SPDX-License-Identifier: MIT
# Formatting check of make check: every C file of src/, include/, bpf/ and tests/ must be as
# clang-format 14 (Debian 12's) writes it with the rules in .clang-format. vmlinux/ is generated
# and not checked.
#   tools/check_format.sh          list what differs, exit 1 if anything does
#   tools/check_format.sh --fix    reformat those files in place (make format)
# CLANG_FORMAT=clang-format-14 picks the binary when several versions are installed.
set -eu
cd "$(dirname "$0")/.."

CF=${CLANG_FORMAT:-clang-format}
WANT=14

ver=$("$CF" --version 2>/dev/null | sed -n 's/.*clang-format version \([0-9][0-9]*\)\..*/\1/p')
if [ -z "$ver" ]; then
	echo "check_format: $CF not found: install Debian's clang-format (sudo make deps)" >&2
	exit 1
fi
if [ "$ver" != "$WANT" ]; then
	# Other versions format some constructs differently: the check would fail on clean code.
	echo "check_format: $CF is version $ver, .clang-format is written for $WANT" \
		"(Debian 12); install clang-format-14 and run with CLANG_FORMAT=clang-format-14" >&2
	exit 1
fi

files=$(find src include bpf tests -name '*.[ch]' | LC_ALL=C sort)

if [ "${1:-}" = "--fix" ]; then
	# shellcheck disable=SC2086 # one word per file: paths have no spaces
	"$CF" -i --style=file $files
	exit 0
fi

# One error per file (the first line that differs), all files in one run.
# shellcheck disable=SC2086
if ! out=$("$CF" --dry-run --Werror --ferror-limit=1 --style=file $files 2>&1); then
	where=$(printf '%s\n' "$out" | sed -n 's/^\(.*\): error: .*clang-format-violations.*/  \1/p')
	if [ -z "$where" ]; then
		printf '%s\n' "$out" >&2	# not a formatting difference: a bad .clang-format?
		exit 1
	fi
	printf '%s\n' "$where" >&2
	echo "check_format: the files above are not formatted as .clang-format says" \
		"(see a change: clang-format --style=file FILE | diff -u FILE -)" >&2
	echo "check_format: fix with 'make format' (tools/check_format.sh --fix) and review" \
		"git diff; a hand-laid table can sit between /* clang-format off */ and on */" >&2
	exit 1
fi
