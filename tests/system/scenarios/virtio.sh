# virtio-mmio devices with a Linux guest (virtio-blk, -rng, -console) and
# with a hostile bare-metal guest (guest/baremetal/prog_virtio_evil.c).

IMG=/tmp/virtio
mkdir -p $IMG

# The pattern tests/system/l2/actions/virtio.sh writes.
pattern() {
	yes "lkvm virtio-blk pattern 0123456789abcdef" | head -c 3145728
}

# md5_range FILE SKIP_MIB COUNT_MIB
md5_range() {
	dd if="$1" bs=1048576 skip="$2" count="$3" 2>/dev/null | md5sum | cut -d' ' -f1
}

zeroes_md5() {
	head -c $(($1 * 1048576)) /dev/zero | md5sum | cut -d' ' -f1
}

expect_value() {
	[ "$(guest_value "$1")" = "$2" ] ||
		fail "guest $1 is '$(guest_value "$1")', expected '$2'"
}

t_blk_write() {
	rm -f $IMG/w.img
	truncate -s 8M $IMG/w.img
	run_l2 120 blk_write -c 1 -m 256 -d $IMG/w.img
	expect_rc 0 || return
	expect_value size_sectors 16384 || return
	# KVM_IOEVENTFD and KVM_IRQFD worked: nothing to warn about.
	expect_no_line "lkvm: warning" || return
	expect_value dd_rc 0 || return
	expect_line "@@L2 cmdline=console=ttyS0+root=/dev/vda+rw+quiet" || return
	want=$(pattern | md5sum | cut -d' ' -f1)
	expect_value pattern_md5 "$want" || return
	[ "$(md5_range $IMG/w.img 1 3)" = "$want" ] ||
		fail "the image does not hold the pattern the guest flushed" || return
	[ "$(md5_range $IMG/w.img 0 1)" = "$(zeroes_md5 1)" ] ||
		fail "the first MiB, which the guest did not write, changed" || return
	[ "$(md5_range $IMG/w.img 4 4)" = "$(zeroes_md5 4)" ] ||
		fail "bytes after the pattern changed" || return
	serial="$(printf '%x' "$(stat -c %d $IMG/w.img)")-$(stat -c %i $IMG/w.img)"
	expect_value serial "$serial"
}

t_blk_direct_write_poweroff() {
	rm -f $IMG/d.img
	truncate -s 4M $IMG/d.img
	run_l2 120 blk_direct_write -c 1 -m 256 -d $IMG/d.img
	expect_rc 0 || return
	expect_value dd_rc 0 || return
	[ "$(md5_range $IMG/d.img 0 3)" = "$(pattern | md5sum | cut -d' ' -f1)" ] ||
		fail "completed O_DIRECT writes are missing after power-off"
}

t_blk_read() {
	dd if=/dev/urandom of=$IMG/r.img bs=1048576 count=16 2>/dev/null
	want=$(md5sum <$IMG/r.img | cut -d' ' -f1)
	run_l2 120 blk_read -c 2 -m 256 -d $IMG/r.img
	expect_rc 0 || return
	expect_value md5 "$want" || return
	expect_value direct_md5 "$want" || return
	expect_value direct_1m_md5 "$want"
}

t_blk_ro() {
	dd if=/dev/urandom of=$IMG/ro.img bs=1048576 count=2 2>/dev/null
	want=$(md5sum <$IMG/ro.img | cut -d' ' -f1)
	run_l2 120 blk_ro -c 1 -m 256 -d $IMG/ro.img,ro
	expect_rc 0 || return
	expect_value ro 1 || return
	[ "$(guest_value write_rc)" != 0 ] || fail "a write to the ro disk succeeded" || return
	[ "$(guest_value forced_write_rc)" != 0 ] ||
		fail "the device accepted a write to a ro disk" || return
	expect_value md5 "$want" || return
	[ "$(md5sum <$IMG/ro.img | cut -d' ' -f1)" = "$want" ] ||
		fail "the read-only image changed"
}

t_blk_eight_disks() {
	args=
	for i in 0 1 2 3 4 5 6 7; do
		rm -f $IMG/m$i.img
		truncate -s 1M $IMG/m$i.img
		printf "disk-$i" | dd of=$IMG/m$i.img conv=notrunc 2>/dev/null
		args="$args -d $IMG/m$i.img"
	done
	run_l2 120 blk_many -c 1 -m 256 $args
	expect_rc 0 || return
	expect_value disks 8 || return
	expect_value labels "disk-0disk-1disk-2disk-3disk-4disk-5disk-6disk-7"
}

t_blk_discard() {
	dd if=/dev/urandom of=$IMG/t.img bs=1048576 count=4 2>/dev/null
	tail_md5=$(md5_range $IMG/t.img 2 2)
	run_l2 120 blk_discard -c 1 -m 256 -d $IMG/t.img
	expect_rc 0 || return
	expect_value discard_rc 0 || return
	expect_value zeroout_rc 0 || return
	expect_value head_md5 "$(zeroes_md5 2)" || return
	[ "$(md5_range $IMG/t.img 0 2)" = "$(zeroes_md5 2)" ] ||
		fail "discarded and zeroed ranges are not zero in the image" || return
	[ "$(md5_range $IMG/t.img 2 2)" = "$tail_md5" ] ||
		fail "data past the discarded range changed"
}

t_rng() {
	run_l2 120 rng -c 1 -m 256 --rng
	expect_rc 0 || return
	expect_value rng_bytes 16384 || return
	expect_no_line "lkvm: warning" || return
	guest_value rng_current | grep -q virtio_rng ||
		fail "the guest's hwrng is '$(guest_value rng_current)'" || return
	[ "$(guest_value rng_distinct)" -gt 200 ] ||
		fail "only $(guest_value rng_distinct) distinct byte values in 1 KiB"
}

t_console_virtio() {
	run_l2 120 report -c 1 -m 256 --console virtio
	expect_rc 0 || return
	# Printed by the guest's init on hvc0, with hvc0 as its console.
	expect_line "@@L2 cmdline=console=hvc0+quiet" || return
	expect_no_line "console=ttyS0"
}

t_console_virtio_input() {
	fifo=/tmp/virtio-console-in
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout 120 lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 1 -m 256 \
		--console virtio -p "$L2_PARAMS lkvm.test=echo-input" \
		<"$fifo" >"$OUT" 2>&1 &
	pid=$!
	# Read-write, so the open does not wait for lkvm: a SIGCHLD (this
	# shell is init and inherits orphans) would interrupt a waiting open,
	# and a failed exec ends the shell.
	exec 7<>"$fifo"
	wait_for "$OUT" "@@L2 ready-for-input" 120
	sleep 0.5
	type_into 'typed into hvc0\n'
	wait $pid
	RC=$?
	exec 7>&-
	expect_rc 0 || return
	expect_line "@@L2 got=typed into hvc0"
}

t_hostile_payload() {
	rm -f $IMG/e.img
	truncate -s 1M $IMG/e.img
	lkvm_run 120 run -k $BM/virtio_evil.flat -c 1 -m 128 --rng -d $IMG/e.img
	expect_rc 0 || return
	expect_line "evil: done" || return
	expect_no_line "evil: FAIL" || return
	expect_line "broke the virtio rules" || return
	expect_line "guest requested power-off"
}

bad_disk() {
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat -c 1 -m 128 "$@"
}

t_bad_disks() {
	bad_disk -d /no/such.img && expect_error "/no/such.img" "No such file" || return
	# A directory is the root file system over 9p (scenarios/9p.sh).
	mkdir -p $IMG/dir
	bad_disk -d $IMG/dir,direct && expect_error "$IMG/dir" ",direct is for images" || return
	head -c 1000 /dev/zero >$IMG/odd.img
	bad_disk -d $IMG/odd.img && expect_error "$IMG/odd.img" "1000 bytes" "multiple of 512" || return
	bad_disk -d $IMG/odd.img,rw && expect_error "unknown flag 'rw'" || return
	bad_disk -d ,ro && expect_error "--disk" || return
	mkdir -p $IMG/rofs
	mount -t tmpfs none $IMG/rofs && truncate -s 1M $IMG/rofs/x.img &&
		mount -o remount,ro $IMG/rofs || fail "cannot make a read-only fs" || return
	bad_disk -d $IMG/rofs/x.img
	expect_error "$IMG/rofs/x.img" "cannot open read-write" ",ro" || return
	bad_disk -d $IMG/rofs/x.img,ro
	expect_rc 0 || return
	umount $IMG/rofs
	bad_disk --virtio-transport pci && expect_error "--virtio-transport pci" "not supported yet" || return
	bad_disk --virtio-transport mmio-legacy && expect_error "mmio-legacy" || return
	bad_disk --virtio-transport mmio
	expect_rc 0
}

# An image in use: a running VM holds a lock on it (shared for ,ro).
t_disk_locks() {
	rm -f $IMG/lock.img /tmp/lockfifo
	truncate -s 1M $IMG/lock.img
	for first in "" ",ro"; do
		mkfifo /tmp/lockfifo
		timeout 300 lkvm run -k $BM/echo.flat -c 1 -m 64 -n mode=none \
			-d $IMG/lock.img$first </tmp/lockfifo >$LOGDIR/lock-first.log 2>&1 &
		pid=$!
		# Read-write, so the open does not wait for lkvm: a SIGCHLD (this
		# shell is init and inherits orphans) would interrupt a waiting open,
		# and a failed exec ends the shell.
		exec 7<>/tmp/lockfifo
		wait_for $LOGDIR/lock-first.log "echo ready" 30 ||
			fail "the first VM did not start" || return
		if [ -z "$first" ]; then
			bad_disk -d $IMG/lock.img
			expect_error "$IMG/lock.img" "already in use" ",ro" || return
			bad_disk -d $IMG/lock.img,ro
			expect_error "$IMG/lock.img,ro" "is writing to it" || return
		else
			bad_disk -d $IMG/lock.img,ro
			expect_rc 0 || return
			bad_disk -d $IMG/lock.img
			expect_error "$IMG/lock.img" "already in use" || return
		fi
		type_into q
		exec 7>&-
		wait $pid
		rm -f /tmp/lockfifo
	done
	# Gone with the VM; one VM cannot have one image twice.
	bad_disk -d $IMG/lock.img
	expect_rc 0 || return
	bad_disk -d $IMG/lock.img -d $IMG/lock.img,ro
	expect_error "$IMG/lock.img" "named twice" || return
	bad_disk -d $IMG/lock.img,ro -d $IMG/lock.img,ro
	expect_rc 0
}

t_dump_dtb_virtio() {
	rm -f $IMG/x.img
	truncate -s 1M $IMG/x.img
	lkvm_run 30 run -k $BM/hello.flat -c 1 -m 128 --rng --console virtio \
		-d $IMG/x.img -d $IMG/x.img,ro --dump-dtb /tmp/virtio.dtb
	expect_rc 0 || return
	export_file virtio.dtb /tmp/virtio.dtb
}

run_test blk-write t_blk_write
run_test blk-direct-write-poweroff t_blk_direct_write_poweroff
run_test blk-read t_blk_read
run_test blk-ro t_blk_ro
run_test blk-eight-disks t_blk_eight_disks
run_test blk-discard t_blk_discard
run_test rng t_rng
run_test console-virtio t_console_virtio
run_test console-virtio-input t_console_virtio_input
run_test hostile-payload t_hostile_payload
run_test bad-disks t_bad_disks
run_test disk-locks t_disk_locks
run_test dump-dtb t_dump_dtb_virtio
