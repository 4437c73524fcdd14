# Where a warm `lkvm sandbox -- true` spends its CPU (runs inside the
# nested host): its --loglevel debug steps (phase_profile,
# Documentation/testing.md, "Where start-up time goes"), the least of 5
# runs per step, after a run that saves the template if there is none. Apart from
# sandbox.sh so that it can run alone, e.g. counting instructions:
#   LKVM_L1_SMP=1 LKVM_L1_ICOUNT=0 tests/system/run.sh --bench sandbox-phases
SB="lkvm sandbox -k $L2_KERNEL -c 1 -m 256 -p cryptomgr.notests"
$SB -- true </dev/null >/dev/null 2>&1
rm -f /tmp/bench-phases.log
out=$(timeit -e /tmp/bench-phases.log 5 $SB --loglevel debug -- true)
# Other threads' lines come in another order in each run: the main
# thread's steps only, and the status line (always after the vcpus start).
grep -v -e "seccomp: " -e "control: listening" -e "console input" \
	-e "handed over" -e "first output" /tmp/bench-phases.log >/tmp/bench-phases-main.log
echo "@@BENCH sandbox warm phases (true): $out"
phase_profile /tmp/bench-phases-main.log "$(tstat "$out" cpu min)" \
	"sandbox: options parsed" "exec, libc, options" "sandbox warm phase (true"
rm -f /tmp/bench-phases.log /tmp/bench-phases-main.log
