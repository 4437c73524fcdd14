# Controlling running VMs through $HOME/.lkvm/NAME.sock: lkvm list, stop,
# pause, resume, debug; stale sockets; clients that misbehave.

SOCKDIR=$HOME/.lkvm

ticks() {
	grep -c "@@L2 tick=" "$LOGDIR/$1.console"
}

# An unexpected exit with --debug prints every register KVM lists.
t_run_debug_dump() {
	lkvm_run 90 run -k $BM/nisv.flat -c 1 -m 128 --debug
	[ "$RC" = 1 ] || fail "exit status $RC, expected 1" || return
	expect_line "vcpu 0: KVM_RUN failed" || return
	expect_line "vcpu 0 registers (all " || return
	for r in X0 X30 SP_EL0 PC PSTATE SP_EL1 ELR_EL1 SPSR_EL1 FPSR FPCR \
		SCTLR_EL1 TCR_EL1 TTBR0_EL1 TTBR1_EL1 MAIR_EL1 VBAR_EL1 \
		ESR_EL1 FAR_EL1 CPACR_EL1 MIDR_EL1 CNTVCT_EL0 PSCI_VERSION; do
		grep -q "^  $r  *0x" "$OUT" || fail "no $r in the --debug dump" || return
	done
	expect_line "(id 0x" || return
	# This host offers every SVE length: Z registers at 2048 bits.
	grep -q "^  SVE_VLS  *128,256,384,.*,2048$" "$OUT" || fail "no SVE_VLS line" || return
	z=$(sed -n 's/^  Z31  *0x\([0-9a-f]*\)  (2048 bits)$/\1/p' "$OUT")
	[ ${#z} = 512 ] || fail "Z31 has ${#z} hex digits, not 512" || return
	# Without --debug, only the key registers.
	: >"$OUT"
	lkvm_run 90 run -k $BM/nisv.flat -c 1 -m 128
	expect_line "vcpu 0 registers:" || return
	expect_line "SCTLR_EL1" || return
	expect_no_line "Z31"
}

t_list() {
	start_vm ctl-a ticker "@@L2 tick=3" -c 2 -m 256 || return
	[ -S "$SOCKDIR/ctl-a.sock" ] || fail "no socket $SOCKDIR/ctl-a.sock" || return
	[ "$(stat -c %a "$SOCKDIR")" = 700 ] || fail "$SOCKDIR is not 0700" || return
	ctl list
	expect_rc 0 || return
	expect_line "NAME" || return
	grep -Eq "^ctl-a +$PID_ctl_a +running +2 +256M +128-2048 +[0-9]+:[0-9]{2}:[0-9]{2}$" "$OUT" ||
		fail "no 'ctl-a $PID_ctl_a running 2 256M 128-2048 0:00:..' row: $(grep ctl-a "$OUT")" || return
	ctl list --json
	expect_rc 0 || return
	expect_line "{\"name\":\"ctl-a\",\"pid\":$PID_ctl_a,\"state\":\"running\",\"vcpus\":2,\"memory_bytes\":268435456,\"sve_vector_lengths\":[128,256,384,512,640,768,896,1024,1152,1280,1408,1536,1664,1792,1920,2048],\"uptime_ms\":" || return
	[ "$(head -c 1 "$OUT")" = "[" ] && [ "$(tail -c 2 "$OUT")" = "]" ] ||
		fail "not one JSON array" || return
	cp "$OUT" /tmp/list.json
	export_file list.json /tmp/list.json
}

t_pause_resume() {
	ctl pause -n ctl-a
	expect_rc 0 || return
	expect_line "ctl-a: paused" || return
	before=$(ticks ctl-a)
	sleep 3
	after=$(ticks ctl-a)
	[ "$before" = "$after" ] || fail "$((after - before)) ticks while paused" || return
	ctl list
	grep -Eq "^ctl-a +$PID_ctl_a +paused " "$OUT" || fail "list does not show ctl-a paused" || return
	ctl pause -n ctl-a
	expect_rc 0 || return
	expect_line "ctl-a: already paused" || return
	ctl resume -n ctl-a
	expect_rc 0 || return
	expect_line "ctl-a: resumed" || return
	n=0
	while [ "$(ticks ctl-a)" -le "$after" ] && [ $n -lt 50 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	[ "$(ticks ctl-a)" -gt "$after" ] || fail "no tick within 10 s of resume" || return
	ctl resume -n ctl-a
	expect_rc 0 || return
	expect_line "ctl-a: was not paused"
}

t_sysrq() {
	ctl debug -n ctl-a --sysrq h
	expect_rc 0 || return
	expect_line "ctl-a: sysrq 'h' sent" || return
	wait_for "$LOGDIR/ctl-a.console" "sysrq: HELP" 15 ||
		fail "the guest printed no SysRq help"
}

t_dump_running() {
	ctl debug -n ctl-a --dump
	expect_rc 0 || return
	expect_line "VM ctl-a (pid $PID_ctl_a, running): 2 vcpus, 256 MiB, SVE vector lengths 128,256,384" || return
	expect_line "vcpu 0 registers (all " || return
	expect_line "vcpu 1 registers (all " || return
	for r in X0 X30 SP_EL0 PC PSTATE SP_EL1 ELR_EL1 SPSR_EL1 SCTLR_EL1 \
		TCR_EL1 TTBR0_EL1 TTBR1_EL1 MAIR_EL1 VBAR_EL1 ESR_EL1 FAR_EL1 \
		CPACR_EL1 ZCR_EL1 FPSR FPCR Z0 P15 FFR SVE_VLS; do
		[ "$(grep -c "^  $r  " "$OUT")" = 2 ] || fail "$r not shown once per vcpu" || return
	done
	# Linux is running: its vector table is at a kernel address.
	grep -Eq "^  VBAR_EL1 +0xffff[0-9a-f]{12}$" "$OUT" || fail "VBAR_EL1 is no kernel address" || return
	# The dump paused the guest only for the moment it took.
	t=$(ticks ctl-a)
	wait_for "$LOGDIR/ctl-a.console" "@@L2 tick=$((t + 2))" 10 ||
		fail "the guest stopped ticking after the dump" || return
	ctl list
	grep -Eq "^ctl-a +$PID_ctl_a +running " "$OUT" || fail "ctl-a is not running after the dump"
}

t_hostile_clients() {
	sock=$SOCKDIR/ctl-a.sock
	ctlpoke garbage "$sock" >"$OUT" 2>&1
	expect_line "reply type=0x85 status=-74 message=not an lkvm control request" || return
	ctlpoke version "$sock" >"$OUT" 2>&1
	expect_line "message=protocol version 99 is not supported: this VM's lkvm speaks version 1" || return
	ctlpoke partial "$sock" >"$OUT" 2>&1
	expect_line "hung up" || return
	# A client that never sends anything, one that never reads its
	# reply: others are served meanwhile and the guest keeps running.
	ctlpoke stall "$sock" 9 >"$LOGDIR/stall.out" 2>&1 &
	stall=$!
	ctlpoke noread "$sock" 12 >"$LOGDIR/noread.out" 2>&1 &
	noread=$!
	sleep 1
	ctl list
	grep -Eq "^ctl-a +$PID_ctl_a +running " "$OUT" || fail "list failed while a client stalled" || return
	# Served while the silent client still held its connection, not
	# after the VM dropped it.
	! grep -q "closed by the VM" "$LOGDIR/stall.out" ||
		fail "list was answered only once the stalled client was dropped" || return
	t=$(ticks ctl-a)
	wait_for "$LOGDIR/ctl-a.console" "@@L2 tick=$((t + 3))" 10 ||
		fail "the guest stopped ticking next to bad clients" || return
	wait $stall
	grep -Eq "closed by the VM after [4-7][0-9]{3} ms" "$LOGDIR/stall.out" ||
		fail "a silent client was not dropped after 5 s: $(cat "$LOGDIR/stall.out")" || return
	wait $noread
	# A valid request sent one byte every 100 ms is still served.
	ctlpoke info "$sock" >"$OUT" 2>&1
	expect_line "reply type=0x81 status=0" || return
	kill -0 "$PID_ctl_a" || fail "the VM died" || return
	ctl list
	grep -Eq "^ctl-a +$PID_ctl_a +running " "$OUT" || fail "ctl-a is not listed as running"
}

# Z0's pattern from sve_probe --spin at 256 bits: bytes 0x01..0x20.
Z0_256=0x201f1e1d1c1b1a191817161514131211100f0e0d0c0b0a090807060504030201

t_sve_dump() {
	start_vm ctl-sve sve_spin "@@L2 sve_vls=128,256" -c 1 -m 256 --sve-vls=128,256 || return
	sleep 1
	for try in 1 2 3; do
		ctl debug -n ctl-sve --dump
		expect_rc 0 || return
		grep -q "^  Z0  *$Z0_256  (256 bits)$" "$OUT" && break
		sleep 1
	done
	expect_line "SVE vector lengths 128,256 bits; Z, P and FFR shown at 256 bits" || return
	grep -q "^  Z0  *$Z0_256  (256 bits)$" "$OUT" ||
		fail "Z0 is not the probe's pattern at 256 bits: $(grep '^  Z0 ' "$OUT")" || return
	grep -q "^  P0  *0xffffffff$" "$OUT" || fail "P0 is not all-true at 256 bits" || return
	grep -q "^  SVE_VLS  *128,256$" "$OUT" || fail "SVE_VLS is not 128,256" || return
	cp "$OUT" /tmp/dump-sve.txt
	export_file dump-sve.txt /tmp/dump-sve.txt
	# Every Z register at 256 bits (64 hex digits), every P at 32.
	bad=$(awk '/^  Z[0-9]+ / && length($2) != 66 { print $1 } /^  P[0-9]+ / && length($2) != 10 { print $1 }' "$OUT")
	[ -z "$bad" ] || fail "wrong width: $bad" || return
	[ "$(grep -c '^  Z[0-9]* ' "$OUT")" = 32 ] || fail "not 32 Z registers" || return
	for try in 1 2 3; do
		ctl debug -n ctl-sve --dump --json
		expect_rc 0 || return
		grep -qF "{\"name\":\"Z0\",\"id\":\"0x6080000000150000\",\"bits\":256,\"value\":\"$Z0_256\"}" "$OUT" && break
		sleep 1
	done
	expect_line "{\"name\":\"Z0\",\"id\":\"0x6080000000150000\",\"bits\":256,\"value\":\"$Z0_256\"}" || return
	expect_line "\"name\":\"ctl-sve\"" || return
	expect_line "\"sve_vector_lengths\":[128,256],\"sve_max_bits\":256" || return
	expect_line "{\"name\":\"FFR\",\"id\":\"0x6050000000150600\",\"bits\":32," || return
	expect_line "{\"name\":\"SVE_VLS\",\"id\":\"0x606000000015ffff\",\"bits\":512,\"value\":\"0x" || return
	expect_line "\"vector_lengths\":[128,256]}" || return
	[ "$(tail -c 2 "$OUT" | head -c 1)" = "}" ] || fail "JSON does not end with }" || return
	cp "$OUT" /tmp/dump-sve.json
	export_file dump-sve.json /tmp/dump-sve.json
	# -a: one array of every VM's dump.
	ctl debug -a --dump --json
	expect_rc 0 || return
	cp "$OUT" /tmp/dump-all.json
	export_file dump-all.json /tmp/dump-all.json
}

t_all() {
	ctl pause -a
	expect_rc 0 || return
	expect_line "ctl-a: paused" || return
	expect_line "ctl-sve: paused" || return
	ctl list --json
	[ "$(grep -o '"state":"paused"' "$OUT" | wc -l)" = 2 ] || fail "not both paused" || return
	ctl resume -a
	expect_line "ctl-a: resumed" || return
	expect_line "ctl-sve: resumed" || return
	# A paused VM stops as well as a running one.
	ctl pause -n ctl-a
	expect_line "ctl-a: paused" || return
	ctl stop -a
	expect_rc 0 || return
	expect_line "ctl-a: stopped" || return
	expect_line "ctl-sve: stopped" || return
	# `lkvm stop` returned once the VMs had gone: the runs ended with 0.
	wait "$PID_ctl_a"
	rc=$?
	[ $rc = 0 ] || fail "ctl-a's lkvm run exited with $rc" || return
	wait "$PID_ctl_sve"
	rc=$?
	[ $rc = 0 ] || fail "ctl-sve's lkvm run exited with $rc" || return
	grep -q "stop requested (lkvm stop)" "$LOGDIR/ctl-a.console" || fail "no stop message from ctl-a" || return
	[ ! -e "$SOCKDIR/ctl-a.sock" ] && [ ! -e "$SOCKDIR/ctl-sve.sock" ] ||
		fail "sockets left behind: $(ls "$SOCKDIR")" || return
	ctl list
	[ "$(wc -l <"$OUT")" = 1 ] || fail "list still shows VMs: $(cat "$OUT")"
}

t_stale_socket() {
	start_vm ctl-stale sleep "@@L2 sleeping" -c 1 -m 256 || return
	kill -9 "$VM_PID"
	wait "$VM_PID"
	[ -S "$SOCKDIR/ctl-stale.sock" ] || fail "kill -9 left no socket to test with" || return
	# list: not shown, cleaned up, said so on stderr.
	ctl list
	expect_rc 0 || return
	expect_no_line "ctl-stale" || return
	expect_err_line "removed the stale socket" || return
	[ ! -e "$SOCKDIR/ctl-stale.sock" ] || fail "list left the stale socket" || return
	# run --name: takes the name over.
	start_vm ctl-stale sleep "@@L2 sleeping" -c 1 -m 256 || return
	kill -9 "$VM_PID"
	wait "$VM_PID"
	start_vm ctl-stale sleep "@@L2 sleeping" -c 1 -m 256 || return
	grep -q "removed the stale control socket" "$LOGDIR/ctl-stale.console" ||
		fail "run did not say it replaced the stale socket" || return
	ctl list
	grep -Eq "^ctl-stale +$VM_PID +running " "$OUT" || fail "the new ctl-stale is not listed"
}

t_name_in_use() {
	lkvm_run 30 run --name ctl-stale -k $BM/hello.flat -c 1 -m 128
	expect_error "--name ctl-stale" "already running (pid $PID_ctl_stale)" || return
	expect_no_line "baremetal:" || return
	[ -S "$SOCKDIR/ctl-stale.sock" ] || fail "the refused run removed the live VM's socket"
}

t_sigterm_removes_socket() {
	# Paused first: parked vcpus must not hold up the orderly stop.
	ctl pause -n ctl-stale
	expect_line "ctl-stale: paused" || return
	kill -TERM "$PID_ctl_stale"
	wait "$PID_ctl_stale"
	rc=$?
	[ $rc = 143 ] || fail "exit status $rc after SIGTERM" || return
	[ ! -e "$SOCKDIR/ctl-stale.sock" ] || fail "SIGTERM left the socket behind"
}

# Without a usable $HOME/.lkvm the guest still runs, and lkvm says why it
# cannot be controlled.
t_no_home() {
	env -u HOME lkvm run -k $BM/hello.flat -c 1 -m 128 </dev/null >"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	expect_line "lkvm: warning: no control socket (HOME is not set)" || return
	expect_line "baremetal: cpus=1" || return
	HOME=/proc lkvm run -k $BM/hello.flat -c 1 -m 128 </dev/null >"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	expect_line "lkvm: warning: no control socket (cannot create /proc/.lkvm" || return
	expect_line "baremetal: cpus=1"
}

t_usage_errors() {
	ctl stop
	expect_rc 129 || return
	expect_err_line "-n NAME, or -a" || return
	ctl stop -n no-such-vm
	expect_rc 1 || return
	[ "$(grep -c '^lkvm: error:' "$ERR")" = 1 ] || fail "not one error line" || return
	expect_err_line "no VM named 'no-such-vm' is running" || return
	ctl pause -n 'a/b'
	expect_rc 1 || return
	expect_err_line "--name 'a/b'" || return
	ctl debug -n x
	expect_rc 129 || return
	ctl debug -n x --sysrq hh
	expect_rc 1 || return
	expect_err_line "--sysrq 'hh'" || return
	ctl stop -a
	expect_rc 0 || return
	[ ! -s "$OUT" ] || fail "stop -a with no VM printed something"
}

run_test run-debug-dump t_run_debug_dump
run_test list t_list
run_test pause-resume t_pause_resume
run_test sysrq t_sysrq
run_test dump-running t_dump_running
run_test hostile-clients t_hostile_clients
run_test sve-dump t_sve_dump
run_test all-vms t_all
run_test stale-socket t_stale_socket
run_test name-in-use t_name_in_use
run_test sigterm-removes-socket t_sigterm_removes_socket
run_test no-home t_no_home
run_test usage-errors t_usage_errors
