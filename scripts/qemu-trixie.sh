#!/bin/sh
# Runs the qemu-system-aarch64 of the trixie chroot scripts/deps.sh builds
# (QEMU 10, which emulates FEAT_NV2) through the chroot's own dynamic
# loader and libraries, without entering the chroot: the kernel,
# initramfs and directories named on the command line stay where they are.
#
# usage: scripts/qemu-trixie.sh CHROOT QEMU-ARGS...
set -eu
root=$1
shift
ld=$(ls "$root"/usr/lib64/ld-linux-*.so.* "$root"/usr/lib/ld-linux-*.so.* 2>/dev/null | head -n 1) || true
libs=$(ls -d "$root"/usr/lib/*-linux-gnu* 2>/dev/null | head -n 1) || true
if [ -z "$ld" ] || [ -z "$libs" ] || [ ! -x "$root/usr/bin/qemu-system-aarch64" ]; then
	echo "qemu-trixie: no trixie QEMU in $root (run make deps)" >&2
	exit 2
fi
QEMU_MODULE_DIR=$libs/qemu exec "$ld" --library-path "$libs" \
	"$root/usr/bin/qemu-system-aarch64" -L "$root/usr/share/qemu" "$@"
