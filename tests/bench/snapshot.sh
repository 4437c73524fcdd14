# Snapshot and restore benchmark (runs inside the nested host). The
# Debian guest waits for a line on its console, then powers off; it is
# saved while it waits. Side by side, interleaved, the same guest:
#   cold      `lkvm run` boot to exit (the kernel boots, init reads the line)
#   restored  `lkvm restore` to exit (the saved guest reads the line)
# for 256 MiB and 2 GiB of guest RAM, with wall and CPU time (user+sys of
# lkvm and the guest's vcpus, which are lkvm threads) from busybox time.
# Also the snapshot's pause and the bytes it wrote. Numbers only.
SUITE=bench
OUT=/tmp/bench-snapshot.log
runs=3

# secs LOG: "wall cpu" from busybox time -p output.
secs() {
	awk '/^real/ { r = $2 } /^user/ { u = $2 } /^sys/ { s = $2 }
	     END { printf "%.2f %.2f", r, u + s }' "$1"
}

# stats: min/median of the "wall cpu" lines on stdin.
stats() {
	sort -n | awk '{ w[NR] = $1; c[NR] = $2 }
		END { m = int((NR + 1) / 2); printf "wall min %.2f median %.2f s, cpu median %.2f s (%d runs)", w[1], w[m], c[m], NR }'
}

for mem in 256 2048; do
	dir=/tmp/bench-snap-$mem
	rm -rf "$dir"
	: >"$OUT"
	# Its console stays open and silent until the snapshot stops it.
	rm -f /tmp/bench-in
	mkfifo /tmp/bench-in
	lkvm run --name bench-snap -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$L2_PARAMS lkvm.test=echo-input" -c 2 -m "$mem" --network mode=none \
		</tmp/bench-in >"$OUT" 2>&1 &
	exec 3<>/tmp/bench-in
	wait_for "$OUT" "@@L2 ready-for-input" 300 || {
		echo "@@BENCH snapshot ${mem}M: the guest never waited for input"
		continue
	}
	r=$(lkvm snapshot -n bench-snap --stop "$dir" 2>&1)
	exec 3>&-
	echo "@@BENCH snapshot ${mem}M: $r"
	echo "@@BENCH snapshot ${mem}M: RAM file $(du -k "$dir/ram" | cut -f1) KiB on disk, state $(stat -c %s "$dir/state") bytes"
	: >/tmp/bench-cold.txt
	: >/tmp/bench-warm.txt
	for i in $(seq $runs); do
		# The guest's 8250 driver drops what arrived before it opened
		# the port: the line goes in once the guest waits for it (up
		# to 0.2 s of polling counts against the cold boot).
		rm -f /tmp/bench-cin
		mkfifo /tmp/bench-cin
		: >/tmp/bench-cold.out
		time -p timeout 300 lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" \
			-p "$L2_PARAMS lkvm.test=echo-input" -c 2 -m "$mem" \
			--network mode=none --loglevel error \
			</tmp/bench-cin >/tmp/bench-cold.out 2>/tmp/bench-t.txt &
		p=$!
		exec 4<>/tmp/bench-cin
		wait_for /tmp/bench-cold.out "@@L2 ready-for-input" 300 && printf 'go\n' >&4
		wait $p
		exec 4>&-
		grep -q "@@L2 got=go" /tmp/bench-cold.out ||
			echo "@@BENCH snapshot ${mem}M: a cold run did not finish: $(tail -n 2 /tmp/bench-cold.out)"
		secs /tmp/bench-t.txt >>/tmp/bench-cold.txt
		echo >>/tmp/bench-cold.txt
		# The restored guest already waits on an open port.
		printf 'go\n' | time -p timeout 300 lkvm restore --name bench-r "$dir" \
			--loglevel error >/tmp/bench-warm.out 2>/tmp/bench-t.txt
		grep -q "@@L2 got=go" /tmp/bench-warm.out ||
			echo "@@BENCH snapshot ${mem}M: a restored run did not finish: $(tail -n 2 /tmp/bench-warm.out)"
		secs /tmp/bench-t.txt >>/tmp/bench-warm.txt
		echo >>/tmp/bench-warm.txt
	done
	echo "@@BENCH snapshot ${mem}M cold boot to exit: $(stats </tmp/bench-cold.txt)"
	echo "@@BENCH snapshot ${mem}M restore to exit:   $(stats </tmp/bench-warm.txt)"
	rm -rf "$dir"
done
