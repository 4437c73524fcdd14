# --nested with Linux guests (the long part: a Linux guest at EL2 boots
# slowly on the TCG test bed, so this suite is in make check-slow, not in
# make check). Run on the nested-virt host of hosts.conf only.

# A Linux guest with EL2: its CPUs start at EL2 and KVM comes up in it.
t_linux_el2() {
	run_l2 600 nested --nested -c 1 -m 512
	expect_rc 0 || return
	[ "$(guest_value started_at)" = EL2 ] ||
		fail "the guest's CPUs started at '$(guest_value started_at)'" || return
	[ "$(guest_value kvm_dev)" = yes ] || fail "no /dev/kvm in the guest"
}

t_linux_el1() {
	run_l2 120 nested -c 1 -m 256
	expect_rc 0 || return
	[ "$(guest_value started_at)" = EL1 ] ||
		fail "the guest's CPUs started at '$(guest_value started_at)'" || return
	[ "$(guest_value kvm_dev)" = no ] || fail "/dev/kvm in a guest without --nested"
}

# lkvm sandbox --nested, as a hypervisor developer runs it: the command
# runs in a guest whose kernel started at EL2 and has /dev/kvm. The first run boots and
# saves a warm template, a snapshot of a guest with EL2; the second
# restores it (snapshot and restore of --nested) and runs its command.
t_sandbox_nested() {
	for run in boot warm; do
		: >"$OUT"
		timeout 900 lkvm sandbox --nested --loglevel info -k "$L2_KERNEL" \
			-c 1 -m 512 -p cryptomgr.notests -- \
			sh -c 'dmesg | grep -o "started at EL[0-9]"; [ -c /dev/kvm ] && echo kvm' \
			</dev/null >"$OUT.stdout" 2>>"$OUT"
		RC=$?
		sed "s/^/$run stdout: /" "$OUT.stdout" >>"$OUT"
		expect_rc 0 || return
		[ "$(cat "$OUT.stdout")" = "started at EL2
kvm" ] || fail "$run: the sandbox printed '$(head -c 200 "$OUT.stdout")'" || return
	done
	expect_line "started from the warm template"
}

run_test linux-el1 t_linux_el1
run_test linux-el2 t_linux_el2
run_test sandbox t_sandbox_nested
