#!/bin/bash
# Boots nested KVM hosts (L1, qemu-system-aarch64 TCG with EL2) carrying
# lkvm, a Debian guest kernel and test payloads, runs the system-test
# suites inside them, and reports every result.
#
# usage: tests/system/run.sh [--cache DIR] [--all | --suite S... | --host H]
#                            [--demo] [--bench [NAME[,NAME...]]] [--verbose]
# LKVM_BENCH_REF=PATH: the benchmarks' reference VMM (a kvmtool binary).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$top/.cache
out=$top/build/system
mode=check
want_suites=()
want_hosts=()
bench=
verbose=0
host_timeout=${LKVM_L1_TIMEOUT:-1500}

while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift ;;
	--all) ;;
	--suite) want_suites+=("$2"); shift ;;
	--host) want_hosts+=("$2"); shift ;;
	--demo) mode=demo ;;
	--bench) mode=bench; bench=${2:-}; [ $# -gt 1 ] && shift ;;
	--verbose) verbose=1 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

# Every benchmark runs in one nested-host boot: on a loaded machine
# that took over half an hour.
[ "$mode" = bench ] && host_timeout=${LKVM_L1_TIMEOUT:-5400}

# make bench's reference VMM (a kvmtool binary for arm64), if any.
bench_ref=${LKVM_BENCH_REF:-}
if [ "$mode" = bench ] && [ -n "$bench_ref" ] && [ ! -x "$bench_ref" ]; then
	echo "run.sh: LKVM_BENCH_REF=$bench_ref is not an executable" >&2
	exit 2
fi

kernel=$cache/kernel/Image
busybox=$cache/busybox/busybox
passt=$cache/passt
for f in "$kernel" "$busybox" "$top/lkvm" "$passt/usr/bin/passt"; do
	[ -e "$f" ] || { echo "run.sh: missing $f (run make deps && make)" >&2; exit 2; }
done

mkdir -p "$out"

# module_closure NAME...: the paths (relative to the cached module tree)
# of the named modules and everything they depend on, dependencies first.
# The cache holds the package's lib/modules/<version> tree without
# depmod's files, so modules are found through modules.order and their
# dependencies read from each module's own "depends=" field.
module_closure() {
	local dir=$cache/kernel/modules
	local -A seen=()
	visit() {
		local m=$1 path dep
		[ -n "${seen[$m]:-}" ] && return
		seen[$m]=1
		path=$(awk -v m="$m" '{ n=$1; sub(".*/", "", n); sub("\\.ko.*", "", n); gsub("-", "_", n); if (n == m) print $1 }' "$dir/modules.order" | head -n 1)
		[ -n "$path" ] && [ -f "$dir/$path" ] || { echo "run.sh: no module $m in $dir" >&2; exit 2; }
		for dep in $(tr '\0' '\n' <"$dir/$path" | sed -n 's/^depends=//p' | tr ',' ' '); do
			visit "${dep//-/_}"
		done
		echo "$path"
	}
	for m in "$@"; do
		visit "$m"
	done
}

# Copies the modules named in LIST (and their dependencies) into an
# initramfs tree, flat; /modules.order lists them in load order for the
# guest's init.
add_modules() {
	local root=$1 list=$2 dir=$cache/kernel/modules p paths
	paths=$(module_closure $(grep -v '^#' "$list")) || exit 2
	mkdir -p "$root/modules"
	: >"$root/modules.order"
	for p in $paths; do
		cp "$dir/$p" "$root/modules/"
		echo "/modules/${p##*/}" >>"$root/modules.order"
	done
}

# add_module_tree DIR NAME...: an installed module tree (lib/modules/
# <release> layout, modules.order and modules.builtin) holding the named
# modules and what they depend on, as lkvm sandbox looks for next to the
# kernel. Without depmod's files: lkvm reads each module's depends=.
add_module_tree() {
	local tree=$1 dir=$cache/kernel/modules path paths
	shift
	paths=$(module_closure "$@") || exit 2
	mkdir -p "$tree"
	cp "$dir/modules.builtin" "$tree/"
	: >"$tree/modules.order"
	for path in $paths; do
		mkdir -p "$tree/$(dirname "$path")"
		cp "$dir/$path" "$tree/$path"
		echo "$path" >>"$tree/modules.order"
	done
}

build_l2_initrd() {
	local root=$out/l2-root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/actions"
	cp "$busybox" "$root/bin/busybox"
	cp "$top/tests/system/l2/init" "$root/init"
	cp "$top"/tests/system/l2/actions/*.sh "$root/actions/" 2>/dev/null || true
	if [ -d "$top/build/guest/linux" ]; then
		cp "$top"/build/guest/linux/* "$root/bin/"
	fi
	add_modules "$root" "$top/tests/system/l2/modules.list"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/l2-initrd.cpio.gz"
}

# passt, which lkvm runs for user-mode networking, and the C library it
# is linked against (scripts/deps.sh fetches both).
add_passt() {
	local root=$1
	mkdir -p "$root/lib/aarch64-linux-gnu"
	cp "$passt/usr/bin/passt" "$root/usr/bin/passt"
	cp -a "$passt/lib/ld-linux-aarch64.so.1" "$root/lib/"
	cp "$passt"/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 \
		"$passt"/lib/aarch64-linux-gnu/libc.so.6 "$root/lib/aarch64-linux-gnu/"
}

build_l1_initrd() {
	local root=$out/l1-root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/usr/bin" "$root/guest/bm" "$root/tests/scenarios" \
		"$root/tests/bench"
	cp "$busybox" "$root/bin/busybox"
	cp "$top/lkvm" "$root/usr/bin/lkvm"
	cp "$kernel" "$root/guest/Image"
	# lkvm sandbox finds a kernel's modules next to it (scenarios/sandbox.sh).
	release=$(sed 's/^linux-image-//' "$cache/kernel/package")
	add_module_tree "$root/guest/lib/modules/$release" \
		virtio_mmio virtio_console 9pnet_virtio 9p virtio_rng
	cp "$out/l2-initrd.cpio.gz" "$root/guest/initrd.cpio.gz"
	cp "$top"/build/guest/*.flat "$top"/build/guest/*.img "$root/guest/bm/"
	cp "$top/tests/system/l1/init" "$root/init"
	cp "$top/tests/system/l1/lib.sh" "$top/tests/system/l1/demo.sh" "$root/tests/"
	cp "$top"/tests/system/scenarios/*.sh "$root/tests/scenarios/"
	cp "$top"/tests/bench/*.sh "$root/tests/bench/" 2>/dev/null || true
	cp "$top"/build/tools/* "$root/usr/bin/" 2>/dev/null || true
	cp "$top"/build/guest/linux/netbench "$root/usr/bin/" 2>/dev/null || true
	add_passt "$root"
	# The benchmarks' reference VMM (tests/system/l1/lib.sh: KVMTOOL).
	if [ "$mode" = bench ] && [ -n "$bench_ref" ]; then
		cp "$bench_ref" "$root/usr/bin/lkvm-ref"
	fi
	add_modules "$root" "$top/tests/system/l1/modules.list"
	# Unit tests that need a real kernel (openat2) run in L1 as well.
	cp "$top"/build/tests/unit/test_p9 "$root/usr/bin/" 2>/dev/null || true
	chmod +x "$root/init"
	# Uncompressed: unpacking is faster than decompressing under TCG.
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out/l1.cpio"
}

# Lines of hosts.conf as "name cpu mem suites".
hosts() {
	grep -v '^#' "$top/tests/system/hosts.conf" | awk 'NF == 4'
}

# boot_l1 NAME CPU MEM SUITES MODE LOG: one nested host, console in LOG.
# LKVM_L1_SMP (default 2) and LKVM_L1_ICOUNT (QEMU's -icount shift) are
# for profiling on a busy machine (Documentation/testing.md, "Where
# start-up time goes").
boot_l1() {
	local name=$1 cpu=$2 mem=$3 suites=$4 lmode=$5 log=$6
	timeout --foreground "$host_timeout" qemu-system-aarch64 ${LKVM_L1_ICOUNT:+-icount shift=$LKVM_L1_ICOUNT} \
		-M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp "${LKVM_L1_SMP:-2}" -m "$mem" \
		-nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$out/l1.cpio" \
		-append "console=ttyAMA0 rdinit=/init quiet cryptomgr.notests lkvm.host=$name lkvm.suites=$suites lkvm.mode=$lmode" \
		</dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$log"
}

# Saves the files a suite exported (export_file) under DIR.
extract_files() {
	local log=$1 dir=$2
	mkdir -p "$dir"
	awk -v dir="$dir" '
		/^@@FILE-BEGIN / { name = $2; file = dir "/" name ".b64"; printf "" > file; next }
		/^@@FILE-END / { close(file); name = ""; next }
		name != "" { print >> file }
	' "$log"
	for f in "$dir"/*.b64; do
		[ -e "$f" ] || continue
		base64 -d "$f" >"${f%.b64}" && rm -f "$f"
	done
}

build_l2_initrd
build_l1_initrd

if [ "$mode" = demo ]; then
	echo "==> booting a nested KVM host (qemu-system-aarch64, TCG, EL2);"
	echo "==> inside it, lkvm boots a Debian arm64 guest on its serial console."
	read -r name cpu mem _ < <(hosts | head -n 1)
	boot_l1 "$name" "$cpu" "$mem" none demo "$out/demo.log" |
		grep -v -E '^@@(DONE|HOST|DEMO-OK)|reboot: Power down'
	grep -q '^@@DEMO-OK' "$out/demo.log"
	exit
fi

# The table make bench ends with, from the benchmarks' @@ROW lines:
# NAME|UNIT|LKVM|KVMTOOL|FLOOR, with lkvm's ratio to each.
bench_table() {
	echo
	echo "==> side by side, one nested-host boot (kvmtool: ${bench_ref:-not given, set LKVM_BENCH_REF})"
	sed -n 's/^@@ROW //p' "$1" | awk -F'|' '
		function r(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
		BEGIN { printf "%-60s %-5s %9s %9s %8s %9s %8s\n", "benchmark", "unit", "lkvm", "kvmtool", "lkvm/kt", "floor", "lkvm/fl" }
		{ printf "%-60s %-5s %9s %9s %8s %9s %8s\n", $1, $2, $3, $4, r($3, $4), $5, r($3, $5) }'
	echo "(medians; a ratio is lkvm's figure over the other's: below 1 is better for ms, above 1 for MB/s and IOPS)"
}

if [ "$mode" = bench ]; then
	read -r name cpu mem _ < <(hosts | head -n 1)
	boot_l1 "$name" "$cpu" 6144 "${bench:-all}" bench "$out/bench.log" |
		grep -E '^@@BENCH|^@@RESULT' | sed 's/^@@BENCH //'
	bench_table "$out/bench.log"
	exit
fi

passed=0
failed=0
: >"$out/results"
rm -rf "$out"/*/files
# Host checks that combine several hosts' files need to know which ran.
RUN_HOSTS=" "
while read -r name cpu mem suites; do
	if [ ${#want_hosts[@]} -gt 0 ] && [[ ! " ${want_hosts[*]} " =~ " $name " ]]; then
		continue
	fi
	if [ ${#want_suites[@]} -gt 0 ]; then
		sel=
		for s in ${suites//,/ }; do
			[[ " ${want_suites[*]} " =~ " $s " ]] && sel+=${sel:+,}$s
		done
		[ -n "$sel" ] || continue
		suites=$sel
	fi
	echo "==> nested host '$name' (-cpu $cpu): suites $suites"
	RUN_HOSTS+="$name "
	log=$out/$name.log
	if [ "$verbose" = 1 ]; then
		boot_l1 "$name" "$cpu" "$mem" "$suites" check "$log" || true
	else
		boot_l1 "$name" "$cpu" "$mem" "$suites" check "$log" |
			grep --line-buffered -E '^@@(RESULT|LOG|HOST)' | sed -u 's/^@@//' || true
	fi
	grep '^@@RESULT' "$log" | sed "s/^@@RESULT //" >>"$out/results" || true
	if ! grep -q '^@@DONE' "$log"; then
		echo "FAIL $name.complete: the nested host did not finish (see $log)" | tee -a "$out/results"
	fi
	files=$out/$name/files
	rm -rf "$files"
	extract_files "$log" "$files"
	for s in ${suites//,/ }; do
		check=$top/tests/system/host-checks/$s.sh
		[ -x "$check" ] || continue
		FILES=$files HOST=$name RUN_HOSTS=$RUN_HOSTS "$check" |
			tee -a "$out/results"
	done
done < <(hosts)

passed=$(grep -c '^PASS' "$out/results" || true)
failed=$(grep -c '^FAIL' "$out/results" || true)
echo "$passed $failed" >"$out/counts"
echo "system: $passed passed, $failed failed"
[ "$failed" = 0 ]
