# `make demo`: lkvm boots the Debian arm64 guest on the serial console and
# the guest shows what it is running on, then powers off.
echo
echo "==> nested host ready: $(uname -sr), $(nproc) cpus, /dev/kvm present"
echo "==> lkvm run -k Image -i initrd.cpio.gz -c 2 -m 512 -p \"cryptomgr.notests lkvm.test=demo\""
echo
lkvm run -k "$L2_KERNEL" -i "$L2_INITRD" -c 2 -m 512 -p "cryptomgr.notests lkvm.test=demo" </dev/null
rc=$?
echo
echo "==> lkvm exited with status $rc"
[ $rc = 0 ] && echo "@@DEMO-OK"
