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
# debootstrap: the trixie chroot whose QEMU runs the nested-virt hosts.
pkgs="make device-tree-compiler cpio gzip xz-utils jq debootstrap"
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

# Guest payloads: the arm64 kernels of scripts/kernels.conf and static
# busybox, unpacked (never installed) into the cache.
kernels() {
	grep -v '^#' "$(dirname "$0")/kernels.conf" | awk 'NF == 3'
}

have_kernel() {
	[ -s "$cache/$1/Image" ] && [ -d "$cache/$1/modules" ] &&
		[ -s "$cache/$1/package" ]
}

have_kernels() {
	kernels | while read -r _ dir _; do
		have_kernel "$dir" || exit 1
	done
}

have_busybox() {
	[ -x "$cache/busybox/busybox" ]
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

# A Debian trixie chroot (debootstrap --variant=minbase) with trixie's
# qemu-system-arm: QEMU 10 emulates FEAT_NV/NV2, which bookworm's QEMU 7.2
# lacks, so hosts.conf runs the nested-virtualisation hosts with it. It is
# never entered with chroot: tests/system/run.sh starts its QEMU through
# its own dynamic loader and libraries (scripts/qemu-trixie.sh).
qemu_trixie=$cache/qemu-trixie
have_qemu_trixie() {
	[ -x "$qemu_trixie/usr/bin/qemu-system-aarch64" ]
}

if [ "$check_only" = 1 ]; then
	[ -z "$missing" ] && have_kernels && have_busybox && have_host_libfdt &&
		have_passt && have_qemu_trixie && exit 0
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

if ! apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1 &&
	{ ! have_kernels || ! have_busybox; }; then
	$sudo dpkg --add-architecture arm64
	$sudo apt-get update -q
fi

# debian_mirror RELEASE: the Debian mirror the machine's apt sources use
# for RELEASE or, when they name no such release, for the machine's own
# (one archive holds every release).
debian_mirror() {
	for r in "$1" "$(. /etc/os-release && echo "$VERSION_CODENAME")"; do
		m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' |
			awk -v r="$r" '$2 == r && $3 == "deb" { print $1; exit }')
		[ -n "$m" ] && { echo "$m"; return; }
	done
	echo "deps: no Debian apt source to take $1 from" >&2
	exit 1
}

# apt_private DIR SUITE: apt-get options for a source list of its own,
# with its own package lists, holding only SUITE from the mirror the
# machine already uses for that release; nothing of the machine's apt
# state is read or changed through them.
apt_private() {
	mkdir -p "$1/lists/partial" "$1/cache/archives/partial" "$1/parts"
	mirror=$(debian_mirror "${2%%-*}")
	echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $2 main" \
		>"$1/sources.list"
	echo "-o Dir::Etc::sourcelist=$1/sources.list -o Dir::Etc::sourceparts=$1/parts" \
		"-o Dir::State::Lists=$1/lists -o Dir::Cache=$1/cache"
}

# fetch_kernel DIR SUITE: the newest linux-image-arm64 of SUITE, unpacked
# into the cache as DIR/{Image,config,modules,package}, modules
# uncompressed (as modules.order names them). Up to 6.x the versioned
# linux-image package holds /boot/vmlinuz-*, /boot/config-* and
# /lib/modules; from 7.x it is a meta package and the kernel, its config
# and modules.order (linux-binary-*, linux-base-*) and the modules
# (linux-modules-*) are in /usr/lib/modules/VERSION: both layouts are
# taken. Built beside the cache and moved in whole, so an interrupted
# fetch leaves nothing half there.
fetch_kernel() {
	dir=$1
	dl="$cache/download-$dir"
	rm -rf "$dl" "$cache/$dir.new" && mkdir -p "$dl" "$cache/$dir.new"
	opts=""
	if [ "$2" != machine ]; then
		opts=$(apt_private "$dl/apt" "$2")
		apt-get $opts update -q >/dev/null
	fi
	kpkg=$(apt-cache $opts depends linux-image-arm64:arm64 |
		sed -n 's/.*Depends: \(linux-image-[0-9][^ :]*\).*/\1/p' | head -n 1)
	[ -n "$kpkg" ] || { echo "deps: cannot resolve linux-image-arm64 ($2)" >&2; exit 1; }
	parts=$(apt-cache $opts depends "$kpkg:arm64" |
		sed -n 's/.*Depends: \(linux-\(binary\|modules\|base\)-[0-9][^ :]*\).*/\1:arm64/p')
	echo "deps: fetching $kpkg:arm64 $parts into $cache/$dir"
	(cd "$dl" && apt-get $opts download -q "$kpkg:arm64" $parts 2>&1 |
		grep -v 'unsandboxed' || true)
	for deb in "$dl"/*.deb; do dpkg -x "$deb" "$dl/k"; done
	mods=$(ls -d "$dl"/k/lib/modules/* "$dl"/k/usr/lib/modules/* 2>/dev/null | head -n 1)
	[ -d "$mods/kernel" ] || { echo "deps: $kpkg has no module tree" >&2; exit 1; }
	if [ -e "$mods/vmlinuz" ]; then
		mv "$mods/vmlinuz" "$cache/$dir.new/Image"
		mv "$mods/config" "$cache/$dir.new/config"
		rm -rf "$mods/dtb" "$mods/System.map"
	else
		mv "$dl"/k/boot/vmlinuz-* "$cache/$dir.new/Image"
		mv "$dl"/k/boot/config-* "$cache/$dir.new/config"
	fi
	mv "$mods" "$cache/$dir.new/modules"
	find "$cache/$dir.new/modules" -name '*.ko.xz' -print0 |
		xargs -0 -r -n 64 -P "$(nproc)" xz -d
	echo "$kpkg" >"$cache/$dir.new/package"
	rm -rf "${cache:?}/${dir:?}" "$dl"
	mv "$cache/$dir.new" "$cache/$dir"
}

# Not "have_kernel || fetch_kernel": set -e must hold inside the fetch.
kernels | while read -r _ dir suite; do
	if ! have_kernel "$dir"; then
		fetch_kernel "$dir" "$suite" </dev/null
	fi
done
if ! have_busybox; then
	dl="$cache/download-busybox"
	rm -rf "$dl" && mkdir -p "$dl"
	echo "deps: fetching busybox-static:arm64 into $cache"
	(cd "$dl" && apt-get download -q busybox-static:arm64 2>&1 |
		grep -v 'unsandboxed' || true)
	dpkg -x "$dl"/busybox-static*.deb "$dl/b"
	rm -rf "$cache/busybox" && mkdir -p "$cache/busybox"
	mv "$dl"/b/bin/busybox "$cache/busybox/busybox"
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
# debootstrap --include resolves Depends only: no recommended GUI, audio
# or firmware packages come along.
if ! have_qemu_trixie; then
	tmp=$qemu_trixie.new
	rm -rf "$tmp"
	mirror=$(debian_mirror trixie)
	echo "deps: building a trixie chroot with qemu-system-arm into $qemu_trixie"
	if ! $sudo debootstrap --variant=minbase --include=qemu-system-arm \
		--arch="$host_arch" trixie "$tmp" "$mirror" \
		>"$cache/qemu-trixie.log" 2>&1; then
		echo "deps: debootstrap of trixie failed (see $cache/qemu-trixie.log)" >&2
		rm -rf "$tmp"
		exit 1
	fi
	# Package caches are not needed to run QEMU; a few hundred MB less.
	rm -rf "$tmp"/var/cache/apt/archives/*.deb
	[ -x "$tmp/usr/bin/qemu-system-aarch64" ] ||
		{ echo "deps: the trixie chroot has no qemu-system-aarch64" >&2; rm -rf "$tmp"; exit 1; }
	mv "$tmp" "$qemu_trixie"
	rm -f "$cache/qemu-trixie.log"
fi
echo "deps: ok (cache: $cache)"
