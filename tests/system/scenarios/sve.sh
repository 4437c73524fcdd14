# SVE vector-length sets, on nested hosts with different SVE hardware
# (tests/system/hosts.conf). Each test boots the Debian guest, whose
# sve_probe asks the kernel for every length with PR_SVE_SET_VL.

case "$host" in
sve-vq4) HOST_SET=128,256,384,512 ;;
sve-pow2) HOST_SET=128,256,512 ;;
sve-off) HOST_SET=none ;;
*) HOST_SET=128,256,384,512,640,768,896,1024,1152,1280,1408,1536,1664,1792,1920,2048 ;;
esac

# guest_set EXPECTED [lkvm run options]: the guest sees exactly EXPECTED,
# on both of its vcpus.
guest_set() {
	want=$1
	shift
	run_l2 120 sve -c 2 -m 256 "$@"
	expect_rc 0 || return
	got=$(guest_value sve_vls)
	[ "$got" = "$want" ] || fail "guest sees SVE lengths '$got', expected '$want'" || return
	if [ "$want" = none ]; then
		[ "$(guest_value cpus_with_sve)" = 0 ] || fail "cpuinfo still shows sve"
	else
		[ "$(guest_value cpus_with_sve)" = 2 ] || fail "not every vcpu shows sve in cpuinfo"
	fi
}

t_probe() {
	lkvm_run 30 sve probe --json
	expect_rc 0 || return
	cp "$OUT" /tmp/probe.json
	export_file "probe-$host.json" /tmp/probe.json
	want="[$(echo "$HOST_SET" | sed 's/none//; s/,/, /g')]"
	expect_line "\"host_vls\": $want" || return
	: >"$OUT"
	lkvm_run 30 sve probe
	expect_rc 0 || return
	if [ "$HOST_SET" = none ]; then
		expect_line "SVE for guests:  no"
	else
		expect_line "Host lengths:    $HOST_SET bits"
	fi
}

t_default() { guest_set "$HOST_SET"; }
t_off() { guest_set none --sve-vls=off; }
t_disable_sve() { guest_set none --disable-sve; }
t_one() { guest_set 128 --sve-vls=128; }
t_range() { guest_set 128,256 --sve-vls=128-256; }
t_max_vl() { guest_set 128,256 --sve-max-vl=256; }
t_full_set() { guest_set "$HOST_SET" --sve-vls="$HOST_SET"; }
t_with_384() { guest_set 128,256,384 --sve-vls=128,256,384; }
t_max_vl_384() { guest_set 128,256,384 --sve-max-vl=384; }

# refuse OPTION TEXT...: lkvm refuses before booting, one error line.
refuse() {
	opt=$1
	shift
	: >"$OUT"
	lkvm_run 60 run -k "$L2_KERNEL" -i "$L2_INITRD" -c 2 -m 256 "$opt"
	expect_error "$@" || return
	expect_no_line "@@L2"
}

t_impossible_vq4() {
	refuse --sve-vls=128,512 "--sve-vls=128,512 is not possible on this host: KVM cannot hide 256 and 384 below 512 (host offers 128,256,384,512). Possible sets: 128 | 128,256 | 128,256,384 | 128,256,384,512" || return
	refuse --sve-vls=256 "--sve-vls=256 is not possible" "KVM cannot hide 128 below 256" || return
	refuse --sve-vls=128-640 "the host has no 640-bit vectors" || return
	refuse --sve-max-vl=1024 "--sve-max-vl=1024 is not possible" "the host has no 1024-bit vectors"
}

t_impossible_pow2() {
	refuse --sve-vls=384 "--sve-vls=384 is not possible on this host: the host has no 384-bit vectors (host offers 128,256,512). Possible sets: 128 | 128,256 | 128,256,512" || return
	refuse --sve-vls=128-512 "the host has no 384-bit vectors" || return
	refuse --sve-vls=128,512 "KVM cannot hide 256 below 512" || return
	refuse --sve-max-vl=384 "the host has no 384-bit vectors"
}

t_impossible_off() {
	refuse --sve-vls=128 "--sve-vls=128 is not possible on this host: it has no SVE" || return
	refuse --sve-max-vl=256 "--sve-max-vl=256 is not possible" "no SVE" || return
	: >"$OUT"
	lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128
	expect_rc 0 || return
	expect_line "SVE: this host has none for guests"
}

t_syntax() {
	bad_sve() {
		: >"$OUT"
		lkvm_run 30 run -k $BM/hello.flat "$1"
		expect_error "$2"
	}
	bad_sve --sve-vls=100 "'100'" || return
	bad_sve --sve-vls=128,,256 "empty item" || return
	bad_sve --sve-vls=512-128 "runs downwards" || return
	bad_sve --sve-vls=2176 "'2176'" || return
	bad_sve --sve-vls=big "'big'" || return
	bad_sve --sve-max-vl=0 "'0'" || return
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat --sve-vls=128 --sve-max-vl=256
	expect_error "give only one of --sve-vls, --sve-max-vl, --disable-sve and --cpu-profile" "(--sve-vls=128 was given too)"
}

t_check() {
	lkvm_run 30 sve check 100
	expect_rc 2 || return
	: >"$OUT"
	lkvm_run 30 sve check host
	expect_rc 0 || return
	expect_line "$(echo "$HOST_SET" | sed 's/none/off/')" || return
	: >"$OUT"
	lkvm_run 30 sve check 128,512
	expect_rc 1 || return
	expect_line "--sve-vls=128,512 is not possible on this host" || return
	if [ "$HOST_SET" != none ]; then
		: >"$OUT"
		lkvm_run 30 sve check 128-256
		expect_rc 0 || return
		grep -qx "128,256" "$OUT" || fail "check did not print the set"
	fi
}

t_info_line() {
	lkvm_run 60 run -k $BM/hello.flat -c 1 -m 128 --sve-vls=128-256
	expect_rc 0 || return
	expect_line "SVE: guest vector lengths 128,256 bits (host offers $HOST_SET)"
}

t_ptrauth() {
	run_l2 120 sve -c 1 -m 256
	expect_rc 0 || return
	[ "$(guest_value cpus_with_ptrauth)" = 1 ] || fail "no pointer authentication by default" || return
	: >"$OUT"
	run_l2 120 sve -c 1 -m 256 --ptrauth off
	expect_rc 0 || return
	[ "$(guest_value cpus_with_ptrauth)" = 0 ] || fail "--ptrauth off left it on"
}

run_test probe t_probe
run_test check t_check
run_test syntax t_syntax
run_test default t_default
run_test off t_off
case "$host" in
sve-off)
	run_test disable-sve t_disable_sve
	run_test impossible t_impossible_off
	;;
*)
	run_test info-line t_info_line
	run_test one-length t_one
	run_test range t_range
	run_test max-vl t_max_vl
	run_test full-set t_full_set
	;;
esac
case "$host" in
sve-vq4)
	run_test with-384 t_with_384
	run_test max-vl-384 t_max_vl_384
	run_test impossible t_impossible_vq4
	run_test ptrauth t_ptrauth
	;;
sve-pow2)
	run_test impossible t_impossible_pow2
	;;
esac
