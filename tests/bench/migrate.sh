# Live migration benchmark (runs inside the nested host): an idle Debian
# guest of 1 GiB (it waits for a console line that never comes) moves
# from one lkvm to another over a Unix socket, then on to a third, and so
# on; each hop's total time and downtime (the pause, from the hand-over
# command to the destination's confirmation) from lkvm migrate --json.
# Numbers only.
SUITE=bench
OUT=/tmp/bench-migrate.log
runs=5
mem=1024

: >"$OUT"
: >/tmp/bench-mig.txt
rm -f /tmp/bench-in
mkfifo /tmp/bench-in
lkvm run --name bench-mig -k "$L2_KERNEL" -i "$L2_INITRD" \
	-p "$L2_PARAMS lkvm.test=echo-input" -c 2 -m "$mem" --network mode=none \
	</tmp/bench-in >"$OUT" 2>&1 &
exec 3>/tmp/bench-in
if wait_for "$OUT" "@@L2 ready-for-input" 300; then
	for i in $(seq $runs); do
		lkvm restore --incoming unix:bench-mig-$i </dev/null \
			>/tmp/bench-mig-$i.log 2>&1 &
		wait_for /tmp/bench-mig-$i.log "waiting for a migration" 30
		r=$(lkvm migrate -n bench-mig --to unix:bench-mig-$i --json 2>&1 | grep '"done"')
		echo "@@BENCH migrate ${mem}M hop $i: ${r:-failed}"
		echo "$r" | sed -n 's/.*"downtime_ms": \([0-9]*\), "total_ms": \([0-9]*\).*/\1 \2/p' >>/tmp/bench-mig.txt
		sleep 2
	done
	sort -n /tmp/bench-mig.txt | awk '{ d[NR] = $1 } END { m = int((NR + 1) / 2); printf "@@BENCH migrate %dM idle: downtime min %d median %d ms (%d hops)\n", '"$mem"', d[1], d[m], NR }'
	sort -n -k2 /tmp/bench-mig.txt | awk '{ t[NR] = $2 } END { m = int((NR + 1) / 2); printf "@@BENCH migrate %dM idle: total min %d median %d ms\n", '"$mem"', t[1], t[m] }'
	echo "@@BENCH migrate: load $(cat /proc/loadavg)"
else
	echo "@@BENCH migrate ${mem}M: the guest never waited for input"
fi
exec 3>&-
lkvm stop -n bench-mig >/dev/null 2>&1
