// SPDX-License-Identifier: GPL-2.0
/* SVE node labels for node-feature-discovery's local feature files. */
#include <lkvm/sve_nfd.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

char *sve_nfd_set_label(sve_vqset set, char *buf, size_t len)
{
	snprintf(buf, len, SVE_NFD_NS "/lkvm-sve-set.%04x",
		 (unsigned int)(set & SVE_VQSET_ALL));
	return buf;
}

static size_t put(FILE *f, const char *name, const char *value)
{
	int n = fprintf(f, "%s=%s\n", name, value);

	return n > 0 ? (size_t)n : 0;
}

size_t sve_nfd_write(FILE *f, const struct sve_host_info *info)
{
	sve_vqset host = info->kvm_has_sve ? info->vqs : 0;
	sve_vqset sets[SVE_NR_VQS];
	unsigned int nr = sve_possible_sets(host, sets);
	struct sve_features feat;
	char name[SVE_NFD_LABEL_MAX], value[16];
	size_t n;

	n = (size_t)fprintf(f, "# lkvm sve probe --nfd: SVE for KVM guests on this node\n");
	n += put(f, SVE_NFD_NS "/lkvm-sve", host ? "true" : "false");
	n += put(f, SVE_NFD_NS "/lkvm-id-regs-writable",
		 info->id_regs_writable ? "true" : "false");
	if (!host)
		return n;
	snprintf(value, sizeof(value), "%u", sve_vqset_max_vq(host) * 128);
	n += put(f, SVE_NFD_NS "/lkvm-sve-max-vl", value);
	for (unsigned int vq = 1; vq <= SVE_NR_VQS; vq++) {
		if (!(host & SVE_VQ_BIT(vq)))
			continue;
		snprintf(name, sizeof(name), SVE_NFD_NS "/lkvm-sve-vl.%u",
			 vq * 128);
		n += put(f, name, "true");
	}
	for (unsigned int i = 0; i < nr; i++)
		n += put(f, sve_nfd_set_label(sets[i], name, sizeof(name)),
			 "true");
	sve_features_from_regs(info->id_regs, &feat);
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++) {
		snprintf(name, sizeof(name), SVE_NFD_NS "/lkvm-sve-feature.%s",
			 sve_feature_fields[i].name);
		snprintf(value, sizeof(value), "%u", feat.level[i]);
		n += put(f, name, value);
	}
	return n;
}

/* A name segment or value: alphanumeric at both ends, [-_.] inside. */
static bool segment_valid(const char *s, size_t len, size_t max)
{
	if (!len || len > max || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* A DNS subdomain: lower-case alphanumeric at both ends, [-.] inside. */
static bool prefix_valid(const char *s, size_t len)
{
	if (!len || len > 253 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		      s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

bool sve_nfd_label_name_valid(const char *name)
{
	const char *slash = strchr(name, '/');

	if (!slash)
		return segment_valid(name, strlen(name), 63);
	return prefix_valid(name, (size_t)(slash - name)) &&
	       segment_valid(slash + 1, strlen(slash + 1), 63);
}

bool sve_nfd_label_value_valid(const char *value)
{
	return !*value || segment_valid(value, strlen(value), 63);
}
