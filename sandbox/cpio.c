// SPDX-License-Identifier: GPL-2.0
/*
 * The "newc" cpio format the kernel unpacks as an initramfs: per entry a
 * 110-byte ASCII header, the name and the data, each padded to 4 bytes;
 * a "TRAILER!!!" entry ends the archive.
 */
#include <lkvm/sandbox.h>

#include <lkvm/grow.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HEADER_SIZE 110U
/* The kernel's initramfs may not exceed guest RAM anyway. */
#define CPIO_MAX (1ULL << 31)

void cpio_init(struct cpio *c)
{
	memset(c, 0, sizeof(*c));
}

void cpio_free(struct cpio *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

static uint8_t *room(struct cpio *c, size_t n)
{
	if (c->err)
		return NULL;
	if (n > CPIO_MAX - c->len) {
		c->err = -E2BIG;
		return NULL;
	}
	if (grow_array((void **)&c->buf, &c->cap, c->len + n, 1, 65536)) {
		c->err = -ENOMEM;
		return NULL;
	}
	c->len += n;
	return c->buf + c->len - n;
}

static void pad4(struct cpio *c)
{
	size_t n = (4 - c->len % 4) % 4;
	uint8_t *p = room(c, n);

	if (p)
		memset(p, 0, n);
}

static void add(struct cpio *c, const char *name, unsigned int mode,
		unsigned int rmajor, unsigned int rminor, const void *data,
		size_t len)
{
	size_t nl = strlen(name) + 1;
	char hdr[HEADER_SIZE + 1];
	uint8_t *p;

	if (len > 0xffffffffU) {
		if (!c->err)
			c->err = -E2BIG;
		return;
	}
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, mode, 0U, 0U, S_ISDIR(mode) ? 2U : 1U, 0U,
		 (unsigned int)len, 0U, 0U, rmajor, rminor, (unsigned int)nl,
		 0U);
	p = room(c, HEADER_SIZE);
	if (p)
		memcpy(p, hdr, HEADER_SIZE);
	p = room(c, nl);
	if (p)
		memcpy(p, name, nl);
	pad4(c);
	p = room(c, len);
	if (p && len)
		memcpy(p, data, len);
	pad4(c);
}

void cpio_add_dir(struct cpio *c, const char *name, unsigned int mode)
{
	add(c, name, S_IFDIR | (mode & 07777), 0, 0, NULL, 0);
}

void cpio_add_file(struct cpio *c, const char *name, unsigned int mode,
		   const void *data, size_t len)
{
	add(c, name, S_IFREG | (mode & 07777), 0, 0, data, len);
}

void cpio_add_chardev(struct cpio *c, const char *name, unsigned int mode,
		      unsigned int major, unsigned int minor)
{
	add(c, name, S_IFCHR | (mode & 07777), major, minor, NULL, 0);
}

int cpio_finish(struct cpio *c)
{
	add(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	return c->err;
}
