# --nested with Linux guests (the long part: a Linux guest at EL2 boots
# slowly on the TCG test bed, so this suite is in make check-slow, not in
# make check). Run on the nested-virt host of hosts.conf only.
#
# The guest hypervisor runs this host's own kernel (7.x, from /guest/hv,
# which run.sh adds for this suite), not the 6.1 guest kernel: KVM's
# nested vcpus have HCR_EL2.E2H RES1 unless --e2h0, and a kernel older
# than Linux 6.9 clears E2H in its first EL2 set-up and never prints a
# line (lkvm-run(1), --nested). With --e2h0 the 6.1 kernel is the guest
# hypervisor (linux-el2-e2h0).
HV_KERNEL=/guest/hv/Image
HV_INITRD=/guest/hv/initrd.cpio.gz

# kvm_mode: how KVM in the guest came up (tests/system/l2/actions/
# nested.sh), without a kernel line the console ran into it: the guest's
# "reboot: Power down" can land before that line's newline.
kvm_mode() {
	m=$(guest_value kvm_mode)
	echo "${m%%\[*}"
}

# run_hv TIMEOUT ACTION [lkvm run options]: boots the guest hypervisor
# with --nested, its init performing ACTION (tests/system/l2/init).
run_hv() {
	t=$1
	action=$2
	shift 2
	lkvm_run "$t" run --nested -k "$HV_KERNEL" -i "$HV_INITRD" \
		-p "$L2_PARAMS lkvm.test=$action" "$@"
}

# A Linux guest with EL2: its CPUs start at EL2 and KVM comes up in it,
# in VHE mode (E2H is RES1).
t_linux_el2() {
	run_hv 900 nested -c 1 -m 512
	expect_rc 0 || return
	[ "$(guest_value started_at)" = EL2 ] ||
		fail "the guest's CPUs started at '$(guest_value started_at)'" || return
	[ "$(guest_value kvm_dev)" = yes ] || fail "no /dev/kvm in the guest" || return
	[ "$(kvm_mode)" = VHE+mode+initialized ] ||
		fail "KVM in the guest says '$(kvm_mode)'"
}

# A guest hypervisor without VHE (--e2h0): Debian's 6.1, which cannot
# boot with E2H RES1, starts at EL2, installs its stub, runs at EL1 on
# the EL1 physical timer, and KVM comes up in it in nVHE mode ("Hyp
# mode"). It stalled at its first timer interrupt while the VM's
# counters had an offset (lkvm-run(1), --e2h0).
t_linux_el2_e2h0() {
	run_l2 900 nested --nested --e2h0 -c 1 -m 256
	expect_rc 0 || return
	[ "$(guest_value started_at)" = EL2 ] ||
		fail "the guest's CPUs started at '$(guest_value started_at)'" || return
	[ "$(guest_value kvm_dev)" = yes ] || fail "no /dev/kvm in the guest" || return
	[ "$(kvm_mode)" = Hyp+mode+initialized ] ||
		fail "KVM in the guest says '$(kvm_mode)'"
}

t_linux_el1() {
	run_l2 120 nested -c 1 -m 256
	expect_rc 0 || return
	[ "$(guest_value started_at)" = EL1 ] ||
		fail "the guest's CPUs started at '$(guest_value started_at)'" || return
	[ "$(guest_value kvm_dev)" = no ] || fail "/dev/kvm in a guest without --nested"
}

# lkvm sandbox --nested, as a hypervisor developer runs it: the command
# runs in a guest whose kernel started at EL2 and has /dev/kvm (its
# modules are found next to it). The first run boots and saves a warm
# template, a snapshot of a guest with EL2; the second restores it
# (snapshot and restore of --nested) and runs its command.
t_sandbox_nested() {
	for run in boot warm; do
		: >"$OUT"
		timeout 900 lkvm sandbox --nested --loglevel info -k "$HV_KERNEL" \
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

# Three levels, each a real KVM: L1 (this host), the guest hypervisor
# (with --nested and SVE {128,256}) and, inside it, lkvm running the
# current_el payload at EL1. lkvm sve probe in the guest hypervisor must
# see exactly the set the outer lkvm gave it.
t_three_levels() {
	rm -rf /tmp/l3
	mkdir -p /tmp/l3
	cp /usr/bin/lkvm "$BM/current_el.img" /tmp/l3/
	run_hv 900 nested_lkvm --sve-vls 128,256 -c 1 -m 512 --9p /tmp/l3,l3
	expect_rc 0 || return
	[ "$(guest_value l3_rc)" = 0 ] ||
		fail "lkvm in the guest hypervisor exited $(guest_value l3_rc)" || return
	[ "$(guest_value l3_el)" = EL1 ] ||
		fail "the third-level payload ran at '$(guest_value l3_el)'" || return
	[ "$(guest_value sve_host_vls)" = 128,256 ] ||
		fail "lkvm sve probe in the guest hypervisor says '$(guest_value sve_host_vls)', not 128,256"
}

run_test linux-el1 t_linux_el1
run_test linux-el2 t_linux_el2
run_test linux-el2-e2h0 t_linux_el2_e2h0
run_test sandbox t_sandbox_nested
run_test three-levels t_three_levels
