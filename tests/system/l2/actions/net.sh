# Guest side of tests/system/scenarios/net.sh and tests/bench/net.sh:
# virtio-net seen from a Linux guest. Results as "@@L2 KEY=VALUE".
# Parameters come as lkvm.NAME=VALUE on the kernel command line.

net_param() {
	sed -n "s/.*lkvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

# wait_if NAME: the driver creates interfaces as it probes.
wait_if() {
	n=0
	while [ ! -e "/sys/class/net/$1" ] && [ $n -lt 100 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	[ -e "/sys/class/net/$1" ]
}

# net_report NAME: what the guest sees of one interface.
net_report() {
	echo "@@L2 $1_mac=$(cat /sys/class/net/$1/address)"
	echo "@@L2 $1_mtu=$(cat /sys/class/net/$1/mtu)"
	echo "@@L2 $1_carrier=$(cat /sys/class/net/$1/carrier 2>/dev/null)"
}

# dhcp NAME: address and default route from passt's DHCP server.
dhcp() {
	cat >/tmp/udhcpc.sh <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
[ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
echo "$router" >/tmp/router
SCRIPT
	chmod +x /tmp/udhcpc.sh
	ip link set "$1" up
	udhcpc -i "$1" -n -q -f -t 10 -T 1 -s /tmp/udhcpc.sh >/dev/null 2>&1
	echo "@@L2 dhcp_rc=$?"
	echo "@@L2 ip=$(ip -4 addr show dev "$1" | sed -n 's/.*inet \([0-9.]*\).*/\1/p')"
	echo "@@L2 router=$(cat /tmp/router 2>/dev/null)"
}

# The pattern both sides generate: 1 MiB of a repeated line.
net_pattern() {
	yes "lkvm virtio-net pattern 0123456789abcdef" | head -c 1048576
}

# User mode: fetch a file from the host's loopback through passt, which
# maps the gateway address to the host.
action_net_user_http() {
	wait_if eth0 || { echo "@@L2 no-eth0"; return; }
	dhcp eth0
	net_report eth0
	router=$(cat /tmp/router)
	wget -q -O /tmp/f "http://$router:$(net_param port)/file"
	echo "@@L2 wget_rc=$?"
	echo "@@L2 http_md5=$(md5sum </tmp/f | cut -d' ' -f1)"
	# And the other way: the guest's data reaches a host listener.
	net_pattern | nc "$router" "$(net_param upport)"
	echo "@@L2 upload_rc=$?"
}

# User mode with hostfwd: serve a file until lkvm is stopped.
action_net_user_serve() {
	wait_if eth0 || { echo "@@L2 no-eth0"; return; }
	dhcp eth0
	mkdir -p /tmp/www
	net_pattern >/tmp/www/file
	httpd -p 80 -h /tmp/www
	echo "@@L2 serving"
	while :; do sleep 1; done
}

# Tap: a static address; fetch from and send to every peer.
action_net_tap() {
	wait_if eth0 || { echo "@@L2 no-eth0"; return; }
	ip addr add "$(net_param ip)" dev eth0
	ip link set eth0 up
	net_report eth0
	net_pattern >/tmp/p
	i=0
	for peer in $(net_param peers | tr , ' '); do
		# The bridge may take a moment to forward (no STP delay set).
		n=0
		until ping -c 1 -W 1 "$peer" >/dev/null 2>&1 || [ $n -ge 20 ]; do
			n=$((n + 1))
		done
		wget -q -O /tmp/f "http://$peer:8080/file"
		echo "@@L2 peer${i}_wget_rc=$?"
		echo "@@L2 peer${i}_md5=$(md5sum </tmp/f | cut -d' ' -f1)"
		nc "$peer" 5000 </tmp/p
		echo "@@L2 peer${i}_upload_rc=$?"
		i=$((i + 1))
	done
}

# Several NICs: report each one.
action_net_multi() {
	for i in $(seq 0 $(($(net_param nics) - 1))); do
		wait_if "eth$i" || echo "@@L2 no-eth$i"
		net_report "eth$i"
	done
	echo "@@L2 nics=$(ls /sys/class/net | grep -c '^eth')"
	# Stay up until lkvm is stopped, so the host sees the taps meanwhile.
	while :; do sleep 1; done
}

# mode=none: no virtio-net device at all (virtio device ID 1).
action_net_none() {
	sleep 1
	echo "@@L2 netdevs=$(ls /sys/bus/virtio/devices/*/device 2>/dev/null | xargs -r cat | grep -c '^0x0001$')"
	echo "@@L2 ifaces=$(ls /sys/class/net | tr '\n' ',')"
}

# Stays up with its network configured until lkvm is stopped.
action_net_idle() {
	wait_if eth0 || { echo "@@L2 no-eth0"; return; }
	dhcp eth0
	echo "@@L2 idle"
	while :; do sleep 1; done
}

# tests/bench/net.sh: guest-to-host TCP throughput to HOST:PORT.
action_bench_net() {
	wait_if eth0 || { echo "@@L2 no-eth0"; return; }
	if [ -n "$(net_param ip)" ]; then
		ip addr add "$(net_param ip)" dev eth0
		ip link set eth0 up
		host=$(net_param host)
		n=0
		until ping -c 1 -W 1 "$host" >/dev/null 2>&1 || [ $n -ge 20 ]; do
			n=$((n + 1))
		done
	else
		dhcp eth0
		host=$(cat /tmp/router)
	fi
	netbench send "$host" "$(net_param port)" "$(net_param mib)"
	st=/sys/class/net/eth0/statistics
	echo "@@L2 tx_avg_frame=$(($(cat $st/tx_bytes) / ($(cat $st/tx_packets) + 1)))"
}
