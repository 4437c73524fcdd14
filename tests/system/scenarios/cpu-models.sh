# Real server CPU models of QEMU 10 as nested hosts (hosts.conf, qemu
# column qemu10): neoverse-v1, SVE at 128 and 256 bits without SVE2 (the
# shape of AWS Graviton3), and neoverse-n2, SVE2 at 128 bits only. A guest
# gets exactly what the model offers; a set beyond it is refused with the
# reason, before anything boots.

case "$host" in
cpu-neoverse-v1) HOST_SET=128,256 ABSENT=512 SVE2=no ;;
cpu-neoverse-n2) HOST_SET=128 ABSENT=256 SVE2=yes ;;
*) HOST_SET= ;;
esac

t_probe() {
	lkvm_run 30 sve probe --json
	expect_rc 0 || return
	expect_line "\"host_vls\": [$(echo "$HOST_SET" | sed 's/,/, /g')]"
}

# The guest's vcpus have the model's lengths and, for SVE2, its word.
t_guest() {
	run_l2 300 sve -c 2 -m 256
	expect_rc 0 || return
	[ "$(guest_value sve_vls)" = "$HOST_SET" ] ||
		fail "guest sees SVE lengths '$(guest_value sve_vls)', expected '$HOST_SET'" || return
	[ "$(guest_value cpus_with_sve)" = 2 ] || fail "not every vcpu shows sve in cpuinfo" || return
	case ",$(guest_value cpuinfo_sve)," in
	*,sve2,*) sve2=yes ;;
	*) sve2=no ;;
	esac
	[ "$sve2" = "$SVE2" ] ||
		fail "guest's cpuinfo lists '$(guest_value cpuinfo_sve)': SVE2 should be $SVE2 here"
}

t_beyond() {
	lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128 --sve-vls="$HOST_SET,$ABSENT"
	expect_error "--sve-vls=$HOST_SET,$ABSENT is not possible on this host" \
		"the host has no $ABSENT-bit vectors" "(host offers $HOST_SET)"
}

if [ -z "$HOST_SET" ]; then
	echo "cpu-models: no expectations for host '$host'" >&2
else
	run_test probe t_probe
	run_test guest t_guest
	run_test beyond t_beyond
fi
