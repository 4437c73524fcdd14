# Startup benchmark (runs inside the nested host): wall-clock time from
# exec of `lkvm run` to its exit, for a bare-metal payload that powers off
# at once. Median of several runs; numbers only, no thresholds.
# Reference: kvmtool needs about 105 ms (best of 5) for the 1-vcpu case in
# the same nested host. Without -n every run starts passt for the default
# NIC, as kvmtool starts its user-mode stack; the "no NIC" line shows
# what that costs.
runs=11
for cfg in "1 256M" "8 4G"; do
	set -- $cfg
	r=$(timeit $runs lkvm run -k $BM/poweroff.flat -c "$1" -m "$2" --loglevel error)
	echo "@@BENCH startup ${1}vcpu-${2}: $r"
done
r=$(timeit $runs lkvm run -k $BM/poweroff.flat -c 1 -m 256M --loglevel error --network mode=none)
echo "@@BENCH startup 1vcpu-256M, no NIC (--network mode=none): $r"
# lkvm is a static PIE: every run maps its code at a new address, and
# QEMU's TCG, which runs the nested host, translates all of it again.
# The same case with address randomisation off in the nested host shows
# what that costs (nothing on real hardware, where no code is translated).
if [ -w /proc/sys/kernel/randomize_va_space ]; then
	aslr=$(cat /proc/sys/kernel/randomize_va_space)
	echo 0 >/proc/sys/kernel/randomize_va_space
	r=$(timeit $runs lkvm run -k $BM/poweroff.flat -c 1 -m 256M --loglevel error --network mode=none)
	echo "$aslr" >/proc/sys/kernel/randomize_va_space
	echo "@@BENCH startup 1vcpu-256M, no NIC, no address randomisation: $r"
fi
