# lkvm sandbox benchmark (runs inside the nested host): time from exec
# of `lkvm sandbox` to its exit with the Debian kernel and its modules,
# cold (--cold: initramfs built, kernel booted, modules loaded, 9p root
# mounted, the command run, the status reported) and warm (the guest
# restored from its template, handed the command), interleaved, for
# `true` and for a command that reads a host file; then 9p throughput
# seen by a command in the guest reading and writing 64 MiB under /host.
# Wall and CPU time (lkvm and its vcpu threads) from timeit. Numbers only.
# Where a warm run's time goes: sandbox-phases.sh.
runs=10
SB="lkvm sandbox -k $L2_KERNEL -c 1 -m 256 -p cryptomgr.notests"
dd if=/dev/urandom of=/tmp/bench-host-file bs=1024 count=1024 2>/dev/null
lkvm setup --clean-cache >/dev/null
# The first warm-capable runs save the templates.
$SB -- true </dev/null >/dev/null 2>&1
out=$(timeit 2 $SB --cold -- true :: $SB -- true)
out=$(timeit $runs $SB --cold -- true :: $SB -- true)
echo "@@BENCH sandbox cold boot-to-exit (true) 1vcpu-256M: $(echo "$out" | sed -n 1p)"
echo "@@BENCH sandbox warm boot-to-exit (true) 1vcpu-256M: $(echo "$out" | sed -n 2p)"
out=$(timeit $runs $SB --cold -- cat /host/tmp/bench-host-file :: \
	$SB -- cat /host/tmp/bench-host-file)
echo "@@BENCH sandbox cold boot-to-exit (read a 1 MiB host file): $(echo "$out" | sed -n 1p)"
echo "@@BENCH sandbox warm boot-to-exit (read a 1 MiB host file): $(echo "$out" | sed -n 2p)"
echo "@@BENCH sandbox warm template: $(du -sk "$HOME/.lkvm/.templates" | cut -f1) KiB on disk"
rm -f /tmp/bench-host-file

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
