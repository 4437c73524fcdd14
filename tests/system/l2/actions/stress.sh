# Guest side of tests/system/scenarios/stress.sh: rounds of I/O over
# every device path at once (a 9p share, a disk, the default NIC) until
# lkvm.seconds have passed, then "@@L2 io_rounds=N io_errors=N".
# Each round checks what it read back, so a corrupted path counts too.

stress_param() {
	sed -n "s/.*lkvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

# stress_round N: one round; prints "@@L2 io_error=WHAT" for each failure.
stress_round() {
	# 9p: a file written through the share and read back.
	dd if=/tmp/data of=/mnt/round bs=65536 2>/dev/null &&
		[ "$(md5sum </mnt/round)" = "$DATA_MD5" ] ||
		echo "@@L2 io_error=9p-round-$1"
	rm -f /mnt/round
	# blk: the same at a place on the disk that moves with the round.
	dd if=/tmp/data of=/dev/vda bs=65536 seek=$(($1 % 16 * 4)) conv=fsync 2>/dev/null &&
		[ "$(dd if=/dev/vda bs=65536 skip=$(($1 % 16 * 4)) count=4 iflag=direct 2>/dev/null |
			md5sum)" = "$DATA_MD5" ] ||
		echo "@@L2 io_error=blk-round-$1"
	# net: a file from the host's loopback through passt.
	wget -q -O /tmp/got "http://$ROUTER:$(stress_param port)/file" &&
		[ "$(md5sum </tmp/got)" = "$(stress_param http_md5)  -" ] ||
		echo "@@L2 io_error=net-round-$1"
}

action_stress_io() {
	mount9p kvm_9p /mnt || return
	wait_dev /dev/vda || { echo "@@L2 io_error=no-vda"; return; }
	wait_if eth0 || { echo "@@L2 io_error=no-eth0"; return; }
	dhcp eth0 >/dev/null
	ROUTER=$(cat /tmp/router)
	head -c 262144 /dev/urandom >/tmp/data
	DATA_MD5=$(md5sum </tmp/data)
	end=$(($(cut -d. -f1 /proc/uptime) + $(stress_param seconds)))
	n=0
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
		stress_round $n
		n=$((n + 1))
	done >/tmp/errors
	cat /tmp/errors
	echo "@@L2 io_rounds=$n"
	echo "@@L2 io_errors=$(grep -c . /tmp/errors)"
}
