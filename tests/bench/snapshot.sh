# Snapshot and restore benchmark (runs inside the nested host). The
# Debian guest runs guest/linux/heartbeat: a line "@@L2 beat=N" every
# 10 ms. For 256 MiB and 2 GiB of guest RAM:
#   snapshot  `lkvm snapshot --stop` of the beating guest: the command's
#             wall time, the guest's pause (the command prints it) and
#             the bytes it wrote
#   cold      `lkvm run` of the same guest to its first beat: kernel
#             boot, init, the loop's first line
#   restore   `lkvm restore` of the snapshot to its first new beat: the
#             guest is running again (restore-to-running)
# The four runs interleaved (timeit -u: wall from exec to the line on
# lkvm's stdout, CPU of lkvm and its vcpu threads until then, in clock
# ticks), min and median. A beat comes at most 10 ms after the guest
# runs. Numbers only, no thresholds.
SUITE=bench
runs=3
HB="$L2_PARAMS lkvm.test=heartbeat"

snap_ok=1
for mem in 256 2048; do
	dir=/tmp/bench-snap-$mem
	log=/tmp/bench-snap-$mem.log
	rm -rf "$dir"
	: >"$log"
	lkvm run --name bench-snap -k "$L2_KERNEL" -i "$L2_INITRD" -p "$HB" \
		-c 2 -m "$mem" --network mode=none </dev/null >"$log" 2>&1 &
	pid=$!
	# Half a second of beats: the guest is in its loop.
	wait_for "$log" "@@L2 beat=50" 300 || {
		echo "@@BENCH snapshot ${mem}M: the guest never beat: $(tail -n 2 "$log")"
		snap_ok=0
		continue
	}
	r=$( { time -p lkvm snapshot -n bench-snap --stop "$dir"; } 2>&1)
	wait_gone "$pid" || kill "$pid"
	echo "@@BENCH snapshot ${mem}M: $(echo "$r" | grep -v '^real\|^user\|^sys'), command $(echo "$r" | awk '/^real/ { print $2 }') s wall"
	echo "@@BENCH snapshot ${mem}M: RAM file $(du -k "$dir/ram" | cut -f1) KiB on disk, state $(stat -c %s "$dir/state") bytes"
	[ -f "$dir/manifest.json" ] || snap_ok=0
done

if [ "$snap_ok" = 1 ]; then
	cold() {
		echo lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 2 -m "$1" \
			--network mode=none --loglevel error
	}
	rm -f /tmp/bench-snap-err.log
	out=$(timeit -e /tmp/bench-snap-err.log -u "@@L2 beat=" $runs 2>>/tmp/bench-snap-err.log \
		$(cold 256) -p "$HB" :: \
		lkvm restore --name bench-r256 /tmp/bench-snap-256 --loglevel error :: \
		$(cold 2048) -p "$HB" :: \
		lkvm restore --name bench-r2048 /tmp/bench-snap-2048 --loglevel error)
	n=1
	for what in "256M cold boot to running" "256M restore to running" \
		"2048M cold boot to running" "2048M restore to running"; do
		l=$(echo "$out" | sed -n ${n}p)
		echo "@@BENCH snapshot $what: $l"
		bench_row "snapshot: $what" ms "$(tstat "$l" wall median)"
		n=$((n + 1))
	done
	grep -E '^lkvm: error|^timeit:' /tmp/bench-snap-err.log | tail -n 3 | sed 's/^/@@BENCH snapshot: /'
	for m in "256M 1 2" "2048M 3 4"; do
		set -- $m
		c=$(tstat "$(echo "$out" | sed -n ${2}p)" wall median)
		w=$(tstat "$(echo "$out" | sed -n ${3}p)" wall median)
		pct=$(awk -v w="$w" -v c="$c" 'BEGIN { if (c > 0) printf "%.1f", 100 * w / c; else print "-" }')
		echo "@@BENCH snapshot $1 restore-to-running: ${pct}% of the cold boot (wall medians)"
	done
	# What a restored guest printed before its first beat: a kernel
	# complaint (a stall, the clock) would explain a slow restore.
	for mem in 256 2048; do
		: >/tmp/bench-r.out
		lkvm restore --name bench-rx /tmp/bench-snap-$mem --loglevel error \
			</dev/null >/tmp/bench-r.out 2>&1 &
		pid=$!
		wait_for /tmp/bench-r.out "@@L2 beat=" 120
		kill "$pid" 2>/dev/null
		wait_gone "$pid"
		before=$(sed '/@@L2 beat=/,$d' /tmp/bench-r.out)
		echo "@@BENCH snapshot ${mem}M restore: $(echo "$before" | grep -c .) lines before the first beat$(echo "$before" | grep . | head -n 3 | sed 's/^/ | /' | tr -d '\n')"
	done
fi
rm -rf /tmp/bench-snap-256 /tmp/bench-snap-2048
