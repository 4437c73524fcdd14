# Snapshots and restores (lkvm snapshot, lkvm restore): the guest runs on
# from where it was, with every register, device and SVE register as they
# were; and everything that must refuse does, with one clear line.

SNAPS=/tmp/snaps
mkdir -p "$SNAPS"
# start_vm, restore_vm, ctl, wait_tick, wait_gone and the rest: l1/lib.sh.

# Snapshots of 256 MiB take a while under emulation.
CTL_TIMEOUT=300

DISK=/tmp/snap-disk.img

t_roundtrip() {
	rm -rf "$SNAPS/a" "$DISK"
	dd if=/dev/zero of="$DISK" bs=1M count=8 2>/dev/null
	start_vm snap-a ticker "@@L2 tick=3" -c 2 -m 256 -d "$DISK" || return
	orig=$VM_PID
	ctl snapshot -n snap-a "$SNAPS/a"
	expect_rc 0 || return
	expect_line "snap-a: snapshot in $SNAPS/a (guest paused " || return
	for f in manifest.json ram state; do
		[ -f "$SNAPS/a/$f" ] || fail "no $f in the snapshot" || return
		[ "$(stat -c %a "$SNAPS/a/$f")" = 600 ] || fail "$f is not 0600" || return
	done
	[ "$(stat -c %a "$SNAPS/a")" = 700 ] || fail "the snapshot directory is not 0700" || return
	ls "$SNAPS" | grep -q tmp && fail "a temporary directory was left: $(ls "$SNAPS")" && return 1
	# Sparse: 256 MiB of RAM, far fewer blocks on disk.
	used=$(du -k "$SNAPS/a/ram" | cut -f1)
	[ "$used" -lt 200000 ] || fail "the RAM file is not sparse ($used KiB)" || return
	# The original runs on.
	t=$(last_tick "$LOGDIR/snap-a.console")
	wait_tick "$LOGDIR/snap-a.console" "$t" 20 || fail "snap-a stopped ticking after the snapshot" || return
	ctl snapshot -n snap-a "$SNAPS/a"
	expect_rc 1 || return
	one_error || return
	expect_err_line "$SNAPS/a already exists (--force replaces a snapshot)" || return
	ctl snapshot -n snap-a --force "$SNAPS/a/"
	expect_rc 0 || return
	at=$(last_tick "$LOGDIR/snap-a.console")
	ctl stop -n snap-a
	expect_rc 0 || return
	wait_gone "$orig" || fail "snap-a did not exit" || return

	restore_vm "$LOGDIR/snap-a-r.console" "$SNAPS/a"
	wait_tick "$LOGDIR/snap-a-r.console" 0 60 ||
		fail "the restored guest never ticked: $(tail -n 5 "$LOGDIR/snap-a-r.console")" || return
	first=$(first_tick "$LOGDIR/snap-a-r.console")
	# It goes on from the snapshot: no fresh boot (which starts at 0).
	# The line the snapshot cut in two ends in the restored console, so
	# its first whole tick may be the one after.
	[ "$first" -ge 3 ] && [ "$first" -le $((at + 2)) ] ||
		fail "the restored guest's first tick is $first; the snapshot was taken at tick $at" || return
	grep -q "# lkvm restore $SNAPS/a: snap-a, 2 vcpus, 256 MiB, rebuilt in " "$LOGDIR/snap-a-r.console" ||
		fail "no restore summary line" || return
	wait_tick "$LOGDIR/snap-a-r.console" $((first + 10)) 30 || fail "the restored guest stopped ticking" || return
	ctl list
	grep -Eq "^snap-a +$VM_PID +running +2 +256M " "$OUT" || fail "lkvm list does not show the restored snap-a" || return
	ctl stop -n snap-a
	expect_rc 0 || return
	wait_gone "$VM_PID" || fail "the restored snap-a did not exit"
}

# A restored VM's RAM is its snapshot's file, copied on write: a snapshot
# of it must take the pages it never touched from that file, not take
# them for zeros. Restore, snapshot again, restore that (its RAM file's
# CRC checked): the kernel and the ticker run on, and a file the guest
# wrote before the first snapshot and reads again only at tick 100 (its
# pages untouched by the first restored VM) is intact.
t_snapshot_of_restored() {
	rm -rf "$SNAPS/g1" "$SNAPS/g2"
	start_vm snap-g pattern_ticker "@@L2 tick=3" -c 2 -m 256 || return
	ctl snapshot -n snap-g --stop "$SNAPS/g1"
	expect_rc 0 || return
	wait_gone "$VM_PID" || fail "--stop did not stop snap-g" || return
	at1=$(last_tick "$LOGDIR/snap-g.console")
	restore_vm "$LOGDIR/snap-g1.console" "$SNAPS/g1"
	wait_tick "$LOGDIR/snap-g1.console" $((at1 + 5)) 60 ||
		fail "the first restore does not tick on: $(tail -n 3 "$LOGDIR/snap-g1.console")" || return
	ctl snapshot -n snap-g --stop "$SNAPS/g2"
	expect_rc 0 || return
	wait_gone "$VM_PID" || fail "--stop did not stop the restored snap-g" || return
	at2=$(last_tick "$LOGDIR/snap-g1.console")
	restore_vm "$LOGDIR/snap-g2.console" --verify "$SNAPS/g2"
	wait_tick "$LOGDIR/snap-g2.console" $((at2 + 10)) 60 ||
		fail "the restore of the restored VM's snapshot does not tick on: $(tail -n 3 "$LOGDIR/snap-g2.console")" || return
	# Each restore goes on from its own snapshot: the ticks over the three
	# consoles follow each other, none lost, none twice.
	skip=$(marks_skip tick "$LOGDIR/snap-g.console" "$LOGDIR/snap-g1.console" "$LOGDIR/snap-g2.console")
	[ -z "$skip" ] ||
		fail "the ticks skip over the restores: $skip; the snapshots were at ticks $at1 and $at2" || return
	[ "$at2" -lt 100 ] || echo "note: the second snapshot came after tick 100: the file was read in between"
	wait_for "$LOGDIR/snap-g2.console" "@@L2 pattern=" 120 ||
		fail "the second restore never checked its file: $(tail -n 3 "$LOGDIR/snap-g2.console")" || return
	grep -q "@@L2 pattern=ok" "$LOGDIR/snap-g2.console" ||
		fail "the file the guest wrote before the first snapshot changed: $(grep -a '@@L2 pattern' "$LOGDIR/snap-g2.console")" || return
	ctl stop -n snap-g
	wait_gone "$VM_PID" || fail "the second restore did not exit"
}

# SVE registers at the host's longest length survive, in two guests
# restored from one snapshot at once (its RAM shared copy-on-write).
t_sve_registers() {
	rm -rf "$SNAPS/sve"
	start_vm snap-sve sve_hold "sve_hold round=5 " -c 2 -m 256 || return
	orig=$VM_PID
	ctl snapshot -n snap-sve --stop "$SNAPS/sve"
	expect_rc 0 || return
	expect_line "; stopped" || return
	wait_gone "$orig" || fail "--stop did not stop the VM" || return
	grep -q corrupt "$LOGDIR/snap-sve.console" && fail "corrupt before the snapshot" && return 1
	vl=$(sed -n 's/.*sve_hold start vl=\([0-9]*\).*/\1/p' "$LOGDIR/snap-sve.console")
	round=$(sed -n 's/.*sve_hold round=\([0-9]*\) .*/\1/p' "$LOGDIR/snap-sve.console" | tail -n 1)
	restore_vm "$LOGDIR/snap-sve-1.console" --name snap-sve-1 "$SNAPS/sve"
	p1=$VM_PID
	restore_vm "$LOGDIR/snap-sve-2.console" --name snap-sve-2 "$SNAPS/sve"
	p2=$VM_PID
	for i in 1 2; do
		wait_for "$LOGDIR/snap-sve-$i.console" "sve_hold round=$((round + 15)) vl=$vl ok" 120 ||
			fail "restore $i: no round $((round + 15)) at $vl bits: $(grep -a '@@L2' "$LOGDIR/snap-sve-$i.console" | tail -n 3)" || return
		grep -q corrupt "$LOGDIR/snap-sve-$i.console" &&
			fail "restore $i: $(grep corrupt "$LOGDIR/snap-sve-$i.console")" && return 1
		grep -q "sve_hold start" "$LOGDIR/snap-sve-$i.console" &&
			fail "restore $i started the program afresh" && return 1
	done
	ctl stop -a
	wait_gone "$p1" && wait_gone "$p2" || fail "the restored guests did not exit"
}

# Every register of every vcpu, read while paused before the snapshot and
# after a paused restore, is the same (but the counter, which runs on).
t_registers_equal() {
	rm -rf "$SNAPS/d"
	start_vm snap-d sve_hold "sve_hold round=5 " -c 2 -m 256 || return
	orig=$VM_PID
	ctl pause -n snap-d
	expect_rc 0 || return
	ctl debug -n snap-d --dump
	expect_rc 0 || return
	grep '^  ' "$OUT" | grep -v -E "CNTVCT|CNTPCT|CNTV_CTL|CNTP_CTL" >/tmp/regs-before
	ctl snapshot -n snap-d --stop "$SNAPS/d"
	expect_rc 0 || return
	wait_gone "$orig" || fail "--stop did not stop the VM" || return
	restore_vm "$LOGDIR/snap-d-r.console" --paused "$SNAPS/d"
	n=0
	while [ ! -S "$HOME/.lkvm/snap-d.sock" ] && [ $n -lt 150 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	ctl list
	grep -Eq "^snap-d +$VM_PID +paused " "$OUT" || fail "the --paused restore is not paused: $(cat "$OUT")" || return
	ctl debug -n snap-d --dump
	expect_rc 0 || return
	grep '^  ' "$OUT" | grep -v -E "CNTVCT|CNTPCT|CNTV_CTL|CNTP_CTL" >/tmp/regs-after
	[ "$(wc -l </tmp/regs-before)" -gt 100 ] || fail "too few registers in the dump" || return
	cmp -s /tmp/regs-before /tmp/regs-after ||
		fail "registers differ: $(diff /tmp/regs-before /tmp/regs-after | head -n 6 | tr '\n' ' ')" || return
	ctl resume -n snap-d
	expect_rc 0 || return
	r=$(sed -n 's/.*sve_hold round=\([0-9]*\) .*/\1/p' "$LOGDIR/snap-d.console" | tail -n 1)
	wait_for "$LOGDIR/snap-d-r.console" "sve_hold round=$((r + 10)) " 60 ||
		fail "the resumed guest does not run on" || return
	grep -q corrupt "$LOGDIR/snap-d-r.console" && fail "corrupt after resume" && return 1
	ctl stop -n snap-d
	wait_gone "$VM_PID" || fail "snap-d did not exit"
}

# copy_snap NAME: a copy of snapshot a to tamper with.
copy_snap() {
	rm -rf "$SNAPS/$1"
	cp -a "$SNAPS/a" "$SNAPS/$1"
}

# refused TEXT [lkvm restore arguments]: one error line with TEXT.
refused() {
	text=$1
	shift
	ctl restore "$@"
	expect_rc 1 || return
	one_error || return
	expect_err_line "$text"
}

t_refusals() {
	[ -f "$SNAPS/a/manifest.json" ] || fail "no snapshot a (roundtrip failed)" || return
	refused "lkvm restore /tmp/nope: No such file or directory" /tmp/nope || return
	copy_snap bad
	printf 'X' | dd of="$SNAPS/bad/state" bs=1 seek=100 conv=notrunc 2>/dev/null
	refused "state: its size or CRC-32 is not what the manifest says (damaged)" "$SNAPS/bad" || return
	copy_snap bad
	sed -i 's/"version": 1,/"version": 2,/' "$SNAPS/bad/manifest.json"
	refused "snapshot format version 2; this lkvm reads version 1" "$SNAPS/bad" || return
	copy_snap bad
	truncate -s 1M "$SNAPS/bad/ram"
	refused "ram: not a regular file of the 268435456 bytes the manifest says" "$SNAPS/bad" || return
	copy_snap bad
	# Flip a byte in the kernel's text (RAM starts with the kernel).
	dd if="$SNAPS/bad/ram" bs=1 skip=4096 count=1 2>/dev/null | tr '\000-\377' '\377\000-\376' |
		dd of="$SNAPS/bad/ram" bs=1 seek=4096 conv=notrunc 2>/dev/null
	refused "ram: its CRC-32 is 0x" --verify "$SNAPS/bad" || return
	echo '{"format": "lkvm-snapshot"' >"$SNAPS/bad/manifest.json"
	refused "manifest: " "$SNAPS/bad" || return
	# The disk changed after the snapshot: its cached blocks are stale.
	copy_snap moved
	echo changed | dd of="$DISK" bs=1 seek=4096 conv=notrunc 2>/dev/null
	refused "virtio-blk0: $DISK changed after the snapshot" "$SNAPS/a" || return
	expect_err_line "--allow-changed-disks" || return
	# --disk-path: the disk went elsewhere.
	mv "$DISK" /tmp/snap-disk-moved.img
	refused "--disk-path /tmp/x=...: the snapshot has no disk /tmp/x" \
		--disk-path /tmp/x=/tmp/y "$SNAPS/a" || return
	refused "--disk $DISK: cannot open" "$SNAPS/a" || return
	restore_vm "$LOGDIR/snap-moved.console" --allow-changed-disks \
		--disk-path "$DISK=/tmp/snap-disk-moved.img" "$SNAPS/a"
	wait_tick "$LOGDIR/snap-moved.console" 0 60 ||
		fail "no restore with --disk-path: $(tail -n 3 "$LOGDIR/snap-moved.console")" || return
	# The name is taken while it runs.
	refused "--name snap-a: a VM with that name is already running" --allow-changed-disks \
		--disk-path "$DISK=/tmp/snap-disk-moved.img" "$SNAPS/a" || return
	ctl stop -n snap-a
	wait_gone "$VM_PID" || fail "snap-a did not exit" || return
	ctl restore --disk-path "$DISK" "$SNAPS/a"
	expect_rc 1 || return
	expect_err_line "--disk-path '$DISK': expected OLD=NEW" || return
	ctl restore
	expect_rc 129 || return
	ctl snapshot -n no-such-vm "$SNAPS/none"
	expect_rc 1 || return
	one_error || return
	[ ! -e "$SNAPS/none" ] || fail "a failed snapshot left $SNAPS/none" || return
	ls "$SNAPS" | grep -q tmp && fail "a failed snapshot left a temporary directory" && return 1
	mkdir -p /tmp/notasnap
	ctl snapshot -n x --force /tmp/notasnap
	expect_rc 1 || return
	expect_err_line "/tmp/notasnap exists and is not a snapshot: not replacing it"
}

# lkvm sve check --snapshot: this host can run it; a set it cannot give
# is refused with the reason; a bad snapshot is exit 2.
t_sve_check() {
	[ -f "$SNAPS/sve/manifest.json" ] || fail "no snapshot sve" || return
	ctl sve check --snapshot "$SNAPS/sve"
	expect_rc 0 || return
	expect_line "$SNAPS/sve: this host can run the guest as it was" || return
	rm -rf "$SNAPS/wide"
	cp -a "$SNAPS/sve" "$SNAPS/wide"
	# A guest that had every length up to 2048 bits.
	sed -i 's/"sve_vls": \[[0-9, ]*\]}/"sve_vls": [128, 256, 384, 512, 640, 768, 896, 1024, 1152, 1280, 1408, 1536, 1664, 1792, 1920, 2048]}/' \
		"$SNAPS/wide/manifest.json"
	if [ "$host" = default ]; then
		return 0
	fi
	ctl sve check --snapshot "$SNAPS/wide"
	expect_rc 1 || return
	expect_err_line "this host cannot run the guest as it was: the guest's SVE vector lengths" || return
	refused "this host cannot run the guest as it was: the guest's SVE vector lengths" "$SNAPS/wide" || return
	ctl sve check --snapshot /tmp/nope
	expect_rc 2
}

run_test roundtrip t_roundtrip
run_test snapshot-of-restored t_snapshot_of_restored
run_test sve-registers t_sve_registers
run_test registers-equal t_registers_equal
run_test refusals t_refusals
run_test sve-check t_sve_check
