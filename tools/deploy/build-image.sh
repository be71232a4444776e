#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the tracetree-bpf image from tools/deploy/Dockerfile with podman, without a registry:
# the Debian 12 base is made here (debootstrap from the Debian mirror, `podman import`), and
# the image is tagged with a hash of everything it is built from, so a second run with the
# same sources only prints its name.
#
# Time on the 2-core test machine, shared with other builds: the base 5-6 minutes (debootstrap,
# bound by the mirror; mmdebstrap was no faster), the image 10-12 minutes (apt installs a
# compiler, the build is the Makefile's LTO build); with both cached, a second run prints the
# tag at once. Every image built leaves its build stage (about 1.1 GB) as a cached layer.
# `make deploy-image` runs it; `make check` does not (e2e deploy.* runs a test image made in
# seconds from the binary just built, tests/e2e/test_deploy.py).
#
# Usage: tools/deploy/build-image.sh [--print-tag] [--base-only]
#   prints the image name (localhost/tracetree-bpf:src-HASH) on its last line.
# Environment: OUTPUT (.output), BASE_IMAGE (localhost/debian12-local), DEBIAN_MIRROR
# (http://deb.debian.org/debian), IMAGE (localhost/tracetree-bpf), CONTAINERS_CONF (this
# directory's containers.conf: runc and cgroupfs, for hosts with hybrid cgroups).
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
out=${OUTPUT:-.output}
base=${BASE_IMAGE:-localhost/debian12-local}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
image=${IMAGE:-localhost/tracetree-bpf}
export CONTAINERS_CONF="${CONTAINERS_CONF:-$top/tools/deploy/containers.conf}"

print_tag=0
base_only=0
for a in "$@"; do
	case $a in
	--print-tag) print_tag=1 ;;
	--base-only) base_only=1 ;;
	*)
		echo "usage: $0 [--print-tag] [--base-only]" >&2
		exit 2
		;;
	esac
done

# What the Dockerfile copies: the build context is made of these only (the repository's
# .output, npm trees and captures stay out of it), and their content names the image.
files() {
	git -C "$top" ls-files -co --exclude-standard -- Makefile src include bpf vmlinux \
		tools/tls-targets.conf tools/check_cycles.sh tools/deploy/Dockerfile | while read -r f; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done | LC_ALL=C sort
}
hash=$(files | while read -r f; do sha256sum "$f"; done | sha256sum | cut -c1-16)
tag="$image:src-$hash"
if [ $print_tag = 1 ]; then
	echo "$tag"
	exit 0
fi

command -v podman >/dev/null || {
	echo "build-image: podman is not installed (apt-get install podman runc)" >&2
	exit 1
}

# ---- the base: a minimal Debian 12 root filesystem, imported once ----
if ! podman image exists "$base"; then
	# not in the Makefile's deps: only this opt-in build needs it
	if ! command -v debootstrap >/dev/null; then
		if [ "$(id -u)" != 0 ]; then
			echo "build-image: $base is missing and debootstrap is not installed" \
				"(apt-get install debootstrap)" >&2
			exit 1
		fi
		echo "build-image: apt-get install debootstrap" >&2
		DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
			debootstrap >/dev/null
	fi
	root=$(mktemp -d "${TMPDIR:-/tmp}/tt-rootfs.XXXXXX")
	trap 'rm -rf --one-file-system "$root"' EXIT
	echo "build-image: debootstrap bookworm from $mirror" >&2
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
		tail -n 20 "$root.log" >&2
		exit 1
	}
	rm -f "$root.log"
	cat >"$root/etc/apt/sources.list" <<-EOF
		deb $mirror bookworm main
		deb $mirror bookworm-updates main
		deb http://deb.debian.org/debian-security bookworm-security main
	EOF
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	tar -C "$root" --numeric-owner -c . | podman import \
		--change 'CMD ["/bin/bash"]' --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
	rm -rf --one-file-system "$root"
	trap - EXIT
fi
[ $base_only = 1 ] && exit 0

# ---- the image ----
if podman image exists "$tag"; then
	echo "$tag"
	exit 0
fi
ctx="$out/deploy/context"
rm -rf "$ctx"
mkdir -p "$ctx"
files | while read -r f; do
	mkdir -p "$ctx/$(dirname "$f")"
	cp -p "$f" "$ctx/$f"
done
start=$(date +%s)
podman build --build-arg BASE="$base" -f "$ctx/tools/deploy/Dockerfile" -t "$tag" "$ctx" >&2
podman tag "$tag" "$image:latest"
echo "build-image: $tag built in $(($(date +%s) - start)) s" >&2
rm -rf "$ctx"
echo "$tag"
