# Reports what the guest sees of SVE and pointer authentication.
action_sve() {
	sve_probe
	echo "@@L2 cpus_with_sve=$(grep -cw sve /proc/cpuinfo)"
	echo "@@L2 cpuinfo_sve=$(grep -m1 '^Features' /proc/cpuinfo | tr ' ' '\n' | grep '^sve' | tr '\n' ',' | sed 's/,$//')"
	echo "@@L2 cpus_with_ptrauth=$(grep -cw paca /proc/cpuinfo)"
	echo "@@L2 nproc=$(nproc)"
}
