# CPU profiles (Documentation/sve.md) on a heterogeneous fleet of nested
# hosts on Linux 6.12 (tests/system/hosts.conf): fleet-a64fx (QEMU's
# a64fx: SVE 128,256,512, nothing of SVE2) and fleet-max (QEMU's max:
# 128 to 2048, SVE2, BF16, I8MM and more). Each probes and leaves its
# probe in /exchange; fleet-max computes the fleet's profile with `lkvm
# sve common --profile`, boots a guest with it and checks inside that
# the guest sees exactly the common lengths and none of the SVE features
# a64fx lacks. On sve-vq4 (Linux 6.1 and 6.12) a hand-written profile
# shows what each kernel makes of a floor below the host: 6.12 lowers
# the ID registers, 6.1 cannot and lkvm says so.

FLEET=/exchange/fleet-$(arg kernel)

# A profile: SVE at SET (JSON list), SVEver VER, every other field 0.
write_profile() {
	printf '{"format": "lkvm-cpu-profile", "version": 1, "sve_vls": [%s], "features": {"SVE": 1, "SME": 0, "SVEver": %s, "AES": 0, "BitPerm": 0, "BF16": 0, "B16B16": 0, "SHA3": 0, "SM4": 0, "I8MM": 0, "F32MM": 0, "F64MM": 0}}\n' \
		"$2" "$3" >"$1"
}

# The probe, into /exchange for the other host (renamed: whole or none).
t_probe() {
	lkvm_run 30 sve probe --json
	expect_rc 0 || return
	mkdir -p "$FLEET"
	cp "$OUT" "$FLEET/.probe-$host.json" && mv "$FLEET/.probe-$host.json" "$FLEET/probe-$host.json"
	case "$host" in
	fleet-a64fx)
		expect_line '"host_vls": [128, 256, 512]' || return
		expect_line '"SVE": 1, "SME": 0, "SVEver": 0' || return
		expect_line '"BF16": 0' || return
		expect_line '"I8MM": 0'
		;;
	fleet-max)
		# What the profile must hide: this host gives guests SVE2 & co.
		expect_line '"SVEver": 1' || return
		expect_line '"BF16": 1' || return
		expect_line '"I8MM": 1'
		;;
	esac
}

wait_probe() {
	n=0
	while [ ! -f "$FLEET/probe-$1.json" ]; do
		[ $n -ge 1500 ] && return 1
		sleep 1
		n=$((n + 1))
	done
}

t_profile() {
	wait_probe fleet-a64fx || fail "no probe from fleet-a64fx in $FLEET after 25 minutes (run both hosts: --suite profiles)" || return
	lkvm_run 30 sve common --profile /tmp/profile.json \
		"$FLEET/probe-fleet-a64fx.json" "$FLEET/probe-fleet-max.json"
	expect_rc 0 || return
	# max's 384 cannot be hidden below 512: the common set stops at 256.
	expect_line "128,256" || return
	cat /tmp/profile.json >>"$OUT"
	expect_line '"sve_vls": [128, 256], "features": {"SVE": 1, "SME": 0, "SVEver": 0, "AES": 0, "BitPerm": 0, "BF16": 0, "B16B16": 0, "SHA3": 0, "SM4": 0, "I8MM": 0, "F32MM": 0, "F64MM": 0}' || return
	: >"$OUT"
	lkvm_run 30 sve check --profile /tmp/profile.json
	expect_rc 0 || return
	expect_line "this host can give a guest SVE 128,256 and SVE=1 SME=0 SVEver=0"
}

# cpuinfo's SVE words of the first vcpu, and what AT_HWCAP2 says.
t_guest() {
	[ -f /tmp/profile.json ] || fail "no profile (the profile test failed)" || return
	run_l2 300 sve -c 1 -m 256 --cpu-profile /tmp/profile.json
	expect_rc 0 || return
	[ "$(guest_value sve_vls)" = 128,256 ] || fail "guest sees SVE lengths '$(guest_value sve_vls)', not the profile's 128,256" || return
	[ "$(guest_value sve_hwcaps)" = none ] || fail "guest's AT_HWCAP2 still has $(guest_value sve_hwcaps)" || return
	[ "$(guest_value cpuinfo_sve)" = sve ] || fail "guest's cpuinfo lists '$(guest_value cpuinfo_sve)', expected only sve" || return
	[ "$(guest_value cpus_with_sve)" = 1 ] || fail "cpuinfo shows no sve"
}

# Without the profile the same guest sees what the profile hides.
t_guest_default() {
	run_l2 300 sve -c 1 -m 256
	expect_rc 0 || return
	case ",$(guest_value sve_hwcaps)," in
	*,sve2,*svei8mm*svebf16,*) ;;
	*) fail "guest without a profile lacks sve2/svei8mm/svebf16: '$(guest_value sve_hwcaps)'" || return ;;
	esac
	case ",$(guest_value cpuinfo_sve)," in
	*,sve2,*) ;;
	*) fail "cpuinfo without a profile lacks sve2: '$(guest_value cpuinfo_sve)'" ;;
	esac
}

# More than this host has: refused before booting, field and values named.
t_refuse_above() {
	write_profile /tmp/above.json "128, 256" 2
	lkvm_run 30 sve check --profile /tmp/above.json
	expect_rc 1 || return
	expect_line "the profile wants SVEver=2 (ID_AA64ZFR0_EL1 bits [3:0]); this host can give a guest at most SVEver=1" || return
	: >"$OUT"
	lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128 --cpu-profile /tmp/above.json
	expect_error "--cpu-profile=/tmp/above.json is not possible on this host: the profile wants SVEver=2"
}

# A floor below the host: lowered on 6.12, refused on 6.1.
t_lower() {
	write_profile /tmp/low.json 128 0
	lkvm_run 30 sve check --profile /tmp/low.json
	case "$(uname -r)" in
	6.1.*)
		expect_rc 1 || return
		expect_line "the profile wants SVEver=0; this host can only give SVEver=1: KVM here cannot lower ID registers (writable ID registers need Linux 6.7)" || return
		: >"$OUT"
		lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128 --cpu-profile /tmp/low.json
		expect_error "--cpu-profile=/tmp/low.json is not possible on this host" "writable ID registers need Linux 6.7"
		;;
	*)
		expect_rc 0 || return
		: >"$OUT"
		lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128 --cpu-profile /tmp/low.json
		expect_rc 0 || return
		expect_line "SVE: guest vector lengths 128 bits"
		;;
	esac
}

t_bad_profile() {
	printf '{"format": "lkvm-cpu-profile", "version": 1, "sve_vls": [128]}' >/tmp/bad.json
	lkvm_run 30 sve check --profile /tmp/bad.json
	expect_rc 2 || return
	expect_line '"features" is missing' || return
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat --cpu-profile /tmp/bad.json
	expect_error "--cpu-profile=/tmp/bad.json" '"features" is missing' || return
	: >"$OUT"
	write_profile /tmp/low.json 128 0
	lkvm_run 30 run -k $BM/hello.flat --cpu-profile /tmp/low.json --sve-vls=128
	expect_error "give only one of" "(--cpu-profile=/tmp/low.json was given too)"
}

# NFD labels: the sets this host can give, by name, atomically in place.
t_nfd() {
	rm -rf /tmp/nfd && mkdir -p /tmp/nfd
	lkvm_run 30 sve probe --nfd /tmp/nfd
	expect_rc 0 || return
	expect_line /tmp/nfd/lkvm-sve || return
	[ "$(ls -A /tmp/nfd)" = lkvm-sve ] || fail "left behind: $(ls -A /tmp/nfd)" || return
	cat /tmp/nfd/lkvm-sve >>"$OUT"
	ns=feature.node.kubernetes.io
	case "$(uname -r)" in
	6.1.*) expect_line "$ns/lkvm-id-regs-writable=false" || return ;;
	*) expect_line "$ns/lkvm-id-regs-writable=true" || return ;;
	esac
	case "$host" in
	fleet-a64fx) sets="0001 0003 000b" nosets="0007" ;;
	fleet-max) sets="0001 0003 0007 000f ffff" nosets="000b" ;;
	sve-vq4) sets="0001 0003 0007 000f" nosets="000b 001f" ;;
	esac
	for s in $sets; do
		expect_line "$ns/lkvm-sve-set.$s=true" || return
	done
	for s in $nosets; do
		expect_no_line "$ns/lkvm-sve-set.$s=" || return
	done
	# A file path works as well as a directory.
	: >"$OUT"
	lkvm_run 30 sve probe --nfd /tmp/nfd/other
	expect_rc 0 || return
	cmp -s /tmp/nfd/other /tmp/nfd/lkvm-sve || fail "the two label files differ"
}

case "$host" in
fleet-a64fx)
	run_test probe t_probe
	run_test nfd t_nfd
	;;
fleet-max)
	run_test probe t_probe
	run_test profile t_profile
	run_test guest t_guest
	run_test guest-default t_guest_default
	run_test refuse-above t_refuse_above
	run_test nfd t_nfd
	;;
sve-vq4)
	run_test lower t_lower
	run_test bad-profile t_bad_profile
	run_test nfd t_nfd
	;;
esac
