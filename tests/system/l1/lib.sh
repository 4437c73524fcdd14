# Helpers for scenarios running inside the nested KVM host (busybox ash).
#
# A scenario file calls `run_test NAME FUNCTION`; FUNCTION returns 0 for a
# pass. Inside it, `lkvm_run` runs lkvm with a timeout and keeps its
# output in $OUT; `fail` records why a test failed.

L2_KERNEL=/guest/Image
L2_INITRD=/guest/initrd.cpio.gz
BM=/guest/bm
# Test-speed choices for the Debian guest kernel: no boot chatter on the
# 8250 (every byte is an exit) and no crypto self-tests; every sysrq key,
# for the backtraces of a guest that stopped answering (guest_postmortem).
L2_PARAMS="quiet cryptomgr.notests sysrq_always_enabled"
LOGDIR=/tmp/logs
mkdir -p "$LOGDIR"

WHY=
fail() {
	WHY="$*"
	return 1
}

# run_test NAME FUNCTION: one result line per test.
run_test() {
	name=$SUITE.$1
	WHY=
	OUT="$LOGDIR/$name.log"
	: >"$OUT"
	start=$(cut -d' ' -f1 /proc/uptime)
	if "$2"; then
		echo "@@RESULT PASS $name ($(elapsed "$start") s)"
	else
		echo "@@RESULT FAIL $name: ${WHY:-failed} ($(elapsed "$start") s)"
		tail -n 80 "$OUT" | sed "s|^|@@LOG $name: |"
	fi
}

elapsed() {
	awk -v s="$1" -v e="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", e - s }'
}

# type_into FORMAT: printf FORMAT into fd 7, a FIFO a background lkvm reads
# as its console. The tests open it read-write (`exec 7<>FIFO`), which
# neither waits for lkvm nor raises SIGPIPE once lkvm is gone; the
# subshell keeps any other failure of the write out of the suite's shell.
type_into() {
	( printf "$1" >&7 ) 2>/dev/null
}

# wait_for FILE TEXT SECONDS: until FILE has a line containing TEXT;
# returns 1 if it has none after SECONDS.
wait_for() {
	n=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		[ $n -ge $(($3 * 5)) ] && return 1
		sleep 0.2
		n=$((n + 1))
	done
}

# lkvm_run TIMEOUT ARGS...: `lkvm ARGS` with output in $OUT, status in $RC.
lkvm_run() {
	t=$1
	shift
	timeout -k 10 "$t" lkvm "$@" </dev/null >>"$OUT" 2>&1
	RC=$?
	return 0
}

# sigterm_when TEXT SECONDS ARGS...: `lkvm ARGS` in the background, output
# in $OUT, sent SIGTERM once a line of $OUT contains TEXT (or after
# SECONDS without one); its status in $RC.
sigterm_when() {
	text=$1
	t=$2
	shift 2
	timeout "$t" lkvm "$@" </dev/null >"$OUT" 2>&1 &
	pid=$!
	wait_for "$OUT" "$text" "$t"
	kill -TERM $pid
	wait $pid
	RC=$?
	return 0
}

# guest_postmortem NAME: what a running VM that stopped answering was
# doing, appended to $OUT (where its console goes) for the failure's
# log: each vcpu's PC, PSTATE, link register and exception registers,
# then the guest kernel's backtraces of every CPU and of its blocked
# tasks, which the sysrq keys print on that console even under `quiet`.
guest_postmortem() {
	echo "@@ postmortem of $1" >>"$OUT"
	timeout -k 5 30 lkvm debug -n "$1" --dump 2>&1 | grep -E \
		'^(vcpu|lkvm)|^  (PC|PSTATE|X30|SP_EL1|ELR_EL1|ESR_EL1|FAR_EL1) ' \
		>>"$OUT"
	for key in l w; do
		timeout -k 5 30 lkvm debug -n "$1" --sysrq $key >/dev/null 2>&1
	done
	sleep 5
}

# run_l2 TIMEOUT ACTION [lkvm run options]: boots the Debian guest whose
# init performs ACTION (see tests/system/l2/init).
run_l2() {
	t=$1
	action=$2
	shift 2
	lkvm_run "$t" run -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$L2_PARAMS lkvm.test=$action" "$@"
}

expect_rc() {
	[ "$RC" = "$1" ] || fail "exit status $RC, expected $1"
}

# expect_line TEXT: a line of $OUT contains TEXT (fixed string).
expect_line() {
	grep -qF -- "$1" "$OUT" || fail "no line with '$1' in the output"
}

expect_no_line() {
	! grep -qF -- "$1" "$OUT" || fail "unexpected line with '$1' in the output"
}

# guest_value KEY: the value of "@@L2 KEY=VALUE" printed by the guest.
guest_value() {
	sed -n "s/.*@@L2 $1=\([^ ]*\).*/\1/p" "$OUT" | tr -d '\r' | head -n 1
}

# export_file NAME PATH: sends a file to the host side of the test
# (tests/system/host-checks), base64-encoded on the console.
export_file() {
	echo "@@FILE-BEGIN $1"
	base64 "$2"
	echo "@@FILE-END $1"
}

# start_vm NAME ACTION READY [lkvm run options]: boots the Debian guest in
# the background as NAME, console in $LOGDIR/NAME.console, its pid in
# $VM_PID; returns once the guest printed READY (within 120 s).
start_vm() {
	vm=$1
	action=$2
	ready=$3
	shift 3
	: >"$LOGDIR/$vm.console"
	lkvm run --name "$vm" -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$L2_PARAMS lkvm.test=$action" "$@" </dev/null \
		>"$LOGDIR/$vm.console" 2>&1 &
	VM_PID=$!
	eval "PID_$(echo "$vm" | tr -c 'a-z0-9\n' _)=$VM_PID"
	wait_for "$LOGDIR/$vm.console" "$ready" 120 ||
		fail "$vm never printed '$ready'" || return
}

# wait_gone PID: until the process has exited (at most 30 s).
wait_gone() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		[ $n -ge 150 ] && return 1
		sleep 0.2
		n=$((n + 1))
	done
}

# ctl ARGS...: `lkvm ARGS` (the control commands) with stdout in $OUT,
# stderr in $ERR, status in $RC, within $CTL_TIMEOUT seconds (90).
ERR=$LOGDIR/ctl.err
ctl() {
	timeout -k 10 "${CTL_TIMEOUT:-90}" lkvm "$@" >"$OUT" 2>"$ERR"
	RC=$?
	cat "$ERR" >>"$LOGDIR/$SUITE.stderr"
}

expect_err_line() {
	grep -qF -- "$1" "$ERR" || fail "no '$1' on stderr: $(head -n 3 "$ERR")"
}

# expect_error TEXT...: lkvm failed with exactly one "lkvm: error:" line
# that contains every TEXT, and printed nothing else on its way out.
expect_error() {
	[ "$RC" != 0 ] || fail "exit status 0 for a bad input" || return
	n=$(grep -c '^lkvm: error:' "$OUT")
	[ "$n" = 1 ] || fail "$n error lines instead of one" || return
	for t in "$@"; do
		grep '^lkvm: error:' "$OUT" | grep -qF -- "$t" ||
			fail "the error line does not mention '$t'" || return
	done
	extra=$(grep -v '^lkvm: error:' "$OUT" | grep -c .)
	[ "$extra" = 0 ] || fail "$extra extra lines besides the error"
}

# Benchmarks (tests/bench). KVMTOOL: the reference VMM, a kvmtool
# binary, when `make bench` was given one (LKVM_BENCH_REF; run.sh puts
# it here); empty otherwise, and the benchmarks measure lkvm alone.
KVMTOOL=
[ -x /usr/bin/lkvm-ref ] && KVMTOOL=/usr/bin/lkvm-ref
BENCH_RUNS=11
# HOME of the VMMs that compare_runs times: kvmtool booting a payload
# without a disk sets up a root file system in ~/.lkvm/default, where
# lkvm sandbox keeps its own.
BENCH_HOME=/tmp/bench-home
mkdir -p "$BENCH_HOME"

# host_speed WHEN: how fast this boot of the nested host runs, printed
# beside every benchmark's figures: the same binary runs from 5 to 7 s
# cold in one boot and another (testing.md, "Reading a benchmark: how fast the boot ran"). A
# fixed user-space workload (sha256sum of 4 MiB of zeros, QEMU's
# translated code) and the floor program's start-up (KVM's own cost),
# medians of 5.
host_speed() {
	local sum floor
	dd if=/dev/zero of=/tmp/speed-4m bs=1048576 count=4 2>/dev/null
	sum=$(timeit 5 sha256sum /tmp/speed-4m)
	floor=$(timeit 5 floor $BM/poweroff.flat 1 256)
	rm -f /tmp/speed-4m
	echo "@@BENCH nested host speed ($1): sha256sum of 4 MiB $(tstat "$sum" wall median) ms, floor start-up $(tstat "$floor" wall median) ms wall (medians of 5)"
}

# tstat LINE WHAT STAT: a figure of a timeit line, e.g. "cpu" "median".
tstat() {
	echo "$1" | awk -v w="$2" -v s="$3" '{
		for (i = 1; i < NF; i++)
			if ($i == w)
				for (j = i + 1; j < NF; j++)
					if ($j == s) { print $(j + 1); exit }
	}'
}

# phase_profile LOG TOTAL FIRST FIRST_NAME TITLE: where the runs' CPU
# went, from their --loglevel debug lines in LOG (each step logs as it
# begins): the CPU time between consecutive lines, the least over the
# runs (on a shared machine the least is the least disturbed). A run
# begins at its line starting with FIRST; what it spent before that line
# is FIRST_NAME, and "exit" what it spent after its last line (TOTAL: the
# least CPU of the whole runs). One "@@BENCH TITLE, CPU ms, least of N)"
# line per step; Documentation/testing.md explains how to read them.
phase_profile() {
	awk -v total="$2" -v first="$3" -v first_name="$4" -v title="$5" '
	/^lkvm: debug: \[/ {
		match($0, /cpu +[0-9.]+ ms\]/)
		cpu = substr($0, RSTART + 4, RLENGTH - 8) + 0
		label = $0
		sub(/^[^]]*\] /, "", label)
		gsub(/[0-9]+/, "N", label)
		if (index(label, first) == 1) { run++; prev = 0; plabel = first_name }
		d[plabel, run] = cpu - prev
		if (!(plabel in seen)) { seen[plabel] = 1; order[n++] = plabel }
		prev = cpu
		plabel = label
		last[run] = cpu
	}
	END {
		for (i = 0; i < n; i++) {
			m = 0
			for (r = 1; r <= run; r++) if ((order[i], r) in d) v[m++] = d[order[i], r]
			printf "@@BENCH %s, CPU ms, least of %d): %7.2f  %s\n", title, run, least(v, m), order[i]
		}
		m = 0
		for (r = 1; r <= run; r++) v[m++] = last[r]
		printf "@@BENCH %s, CPU ms, least of %d): %7.2f  exit (after the last line)\n", title, run, total - least(v, m)
	}
	function least(a, k,    i, x) {
		x = a[0]
		for (i = 1; i < k; i++) if (a[i] < x) x = a[i]
		return k ? x : 0
	}' "$1"
}

# ratio A B: A/B with two decimals; "-" when either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b
	}'
}

# bench_row NAME UNIT LKVM KVMTOOL FLOOR: one line of the table `make
# bench` ends with (run.sh adds the ratios); "-" for what was not
# measured.
bench_row() {
	echo "@@ROW $1|$2|${3:--}|${4:--}|${5:--}"
}

# set_aslr 0|2: address-space randomisation in this host.
set_aslr() {
	echo "$1" >/proc/sys/kernel/randomize_va_space
}

# compare_runs NAME "LKVM COMMAND" "KVMTOOL COMMAND" "FLOOR COMMAND":
# runs the commands (each one string, split at spaces; "" for none)
# BENCH_RUNS times, interleaved, with timeit; reports the median and
# minimum CPU and wall time of each and the ratios, and table rows.
# These runs take well under a second: one still going after 60 s is
# killed and named, and the others are still measured (kvmtool with 8
# vcpus now and then never exits in the nested host).
compare_runs() {
	name=$1
	lk=$2
	kt=$3
	fl=$4
	set -- $lk
	[ -n "$kt" ] && set -- "$@" :: $kt
	[ -n "$fl" ] && set -- "$@" :: $fl
	out=$(HOME=$BENCH_HOME timeit -l 60 "$BENCH_RUNS" "$@")
	l=$(echo "$out" | sed -n 1p)
	k=
	f=
	n=2
	if [ -n "$kt" ]; then
		k=$(echo "$out" | sed -n ${n}p)
		n=$((n + 1))
	fi
	[ -n "$fl" ] && f=$(echo "$out" | sed -n ${n}p)
	for s in "$l" "$k" "$f"; do
		case "$s" in
		*" hung "*)
			echo "@@BENCH $name: runs killed after 60 s: $s" ;;
		esac
		case "$s" in
		"" | *"status 0") ;;
		*) echo "@@BENCH $name: a run failed: $s" ;;
		esac
	done
	for what in cpu wall; do
		a=$(tstat "$l" $what median)
		b=$(tstat "$k" $what median)
		c=$(tstat "$f" $what median)
		line="lkvm $a ms (min $(tstat "$l" $what min))"
		[ -n "$k" ] && line="$line, kvmtool $b ms (min $(tstat "$k" $what min)), lkvm/kvmtool $(ratio "$a" "$b")"
		[ -n "$f" ] && line="$line, floor $c ms (min $(tstat "$f" $what min)), lkvm/floor $(ratio "$a" "$c")"
		echo "@@BENCH $name, $what: $line"
		bench_row "$name, $what" ms "$a" "$b" "$c"
	done
}

# restore_vm CONSOLE [lkvm restore options] DIR: in the background.
restore_vm() {
	log=$1
	shift
	: >"$log"
	lkvm restore "$@" </dev/null >"$log" 2>&1 &
	VM_PID=$!
}

one_error() {
	n=$(grep -c '^lkvm: error:' "$ERR")
	[ "$n" = 1 ] || fail "$n error lines instead of one: $(head -n 3 "$ERR")"
}

# The highest "@@L2 tick=N" in FILE (-1 for none), of a whole line: the
# line the guest is sending may have only part of its number yet.
last_tick() {
	sed -n 's/.*@@L2 tick=\([0-9][0-9]*\)\r.*/\1/p' "$1" | tail -n 1 | grep . || echo -1
}

first_tick() {
	sed -n 's/.*@@L2 tick=\([0-9]*\).*/\1/p' "$1" | head -n 1 | grep . || echo -1
}

# joined_marks KEY FILE...: the numbers N of the guest's "@@L2 KEY=N"
# lines over the consoles of one guest's life (before and after a
# snapshot or a migration) read as one stream: lkvm's own lines left out
# and the line breaks removed, so that a line the hand-over cut in two
# (its start sent to one lkvm's console, its end to the next's) counts.
joined_marks() {
	key=$1
	shift
	for f in "$@"; do
		sed 's/lkvm: [a-z]*: .*//' "$f"
	done | tr -d '\r\n' | grep -ao "@@L2 $key=[0-9]*" | cut -d= -f2
}

# marks_skip KEY FILE...: where the numbers of joined_marks do not go up
# by one ("N, then M"); nothing when each follows the one before: no line
# lost or repeated over the hand-overs.
marks_skip() {
	joined_marks "$@" | awk 'NR > 1 && $1 != p + 1 { print p ", then " $1; exit } { p = $1 }'
}

# wait_tick FILE N SECONDS: until FILE has a tick above N.
wait_tick() {
	n=0
	while [ "$(last_tick "$1")" -le "$2" ]; do
		[ $n -ge $(($3 * 5)) ] && return 1
		sleep 0.2
		n=$((n + 1))
	done
}

# run_suite NAME: scenarios/NAME.sh in a subshell, its results named
# NAME.TEST: a suite that dies (a signal, an exit) costs its own
# remaining tests, not init and every later suite.
run_suite() {
	if [ -f "scenarios/$1.sh" ]; then
		(
			SUITE=$1
			. "./scenarios/$1.sh"
		)
		rc=$?
		[ $rc -lt 128 ] ||
			echo "@@RESULT FAIL $1.suite: the suite's shell died of signal $((rc - 128))"
	else
		echo "@@RESULT FAIL $1: no such suite"
	fi
}
