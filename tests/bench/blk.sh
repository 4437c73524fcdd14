# virtio-blk benchmark (runs inside the nested host): a Linux guest reads
# and writes /dev/vda, a 256 MiB image on the host's tmpfs, with
# guest/linux/blkbench.c. Numbers only, no thresholds.
# Reference: kvmtool in the same nested host gives about 18.6 MB/s
# sequential read (256 MiB), 7.0 MB/s sequential write with fsync
# (128 MiB) and 135 IOPS for 4 KiB direct random reads.
SUITE=bench
OUT=/tmp/bench-blk.log
rm -f /tmp/bench-blk.img
dd if=/dev/zero of=/tmp/bench-blk.img bs=1048576 count=256 2>/dev/null
run_l2 300 bench_blk -c 2 -m 512 -d /tmp/bench-blk.img >/dev/null
if [ "$RC" != 0 ]; then
	echo "@@BENCH blk: lkvm exited with status $RC"
	tail -n 20 "$OUT" | sed 's/^/@@BENCH blk: /'
else
	echo "@@BENCH blk seq-read 1M O_DIRECT 256MiB: $(guest_value read_direct_mbps) MB/s"
	echo "@@BENCH blk seq-read 1M buffered 256MiB: $(guest_value read_buffered_mbps) MB/s"
	echo "@@BENCH blk seq-write 1M + fsync 128MiB: $(guest_value write_mbps) MB/s"
	echo "@@BENCH blk rand-read 4K O_DIRECT QD1 10s: $(guest_value randread_iops) IOPS"
fi
rm -f /tmp/bench-blk.img
