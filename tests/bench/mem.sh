# VMM memory overhead (runs inside the nested host): a Debian guest with
# 1 vcpu and 256 MiB, a virtio console, an rng, one disk and the default
# NIC, idle after booting. The overhead is the VMM's resident memory less
# what the guest touched of its RAM (the resident part of the mappings
# that hold the guest's RAM: the VMM's largest and the anonymous ones
# next to it, up to the RAM's size), from /proc/PID/smaps. lkvm, and kvmtool
# when make bench has it (LKVM_BENCH_REF). passt, lkvm's user-mode
# network, is a process of its own: its resident memory is shown apart.
IMG=/tmp/bench-mem.img
dd if=/dev/zero of="$IMG" bs=1048576 count=64 2>/dev/null

# Guest RAM is the largest mapping and the anonymous read-write
# mappings next to it, up to the guest's RAM size: lkvm's RAM is split
# into several (small pages where the DTB lies), and lkvm's also holds
# the 2 MiB it reserved to align RAM, never touched (core/guest_mem.c).
RAM_AWK='
/^[0-9a-f]+-[0-9a-f]+ / {
	n++
	split($1, a, "-")
	lo[n] = a[1]; hi[n] = a[2]
	anon[n] = ($2 == "rw-p" && $5 == 0 && NF == 5)
}
/^Size:/ { size[n] = $2 }
/^Rss:/ { r[n] = $2; rss += $2; if ($2 > 0 && size[n] > size[big]) big = n }
END {
	total = size[big]; ram = r[big]
	for (i = big - 1; i > 0 && anon[i] && hi[i] == lo[i + 1] &&
	     total + size[i] <= ram_kib; i--) {
		total += size[i]; ram += r[i]
	}
	for (i = big + 1; i <= n && anon[i] && lo[i] == hi[i - 1] &&
	     total + size[i] <= ram_kib; i++) {
		total += size[i]; ram += r[i]
	}
	print rss, ram, rss - ram
}
'

# mem_measure NAME COMMAND...: "TOTAL_KIB RAM_KIB OVERHEAD_KIB".
mem_measure() {
	name=$1
	shift
	OUT=/tmp/bench-mem-$name.log
	"$@" </dev/null >"$OUT" 2>&1 &
	pid=$!
	if wait_for "$OUT" "@@L2 sleeping" 300; then
		sleep 2
		slack=0
		[ "$name" = lkvm ] && slack=2048
		awk -v ram_kib=$((256 * 1024 + slack)) "$RAM_AWK" /proc/$pid/smaps
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
