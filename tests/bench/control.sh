# Control-socket benchmark (runs inside the nested host): how long the
# commands take against a running Debian guest with 2 vcpus and every SVE
# length the host has (Z registers at 2048 bits), and how long the guest
# is paused for a register dump. Medians; numbers only, no thresholds.
runs=11
name=bench-ctl
out=/tmp/bench-ctl.console
lkvm run --name $name -k "$L2_KERNEL" -i "$L2_INITRD" -c 2 -m 256 \
	-p "$L2_PARAMS lkvm.test=sleep" --loglevel debug </dev/null >"$out" 2>&1 &
pid=$!
wait_for "$out" "@@L2 sleeping" 120
echo "@@BENCH control list: $(timeit $runs lkvm list)"
echo "@@BENCH control pause+resume: $(timeit $runs sh -c "lkvm pause -n $name && lkvm resume -n $name")"
echo "@@BENCH control dump-text: $(timeit $runs lkvm debug -n $name --dump)"
echo "@@BENCH control dump-json: $(timeit $runs lkvm debug -n $name --dump --json)"
lkvm debug -n $name --dump >/tmp/bench-dump.txt
lkvm debug -n $name --dump --json >/tmp/bench-dump.json
echo "@@BENCH control dump-size: text $(wc -c </tmp/bench-dump.txt) bytes, json $(wc -c </tmp/bench-dump.json) bytes, $(grep -c '^  ' /tmp/bench-dump.txt) registers"
# The VM side, from lkvm's debug log: request to every vcpu parked,
# reading and encoding the registers, and how long the guest stood still.
stats() {
	sort -n | awk '{ a[NR] = $1 } END { printf "median %s ms min %s ms max %s ms runs %d", a[int((NR + 1) / 2)], a[1], a[NR], NR }'
}
echo "@@BENCH control vm-parked-after: $(sed -n 's/.*all 2 vcpus parked \([0-9]*\) ms after.*/\1/p' "$out" | stats)"
echo "@@BENCH control vm-dump-read: $(sed -n 's/.*register dump of 2 vcpus: [0-9]* bytes in \([0-9]*\) ms/\1/p' "$out" | stats)"
echo "@@BENCH control vm-paused-for: $(sed -n 's/.*the guest was paused for \([0-9]*\) ms (register dump)/\1/p' "$out" | stats)"
lkvm stop -n $name >/dev/null
wait $pid
