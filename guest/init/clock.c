// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's clock from its RTC, which lkvm keeps on the host's wall
 * clock. A kernel with CONFIG_RTC_HCTOSYS (Debian's) has done this by
 * the time the init runs, and rtc0's "hctosys" says so; for a kernel
 * without it the init does it.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The RTC's time in whole seconds, or -1 (no RTC: lkvm --no-rtc). */
static time_t rtc_seconds(void)
{
	int fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC);
	struct rtc_time rt;
	struct tm tm;

	if (fd < 0)
		return -1;
	if (ioctl(fd, RTC_RD_TIME, &rt) < 0) {
		say("lkvm-init: cannot read the RTC: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	tm = (struct tm){
		.tm_sec = rt.tm_sec, .tm_min = rt.tm_min, .tm_hour = rt.tm_hour,
		.tm_mday = rt.tm_mday, .tm_mon = rt.tm_mon, .tm_year = rt.tm_year,
	};
	return timegm(&tm);
}

/*
 * The RTC counts whole seconds: the middle of the one it shows is within
 * half a second of the host's time, as the kernel reckons.
 */
static void set_from_rtc(time_t sec)
{
	struct timeval tv = { .tv_sec = sec, .tv_usec = 500000 };

	if (settimeofday(&tv, NULL) < 0)
		say("lkvm-init: cannot set the clock from the RTC: %s",
		    strerror(errno));
}

void set_clock(void)
{
	char *hctosys = read_file("/sys/class/rtc/rtc0/hctosys", NULL);
	bool done = hctosys && hctosys[0] == '1';
	time_t sec;

	free(hctosys);
	if (done)
		return;
	sec = rtc_seconds();
	if (sec != (time_t)-1)
		set_from_rtc(sec);
}

/*
 * lkvm stamps the host's clock as the command leaves, into the buffer
 * this init posted before it waited: after a warm start, before this
 * guest runs again, which under load can take seconds. A stamp older
 * than the RTC's second is stale by more than the RTC's half second.
 */
void set_clock_from_host(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL),
			       (long)(ns % 1000000000ULL) };
	time_t rtc = rtc_seconds();

	if (rtc != (time_t)-1 && rtc > ts.tv_sec) {
		set_from_rtc(rtc);
		return;
	}
	if (clock_settime(CLOCK_REALTIME, &ts))
		say("lkvm-init: cannot set the clock: %s", strerror(errno));
}
