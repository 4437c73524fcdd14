# --nested with Linux guests (the long part: a Linux guest at EL2 boots
# slowly on the TCG test bed, so this suite is in make check-slow, not in
# make check). Run on the nested-virt host of hosts.conf only.

# A Linux guest with EL2: its CPUs start at EL2 and KVM comes up in it.
# Without "quiet": on the slow test bed the log shows how far it got.
t_linux_el2() {
	lkvm_run 1500 run --nested -k "$L2_KERNEL" -i "$L2_INITRD" -c 1 -m 512 \
		-p "cryptomgr.notests lkvm.test=nested"
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

# Three levels, each a real KVM: L1 (this host), the guest hypervisor
# (the Debian guest with --nested and SVE {128,256}) and, inside it, lkvm
# running the current_el payload at EL1. lkvm sve probe in the guest
# hypervisor must see exactly the set the outer lkvm gave it.
t_three_levels() {
	rm -rf /tmp/l3
	mkdir -p /tmp/l3
	cp /usr/bin/lkvm "$BM/current_el.img" /tmp/l3/
	run_l2 1800 nested_lkvm --nested --sve-vls 128,256 -c 1 -m 512 --9p /tmp/l3,l3
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
run_test sandbox t_sandbox_nested
run_test three-levels t_three_levels
