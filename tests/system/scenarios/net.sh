# virtio-net: user mode through passt (the default NIC), tap interfaces
# in network namespaces, mode=none, several NICs, bad inputs, and a passt
# that dies or misbehaves. Guest side: tests/system/l2/actions/net.sh.

NET=/tmp/net
mkdir -p $NET/www

pattern_md5() {
	yes "lkvm virtio-net pattern 0123456789abcdef" | head -c 1048576 |
		md5sum | cut -d' ' -f1
}

file_md5() {
	md5sum <"$1" | cut -d' ' -f1
}

expect_value() {
	[ "$(guest_value "$1")" = "$2" ] ||
		fail "guest $1 is '$(guest_value "$1")', expected '$2'"
}

# run_l2_with PARAMS TIMEOUT ACTION [lkvm run options]: run_l2 with more
# kernel parameters for the guest.
run_l2_with() {
	saved=$L2_PARAMS
	L2_PARAMS="$L2_PARAMS $1"
	shift
	run_l2 "$@"
	L2_PARAMS=$saved
}

# lkvm_bg PARAMS ACTION [options]: boots the guest in the background
# (lkvm's PID in $LKVM_PID; prefix the command with $IN to run it in a
# namespace).
lkvm_bg() {
	p=$1
	action=$2
	shift 2
	$IN lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" \
		-p "$L2_PARAMS lkvm.test=$action $p" "$@" </dev/null >>"$OUT" 2>&1 &
	LKVM_PID=$!
}

# wait_line TEXT SECONDS: until $OUT has a line with TEXT (while the
# background lkvm runs).
wait_line() {
	n=0
	while ! grep -qF -- "$1" "$OUT"; do
		if [ $n -ge $(($2 * 10)) ]; then
			guest_postmortem "guest-$LKVM_PID"
			fail "no '$1' within $2 s"
			return 1
		fi
		kill -0 "$LKVM_PID" 2>/dev/null || grep -qF -- "$1" "$OUT" ||
			{ fail "lkvm exited before '$1'"; return 1; }
		sleep 0.1
		n=$((n + 1))
	done
}

# lkvm_stop: SIGTERM to the background lkvm; its status in $RC.
lkvm_stop() {
	kill -TERM "$LKVM_PID" 2>/dev/null
	n=0
	while kill -0 "$LKVM_PID" 2>/dev/null && [ $n -lt 300 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill -KILL "$LKVM_PID" 2>/dev/null
	wait "$LKVM_PID"
	RC=$?
}

count_lines() {
	grep -c -- "$1" "$OUT"
}

# The host side of user mode: an HTTP server and a listener on L1's
# loopback, reached by the guest through passt's gateway address.
head -c 3000000 /dev/urandom >$NET/www/file
httpd -f -p 127.0.0.1:8080 -h $NET/www &
HTTPD=$!

# No -n: one user-mode NIC, as kvmtool gives; DHCP, then a file from the
# host's loopback, then 1 MiB to a host listener.
t_user_default() {
	rm -f $NET/upload
	netbench recv 5001 127.0.0.1 $NET/upload >/dev/null &
	sink=$!
	run_l2_with "lkvm.port=8080 lkvm.upport=5001" 180 net_user_http -c 1 -m 256
	kill $sink 2>/dev/null
	expect_rc 0 || return
	expect_no_line "lkvm: warning" || return
	expect_value eth0_mac 02:15:15:15:15:15 || return
	expect_value eth0_mtu 65520 || return
	expect_value eth0_carrier 1 || return
	expect_value dhcp_rc 0 || return
	expect_value ip 10.0.2.15 || return
	expect_value router 10.0.2.2 || return
	expect_value wget_rc 0 || return
	expect_value http_md5 "$(file_md5 $NET/www/file)" || return
	expect_value upload_rc 0 || return
	[ "$(file_md5 $NET/upload)" = "$(pattern_md5)" ] ||
		fail "the host received $(wc -c <$NET/upload) bytes, not the guest's pattern"
}

# hostfwd: a host port reaches the guest's server.
t_user_hostfwd() {
	IN=
	lkvm_bg "" net_user_serve -c 1 -m 256 \
		-n mode=user,hostfwd=tcp:127.0.0.1:18080:80,guest_mac=52:54:00:00:00:42
	wait_line "@@L2 serving" 180 || { lkvm_stop; return 1; }
	got=$(wget -q -O - http://127.0.0.1:18080/file | md5sum | cut -d' ' -f1)
	lkvm_stop
	[ "$RC" = 143 ] || fail "exit status $RC after SIGTERM, expected 143" || return
	[ "$got" = "$(pattern_md5)" ] || fail "the forwarded port gave md5 $got"
}

# Tap: namespace A holds a bridge with the guest's tap (made beforehand,
# as an admin would with tunctl) and endpoint 1 (10.1.0.1); namespace B
# holds endpoint 2 (10.1.0.3) behind a veth pair on that bridge. The
# guest (10.1.0.2) fetches a file from each and sends 1 MiB to each.
t_tap_two_endpoints() {
	unshare -n sleep 600 &
	nsa=$!
	unshare -n sleep 600 &
	nsb=$!
	sleep 0.2
	IN="nsenter -t $nsa -n"
	inb="nsenter -t $nsb -n"
	$IN ip link set lo up
	$inb ip link set lo up
	$IN tunctl -t lkvmtap0 >/dev/null
	$IN ip link add br0 type bridge
	$IN ip link add vha type veth
	peer=$($IN ip -o link show | sed -n 's/^[0-9]*: \(veth[0-9]*\)@vha.*/\1/p')
	$IN ip link set "$peer" netns "$nsb"
	$IN ip link set lkvmtap0 master br0
	$IN ip link set vha master br0
	$IN ip addr add 10.1.0.1/24 dev br0
	for i in br0 vha lkvmtap0; do $IN ip link set $i up; done
	$inb ip addr add 10.1.0.3/24 dev "$peer"
	$inb ip link set "$peer" up
	mkdir -p $NET/a $NET/b
	head -c 2000000 /dev/urandom >$NET/a/file
	head -c 1500000 /dev/urandom >$NET/b/file
	rm -f $NET/up-a $NET/up-b
	$IN httpd -f -p 10.1.0.1:8080 -h $NET/a &
	ha=$!
	$inb httpd -f -p 10.1.0.3:8080 -h $NET/b &
	hb=$!
	$IN netbench recv 5000 10.1.0.1 $NET/up-a >/dev/null &
	sa=$!
	$inb netbench recv 5000 10.1.0.3 $NET/up-b >/dev/null &
	sb=$!
	sleep 0.2
	lkvm_bg "lkvm.ip=10.1.0.2/24 lkvm.peers=10.1.0.1,10.1.0.3" net_tap \
		-c 1 -m 256 -n mode=tap,tapif=lkvmtap0,guest_mac=52:54:00:12:34:56
	wait "$LKVM_PID"
	RC=$?
	kill $ha $hb $sa $sb $nsa $nsb 2>/dev/null
	IN=
	expect_rc 0 || return
	expect_no_line "lkvm: warning" || return
	expect_value eth0_mac 52:54:00:12:34:56 || return
	expect_value eth0_mtu 1500 || return
	expect_value peer0_wget_rc 0 || return
	expect_value peer0_md5 "$(file_md5 $NET/a/file)" || return
	expect_value peer1_wget_rc 0 || return
	expect_value peer1_md5 "$(file_md5 $NET/b/file)" || return
	expect_value peer0_upload_rc 0 || return
	expect_value peer1_upload_rc 0 || return
	[ "$(file_md5 $NET/up-a)" = "$(pattern_md5)" ] ||
		fail "endpoint 1 received $(wc -c <$NET/up-a) bytes, not the guest's pattern" || return
	[ "$(file_md5 $NET/up-b)" = "$(pattern_md5)" ] ||
		fail "endpoint 2 received $(wc -c <$NET/up-b) bytes, not the guest's pattern"
}

# Several NICs: two taps lkvm creates (one named, one the kernel names)
# and a user-mode one; the taps exist while lkvm runs, and only then.
t_multi_nic() {
	IN=
	lkvm_bg "lkvm.nics=3" net_multi -c 1 -m 256 -n mode=tap,tapif=lkvmnew0 \
		-n mode=tap -n mode=user
	wait_line "@@L2 nics=" 180
	during=$(ls /sys/class/net | tr '\n' ' ')
	lkvm_stop
	after=$(ls /sys/class/net | tr '\n' ' ')
	expect_rc 143 || return
	case " $during " in
	*" lkvmnew0 "*" tap0 "* | *" tap0 "*" lkvmnew0 "*) ;;
	*) fail "the taps are not there while lkvm runs: $during" || return ;;
	esac
	expect_line "virtio-net1: tap tap0" || return
	expect_value nics 3 || return
	expect_value eth0_mac 02:15:15:15:15:15 || return
	expect_value eth1_mac 02:15:15:15:15:16 || return
	expect_value eth2_mac 02:15:15:15:15:17 || return
	expect_value eth2_mtu 65520 || return
	case " $after " in
	*lkvmnew0* | *" tap0 "*) fail "taps left behind after exit: $after" ;;
	esac
}

# mode=none: no virtio-net device, no NIC in the guest, no node in the
# device tree (the default machine has exactly one).
t_none() {
	run_l2 120 net_none -c 1 -m 256 --network mode=none
	expect_rc 0 || return
	expect_value netdevs 0 || return
	expect_value ifaces "lo," || return
	: >"$OUT"
	lkvm_run 60 run -k $BM/hello.flat --dump-dtb $NET/none.dtb -n mode=none
	expect_rc 0 || return
	lkvm_run 60 run -k $BM/hello.flat --dump-dtb $NET/default.dtb
	expect_rc 0 || return
	[ "$(strings $NET/none.dtb | grep -c 'virtio,mmio')" = 0 ] ||
		fail "mode=none: a virtio node in the device tree" || return
	[ "$(strings $NET/default.dtb | grep -c 'virtio,mmio')" = 1 ] ||
		fail "default: not exactly one virtio node in the device tree"
}

bad_net() {
	: >"$OUT"
	lkvm_run 60 run -k $BM/hello.flat "$@"
}

# Every bad input: one error line that says what and why.
t_errors() {
	bad_net -n mode=tap,guest_mac=01:00:5e:00:00:01 &&
		expect_error "guest_mac" "multicast" || return
	bad_net -n guest_mac=52:54:00:zz:00:01 &&
		expect_error "52:54:00:zz:00:01" "not a MAC address" || return
	bad_net -n mode=tap,tapif=lo && expect_error "tapif=lo" "another kind" || return
	bad_net -n mode=tap,tapif=dummy0 &&
		expect_error "tapif=dummy0" "another kind" || return
	: >"$OUT"
	unshare -m sh -c "mount -t tmpfs none /dev/net && exec /usr/bin/lkvm run -k $BM/hello.flat -n mode=tap" \
		</dev/null >>"$OUT" 2>&1
	RC=$?
	expect_error "mode=tap" "/dev/net/tun is missing" "modprobe tun" || return
	bad_net -n mode=user --passt /no/such/passt &&
		expect_error "cannot run /no/such/passt" || return
	: >"$OUT"
	PATH=/bin /usr/bin/lkvm run -k $BM/hello.flat -n mode=user </dev/null >>"$OUT" 2>&1
	RC=$?
	expect_error "mode=user" "passt" "not installed" || return
	: >"$OUT"
	unshare -n lkvm run -k $BM/hello.flat -n mode=user </dev/null >>"$OUT" 2>&1
	RC=$?
	expect_error "passt failed to start" "routable interface" || return
	bad_net -n mode=user,hostfwd=tcp:127.0.0.1:8080:80 &&
		expect_error "hostfwd=tcp:127.0.0.1:8080:80" "already in use" || return
	bad_net -n mode=none -n mode=user && expect_error "mode=none" "cannot be combined"
}

# The default NIC without passt, or where passt cannot run: one warning,
# and the guest runs without network.
t_default_without_passt() {
	: >"$OUT"
	PATH=/bin /usr/bin/lkvm run -k $BM/hello.flat </dev/null >>"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	[ "$(count_lines '^lkvm: warning: the guest has no network: passt')" = 1 ] ||
		fail "not exactly one warning about the missing passt" || return
	[ "$(grep -c '^lkvm: \(warning\|error\)' "$OUT")" = 1 ] ||
		fail "more warnings or errors than the one" || return
	# passt that cannot start (no network at all): the default NIC does
	# not hold up the boot, so this is found while the guest runs; the
	# link goes down with passt's reason, once.
	: >"$OUT"
	IN="unshare -n"
	lkvm_bg "" sleep -c 1 -m 256
	IN=
	wait_line "@@L2 sleeping" 180 || { lkvm_stop; return 1; }
	lkvm_stop
	[ "$RC" = 143 ] || fail "exit status $RC after SIGTERM, expected 143" || return
	[ "$(count_lines '^lkvm: warning: virtio-net0: passt failed to start .*No external routable interface.*the guest.s network is down')" = 1 ] ||
		fail "not exactly one warning about passt failing" || return
	[ "$(grep -c '^lkvm: \(warning\|error\)' "$OUT")" = 1 ] ||
		fail "more warnings or errors than the one"
}

# passt killed under a running guest: a warning, the link goes down,
# lkvm and the guest go on until stopped.
t_passt_dies() {
	IN=
	lkvm_bg "" net_idle -c 1 -m 256
	wait_line "@@L2 idle" 180 || { lkvm_stop; return 1; }
	kill "$(pidof passt)"
	wait_line "the guest's network is down" 30 || { lkvm_stop; return 1; }
	sleep 1
	lkvm_stop
	[ "$RC" = 143 ] || fail "exit status $RC after SIGTERM, expected 143" || return
	[ "$(count_lines '^lkvm: warning')" = 1 ] || fail "not exactly one warning" || return
	expect_line "virtio-net0: passt closed the connection"
}

# A peer that starts like passt, then breaks the protocol: a length
# prefix no frame can have, or a frame cut short by its exit.
fake_passt() {
	cat >$NET/fake-passt <<EOF
#!/bin/sh
while [ \$# -gt 0 ]; do [ "\$1" = --fd ] && fd=\$2; shift; done
( sleep 3; eval "printf '$1' >&\$fd"; $2 ) </dev/null >/dev/null 2>&1 &
exit 0
EOF
	chmod +x $NET/fake-passt
}

t_passt_misbehaves() {
	fake_passt '\377\377\377\377garbage' 'sleep 60'
	IN=
	lkvm_bg "" sleep -c 1 -m 256 -n mode=user --passt $NET/fake-passt
	wait_line "the guest's network is down" 60 || { lkvm_stop; return 1; }
	lkvm_stop
	[ "$RC" = 143 ] || fail "exit status $RC after SIGTERM, expected 143" || return
	expect_line "frame length of 4294967295 bytes" || return
	[ "$(count_lines '^lkvm: warning')" = 1 ] || fail "not exactly one warning" || return
	: >"$OUT"
	fake_passt '\0\0\0\144short' 'exit 0'
	lkvm_bg "" sleep -c 1 -m 256 -n mode=user --passt $NET/fake-passt
	wait_line "the guest's network is down" 60 || { lkvm_stop; return 1; }
	lkvm_stop
	[ "$RC" = 143 ] || fail "exit status $RC after SIGTERM, expected 143" || return
	expect_line "passt closed the connection"
}

run_test user-default t_user_default
run_test user-hostfwd t_user_hostfwd
run_test tap-two-endpoints t_tap_two_endpoints
run_test multi-nic t_multi_nic
run_test none t_none
run_test errors t_errors
run_test default-without-passt t_default_without_passt
run_test passt-dies t_passt_dies
run_test passt-misbehaves t_passt_misbehaves
kill $HTTPD 2>/dev/null
