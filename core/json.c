// SPDX-License-Identifier: GPL-2.0
/*
 * Strict recursive-descent JSON parsing. Input may come from any file a
 * user names, so every read is bounds-checked, nesting is limited and
 * every allocation is bounded by the input length.
 */
#include <lkvm/json.h>
#include <lkvm/parse.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	unsigned int depth;
	char *err;
	size_t err_len;
};

static int fail(struct parser *p, const char *fmt, ...) __printf(2, 3);

static int fail(struct parser *p, const char *fmt, ...)
{
	char what[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->err_len, "%s at byte %zu", what, p->pos);
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) &&
	       p->s[p->pos])
		p->pos++;
}

static bool literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return false;
	p->pos += n;
	return true;
}

static int hex4(struct parser *p, unsigned int *v)
{
	*v = 0;
	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return fail(p, "bad \\u escape");
		*v = *v << 4 | d;
	}
	return 0;
}

/* Appends code point @cp as UTF-8; @out has room (escapes shrink). */
static size_t put_utf8(char *out, unsigned int cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* At the opening quote. The decoded string is never longer than its text. */
static int parse_string(struct parser *p, char **out)
{
	size_t start = ++p->pos, n = 0;
	char *s;

	while (p->pos < p->len && p->s[p->pos] != '"') {
		if (p->s[p->pos] == '\\')
			p->pos++;
		p->pos++;
	}
	if (p->pos >= p->len)
		return fail(p, "unterminated string");
	s = malloc(p->pos - start + 1);
	if (!s)
		return -ENOMEM;
	p->pos = start;
	while (p->s[p->pos] != '"') {
		unsigned char c = (unsigned char)p->s[p->pos++];
		unsigned int cp, lo;

		if (c < 0x20) {
			free(s);
			return fail(p, "control character in string");
		}
		if (c != '\\') {
			s[n++] = (char)c;
			continue;
		}
		c = (unsigned char)p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			s[n++] = (char)c;
			break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'u':
			if (hex4(p, &cp)) {
				free(s);
				return -EINVAL;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (!literal(p, "\\u") || hex4(p, &lo) ||
				    lo < 0xdc00 || lo >= 0xe000) {
					free(s);
					return fail(p, "lone surrogate");
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				free(s);
				return fail(p, "lone surrogate");
			}
			if (!cp) {
				free(s);
				return fail(p, "NUL in string");
			}
			n += put_utf8(s + n, cp);
			break;
		default:
			free(s);
			return fail(p, "bad escape");
		}
	}
	p->pos++;
	s[n] = '\0';
	*out = s;
	return 0;
}

static int parse_number(struct parser *p, double *out)
{
	size_t start = p->pos;
	char buf[64];

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return fail(p, "bad number");
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
			return fail(p, "bad number");
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos - start >= sizeof(buf))
		return fail(p, "number too long");
	memcpy(buf, p->s + start, p->pos - start);
	buf[p->pos - start] = '\0';
	*out = strtod(buf, NULL);
	if (!isfinite(*out))
		return fail(p, "number out of range");
	return 0;
}

static int parse_value(struct parser *p, struct json_value *v);

/* Grows a vector of items (and keys) by one. */
static int grow(struct json_value *v, bool with_key)
{
	struct json_value *items;

	items = realloc(v->items, (v->count + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	v->items = items;
	memset(&items[v->count], 0, sizeof(*items));
	if (with_key) {
		char **keys = realloc(v->keys, (v->count + 1) * sizeof(*keys));

		if (!keys)
			return -ENOMEM;
		v->keys = keys;
		keys[v->count] = NULL;
	}
	v->count++;
	return 0;
}

static int parse_container(struct parser *p, struct json_value *v, bool object)
{
	char close = object ? '}' : ']';
	int ret;

	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	if (++p->depth > JSON_MAX_DEPTH)
		return fail(p, "nested too deeply");
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		ret = grow(v, object);
		if (ret)
			return ret;
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return fail(p, "expected a member name");
			ret = parse_string(p, &v->keys[v->count - 1]);
			if (ret)
				return ret;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
		}
		ret = parse_value(p, &v->items[v->count - 1]);
		if (ret)
			return ret;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			p->depth--;
			return 0;
		}
		return fail(p, "expected ',' or '%c'", close);
	}
}

static int parse_value(struct parser *p, struct json_value *v)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "unexpected end of input");
	switch (p->s[p->pos]) {
	case '{':
		return parse_container(p, v, true);
	case '[':
		return parse_container(p, v, false);
	case '"':
		v->type = JSON_STRING;
		return parse_string(p, &v->string);
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->boolean = p->s[p->pos] == 't';
		if (literal(p, v->boolean ? "true" : "false"))
			return 0;
		return fail(p, "unexpected word");
	case 'n':
		v->type = JSON_NULL;
		return literal(p, "null") ? 0 : fail(p, "unexpected word");
	default:
		v->type = JSON_NUMBER;
		return parse_number(p, &v->number);
	}
}

static void free_contents(struct json_value *v)
{
	for (size_t i = 0; i < v->count; i++) {
		free_contents(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->string);
}

void json_free(struct json_value *v)
{
	if (!v)
		return;
	free_contents(v);
	free(v);
}

int json_parse(const char *text, size_t len, struct json_value **out,
	       char *err, size_t err_len)
{
	struct parser p = { .s = text, .len = len, .err = err,
			    .err_len = err_len };
	struct json_value *v;
	int ret;

	if (len > JSON_MAX_INPUT)
		return fail(&p, "document larger than %u bytes", JSON_MAX_INPUT);
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	ret = parse_value(&p, v);
	if (!ret) {
		skip_ws(&p);
		if (p.pos != p.len)
			ret = fail(&p, "trailing data");
	}
	if (ret) {
		json_free(v);
		return ret;
	}
	*out = v;
	return 0;
}

const struct json_value *json_get(const struct json_value *obj,
				  const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->count; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

void json_print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Typed members: each says which member is missing or wrong in @err. */

int json_member_bool(const struct json_value *obj, const char *key, bool *v,
		     char *err, size_t err_len)
{
	const struct json_value *m = json_get(obj, key);

	if (!m || m->type != JSON_BOOL)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not true/false", key);
	*v = m->boolean;
	return 0;
}

int json_member_uint(const struct json_value *obj, const char *key,
		     uint64_t max, uint64_t *v, char *err, size_t err_len)
{
	const struct json_value *m = json_get(obj, key);

	/* Range first: converting a double of 2^64 or more is undefined. */
	if (!m || m->type != JSON_NUMBER ||
	    !(m->number >= 0 && m->number < 0x1p64) ||
	    m->number != (double)(uint64_t)m->number ||
	    (uint64_t)m->number > max)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not a whole number up to %llu",
				   key, (unsigned long long)max);
	*v = (uint64_t)m->number;
	return 0;
}

int json_member_hex(const struct json_value *obj, const char *key,
		    uint64_t *v, char *err, size_t err_len)
{
	const struct json_value *m = json_get(obj, key);
	char *end;

	if (!m || m->type != JSON_STRING || strncmp(m->string, "0x", 2) ||
	    !m->string[2] || strlen(m->string) > 18)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not a hexadecimal string \"0x...\"",
				   key);
	errno = 0;
	*v = strtoull(m->string + 2, &end, 16);
	if (errno || *end)
		return parse_error(err, err_len,
				   "\"%s\" is not a hexadecimal number", key);
	return 0;
}

int json_member_string(const struct json_value *obj, const char *key,
		       const char **v, char *err, size_t err_len)
{
	const struct json_value *m = json_get(obj, key);

	if (!m || m->type != JSON_STRING)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not a string", key);
	*v = m->string;
	return 0;
}

int json_member_array(const struct json_value *obj, const char *key,
		      size_t max, const struct json_value **v, char *err,
		      size_t err_len)
{
	const struct json_value *m = json_get(obj, key);

	if (!m || m->type != JSON_ARRAY || m->count > max)
		return parse_error(err, err_len,
				   "\"%s\" is missing or not a list of at most %zu",
				   key, max);
	*v = m;
	return 0;
}
