# Guest side of tests/system/scenarios/boot.sh: the guest's clock and
# its RTC (the PL031 as rtc0). Results as "@@L2 KEY=VALUE".

# What busybox's `hwclock -r` says, in seconds since 1970 (it prints
# ctime()'s form and a fraction that is always zero).
rtc_seconds() {
	date -u -D '%a %b %e %H:%M:%S %Y' +%s \
		-d "$(hwclock -r -u | sed 's/ *[0-9.]* seconds$//')"
}

# The system clock, read between two reads of the RTC (through the
# driver, in seconds), and the RTC as busybox's hwclock -r shows it.
action_clock() {
	echo "@@L2 rtc_before=$(cat /sys/class/rtc/rtc0/since_epoch)"
	echo "@@L2 date=$(date +%s)"
	echo "@@L2 rtc_after=$(cat /sys/class/rtc/rtc0/since_epoch)"
	echo "@@L2 hwclock=$(rtc_seconds)"
	echo "@@L2 hctosys=$(cat /sys/class/rtc/rtc0/hctosys)"
	echo "@@L2 rtc_driver=$(basename "$(readlink /sys/class/rtc/rtc0/device/driver)")"
}

# The guest sets its clock, and the RTC, to 2001: the RTC keeps that
# time and goes on counting from it.
action_clock_set() {
	date -u -s @1000000000 >/dev/null
	hwclock -w -u
	echo "@@L2 first=$(rtc_seconds)"
	sleep 1
	echo "@@L2 second=$(rtc_seconds)"
}
