# Helpers for scenarios running inside the nested KVM host (busybox ash).
#
# A scenario file calls `run_test NAME FUNCTION`; FUNCTION returns 0 for a
# pass. Inside it, `lkvm_run` runs lkvm with a timeout and keeps its
# output in $OUT; `fail` records why a test failed.

L2_KERNEL=/guest/Image
L2_INITRD=/guest/initrd.cpio.gz
BM=/guest/bm
# Test-speed choices for the Debian guest kernel: no boot chatter on the
# 8250 (every byte is an exit) and no crypto self-tests.
L2_PARAMS="quiet cryptomgr.notests"
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
		tail -n 40 "$OUT" | sed "s|^|@@LOG $name: |"
	fi
}

elapsed() {
	awk -v s="$1" -v e="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", e - s }'
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
	timeout "$t" lkvm "$@" </dev/null >>"$OUT" 2>&1
	RC=$?
	return 0
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

# Helpers for suites that run VMs in the background and drive them with
# lkvm's control commands (snapshot, migrate).

# start_vm NAME ACTION READY [lkvm run options]: boots the Debian guest
# as VM NAME in the background (its pid in VM_PID) until its console has
# READY.
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
	wait_for "$LOGDIR/$vm.console" "$ready" 120 ||
		fail "$vm never printed '$ready'"
}

# restore_vm CONSOLE [lkvm restore options] DIR: in the background.
restore_vm() {
	log=$1
	shift
	: >"$log"
	lkvm restore "$@" </dev/null >"$log" 2>&1 &
	VM_PID=$!
}

# ctl ARGS...: lkvm ARGS, stdout and stderr in $OUT, stderr in $ERR.
ERR=$LOGDIR/ctl.err
ctl() {
	timeout 300 lkvm "$@" >"$OUT" 2>"$ERR"
	RC=$?
	cat "$ERR" >>"$OUT"
}

expect_err_line() {
	grep -qF -- "$1" "$ERR" || fail "no '$1' on stderr: $(head -n 3 "$ERR")"
}

one_error() {
	n=$(grep -c '^lkvm: error:' "$ERR")
	[ "$n" = 1 ] || fail "$n error lines instead of one: $(head -n 3 "$ERR")"
}

# The highest "@@L2 tick=N" in FILE (-1 for none).
last_tick() {
	sed -n 's/.*@@L2 tick=\([0-9]*\).*/\1/p' "$1" | tail -n 1 | grep . || echo -1
}

first_tick() {
	sed -n 's/.*@@L2 tick=\([0-9]*\).*/\1/p' "$1" | head -n 1 | grep . || echo -1
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

wait_gone() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		[ $n -ge 150 ] && return 1
		sleep 0.2
		n=$((n + 1))
	done
}
