# Guest side of the snapshot suite (tests/system/scenarios/snapshot.sh).

# Checks that every SVE register keeps its value across snapshots and
# restores, printing "@@L2 sve_hold round=N vl=BITS ok" as it goes.
action_sve_hold() {
	exec sve_hold
}

# The ticker, with 4 MiB of random bytes in a file made first and
# checked only every 100 ticks (20 s): between two checks its pages sit
# in RAM untouched, as a restored VM's pages still in its snapshot's
# file do.
action_pattern_ticker() {
	dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
	sum=$(md5sum </tmp/pattern)
	echo 1 >/proc/sys/kernel/sysrq
	i=0
	while :; do
		if [ $((i % 100)) = 0 ]; then
			[ "$(md5sum </tmp/pattern)" = "$sum" ] && r=ok || r=bad
			echo "@@L2 pattern=$r tick=$i"
		fi
		echo "@@L2 tick=$i"
		i=$((i + 1))
		usleep 200000
	done
}
