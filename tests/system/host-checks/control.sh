#!/bin/bash
# Reads the JSON that lkvm list and lkvm debug --dump --json printed in
# the nested host (exported by scenarios/control.sh) with jq, a parser
# that is not lkvm's, and checks its structure and SVE sizes.
set -u
files=${FILES:?}

result() { echo "$1 control.$2${3:+: $3}"; }

# check NAME FILE JQ-PROGRAM: the program must print true.
check() {
	local name=$1 file=$2 prog=$3 got
	if [ ! -s "$files/$file" ]; then
		result FAIL "$name" "$file was not exported"
		return
	fi
	if ! got=$(jq -e "$prog" "$files/$file" 2>&1); then
		result FAIL "$name" "$(echo "$got" | tail -n 1)"
	else
		result PASS "$name" "$file read by jq"
	fi
}

check json-list list.json '
	type == "array" and
	(map(select(.name == "ctl-a")) | length == 1) and
	(.[] | select(.name == "ctl-a") |
		.state == "running" and .vcpus == 2 and
		.memory_bytes == 268435456 and (.pid | type) == "number" and
		.sve_vector_lengths == [range(1; 17) | . * 128] and
		.uptime_ms > 0)'

# Every register: a hex ID, and a value exactly bits/4 hex digits wide
# (or an error); SVE registers at the VM'"'"'s 256 bits, not 2048.
check json-dump-sve dump-sve.json '
	.name == "ctl-sve" and .state == "running" and
	.sve_vector_lengths == [128, 256] and .sve_max_bits == 256 and
	(.vcpus | length) == 1 and .vcpus[0].id == 0 and
	(.vcpus[0].registers | length) > 100 and
	all(.vcpus[0].registers[];
		(.id | test("^0x[0-9a-f]{16}$")) and
		(if .error then true
		 else (.value | length) == 2 + .bits / 4 end)) and
	([.vcpus[0].registers[] | select(.name != null and (.name | test("^Z[0-9]+$")))] |
		length == 32 and all(.bits == 256)) and
	([.vcpus[0].registers[] | select(.name != null and (.name | test("^P[0-9]+$")))] |
		length == 16 and all(.bits == 32)) and
	(.vcpus[0].registers[] | select(.name == "Z0") | .value) ==
		"0x201f1e1d1c1b1a191817161514131211100f0e0d0c0b0a090807060504030201" and
	(.vcpus[0].registers[] | select(.name == "SVE_VLS") | .vector_lengths) == [128, 256] and
	([.vcpus[0].registers[] | select(.name == null)] | length > 0 and
		all(.encoding != null or (.id | startswith("0x")))) and
	([.vcpus[0].registers[] | .name | select(. != null)] as $n |
		["X0", "X30", "SP_EL0", "PC", "PSTATE", "SP_EL1", "ELR_EL1",
		 "SPSR_EL1", "SCTLR_EL1", "TCR_EL1", "TTBR0_EL1", "TTBR1_EL1",
		 "MAIR_EL1", "VBAR_EL1", "ESR_EL1", "FAR_EL1", "CPACR_EL1",
		 "ZCR_EL1", "FPSR", "FPCR", "FFR"] - $n == [])'

check json-dump-all dump-all.json '
	type == "array" and (map(.name) | sort) == ["ctl-a", "ctl-sve"] and
	(.[] | select(.name == "ctl-a") | (.vcpus | map(.id)) == [0, 1])'
