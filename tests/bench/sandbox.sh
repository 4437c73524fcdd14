# lkvm sandbox benchmark (runs inside the nested host): wall-clock time
# from exec of `lkvm sandbox -- true` to its exit, with the Debian kernel
# and its modules (initramfs built, modules loaded, 9p root mounted, the
# command run, the status reported), and 9p throughput seen by a command
# in the guest reading and writing 64 MiB under /host. Numbers only.
runs=5
r=$(timeit $runs lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p cryptomgr.notests -- true)
echo "@@BENCH sandbox boot-to-exit 1vcpu-256M: $r"

dd if=/dev/urandom of=/tmp/bench-9p bs=1048576 count=64 2>/dev/null
rm -f /tmp/bench-9p-w
out=$(lkvm sandbox -k "$L2_KERNEL" -c 2 -m 512 -p cryptomgr.notests -- sh -c '
	t() { cut -d" " -f1 /proc/uptime; }
	a=$(t); cat /host/tmp/bench-9p >/dev/null; b=$(t)
	dd if=/dev/zero of=/host/tmp/bench-9p-w bs=1048576 count=64 conv=fsync 2>/dev/null; c=$(t)
	echo "$a $b $c"' </dev/null 2>/tmp/bench-9p.err)
rc=$?
if [ "$rc" != 0 ]; then
	echo "@@BENCH sandbox 9p: lkvm exited with status $rc"
	tail -n 10 /tmp/bench-9p.err | sed 's/^/@@BENCH sandbox 9p: /'
else
	echo "$out" | awk '{ printf "@@BENCH sandbox 9p seq-read 64MiB: %.1f MB/s\n", 64 * 1.048576 / ($2 - $1);
			    printf "@@BENCH sandbox 9p seq-write 64MiB + fsync: %.1f MB/s\n", 64 * 1.048576 / ($3 - $2) }'
fi
rm -f /tmp/bench-9p /tmp/bench-9p-w /tmp/bench-9p.err
