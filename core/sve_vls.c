// SPDX-License-Identifier: GPL-2.0
/*
 * SVE vector-length sets: parsing what users write, KVM's "truncate only"
 * rule, explanations, and the common set of a fleet. No KVM here, so the
 * same code serves `lkvm run`, `lkvm sve` and the unit tests.
 */
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lkvm/parse.h>

/* One length in bits, @len characters of @s. */
static int parse_length(const char *s, size_t len, unsigned int *vq, char *err,
			size_t err_len)
{
	char tok[32];
	uint64_t bits;

	if (!len)
		return parse_error(err, err_len, "empty length");
	if (len >= sizeof(tok))
		return parse_error(err, err_len, "'%.*s...' is not a vector length",
			    (int)16, s);
	memcpy(tok, s, len);
	tok[len] = '\0';
	if (parse_u64(tok, &bits) || tok[0] == '0')
		return parse_error(err, err_len,
			    "'%s' is not a vector length in bits (128, 256, ... 2048)",
			    tok);
	if (bits % 128 || bits < SVE_VL_BITS_MIN || bits > SVE_VL_BITS_MAX)
		return parse_error(err, err_len,
			    "'%s': SVE vector lengths are multiples of 128 bits from 128 to 2048",
			    tok);
	*vq = (unsigned int)(bits / 128);
	return 0;
}

int sve_vl_parse(const char *text, unsigned int *vq, char *err, size_t err_len)
{
	return parse_length(text, strlen(text), vq, err, err_len);
}

int sve_spec_parse(const char *text, struct sve_spec *spec, char *err,
		   size_t err_len)
{
	const char *p = text;

	memset(spec, 0, sizeof(*spec));
	if (!strcmp(text, "host")) {
		spec->kind = SVE_SPEC_HOST;
		return 0;
	}
	if (!strcmp(text, "off")) {
		spec->kind = SVE_SPEC_OFF;
		return 0;
	}
	spec->kind = SVE_SPEC_SET;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		unsigned int lo, hi;
		int ret;

		if (!len)
			return parse_error(err, err_len,
				    "empty item in '%s' (expected host, off, or lengths like 128,256 or 128-512)",
				    text);
		if (dash) {
			ret = parse_length(p, (size_t)(dash - p), &lo, err,
					   err_len);
			ret = ret ?: parse_length(dash + 1,
						  len - (size_t)(dash - p) - 1,
						  &hi, err, err_len);
			if (ret)
				return ret;
			if (lo > hi)
				return parse_error(err, err_len,
					    "range '%.*s' runs downwards (write %u-%u)",
					    (int)len, p, hi * 128, lo * 128);
		} else {
			ret = parse_length(p, len, &lo, err, err_len);
			if (ret)
				return ret;
			hi = lo;
		}
		for (unsigned int vq = lo; vq <= hi; vq++)
			spec->set |= SVE_VQ_BIT(vq);
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

unsigned int sve_vqset_max_vq(sve_vqset set)
{
	unsigned int max = 0;

	for (unsigned int vq = 1; vq <= SVE_NR_VQS; vq++)
		if (set & SVE_VQ_BIT(vq))
			max = vq;
	return max;
}

unsigned int sve_vqset_count(sve_vqset set)
{
	return (unsigned int)__builtin_popcount(set & SVE_VQSET_ALL);
}

sve_vqset sve_vqset_truncate(sve_vqset set, unsigned int max_vq)
{
	if (max_vq >= SVE_NR_VQS)
		return set & SVE_VQSET_ALL;
	return set & (SVE_VQ_BIT(max_vq + 1) - 1);
}

char *sve_vqset_format(sve_vqset set, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!(set & SVE_VQSET_ALL)) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (unsigned int vq = 1; vq <= SVE_NR_VQS && n < len; vq++)
		if (set & SVE_VQ_BIT(vq))
			n += (size_t)snprintf(buf + n, len - n, "%s%u",
					      n ? "," : "", vq * 128);
	return buf;
}

unsigned int sve_possible_sets(sve_vqset host, sve_vqset sets[SVE_NR_VQS])
{
	unsigned int n = 0;

	for (unsigned int vq = 1; vq <= SVE_NR_VQS; vq++)
		if (host & SVE_VQ_BIT(vq))
			sets[n++] = sve_vqset_truncate(host, vq);
	return n;
}

bool sve_vqset_allowed(sve_vqset set, sve_vqset host)
{
	unsigned int max = sve_vqset_max_vq(set);

	return max && (host & SVE_VQ_BIT(max)) &&
	       set == sve_vqset_truncate(host, max);
}

/* "256 and 384", "256, 384 and 640" for the lengths in @set. */
static void list_words(sve_vqset set, const char *last_sep, char *buf,
		       size_t len)
{
	unsigned int left = sve_vqset_count(set);
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int vq = 1; vq <= SVE_NR_VQS && n < len; vq++) {
		if (!(set & SVE_VQ_BIT(vq)))
			continue;
		left--;
		n += (size_t)snprintf(buf + n, len - n, "%u%s", vq * 128,
				      left > 1 ? ", " : left == 1 ? last_sep : "");
	}
}

static void possible_sets_text(sve_vqset host, char *buf, size_t len)
{
	sve_vqset sets[SVE_NR_VQS];
	unsigned int nr = sve_possible_sets(host, sets);
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < nr && n < len; i++) {
		char s[SVE_VQSET_STR_MAX];

		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " | " : "",
				      sve_vqset_format(sets[i], s, sizeof(s)));
	}
}

/* Why @set is refused on @host: one clause, without the preamble. */
static void explain_refusal(sve_vqset set, sve_vqset host, char *buf,
			    size_t len)
{
	unsigned int max = sve_vqset_max_vq(set);
	sve_vqset below = sve_vqset_truncate(host, max);
	sve_vqset unsupported = set & ~host;
	sve_vqset hidden = below & ~set;
	char words[SVE_VQSET_STR_MAX * 2];

	if (sve_vqset_count(unsupported) == 1) {
		snprintf(buf, len, "the host has no %u-bit vectors",
			 sve_vqset_max_vq(unsupported) * 128);
	} else if (unsupported) {
		list_words(unsupported, " or ", words, sizeof(words));
		snprintf(buf, len, "the host has no vectors of %s bits", words);
	} else {
		list_words(hidden, " and ", words, sizeof(words));
		snprintf(buf, len, "KVM cannot hide %s below %u", words,
			 max * 128);
	}
}

int sve_spec_resolve(const struct sve_spec *spec, sve_vqset host,
		     sve_vqset *out, char *why, size_t why_len)
{
	char host_s[SVE_VQSET_STR_MAX], reason[SVE_VQSET_STR_MAX * 3];
	char sets[SVE_NR_VQS * SVE_VQSET_STR_MAX];
	sve_vqset want;

	host &= SVE_VQSET_ALL;
	switch (spec->kind) {
	case SVE_SPEC_OFF:
		*out = 0;
		return 0;
	case SVE_SPEC_HOST:
		*out = host;
		return 0;
	case SVE_SPEC_MAX_VL:
		want = sve_vqset_truncate(host, spec->max_vq);
		if (!(host & SVE_VQ_BIT(spec->max_vq)))
			want = SVE_VQ_BIT(spec->max_vq);	/* explained below */
		break;
	case SVE_SPEC_SET:
	default:
		want = spec->set;
		break;
	}
	if (!host)
		return parse_error(why, why_len,
			    "not possible on this host: it has no SVE for guests (KVM without KVM_CAP_ARM_SVE, or a CPU without SVE); only --sve-vls=off or host work here");
	if (sve_vqset_allowed(want, host)) {
		*out = want;
		return 0;
	}
	sve_vqset_format(host, host_s, sizeof(host_s));
	possible_sets_text(host, sets, sizeof(sets));
	explain_refusal(want, host, reason, sizeof(reason));
	return parse_error(why, why_len,
		    "not possible on this host: %s (host offers %s). Possible sets: %s",
		    reason, host_s, sets);
}

sve_vqset sve_common_set(const sve_vqset *hosts, unsigned int nr)
{
	if (!nr)
		return 0;
	for (unsigned int vq = SVE_NR_VQS; vq >= 1; vq--) {
		sve_vqset first = sve_vqset_truncate(hosts[0], vq);
		bool common = hosts[0] & SVE_VQ_BIT(vq);

		for (unsigned int i = 1; common && i < nr; i++)
			common = sve_vqset_truncate(hosts[i], vq) == first;
		if (common)
			return first;
	}
	return 0;
}
