# Live migration benchmark (runs inside the nested host): an idle Debian
# guest of 1 GiB (it waits for a console line that never comes) moves
# from one lkvm to another over a Unix socket, then on to a third, and so
# on; each hop's total time and downtime (the pause, from the hand-over
# command to the destination's confirmation) from lkvm migrate --json.
# Then the same for a 1 GiB guest that rewrites $dirty MiB of its memory
# every second (the dirty_rate action), handed over after
# --max-rounds rounds at the latest (--force-converge), with the rounds it
# took. Numbers only.
SUITE=bench
OUT=/tmp/bench-migrate.log
runs=5
mem=1024
dirty=64

# summary LABEL: the hops' downtime and total time in /tmp/bench-mig.txt.
summary() {
	sort -n /tmp/bench-mig.txt | awk '{ d[NR] = $1 } END { m = int((NR + 1) / 2); printf "@@BENCH migrate %dM %s: downtime min %d median %d ms (%d hops)\n", '"$mem"', "'"$1"'", d[1], d[m], NR }'
	sort -n -k2 /tmp/bench-mig.txt | awk '{ t[NR] = $2 } END { m = int((NR + 1) / 2); printf "@@BENCH migrate %dM %s: total min %d median %d ms\n", '"$mem"', "'"$1"'", t[1], t[m] }'
}

# hops NAME LABEL [lkvm migrate options]: $runs hops of the VM NAME.
hops() {
	name=$1
	label=$2
	shift 2
	: >/tmp/bench-mig.txt
	for i in $(seq $runs); do
		lkvm restore --incoming "unix:$name-$i" </dev/null \
			>"/tmp/$name-$i.log" 2>&1 &
		wait_for "/tmp/$name-$i.log" "waiting for a migration" 30
		r=$(lkvm migrate -n "$name" --to "unix:$name-$i" --json "$@" 2>&1 | grep '"done"')
		echo "@@BENCH migrate ${mem}M $label hop $i: ${r:-failed}"
		echo "$r" | sed -n 's/.*"downtime_ms": \([0-9]*\), "total_ms": \([0-9]*\).*/\1 \2/p' >>/tmp/bench-mig.txt
		sleep 2
	done
	summary "$label"
}

: >"$OUT"
: >/tmp/bench-mig.txt
rm -f /tmp/bench-in
mkfifo /tmp/bench-in
lkvm run --name bench-mig -k "$L2_KERNEL" -i "$L2_INITRD" \
	-p "$L2_PARAMS lkvm.test=echo-input" -c 2 -m "$mem" --network mode=none \
	</tmp/bench-in >"$OUT" 2>&1 &
exec 3>/tmp/bench-in
if wait_for "$OUT" "@@L2 ready-for-input" 300; then
	hops bench-mig idle
	echo "@@BENCH migrate: load $(cat /proc/loadavg)"
else
	echo "@@BENCH migrate ${mem}M: the guest never waited for input"
fi
exec 3>&-
lkvm stop -n bench-mig >/dev/null 2>&1

lkvm run --name bench-dirty -k "$L2_KERNEL" -i "$L2_INITRD" \
	-p "$L2_PARAMS lkvm.test=dirty_rate lkvm.dirty_mib=$dirty" -c 2 \
	-m "$mem" --network mode=none </dev/null >>"$OUT" 2>&1 &
if wait_for "$OUT" "@@L2 dirtying $dirty MiB/s" 300; then
	hops bench-dirty "dirtying ${dirty}MiB/s" --max-rounds 10 --force-converge
	echo "@@BENCH migrate: load $(cat /proc/loadavg)"
else
	echo "@@BENCH migrate ${mem}M: the dirtying guest never started"
fi
lkvm stop -n bench-dirty >/dev/null 2>&1
