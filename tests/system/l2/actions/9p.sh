# Guest side of tests/system/scenarios/9p.sh: a Linux guest (v9fs over
# 9pnet_virtio) using lkvm's virtio-9p shares. Results as "@@L2 KEY=VALUE";
# the host side checks the shared directory afterwards.

# mount9p TAG DIR [OPTIONS]: the 9p transport appears as the driver binds.
mount9p() {
	mkdir -p "$2"
	n=0
	while ! mount -t 9p -o "trans=virtio,version=9p2000.L${3:+,$3}" "$1" "$2" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 50 ] || { echo "@@L2 mount_failed=$1"; return 1; }
		sleep 0.1
	done
}

# Creates, writes, renames, links and removes through the share; the
# host prepared host.txt and checks what is left.
action_9p_roundtrip() {
	mount9p kvm_9p /mnt || return
	echo "@@L2 host_txt=$(cat /mnt/host.txt)"
	echo "guest wrote this" >/mnt/created.txt
	echo "@@L2 create_rc=$?"
	mkdir -p /mnt/newdir/sub
	echo "@@L2 mkdir_rc=$?"
	echo "inside" >/mnt/newdir/sub/file
	ln -s created.txt /mnt/link
	echo "@@L2 symlink_rc=$?"
	echo "@@L2 readlink=$(readlink /mnt/link)"
	echo "@@L2 through_link=$(cat /mnt/link)"
	ln /mnt/created.txt /mnt/hardlink
	echo "@@L2 link_rc=$?"
	echo "moved" >/mnt/to-rename
	mv /mnt/to-rename /mnt/newdir/renamed
	echo "@@L2 rename_rc=$?"
	mv /mnt/newdir /mnt/movedir
	echo "@@L2 dir_rename_rc=$?"
	echo "@@L2 after_dir_rename=$(cat /mnt/movedir/sub/file)"
	rm /mnt/to-delete
	echo "@@L2 unlink_rc=$?"
	rmdir /mnt/empty-dir
	echo "@@L2 rmdir_rc=$?"
	# 1 MiB through the page cache and back, checked on both sides.
	dd if=/dev/urandom of=/tmp/big bs=65536 count=16 2>/dev/null
	cp /tmp/big /mnt/big
	echo "@@L2 big_md5=$(md5sum </tmp/big | cut -d' ' -f1)"
	echo "@@L2 big_back_md5=$(md5sum </mnt/big | cut -d' ' -f1)"
	# Appends, truncation, chmod, timestamps.
	echo "one" >/mnt/append
	echo "two" >>/mnt/append
	truncate -s 2 /mnt/truncated
	chmod 0751 /mnt/created.txt
	touch -d "2001-09-09 01:46:40" /mnt/stamped
	echo "@@L2 ls=$(ls /mnt | tr '\n' ',')"
	echo "@@L2 df_rc=$(df /mnt >/dev/null 2>&1; echo $?)"
	# An unlinked file stays readable through its open descriptor.
	echo "still here" >/mnt/unlinked
	exec 5</mnt/unlinked
	rm /mnt/unlinked
	echo "@@L2 unlinked_read=$(cat <&5)"
	exec 5<&-
	umount /mnt
	echo "@@L2 umount_rc=$?"
}

# Escape attempts from the guest: each must fail in the guest, and the
# host checks that nothing outside the share changed.
action_9p_escape() {
	mount9p kvm_9p /mnt || return
	# The share's symlinks are followed by the guest, in the guest.
	echo "@@L2 read_to_secret=$(cat /mnt/to_secret 2>/dev/null || echo refused)"
	echo pwned >/mnt/to_secret 2>/dev/null
	echo "@@L2 write_to_secret_rc=$?"
	echo "@@L2 read_up=$(cat /mnt/up/secret 2>/dev/null || echo refused)"
	echo pwned >/mnt/up/planted 2>/dev/null
	echo "@@L2 plant_up_rc=$?"
	echo "@@L2 read_root_link=$(cat /mnt/to_root/tmp/9p/outside/secret 2>/dev/null || echo refused)"
	echo pwned >/mnt/to_root/tmp/9p/outside/planted 2>/dev/null
	echo "@@L2 plant_root_link_rc=$?"
	# ".." at the mount's root stays in the guest.
	echo "@@L2 dotdot=$(cat /mnt/../outside/secret 2>/dev/null || echo refused)"
	echo pwned >/mnt/../../tmp/9p/outside/planted 2>/dev/null
	echo "@@L2 plant_dotdot_rc=$?"
	# A FIFO: the guest's open never reaches the host's FIFO.
	echo "@@L2 fifo_type=$(stat -c %F /mnt/fifo)"
	dd if=/mnt/fifo of=/dev/null bs=1 count=1 iflag=nonblock 2>/dev/null
	echo "@@L2 fifo_read_rc=$?"
	# A device node for a device the guest lacks (/dev/kvm, 10:232).
	echo "@@L2 dev_type=$(stat -c %F /mnt/kvm)"
	echo x >/mnt/kvm 2>/dev/null
	echo "@@L2 dev_write_rc=$?"
	cat /mnt/kvm >/dev/null 2>&1
	echo "@@L2 dev_read_rc=$?"
	echo "@@L2 hidden=$(ls /mnt/proc-mount 2>&1 | head -n 1)"
	umount /mnt
}

# A read-only share: every change refused, reads work.
action_9p_ro() {
	mount9p kvm_9p /mnt || return
	echo "@@L2 read=$(cat /mnt/host.txt)"
	echo x >/mnt/new 2>/dev/null
	echo "@@L2 create_rc=$?"
	echo x >>/mnt/host.txt 2>/dev/null
	echo "@@L2 append_rc=$?"
	mkdir /mnt/d 2>/dev/null
	echo "@@L2 mkdir_rc=$?"
	rm /mnt/host.txt 2>/dev/null
	echo "@@L2 rm_rc=$?"
	mv /mnt/host.txt /mnt/moved 2>/dev/null
	echo "@@L2 mv_rc=$?"
	chmod 0600 /mnt/host.txt 2>/dev/null
	echo "@@L2 chmod_rc=$?"
	umount /mnt
}

# Two shares with their own tags.
action_9p_two() {
	mount9p first /mnt/a || return
	mount9p second /mnt/b || return
	echo "@@L2 a=$(cat /mnt/a/which)"
	echo "@@L2 b=$(cat /mnt/b/which)"
	echo "@@L2 tags=$(cat /sys/bus/virtio/drivers/9pnet_virtio/virtio*/mount_tag 2>/dev/null | tr '\0\n' ',,')"
}

# -d DIR: the kernel command line names the 9p root; mount it as the
# kernel would (this kernel has 9p as a module, so init does it).
action_9p_root() {
	echo "@@L2 cmdline=$(tr ' ' '+' </proc/cmdline)"
	opts=$(sed -n 's/.*rootflags=\([^ ]*\).*/\1/p' /proc/cmdline)
	mount9p /dev/root /newroot "${opts#trans=virtio,version=9p2000.L}" || return
	echo "@@L2 root_marker=$(cat /newroot/marker)"
	echo "written from the guest" >/newroot/from-guest
	echo "@@L2 root_write_rc=$?"
}

# A root made by lkvm setup, booted without lkvm sandbox: this kernel has
# 9p as a module, so this initramfs mounts the root (the kernel would, with
# 9p built in) and hands over to the root's own /lkvm/init.
action_9p_switch_init() {
	mount9p /dev/root /newroot || return
	exec switch_root /newroot /lkvm/init
}
