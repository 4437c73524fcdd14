/* SPDX-License-Identifier: GPL-2.0 */
#ifndef LKVM_JSON_H
#define LKVM_JSON_H

#include <lkvm/compiler.h>

#include <stdio.h>

/*
 * A small JSON reader for the documents lkvm itself writes and reads
 * back (`lkvm sve probe --json` files given to `lkvm sve common`). It
 * parses a whole document into a tree, with bounded depth and size, and
 * refuses anything that is not strict JSON (RFC 8259).
 */
enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_value {
	enum json_type type;
	bool boolean;
	double number;
	char *string;			/* JSON_STRING, NUL-terminated */
	size_t count;			/* JSON_ARRAY / JSON_OBJECT */
	struct json_value *items;	/* elements, or member values */
	char **keys;			/* JSON_OBJECT member names */
};

#define JSON_MAX_DEPTH 32
#define JSON_MAX_INPUT (1U << 20)

/*
 * Parses @len bytes. Returns 0 and a tree to free with json_free(), or
 * -EINVAL with @err saying what is wrong and at which byte.
 */
int json_parse(const char *text, size_t len, struct json_value **out,
	       char *err, size_t err_len);
void json_free(struct json_value *v);

/* The member @key of an object, or NULL (also when @obj is no object). */
const struct json_value *json_get(const struct json_value *obj,
				  const char *key);

/* Writes @s as a JSON string literal (quotes and escapes) to @f. */
void json_print_string(FILE *f, const char *s);

#endif
