# Guest side of tests/system/scenarios/nested.sh: a guest booted with
# lkvm run --nested is a hypervisor itself. Results as "@@L2 KEY=VALUE".

# The level the kernel says its CPUs started at, and whether KVM came up
# in the guest (it needs EL2).
action_nested() {
	echo "@@L2 started_at=$(dmesg | sed -n 's/.*CPU: All CPU(s) started at \(EL[0-9]\).*/\1/p' | head -n 1)"
	echo "@@L2 kvm_dev=$([ -c /dev/kvm ] && echo yes || echo no)"
	echo "@@L2 kvm_mode=$(dmesg | sed -n 's/.*kvm \[[0-9]*\]: \(.*mode initialized\).*/\1/p' | tr ' ' '+' | head -n 1)"
}

# The third level: lkvm (shared in over 9p as l3, with the current_el
# payload) runs a guest of this guest hypervisor, and reports the SVE
# lengths this guest's KVM offers (those the outer lkvm gave it).
action_nested_lkvm() {
	mount9p l3 /mnt || return
	/mnt/lkvm run -k /mnt/current_el.img -c 1 -m 64 >/tmp/l3.log 2>&1
	echo "@@L2 l3_rc=$?"
	echo "@@L2 l3_el=$(sed -n 's/.*current_el: \(EL[0-9]\).*/\1/p' /tmp/l3.log | head -n 1)"
	sed 's/^/@@L2 l3_log: /' /tmp/l3.log | tail -n 5
	echo "@@L2 sve_host_vls=$(/mnt/lkvm sve probe --json | tr -d ' \n' | sed -n 's/.*"host_vls":\[\([0-9,]*\)\].*/\1/p')"
}
