# Guest side of the control suite (tests/system/scenarios/control.sh).

# Clock-driven output: a numbered line every 200 ms, forever. Magic
# SysRq is enabled so the host can send one through the serial console.
action_ticker() {
	echo 1 >/proc/sys/kernel/sysrq
	i=0
	while :; do
		echo "@@L2 tick=$i"
		i=$((i + 1))
		usleep 200000
	done
}

# SVE in a loop: sve_probe prints the lengths it sees, then keeps Z0 and
# P0 filled with a known pattern at the longest length.
action_sve_spin() {
	exec sve_probe --spin
}
