# Guest side of the migrate suite (tests/system/scenarios/migrate.sh).

# Numbered 512-byte records into /dev/vda, one every 100 ms, each flushed
# and read back from the disk with O_DIRECT (the device writes the bytes
# straight into guest memory, as a migration streams it): "@@L2 blk=N"
# for a record that read back right, "@@L2 blk_bad=N" for one that did
# not. The host checks the image afterwards.
action_blk_migrate() {
	n=0
	while [ ! -e /dev/vda ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	i=0
	while :; do
		rec="lkvm migrate record $i"
		echo "$rec" | dd of=/dev/vda bs=512 seek="$i" conv=sync,fsync 2>/dev/null
		got=$(dd if=/dev/vda bs=512 skip="$i" count=1 iflag=direct 2>/dev/null | head -n 1)
		if [ "$got" = "$rec" ]; then
			echo "@@L2 blk=$i"
		else
			echo "@@L2 blk_bad=$i"
		fi
		i=$((i + 1))
		usleep 100000
	done
}

# The ticker, with 16 MiB of memory rewritten ten times a second beside
# it: a migration with a tight --max-downtime never converges.
action_dirty_ticker() {
	while :; do
		dd if=/dev/zero of=/tmp/dirty bs=1M count=16 conv=notrunc 2>/dev/null
		usleep 100000
	done &
	action_ticker
}

# The dirty ticker with network receive beside it: the host's pattern
# (net.sh's net_pattern, served at the gateway's port 8080) fetched
# through the NIC over and over, each copy checked: "@@L2 net=N" for one
# that came whole and right, "@@L2 net_bad=N" for one with other bytes.
# A fetch that fails or hangs (a migration gives the guest a new backend,
# its connection breaks) is tried again.
action_net_dirty_ticker() {
	(
		wait_if eth0 && dhcp eth0 >/dev/null
		router=$(cat /tmp/router)
		want=$(net_pattern | md5sum)
		i=0
		while :; do
			if timeout 30 wget -q -O /tmp/net "http://$router:8080/pattern" 2>/dev/null; then
				if [ "$(md5sum </tmp/net)" = "$want" ]; then
					echo "@@L2 net=$i"
				else
					echo "@@L2 net_bad=$i"
				fi
				i=$((i + 1))
			fi
			usleep 100000
		done
	) &
	action_dirty_ticker
}

# Memory dirtied at a fixed rate, for tests/bench/migrate.sh: a region of
# lkvm.dirty_mib MiB rewritten once a second, a tenth every 100 ms, with
# bytes that are not zero (zero pages cost a migration next to nothing).
# The rate is at most that: a guest too slow to keep up writes less.
action_dirty_rate() {
	mib=$(sed -n 's/.*lkvm\.dirty_mib=\([0-9]*\).*/\1/p' /proc/cmdline)
	slice=$((${mib:-64} * 1024 / 10))
	yes "lkvm dirty" | head -c $((slice * 1024)) >/tmp/slice
	echo "@@L2 dirtying ${mib:-64} MiB/s"
	while :; do
		for i in 0 1 2 3 4 5 6 7 8 9; do
			dd if=/tmp/slice of=/tmp/dirty bs=1K count=$slice \
				seek=$((i * slice)) conv=notrunc 2>/dev/null
			usleep 100000
		done
	done
}
