# Start-up and tear-down benchmark (runs inside the nested host): a
# bare-metal payload that powers off at once, from exec to exit. CPU time
# (user + system of the VMM and its threads) and wall time, lkvm beside
# kvmtool (when make bench has one, LKVM_BENCH_REF) and beside tests/
# bench/floor.c, the least a VMM can do for this payload; all three
# interleaved in one nested-host boot. Numbers only, no thresholds.
#
# The first cases run with address-space randomisation off in the nested
# host: lkvm is a static PIE (kvmtool's static build is not), so with it
# on, QEMU's TCG translates lkvm's code again at every start, a cost real
# hardware does not have. The randomised cases follow, as users run it.
P=$BM/poweroff.flat
kt() {
	[ -n "$KVMTOOL" ] && echo "$KVMTOOL run -k $P --console serial $*"
}

set_aslr 0
compare_runs "startup 1 vcpu 256 MiB, no ASLR" \
	"lkvm run -k $P -c 1 -m 256" "$(kt -c 1 -m 256)" "floor $P 1 256"
compare_runs "startup 8 vcpus 4 GiB, no ASLR" \
	"lkvm run -k $P -c 8 -m 4096" "$(kt -c 8 -m 4096)" "floor $P 8 4096"
compare_runs "startup 1 vcpu 256 MiB no NIC, no ASLR" \
	"lkvm run -k $P -c 1 -m 256 --network mode=none" \
	"$(kt -c 1 -m 256 --network mode=none)" "floor $P 1 256"
# kvmtool without a disk or initrd also sets up a root file system in
# ~/.lkvm/default and two 9p devices; --nodefaults leaves them out.
[ -n "$KVMTOOL" ] && compare_runs "startup 1 vcpu 256 MiB, kvmtool --nodefaults, no ASLR" \
	"lkvm run -k $P -c 1 -m 256" "$(kt -c 1 -m 256 --nodefaults)" ""
# What lkvm's default NIC (passt) costs: the same runs, interleaved.
out=$(timeit "$BENCH_RUNS" lkvm run -k $P -c 1 -m 256 :: \
	lkvm run -k $P -c 1 -m 256 --network mode=none)
nic=$(tstat "$(echo "$out" | sed -n 1p)" cpu median)
none=$(tstat "$(echo "$out" | sed -n 2p)" cpu median)
d=$(awk -v a="$nic" -v b="$none" 'BEGIN { printf "%.1f", a - b }')
echo "@@BENCH startup default NIC over --network mode=none, no ASLR: $d ms CPU ($nic against $none, medians)"
bench_row "startup: default NIC's extra CPU, no ASLR" ms "$d"

# Where lkvm's time goes: the CPU time between consecutive --loglevel
# debug lines (each build step logs as it begins), the least of 7 runs
# (on a shared machine the least is the least disturbed); "exit" is what
# the process spends after its last line (exit_group()). Documentation/
# testing.md explains how to read it.
rm -f /tmp/bench-phases.log
out=$(timeit -e /tmp/bench-phases.log 7 lkvm run -k $P -c 1 -m 256 --loglevel debug)
total=$(tstat "$out" cpu min)
phase_profile /tmp/bench-phases.log "$total" "run: options parsed" \
	"exec, libc, options" "startup phase (1 vcpu"

set_aslr 2
compare_runs "startup 1 vcpu 256 MiB, ASLR" \
	"lkvm run -k $P -c 1 -m 256" "$(kt -c 1 -m 256)" "floor $P 1 256"
compare_runs "startup 8 vcpus 4 GiB, ASLR" \
	"lkvm run -k $P -c 8 -m 4096" "$(kt -c 8 -m 4096)" "floor $P 8 4096"
