/*
 * The kept host-check verdict of a warm template (sandbox/host_check.c):
 * trusted only when the file holds exactly the text of what this run's
 * check would read; any other content, a shorter or longer file, one too
 * large to be a verdict, a directory or nothing at all is not trusted.
 */
#include "harness.h"

#include <lkvm/compiler.h>
#include <lkvm/sandbox.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char text[] =
	"lkvm-host-check 1\n"
	"boot 0f8e1c2a-5b7d-4e3f-9a10-2b3c4d5e6f70\n"
	"lkvm v1 801:1234 4118024 1700000000.000000000 1700000000.000000000\n"
	"template 0123456789abcdef\n"
	"guest vcpus 1 ipa 40 pmu 1 ptrauth 1 nested 0 e2h0 0 sve 0x1\n"
	"profile \n"
	"id_reg 0x603000000013c020 0x1101 \"ID_AA64PFR0_EL1\"\n"
	"kvm api 12 ipa 48 caps 66:512\n";

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, data, len), len);
	close(fd);
}

static void test_cache(void)
{
	char dir[64], sub[96], path[128], cmd[128];
	size_t len = sizeof(text) - 1;
	char *big, *other;

	snprintf(dir, sizeof(dir), "/tmp/lkvm-host-check-XXXXXX");
	CHECK(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/.host-check", dir);
	snprintf(path, sizeof(path), "%s/0123456789abcdef", sub);

	/* Nothing kept: the full check. */
	CHECK(!host_check_cache_hit(path, text, len));
	/* Kept (its directory made), then trusted. */
	CHECK_EQ(host_check_cache_store(sub, path, text, len), 0);
	CHECK(host_check_cache_hit(path, text, len));
	/* This run's check reads something else: a reboot, another lkvm. */
	other = strdup(text);
	other[30] ^= 1;
	CHECK(!host_check_cache_hit(path, other, len));
	/* The file changed by one byte, cut short, grown. */
	put(path, other, len);
	CHECK(!host_check_cache_hit(path, text, len));
	put(path, text, len - 1);
	CHECK(!host_check_cache_hit(path, text, len));
	put(path, text, len);
	CHECK(host_check_cache_hit(path, text, len));
	CHECK(!host_check_cache_hit(path, text, len - 1));
	/* Larger than any verdict: not read whole, not trusted. */
	big = calloc(1, HOST_CHECK_TEXT_MAX + 2);
	memcpy(big, text, len);
	put(path, big, HOST_CHECK_TEXT_MAX + 1);
	CHECK(!host_check_cache_hit(path, big, HOST_CHECK_TEXT_MAX + 1));
	CHECK_EQ(host_check_cache_store(sub, path, big,
					HOST_CHECK_TEXT_MAX + 1), -EFBIG);
	/* Not a file: a directory, a FIFO (not waited on), a symlink. */
	unlink(path);
	CHECK_EQ(mkdir(path, 0700), 0);
	CHECK(!host_check_cache_hit(path, text, len));
	rmdir(path);
	CHECK_EQ(mkfifo(path, 0600), 0);
	CHECK(!host_check_cache_hit(path, text, len));
	unlink(path);
	snprintf(cmd, sizeof(cmd), "%s/real", dir);
	put(cmd, text, len);
	CHECK_EQ(symlink(cmd, path), 0);
	CHECK(!host_check_cache_hit(path, text, len));
	/* Stored over it: a file of its own again. */
	CHECK_EQ(host_check_cache_store(sub, path, text, len), 0);
	CHECK(host_check_cache_hit(path, text, len));
	free(big);
	free(other);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

static const struct unit_test tests[] = {
	{ "sandbox_host_check_cache", test_cache },
};

UNIT_MAIN(tests)
