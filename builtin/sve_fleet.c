// SPDX-License-Identifier: GPL-2.0
/*
 * The fleet parts of `lkvm sve`: CPU profiles (`common --profile`,
 * `check --profile`) and Kubernetes node labels (`probe --nfd`).
 */
#include "sve_fleet.h"

#include <lkvm/arch.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/small_file.h>
#include <lkvm/sve_nfd.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Renders with @print into memory, then writes @path atomically. */
static int write_doc(const char *path, const char *what, size_t max,
		     void (*print)(FILE *f, const void *arg), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int ret;

	if (!f)
		return -ENOMEM;
	print(f, arg);
	if (fclose(f) || !text) {
		free(text);
		return -ENOMEM;
	}
	ret = len > max ? -EFBIG : small_file_write_atomic(path, text, len);
	if (ret)
		pr_err("%s %s: writing it failed: %s", what, path,
		       ret == -EFBIG ? "more labels than NFD reads (64 KiB)" :
				       strerror(-ret));
	free(text);
	return ret;
}

static void print_nfd(FILE *f, const void *info)
{
	sve_nfd_write(f, info);
}

/* The labels into @target: a directory (SVE_NFD_FILE in it) or a file. */
int sve_probe_nfd(const struct sve_host_info *info, const char *target)
{
	char path[4096];
	struct stat st;
	int ret;

	if (!stat(target, &st) && S_ISDIR(st.st_mode)) {
		if (snprintf(path, sizeof(path), "%s/%s", target, SVE_NFD_FILE) >=
		    (int)sizeof(path)) {
			pr_err("--nfd %s: path too long", target);
			return -ENAMETOOLONG;
		}
		target = path;
	}
	ret = write_doc(target, "--nfd", SVE_NFD_MAX_FILE, print_nfd, info);
	if (!ret)
		printf("%s\n", target);
	return ret;
}

/* Reads a CPU profile document: 0, or -EINVAL after saying why. */
static int load_profile(const char *path, struct cpu_profile *p)
{
	char err[256], *text;
	size_t len = 0;
	int ret = small_file_read(path, JSON_MAX_INPUT, &text, &len);

	if (ret) {
		pr_err("%s: %s", path,
		       ret == -EFBIG ? "too large for a profile" : strerror(-ret));
		return -EINVAL;
	}
	ret = cpu_profile_parse(text, len, p, err, sizeof(err));
	free(text);
	if (ret)
		pr_err("%s: %s", path, err);
	return ret;
}

/* 0: this host can give the profile; 1: it cannot (why); 2: bad file or no KVM. */
int sve_check_profile(const char *path)
{
	struct cpu_profile p;
	char why[512], s[SVE_VQSET_STR_MAX], f[SVE_FEATURES_STR_MAX];
	int ret;

	if (load_profile(path, &p))
		return 2;
	ret = arch_cpu_profile_check(&p, why, sizeof(why));
	if (ret == 1) {
		pr_err("--profile %s is not possible on this host: %s", path,
		       why);
		return 1;
	}
	if (ret) {
		pr_err("--profile %s: %s", path, why);
		return 2;
	}
	printf("%s: this host can give a guest SVE %s and %s\n", path,
	       p.sve_vqs ? sve_vqset_format(p.sve_vqs, s, sizeof(s)) : "off",
	       sve_features_format(&p.floor, f, sizeof(f)));
	return 0;
}

/*
 * The profile of hosts @probes whose common set is @set: every field's
 * floor, and no SVE fields at all when the set is off (a guest without
 * SVE sees none). 0, or -EINVAL after saying which file lacks fields.
 */
static int fleet_profile(char **paths, const struct sve_probe_result *probes,
			 int nr, sve_vqset set, struct cpu_profile *p)
{
	struct sve_features *feats = calloc((size_t)nr, sizeof(*feats));

	if (!feats)
		return -ENOMEM;
	for (int i = 0; i < nr; i++) {
		if (!probes[i].has_features) {
			pr_err("%s: a version 1 probe file has no feature fields for a profile; probe that host again",
			       paths[i]);
			free(feats);
			return -EINVAL;
		}
		feats[i] = probes[i].features;
	}
	p->sve_vqs = set;
	sve_features_floor(feats, (unsigned int)nr, &p->floor);
	free(feats);
	for (unsigned int i = 0; !set && i < SVE_NR_FEATURES; i++)
		if (sve_feature_fields[i].reg != SVE_REG_PFR1)
			p->floor.level[i] = 0;
	return 0;
}

static void print_profile(FILE *f, const void *p)
{
	cpu_profile_write_json(f, p);
}

int sve_write_fleet_profile(const char *out, char **paths,
			    const struct sve_probe_result *probes, int nr,
			    sve_vqset set)
{
	struct cpu_profile profile;

	return fleet_profile(paths, probes, nr, set, &profile) ?:
	       write_doc(out, "--profile", JSON_MAX_INPUT, print_profile,
			 &profile);
}
