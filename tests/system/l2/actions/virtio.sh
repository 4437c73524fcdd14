# Guest side of tests/system/scenarios/virtio.sh: virtio-blk, -rng and
# -console seen from a Linux guest. Results as "@@L2 KEY=VALUE".

# wait_dev PATH: the driver creates device nodes as it probes.
wait_dev() {
	n=0
	while [ ! -e "$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -e "$1" ]
}

# The pattern both sides generate: 3 MiB of a repeated line.
pattern() {
	yes "lkvm virtio-blk pattern 0123456789abcdef" | head -c 3145728
}

# Writes the pattern at 1 MiB into /dev/vda, flushes (conv=fsync sends
# a FLUSH), then powers off at once: the host checks the image.
action_blk_write() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	echo "@@L2 size_sectors=$(cat /sys/block/vda/size)"
	echo "@@L2 cmdline=$(tr ' ' '+' </proc/cmdline)"
	echo "@@L2 serial=$(cat /sys/block/vda/serial 2>/dev/null)"
	pattern >/tmp/p
	dd if=/tmp/p of=/dev/vda bs=65536 seek=16 conv=fsync 2>/dev/null
	echo "@@L2 dd_rc=$?"
	echo "@@L2 pattern_md5=$(md5sum </tmp/p | cut -d' ' -f1)"
}

# O_DIRECT writes complete at the device without a FLUSH: after a forced
# power-off they must still be in the image. The first MiB in 64 KiB
# requests, the rest in requests of 1 MiB (the device's size_max).
action_blk_direct_write() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	pattern >/tmp/p
	dd if=/tmp/p of=/dev/vda bs=65536 count=16 oflag=direct 2>/dev/null &&
		dd if=/tmp/p of=/dev/vda bs=1048576 skip=1 seek=1 oflag=direct 2>/dev/null
	echo "@@L2 dd_rc=$?"
}

action_blk_read() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	echo "@@L2 md5=$(md5sum </dev/vda | cut -d' ' -f1)"
	echo "@@L2 direct_md5=$(dd if=/dev/vda bs=65536 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
	echo "@@L2 direct_1m_md5=$(dd if=/dev/vda bs=1048576 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
}

# A read-only disk: the guest sees it read-only; forced read-write, the
# device itself must refuse the write.
action_blk_ro() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	echo "@@L2 ro=$(cat /sys/block/vda/ro)"
	dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct 2>/dev/null
	echo "@@L2 write_rc=$?"
	blockdev --setrw /dev/vda
	dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct 2>/dev/null
	echo "@@L2 forced_write_rc=$?"
	echo "@@L2 md5=$(md5sum </dev/vda | cut -d' ' -f1)"
}

# Eight disks: each starts with its own label, in -d order.
action_blk_many() {
	wait_dev /dev/vdh || { echo "@@L2 no-vdh"; return; }
	labels=
	for d in a b c d e f g h; do
		labels="$labels$(head -c 6 /dev/vd$d)"
	done
	echo "@@L2 disks=$(ls /sys/block | grep -c '^vd')"
	echo "@@L2 labels=$labels"
}

# DISCARD and WRITE_ZEROES: both must read back as zeroes here (the image
# lives on tmpfs, which punches holes).
action_blk_discard() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	echo "@@L2 max_discard=$(cat /sys/block/vda/queue/discard_max_hw_bytes)"
	echo "@@L2 max_wz=$(cat /sys/block/vda/queue/write_zeroes_max_bytes)"
	blkdiscard -o 0 -l 1048576 /dev/vda
	echo "@@L2 discard_rc=$?"
	blkbench zeroout /dev/vda 1048576 1048576
	echo "@@L2 zeroout_rc=$?"
	echo "@@L2 head_md5=$(dd if=/dev/vda bs=1048576 count=2 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)"
}

action_rng() {
	wait_dev /dev/hwrng || { echo "@@L2 no-hwrng"; return; }
	echo "@@L2 rng_current=$(cat /sys/class/misc/hw_random/rng_current)"
	echo "@@L2 rng_bytes=$(dd if=/dev/hwrng bs=4096 count=4 2>/dev/null | wc -c)"
	echo "@@L2 rng_distinct=$(dd if=/dev/hwrng bs=1024 count=1 2>/dev/null | od -An -tx1 -v | tr ' ' '\n' | grep . | sort -u | wc -l)"
}

# tests/bench/blk.sh: /dev/vda is a scratch image of at least 256 MiB.
# After each workload the guest prints the requests the disk completed
# so far (reads, writes, discards, flushes), the sectors they moved, the
# flushes alone and a mark, then idles for a second, in which the host
# reads the VMM's CPU time. First, the request limits the guest derived
# from the device's configuration.
blk_mark() {
	[ "$1" = start ] && echo "@@L2 queue_limits=$(cd /sys/block/vda/queue &&
		echo "max_sectors_kb:$(cat max_sectors_kb),max_segments:$(cat max_segments),max_segment_size:$(cat max_segment_size)")"
	echo "@@L2 ios_$1=$(awk '{ print $1 + $5 + $12 + $16 }' /sys/block/vda/stat)"
	echo "@@L2 sectors_$1=$(awk '{ print $3 + $7 + $14 }' /sys/block/vda/stat)"
	echo "@@L2 flushes_$1=$(awk '{ print $16 }' /sys/block/vda/stat)"
	echo "@@L2 irq_$1=$(awk '/virtio/ { for (i = 2; $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts)"
	echo "@@L2 mark=$1"
	sleep 1
}

action_bench_blk_direct() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	blk_mark start
	for i in 1 2 3; do
		blkbench read /dev/vda 256 direct
		blk_mark read_direct$i
	done
}

action_bench_blk() {
	wait_dev /dev/vda || { echo "@@L2 no-vda"; return; }
	blk_mark start
	blkbench read /dev/vda 256 direct
	blk_mark read_direct
	blkbench read /dev/vda 256
	blk_mark read_buffered
	blkbench write /dev/vda 128
	blk_mark write
	blkbench randread /dev/vda 10
	blk_mark randread
}
