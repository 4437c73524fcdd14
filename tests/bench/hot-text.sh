# The start-up's text, for `make hot-text` (runs inside the nested host):
# build/tools/lkvm-prof, a build with every function on a page of its
# own, starts as the start-up benchmark starts lkvm, with fault-around
# off, and a kprobe on handle_mm_fault() records the address of each
# page fault it takes. scripts/hot_text.sh turns the "@@HOTTEXT" lines
# into scripts/lkvm-hot.ld. Without lkvm-prof (any other benchmark run)
# this does nothing.
if ! command -v lkvm-prof >/dev/null; then
	echo "@@BENCH hot-text: no lkvm-prof in this host (make hot-text builds it)"
else
	P=$BM/poweroff.flat
	T=/sys/kernel/tracing
	set_aslr 0
	mount -t tracefs none $T 2>/dev/null
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
	around=$(cat /sys/kernel/debug/fault_around_bytes)
	echo 16384 >$T/buffer_size_kb
	echo 'p:hottext handle_mm_fault addr=%x1' >>$T/kprobe_events
	# One fault per page touched, not one per 64 KiB window.
	echo 4096 >/sys/kernel/debug/fault_around_bytes
	# Where the binary lies (the same at every start: no randomisation).
	lkvm-prof run -k "$L2_KERNEL" -c 1 -m 256 --network mode=none \
		</dev/null >/dev/null 2>&1 &
	sleep 1
	echo "@@HOTTEXT base 0x$(awk '/lkvm-prof/ { split($1, r, "-"); print r[1]; exit }' /proc/$!/maps)"
	kill $! 2>/dev/null
	wait
	# The cases startup.sh measures; the first run of each warms the
	# page cache, the second is traced.
	for args in "-c 1 -m 256" "-c 1 -m 256 --network mode=none" "-c 8 -m 4096"; do
		lkvm-prof run -k $P $args >/dev/null 2>&1
		echo >$T/trace
		echo 1 >$T/events/kprobes/hottext/enable
		lkvm-prof run -k $P $args >/dev/null 2>&1
		echo 0 >$T/events/kprobes/hottext/enable
		sed -n 's/^ *lkvm-[^ ]*-[0-9][0-9]* .*addr=\(0x[0-9a-f]*\).*/@@HOTTEXT fault \1/p' $T/trace
	done >/tmp/hot-text.faults
	cat /tmp/hot-text.faults
	echo "$around" >/sys/kernel/debug/fault_around_bytes
	echo '-:hottext' >>$T/kprobe_events
	echo "@@BENCH hot-text: $(grep -c . /tmp/hot-text.faults) page faults of lkvm-prof in 3 starts"
	set_aslr 2
fi
