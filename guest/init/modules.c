// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel modules lkvm packed in /lkvm/modules, named NN-name.ko[.xz|
 * .zst|.gz] so that their names give the load order (dependencies first).
 * Compressed ones are left to the kernel to decompress.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

static bool compressed(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && strcmp(dot, ".ko");
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_modules(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

void load_modules(const struct ports *p)
{
	struct dirent **list;
	int n = scandir(INIT_MODULES, &list, only_modules, by_name);

	/* No directory: the kernel has what the sandbox needs built in. */
	for (int i = 0; i < n; i++) {
		char path[512];
		int fd, ret;

		snprintf(path, sizeof(path), "%s/%s", INIT_MODULES,
			 list[i]->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fatal(p, "cannot open %s: %s", path, strerror(errno));
		ret = (int)syscall(SYS_finit_module, fd, "",
				   compressed(path) ?
					   MODULE_INIT_COMPRESSED_FILE :
					   0);
		if (ret && errno != EEXIST)
			fatal(p, "cannot load the kernel module %s: %s",
			      list[i]->d_name, strerror(errno));
		close(fd);
		/* The initramfs lives in RAM: give the memory back. */
		unlink(path);
		free(list[i]);
	}
	if (n > 0)
		free(list);
}
