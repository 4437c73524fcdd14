#!/bin/bash
# Boots nested KVM hosts (L1, qemu-system-aarch64 TCG with EL2) carrying
# lkvm, a Debian guest kernel and test payloads, runs the system-test
# suites inside them, and reports every result.
#
# usage: tests/system/run.sh [--cache DIR] [--all | --suite S... | --host H]
#                            [--kernel K...] [--jobs N] [--stress] [--demo]
#                            [--bench [NAME[,NAME...]]] [--verbose]
#
# --jobs N (or LKVM_SYSTEM_JOBS): boot up to N nested hosts at once.
#
# --all runs every suite of every host but the long ones (LONG_SUITES),
# which run only when named: --stress is --suite stress, sized by
# STRESS_BOOTS (runs, 200) and STRESS_IO (seconds of I/O, 300), and
# ends with tests/system/stress-report.sh's table.
#
# MIG_MOVES=N: the migrate-killed suite repeats its forced move N times
# in one boot (default 1).
#
# SANDBOX_RUNS=N, SANDBOX_COLD_RUNS=N, SANDBOX_HOGS=N: the sandbox-flake
# suite's warm (200) and cold (0) runs, and busy loops beside them (0).
#
# LKVM_BENCH_REF=PATH: the benchmarks' reference VMM (a kvmtool binary).
# LKVM_BENCH_COUNTED=0: no second, instruction-counted boot for the
# start-up benchmark after the timed one.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=$top/.cache
out=$top/build/system
mode=check
want_suites=()
want_hosts=()
want_kernels=()
bench=
verbose=0
host_timeout=${LKVM_L1_TIMEOUT:-2700}
jobs=${LKVM_SYSTEM_JOBS:-1}

while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift ;;
	--all) ;;
	--suite) want_suites+=("$2"); shift ;;
	--stress)
		want_suites+=(stress)
		host_timeout=${LKVM_L1_TIMEOUT:-10800}
		# Apart from make check's, so both can run at once.
		out=$top/build/stress
		;;
	--host) want_hosts+=("$2"); shift ;;
	--kernel) want_kernels+=("$2"); shift ;;
	--jobs) jobs=$2; shift ;;
	--demo) mode=demo ;;
	--bench) mode=bench; bench=${2:-}; [ $# -gt 1 ] && shift ;;
	--verbose) verbose=1 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

# Suites --all leaves out: they take long and run only when named
# (nested-linux, migrate-killed, sandbox-slow: make check-slow;
# sandbox-flake: a loop of warm sandbox runs, by hand).
LONG_SUITES=" stress nested-linux migrate-killed cpu-models sandbox-flake sandbox-slow "

# The kernels of scripts/kernels.conf, by name: their cache directories.
# The first is the L2 guest kernel as well.
declare -A kernel_dirs=()
l2_kernel=
while read -r kname kdir _; do
	kernel_dirs[$kname]=$cache/$kdir
	l2_kernel=${l2_kernel:-$kname}
done < <(grep -v '^#' "$top/scripts/kernels.conf" | awk 'NF == 3')
l2_modules=${kernel_dirs[$l2_kernel]}/modules

# Every benchmark runs in one nested-host boot: on a loaded machine
# that took over half an hour.
[ "$mode" = bench ] && host_timeout=${LKVM_L1_TIMEOUT:-5400}

# make bench's reference VMM (a kvmtool binary for arm64), if any.
bench_ref=${LKVM_BENCH_REF:-}
if [ "$mode" = bench ] && [ -n "$bench_ref" ] && [ ! -x "$bench_ref" ]; then
	echo "run.sh: LKVM_BENCH_REF=$bench_ref is not an executable" >&2
	exit 2
fi

busybox=$cache/busybox/busybox
passt=$cache/passt
for f in "${kernel_dirs[$l2_kernel]}/Image" "$busybox" "$top/lkvm" "$passt/usr/bin/passt"; do
	[ -e "$f" ] || { echo "run.sh: missing $f (run make deps && make)" >&2; exit 2; }
done

mkdir -p "$out"

# module_path LIST NAME: the path, in a list of module paths such as
# modules.order or modules.builtin, of the module NAME ("-" and "_" alike).
module_path() {
	awk -v m="$2" '{ n=$1; sub(".*/", "", n); sub("\\.ko.*", "", n); gsub("-", "_", n); if (n == m) { print $1; exit } }' "$1"
}

# module_closure DIR NAME...: the paths (relative to DIR, a cached module
# tree) of the named modules and everything they depend on, dependencies
# first. The cache holds the package's lib/modules/<version> tree without
# depmod's files, so modules are found through modules.order and their
# dependencies read from each module's own "depends=" field. A module
# the kernel has built in (modules.builtin) needs nothing.
module_closure() {
	local dir=$1
	local -A seen=()
	shift
	visit() {
		local m=$1 path dep
		[ -n "${seen[$m]:-}" ] && return
		seen[$m]=1
		[ -n "$(module_path "$dir/modules.builtin" "$m")" ] && return
		path=$(module_path "$dir/modules.order" "$m")
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

# add_modules ROOT LIST DIR: copies the modules named in LIST (and their
# dependencies) from the module tree DIR into an initramfs tree, flat;
# /modules.order lists them in load order for the guest's init.
add_modules() {
	local root=$1 list=$2 dir=$3 p paths
	paths=$(module_closure "$dir" $(grep -v '^#' "$list")) || exit 2
	mkdir -p "$root/modules"
	: >"$root/modules.order"
	for p in $paths; do
		cp "$dir/$p" "$root/modules/"
		echo "/modules/${p##*/}" >>"$root/modules.order"
	done
}

# add_module_tree TREE DIR NAME...: an installed module tree (lib/modules/
# <release> layout, modules.order and modules.builtin) holding the named
# modules of the cached tree DIR and what they depend on, as lkvm sandbox
# looks for next to the kernel. Without depmod's files: lkvm reads each
# module's depends=.
add_module_tree() {
	local tree=$1 dir=$2 path paths
	shift 2
	paths=$(module_closure "$dir" "$@") || exit 2
	mkdir -p "$tree"
	cp "$dir/modules.builtin" "$tree/"
	: >"$tree/modules.order"
	for path in $paths; do
		mkdir -p "$tree/$(dirname "$path")"
		cp "$dir/$path" "$tree/$path"
		echo "$path" >>"$tree/modules.order"
	done
}

# build_l2_initrd MODULES OUT: the Debian test guests' initramfs, with
# the drivers of the cached module tree MODULES.
build_l2_initrd() {
	local modules=$1 initrd=$2 root=$out/l2-root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/actions"
	cp "$busybox" "$root/bin/busybox"
	cp "$top/tests/system/l2/init" "$root/init"
	cp "$top"/tests/system/l2/actions/*.sh "$root/actions/" 2>/dev/null || true
	if [ -d "$top/build/guest/linux" ]; then
		cp "$top"/build/guest/linux/* "$root/bin/"
	fi
	add_modules "$root" "$top/tests/system/l2/modules.list" "$modules"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd"
}

# The modules lkvm sandbox needs, for add_module_tree.
SANDBOX_MODULES="virtio_mmio virtio_console 9pnet_virtio 9p virtio_rng"

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
	# The lkvm that ran, for resolving crash lines after a rebuild.
	cp "$top/lkvm" "$out/lkvm"
	cp "${kernel_dirs[$l2_kernel]}/Image" "$root/guest/Image"
	# lkvm sandbox finds a kernel's modules next to it (scenarios/sandbox.sh).
	release=$(sed 's/^linux-image-//' "${kernel_dirs[$l2_kernel]}/package")
	add_module_tree "$root/guest/lib/modules/$release" "$l2_modules" $SANDBOX_MODULES
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
	# Unit tests that need a real kernel (openat2) run in L1 as well.
	cp "$top"/build/tests/unit/test_p9 "$root/usr/bin/" 2>/dev/null || true
	chmod +x "$root/init"
	# Uncompressed: unpacking is faster than decompressing under TCG.
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out/l1.cpio"
}

# l1_initrd KERNEL SUITES: the L1 initramfs for a host running KERNEL (a
# name in kernels.conf): the common one with that kernel's own modules of
# tests/system/l1/modules.list appended as a second archive, which the
# kernel unpacks over the first. Prints its path.
#
# When SUITES include nested-linux, the archive also carries that same
# kernel as the guest hypervisor's (/guest/hv: Image, a test-guest
# initramfs with its drivers, its sandbox modules): a guest started at
# EL2 by KVM's nested virtualisation (HCR_EL2.E2H RES1 without --e2h0)
# needs a kernel that knows E2H can be RES1 (Linux 6.9 or later; the
# 6.1 guest kernel never gets past its EL2 set-up), and the 7.x kernel
# of the nested hosts is one.
l1_initrd() {
	local k=$1 suites=$2 root=$out/l1-modules-$1 file=$out/l1-$1.cpio release
	[ -s "${kernel_dirs[$k]:-/nonexistent}/Image" ] ||
		{ echo "run.sh: no kernel '$k' (scripts/kernels.conf; run make deps)" >&2; exit 2; }
	[[ ",$suites," == *,nested-linux,* ]] && file=$out/l1-$k+hv.cpio
	if [ ! -e "$file" ]; then
		rm -rf "$root"
		add_modules "$root" "$top/tests/system/l1/modules.list" "${kernel_dirs[$k]}/modules"
		if [[ "$file" == *+hv.cpio ]]; then
			mkdir -p "$root/guest/hv"
			cp "${kernel_dirs[$k]}/Image" "$root/guest/hv/Image"
			build_l2_initrd "${kernel_dirs[$k]}/modules" "$root/guest/hv/initrd.cpio.gz"
			release=$(sed 's/^linux-image-//' "${kernel_dirs[$k]}/package")
			add_module_tree "$root/guest/hv/lib/modules/$release" \
				"${kernel_dirs[$k]}/modules" $SANDBOX_MODULES
		fi
		{
			cat "$out/l1.cpio"
			(cd "$root" && find . | cpio -o -H newc --quiet)
		} >"$file"
	fi
	echo "$file"
}

# Lines of hosts.conf as "name kernel cpu mem qemu suites", one per
# kernel of the host's list, in the file's order; qemu is the optional
# sixth column ("-" when absent).
hosts() {
	grep -v '^#' "$top/tests/system/hosts.conf" | awk 'NF == 5 || NF == 6 {
		n = split($2, k, ",")
		for (i = 1; i <= n; i++)
			print $1, k[i], $3, $4, (NF == 6 ? $6 : "-"), $5
	}'
}

# boot_l1 NAME KERNEL CPU MEM QEMU SUITES MODE LOG: one nested host,
# console in LOG. QEMU "nested-virt": trixie's QEMU 10 (FEAT_NV2) from
# scripts/deps.sh's chroot, and KVM in the host booted with
# kvm-arm.mode=nested, so that its guests can have EL2; "qemu10": that
# QEMU for its CPU models (neoverse-v1, neoverse-n2), KVM as usual. LKVM_L1_SMP
# (default 2) and LKVM_L1_ICOUNT (QEMU's -icount shift) are for profiling
# on a busy machine (Documentation/testing.md, "Where start-up time goes").
boot_l1() {
	local name=$1 k=$2 cpu=$3 mem=$4 qemu=$5 suites=$6 lmode=$7 log=$8
	local initrd qemu_cmd=(qemu-system-aarch64) extra=
	initrd=$(l1_initrd "$k" "$suites") || exit 2
	case $qemu in
	nested-virt | qemu10)
		qemu_cmd=("$top/scripts/qemu-trixie.sh" "$cache/qemu-trixie") ;;
	esac
	[ "$qemu" = nested-virt ] && extra=" kvm-arm.mode=nested"
	timeout --foreground "$host_timeout" "${qemu_cmd[@]}" ${LKVM_L1_ICOUNT:+-icount shift=$LKVM_L1_ICOUNT} \
		-M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp "${LKVM_L1_SMP:-2}" -m "$mem" \
		-nographic -no-reboot -nic none \
		-fsdev "local,id=xch,path=$out/exchange,security_model=none" \
		-device virtio-9p-device,fsdev=xch,mount_tag=lkvm-exchange \
		-kernel "${kernel_dirs[$k]}/Image" -initrd "$initrd" \
		-append "console=ttyAMA0 rdinit=/init panic=-1$extra quiet cryptomgr.notests lkvm.host=$name lkvm.kernel=$k lkvm.suites=$suites lkvm.mode=$lmode lkvm.stress_boots=${STRESS_BOOTS:-200} lkvm.stress_io=${STRESS_IO:-300} lkvm.mig_moves=${MIG_MOVES:-1} lkvm.sandbox_runs=${SANDBOX_RUNS:-200} lkvm.sandbox_cold_runs=${SANDBOX_COLD_RUNS:-0} lkvm.sandbox_hogs=${SANDBOX_HOGS:-0}" \
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

# Files one nested host leaves for another (/exchange in every L1).
rm -rf "$out/exchange"
mkdir -p "$out/exchange"

build_l2_initrd "$l2_modules" "$out/l2-initrd.cpio.gz"
build_l1_initrd
rm -f "$out"/l1-*.cpio

if [ "$mode" = demo ]; then
	echo "==> booting a nested KVM host (qemu-system-aarch64, TCG, EL2);"
	echo "==> inside it, lkvm boots a Debian arm64 guest on its serial console."
	read -r name k cpu mem qemu _ < <(hosts | head -n 1)
	boot_l1 "$name" "$k" "$cpu" "$mem" "$qemu" none demo "$out/demo.log" |
		grep -v -E '^@@(DONE|HOST|DEMO-OK)|reboot: Power down'
	grep -q '^@@DEMO-OK' "$out/demo.log"
	exit
fi

# The table make bench ends with, from the benchmarks' @@ROW lines:
# NAME|UNIT|LKVM|KVMTOOL|FLOOR, with lkvm's ratio to each. COUNTED-LOG,
# when given, is a boot whose clock counted instructions: its CPU-time
# rows follow, as millions of instructions ("Minsn").
bench_table() {
	echo
	echo "==> side by side, one nested-host boot each (kvmtool: ${bench_ref:-not given, set LKVM_BENCH_REF})"
	{
		sed -n 's/^@@ROW //p' "$1"
		if [ -n "${2:-}" ]; then
			sed -n 's/^@@ROW //p' "$2" |
				awk -F'|' -v OFS='|' '$2 == "ms" && $1 ~ /(, cpu|extra CPU)/ {
					$1 = "counted: " $1; $2 = "Minsn"; print }'
		fi
	} | awk -F'|' '
		function r(a, b) { return (a == "-" || b == "-" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
		BEGIN { printf "%-60s %-5s %9s %9s %8s %9s %8s\n", "benchmark", "unit", "lkvm", "kvmtool", "lkvm/kt", "floor", "lkvm/fl" }
		{ printf "%-60s %-5s %9s %9s %8s %9s %8s\n", $1, $2, $3, $4, r($3, $4), $5, r($3, $5) }'
	echo "(medians; a ratio is lkvm's figure over the other's: below 1 is better for ms and Minsn, above 1 for MB/s and IOPS)"
}

if [ "$mode" = bench ]; then
	read -r name k cpu mem qemu _ < <(hosts | head -n 1)
	# bench_boot BENCHES LOG PREFIX: one nested host running BENCHES,
	# console in LOG, its benchmark lines shown after PREFIX.
	bench_boot() {
		boot_l1 "$name" "$k" "$cpu" 6144 "$qemu" "$1" bench "$2" |
			grep -E '^@@BENCH|^@@RESULT' | sed "s/^@@BENCH /$3/"
	}
	# The build machine's share of the boot: its load, and the time a
	# hypervisor under it gave to others (steal, /proc/stat).
	steal0=$(awk '/^cpu /{ print $9 }' /proc/stat) t0=$(date +%s)
	bench_boot "${bench:-all}" "$out/bench.log" ""
	steal1=$(awk '/^cpu /{ print $9 }' /proc/stat) t1=$(date +%s)
	echo "build machine during the boot: $((t1 - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg) at its end, steal $(((steal1 - steal0) * 100 / ($(getconf CLK_TCK) * $(nproc) * (t1 - t0 + 1)))) % of its CPU time"
	# Timed start-up ratios of the same binaries moved from 0.66 to 1.07
	# between boots of this machine; counted ones repeat (testing.md,
	# "Where start-up time goes"). So the start-up benchmark runs again
	# in a boot of one CPU whose clock counts instructions, unless
	# LKVM_BENCH_COUNTED=0 or the boot ran other benchmarks only.
	counted=
	if [ "${LKVM_BENCH_COUNTED:-1}" != 0 ] && [ -z "${LKVM_L1_ICOUNT:-}" ] &&
		[[ ",${bench:-all}," == *,startup,* || ",${bench:-all}," == *,all,* ]]; then
		counted=$out/bench-counted.log
		echo "==> the start-up benchmark again, counted (one CPU, QEMU -icount shift=0: 1 ms is 1 M instructions)"
		LKVM_L1_SMP=1 LKVM_L1_ICOUNT=0 bench_boot startup "$counted" "counted: "
	fi
	bench_table "$out/bench.log" "$counted"
	exit
fi

passed=0
failed=0
: >"$out/results"
rm -rf "$out"/*/files "$out"/*.took

# The runs to make, "name kernel cpu mem qemu suites", in hosts.conf's
# order.
runs=()
while read -r name k cpu mem qemu suites; do
	if [ ${#want_hosts[@]} -gt 0 ] && [[ ! " ${want_hosts[*]} " =~ " $name " ]]; then
		continue
	fi
	if [ ${#want_kernels[@]} -gt 0 ] && [[ ! " ${want_kernels[*]} " =~ " $k " ]]; then
		continue
	fi
	sel=
	for s in ${suites//,/ }; do
		if [ ${#want_suites[@]} -gt 0 ]; then
			[[ " ${want_suites[*]} " =~ " $s " ]] || continue
		else
			[[ "$LONG_SUITES" =~ " $s " ]] && continue
		fi
		sel+=${sel:+,}$s
	done
	[ -n "$sel" ] || continue
	runs+=("$name $k $cpu $mem $qemu $sel")
done < <(hosts)

# A host runs once per kernel: NAME@KERNEL names that run. Host checks
# that combine several runs' files need to know which run.
RUN_HOSTS=" "
for r in "${runs[@]}"; do
	read -r name k _ _ _ suites <<<"$r"
	RUN_HOSTS+="$name@$k "
	# Made here, not by runs booting at once.
	l1_initrd "$k" "$suites" >/dev/null
done

# start_run I: boots run I in the background; its console goes to its
# log, its results to the terminal as they come, prefixed by the run
# when several boot at once.
pids=()
start_run() {
	local name k cpu mem qemu suites id prefix=
	read -r name k cpu mem qemu suites <<<"${runs[$1]}"
	id=$name@$k
	[ "$jobs" = 1 ] || prefix="[$id] "
	echo "==> nested host '$id' (-cpu $cpu): suites $suites"
	(
		start=$SECONDS
		if [ "$verbose" = 1 ]; then
			boot_l1 "$name" "$k" "$cpu" "$mem" "$qemu" "$suites" check "$out/$id.log" |
				sed -u "s/^/$prefix/" || true
		else
			boot_l1 "$name" "$k" "$cpu" "$mem" "$qemu" "$suites" check "$out/$id.log" |
				grep --line-buffered -E '^@@(RESULT|LOG|HOST|CRASH|STRESS-IO)' |
				sed -u "s/^@@/$prefix/" || true
		fi
		echo $((SECONDS - start)) >"$out/$id.took"
	) &
	pids[$1]=$!
}

# finish_run I: after run I ended, its results, exported files and host
# checks, in hosts.conf's order whatever order runs end in.
stress_runs=()
finish_run() {
	local name k cpu mem qemu suites id log files s check
	read -r name k cpu mem qemu suites <<<"${runs[$1]}"
	id=$name@$k
	log=$out/$id.log
	wait "${pids[$1]}" || true
	echo "==> $id took $(cat "$out/$id.took" 2>/dev/null || echo ?) s"
	# "PASS|FAIL NAME@KERNEL: suite.test ...": a failure says where.
	grep '^@@RESULT' "$log" | sed "s/^@@RESULT \([A-Z]*\) /\1 $id: /" >>"$out/results" || true
	if ! grep -q '^@@DONE' "$log"; then
		echo "FAIL $id.complete: the nested host did not finish (see $log)" | tee -a "$out/results"
	fi
	[[ ",$suites," == *,stress,* ]] && stress_runs+=("$id=$cpu")
	files=$out/$id/files
	rm -rf "$files"
	extract_files "$log" "$files"
	for s in ${suites//,/ }; do
		check=$top/tests/system/host-checks/$s.sh
		[ -x "$check" ] || continue
		FILES=$files HOST=$name KERNEL=$k RUN_HOSTS=$RUN_HOSTS "$check" |
			sed "s/^\([A-Z]*\) /\1 $id: /" | tee -a "$out/results"
	done
}

# At most $jobs runs boot at once.
next=0
for ((i = 0; i < ${#runs[@]}; i++)); do
	while [ $next -lt ${#runs[@]} ] && [ $((next - i)) -lt "$jobs" ]; do
		start_run $next
		next=$((next + 1))
	done
	finish_run $i
done

if [ ${#stress_runs[@]} -gt 0 ]; then
	echo "==> stress summary"
	"$top/tests/system/stress-report.sh" "$out/lkvm" "$out" "${stress_runs[@]}" |
		tee "$out/stress-summary"
fi

passed=$(grep -c '^PASS' "$out/results" || true)
failed=$(grep -c '^FAIL' "$out/results" || true)
echo "$passed $failed" >"$out/counts"
# CI shows only the last lines of a run: name what failed, and where.
if [ "$failed" -gt 0 ]; then
	echo "system: what failed (the first 10):"
	grep '^FAIL' "$out/results" | head -n 10 | cut -c1-300
fi
echo "system: $passed passed, $failed failed"
[ "$failed" = 0 ]
