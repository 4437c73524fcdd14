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

/*
 * Typed members of @obj: 0, or -EINVAL with @err naming the member that
 * is missing or of the wrong kind. A hex member is a string "0x..." (JSON
 * numbers cannot hold every 64-bit value); an uint a whole number <= @max.
 */
int json_member_bool(const struct json_value *obj, const char *key, bool *v,
		     char *err, size_t err_len);
int json_member_uint(const struct json_value *obj, const char *key,
		     uint64_t max, uint64_t *v, char *err, size_t err_len);
int json_member_hex(const struct json_value *obj, const char *key,
		    uint64_t *v, char *err, size_t err_len);
int json_member_string(const struct json_value *obj, const char *key,
		       const char **v, char *err, size_t err_len);

/* An array member of at most @max items. */
int json_member_array(const struct json_value *obj, const char *key,
		      size_t max, const struct json_value **v, char *err,
		      size_t err_len);
/* Writes @s as a JSON string literal (quotes and escapes) to @f. */
void json_print_string(FILE *f, const char *s);

#endif
