#!/bin/bash
# Decodes the DTB the virtio suite exported (--dump-dtb with a virtio
# console, two disks, an rng and the default NIC) with dtc and checks the virtio-mmio
# nodes. Prints @@RESULT-style lines.
set -u
files=${FILES:?}

result() { echo "$1 virtio.$2${3:+: $3}"; }

# node_props DTS NODE: "prop = value;" lines of one top-level node.
node_props() {
	awk -v node="$2" '
		$0 ~ "^\t" node " \\{" { inside = 1; next }
		inside && /^\t\};/ { inside = 0 }
		inside { sub(/^[ \t]+/, ""); print }' "$1"
}

check_node() {
	local dts=$1 node=$2 spi=$3 got want
	got=$(node_props "$dts" "$node")
	want="compatible = \"virtio,mmio\";
reg = <0x00 0x${node#virtio@} 0x00 0x200>;
dma-coherent;
interrupts = <0x00 $spi 0x01>;"
	if [ "$got" != "$want" ]; then
		echo "$node is '$(echo $got)', expected '$(echo $want)'"
		return 1
	fi
}

virtio_nodes() {
	local dtb=$files/virtio.dtb d=$files/virtio.dts
	[ -f "$dtb" ] || { echo "no virtio.dtb exported"; return 1; }
	dtc -q -I dtb -O dts -o "$d" "$dtb" 2>&1 || return 1
	# Console, two disks, rng, the default NIC: slots 0-4 after the
	# UART's SPI 0 and the RTC's SPI 1.
	check_node $d virtio@3000000 0x02 &&
	check_node $d virtio@3000200 0x03 &&
	check_node $d virtio@3000400 0x04 &&
	check_node $d virtio@3000600 0x05 &&
	check_node $d virtio@3000800 0x06 &&
	{ ! grep -q 'virtio@3000a00' $d || { echo "a sixth virtio node"; return 1; }; } &&
	{ ! grep -q 'stdout-path' $d || { echo "stdout-path with --console virtio"; return 1; }; } &&
	grep -q 'bootargs = "console=hvc0 root=/dev/vda rw"' $d ||
		{ echo "bootargs: $(grep bootargs $d)"; return 1; }
}

if why=$(virtio_nodes 2>&1); then
	result PASS dtb-nodes "decoded with dtc"
else
	result FAIL dtb-nodes "$(echo "$why" | tail -n 1)"
fi
