#!/bin/sh
# Install exactly what lkvm's build, tests and demo need on a Debian 12 host,
# and fetch the arm64 guest kernel and busybox into the cache directory.
# Idempotent: a second run with everything present does nothing.
#
# usage: scripts/deps.sh [--check] [CACHE_DIR]
#   --check   exit 0 if everything is present, 1 otherwise (installs nothing)
set -eu

check_only=0
if [ "${1:-}" = "--check" ]; then
	check_only=1
	shift
fi
cache=${1:-$(dirname "$0")/../.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

host_arch=$(dpkg --print-architecture)

# Packages the build host needs. On an arm64 host the native gcc builds
# lkvm; the cross compiler and qemu are only needed on other hosts.
# jq: host checks read lkvm's JSON output with an independent parser.
pkgs="make device-tree-compiler cpio gzip jq"
if [ "$host_arch" = arm64 ]; then
	pkgs="$pkgs gcc libc6-dev libfdt-dev libseccomp-dev"
	fdt_pkg=libfdt-dev
else
	pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu"
	pkgs="$pkgs qemu-system-arm qemu-user-static"
	# libseccomp for lkvm (arm64) and for the native sanitizer build.
	pkgs="$pkgs libseccomp-dev:arm64 libseccomp-dev"
	fdt_pkg=libfdt-dev:arm64
fi
pkgs="$pkgs $fdt_pkg"
# Sanitizers and libFuzzer for the native build of the arch-neutral code.
pkgs="$pkgs clang libclang-rt-14-dev"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

# Guest payloads: the newest Debian 12 arm64 kernel and static busybox,
# unpacked (never installed) into the cache.
have_guest() {
	[ -s "$cache/kernel/Image" ] && [ -x "$cache/busybox/busybox" ] &&
		[ -d "$cache/kernel/modules" ]
}

# The native (sanitizer/fuzzer) build links libfdt for the build host's
# architecture. On arm64 that is the installed libfdt-dev; elsewhere the
# arm64 libfdt-dev owns the package name, so the host's is unpacked here.
have_host_libfdt() {
	[ "$host_arch" = arm64 ] || [ -s "$cache/host-libfdt/usr/include/libfdt.h" ]
}

# passt for user-mode networking in the nested test host, with the arm64
# C library it is linked against (it needs nothing else).
have_passt() {
	[ -x "$cache/passt/usr/bin/passt" ] &&
		[ -e "$cache/passt/lib/ld-linux-aarch64.so.1" ]
}

if [ "$check_only" = 1 ]; then
	[ -z "$missing" ] && have_guest && have_host_libfdt && have_passt && exit 0
	exit 1
fi

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	if [ "$host_arch" != arm64 ] &&
		! dpkg --print-foreign-architectures | grep -qx arm64; then
		$sudo dpkg --add-architecture arm64
	fi
	$sudo apt-get update -q
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		--no-install-recommends $missing
fi

if ! have_guest; then
	dl="$cache/download"
	rm -rf "$dl" && mkdir -p "$dl"
	if ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1; then
		$sudo dpkg --add-architecture arm64
		$sudo apt-get update -q
	fi
	kpkg=$(apt-cache depends linux-image-arm64:arm64 |
		sed -n 's/.*Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -n 1)
	[ -n "$kpkg" ] || { echo "deps: cannot resolve linux-image-arm64" >&2; exit 1; }
	echo "deps: fetching $kpkg:arm64 and busybox-static:arm64 into $cache"
	(cd "$dl" && apt-get download -q "$kpkg:arm64" busybox-static:arm64 2>&1 |
		grep -v 'unsandboxed' || true)
	rm -rf "$cache/kernel" "$cache/busybox"
	mkdir -p "$cache/kernel" "$cache/busybox"
	dpkg -x "$dl"/linux-image-*.deb "$dl/k"
	dpkg -x "$dl"/busybox-static*.deb "$dl/b"
	mv "$dl"/k/boot/vmlinuz-* "$cache/kernel/Image"
	mv "$dl"/k/boot/config-* "$cache/kernel/config"
	mv "$dl"/k/lib/modules/* "$cache/kernel/modules"
	mv "$dl"/b/bin/busybox "$cache/busybox/busybox"
	echo "$kpkg" >"$cache/kernel/package"
	rm -rf "$dl"
fi
if ! have_host_libfdt; then
	dl="$cache/download"
	rm -rf "$dl" && mkdir -p "$dl"
	echo "deps: fetching libfdt-dev:$host_arch for the native build into $cache"
	(cd "$dl" && apt-get download -q "libfdt-dev:$host_arch" "libfdt1:$host_arch" 2>&1 |
		grep -v 'unsandboxed' || true)
	rm -rf "$cache/host-libfdt"
	for d in "$dl"/*.deb; do dpkg -x "$d" "$cache/host-libfdt"; done
	rm -rf "$dl"
fi
if ! have_passt; then
	dl="$cache/download-passt"
	rm -rf "$dl" && mkdir -p "$dl"
	echo "deps: fetching passt:arm64 and libc6:arm64 into $cache"
	(cd "$dl" && apt-get download -q passt:arm64 libc6:arm64 2>&1 |
		grep -v 'unsandboxed' || true)
	rm -rf "$cache/passt"
	for deb in "$dl"/*.deb; do
		dpkg -x "$deb" "$cache/passt"
	done
	rm -rf "$dl"
	have_passt || { echo "deps: passt:arm64 did not unpack as expected" >&2; exit 1; }
fi
echo "deps: ok (cache: $cache)"
