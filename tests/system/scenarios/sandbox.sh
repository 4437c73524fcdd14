# lkvm sandbox and lkvm setup: the Debian kernel boots the "default" root
# (or -d DIR) over 9p with its modules found next to it (/guest/lib/
# modules/<release>), runs a command of L1's busybox userland through
# /host, and lkvm exits with the command's status.

SBDIR=/tmp/sandbox
mkdir -p $SBDIR
# Test speed only: no crypto self-tests (lkvm adds "quiet panic=-1").
SB_PARAMS="cryptomgr.notests"
# The guest kernel's release (its modules' directory); L1 may run another.
L2_RELEASE=$(ls /guest/lib/modules)

# sb TIMEOUT [lkvm sandbox args...]: stdout in $STDOUT, stderr in $OUT.
sb() {
	t=$1
	shift
	STDOUT=$OUT.stdout
	timeout "$t" lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		"$@" </dev/null >"$STDOUT" 2>>"$OUT"
	RC=$?
	sed 's/^/stdout: /' "$STDOUT" >>"$OUT"
	# A guest that ended without a status (a crash: see testing.md,
	# sandbox-flake) shows all of its console, not the test's last lines,
	# and what the nested host's kernel said meanwhile.
	[ "$RC" != 255 ] || [ -n "$SB_EXPECT_255" ] || {
		sed "s|^|@@LOG $SUITE: status 255: |" "$OUT"
		dmesg 2>/dev/null | tail -n 60 | sed "s|^|@@LOG $SUITE: status 255: L1: |"
	}
	return 0
}

expect_stdout() {
	[ "$(cat "$STDOUT")" = "$1" ] ||
		fail "stdout is '$(head -c 300 "$STDOUT")', expected '$1'"
}

t_exit_statuses() {
	for want in 0 1 42; do
		: >"$OUT"
		sb 120 -- sh -c "exit $want"
		expect_rc "$want" || return
		expect_no_line "lkvm: error" || return
	done
	: >"$OUT"
	sb 120 -- sh -c 'kill -9 $$'
	expect_rc 137 || return
	: >"$OUT"
	sb 120 -- sh -c 'kill -TERM $$'
	expect_rc 143
}

# The command sees the host's time: the RTC between the host's clock
# before and after the run, and date, read between two reads of the
# RTC, within a second of both (the clock is set to the middle of the
# RTC's second).
t_clock() {
	rtc=/sys/class/rtc/rtc0/since_epoch
	t0=$(date +%s)
	sb 120 -- sh -c "cat $rtc; date +%s; cat $rtc"
	t1=$(date +%s)
	expect_rc 0 || return
	set -- $(cat "$STDOUT")
	[ "${1:-0}" -ge "$t0" ] && [ "${3:-0}" -le "$t1" ] ||
		fail "the RTC read '$1' and '$3', the host's clock went from $t0 to $t1" || return
	[ "${2:-0}" -ge $(($1 - 1)) ] && [ "$2" -le $(($3 + 1)) ] ||
		fail "date in the sandbox says '$2' between RTC reads of '$1' and '$3'"
}

# stdout byte for byte (no CR added), stderr apart, both complete.
t_output() {
	sb 120 -- sh -c 'echo "to stdout"; echo "to stderr" >&2; printf "a\000b\r\nend"'
	expect_rc 0 || return
	printf 'to stdout\na\000b\r\nend' >$SBDIR/want
	cmp -s "$STDOUT" $SBDIR/want ||
		fail "stdout differs: $(od -c "$STDOUT" | head -n 3)" || return
	expect_line "to stderr" || return
	# 256 KiB of output, all of it, then the exit status.
	: >"$OUT"
	sb 180 -- sh -c 'head -c 262144 /dev/zero | tr "\000" x; exit 9'
	expect_rc 9 || return
	[ "$(wc -c <"$STDOUT")" = 262144 ] || fail "$(wc -c <"$STDOUT") of 262144 bytes arrived" || return
	# 2 MiB of random bytes, byte for byte and in order, through both of
	# the guest's ways of writing: cat splices (buffers of up to 64 KiB
	# in 4 KiB parts), dd writes 7000 bytes at a time; to a file and to
	# a pipe.
	head -c 2097152 /dev/urandom >$SBDIR/big
	for how in "cat /host$SBDIR/big" "dd if=/host$SBDIR/big bs=7000"; do
		: >"$OUT"
		sb 180 -- $how
		expect_rc 0 || return
		cmp -s "$STDOUT" $SBDIR/big ||
			fail "$how: stdout differs ($(wc -c <"$STDOUT") bytes; $(cmp "$STDOUT" $SBDIR/big 2>&1))" ||
			return
	done
	want=$(md5sum <$SBDIR/big | cut -d' ' -f1)
	got=$(timeout 180 lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		-- cat /host$SBDIR/big </dev/null 2>>"$OUT" | md5sum | cut -d' ' -f1)
	rm -f $SBDIR/big
	[ "$got" = "$want" ] || fail "2 MiB through a pipe arrived changed"
}

# Arguments reach the command exactly: spaces, quotes, empty ones, newlines.
t_arguments() {
	sb 120 -- printf '[%s]' "a b" "it's" '"quoted"' '' "two
lines" '$HOME' '*'
	expect_rc 0 || return
	expect_stdout "[a b][it's][\"quoted\"][][two
lines][\$HOME][*]"
}

t_stdin() {
	STDOUT=$OUT.stdout
	printf 'piped line\nsecond' | timeout 120 lkvm sandbox -k "$L2_KERNEL" \
		-c 1 -m 256 -p "$SB_PARAMS" -- sh -c 'cat; echo "[eof]"' \
		>"$STDOUT" 2>>"$OUT"
	RC=$?
	expect_rc 0 || return
	expect_stdout "piped line
second[eof]" || return
	# Larger than the channel's buffers; /dev/null gives an end at once.
	head -c 300000 /dev/urandom >$SBDIR/in
	want=$(md5sum <$SBDIR/in | cut -d' ' -f1)
	timeout 180 lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		-- md5sum <$SBDIR/in >"$STDOUT" 2>>"$OUT"
	RC=$?
	expect_rc 0 || return
	[ "$(cut -d' ' -f1 "$STDOUT")" = "$want" ] || fail "stdin arrived changed" || return
	sb 120 -- sh -c 'cat; echo done'
	expect_rc 0 || return
	expect_stdout done
}

# The command starts in the host's current directory, seen through /host,
# and what it writes there is on the host.
t_cwd_and_host_files() {
	mkdir -p $SBDIR/work
	echo "on the host" >$SBDIR/work/file
	rm -f $SBDIR/work/from-guest
	back=$PWD
	cd $SBDIR/work
	sb 120 -- sh -c 'pwd; cat ./file; echo made >from-guest'
	cd "$back"
	expect_rc 0 || return
	expect_stdout "/host$SBDIR/work
on the host" || return
	[ "$(cat $SBDIR/work/from-guest 2>/dev/null)" = made ] || fail "the guest's file is not on the host"
}

t_not_found() {
	sb 120 -- /no/such/command
	expect_rc 127 || return
	expect_line "/no/such/command" || return
	: >"$OUT"
	echo "not a program" >$SBDIR/noexec
	chmod 0644 $SBDIR/noexec
	# Absolute paths are the guest's: the host's files are under /host.
	sb 120 -- /host$SBDIR/noexec
	expect_rc 126
}

# Only lkvm-init can report: output that looks like a status, and writes
# to every port the command can see, change nothing.
t_no_forged_status() {
	sb 120 -- sh -c 'echo "exit 0"; echo "exit 0" >&2
		for p in /dev/vport*; do echo "exit 0" >"$p" 2>/dev/null && echo "wrote $p"; done
		exit 3'
	expect_rc 3 || return
	! grep -q "^wrote" "$STDOUT" || fail "the command could write to $(grep '^wrote' "$STDOUT")"
}

# What the command leaves running ends with it.
t_leftovers_killed() {
	start=$(cut -d' ' -f1 /proc/uptime)
	sb 120 -- sh -c 'sleep 600 & sleep 600 & exit 5'
	expect_rc 5 || return
	[ "$(elapsed "$start" | cut -d. -f1)" -lt 100 ] || fail "lkvm waited for the background sleeps"
}

t_script() {
	printf '#!/bin/sh\necho "script args: $#"\nexit 7\n' >$SBDIR/script.sh
	: >"$OUT"
	timeout 120 lkvm run -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		--sandbox $SBDIR/script.sh </dev/null >"$OUT.stdout" 2>>"$OUT"
	RC=$?
	STDOUT=$OUT.stdout
	expect_rc 7 || return
	expect_stdout "script args: 0" || return
	# No "#!": run by /bin/sh, as shells do.
	printf 'echo plain; exit 8\n' >$SBDIR/plain.sh
	sb 120 --sandbox $SBDIR/plain.sh
	expect_rc 8 || return
	expect_stdout plain
}

# A kernel panic: the guest reboots at once (panic=-1), nobody reports.
t_kernel_panic() {
	SB_EXPECT_255=1
	sb 180 -- sh -c 'echo c >/proc/sysrq-trigger; sleep 60'
	SB_EXPECT_255=
	expect_rc 255 || return
	expect_line "lkvm: error: sandbox: the guest ended without reporting the command's exit status" || return
	expect_line "Kernel panic"
}

# The init cannot mount the root (its "9p" module is another driver): it
# says why on the status port, and lkvm exits 125 with that reason.
t_init_error() {
	rm -rf $SBDIR/badmods
	cp -a /guest/lib/modules/$L2_RELEASE $SBDIR/badmods
	cp $SBDIR/badmods/kernel/drivers/char/hw_random/virtio-rng.ko \
		$SBDIR/badmods/kernel/fs/9p/9p.ko
	sb 180 --modules $SBDIR/badmods -- true
	expect_rc 125 || return
	expect_line "lkvm: error: sandbox: the guest could not run the command: cannot mount the root file system" || return
	expect_line "no 9p in the kernel"
}

# No modules found for a kernel that needs them: no report, and a hint.
t_missing_modules() {
	mkdir -p $SBDIR/bare
	cp "$L2_KERNEL" $SBDIR/bare/Image
	STDOUT=$OUT.stdout
	timeout 240 lkvm sandbox -k $SBDIR/bare/Image -c 1 -m 256 -p "$SB_PARAMS" \
		-- true </dev/null >"$STDOUT" 2>>"$OUT"
	RC=$?
	rm -f $SBDIR/bare/Image
	expect_rc 255 || return
	expect_line "give --modules DIR" || return
	expect_line "lkvm-init: the guest kernel has no virtio-mmio driver"
}

t_bad_input() {
	sb 30 -k /no/such/kernel -- true
	expect_rc 125 || return
	grep -qx '  Fatal: Unable to open kernel /no/such/kernel' "$OUT" || fail "no Fatal line" || return
	: >"$OUT"
	sb 30
	expect_rc 129 || return
	expect_line "no command" || return
	: >"$OUT"
	sb 30 --no-such-option -- true
	expect_rc 129 || return
	: >"$OUT"
	sb 30 -i "$L2_INITRD" -- true
	expect_rc 125 && expect_error "--initrd" "its own initramfs" || return
	: >"$OUT"
	sb 30 --modules /no/such/dir -- true
	expect_rc 125 && expect_error "--modules /no/such/dir" || return
	: >"$OUT"
	mkdir -p $SBDIR/wrongmods
	printf 'kernel/fs/9p/9p.ko\n' >$SBDIR/wrongmods/modules.order
	mkdir -p $SBDIR/wrongmods/kernel/fs/9p
	head -c 100 /dev/zero >$SBDIR/wrongmods/kernel/fs/9p/9p.ko
	sb 30 --modules $SBDIR/wrongmods -- true
	expect_rc 125 && expect_error "$SBDIR/wrongmods" || return
	: >"$OUT"
	sb 30 --sandbox /no/such/script
	expect_rc 125 && expect_error "--sandbox /no/such/script" || return
	: >"$OUT"
	sb 30 --sandbox $SBDIR/script.sh -- true
	expect_rc 125 && expect_error "give one of the two" || return
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat --modules /tmp
	expect_error "--modules" "only sandboxes"
}

t_setup() {
	rm -rf "$HOME/.lkvm/mine"
	lkvm_run 30 setup mine
	expect_rc 0 || return
	for d in dev proc sys tmp host root etc lkvm; do
		[ -d "$HOME/.lkvm/mine/$d" ] || fail "no /$d in the new root" || return
	done
	[ "$(readlink "$HOME/.lkvm/mine/bin")" = /host/bin ] || fail "bin is not /host/bin" || return
	[ -x "$HOME/.lkvm/mine/lkvm/init" ] || fail "no guest init in the root" || return
	: >"$OUT"
	lkvm_run 30 setup mine
	expect_error "$HOME/.lkvm/mine" "already exists" || return
	: >"$OUT"
	lkvm_run 30 setup ../escape
	expect_error "'../escape'" || return
	: >"$OUT"
	lkvm_run 30 setup
	expect_rc 129 || return
	: >"$OUT"
	echo "in mine" >"$HOME/.lkvm/mine/marker"
	sb 120 -d "$HOME/.lkvm/mine" -- sh -c 'cat /marker; ls /lkvm; hostname'
	expect_rc 0 || return
	expect_line "stdout: in mine" || return
	expect_line "stdout: init"
}

# The root's own /lkvm/init, without lkvm sandbox: a shell on the console.
t_setup_root_init() {
	[ -d "$HOME/.lkvm/mine" ] || lkvm setup mine >/dev/null
	fifo=$SBDIR/console-in
	rm -f $fifo
	mkfifo $fifo
	timeout 120 lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 1 -m 256 \
		-d "$HOME/.lkvm/mine" --9p /,hostfs \
		-p "$L2_PARAMS lkvm.test=9p_switch_init" <$fifo >"$OUT" 2>&1 &
	pid=$!
	# Read-write, so the open does not wait for lkvm: a SIGCHLD (this
	# shell is init and inherits orphans) would interrupt a waiting open,
	# and a failed exec ends the shell.
	exec 7<>$fifo
	wait_for "$OUT" "lkvm-init: no sandbox settings" 100
	sleep 2
	type_into 'echo "interactive $((6 * 7)) in $(pwd) on $(hostname)"; ls /host/guest; exit 3\n'
	wait $pid
	RC=$?
	exec 7>&-
	expect_rc 0 || return
	expect_line "interactive 42 in /root on lkvm" || return
	expect_line "Image" || return
	expect_line "the shell exited with status 3"
}

# Without -k, the host's own kernel (/boot/vmlinuz-$(uname -r)) and its
# modules in /lib/modules, as kvmtool. The guest kernel stands in for the
# host's, which may be another; lkvm finds modules by the release in the
# kernel's banner.
t_host_kernel() {
	rel=$(uname -r)
	mkdir -p /boot /lib/modules
	ln -sf "$L2_KERNEL" /boot/vmlinuz-$rel
	ln -sfn /guest/lib/modules/$L2_RELEASE /lib/modules/$L2_RELEASE
	STDOUT=$OUT.stdout
	timeout 120 lkvm sandbox -c 1 -m 256 -p "$SB_PARAMS" -- sh -c 'uname -r; exit 6' \
		</dev/null >"$STDOUT" 2>>"$OUT"
	RC=$?
	rm -f /boot/vmlinuz-$rel /lib/modules/$L2_RELEASE
	expect_rc 6 || return
	expect_stdout "$L2_RELEASE"
}

# The command on the console, when lkvm runs on a terminal: a tty, input.
t_tty() {
	ptyrun "tty-ready" "$(printf 'typed\r')" -- lkvm sandbox -k "$L2_KERNEL" \
		-c 1 -m 256 -p "$SB_PARAMS" -- \
		sh -c 'echo tty-ready; read x; echo "got=$x"; tty; exit 4' >"$OUT" 2>&1
	expect_line "status=4" || return
	expect_line "got=typed" || return
	expect_line "/dev/console" || return
	expect_line "restored=1" || return
	# The console is the command's controlling terminal: Ctrl-C is SIGINT.
	: >"$OUT"
	ptyrun "sleeping" "$(printf '\003')" -- lkvm sandbox -k "$L2_KERNEL" \
		-c 1 -m 256 -p "$SB_PARAMS" -- sh -c 'echo sleeping; sleep 100' \
		>"$OUT" 2>&1
	expect_line "status=130"
}

# lkvm stopped by a signal: 128 + N, as for lkvm run.
t_sigterm() {
	timeout 120 lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		-- sleep 600 </dev/null >"$OUT.stdout" 2>>"$OUT" &
	pid=$!
	sleep 25
	kill -TERM $pid
	wait $pid
	RC=$?
	expect_rc 143
}

# Its reader gone, lkvm ends like a process writing to a closed pipe.
t_sigpipe() {
	(timeout 120 lkvm sandbox -k "$L2_KERNEL" -c 1 -m 256 -p "$SB_PARAMS" \
		-- sh -c 'while :; do echo y; done' </dev/null 2>>"$OUT"
	 echo $? >$SBDIR/pipe-rc) | head -n 1 >/dev/null
	RC=$(cat $SBDIR/pipe-rc)
	expect_rc 141
}

# Warm templates: the first run of a configuration saves one, later runs
# start from it; each run is a fresh guest nonetheless.
TPL=$HOME/.lkvm/.templates

templates() {
	ls "$TPL" 2>/dev/null | grep -vc tmp
}

t_warm_template() {
	lkvm setup --clean-cache >/dev/null
	[ "$(templates)" = 0 ] || fail "--clean-cache left $(templates) templates" || return
	sb 120 --loglevel info -- sh -c 'echo first'
	expect_rc 0 || return
	expect_stdout first || return
	expect_line "sandbox: saved a warm template in $TPL/" || return
	[ "$(templates)" = 1 ] || fail "$(templates) templates after the first run" || return
	: >"$OUT"
	sb 120 --loglevel info -- sh -c 'echo second; exit 7'
	expect_rc 7 || return
	expect_stdout second || return
	expect_line "sandbox: started from the warm template $TPL/" || return
	expect_no_line "saved a warm template" || return
	# Another configuration, another template.
	: >"$OUT"
	sb 120 --loglevel info -c 2 -- true
	expect_rc 0 || return
	[ "$(templates)" = 2 ] || fail "$(templates) templates, expected one per configuration" || return
	# --cold neither uses nor saves one.
	: >"$OUT"
	sb 120 --loglevel info --cold -- true
	expect_rc 0 || return
	expect_no_line "warm template" || return
	lkvm setup --clean-cache >"$OUT.clean"
	grep -qx "Removed 2 warm templates." "$OUT.clean" ||
		fail "setup --clean-cache said '$(cat "$OUT.clean")'"
}

# Nothing one run did in the guest's memory reaches the next; the random
# number generator and the clock are this run's, not the template's
# (which was saved seconds earlier).
t_warm_fresh() {
	sb 120 -- sh -c 'echo made >/tmp/marker; echo made >/dev/shm/marker; head -c 16 /dev/urandom | od -An -tx1'
	expect_rc 0 || return
	first=$(cat "$STDOUT")
	sleep 5
	: >"$OUT"
	t0=$(date +%s)
	sb 120 --loglevel info -- sh -c 'cat /tmp/marker /dev/shm/marker 2>/dev/null; date +%s; head -c 16 /dev/urandom | od -An -tx1'
	t1=$(date +%s)
	expect_rc 0 || return
	expect_line "started from the warm template" || return
	grep -q made "$STDOUT" && fail "a file in the guest's memory outlived its run" && return 1
	guest=$(sed -n 1p "$STDOUT")
	second=$(sed -n 2p "$STDOUT")
	[ "${guest:-0}" -ge "$t0" ] && [ "$guest" -le "$t1" ] ||
		fail "the restored guest's clock says '$guest', the host's went from $t0 to $t1" || return
	: >"$OUT"
	sb 120 -- sh -c 'head -c 16 /dev/urandom | od -An -tx1'
	third=$(cat "$STDOUT")
	[ -n "$first" ] && [ -n "$second" ] && [ -n "$third" ] &&
		[ "$first" != "$second" ] && [ "$second" != "$third" ] &&
		[ "$first" != "$third" ] ||
		fail "random bytes repeat across runs: '$first' '$second' '$third'"
}

# A template that cannot be restored is rebuilt, and the run still works.
t_warm_rebuild() {
	sb 120 -- true
	expect_rc 0 || return
	dir=$(ls -d "$TPL"/* | grep -v tmp | head -n 1)
	[ -f "$dir/state" ] || fail "no template to damage" || return
	for d in "$TPL"/*; do
		printf 'XXXX' | dd of="$d/state" bs=1 seek=20 conv=notrunc 2>/dev/null
	done
	: >"$OUT"
	sb 120 --loglevel info -- sh -c 'exit 3'
	expect_rc 3 || return
	expect_line "cannot be used (state: its size or CRC-32 is not what the manifest says (damaged)): booting afresh and saving a new one" || return
	expect_line "saved a warm template" || return
	: >"$OUT"
	sb 120 --loglevel info -- true
	expect_rc 0 || return
	expect_line "started from the warm template"
}

# A warm run skips the initramfs while none of its inputs changed (the
# inputs cache), and sees every change to one: a module rewritten in
# place with its size and mtime kept, one replaced by a copy, a file
# added to a module's directory, the module tree's symlink retargeted.
# Each such run builds the initramfs again, saying once what changed,
# and (the modules being the same bytes) still starts warm.
inputs_run() {
	: >"$OUT"
	sb 120 --loglevel debug --modules $SBDIR/inputs -- true
	expect_rc 0 || return
	expect_line "started from the warm template"
}

inputs_changed() {
	inputs_run || return
	n=$(grep -c "changed since the last run: building the initramfs again" "$OUT")
	[ "$n" = 1 ] || fail "$n lines said the inputs changed after $1, expected one" || return
	expect_line "$2 changed since the last run" || return
	expect_line "sandbox: initramfs" || return
	expect_no_line "inputs are unchanged"
}

t_warm_inputs() {
	mods=$SBDIR/inputs
	rm -rf $mods
	mkdir -p $mods/trees
	cp -a /guest/lib/modules/$L2_RELEASE $mods/trees/a
	ln -s trees/a $mods/$L2_RELEASE
	ko=$(cd $mods/trees/a && find . -name '9p.ko*' | head -n 1)
	[ -n "$ko" ] || fail "no 9p module in $mods/trees/a" || return
	ko=$mods/$L2_RELEASE/${ko#./}
	# The first run with these modules saves the entry (and the
	# template, unless an earlier test left it); the second uses both.
	inputs_run || return
	inputs_run || return
	expect_line "inputs are unchanged" || return
	expect_no_line "building the initramfs again" || return
	expect_no_line "sandbox: initramfs" || return
	cat "$ko" >$mods/copy
	touch -r "$ko" $mods/copy
	cat $mods/copy >"$ko"
	touch -r $mods/copy "$ko"
	inputs_changed "rewriting a module in place" "$ko" || return
	cp -p "$ko" $mods/copy
	mv $mods/copy "$ko"
	inputs_changed "replacing a module" "$ko" || return
	: >"$(dirname "$ko")/extra"
	inputs_changed "adding a file to a module's directory" "$(dirname "$ko")" || return
	cp -a $mods/trees/a $mods/trees/b
	ln -sfn trees/b $mods/$L2_RELEASE
	inputs_changed "retargeting the tree's symlink" "$mods/$L2_RELEASE/modules.order" || return
	inputs_run || return
	expect_line "inputs are unchanged"
}

# A warm run's host check builds a scratch VM once per host boot: later
# runs of the template trust the kept verdict only while it says exactly
# what their own check would read. A verdict of another boot is not
# trusted; nor one kept for a manifest that has changed since (here to ID
# register values no host has: the full check refuses the template).
t_warm_host_check() {
	HC=$TPL/.host-check
	sb 120 -- true
	expect_rc 0 || return
	rm -rf "$HC"
	: >"$OUT"
	sb 120 --loglevel debug -- true
	expect_rc 0 || return
	expect_line "started from the warm template" || return
	expect_line "host check: its verdict kept in $HC/" || return
	expect_no_line "verdict of an earlier run" || return
	: >"$OUT"
	sb 120 --loglevel debug -- sh -c 'exit 4'
	expect_rc 4 || return
	expect_line "host check: the verdict of an earlier run in this boot ($HC/" || return
	for f in "$HC"/*; do
		sed -i 's/^boot .*/boot 00000000-0000-0000-0000-000000000000/' "$f"
	done
	: >"$OUT"
	sb 120 --loglevel debug -- true
	expect_rc 0 || return
	expect_no_line "verdict of an earlier run" || return
	expect_line "host check: its verdict kept in $HC/" || return
	grep -q "^boot $(cat /proc/sys/kernel/random/boot_id)\$" "$HC"/* ||
		fail "the kept verdict does not name this boot" || return
	for d in "$TPL"/*; do
		sed -i 's/"value": "0x[0-9a-f]*"/"value": "0xffffffffffffffff"/g' "$d/manifest.json"
	done
	: >"$OUT"
	sb 120 --loglevel debug -- sh -c 'exit 5'
	expect_rc 5 || return
	expect_no_line "verdict of an earlier run" || return
	expect_line "cannot be used (the guest saw " || return
	expect_line "saved a warm template" || return
	: >"$OUT"
	sb 120 --loglevel debug -- true
	expect_rc 0 || return
	expect_line "started from the warm template" || return
	expect_line "host check: its verdict kept in $HC/"
}

# The first warm run of a template records its hot RAM blocks (mapped
# most, never written); later warm runs ask for them in huge pages, and
# where the template is in tmpfs (here) the kernel makes them so. A
# damaged or hostile record is ignored with one info line, the run
# works, and the next records them again.
hot_asked() {
	expect_line "restore: asking for the hot RAM blocks " || return
	expect_line "restore: asked for " || return
	# The pages the recording run wrote, copied before the guest ran.
	grep -Eq "restore: made [1-9][0-9]* written pages private in [1-9][0-9]* of [1-9][0-9]* runs$" "$OUT" ||
		fail "no written pages made private: $(grep "restore: made" "$OUT")"
}

shmem_huge_kb() {
	awk '/^ShmemHugePages:/ { print $2 }' /proc/meminfo
}

hot_ignored() {
	: >"$OUT"
	sb 120 --loglevel info -- sh -c 'echo still'
	expect_rc 0 || return
	expect_stdout still || return
	n=$(grep -c "hot-blocks ignored (" "$OUT")
	[ "$n" = 1 ] || fail "$n lines said the record was ignored after $1, expected one" || return
	expect_no_line "lkvm: error" || return
	: >"$OUT"
	sb 120 --loglevel debug -- true
	expect_rc 0 || return
	hot_asked
}

t_warm_hot() {
	lkvm setup --clean-cache >/dev/null
	huge0=$(shmem_huge_kb)
	sb 120 -- true
	expect_rc 0 || return
	dir=$(ls -d "$TPL"/* | grep -v tmp | head -n 1)
	: >"$OUT"
	sb 120 --loglevel debug -- true
	expect_rc 0 || return
	expect_line "this run records the hot RAM blocks" || return
	expect_line "destroy: recorded" || return
	expect_no_line "asking for the hot RAM blocks" || return
	: >"$OUT"
	sb 120 --loglevel debug -- sh -c 'echo hot'
	expect_rc 0 || return
	expect_stdout hot || return
	hot_asked || return
	# Nothing else here puts tmpfs pages in huge ones (huge=never).
	if [ "$(stat -f -c %T "$HOME")" = tmpfs ]; then
		huge1=$(shmem_huge_kb)
		[ "${huge1:-0}" -gt "${huge0:-0}" ] ||
			fail "ShmemHugePages $huge0 -> $huge1 kB: no block of the template's RAM in a huge page" || return
	fi
	[ -f "$dir/hot-blocks" ] && [ ! -e "$dir/hot-blocks.new" ] ||
		fail "after two warm runs: $(ls "$dir")" || return
	grep -q "^blocks [0-9]" "$dir/hot-blocks" &&
		grep -q "^written [0-9][0-9]*+[0-9]" "$dir/hot-blocks" ||
		fail "hot-blocks says '$(cat "$dir/hot-blocks")'" || return
	printf 'lkvm-hot-blocks 2\nram_bytes 0x10000000\nblocks 1 99999\nwritten\n' >"$dir/hot-blocks"
	hot_ignored "a block outside RAM" || return
	printf 'lkvm-hot-blocks 2\nram_bytes 0x10000000\nblocks 1\nwritten 65535+2\n' >"$dir/hot-blocks"
	hot_ignored "a written run outside RAM" || return
	# An earlier lkvm's record, without the written pages.
	printf 'lkvm-hot-blocks 1\nram_bytes 0x10000000\nblocks 1\n' >"$dir/hot-blocks"
	hot_ignored "a record of format 1" || return
	head -c 400 /dev/urandom >"$dir/hot-blocks"
	hot_ignored "random bytes" || return
	rm -f "$dir/hot-blocks"
	mkfifo "$dir/hot-blocks"
	hot_ignored "a FIFO" || return
	# Removing the template takes its record along.
	lkvm setup --clean-cache >"$OUT.clean"
	[ ! -e "$dir" ] || fail "--clean-cache left $(ls "$dir")"
}

run_test exit-statuses t_exit_statuses
run_test clock t_clock
run_test output t_output
run_test arguments t_arguments
run_test stdin t_stdin
run_test cwd-and-host-files t_cwd_and_host_files
run_test not-found t_not_found
run_test no-forged-status t_no_forged_status
run_test leftovers-killed t_leftovers_killed
run_test script t_script
run_test kernel-panic t_kernel_panic
run_test init-error t_init_error
run_test missing-modules t_missing_modules
run_test bad-input t_bad_input
run_test setup t_setup
run_test setup-root-init t_setup_root_init
run_test host-kernel t_host_kernel
run_test tty t_tty
run_test sigterm t_sigterm
run_test sigpipe t_sigpipe
if [ -z "$LKVM_SANDBOX_COLD" ]; then
	run_test warm-template t_warm_template
	run_test warm-fresh t_warm_fresh
	run_test warm-rebuild t_warm_rebuild
	run_test warm-inputs t_warm_inputs
	run_test warm-host-check t_warm_host_check
	run_test warm-hot t_warm_hot
fi
