# The stress scenario (tests/system/run.sh --stress; never in make check):
# lkvm started and torn down many times, and lkvm under long I/O over
# 9p, virtio-blk and virtio-net, counting how often lkvm dies and keeping
# its crash line ("lkvm: fatal: ...", core/crash.c) for the report.
#
# Every run prints "@@STRESS KIND N RC SECONDS" and, if lkvm printed a
# crash line, "@@CRASH KIND N LINE"; tests/system/stress-report.sh
# counts them per host. The kernel command line sets the sizes:
# lkvm.stress_boots (runs) and lkvm.stress_io (seconds of I/O).

STRESS=/tmp/stress
mkdir -p $STRESS/share $STRESS/www
BOOTS=$(arg stress_boots)
IO_SECONDS=$(arg stress_io)
BOOTS=${BOOTS:-200}
IO_SECONDS=${IO_SECONDS:-300}
# One I/O guest per minute of I/O: start-up and tear-down under I/O too.
IO_GUEST_SECONDS=60

# stress_record KIND N: one run's line, and its crash line if it has one.
# Returns 1 if lkvm died of a signal.
stress_record() {
	echo "@@STRESS $1 $2 $RC $(elapsed "$start")"
	grep '^lkvm: fatal:' "$OUT" | head -n 1 | sed "s/^/@@CRASH $1 $2 /"
	[ "$RC" -lt 128 ] || [ "$RC" = 143 ] && return 0
	return 1
}

# The guest of the report: a Debian kernel whose init runs the SVE
# length probe and powers off, one vcpu, three vector lengths, no NIC.
t_boots() {
	died=0
	bad=0
	i=1
	while [ $i -le "$BOOTS" ]; do
		: >"$OUT"
		start=$(cut -d' ' -f1 /proc/uptime)
		# A generous timeout: a loaded build machine is no crash.
		run_l2 300 sve -c 1 -m 384 --sve-vls=128,256,512 --network mode=none
		stress_record boot $i || died=$((died + 1))
		if [ "$RC" != 0 ] || [ "$(guest_value sve_vls)" != 128,256,512 ]; then
			bad=$((bad + 1))
			cp "$OUT" "$LOGDIR/stress.boot.$i.log"
		fi
		i=$((i + 1))
	done
	[ $died = 0 ] || fail "lkvm died of a signal in $died of $BOOTS runs" || return
	[ $bad = 0 ] || fail "$bad of $BOOTS runs did not end with the guest's report"
}

# Two vcpus doing I/O on a 9p share, a disk and the default NIC (passt,
# to an HTTP server on L1's loopback) at once, one guest a minute.
t_io() {
	head -c 1000000 /dev/urandom >$STRESS/www/file
	httpd -f -p 127.0.0.1:8081 -h $STRESS/www &
	httpd=$!
	md5=$(md5sum <$STRESS/www/file | cut -d' ' -f1)
	rm -f $STRESS/disk.img
	truncate -s 64M $STRESS/disk.img
	died=0
	errors=0
	rounds=0
	i=1
	while [ $((i * IO_GUEST_SECONDS)) -le "$IO_SECONDS" ]; do
		: >"$OUT"
		start=$(cut -d' ' -f1 /proc/uptime)
		lkvm_run $((IO_GUEST_SECONDS + 300)) run -k "$L2_KERNEL" -i "$L2_INITRD" \
			-p "$L2_PARAMS lkvm.test=stress_io lkvm.seconds=$IO_GUEST_SECONDS lkvm.port=8081 lkvm.http_md5=$md5" \
			-c 2 -m 512 --9p $STRESS/share -d $STRESS/disk.img
		stress_record io $i || died=$((died + 1))
		n=$(guest_value io_rounds)
		e=$(guest_value io_errors)
		rounds=$((rounds + ${n:-0}))
		errors=$((errors + ${e:-1}))
		if [ "$RC" != 0 ] || [ -z "$n" ] || [ "${e:-1}" != 0 ]; then
			cp "$OUT" "$LOGDIR/stress.io.$i.log"
			grep -F '@@L2 io_error=' "$OUT" | head -n 5
		fi
		i=$((i + 1))
	done
	kill $httpd
	echo "@@STRESS-IO rounds=$rounds errors=$errors"
	[ $died = 0 ] || fail "lkvm died of a signal in $died of $((i - 1)) I/O guests" || return
	[ $errors = 0 ] || fail "$errors I/O rounds failed (of $rounds)"
}

run_test boots t_boots
run_test io t_io
