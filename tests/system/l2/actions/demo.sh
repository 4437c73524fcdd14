# The guest side of `make demo`.
action_demo() {
	echo
	echo "Hello from a Debian arm64 guest booted by lkvm, nested in KVM."
	echo "  kernel:  $(uname -sr)"
	echo "  cpus:    $(nproc)"
	echo "  memory:  $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
	echo "  cmdline: $(cat /proc/cmdline)"
	if grep -qw sve /proc/cpuinfo; then
		echo "  SVE:     yes, default vector length $(cat /proc/sys/abi/sve_default_vector_length) bytes"
	else
		echo "  SVE:     no"
	fi
	echo "  devices: $(ls /sys/bus/platform/devices | tr '\n' ' ')"
	echo
	echo "Powering off."
}
