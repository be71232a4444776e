#!/bin/sh
# SPDX-License-Identifier: MIT
# build_lto_openssl.sh OUTDIR: OpenSSL's libssl built as a static library with link-time
# optimisation (gcc -flto, slim LTO objects), for test_sea.py's LTO clients: linked with -flto,
# SSL_write/SSL_read and the record layer are optimised into the program as a vendor's LTO build
# does. Every function the tracer probes is in libssl, so libcrypto is Debian's static
# libcrypto.a of the same version (libssl-dev), not rebuilt: that takes 10-30 minutes on two
# cores and changes nothing the probes see; TT_LTO_CRYPTO=1 rebuilds it with -flto as well.
# The source is the upstream tarball of the installed version, from Debian (apt-get source,
# through a private deb-src list and state directory: the system's apt configuration is left
# alone). Leaves OUTDIR/include, OUTDIR/libssl.a, OUTDIR/libcrypto.a and OUTDIR/.built.
set -eu
out=$(realpath -m "$1")
[ -e "$out/.built" ] && exit 0
ver=$(dpkg-query -W -f '${Version}' libssl-dev)
sys_crypto=$(dpkg -L libssl-dev | grep '/libcrypto\.a$' | head -1)
work=$(mktemp -d /tmp/tt-lto-openssl.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
for s in "debian bookworm bookworm-updates" "debian-security bookworm-security"; do
	cat >"$work/apt/${s%% *}.sources" <<EOS
Types: deb-src
URIs: http://deb.debian.org/${s%% *}
Suites: ${s#* }
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
done
opts="-o APT::Sandbox::User=root -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$work/apt \
-o Dir::State::Lists=$work/apt/lists -o Dir::Cache=$work/apt/cache"
# shellcheck disable=SC2086
apt-get -qq $opts update >/dev/null
# only the upstream tarball is used: a missing Debian part of the source is not an error
# shellcheck disable=SC2086
(cd "$work/src" && apt-get -qq $opts source --download-only "openssl=$ver" >/dev/null 2>&1) ||
	true
tarball=$(ls "$work"/src/openssl_*.orig.tar.gz 2>/dev/null | head -1)
if [ -z "$tarball" ]; then
	echo "build_lto_openssl.sh: no source of openssl $ver from deb.debian.org" >&2
	exit 1
fi
tar -C "$work/src" -xzf "$tarball"
cd "$work"/src/openssl-*/
./Configure linux-x86_64 no-shared no-tests no-engine no-dso no-module no-legacy -O2 -flto \
	CC=gcc AR=gcc-ar RANLIB=gcc-ranlib >/dev/null
jobs=$(nproc)
if [ "${TT_LTO_CRYPTO:-0}" = 1 ]; then
	make -j"$jobs" build_libs >/dev/null
	crypto=libcrypto.a
else
	make -j"$jobs" build_generated >/dev/null
	make -j"$jobs" libssl.a >/dev/null
	crypto=$sys_crypto
fi
mkdir -p "$out"
rm -rf "$out/include"
cp -r include "$out/"
cp libssl.a "$out/"
cp "$crypto" "$out/libcrypto.a"
touch "$out/.built"
