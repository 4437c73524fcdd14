/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_SANDBOX_INPUTS_H
#define LKVM_SANDBOX_INPUTS_H

/*
 * The files a sandbox's initramfs (and so its warm template's KEY) is
 * made from, by identity, for skipping the initramfs on a warm run whose
 * inputs did not change (sandbox/inputs.c; lkvm-sandbox.txt, WARM START).
 * A cache entry, $HOME/.lkvm/.templates/.inputs/NAME, is text:
 *
 *   lkvm-sandbox-inputs 1
 *   key KEY                        16 lowercase hex digits
 *   modules N DIR | nomodules      where the modules came from, how many
 *   file DEV INO SIZE MTIME_S MTIME_NS CTIME_S CTIME_NS PATH
 *   missing PATH
 *
 * one "file" or "missing" line per input (at most SANDBOX_INPUTS_MAX),
 * decimal numbers, PATH to the end of the line. A file replaced by
 * another of the same size and mtime has another inode or ctime; a file
 * added to or removed from a directory changes that directory's mtime.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stat;

#define SANDBOX_INPUTS_MAX 160
/* Enough for SANDBOX_INPUTS_MAX lines with long paths. */
#define SANDBOX_INPUTS_FILE_MAX (1U << 20)
#define SANDBOX_INPUTS_KEY_LEN 16

/* Who a file is; a missing file is an identity too (!present). */
struct file_identity {
	bool present;
	uint64_t dev, ino;
	int64_t size;
	int64_t mtime_s, ctime_s;
	long mtime_ns, ctime_ns;
};

struct sandbox_input {
	char *path;
	struct file_identity id;
};

struct sandbox_inputs {
	char key[SANDBOX_INPUTS_KEY_LEN + 1];	/* "" until known */
	char *modules_dir;	/* NULL: no modules were packed */
	unsigned int nr_modules;
	unsigned int nr;
	struct sandbox_input files[SANDBOX_INPUTS_MAX];
	/* A path that cannot be recorded (too many, a newline): no entry. */
	int err;
};

void sandbox_inputs_init(struct sandbox_inputs *in);
void sandbox_inputs_free(struct sandbox_inputs *in);

void file_identity_of(const struct stat *st, struct file_identity *id);
bool file_identity_same(const struct file_identity *a,
			const struct file_identity *b);
/* @path's identity now (stat(), following symlinks), or "missing". */
void file_identity_now(const char *path, struct file_identity *id);
/* Records @path with its identity now (stat(), following symlinks). */
void sandbox_inputs_note(struct sandbox_inputs *in, const char *path);

/* The entry's text (allocated): 0, -ENOMEM, or in->err. */
int sandbox_inputs_format(const struct sandbox_inputs *in, char **text,
			  size_t *len);
/*
 * Parses an entry, all of @text[0, @len) (a file's bytes: anything).
 * 0 with @in filled (free it), or -EINVAL with @in empty.
 */
int sandbox_inputs_parse(const char *text, size_t len,
			 struct sandbox_inputs *in);
/* The first input that is not what it was, or NULL when none changed. */
const char *sandbox_inputs_changed(const struct sandbox_inputs *in);

/* Reads @path: 0, -ENOENT (no entry) or another -errno (a bad one). */
int sandbox_inputs_load(const char *path, struct sandbox_inputs *in);
/* Writes @path whole or not at all (a temporary file renamed). */
int sandbox_inputs_save(const char *path, const struct sandbox_inputs *in);

#endif
