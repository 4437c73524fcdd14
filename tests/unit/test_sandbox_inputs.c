/*
 * The sandbox's inputs cache entry (sandbox/inputs.c): its text, parsed
 * strictly, and file identities that tell a replaced or rewritten file,
 * a file added to a directory and a retargeted symlink apart.
 */
#include "harness.h"

#include <lkvm/compiler.h>
#include <lkvm/sandbox_inputs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char good[] =
	"lkvm-sandbox-inputs 1\n"
	"key 0123456789abcdef\n"
	"modules 3 /guest/lib/modules/6.1.0-test\n"
	"file 2049 131 33554944 1700000000 5 1700000001 999999999 /guest/Image\n"
	"missing /guest/lib/modules/6.1.0-test/modules.dep\n"
	"file 18446744073709551615 0 0 -5 0 0 0 /a path/with spaces\n";

static int parse(const char *text, struct sandbox_inputs *in)
{
	return sandbox_inputs_parse(text, strlen(text), in);
}

static void test_parse_format(void)
{
	struct sandbox_inputs in;
	char *text;
	size_t len;

	CHECK_EQ(parse(good, &in), 0);
	CHECK_STR(in.key, "0123456789abcdef");
	CHECK_STR(in.modules_dir, "/guest/lib/modules/6.1.0-test");
	CHECK_EQ(in.nr_modules, 3);
	CHECK_EQ(in.nr, 3);
	CHECK_STR(in.files[0].path, "/guest/Image");
	CHECK(in.files[0].id.present);
	CHECK_EQ(in.files[0].id.dev, 2049);
	CHECK_EQ(in.files[0].id.ino, 131);
	CHECK_EQ(in.files[0].id.size, 33554944);
	CHECK_EQ(in.files[0].id.mtime_s, 1700000000);
	CHECK_EQ(in.files[0].id.mtime_ns, 5);
	CHECK_EQ(in.files[0].id.ctime_ns, 999999999);
	CHECK(!in.files[1].id.present);
	CHECK_EQ(in.files[2].id.dev, UINT64_MAX);
	CHECK_EQ(in.files[2].id.mtime_s, -5);
	CHECK_STR(in.files[2].path, "/a path/with spaces");
	/* The text is canonical: written back, the same bytes. */
	CHECK_EQ(sandbox_inputs_format(&in, &text, &len), 0);
	CHECK_EQ(len, strlen(good));
	CHECK(text && !memcmp(text, good, len));
	free(text);
	sandbox_inputs_free(&in);

	CHECK_EQ(parse("lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nnomodules\n",
		       &in), 0);
	CHECK(!in.modules_dir);
	CHECK_EQ(in.nr, 0);
	sandbox_inputs_free(&in);
}

static void test_parse_refuses(void)
{
	static const char *const bad_lines[] = {
		"file 1 2 3 4 5 6 7\n",		/* no path */
		"file 1 2 3 4 5 6 7 \n",	/* empty path */
		"file 1 2 3 4 1000000000 6 7 /x\n",	/* ns too big */
		"file 1 2 -3 4 5 6 7 /x\n",	/* negative size */
		"file 01 2 3 4 5 6 7 /x\n",	/* leading zero */
		"file 1 2 3 -0 5 6 7 /x\n",
		"file 1  2 3 4 5 6 7 /x\n",
		"file 18446744073709551616 2 3 4 5 6 7 /x\n",
		"file 1 2 9223372036854775808 4 5 6 7 /x\n",
		"file 1 2 3 4 5 6 /x\n",	/* a number short */
		"file +1 2 3 4 5 6 7 /x\n",
		"missing \n",
		"missing\n",
		"gone /x\n",
		"file 1 2 3 4 5 6 7 /x",	/* no newline at the end */
	};
	static const char *const bad_heads[] = {
		"",
		"lkvm-sandbox-inputs 1\n",
		"lkvm-sandbox-inputs 2\nkey 0123456789abcdef\nnomodules\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789ABCDEF\nnomodules\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcde\nnomodules\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef0\nnomodules\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nnomodules \n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nmodules 3\n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nmodules 3 \n",
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nmodules 4097 /m\n",
		"lkvm-sandbox-inputs 1\nnomodules\nkey 0123456789abcdef\n",
	};
	static const char head[] =
		"lkvm-sandbox-inputs 1\nkey 0123456789abcdef\nmodules 1 /m\n";
	struct sandbox_inputs in;
	char text[512], *many;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(bad_lines); i++) {
		snprintf(text, sizeof(text), "%smissing /ok\n%s", head,
			 bad_lines[i]);
		CHECK_EQ(parse(text, &in), -EINVAL);
		CHECK(!in.modules_dir && !in.nr);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad_heads); i++)
		CHECK_EQ(parse(bad_heads[i], &in), -EINVAL);
	/* A NUL inside a path: the length counts, not the terminator. */
	snprintf(text, sizeof(text), "%smissing /a", head);
	len = strlen(text);
	memcpy(text + len, "\0b\n", 3);
	CHECK_EQ(sandbox_inputs_parse(text, len + 3, &in), -EINVAL);
	/* At most SANDBOX_INPUTS_MAX inputs. */
	many = malloc(sizeof(head) + (SANDBOX_INPUTS_MAX + 1) * 16);
	strcpy(many, head);
	len = strlen(head);
	for (unsigned int i = 0; i < SANDBOX_INPUTS_MAX; i++)
		len += (size_t)sprintf(many + len, "missing /%u\n", i);
	CHECK_EQ(sandbox_inputs_parse(many, len, &in), 0);
	CHECK_EQ(in.nr, SANDBOX_INPUTS_MAX);
	sandbox_inputs_free(&in);
	len += (size_t)sprintf(many + len, "missing /one-more\n");
	CHECK_EQ(sandbox_inputs_parse(many, len, &in), -EINVAL);
	free(many);
}

static char dir[64];

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	path_in(path, sizeof(path), name);
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Gives @name the mtime it had: only its ctime (or inode) tells. */
static void keep_mtime(const char *name, const struct timespec *mtime)
{
	char path[128];
	struct timespec ts[2] = { *mtime, *mtime };

	path_in(path, sizeof(path), name);
	CHECK_EQ(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/*
 * Timestamps come from a coarse clock: wait until it has passed @st's
 * ctime, or a change made now could carry the same time.
 */
static void wait_past(const struct stat *st)
{
	struct timespec now;

	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if (now.tv_sec > st->st_ctim.tv_sec ||
		    (now.tv_sec == st->st_ctim.tv_sec &&
		     now.tv_nsec > st->st_ctim.tv_nsec))
			return;
		usleep(2000);
	}
	CHECK(!"the clock did not move on");
}

static void note_all(struct sandbox_inputs *in)
{
	static const char *const names[] = { "a.ko", "mods", "link", "gone" };
	char path[128];

	sandbox_inputs_init(in);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		path_in(path, sizeof(path), names[i]);
		sandbox_inputs_note(in, path);
	}
	memcpy(in->key, "00000000000000ff", 17);
}

static void test_identity_changes(void)
{
	char path[128], target[128], tmp[128];
	struct sandbox_inputs in, back;
	struct stat st;
	char *text;
	size_t len;

	snprintf(dir, sizeof(dir), "/tmp/lkvm-inputs-XXXXXX");
	CHECK(mkdtemp(dir));
	put("a.ko", "module one");
	put("b.ko", "module two");
	path_in(path, sizeof(path), "mods");
	CHECK_EQ(mkdir(path, 0755), 0);
	path_in(path, sizeof(path), "link");
	path_in(target, sizeof(target), "b.ko");
	CHECK_EQ(symlink(target, path), 0);

	note_all(&in);
	CHECK_EQ(in.err, 0);
	CHECK_EQ(in.nr, 4);
	CHECK(!in.files[3].id.present);
	CHECK(!sandbox_inputs_changed(&in));
	/* Noting a path twice records it once. */
	sandbox_inputs_note(&in, in.files[0].path);
	CHECK_EQ(in.nr, 4);
	/* Through the text and back: the same verdicts. */
	CHECK_EQ(sandbox_inputs_format(&in, &text, &len), 0);
	CHECK_EQ(sandbox_inputs_parse(text, len, &back), 0);
	free(text);
	CHECK(!sandbox_inputs_changed(&back));
	for (unsigned int i = 0; i < in.nr; i++)
		CHECK(file_identity_same(&in.files[i].id, &back.files[i].id));
	sandbox_inputs_free(&back);

	/* Rewritten in place, same size, mtime put back: the ctime tells. */
	path_in(path, sizeof(path), "a.ko");
	CHECK_EQ(stat(path, &st), 0);
	wait_past(&st);
	put("a.ko", "module ONE");
	keep_mtime("a.ko", &st.st_mtim);
	CHECK_STR(sandbox_inputs_changed(&in), path);
	sandbox_inputs_free(&in);

	/* Replaced by a copy (rename over it), same size and mtime. */
	note_all(&in);
	CHECK_EQ(stat(path, &st), 0);
	put("a.new", "module ONE");
	keep_mtime("a.new", &st.st_mtim);
	path_in(tmp, sizeof(tmp), "a.new");
	CHECK_EQ(rename(tmp, path), 0);
	CHECK_STR(sandbox_inputs_changed(&in), path);
	sandbox_inputs_free(&in);

	/* A file added to a directory. */
	note_all(&in);
	path_in(path, sizeof(path), "mods");
	CHECK_EQ(stat(path, &st), 0);
	wait_past(&st);
	put("mods/new.ko", "x");
	CHECK_STR(sandbox_inputs_changed(&in), path);
	sandbox_inputs_free(&in);

	/* A symlink retargeted, to a file of the same size. */
	note_all(&in);
	path_in(path, sizeof(path), "link");
	CHECK_EQ(unlink(path), 0);
	path_in(target, sizeof(target), "a.ko");
	CHECK_EQ(symlink(target, path), 0);
	CHECK_STR(sandbox_inputs_changed(&in), path);
	sandbox_inputs_free(&in);

	/* A file that was missing appears. */
	note_all(&in);
	put("gone", "");
	path_in(path, sizeof(path), "gone");
	CHECK_STR(sandbox_inputs_changed(&in), path);

	/* Saved and loaded whole. */
	path_in(path, sizeof(path), "entry");
	CHECK_EQ(sandbox_inputs_load(path, &back), -ENOENT);
	CHECK_EQ(sandbox_inputs_save(path, &in), 0);
	CHECK_EQ(sandbox_inputs_load(path, &back), 0);
	CHECK_EQ(back.nr, in.nr);
	CHECK_STR(back.key, "00000000000000ff");
	sandbox_inputs_free(&back);
	put("entry", "lkvm-sandbox-inputs 1\nkey 00");
	CHECK_EQ(sandbox_inputs_load(path, &back), -EINVAL);
	/* A path that cannot be written in the text: no entry at all. */
	sandbox_inputs_note(&in, "/new\nline");
	CHECK_EQ(in.err, -E2BIG);
	CHECK_EQ(sandbox_inputs_format(&in, &text, &len), -E2BIG);
	sandbox_inputs_free(&in);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK_EQ(system(path), 0);
}

static const struct unit_test tests[] = {
	{ "sandbox_inputs_parse_format", test_parse_format },
	{ "sandbox_inputs_parse_refuses", test_parse_refuses },
	{ "sandbox_inputs_identity_changes", test_identity_changes },
};

UNIT_MAIN(tests)
