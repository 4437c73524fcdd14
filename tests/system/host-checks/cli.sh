#!/bin/bash
# Decodes the DTBs lkvm wrote inside the nested host (--dump-dtb) with
# dtc and checks them node by node. Prints @@RESULT-style lines.
set -u
files=${FILES:?}

result() { echo "$1 cli.$2${3:+: $3}"; }

# prop DTS NODE PROP: the property's value as dtc prints it.
prop() {
	awk -v node="$2" -v prop="$3" '
		/\{$/ { n = $1; path[++depth] = n; next }
		/^[ \t]*\};/ { depth--; next }
		{
			p = ""
			for (i = 2; i <= depth; i++) p = p "/" path[i]
			if (p == "") p = "/"
			line = $0; sub(/^[ \t]+/, "", line)
			if (p == node && line == prop ";")
				print ""
			else if (p == node && index(line, prop " = ") == 1) {
				v = line; sub(/^[^=]*= /, "", v); sub(/;$/, "", v); print v
			}
		}' "$1"
}

check() {
	local dts=$1 node=$2 p=$3 want=$4 got
	got=$(prop "$dts" "$node" "$p")
	if [ "$got" != "$want" ]; then
		echo "$node $p is '$got', expected '$want'"
		return 1
	fi
}

decode() {
	dtc -q -I dtb -O dts -o "$2" "$1" 2>&1
}

basic() {
	local d=$files/basic.dts
	[ -f "$files/basic.dtb" ] || { echo "no basic.dtb exported"; return 1; }
	decode "$files/basic.dtb" "$d" || return 1
	check $d / compatible '"linux,dummy-virt"' &&
	check $d / '#address-cells' '<0x02>' &&
	check $d / interrupt-parent '<0x01>' &&
	check $d /chosen bootargs '"console=ttyS0 root=/dev/foo"' &&
	check $d /chosen stdout-path '"/uart@1000000"' &&
	[ -n "$(prop $d /chosen linux,initrd-start)" ] &&
	[ -n "$(prop $d /chosen linux,initrd-end)" ] &&
	check $d /aliases serial0 '"/uart@1000000"' &&
	check $d /memory@80000000 device_type '"memory"' &&
	check $d /memory@80000000 reg '<0x00 0x80000000 0x00 0x10000000>' &&
	check $d /cpus '#address-cells' '<0x01>' &&
	check $d /cpus/cpu@0 reg '<0x00>' &&
	check $d /cpus/cpu@0 enable-method '"psci"' &&
	check $d /cpus/cpu@0 device_type '"cpu"' &&
	check $d /cpus/cpu@1 reg '<0x01>' &&
	[ -z "$(grep -n 'cpu@2' $d)" ] &&
	check $d /psci compatible '"arm,psci-1.0\0arm,psci-0.2"' &&
	check $d /psci method '"hvc"' &&
	check $d /timer compatible '"arm,armv8-timer"' &&
	check $d /timer interrupts '<0x01 0x0d 0x08 0x01 0x0e 0x08 0x01 0x0b 0x08 0x01 0x0a 0x08>' &&
	check $d /intc@3fff0000 compatible '"arm,gic-v3"' &&
	check $d /intc@3fff0000 reg '<0x00 0x3fff0000 0x00 0x10000 0x00 0x3ffb0000 0x00 0x40000>' &&
	check $d /intc@3fff0000 '#interrupt-cells' '<0x03>' &&
	check $d /intc@3fff0000 interrupt-controller '' &&
	check $d /intc@3fff0000 phandle '<0x01>' &&
	check $d /uart@1000000 compatible '"ns16550a"' &&
	check $d /uart@1000000 reg '<0x00 0x1000000 0x00 0x08>' &&
	check $d /uart@1000000 interrupts '<0x00 0x00 0x04>' &&
	check $d /uart@1000000 clock-frequency '<0x1c2000>' &&
	check $d /rtc@1010000 compatible '"arm,pl031\0arm,primecell"' &&
	check $d /rtc@1010000 reg '<0x00 0x1010000 0x00 0x1000>' &&
	check $d /rtc@1010000 interrupts '<0x00 0x01 0x04>' &&
	check $d /rtc@1010000 clocks '<0x02>' &&
	check $d /rtc@1010000 clock-names '"apb_pclk"' &&
	check $d /apb-pclk compatible '"fixed-clock"' &&
	check $d /apb-pclk '#clock-cells' '<0x00>' &&
	check $d /apb-pclk phandle '<0x02>' &&
	{ ! grep -q 'pmu {' $d || { echo "pmu node without --pmu"; return 1; }; }
}

no_rtc() {
	local d=$files/no-rtc.dts
	[ -f "$files/no-rtc.dtb" ] || { echo "no no-rtc.dtb exported"; return 1; }
	decode "$files/no-rtc.dtb" "$d" || return 1
	{ ! grep -q 'rtc@\|apb-pclk' $d || { echo "an RTC node with --no-rtc"; return 1; }; }
}

nodefaults_pmu() {
	local d=$files/nodefaults-pmu.dts
	[ -f "$files/nodefaults-pmu.dtb" ] || { echo "no nodefaults-pmu.dtb exported"; return 1; }
	decode "$files/nodefaults-pmu.dtb" "$d" || return 1
	check $d /chosen bootargs '"exactly this"' &&
	[ -z "$(prop $d /chosen linux,initrd-start)" ] &&
	check $d /pmu compatible '"arm,armv8-pmuv3"' &&
	check $d /pmu interrupts '<0x01 0x07 0x04>' &&
	check $d /intc@3fff0000 reg '<0x00 0x3fff0000 0x00 0x10000 0x00 0x3ffd0000 0x00 0x20000>'
}

clamped() {
	local d=$files/clamped.dts n
	[ -f "$files/clamped.dtb" ] || { echo "no clamped.dtb exported"; return 1; }
	decode "$files/clamped.dtb" "$d" || return 1
	n=$(grep -c 'cpu@[0-9a-f]* {' $d)
	[ "$n" -ge 1 ] && [ "$n" -lt 4000 ] || { echo "$n cpu nodes"; return 1; }
	# The redistributor region grows with the vcpus actually created.
	check $d /intc@3fff0000 reg "<0x00 0x3fff0000 0x00 0x10000 0x00 $(printf '0x%x' $((0x3fff0000 - n * 0x20000))) 0x00 $(printf '0x%x' $((n * 0x20000)))>"
}

for t in basic nodefaults_pmu no_rtc clamped; do
	if why=$($t 2>&1); then
		result PASS "dtb-$t" "decoded with dtc"
	else
		result FAIL "dtb-$t" "$(echo "$why" | tail -n 1)"
	fi
done
