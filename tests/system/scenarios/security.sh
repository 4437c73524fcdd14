# Hardening at run time: every lkvm thread runs under its seccomp filter,
# and a forbidden system call kills lkvm with SIGSYS and one log line.

# seccomp_kill WHAT THREAD CALL [lkvm run options]: the test build makes
# THREAD break its filter (WHAT: see test_violation() in core/seccomp.c)
# with CALL, which must kill lkvm with SIGSYS and one line.
seccomp_kill() {
	what=$1
	thread=$2
	call=$3
	shift 3
	LKVM_SECCOMP_TEST=$what timeout 30 lkvm-seccomp-test run -k $BM/echo.flat \
		-c 1 -m 64 --network mode=none "$@" </dev/null >"$OUT" 2>&1
	RC=$?
	expect_rc 159 || return	# 128 + SIGSYS
	expect_line "seccomp: thread $thread made a forbidden system call: $call"
}

t_vcpu_violation() { seccomp_kill vcpu lkvm-vcpu0 socket; }
t_io_violation() { seccomp_kill io lkvm-virtio-rng socket --rng; }
t_main_violation() { seccomp_kill main lkvm-main socket; }
# Calls allowed only with some arguments: a 9p thread may not resolve
# paths from the working directory, the main thread may not unlink
# outside the control directory nor signal other processes, no thread
# may signal another process's threads.
t_9p_cwd_violation() {
	mkdir -p /tmp/sec-share
	seccomp_kill io-cwd lkvm-virtio-9p0 openat --9p /tmp/sec-share
}
t_main_unlink_violation() { seccomp_kill main-unlink lkvm-main unlinkat; }
t_main_kill_violation() { seccomp_kill main-kill lkvm-main kill; }
t_vcpu_tgkill_violation() { seccomp_kill vcpu-tgkill lkvm-vcpu0 tgkill; }
# vcpu 0's thread starts the other vcpus' threads, which inherit its
# filter: they are confined from their first instruction, and the filter
# lets clone() start threads only, never a process.
t_vcpu_inherited_violation() {
	seccomp_kill vcpu-inherited lkvm-vcpu1 socket -c 2
}
t_vcpu_fork_violation() { seccomp_kill vcpu-fork lkvm-vcpu0 clone; }

# lkvm sandbox: the vcpu threads do the devices' queue work, under the
# vcpu and I/O sets and the 9p calls (security.md), and still open no
# socket and resolve no path from the working directory.
sandbox_seccomp_kill() {
	LKVM_SECCOMP_TEST=$1 timeout 120 lkvm-seccomp-test sandbox \
		-k "$L2_KERNEL" -c 1 -m 256 -p cryptomgr.notests --cold -- true \
		</dev/null >"$OUT" 2>&1
	RC=$?
	expect_rc 159 || return
	expect_line "seccomp: thread lkvm-vcpu0 made a forbidden system call: $2"
}
t_sandbox_vcpu_violation() { sandbox_seccomp_kill vcpu-io socket; }
t_sandbox_vcpu_cwd_violation() { sandbox_seccomp_kill vcpu-io-cwd openat; }

t_seccomp_off() {
	LKVM_SECCOMP_TEST=vcpu timeout 30 lkvm-seccomp-test run -k $BM/hello.flat \
		-c 1 -m 64 --seccomp=off </dev/null >"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	expect_line "baremetal: powering off"
}

# Every thread of a running VM is filtered (Seccomp: 2 in its status).
t_all_threads_filtered() {
	lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 2 -m 256 --rng -d /tmp/sec.img --9p /tmp \
		-p "$L2_PARAMS lkvm.test=sleep" </dev/null >"$OUT" 2>&1 &
	pid=$!
	wait_for "$OUT" "@@L2 sleeping" 120
	total=0
	filtered=0
	for st in /proc/$pid/task/*/status; do
		total=$((total + 1))
		grep -q '^Seccomp:[[:space:]]*2' "$st" && filtered=$((filtered + 1))
	done
	kill -TERM $pid
	wait $pid
	[ "$total" -ge 5 ] || fail "only $total threads" || return
	[ "$filtered" = "$total" ] || fail "$filtered of $total threads filtered"
}

truncate -s 16M /tmp/sec.img
run_test seccomp-vcpu-violation t_vcpu_violation
run_test seccomp-io-violation t_io_violation
run_test seccomp-main-violation t_main_violation
run_test seccomp-9p-cwd t_9p_cwd_violation
run_test seccomp-main-unlink t_main_unlink_violation
run_test seccomp-main-kill t_main_kill_violation
run_test seccomp-vcpu-tgkill t_vcpu_tgkill_violation
run_test seccomp-vcpu-inherited t_vcpu_inherited_violation
run_test seccomp-vcpu-fork t_vcpu_fork_violation
run_test seccomp-sandbox-vcpu t_sandbox_vcpu_violation
run_test seccomp-sandbox-vcpu-cwd t_sandbox_vcpu_cwd_violation
run_test seccomp-off t_seccomp_off
run_test seccomp-all-threads t_all_threads_filtered
rm -f /tmp/sec.img

# Every size at every offset of every device window, and the holes.
t_mmio_sweep() {
	truncate -s 1M /tmp/sweep.img
	lkvm_run 300 run -k $BM/mmio_sweep.flat -c 1 -m 64 --rng -d /tmp/sweep.img \
		--console virtio
	rm -f /tmp/sweep.img
	expect_rc 0 || return
	expect_line "accesses done" || return
	expect_no_line "sweep: FAIL" || return
	expect_line "guest requested power-off"
}
run_test mmio-sweep t_mmio_sweep

# 9P messages with lying lengths, escapes and answers that cannot fit
# (guest/baremetal/prog_p9_evil.c); the share holds exactly what the
# well-formed requests made, and nothing outside it changed.
t_p9_evil() {
	rm -rf /tmp/p9evil
	mkdir -p /tmp/p9evil/share
	ln -s / /tmp/p9evil/share/escape
	echo secret >/tmp/p9evil/secret
	lkvm_run 300 run -k $BM/p9_evil.flat -c 1 -m 64 -n mode=none \
		--9p /tmp/p9evil/share
	expect_rc 0 || return
	expect_line "p9evil: done" || return
	expect_no_line "p9evil: FAIL" || return
	[ "$(cat /tmp/p9evil/share/ok.txt)" = hello ] || fail "ok.txt: $(cat /tmp/p9evil/share/ok.txt)" || return
	[ -f /tmp/p9evil/share/f ] && [ ! -s /tmp/p9evil/share/f ] || fail "f is not an empty file" || return
	[ "$(ls /tmp/p9evil/share | tr '\n' ' ')" = "escape f ok.txt " ] || fail "share holds: $(ls /tmp/p9evil/share)" || return
	[ "$(ls /tmp/p9evil | tr '\n' ' ')" = "secret share " ] || fail "beside the share: $(ls /tmp/p9evil)" || return
	[ "$(cat /tmp/p9evil/secret)" = secret ] || fail "the file outside changed"
}
run_test p9-evil t_p9_evil

# A guest whose second vcpu races the devices (issue 11;
# guest/baremetal/prog_virtio_race.c): vcpu 1 keeps moving avail->idx and
# rewriting descriptors of the virtio-net, -blk and -9p queues while
# vcpu 0 notifies them; the host pings the guest through its tap, so
# frames keep arriving while the receive ring is raced. lkvm must keep
# running, and the guest power off with status 0.
t_virtio_race() {
	rm -rf /tmp/race
	mkdir -p /tmp/race/share
	truncate -s 16M /tmp/race/disk.img
	tunctl -t lkvmrace0 >/dev/null || { fail "cannot make the tap"; return; }
	ip addr add 10.77.0.1/24 dev lkvmrace0
	ip link set lkvmrace0 up
	arp -i lkvmrace0 -s 10.77.0.2 02:15:15:15:15:15
	ping -q -s 3000 -i 0.01 10.77.0.2 >/dev/null 2>&1 &
	pinger=$!
	lkvm_run 300 run -k $BM/virtio_race.flat -c 2 -m 64 \
		-d /tmp/race/disk.img --9p /tmp/race/share \
		-n mode=tap,tapif=lkvmrace0
	kill $pinger
	tunctl -d lkvmrace0 >/dev/null
	rm -rf /tmp/race
	expect_rc 0 || return
	expect_line "race: vcpu 1 races the rings" || return
	expect_line "race: done" || return
	expect_no_line "race: FAIL" || return
	expect_line "guest requested power-off"
}
run_test virtio-race t_virtio_race
