// SPDX-License-Identifier: GPL-2.0
/*
 * `lkvm sve`: what SVE vector-length sets this host can give guests, and
 * which set a fleet of hosts can agree on.
 *
 *   lkvm sve probe [--json]     this host's set and every possible set
 *   lkvm sve check SPEC         exit 0 if SPEC works here, 1 if not, 2 if bad
 *   lkvm sve check --snapshot DIR   the same for a snapshot's guest
 *   lkvm sve common FILE...     the largest set all probed hosts can give
 *   lkvm sve sweep ... -- CMD   CMD in a sandbox at every set (sve_sweep.c)
 */
#include <lkvm/builtin.h>

#include <lkvm/arch.h>
#include <lkvm/json.h>
#include <lkvm/log.h>
#include <lkvm/restore.h>
#include <lkvm/sve_vls.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void sve_usage(void)
{
	printf("\n usage: lkvm sve probe [--json]\n"
	       "        lkvm sve check <spec> | --snapshot <directory>\n"
	       "        lkvm sve common <probe.json>...\n"
	       "        lkvm sve sweep [<options>] -- <command> [<args>...]\n\n"
	       " probe   Show whether KVM offers SVE here, the host's vector lengths,\n"
	       "         and every set a guest can be given (--json: for fleet tools).\n"
	       " check   Exit 0 and print the set if --sve-vls=<spec> works on this\n"
	       "         host; exit 1 with the reason if not; exit 2 if <spec> is bad.\n"
	       "         --snapshot: whether this host can run the snapshot's guest as\n"
	       "         it was (its SVE set, its features, its ID registers).\n"
	       " common  Given `lkvm sve probe --json` files from several hosts, print\n"
	       "         the largest set all of them can give, as a --sve-vls value\n"
	       "         (\"off\" when there is none).\n"
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
	};

	if (!uname(&u)) {
		doc.host = u.nodename;
		doc.kernel = u.release;
	}
	sve_probe_write_json(stdout, &doc);
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
}

static int cmd_probe(int argc, char **argv)
{
	struct sve_host_info info;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			fprintf(stderr, "lkvm: error: sve probe: unknown argument '%s'\n",
				argv[i]);
			sve_usage();
			return EXIT_USAGE;
		}
	}
	if (arch_sve_probe_host(&info))
		return 1;
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
	if (argc != 2) {
		fprintf(stderr, "lkvm: error: sve check: give exactly one <spec>, or --snapshot <directory>\n");
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

/* Reads a whole (small) file; NUL-terminated. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0) {
		pr_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *bigger = cap > JSON_MAX_INPUT ? NULL :
							      realloc(buf, cap * 2);

			if (!bigger) {
				pr_err("%s: larger than %u bytes: not a probe file",
				       path, JSON_MAX_INPUT);
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			pr_err("%s: %s", path, strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (!r) {
			buf[n] = '\0';
			*len = n;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	return buf;
}

/* The host set recorded in one probe file, checked strictly. */
static int load_probe(const char *path, sve_vqset *set)
{
	char err[256];
	size_t len = 0;
	char *text = read_file(path, &len);
	int ret;

	if (!text)
		return -EIO;
	ret = sve_probe_read_json(text, len, set, err, sizeof(err));
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
	sve_vqset *sets;
	sve_vqset common;
	char s[SVE_VQSET_STR_MAX];
	int nr = argc - 1;

	if (nr < 1) {
		fprintf(stderr, "lkvm: error: sve common: give one or more probe files\n");
		return 2;
	}
	sets = calloc((size_t)nr, sizeof(*sets));
	if (!sets)
		return 1;
	for (int i = 0; i < nr; i++) {
		if (load_probe(argv[i + 1], &sets[i])) {
			free(sets);
			return 1;
		}
	}
	common = sve_common_set(sets, (unsigned int)nr);
	if (!common)
		explain_no_common(argv + 1, sets, nr);
	printf("%s\n", common ? sve_vqset_format(common, s, sizeof(s)) : "off");
	free(sets);
	return 0;
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
	fprintf(stderr, "usage: lkvm sve probe [--json] | check <spec> | common <file>... | sweep ... -- <command>\n");
	return EXIT_USAGE;
}
