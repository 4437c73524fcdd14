// SPDX-License-Identifier: GPL-2.0
/* What several commands share. */
#include <lkvm/builtin.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool builtin_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	}
	return false;
}

/* Opening the kernel first gives kvm-unit-tests its exact message. */
bool builtin_kernel_readable(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "  Fatal: Unable to open kernel %s\n", path);
		return false;
	}
	close(fd);
	return true;
}
