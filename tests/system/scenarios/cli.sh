# The command line: help, version, kvmtool-compatible contracts, one
# clear error line for every bad input, and --dump-dtb.

t_help() {
	for form in "" "help" "--help"; do
		lkvm_run 10 $form
		expect_rc 0 || return
		grep -qx ' The most commonly used lkvm commands are:' "$OUT" ||
			fail "'lkvm $form' lacks the line kvm-unit-tests looks for" || return
		: >"$OUT"
	done
	lkvm_run 10 help run
	expect_rc 0 || return
	expect_line "--kernel"
}

t_version() {
	lkvm_run 10 version
	expect_rc 0 || return
	expect_line "lkvm version "
}

t_missing_kernel() {
	lkvm_run 10 run -k /no/such/kernel
	[ "$RC" != 0 ] || fail "exit status 0" || return
	grep -qx '  Fatal: Unable to open kernel /no/such/kernel' "$OUT" ||
		fail "missing kvm-unit-tests' exact 'Fatal: Unable to open kernel' line"
}

t_unknown_option() {
	lkvm_run 10 run --no-such-option -k $BM/hello.flat
	expect_rc 129 || return
	expect_line "no-such-option" || return
	expect_line "usage: lkvm run"
}

t_kvmtool_forms() {
	# --opt=v, --opt v, -c2 and a kernel given as the first argument.
	lkvm_run 30 run --mem=128 --cpus 1 -c2 --name=kvmtool-style $BM/hello.flat
	expect_rc 0 || return
	expect_line "baremetal: cpus=2" || return
	expect_line "--name kvmtool-style"
}

t_unit_tests_defaults() {
	# What kvm-unit-tests passes to kvmtool.
	lkvm_run 30 run --kernel $BM/hello.flat --params "x=1" --cpus 1 \
		--nodefaults --network mode=none --loglevel=warning
	expect_rc 0 || return
	expect_line "baremetal: cpus=1" || return
	expect_no_line "lkvm: info"
}

bad() {
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat "$@"
}

t_bad_values() {
	bad --mem 12X && expect_error "--mem" "12X" || return
	bad --mem 0 && expect_error "--mem" "'0'" || return
	bad --mem 3 && expect_error "--mem" "2 MiB" || return
	bad -c 0 && expect_error "--cpus" "'0'" || return
	bad -c lots && expect_error "--cpus" "lots" || return
	bad --loglevel loud && expect_error "--loglevel" "loud" || return
	bad --irqchip gicv4 && expect_error "--irqchip" "gicv4" || return
	bad --irqchip gicv3-its && expect_error "gicv3-its" "not supported" || return
	bad --network mode=tap,tapif=a/b && expect_error "--network" "tapif=a/b" || return
	bad --network mode=carrier-pigeon && expect_error "carrier-pigeon" || return
	bad --console vga && expect_error "--console" "vga" || return
	bad --name 'a/b' && expect_error "--name" "a/b" || return
	bad --ptrauth maybe && expect_error "--ptrauth" "maybe" || return
	bad -i /no/such/initrd && expect_error "/no/such/initrd" "No such file" || return
	bad --mem 1024T && expect_error "--mem" "too large" || return
	: >"$OUT"
	lkvm_run 10 run
	expect_error "no kernel"
}

t_ram_too_small() {
	lkvm_run 30 run -k "$L2_KERNEL" -m 16
	expect_error "kernel" "does not fit" "16 MiB" || return
	: >"$OUT"
	lkvm_run 30 run -k "$L2_KERNEL" -i "$L2_KERNEL" -m 64
	expect_error "initrd" "does not fit" "64 MiB"
}

t_gicv2_unavailable() {
	# This nested host's GICv3 has no GICv2 compatibility.
	lkvm_run 30 run -k $BM/hello.flat --irqchip gicv2
	expect_error "--irqchip gicv2" "cannot emulate a GICv2"
}

t_gicv3_explicit() {
	lkvm_run 30 run -k $BM/hello.flat --irqchip gicv3 -c 1
	expect_rc 0
}

t_cpus_clamped() {
	lkvm_run 120 run -k $BM/hello.flat -c 4000 -m 128 --dump-dtb /tmp/many.dtb
	expect_rc 0 || return
	expect_line "4000 vcpus requested, but KVM allows at most" || return
	export_file clamped.dtb /tmp/many.dtb
}

t_dump_dtb() {
	lkvm_run 30 run -k $BM/hello.flat -c 2 -m 256 -i $BM/hello.img \
		-p "root=/dev/foo" --dump-dtb /tmp/basic.dtb
	expect_rc 0 || return
	expect_no_line "baremetal:" || return
	[ -s /tmp/basic.dtb ] || fail "no DTB written" || return
	export_file basic.dtb /tmp/basic.dtb
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat -c 1 -m 128 --nodefaults \
		-p "exactly this" --pmu --dump-dtb /tmp/pmu.dtb
	expect_rc 0 || return
	export_file nodefaults-pmu.dtb /tmp/pmu.dtb
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat -c 1 -m 128 --no-rtc --dump-dtb /tmp/no-rtc.dtb
	expect_rc 0 || return
	export_file no-rtc.dtb /tmp/no-rtc.dtb
}

t_pmu_guest() {
	lkvm_run 30 run -k $BM/hello.flat -c 2 -m 128 --pmu
	expect_rc 0 || return
	expect_line "baremetal: cpus=2"
}

t_dump_dtb_bad_path() {
	lkvm_run 30 run -k $BM/hello.flat --dump-dtb /no/such/dir/x.dtb
	expect_error "/no/such/dir/x.dtb"
}

t_no_dev_kvm() {
	unshare -m sh -c 'mount -t tmpfs none /dev && exec lkvm run -k /guest/bm/hello.flat' \
		</dev/null >"$OUT" 2>&1
	RC=$?
	expect_error "/dev/kvm" "no such device"
}

t_dev_kvm_permission() {
	su -s /bin/sh nobody -c 'lkvm run -k /guest/bm/hello.flat' \
		</dev/null >"$OUT" 2>&1
	RC=$?
	expect_error "/dev/kvm" "permission denied"
}

run_test no-dev-kvm t_no_dev_kvm
run_test dev-kvm-permission t_dev_kvm_permission
run_test help t_help
run_test version t_version
run_test missing-kernel t_missing_kernel
run_test unknown-option t_unknown_option
run_test kvmtool-forms t_kvmtool_forms
run_test kvm-unit-tests-defaults t_unit_tests_defaults
run_test bad-values t_bad_values
run_test ram-too-small t_ram_too_small
run_test gicv2-unavailable t_gicv2_unavailable
run_test gicv3-explicit t_gicv3_explicit
run_test cpus-clamped t_cpus_clamped
run_test dump-dtb t_dump_dtb
run_test dump-dtb-bad-path t_dump_dtb_bad_path
run_test pmu-guest t_pmu_guest
