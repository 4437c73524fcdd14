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

void set_clock(void)
{
	char *hctosys = read_file("/sys/class/rtc/rtc0/hctosys", NULL);
	bool done = hctosys && hctosys[0] == '1';
	struct rtc_time rt;
	struct timeval tv;
	struct tm tm;
	int fd;

	free(hctosys);
	if (done)
		return;
	/* No RTC (lkvm --no-rtc): the clock stays where the kernel left it. */
	fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (ioctl(fd, RTC_RD_TIME, &rt) < 0) {
		say("lkvm-init: cannot read the RTC: %s", strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	tm = (struct tm){
		.tm_sec = rt.tm_sec, .tm_min = rt.tm_min, .tm_hour = rt.tm_hour,
		.tm_mday = rt.tm_mday, .tm_mon = rt.tm_mon, .tm_year = rt.tm_year,
	};
	/*
	 * The RTC counts whole seconds: the middle of the one it shows is
	 * within half a second of the host's time, as the kernel reckons.
	 */
	tv = (struct timeval){ .tv_sec = timegm(&tm), .tv_usec = 500000 };
	if (tv.tv_sec == (time_t)-1 || settimeofday(&tv, NULL) < 0)
		say("lkvm-init: cannot set the clock from the RTC: %s",
		    strerror(errno));
}
