# virtio-net benchmark (runs inside the nested host): guest-to-host TCP
# throughput, user mode (through passt, to a receiver on the host's
# loopback) and tap (to a receiver on the tap's address in a network
# namespace). guest/linux/netbench.c on both sides. Numbers only.
SUITE=bench
OUT=/tmp/bench-net.log
MIB=64
saved_params=$L2_PARAMS

# bench_net NAME PARAMS [IN...] -- [lkvm options]: one measurement.
net_measure() {
	name=$1
	shift
	: >"$OUT"
	$IN netbench recv 5002 "$ADDR" >/tmp/bench-net.recv &
	sink=$!
	sleep 0.2
	L2_PARAMS="$saved_params lkvm.port=5002 lkvm.mib=$MIB $PARAMS"
	if [ -n "$IN" ]; then
		timeout 300 $IN lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" \
			-p "$L2_PARAMS lkvm.test=bench_net" "$@" </dev/null >>"$OUT" 2>&1
		RC=$?
	else
		run_l2 300 bench_net "$@"
	fi
	L2_PARAMS=$saved_params
	kill $sink 2>/dev/null
	wait $sink 2>/dev/null
	host=$(sed -n 's/.*mbps=\([0-9.]*\).*/\1/p' /tmp/bench-net.recv)
	if [ "$RC" != 0 ] || [ -z "$host" ]; then
		echo "@@BENCH net $name: failed (lkvm status $RC)"
		tail -n 20 "$OUT" | sed "s/^/@@BENCH net $name: /"
		return
	fi
	echo "@@BENCH net $name guest-to-host TCP ${MIB}MiB: $host MB/s (host receiver), $(guest_value send_mbps) MB/s (guest sender), average frame $(guest_value tx_avg_frame) bytes"
}

IN=
ADDR=127.0.0.1
PARAMS=
net_measure user -c 2 -m 512

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
net_measure tap -c 2 -m 512 -n mode=tap,tapif=lkvmbench0
kill $ns 2>/dev/null
IN=
