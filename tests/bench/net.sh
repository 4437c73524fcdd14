# virtio-net benchmark (runs inside the nested host): guest-to-host TCP
# throughput, user mode (lkvm through passt, kvmtool through its own
# user-mode stack; to a receiver on the host's loopback, which the
# guest reaches at its gateway's address with either) and tap (to a
# receiver on the tap's address in a network namespace).
# guest/linux/netbench.c on both sides. lkvm, then kvmtool when make
# bench has one (LKVM_BENCH_REF), on virtio-mmio as lkvm. Numbers only.
SUITE=bench
MIB=64
saved_params=$L2_PARAMS

# net_measure VMM NAME [lkvm/kvmtool options]: one measurement; prints
# the receiver's MB/s, or nothing.
net_measure() {
	vmm=$1
	name=$2
	shift 2
	OUT=/tmp/bench-net-$vmm-$name.log
	: >"$OUT"
	$IN netbench recv 5002 "$ADDR" >/tmp/bench-net.recv &
	sink=$!
	sleep 0.2
	params="$saved_params lkvm.port=5002 lkvm.mib=$MIB $PARAMS lkvm.test=bench_net"
	if [ "$vmm" = lkvm ]; then
		set -- lkvm run "$@"
	else
		set -- "$KVMTOOL" run --console serial --virtio-transport mmio "$@"
	fi
	timeout 300 $IN "$@" -k "$L2_KERNEL" -i "$L2_INITRD" -p "$params" \
		</dev/null >>"$OUT" 2>&1
	rc=$?
	kill $sink 2>/dev/null
	wait $sink 2>/dev/null
	host=$(sed -n 's/.*mbps=\([0-9.]*\).*/\1/p' /tmp/bench-net.recv)
	if [ "$rc" != 0 ] || [ -z "$host" ]; then
		echo "@@BENCH net $name $vmm: failed (status $rc)" >&2
		tail -n 20 "$OUT" | sed "s/^/@@BENCH net $name $vmm: /" >&2
		return
	fi
	echo "$host"
	echo "@@BENCH net $name $vmm guest-to-host TCP ${MIB}MiB: $host MB/s (host receiver), $(guest_value send_mbps) MB/s (guest sender), average frame $(guest_value tx_avg_frame) bytes" >&2
}

# net_case NAME [options]: lkvm, then kvmtool; a line and a table row.
net_case() {
	name=$1
	shift
	l=$(net_measure lkvm "$name" "$@")
	k=
	[ -n "$KVMTOOL" ] && k=$(net_measure kvmtool "$name" "$@")
	line="lkvm ${l:-failed} MB/s"
	[ -n "$KVMTOOL" ] && line="$line, kvmtool ${k:-failed} MB/s, lkvm/kvmtool $(ratio "$l" "$k")"
	echo "@@BENCH net $name guest-to-host TCP ${MIB}MiB: $line"
	bench_row "net $name guest-to-host TCP ${MIB}MiB" MB/s "$l" "$k"
}

IN=
ADDR=127.0.0.1
PARAMS=
net_case user -c 2 -m 512

unshare -n sleep 900 &
ns=$!
sleep 0.2
IN="nsenter -t $ns -n"
$IN ip link set lo up
$IN tunctl -t lkvmbench0 >/dev/null
$IN ip addr add 10.2.0.1/24 dev lkvmbench0
$IN ip link set lkvmbench0 up
ADDR=10.2.0.1
PARAMS="lkvm.ip=10.2.0.2/24 lkvm.host=10.2.0.1"
net_case tap -c 2 -m 512 -n mode=tap,tapif=lkvmbench0
kill $ns 2>/dev/null
IN=
