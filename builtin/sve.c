// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sve`: what SVE vector-length sets this host can give guests, and
 * which set a fleet of hosts can agree on.
 *
 *   lkvm sve probe [--json]     this host's set and every possible set
 *   lkvm sve check SPEC         exit 0 if SPEC works here, 1 if not, 2 if bad
 *   lkvm sve check --snapshot DIR   the same for a snapshot's guest
 *   lkvm sve check --profile FILE   the same for a fleet's CPU profile
 *   lkvm sve common [--profile OUT] FILE...   the largest set all probed
 *                               hosts can give (and their feature floor)
 *   lkvm sve sweep ... -- CMD   CMD in a sandbox at every set (sve_sweep.c)
 */
#include <lkvm/builtin.h>

#include "sve_fleet.h"

#include <lkvm/arch.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/restore.h>
#include <lkvm/small_file.h>
#include <lkvm/sve_features.h>
#include <lkvm/sve_nfd.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void sve_usage(void)
{
	printf("\n usage: lkvm sve probe [--json | --nfd [<path>]]\n"
	       "        lkvm sve check <spec> | --snapshot <directory> | --profile <file>\n"
	       "        lkvm sve common [--profile <out>] <probe.json>...\n"
	       "        lkvm sve sweep [<options>] -- <command> [<args>...]\n\n"
	       " probe   Show whether KVM offers SVE here, the host's vector lengths,\n"
	       "         every set a guest can be given, and the SVE/SME ID register\n"
	       "         fields a guest sees (--json: for fleet tools; --nfd: as\n"
	       "         Kubernetes node labels, an NFD feature file in <path>).\n"
	       " check   Exit 0 and print the set if --sve-vls=<spec> works on this\n"
	       "         host; exit 1 with the reason if not; exit 2 if <spec> is bad.\n"
	       "         --snapshot: whether this host can run the snapshot's guest as\n"
	       "         it was (its SVE set, its features, its ID registers).\n"
	       "         --profile: whether this host can give a guest the profile.\n"
	       " common  Given `lkvm sve probe --json` files from several hosts, print\n"
	       "         the largest set all of them can give, as a --sve-vls value\n"
	       "         (\"off\" when there is none). --profile <out>: also write a\n"
	       "         CPU profile (that set and the hosts' feature floor) for\n"
	       "         `lkvm run --cpu-profile`.\n"
	       " sweep   Run a command in a sandbox at every set this host can give\n"
	       "         and say at which it fails (lkvm sve sweep --help).\n\n"
	       " <spec> is host, off, or vector lengths in bits: 128,256 or 128-512.\n\n");
}

static void probe_json(const struct sve_host_info *info)
{
	struct utsname u;
	struct sve_probe_doc doc = {
		.kvm_sve = info->kvm_has_sve,
		.host_vqs = info->vqs,
		.id_regs = info->id_regs,
	};

	if (!uname(&u)) {
		doc.host = u.nodename;
		doc.kernel = u.release;
	}
	sve_probe_write_json(stdout, &doc);
}

static void probe_text_features(const struct sve_host_info *info)
{
	struct sve_features f;

	sve_features_from_regs(info->id_regs, &f);
	printf("Features a guest with the host's set sees (ID registers as KVM presents them):\n ");
	for (unsigned int r = 0; r < SVE_NR_ID_REGS; r++)
		printf(" %s=0x%016llx", sve_id_regs[r].name,
		       (unsigned long long)info->id_regs[r]);
	printf("\n");
	for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
		printf("  %-8s %2u   (%s)\n", sve_feature_fields[i].name,
		       f.level[i], sve_feature_fields[i].meaning);
}

static void probe_text(const struct sve_host_info *info)
{
	sve_vqset sets[SVE_NR_VQS];
	unsigned int nr = sve_possible_sets(info->vqs, sets);
	char s[SVE_VQSET_STR_MAX];

	if (!info->kvm_has_sve || !info->vqs) {
		printf("SVE for guests:  no (%s)\n",
		       info->kvm_has_sve ? "KVM reports no vector lengths" :
					   "KVM has no KVM_CAP_ARM_SVE");
		printf("Guests run without SVE: --sve-vls=off (and host, the default, means off here).\n");
		return;
	}
	printf("SVE for guests:  yes (KVM_CAP_ARM_SVE)\n");
	printf("Host lengths:    %s bits (maximum %u)\n",
	       sve_vqset_format(info->vqs, s, sizeof(s)),
	       sve_vqset_max_vq(info->vqs) * 128);
	printf("Possible sets for --sve-vls (KVM can only cut the host's set off above a length):\n");
	for (unsigned int i = 0; i < nr; i++)
		printf("  %-42s%s\n", sve_vqset_format(sets[i], s, sizeof(s)),
		       i == nr - 1 ? "(= host, the default)" : "");
	printf("  %-42s(no SVE)\n", "off");
	probe_text_features(info);
}

static int cmd_probe(int argc, char **argv)
{
	struct sve_host_info info;
	const char *nfd = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--nfd")) {
			nfd = SVE_NFD_DEFAULT_DIR;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				nfd = argv[++i];
		} else {
			fprintf(stderr, "lkvm: error: sve probe: unknown argument '%s'\n",
				argv[i]);
			sve_usage();
			return EXIT_USAGE;
		}
	}
	if (arch_sve_probe_host(&info))
		return 1;
	if (nfd)
		return sve_probe_nfd(&info, nfd) ? 1 : 0;
	if (json)
		probe_json(&info);
	else
		probe_text(&info);
	return 0;
}

/* 0: this host can run it; 1: it cannot (why); 2: a bad snapshot or no KVM. */
static int check_snapshot(const char *dir)
{
	struct snapshot_source s;
	char why[SVE_WHY_MAX];
	int ret = snapshot_open(&s, dir, why, sizeof(why));

	if (ret) {
		pr_err("--snapshot %s: %s", dir, why[0] ? why : strerror(-ret));
		snapshot_close(&s);
		return 2;
	}
	ret = snapshot_check_host(&s, why, sizeof(why));
	snapshot_close(&s);
	if (ret == 1) {
		pr_err("--snapshot %s: this host cannot run the guest as it was: %s",
		       dir, why);
		return 1;
	}
	if (ret) {
		pr_err("--snapshot %s: %s", dir, why);
		return 2;
	}
	printf("%s: this host can run the guest as it was\n", dir);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct sve_host_info info;
	struct sve_spec spec;
	char err[SVE_WHY_MAX], s[SVE_VQSET_STR_MAX];
	sve_vqset set;

	if (argc == 3 && !strcmp(argv[1], "--snapshot"))
		return check_snapshot(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--profile"))
		return sve_check_profile(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "lkvm: error: sve check: give exactly one <spec>, --snapshot <directory> or --profile <file>\n");
		return 2;
	}
	if (sve_spec_parse(argv[1], &spec, err, sizeof(err))) {
		pr_err("--sve-vls=%s: %s", argv[1], err);
		return 2;
	}
	/* 1 means "not possible here" only: a host we cannot ask is 2. */
	if (arch_sve_probe_host(&info))
		return 2;
	if (sve_spec_resolve(&spec, info.vqs, &set, err, sizeof(err))) {
		pr_err("--sve-vls=%s is %s", argv[1], err);
		return 1;
	}
	printf("%s\n", set ? sve_vqset_format(set, s, sizeof(s)) : "off");
	return 0;
}

/* One probe file, checked strictly. */
static int load_probe(const char *path, struct sve_probe_result *probe)
{
	char err[256], *text;
	size_t len = 0;
	int ret = small_file_read(path, JSON_MAX_INPUT, &text, &len);

	if (ret) {
		pr_err("%s: %s", path,
		       ret == -EFBIG ? "too large for a probe file" :
				       strerror(-ret));
		return ret;
	}
	ret = sve_probe_read_json(text, len, probe, err, sizeof(err));
	if (ret)
		pr_err("%s: %s", path, err);
	free(text);
	return ret;
}

static void explain_no_common(char **paths, const sve_vqset *sets, int nr)
{
	char a[SVE_VQSET_STR_MAX], b[SVE_VQSET_STR_MAX];

	for (int i = 0; i < nr; i++) {
		if (!sets[i]) {
			pr_info("no common SVE set: %s has no SVE for guests",
				paths[i]);
			return;
		}
	}
	for (int i = 1; i < nr; i++) {
		if (sve_vqset_truncate(sets[i], 1) != sve_vqset_truncate(sets[0], 1)) {
			pr_info("no common SVE set: %s offers %s but %s offers %s",
				paths[0], sve_vqset_format(sets[0], a, sizeof(a)),
				paths[i], sve_vqset_format(sets[i], b, sizeof(b)));
			return;
		}
	}
}

static int cmd_common(int argc, char **argv)
{
	struct sve_probe_result *probes;
	sve_vqset *sets;
	sve_vqset common;
	char s[SVE_VQSET_STR_MAX];
	const char *out = NULL;
	int first = 1, nr, ret = 0;

	if (argc >= 2 && !strcmp(argv[1], "--profile")) {
		if (argc < 3) {
			fprintf(stderr, "lkvm: error: sve common: --profile needs a file to write\n");
			return 2;
		}
		out = argv[2];
		first = 3;
	}
	nr = argc - first;
	if (nr < 1) {
		fprintf(stderr, "lkvm: error: sve common: give one or more probe files\n");
		return 2;
	}
	probes = calloc((size_t)nr, sizeof(*probes));
	sets = calloc((size_t)nr, sizeof(*sets));
	if (!probes || !sets)
		ret = -ENOMEM;
	for (int i = 0; !ret && i < nr; i++) {
		ret = load_probe(argv[first + i], &probes[i]);
		if (!ret)
			sets[i] = probes[i].host_vqs;
	}
	if (!ret) {
		common = sve_common_set(sets, (unsigned int)nr);
		if (!common)
			explain_no_common(argv + first, sets, nr);
		if (out) {
			ret = sve_write_fleet_profile(out, argv + first, probes,
						      nr, common);
		}
	}
	if (!ret)
		printf("%s\n", common ? sve_vqset_format(common, s, sizeof(s)) : "off");
	free(sets);
	free(probes);
	return ret ? 1 : 0;
}

int cmd_sve(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return cmd_probe(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "common"))
		return cmd_common(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "sweep"))
		return cmd_sve_sweep(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		sve_usage();
		return 0;
	}
	if (argc >= 2)
		fprintf(stderr, "lkvm: error: sve: unknown subcommand '%s'\n", argv[1]);
	fprintf(stderr, "usage: lkvm sve probe [--json] | check <spec> | common [--profile <out>] <file>... | sweep ... -- <command>\n");
	return EXIT_USAGE;
}
