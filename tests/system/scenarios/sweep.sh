# lkvm sve sweep on the SVE hosts (tests/system/hosts.conf): sandboxes of
# the Debian kernel, its modules next to it (as in scenarios/sandbox.sh),
# once per set. The command reads the guest kernel's default vector
# length, which it caps at the set's maximum: 16 to 64 bytes here.
# A sandbox boot takes seconds nested: few sweeps, short ones.

SWEEP_LOGS=/tmp/sweep-logs
VL_CMD='vl=$(cat /proc/sys/abi/sve_default_vector_length) || exit 3; echo "vl=$((vl * 8))"'

# sweep TIMEOUT ARGS...: the report (stdout) in $REPORT, stderr in $OUT.
sweep() {
	t=$1
	shift
	REPORT=$OUT.report
	timeout "$t" lkvm sve sweep -k "$L2_KERNEL" -c 1 -m 256 \
		-p cryptomgr.notests -n mode=none "$@" </dev/null >"$REPORT" 2>>"$OUT"
	RC=$?
	sed 's/^/report: /' "$REPORT" >>"$OUT"
}

# expect_row SET RESULT STATUS [LAST LINE]: the table has that row.
expect_row() {
	grep -qE "^$1 +$2 +$3 +[0-9.]+s${4:+  $4}\$" "$REPORT" ||
		fail "no row '$1 $2 $3${4:+ ... $4}' in the table"
}

# vq4: fails at 512 bits only; exactly that row is marked, exit 1; the
# log of every run shows the length its guest had.
t_fails_at_512() {
	rm -rf $SWEEP_LOGS
	sweep 900 --logs $SWEEP_LOGS -- sh -c "$VL_CMD"'
		[ "$vl" != 64 ] || { echo "broken at 512"; exit 7; }'
	expect_rc 1 || return
	expect_row 128 pass "exit 0" vl=128 || return
	expect_row 128,256 pass "exit 0" vl=256 || return
	expect_row 128,256,384 pass "exit 0" vl=384 || return
	expect_row 128,256,384,512 FAIL "exit 7" "broken at 512" || return
	[ "$(grep -c FAIL "$REPORT")" = 1 ] || fail "more than one row failed" || return
	grep -qx "sweep: 3 of 4 sets passed; failed: 128,256,384,512" "$REPORT" ||
		fail "no summary naming 512" || return
	for log in 01-128:128 02-128,256:256 03-128,256,384:384 04-128,256,384,512:512; do
		grep -qx "vl=${log#*:}" "$SWEEP_LOGS/${log%:*}.log" ||
			fail "${log%:*}.log has no line vl=${log#*:}" || return
	done
}

# The same command without the failure: exit 0, and the JSON report.
t_passes_json() {
	sweep 900 --json -- sh -c "$VL_CMD"
	expect_rc 0 || return
	[ "$(grep -c '"result": "pass"' "$REPORT")" = 4 ] || fail "not four passing runs" || return
	for vl in 128 256 384 512; do
		grep -qF "\"last_line\": \"vl=$vl\"" "$REPORT" || fail "no run saw vl=$vl" || return
	done
	grep -qx '  "exit_status": 0' "$REPORT" || fail "the document's exit status is not 0"
}

# Every set is checked before the first run.
t_impossible_set() {
	rm -rf $SWEEP_LOGS
	lkvm_run 60 sve sweep --logs $SWEEP_LOGS --sets "128;128,512" -- true
	expect_rc 2 || return
	expect_error "--sve-vls=128,512 is not possible on this host: KVM cannot hide 256 and 384 below 512" || return
	[ ! -e $SWEEP_LOGS ] || fail "runs started before the refusal"
}

t_bad_sets() {
	lkvm_run 30 sve sweep --sets "128;100" -- true
	expect_rc 2 || return
	expect_error "--sets=128;100: '100': SVE vector lengths are multiples of 128 bits" || return
	: >"$OUT"
	lkvm_run 30 sve sweep --sve-vls=128 -- true
	expect_rc 2 || return
	expect_error "each run gets its own --sve-vls"
}

t_no_sve() {
	lkvm_run 60 sve sweep -- true
	expect_rc 2 || return
	expect_error "this host has no SVE for guests"
}

# pow2 {128,256,512}: --fail-fast stops at the first failure.
t_fail_fast() {
	sweep 300 --fail-fast -- sh -c "$VL_CMD; exit 5"
	expect_rc 1 || return
	expect_row 128 FAIL "exit 5" vl=128 || return
	grep -qE '^128,256 +- +not run +-$' "$REPORT" || fail "128,256 ran" || return
	grep -qE '^128,256,512 +- +not run +-$' "$REPORT" || fail "128,256,512 ran" || return
	grep -qx "sweep: 0 of 3 sets passed; failed: 128; not run: 2" "$REPORT" ||
		fail "no summary with the sets not run"
}

# SIGINT to the sweep stops the run in progress and the sweep: exit 130,
# the table so far, no lkvm left behind.
t_interrupt() {
	rm -rf $SWEEP_LOGS
	REPORT=$OUT.report
	lkvm sve sweep -k "$L2_KERNEL" -c 1 -m 256 -p cryptomgr.notests \
		-n mode=none --logs $SWEEP_LOGS -- sh -c 'echo started; exec sleep 600' \
		</dev/null >"$REPORT" 2>>"$OUT" &
	pid=$!
	(sleep 400 && kill -KILL $pid) 2>/dev/null &
	watchdog=$!
	if wait_for "$SWEEP_LOGS/01-128.log" started 300; then
		kill -INT $pid
	else
		fail "the first run never started"
	fi
	wait $pid
	RC=$?
	kill $watchdog 2>/dev/null
	sed 's/^/report: /' "$REPORT" >>"$OUT"
	[ -z "$WHY" ] || return 1
	expect_rc 130 || return
	expect_row 128 FAIL 'exit 130 \(SIGINT\)' started || return
	grep -qE '^128,256 +- +not run' "$REPORT" || fail "128,256 ran" || return
	grep -q "stopped by SIGINT" "$REPORT" || fail "no word of the interruption" || return
	! pidof lkvm >/dev/null || fail "lkvm processes left: $(pidof lkvm)"
}

run_test bad-sets t_bad_sets
case "$host" in
sve-vq4)
	run_test impossible-set t_impossible_set
	run_test fails-at-512 t_fails_at_512
	run_test passes-json t_passes_json
	;;
sve-pow2)
	run_test fail-fast t_fail_fast
	run_test interrupt t_interrupt
	;;
sve-off)
	run_test no-sve t_no_sve
	;;
esac
