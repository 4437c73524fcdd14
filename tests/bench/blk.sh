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
# vcpus, per request, and two counts per request that the load of the
# machine does not move: the guest's exits KVM counted (all of them:
# notifications, register accesses, WFI, host interrupts) and the
# interrupts the guest took from its disk. Then the data per request and
# the flushes the guest sent, and per boot the request limits the guest
# derived. Per workload, each thread's CPU time (user and system from
# the 10 ms ticks, and the scheduler's exact time on a CPU) and how much
# of the VMM's memory is in huge pages. Before the first boot, the floor:
# the same 1 MiB reads of the image with no VMM (blkcopy, several ways,
# in turns). In the O_DIRECT passes, each VMM's reads of the image as it
# made them (every preadv's time, traced). Last, the ceilings: the null
# backend against kvmtool, and for O_DIRECT reads the null backend's
# time per request plus a read, the floor's and kvmtool's own: what lkvm
# cannot beat here unless its transport gets cheaper or its read
# cheaper than the same read in kvmtool. Numbers only, no thresholds.
#
# For experiments (set here: run.sh does not pass its environment on):
# BLK_VMMS (lkvm, kvmtool, null, or any lkvm-* binary in the nested
# host's PATH), BLK_ROUNDS, BLK_COPY_ROUNDS (passes of the floor, none
# if empty), and BLK_TEST=bench_blk_direct with BLK_WORKLOADS=
# "read_direct1 read_direct2 read_direct3": three O_DIRECT passes only.
BLK_ROUNDS=${BLK_ROUNDS:-2}
BLK_COPY_ROUNDS=${BLK_COPY_ROUNDS-2}
IMG=/tmp/bench-blk.img
RES=/tmp/bench-blk.results
rm -f /tmp/bench-blk.floor
WORKLOADS=${BLK_WORKLOADS:-"read_direct read_buffered write randread"}
BLK_TEST=${BLK_TEST:-bench_blk}
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

# thread_cpu PID: "COMM USER-TICKS SYS-TICKS RUN-NS" per thread, threads
# of one name summed (the blk workers share one); RUN-NS from schedstat,
# the scheduler's exact time on a CPU.
thread_cpu() {
	for t in /proc/$1/task/*; do
		echo "$(cat $t/stat 2>/dev/null) @@ $(cat $t/schedstat 2>/dev/null)"
	done | awk '/@@ [0-9]/ {
		comm = $0
		sub(/^[^(]*\(/, "", comm)
		sub(/\).*$/, "", comm)
		gsub(/ /, "_", comm)
		rest = $0
		sub(/^.*\) /, "", rest)
		split(rest, f, " ")
		run = $0
		sub(/^.*@@ /, "", run)
		split(run, g, " ")
		u[comm] += f[12]
		s[comm] += f[13]
		ns[comm] += g[1]
	} END { for (c in u) print c, u[c], s[c], ns[c] }'
}

# thread_delta BEFORE AFTER: per thread name, "name:user/sys/run" in ms.
thread_delta() {
	awk 'NR == FNR { u[$1] = $2; s[$1] = $3; r[$1] = $4; next }
		{ du = ($2 - u[$1]) * 10; ds = ($3 - s[$1]) * 10
		  dr = ($4 - r[$1]) / 1e6
		  if (du + ds + dr >= 1) printf "%s:%d/%d/%d ", $1, du, ds, dr }' "$1" "$2"
}

# KVM's count of guest exits, of every VM in this host (one runs at a
# time here): debugfs, mounted for it.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
kvm_exits() {
	cat /sys/kernel/debug/kvm/exits 2>/dev/null || echo 0
}

# The VMM's reads of the image, each preadv's time from entry to return
# (tracefs syscall events, every thread: nothing else in this host reads
# while a workload runs, the guest's own reads being the nested guest's).
# Only during the O_DIRECT passes, which the ceiling below needs: with a
# syscall event on, every system call in the host takes the kernel's
# slower, traced path, so the other workloads run untraced. reads_start
# WORKLOAD clears the buffer and, for an O_DIRECT pass, starts;
# reads_stop stops and prints "MEDIAN LEAST COUNT" in us over the calls
# that read something, or "- - 0" (untraced, or the null backend, which
# reads nothing).
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs none $T 2>/dev/null
reads_start() {
	[ -d $T/events/syscalls/sys_enter_preadv ] || return 0
	case $1 in read_direct*) ;; *) return 0 ;; esac
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 1 >$T/events/syscalls/sys_enter_preadv/enable
	echo 1 >$T/events/syscalls/sys_exit_preadv/enable
	echo 1 >$T/tracing_on
}
reads_stop() {
	if ! [ -d $T/events/syscalls/sys_enter_preadv ]; then
		echo "- - 0"
		return
	fi
	echo 0 >$T/tracing_on
	echo 0 >$T/events/syscalls/sys_enter_preadv/enable
	echo 0 >$T/events/syscalls/sys_exit_preadv/enable
	# "TASK-TID [CPU] FLAGS SECONDS: sys_preadv(...)" and "... sys_preadv
	# -> 0xRESULT"; a thread's entry pairs with its next return.
	awk '/sys_preadv/ {
		for (i = 2; i <= NF && $i !~ /^\[[0-9]+\]$/; i++)
			;
		tid = $(i - 1)
		sub(/^.*-/, "", tid)
		for (; i <= NF && $i !~ /^[0-9]+\.[0-9]+:$/; i++)
			;
		ts = $i
		sub(/:$/, "", ts)
		if ($0 ~ /sys_preadv\(/)
			start[tid] = ts
		else if (tid in start) {
			res = $NF
			if (res ~ /^0x[0-9a-f]+$/ && res != "0x0")
				printf "%.0f\n", (ts - start[tid]) * 1e6
			delete start[tid]
		}
	}' $T/trace | sort -n | awk '{ d[NR] = $1 } END {
		if (NR)
			print (d[int((NR + 1) / 2)] + d[int(NR / 2) + 1]) / 2, d[1], NR
		else
			print "- - 0"
	}'
	echo >$T/trace
}

# next_workload W: the workload after W in $WORKLOADS, if any.
next_workload() {
	found=
	for x in $WORKLOADS; do
		[ -n "$found" ] && echo "$x" && return
		[ "$x" = "$1" ] && found=1
	done
}

# per_req COUNT REQUESTS [SCALE]: COUNT * SCALE / REQUESTS, one decimal.
per_req() {
	awk -v c="$1" -v n="$2" -v s="${3:-1}" 'BEGIN { printf "%.1f", n ? c * s / n : 0 }'
}

# blk_boot VMM: one boot under lkvm, kvmtool or null; one line per
# workload in $RES: "VMM WORKLOAD FIGURE CPU-US EXITS IRQS KIB FLUSHES
# READ-US LEAST-US READS", CPU-US to KIB per request, FLUSHES for the
# whole workload, then the VMM's preadv calls (reads_stop).
blk_boot() {
	vmm=$1
	OUT=/tmp/bench-blk-$vmm.log
	rm -f "$IMG"
	dd if=/dev/zero of="$IMG" bs=1048576 count=256 2>/dev/null
	params="$L2_PARAMS lkvm.test=$BLK_TEST"
	case $vmm in
	lkvm | null | lkvm-*)
		bin=lkvm
		[ "$vmm" = null ] && bin=lkvm-blk-null
		case $vmm in lkvm-*) bin=$vmm ;; esac
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
	reads_start ${WORKLOADS%% *}
	prev=$(vmm_cpu_ms $pid)
	thread_cpu $pid >/tmp/bench-blk-threads.prev
	pios=$(guest_value ios_start)
	pexits=$(kvm_exits)
	pirqs=$(guest_value irq_start)
	psectors=$(guest_value sectors_start)
	pflushes=$(guest_value flushes_start)
	for w in $WORKLOADS; do
		if ! wait_for "$OUT" "@@L2 mark=$w" 600; then
			echo "@@BENCH blk $vmm: no end of $w"
			tail -n 20 "$OUT" | sed "s/^/@@BENCH blk $vmm: /"
			break
		fi
		cpu=$(vmm_cpu_ms $pid)
		thread_cpu $pid >/tmp/bench-blk-threads.now
		echo "@@BENCH blk threads $vmm $w: $(thread_delta /tmp/bench-blk-threads.prev /tmp/bench-blk-threads.now)(ms: user/system from ticks, on a CPU from schedstat)"
		mv /tmp/bench-blk-threads.now /tmp/bench-blk-threads.prev
		echo "@@BENCH blk ram $vmm $w: $(awk '/^(Rss|AnonHugePages):/ { printf "%s %s kB ", $1, $2 }' /proc/$pid/smaps_rollup 2>/dev/null)"
		exits=$(kvm_exits)
		# After the counters: the guest idles only a second.
		reads=$(reads_stop)
		reads_start "$(next_workload $w)"
		ios=$(guest_value ios_$w)
		irqs=$(guest_value irq_$w)
		sectors=$(guest_value sectors_$w)
		flushes=$(guest_value flushes_$w)
		case $w in
		randread) fig=$(guest_value randread_iops) ;;
		read_direct[0-9])
			fig=$(sed -n "s/.*@@L2 read_direct_mbps=\([^ ]*\).*/\1/p" "$OUT" |
				tr -d '\r' | sed -n "${w#read_direct}p") ;;
		*) fig=$(guest_value ${w}_mbps) ;;
		esac
		n=$((ios - pios))
		echo "$vmm $w $fig $(per_req $((cpu - prev)) $n 1000) $(per_req $((exits - pexits)) $n) $(per_req $((irqs - pirqs)) $n) $(per_req $((sectors - psectors)) $n 0.5) $((flushes - pflushes)) $reads" >>"$RES"
		prev=$cpu
		pios=$ios
		pexits=$exits
		pirqs=$irqs
		psectors=$sectors
		pflushes=$flushes
	done
	# The guest powers off after its last workload.
	n=0
	while kill -0 $pid 2>/dev/null && [ $n -lt 150 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid
	reads_stop >/dev/null
	echo "@@BENCH blk boot $((r + 1)) $vmm: guest queue $(guest_value queue_limits)"
}

echo "@@BENCH blk thp: $(cat /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag 2>&1 | tr '\n' ' ')"
vmms=lkvm
[ -n "$KVMTOOL" ] && vmms="$vmms kvmtool"
vmms="${BLK_VMMS:-$vmms null}"
r=0
while [ $r -lt $BLK_ROUNDS ]; do
	# The floor: the same reads with no VMM (bench/blkcopy.c).
	if [ $r = 0 ] && [ -n "$BLK_COPY_ROUNDS" ]; then
		rm -f "$IMG"
		dd if=/dev/zero of="$IMG" bs=1048576 count=256 2>/dev/null
		blkcopy "$IMG" "$BLK_COPY_ROUNDS" | tee /tmp/bench-blk.floor |
			sed "s/^/@@BENCH blk floor: /"
	fi
	for v in $vmms; do
		blk_boot $v
	done
	r=$((r + 1))
done
rm -f "$IMG"
sed 's/^/@@BENCH blk raw /' "$RES"

# mean VMM WORKLOAD FIELD: the mean of a column over the rounds ("-",
# not measured, left out).
mean() {
	awk -v v="$1" -v w="$2" -v f="$3" '$1 == v && $2 == w && $f != "-" { s += $f; n++ }
		END { if (n) printf "%.1f\n", s / n }' "$RES"
}

for w in $WORKLOADS; do
	case $w in
	read_direct) what="seq-read 1M O_DIRECT 256MiB" unit=MB/s ;;
	read_direct[0-9]) what="seq-read 1M O_DIRECT 256MiB, pass ${w#read_direct}" unit=MB/s ;;
	read_buffered) what="seq-read 1M buffered 256MiB" unit=MB/s ;;
	write) what="seq-write 1M + fsync 128MiB" unit=MB/s ;;
	randread) what="rand-read 4K O_DIRECT QD1 10s" unit=IOPS ;;
	esac
	l=$(mean lkvm $w 3)
	k=$(mean kvmtool $w 3)
	n=$(mean null $w 3)
	all() { awk -v v="$1" -v w="$w" '$1 == v && $2 == w { printf "%s%s", s, $3; s = " " }' "$RES"; }
	per() {
		r=$(mean $1 $w 9)
		echo "$(mean $1 $w 4) us CPU, $(mean $1 $w 5) exits, $(mean $1 $w 6) interrupts, $(mean $1 $w 7) KiB per request, $(mean $1 $w 8) flushes a run${r:+, preadv $r us a call (median; least $(mean $1 $w 10))}"
	}
	line="lkvm $l $unit ($(all lkvm); $(per lkvm))"
	[ -n "$KVMTOOL" ] && line="$line, kvmtool $k $unit ($(all kvmtool); $(per kvmtool)), lkvm/kvmtool $(ratio "$l" "$k")"
	line="$line; lkvm null backend $n $unit ($(per null))"
	# The null backend reads and writes nothing, so null/kvmtool bounds
	# what lkvm could gain without making the image's I/O itself cheaper.
	[ -n "$KVMTOOL" ] && line="$line, null/kvmtool $(ratio "$n" "$k")"
	echo "@@BENCH blk $what: $line"
	bench_row "blk $what" "$unit" "$l" "$k"
	bench_row "blk $what, null backend (ratio: null/kvmtool)" "$unit" "$n" "$k"
	bench_row "blk $what, VMM CPU per request" us "$(mean lkvm $w 4)" "$(mean kvmtool $w 4)"
	bench_row "blk $what, guest exits per request" exits "$(mean lkvm $w 5)" "$(mean kvmtool $w 5)"
	lread=$(mean lkvm $w 9)
	kread=$(mean kvmtool $w 9)
	[ -n "$lread$kread" ] &&
		bench_row "blk $what, the VMM's preadv (median)" us "$lread" "$kread"
done

# O_DIRECT reads, where the null backend leaves room: lkvm spends no less
# on a 1 MiB request than its transport (the null backend's time per
# request, most of it the guest's exits, interrupt and block layer) plus
# reading the image (the floor's preadv of 1 MiB, alone in this host;
# inside a VMM, between a guest's notification and its interrupt, it
# costs more), so 1 MiB over their sum bounds its throughput here. With
# the floor's medians, and with its least requests.
# floor_read median|min: the floor's fastest preadv of 1 MiB in us, by
# its median or its least request; nothing without a floor.
floor_read() {
	[ -s /tmp/bench-blk.floor ] || return 0
	awk -v f="$1" '/^preadv-(1|32|256),/ {
		v = f == "median" ? $11 : $13
		sub(/,/, "", v)
		if (best == "" || v + 0 < best)
			best = v + 0
	} END { if (best != "") print best }' /tmp/bench-blk.floor
}
# request_us MBPS: the time a 1 MiB request takes at MBPS, in us.
request_us() {
	awk -v f="$1" 'BEGIN { printf "%.0f", 1.048576e6 / f }'
}
# bound NULL-MBPS READ-US: 1 MiB over the null backend's time per
# request plus a read of READ-US, in MB/s.
bound() {
	awk -v n="$1" -v r="$2" 'BEGIN { printf "%.1f", 1.048576 / (1.048576 / n + r / 1e6) }'
}
# less_read MBPS READ-US: a VMM's time per request less its read, in us.
less_read() {
	awk -v f="$1" -v r="$2" 'BEGIN { printf "%.0f", 1.048576e6 / f - r }'
}
case " $WORKLOADS " in *" read_direct "*)
	n=$(mean null read_direct 3)
	k=$(mean kvmtool read_direct 3)
	fr=$(floor_read median)
	if [ -n "$fr" ] && [ -n "$n" ] && [ "$n" != 0.0 ]; then
		c=$(bound "$n" "$fr")
		least=$(bound "$n" "$(floor_read min)")
		line="$c MB/s: the null backend's $(request_us "$n") us a request and the floor's preadv $(printf %.0f "$fr") us (median)"
		[ -n "$KVMTOOL" ] && line="$line, ceiling/kvmtool $(ratio "$c" "$k")"
		line="$line; with the floor's least request, $least MB/s"
		[ -n "$KVMTOOL" ] && line="$line, ceiling/kvmtool $(ratio "$least" "$k")"
		echo "@@BENCH blk seq-read 1M O_DIRECT ceiling: $line"
		bench_row "blk seq-read 1M O_DIRECT 256MiB, ceiling (null + floor's preadv)" MB/s "$c" "$k"
	fi
	# The same bound with the read as it costs inside a VMM here, the
	# reference's own preadv (traced above): what lkvm reaches if its
	# reads cost no more than kvmtool's and its transport no more than
	# the null backend's. Beside it, each VMM's time per request less
	# its read: the transport lkvm could still make cheaper.
	kr=$(mean kvmtool read_direct 9)
	lr=$(mean lkvm read_direct 9)
	l=$(mean lkvm read_direct 3)
	if [ -n "$KVMTOOL" ] && [ -n "$n" ] && [ -n "$kr" ] && [ -n "$lr" ]; then
		c=$(bound "$n" "$kr")
		echo "@@BENCH blk seq-read 1M O_DIRECT ceiling with the reference's read: $c MB/s: the null backend's $(request_us "$n") us a request and kvmtool's preadv $kr us (median; lkvm's $lr), ceiling/kvmtool $(ratio "$c" "$k"), lkvm/ceiling $(ratio "$l" "$c"); a request less its read: lkvm $(less_read "$l" "$lr") us, kvmtool $(less_read "$k" "$kr") us"
		bench_row "blk seq-read 1M O_DIRECT 256MiB, ceiling (null + kvmtool's preadv)" MB/s "$c" "$k"
	fi ;;
esac
