# VMM memory overhead (runs inside the nested host): a Debian guest with
# 1 vcpu and 256 MiB, a virtio console, an rng, one disk and the default
# NIC, idle after booting. The overhead is the VMM's resident memory less
# what the guest touched of its RAM (the resident part of the RAM
# mapping, the VMM's largest), from /proc/PID/smaps. lkvm, and kvmtool
# when make bench has it (LKVM_BENCH_REF). passt, lkvm's user-mode
# network, is a process of its own: its resident memory is shown apart.
IMG=/tmp/bench-mem.img
dd if=/dev/zero of="$IMG" bs=1048576 count=64 2>/dev/null

# mem_measure NAME COMMAND...: "TOTAL_KIB RAM_KIB OVERHEAD_KIB".
mem_measure() {
	name=$1
	shift
	OUT=/tmp/bench-mem-$name.log
	"$@" </dev/null >"$OUT" 2>&1 &
	pid=$!
	if wait_for "$OUT" "@@L2 sleeping" 300; then
		sleep 2
		awk '/^Size:/ { size = $2 }
		     /^Rss:/ { rss += $2; if (size > max) { max = size; ram = $2 } }
		     END { print rss, ram, rss - ram }' /proc/$pid/smaps
		if [ "$name" = lkvm ]; then
			for p in $(pidof passt); do
				awk '/^VmRSS:/ { print "passt", $2 }' /proc/$p/status
			done
		fi
	else
		echo "@@BENCH mem $name: the guest did not boot" >&2
		tail -n 20 "$OUT" | sed "s/^/@@BENCH mem $name: /" >&2
	fi
	kill -9 $pid 2>/dev/null
	wait $pid
}

params="$L2_PARAMS lkvm.test=sleep"
l=$(mem_measure lkvm lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -p "$params" \
	-c 1 -m 256 --console virtio --rng -d "$IMG")
lo=$(echo "$l" | awk 'NR == 1 { printf "%.1f", $3 / 1024 }')
line="lkvm $lo MiB ($(echo "$l" | awk 'NR == 1 { printf "resident %.1f MiB, guest RAM touched %.1f MiB", $1 / 1024, $2 / 1024 }'); passt $(echo "$l" | awk '$1 == "passt" { printf "%.1f MiB", $2 / 1024 }'))"
ko=
if [ -n "$KVMTOOL" ]; then
	k=$(mem_measure kvmtool "$KVMTOOL" run -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$params" -c 1 -m 256 --console virtio --rng -d "$IMG" \
		--virtio-transport mmio)
	ko=$(echo "$k" | awk 'NR == 1 { printf "%.1f", $3 / 1024 }')
	line="$line, kvmtool $ko MiB ($(echo "$k" | awk 'NR == 1 { printf "resident %.1f MiB, guest RAM touched %.1f MiB", $1 / 1024, $2 / 1024 }'))"
fi
echo "@@BENCH mem VMM overhead (resident less touched guest RAM), 1 vcpu 256 MiB, console rng disk NIC: $line"
bench_row "mem VMM resident less touched guest RAM" MiB "$lo" "$ko"
rm -f "$IMG"
