/*
 * sve_probe: runs inside a Linux guest and prints the SVE vector lengths
 * the guest can use, found the way software finds them: prctl(PR_SVE_SET_VL)
 * for every architectural length, keeping those the kernel grants exactly.
 *
 *   sve_probe          prints "@@L2 sve_vls=128,256" (or "none") and
 *                      "@@L2 sve_hwcaps=sve2,svebf16,..." (the SVE
 *                      features of AT_HWCAP2, or "none"), and exits
 *   sve_probe --spin   also fills Z0 with a known pattern at the largest
 *                      length and keeps executing SVE, for register dumps
 */
#include <asm/hwcap.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SVE_SET_VL
#define PR_SVE_SET_VL 50
#define PR_SVE_GET_VL 51
#endif
#ifndef PR_SVE_VL_LEN_MASK
#define PR_SVE_VL_LEN_MASK 0xffff
#endif

#define VQ_MAX 16

static void spin(void)
{
	for (unsigned long n = 0;; n++) {
		/* Z0 bytes 1, 2, 3, ...; P0 all true; then burn some time. */
		/* Only this asm uses SVE: the rest must run on guests without. */
		__asm__ volatile(".arch_extension sve\n\t"
				 "index z0.b, #1, #1\n\tptrue p0.b\n" ::: "memory");
		if (!(n % 50000000)) {
			printf("@@L2 spinning %lu\n", n);
			fflush(stdout);
		}
	}
}

/* The SVE features the kernel tells programs of, by their cpuinfo names. */
static void print_hwcaps(void)
{
	static const struct {
		unsigned long bit;
		const char *name;
	} caps[] = {
		{ HWCAP2_SVE2, "sve2" },	   { HWCAP2_SVEAES, "sveaes" },
		{ HWCAP2_SVEPMULL, "svepmull" },   { HWCAP2_SVEBITPERM, "svebitperm" },
		{ HWCAP2_SVESHA3, "svesha3" },	   { HWCAP2_SVESM4, "svesm4" },
		{ HWCAP2_SVEI8MM, "svei8mm" },	   { HWCAP2_SVEF32MM, "svef32mm" },
		{ HWCAP2_SVEF64MM, "svef64mm" },   { HWCAP2_SVEBF16, "svebf16" },
	};
	unsigned long hwcap2 = getauxval(AT_HWCAP2);
	const char *sep = "";

	printf("@@L2 sve_hwcaps=");
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (hwcap2 & caps[i].bit) {
			printf("%s%s", sep, caps[i].name);
			sep = ",";
		}
	}
	printf("%s\n", *sep ? "" : "none");
}

int main(int argc, char **argv)
{
	char list[VQ_MAX * 6] = "";
	size_t len = 0;
	int max_vl = 0;

	for (int vq = 1; vq <= VQ_MAX; vq++) {
		int ret = prctl(PR_SVE_SET_VL, vq * 16);

		if (ret < 0) {
			if (errno == EINVAL && vq == 1)
				break;	/* no SVE for this task at all */
			fprintf(stderr, "sve_probe: PR_SVE_SET_VL %d: %s\n",
				vq * 16, strerror(errno));
			return 1;
		}
		if ((ret & PR_SVE_VL_LEN_MASK) == vq * 16) {
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%d", len ? "," : "", vq * 128);
			max_vl = vq * 16;
		}
	}
	printf("@@L2 sve_vls=%s\n", len ? list : "none");
	print_hwcaps();
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "--spin") && max_vl) {
		prctl(PR_SVE_SET_VL, max_vl);
		spin();
	}
	return 0;
}
