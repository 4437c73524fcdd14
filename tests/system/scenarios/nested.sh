# --nested: guests that are hypervisors themselves (EL2). On a host whose
# KVM was booted with kvm-arm.mode=nested (the nested-virt hosts of
# hosts.conf: trixie's QEMU 10 and a 7.x kernel) they run; on every other
# host lkvm refuses them, before any vcpu exists, with one line that says
# why. Which of the two is expected comes from the host's own command
# line, never from what lkvm reports.

nested_host() {
	grep -qw 'kvm-arm.mode=nested' /proc/cmdline
}

# Why this host has no nested virtualisation, as lkvm must say it.
refusal_reason() {
	case $(uname -r) in
	[0-5].* | 6.[0-9].* | 6.1[0-5].*) echo "older than Linux 6.16" ;;
	*) echo "not booted with kvm-arm.mode=nested" ;;
	esac
}

t_current_el1() {
	lkvm_run 60 run -k "$BM/current_el.img" -c 1 -m 64
	expect_rc 0 || return
	expect_line "current_el: EL1"
}

# At EL2 the payload powers off over SMC (HVC is its own hypervisor call):
# the clean exit is lkvm's PSCI over SMC working.
t_current_el2() {
	lkvm_run 60 run --nested -k "$BM/current_el.img" -c 1 -m 64
	expect_rc 0 || return
	expect_line "current_el: EL2" || return
	expect_line "guest requested power-off"
}

t_current_el2_e2h0() {
	lkvm_run 60 run --e2h0 -k "$BM/current_el.img" -c 1 -m 64
	expect_rc 0 || return
	expect_line "current_el: EL2"
}

# el1_timer PAYLOAD NAME INTID [lkvm run options]: the payload's timer
# interrupt taken at EL1 (guest/baremetal/el1_timer.h), after its own
# EL2 set-up and drop to EL1 when it was entered at EL2.
el1_timer() {
	payload=$1 timer=$2 intid=$3
	shift 3
	lkvm_run 120 run "$@" -k "$BM/$payload.img" -c 1 -m 64
	expect_rc 0 || return
	expect_line "el1_timer: running at EL1" || return
	expect_line "el1_timer: $timer: fired $intid, quiet after eoi"
}

# Without EL2, both EL1 timers' interrupts reach the guest.
t_el1_timers() {
	el1_timer el1_vtimer vtimer 27 || return
	el1_timer el1_ptimer ptimer 30
}

# What an nVHE hypervisor's own kernel does: EL2 with HCR_EL2.E2H clear,
# then a timer interrupt at EL1. The physical timer is the one Linux
# uses there; with the VM's counters offset it stalled the vcpu on this
# test bed (lkvm-run(1), --e2h0), which is why --e2h0 sets no offset.
# The payload powers off by an SMC from its EL2 handler after an HVC
# from EL1, and lkvm must then exit by itself, with status 0: when it
# unmapped guest RAM before closing the VM, KVM took minutes to unmap
# the nested stage 2 the payload's EL1 had used (testing.md, "Why
# lkvm did not exit after an --e2h0 guest's power-off").
el1_timer_e2h0() {
	lkvm_run 60 run --e2h0 -k "$BM/$1.img" -c 1 -m 64
	expect_rc 0 || return
	for line in "el1_timer: HCR_EL2.E2H=0" "el1_timer: running at EL1" \
		"el1_timer: $2: fired $3, quiet after eoi" \
		"guest requested power-off"; do
		expect_line "$line" || return
	done
	expect_no_line "had not stopped"
}

t_el1_timers_e2h0() {
	el1_timer_e2h0 el1_vtimer vtimer 27 || return
	: >"$OUT"
	el1_timer_e2h0 el1_ptimer ptimer 30
}

# SIGTERM ends a running guest with EL2: status 143 (lkvm-run(1)),
# however long the host kernel then takes to free the VM.
t_sigterm_e2h0() {
	sigterm_when "baremetal: echo ready" 60 run --e2h0 -k "$BM/echo.img" \
		-c 1 -m 64
	expect_rc 143 || return
	expect_line "received signal 15" || return
	expect_no_line "had not stopped"
}

t_version_json() {
	lkvm_run 10 version --json
	expect_rc 0 || return
	v=$(sed -n 's/.*"available": \([a-z]*\).*/\1/p' "$OUT")
	[ "$v" = true ] || fail "version --json says nested.available=$v"
}

t_refused() {
	lkvm_run 60 run --nested -k "$BM/current_el.img" -c 1 -m 64
	expect_error "--nested" "$(refusal_reason)" || return
	expect_no_line "current_el"
}

t_version_json_refused() {
	lkvm_run 10 version --json
	expect_rc 0 || return
	v=$(sed -n 's/.*"available": \([a-z]*\).*/\1/p' "$OUT")
	[ "$v" = false ] || fail "version --json says nested.available=$v" || return
	grep '"why"' "$OUT" | grep -qF "$(refusal_reason)" ||
		fail "version --json does not say '$(refusal_reason)'"
}

run_test current-el1 t_current_el1
run_test el1-timers t_el1_timers
if nested_host; then
	run_test current-el2 t_current_el2
	run_test current-el2-e2h0 t_current_el2_e2h0
	run_test el1-timers-e2h0 t_el1_timers_e2h0
	run_test sigterm-e2h0 t_sigterm_e2h0
	run_test version-json t_version_json
else
	run_test refused t_refused
	run_test version-json-refused t_version_json_refused
fi
