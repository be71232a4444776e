#!/bin/sh
# SPDX-License-Identifier: MIT
# build_lto_openssl.sh OUTDIR: OpenSSL built as static libraries with link-time optimisation
# (gcc -flto, slim LTO objects), for test_sea.py's LTO clients. Debian's libssl.a is not LTO,
# so the source comes from Debian (apt-get source, through a private deb-src list and state
# directory: the system's apt configuration is left alone). Leaves OUTDIR/include,
# OUTDIR/libssl.a, OUTDIR/libcrypto.a and OUTDIR/.built. Takes 10-30 minutes on two cores.
set -eu
out=$(realpath -m "$1")
[ -e "$out/.built" ] && exit 0
work=$(mktemp -d /tmp/tt-lto-openssl.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat >"$work/apt/src.sources" <<EOS
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
opts="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/apt \
-o Dir::State::Lists=$work/apt/lists -o Dir::Cache=$work/apt/cache"
# shellcheck disable=SC2086
apt-get -qq $opts update >/dev/null
# shellcheck disable=SC2086
(cd "$work/src" && apt-get -qq $opts source --download-only openssl >/dev/null 2>&1)
tar -C "$work/src" -xzf "$work"/src/openssl_*.orig.tar.gz
cd "$work"/src/openssl-*/
./Configure linux-x86_64 no-shared no-tests no-engine no-dso no-module no-legacy -O2 -flto \
	CC=gcc AR=gcc-ar RANLIB=gcc-ranlib >/dev/null
make -j"$(nproc)" build_libs >/dev/null
mkdir -p "$out"
cp -r include "$out/"
cp libssl.a libcrypto.a "$out/"
touch "$out/.built"
