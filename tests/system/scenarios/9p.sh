# virtio-9p: host directories shared with a Linux guest (--9p, -d DIR).
# L1 is the host of the L2 guest: every round trip is checked here, on the
# host side, after the guest is gone.

P9=/tmp/9p
SHARE=$P9/share
OUTSIDE=$P9/outside

# p9_value KEY: the whole rest of the guest's "@@L2 KEY=..." line.
p9_value() {
	sed -n "s/.*@@L2 $1=\(.*\)$/\1/p" "$OUT" | tr -d '\r' | head -n 1
}

p9_expect() {
	[ "$(p9_value "$1")" = "$2" ] ||
		fail "guest $1 is '$(p9_value "$1")', expected '$2'"
}

# snapshot DIR: names, types, sizes, times and modes of everything below.
snapshot() {
	find "$1" | sort | while read -r f; do
		stat -c '%n %F %s %Y %a' "$f"
	done | md5sum
}

fresh_share() {
	umount "$SHARE/proc-mount" 2>/dev/null
	rm -rf "$P9"
	mkdir -p "$SHARE" "$OUTSIDE"
}

t_roundtrip() {
	fresh_share
	echo "from the host" >"$SHARE/host.txt"
	echo "delete me" >"$SHARE/to-delete"
	mkdir "$SHARE/empty-dir"
	run_l2 400 9p_roundtrip -c 2 -m 512 --9p "$SHARE"
	expect_rc 0 || return
	expect_no_line "lkvm: warning" || return
	p9_expect host_txt "from the host" || return
	for k in create_rc mkdir_rc symlink_rc link_rc rename_rc dir_rename_rc \
		unlink_rc rmdir_rc df_rc umount_rc; do
		p9_expect $k 0 || return
	done
	p9_expect readlink created.txt || return
	p9_expect through_link "guest wrote this" || return
	p9_expect after_dir_rename inside || return
	p9_expect unlinked_read "still here" || return
	[ "$(p9_value big_md5)" = "$(p9_value big_back_md5)" ] ||
		fail "the guest read back other data than it wrote" || return
	# What the host sees.
	[ "$(cat "$SHARE/created.txt")" = "guest wrote this" ] ||
		fail "created.txt on the host: '$(cat "$SHARE/created.txt")'" || return
	[ "$(readlink "$SHARE/link")" = created.txt ] || fail "symlink not on the host" || return
	[ "$(stat -c %h "$SHARE/created.txt")" = 2 ] || fail "hard link count $(stat -c %h "$SHARE/created.txt")" || return
	[ "$(stat -c %a "$SHARE/created.txt")" = 751 ] || fail "chmod: mode $(stat -c %a "$SHARE/created.txt")" || return
	[ "$(cat "$SHARE/movedir/renamed")" = moved ] || fail "renamed file missing" || return
	[ "$(cat "$SHARE/movedir/sub/file")" = inside ] || fail "directory rename lost a file" || return
	[ ! -e "$SHARE/newdir" ] && [ ! -e "$SHARE/to-rename" ] || fail "old names left" || return
	[ ! -e "$SHARE/to-delete" ] && [ ! -e "$SHARE/empty-dir" ] || fail "unlink/rmdir left files" || return
	[ ! -e "$SHARE/unlinked" ] || fail "the unlinked file is back" || return
	[ "$(md5sum <"$SHARE/big" | cut -d' ' -f1)" = "$(p9_value big_md5)" ] ||
		fail "the 1 MiB file differs on the host" || return
	[ "$(cat "$SHARE/append")" = "one
two" ] || fail "append: '$(cat "$SHARE/append")'" || return
	[ "$(stat -c %s "$SHARE/truncated")" = 2 ] || fail "truncate: $(stat -c %s "$SHARE/truncated") bytes" || return
	[ "$(stat -c %Y "$SHARE/stamped")" = 1000000000 ] || fail "touch -d: mtime $(stat -c %Y "$SHARE/stamped")"
}

t_escape() {
	fresh_share
	echo secret >"$OUTSIDE/secret"
	ln -s "$OUTSIDE/secret" "$SHARE/to_secret"
	ln -s ../outside "$SHARE/up"
	ln -s / "$SHARE/to_root"
	mkfifo "$SHARE/fifo"
	mknod "$SHARE/kvm" c 10 232
	mkdir "$SHARE/proc-mount"
	mount -t proc proc "$SHARE/proc-mount"
	before=$(snapshot "$OUTSIDE")
	# A writer on the FIFO: it finishes only if someone opens it to read.
	(echo data >"$SHARE/fifo"; echo opened >"$P9/fifo-was-opened") &
	writer=$!
	run_l2 180 9p_escape -c 1 -m 256 --9p "$SHARE"
	umount "$SHARE/proc-mount"
	expect_rc 0 || return
	for k in read_to_secret read_up read_root_link dotdot; do
		p9_expect $k refused || return
	done
	for k in write_to_secret_rc plant_up_rc plant_root_link_rc plant_dotdot_rc \
		dev_write_rc dev_read_rc; do
		[ "$(p9_value $k)" != 0 ] || fail "guest $k is 0: it succeeded" || return
	done
	p9_expect fifo_type fifo || return
	p9_expect dev_type "character special file" || return
	p9_value hidden | grep -q "Permission denied" ||
		fail "a proc mount inside the share was listed: '$(p9_value hidden)'" || return
	[ "$(cat "$OUTSIDE/secret")" = secret ] || fail "the file outside changed" || return
	[ ! -e "$OUTSIDE/planted" ] || fail "a file was planted outside the share" || return
	[ "$(snapshot "$OUTSIDE")" = "$before" ] || fail "the directory outside changed" || return
	[ ! -e "$P9/fifo-was-opened" ] || fail "lkvm opened the FIFO" || return
	kill "$writer" 2>/dev/null
	[ -p "$SHARE/fifo" ] && [ -c "$SHARE/kvm" ] || fail "special files changed"
}

t_read_only() {
	fresh_share
	echo "read only" >"$SHARE/host.txt"
	before=$(snapshot "$SHARE")
	run_l2 120 9p_ro -c 1 -m 256 --9p "$SHARE,ro"
	expect_rc 0 || return
	p9_expect read "read only" || return
	for k in create_rc append_rc mkdir_rc rm_rc mv_rc chmod_rc; do
		[ "$(p9_value $k)" != 0 ] || fail "guest $k is 0 on a ro share" || return
	done
	[ "$(cat "$SHARE/host.txt")" = "read only" ] || fail "host.txt changed" || return
	[ "$(snapshot "$SHARE")" = "$before" ] || fail "the ro share changed"
}

t_two_shares() {
	fresh_share
	mkdir -p "$P9/a" "$P9/b"
	echo first >"$P9/a/which"
	echo second >"$P9/b/which"
	run_l2 120 9p_two -c 1 -m 256 --9p "$P9/a,first" --9p "$P9/b,second,ro"
	expect_rc 0 || return
	p9_expect a first || return
	p9_expect b second
}

t_dir_root() {
	fresh_share
	echo "root dir" >"$SHARE/marker"
	run_l2 120 9p_root -c 1 -m 256 -d "$SHARE"
	expect_rc 0 || return
	expect_line "@@L2 cmdline=console=ttyS0+root=/dev/root+rw+rootfstype=9p+rootflags=trans=virtio,version=9p2000.L+quiet" || return
	p9_expect root_marker "root dir" || return
	p9_expect root_write_rc 0 || return
	[ "$(cat "$SHARE/from-guest")" = "written from the guest" ] || fail "the guest's file is not in the root dir"
}

bad() {
	: >"$OUT"
	lkvm_run 30 run -k $BM/hello.flat -c 1 -m 128 "$@"
}

t_bad_options() {
	fresh_share
	bad --9p /no/such/dir && expect_error "--9p /no/such/dir" "No such file" || return
	touch "$SHARE/host.txt"
	bad --9p "$SHARE/host.txt" && expect_error "$SHARE/host.txt" "not a directory" || return
	bad --9p "$SHARE,bad tag" && expect_error "bad tag 'bad tag'" || return
	bad --9p "$SHARE,a,b" && expect_error "second tag 'b'" || return
	bad --9p ",x" && expect_error "expected DIR[,TAG][,ro]" || return
	bad --9p "$SHARE" --9p "$P9" && expect_error "tag 'kvm_9p' is already used" || return
	bad --9p /proc && expect_error "/proc" "pseudo file system" || return
	bad -d "$SHARE" -d "$P9" && expect_error "only one directory can be the root" || return
	bad -d "$SHARE,direct" && expect_error ",direct is for images" || return
	# Accepted: a share, a read-only root directory, a named one.
	bad --9p "$SHARE,ro" --9p "$OUTSIDE,out"
	expect_rc 0 || return
	bad -d "$SHARE,ro" --dump-dtb /tmp/9p.dtb
	expect_rc 0
}

# The unit tests of the 9P server, on this real kernel: openat2 and
# RESOLVE_BENEATH instead of qemu-user's name walk.
t_server_unit_tests() {
	test_p9 >"$OUT" 2>&1
	RC=$?
	expect_rc 0 || return
	expect_no_line "not ok" || return
	expect_line "# p9 resolver: openat2" || return
	[ "$(grep -c '^ok ' "$OUT")" -ge 13 ] || fail "only $(grep -c '^ok ' "$OUT") tests ran"
}

run_test roundtrip t_roundtrip
run_test escape t_escape
run_test read-only t_read_only
run_test two-shares t_two_shares
run_test dir-root t_dir_root
run_test bad-options t_bad_options
run_test server-unit-tests t_server_unit_tests
