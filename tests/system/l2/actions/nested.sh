# Guest side of tests/system/scenarios/nested.sh: a guest booted with
# lkvm run --nested is a hypervisor itself. Results as "@@L2 KEY=VALUE".

# The level the kernel says its CPUs started at, and whether KVM came up
# in the guest (it needs EL2).
action_nested() {
	echo "@@L2 started_at=$(dmesg | sed -n 's/.*CPU: All CPU(s) started at \(EL[0-9]\).*/\1/p' | head -n 1)"
	echo "@@L2 kvm_dev=$([ -c /dev/kvm ] && echo yes || echo no)"
	echo "@@L2 kvm_mode=$(dmesg | sed -n 's/.*kvm \[[0-9]*\]: \(.*mode initialized\).*/\1/p' | tr ' ' '+' | head -n 1)"
}
