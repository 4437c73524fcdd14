# virtio-blk benchmark (runs inside the nested host): the Debian guest
# runs guest/linux/blkbench on /dev/vda, a fresh 256 MiB image on this
# host's tmpfs: 1 MiB sequential reads with O_DIRECT (256 MiB) and
# buffered, 1 MiB writes then fsync (128 MiB), 4 KiB O_DIRECT random
# reads one at a time for 10 s. lkvm and kvmtool (LKVM_BENCH_REF, on
# virtio-mmio as lkvm, since this guest has no virtio-pci driver)
# alternate, BLK_ROUNDS boots each, no NIC; with them lkvm's null-backend
# test build (lkvm-blk-null: requests complete without touching the
# image), which shows how fast the transport itself goes here.
# Beside each figure: the CPU time of the VMM's threads other than its
# vcpus, per request. Numbers only, no thresholds.
BLK_ROUNDS=2
IMG=/tmp/bench-blk.img
RES=/tmp/bench-blk.results
WORKLOADS="read_direct read_buffered write randread"
: >"$RES"

# vmm_cpu_ms PID: user + system time of a process and all its threads
# (those that ended too), less that of its vcpu threads (lkvm-vcpuN,
# kvmtool's kvm-vcpu-N), in ms: the device side's CPU, without the
# guest's time (the nested host may not count it as guest time) or exit
# handling. /proc/PID/stat and task/*/stat, fields 14 and 15, 10 ms ticks.
vmm_cpu_ms() {
	awk '{
		comm = $0
		sub(/^[^(]*\(/, "", comm)
		sub(/\).*$/, "", comm)
		rest = $0
		sub(/^.*\) /, "", rest)
		split(rest, f, " ")
		t = f[12] + f[13]
		if (FILENAME !~ /\/task\//)
			total += t
		else if (comm ~ /vcpu/)
			vcpus += t
	} END { print (total - vcpus) * 10 }' "/proc/$1/stat" /proc/$1/task/*/stat 2>/dev/null
}

# blk_boot VMM: one boot under lkvm, kvmtool or null; one line per
# workload in $RES: "VMM WORKLOAD FIGURE CPU-US-PER-REQUEST".
blk_boot() {
	vmm=$1
	OUT=/tmp/bench-blk-$vmm.log
	rm -f "$IMG"
	dd if=/dev/zero of="$IMG" bs=1048576 count=256 2>/dev/null
	params="$L2_PARAMS lkvm.test=bench_blk"
	case $vmm in
	lkvm | null)
		bin=lkvm
		[ "$vmm" = null ] && bin=lkvm-blk-null
		set -- $bin run -k "$L2_KERNEL" -i "$L2_INITRD" -p "$params" \
			-c 2 -m 512 -d "$IMG" --network mode=none
		;;
	kvmtool)
		set -- "$KVMTOOL" run -k "$L2_KERNEL" -i "$L2_INITRD" -p "$params" \
			-c 2 -m 512 -d "$IMG" --network mode=none --console serial \
			--virtio-transport mmio
		;;
	esac
	"$@" </dev/null >"$OUT" 2>&1 &
	pid=$!
	if ! wait_for "$OUT" "@@L2 mark=start" 300; then
		echo "@@BENCH blk $vmm: the guest did not start its workloads"
		tail -n 20 "$OUT" | sed "s/^/@@BENCH blk $vmm: /"
		kill -9 $pid 2>/dev/null
		wait $pid
		return
	fi
	prev=$(vmm_cpu_ms $pid)
	pios=$(guest_value ios_start)
	for w in $WORKLOADS; do
		if ! wait_for "$OUT" "@@L2 mark=$w" 600; then
			echo "@@BENCH blk $vmm: no end of $w"
			tail -n 20 "$OUT" | sed "s/^/@@BENCH blk $vmm: /"
			break
		fi
		cpu=$(vmm_cpu_ms $pid)
		ios=$(guest_value ios_$w)
		case $w in
		randread) fig=$(guest_value randread_iops) ;;
		*) fig=$(guest_value ${w}_mbps) ;;
		esac
		echo "$vmm $w $fig $(awk -v c=$((cpu - prev)) -v n=$((ios - pios)) 'BEGIN { printf "%.0f", n ? c * 1000 / n : 0 }')" >>"$RES"
		prev=$cpu
		pios=$ios
	done
	# The guest powers off after its last workload.
	n=0
	while kill -0 $pid 2>/dev/null && [ $n -lt 150 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid
}

vmms=lkvm
[ -n "$KVMTOOL" ] && vmms="$vmms kvmtool"
vmms="$vmms null"
r=0
while [ $r -lt $BLK_ROUNDS ]; do
	for v in $vmms; do
		blk_boot $v
	done
	r=$((r + 1))
done
rm -f "$IMG"

# mean VMM WORKLOAD FIELD: the mean of a column over the rounds.
mean() {
	awk -v v="$1" -v w="$2" -v f="$3" '$1 == v && $2 == w { s += $f; n++ }
		END { if (n) printf "%.1f\n", s / n }' "$RES"
}

for w in $WORKLOADS; do
	case $w in
	read_direct) what="seq-read 1M O_DIRECT 256MiB" unit=MB/s ;;
	read_buffered) what="seq-read 1M buffered 256MiB" unit=MB/s ;;
	write) what="seq-write 1M + fsync 128MiB" unit=MB/s ;;
	randread) what="rand-read 4K O_DIRECT QD1 10s" unit=IOPS ;;
	esac
	l=$(mean lkvm $w 3)
	k=$(mean kvmtool $w 3)
	n=$(mean null $w 3)
	all() { awk -v v="$1" -v w="$w" '$1 == v && $2 == w { printf "%s%s", s, $3; s = " " }' "$RES"; }
	line="lkvm $l $unit ($(all lkvm); $(mean lkvm $w 4) us CPU per request)"
	[ -n "$KVMTOOL" ] && line="$line, kvmtool $k $unit ($(all kvmtool); $(mean kvmtool $w 4) us CPU per request), lkvm/kvmtool $(ratio "$l" "$k")"
	line="$line; lkvm null backend $n $unit ($(mean null $w 4) us CPU per request)"
	echo "@@BENCH blk $what: $line"
	bench_row "blk $what" "$unit" "$l" "$k"
	bench_row "blk $what, null backend" "$unit" "$n"
	bench_row "blk $what, VMM CPU per request" us "$(mean lkvm $w 4)" "$(mean kvmtool $w 4)"
done
