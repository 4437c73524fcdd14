# Booting real guests: the Debian arm64 kernel with a busybox initramfs,
# and bare-metal payloads (guest/baremetal) for the boot contract.

t_linux_1cpu() {
	run_l2 120 report -c 1 -m 512
	expect_rc 0 || return
	[ "$(guest_value nproc)" = 1 ] || fail "guest saw $(guest_value nproc) cpus" || return
	mem=$(guest_value memtotal_kb)
	# 512 MiB minus what the kernel keeps for itself.
	[ "${mem:-0}" -gt 400000 ] && [ "$mem" -le 524288 ] ||
		fail "guest MemTotal ${mem} kB for --mem 512" || return
	expect_line "@@L2 cmdline=console=ttyS0+quiet" || return
	expect_line "guest requested power-off"
}

t_linux_2cpu() {
	run_l2 120 report -c 2 -m 512
	expect_rc 0 || return
	[ "$(guest_value nproc)" = 2 ] || fail "guest saw $(guest_value nproc) cpus"
}

t_linux_pmu() {
	run_l2 120 report -c 2 -m 256 --pmu
	expect_rc 0 || return
	[ "$(guest_value pmu)" = 1 ] || fail "no armv8 PMU driver bound in the guest" || return
	: >"$OUT"
	run_l2 120 report -c 1 -m 256
	[ "$(guest_value pmu)" = 0 ] || fail "a PMU without --pmu"
}

# The guest's clock is the host's. The RTC reads between the host's
# clock before and after the run; the kernel set the system clock from
# it at boot (CONFIG_RTC_HCTOSYS) to the middle of its second, so date,
# read between two reads of the RTC, is within a second of both.
t_linux_clock() {
	t0=$(date +%s)
	run_l2 120 clock -c 1 -m 256
	t1=$(date +%s)
	expect_rc 0 || return
	expect_line "@@L2 rtc_driver=rtc-pl031" || return
	expect_line "@@L2 hctosys=1" || return
	rtc=$(guest_value hwclock)
	[ "${rtc:-0}" -ge "$t0" ] && [ "$rtc" -le "$t1" ] ||
		fail "hwclock -r says '$rtc', the host's clock went from $t0 to $t1" || return
	a=$(guest_value rtc_before)
	now=$(guest_value date)
	b=$(guest_value rtc_after)
	[ "${a:-0}" -ge "$t0" ] && [ "${b:-0}" -le "$t1" ] ||
		fail "the RTC read '$a' and '$b', the host's clock went from $t0 to $t1" || return
	[ "${now:-0}" -ge $((a - 1)) ] && [ "$now" -le $((b + 1)) ] ||
		fail "date says '$now' between RTC reads of '$a' and '$b'"
}

# A guest that sets the RTC reads back its own time, ticking on; the
# host's clock stays where it was.
t_linux_clock_set() {
	t0=$(date +%s)
	run_l2 120 clock_set -c 1 -m 256
	t1=$(date +%s)
	expect_rc 0 || return
	a=$(guest_value first)
	b=$(guest_value second)
	[ "${a:-0}" -ge 1000000000 ] && [ "${b:-0}" -gt "$a" ] &&
		[ "$b" -le $((1000000000 + t1 - t0 + 1)) ] ||
		fail "the RTC read '$a' then '$b' after being set to 1000000000" || return
	[ "$t1" -ge "$t0" ] || fail "the host's clock went back from $t0 to $t1"
}

t_linux_reboot() {
	run_l2 120 reboot -c 1 -m 256
	expect_rc 0 || return
	expect_line "@@L2 rebooting" || return
	expect_line "guest requested reset"
}

t_linux_console_input() {
	fifo=/tmp/console-in
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout 120 lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 1 -m 256 \
		-p "$L2_PARAMS lkvm.test=echo-input" <"$fifo" >"$OUT" 2>&1 &
	pid=$!
	# Read-write, so the open does not wait for lkvm: a SIGCHLD (this
	# shell is init and inherits orphans) would interrupt a waiting open,
	# and a failed exec ends the shell.
	exec 7<>"$fifo"
	wait_for "$OUT" "@@L2 ready-for-input" 120
	sleep 0.5
	type_into 'typed on the host\n'
	wait $pid
	RC=$?
	exec 7>&-
	expect_rc 0 || return
	expect_line "@@L2 got=typed on the host"
}

t_linux_sigterm() {
	sigterm_when "@@L2 sleeping" 120 run -k "$L2_KERNEL" -i "$L2_INITRD" \
		-c 1 -m 256 -p "$L2_PARAMS lkvm.test=sleep"
	expect_rc 143 || return
	expect_line "received signal 15"
}

t_ctrl_a_x() {
	(sleep 1; printf 'abc\001x') | timeout 60 lkvm run -k "$L2_KERNEL" \
		-i "$L2_INITRD" -c 1 -m 256 -p "$L2_PARAMS lkvm.test=sleep" \
		>"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	expect_line "Ctrl-A x typed"
}

# A terminal: raw while the guest runs, input reaches the guest, Ctrl-A x
# quits, and the settings are restored on the way out.
t_terminal() {
	# Ctrl-A x once the guest has echoed the rest: it stops lkvm at once.
	ptyrun "echo ready" "hello" --then "hello" "$(printf '\001')x" -- \
		lkvm run -k $BM/echo.flat -c 1 -m 64 >"$OUT" 2>&1
	expect_line "raw_while_running=1 restored=1 status=0" || return
	expect_line "hello" || return
	expect_line "Ctrl-A x typed"
}

t_terminal_guest_quits() {
	ptyrun "echo ready" "abq" -- lkvm run -k $BM/echo.flat -c 1 -m 64 >"$OUT" 2>&1
	expect_line "raw_while_running=1 restored=1 status=0" || return
	expect_line "baremetal: echo done"
}

t_terminal_after_crash() {
	# Even a fatal signal leaves the terminal usable.
	ptyrun "echo ready" "" --signal 11 -- lkvm run -k $BM/echo.flat -c 1 -m 64 >"$OUT" 2>&1
	expect_line "raw_while_running=1 restored=1 status=139" || return
	# The crash report says who sent it (not lkvm's own fault).
	expect_line "lkvm: fatal: SIGSEGV sent by process "
}

t_terminal_sigterm() {
	ptyrun "echo ready" "" --signal 15 -- lkvm run -k $BM/echo.flat -c 1 -m 64 >"$OUT" 2>&1
	expect_line "raw_while_running=1 restored=1 status=143"
}

t_baremetal_flat() {
	lkvm_run 30 run -k $BM/hello.flat -c 2 -m 256
	expect_rc 0 || return
	expect_line "baremetal: el=1 daif=0x00000000000003c0" || return
	expect_line "baremetal: dtb=0x0000000080200000 magic=ok" || return
	expect_line "baremetal: cpus=2" || return
	expect_line "guest requested power-off"
}

t_baremetal_image() {
	lkvm_run 30 run $BM/hello.img -c 1 -m 128
	expect_rc 0 || return
	expect_line "baremetal: dtb=0x0000000080200000 magic=ok" || return
	expect_line "baremetal: cpus=1"
}

t_baremetal_default_cpus() {
	lkvm_run 30 run -k $BM/hello.flat
	expect_rc 0 || return
	expect_line "baremetal: cpus=$(nproc)"
}

# The PL031 as kvm-unit-tests' pl031 test checks it, and more
# (guest/baremetal/prog_rtc.c); --no-rtc leaves its window empty.
t_baremetal_rtc() {
	lkvm_run 180 run -k $BM/rtc.flat -c 1 -m 64 --network mode=none
	expect_rc 0 || return
	expect_no_line "rtc: FAIL" || return
	expect_line "rtc: done, 0 failures" || return
	: >"$OUT"
	lkvm_run 30 run -k $BM/rtc.flat -c 1 -m 64 --network mode=none --no-rtc
	expect_rc 0 || return
	expect_line "rtc: no PL031"
}

t_baremetal_reset() {
	lkvm_run 30 run -k $BM/reset.flat -m 128
	expect_rc 0 || return
	expect_line "guest requested reset"
}

t_unexpected_exit() {
	lkvm_run 30 run -k $BM/nisv.flat -c 1 -m 128
	[ "$RC" != 0 ] || fail "lkvm exited 0 after the vcpu failed" || return
	[ "$RC" != 124 ] || fail "lkvm hung" || return
	expect_line "vcpu 0: KVM_RUN failed" || return
	expect_line "vcpu 0 registers:" || return
	expect_line "PC                 0x00000000800800" || return
	expect_no_line "NOT REACHED"
}

run_test linux-1cpu t_linux_1cpu
run_test linux-2cpu t_linux_2cpu
run_test linux-pmu t_linux_pmu
run_test linux-clock t_linux_clock
run_test linux-clock-set t_linux_clock_set
run_test linux-reboot t_linux_reboot
run_test linux-console-input t_linux_console_input
run_test linux-sigterm t_linux_sigterm
run_test ctrl-a-x t_ctrl_a_x
run_test terminal t_terminal
run_test terminal-guest-quits t_terminal_guest_quits
run_test terminal-after-crash t_terminal_after_crash
run_test terminal-sigterm t_terminal_sigterm
run_test baremetal-flat t_baremetal_flat
run_test baremetal-image t_baremetal_image
run_test baremetal-default-cpus t_baremetal_default_cpus
run_test baremetal-rtc t_baremetal_rtc
run_test baremetal-reset t_baremetal_reset
run_test unexpected-exit t_unexpected_exit
