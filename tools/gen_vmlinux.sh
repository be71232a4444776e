#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Regenerate vmlinux/<arch>/vmlinux.h from the running kernel's BTF.
# Usage: tools/gen_vmlinux.sh [BTF_FILE]   (default /sys/kernel/btf/vmlinux)
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
top=$(cd "$(dirname "$0")/.." && pwd)
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ver=$(uname -r | sed -e 's/^\([0-9]*\)\.\([0-9]*\).*/\1\2/')
out="$top/vmlinux/$arch/vmlinux_$ver.h"
mkdir -p "$top/vmlinux/$arch"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
ln -sf "vmlinux_$ver.h" "$top/vmlinux/$arch/vmlinux.h"
echo "wrote $out from $btf ($(uname -r))"
