/*
 * SVE node labels for NFD: valid Kubernetes labels within NFD's file
 * limit, and, for random fleets, a set's label selects exactly the
 * nodes where `lkvm sve check SET` says yes (sve_spec_resolve()).
 */
#include "harness.h"

#include <lkvm/small_file.h>
#include <lkvm/sve_nfd.h>

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 64

struct node {
	struct sve_host_info info;
	unsigned int nr;
	char names[MAX_LABELS][SVE_NFD_LABEL_MAX];
	char values[MAX_LABELS][SVE_NFD_LABEL_MAX];
};

/* Writes the node's file and reads it back the way NFD does. */
static void label(struct node *n)
{
	char buf[SVE_NFD_MAX_FILE + 1];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	size_t len = sve_nfd_write(f, &n->info);
	char *line, *save = NULL;

	fclose(f);
	CHECK(len <= SVE_NFD_MAX_FILE);
	CHECK_EQ(strlen(buf), len);
	n->nr = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (line[0] == '#')
			continue;
		CHECK(eq != NULL);
		if (!eq || n->nr == MAX_LABELS)
			continue;
		*eq = '\0';
		CHECK(sve_nfd_label_name_valid(line));
		CHECK(sve_nfd_label_value_valid(eq + 1));
		CHECK(!strncmp(line, SVE_NFD_NS "/", strlen(SVE_NFD_NS) + 1));
		snprintf(n->names[n->nr], SVE_NFD_LABEL_MAX, "%s", line);
		snprintf(n->values[n->nr], SVE_NFD_LABEL_MAX, "%s", eq + 1);
		n->nr++;
	}
}

/* nodeSelector {name: value}. */
static bool selects(const struct node *n, const char *name, const char *value)
{
	for (unsigned int i = 0; i < n->nr; i++)
		if (!strcmp(n->names[i], name))
			return !strcmp(n->values[i], value);
	return false;
}

/* What `lkvm sve check SET` answers on a host offering @host. */
static bool check_says_yes(sve_vqset set, sve_vqset host)
{
	struct sve_spec spec = { .kind = SVE_SPEC_SET, .set = set };
	char why[SVE_WHY_MAX];
	sve_vqset out;

	return !sve_spec_resolve(&spec, host, &out, why, sizeof(why));
}

static void test_a64fx(void)
{
	struct node n = { .info = { .kvm_has_sve = true, .vqs = 0xb,
				    .id_regs = { 1ULL << 32, 0, 0 } } };
	char l[SVE_NFD_LABEL_MAX];

	label(&n);
	CHECK_STR(sve_nfd_set_label(0xb, l, sizeof(l)),
		  "feature.node.kubernetes.io/lkvm-sve-set.000b");
	CHECK(selects(&n, l, "true"));
	CHECK(selects(&n, sve_nfd_set_label(0x1, l, sizeof(l)), "true"));
	CHECK(selects(&n, sve_nfd_set_label(0x3, l, sizeof(l)), "true"));
	CHECK(!selects(&n, sve_nfd_set_label(0x7, l, sizeof(l)), "true"));
	CHECK(!selects(&n, sve_nfd_set_label(0x9, l, sizeof(l)), "true"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve", "true"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-max-vl", "512"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-vl.384", "true") == false);
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-vl.256", "true"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-feature.SVE", "1"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-feature.SVEver", "0"));
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-id-regs-writable", "false"));
}

static void test_no_sve(void)
{
	struct node n = { .info = { .kvm_has_sve = false } };

	label(&n);
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve", "false"));
	CHECK_EQ(n.nr, 2);
}

/* The largest file: every length, every field at 15. */
static void test_largest(void)
{
	struct node n = { .info = { .kvm_has_sve = true, .vqs = SVE_VQSET_ALL,
				    .id_regs = { ~0ULL, ~0ULL, ~0ULL },
				    .id_regs_writable = true } };

	label(&n);
	CHECK_EQ(n.nr, 2 + 1 + 16 + 16 + SVE_NR_FEATURES);
	CHECK(selects(&n, SVE_NFD_NS "/lkvm-sve-feature.F64MM", "15"));
}

static void test_label_rules(void)
{
	CHECK(sve_nfd_label_name_valid("feature.node.kubernetes.io/a-b_c.D9"));
	CHECK(sve_nfd_label_name_valid("plain"));
	CHECK(!sve_nfd_label_name_valid("Feature.io/x"));	/* upper-case prefix */
	CHECK(!sve_nfd_label_name_valid("x.io/-x"));
	CHECK(!sve_nfd_label_name_valid("x.io/x-"));
	CHECK(!sve_nfd_label_name_valid("x.io/"));
	CHECK(!sve_nfd_label_name_valid("/x"));
	CHECK(!sve_nfd_label_name_valid("x.io/a b"));
	CHECK(!sve_nfd_label_name_valid(
		"x.io/a234567890123456789012345678901234567890123456789012345678901234"));
	CHECK(sve_nfd_label_value_valid(""));
	CHECK(sve_nfd_label_value_valid("128"));
	CHECK(!sve_nfd_label_value_valid("128,256"));
	CHECK(!sve_nfd_label_value_valid(".x"));
}

/* Random heterogeneous fleets: label selection == sve check, both ways. */
static void test_fleet_property(void)
{
	static struct node fleet[8];
	unsigned int hits = 0, misses = 0;

	srand(1616);
	for (int round = 0; round < 300; round++) {
		unsigned int nr = 1 + (unsigned int)rand() % 8;

		for (unsigned int i = 0; i < nr; i++) {
			memset(&fleet[i], 0, sizeof(fleet[i]));
			/* Sparse sets, like real hosts, and some without SVE. */
			fleet[i].info.vqs = (sve_vqset)rand() & (sve_vqset)rand() &
					    SVE_VQSET_ALL;
			fleet[i].info.kvm_has_sve = rand() % 6 != 0;
			if (!fleet[i].info.kvm_has_sve)
				fleet[i].info.vqs = 0;
			fleet[i].info.id_regs[SVE_REG_ZFR0] = (uint64_t)rand();
			label(&fleet[i]);
		}
		for (int q = 0; q < 20; q++) {
			const struct node *from = &fleet[(unsigned int)rand() % nr];
			sve_vqset set = (sve_vqset)rand() & SVE_VQSET_ALL;
			char l[SVE_NFD_LABEL_MAX];

			/* Half the sets asked: one some node can give. */
			if (q % 2 && from->info.vqs)
				set = sve_vqset_truncate(from->info.vqs,
							 1 + (unsigned int)rand() % SVE_NR_VQS);
			if (!set)
				continue;
			sve_nfd_set_label(set, l, sizeof(l));
			for (unsigned int i = 0; i < nr; i++) {
				bool yes = check_says_yes(set, fleet[i].info.vqs);

				CHECK_EQ(selects(&fleet[i], l, "true"), yes);
				yes ? hits++ : misses++;
			}
		}
	}
	/* The property was tested both ways, many times. */
	CHECK(hits > 500 && misses > 500);
}

/* The file appears whole under its name; no dot-file stays behind. */
/* Entries of @dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void test_atomic_write(void)
{
	char dir[] = "/tmp/lkvm-test-nfd-XXXXXX", path[64], sub[64], *back;
	struct stat st;
	size_t len = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/lkvm-sve", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK_EQ(small_file_write_atomic(path, "a=b\n", 4), 0);
	CHECK_EQ(small_file_write_atomic(path, "c=d\n", 4), 0);	/* replaced */
	CHECK_EQ(small_file_read(path, 64, &back, &len), 0);
	if (back) {
		CHECK_EQ(len, 4);
		CHECK_STR(back, "c=d\n");
		free(back);
	}
	/* NFD runs as another user: the file must be readable by all. */
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0644);
	/* No temporary file is left behind. */
	CHECK_EQ(count_entries(dir), 1);
	CHECK_EQ(mkdir(sub, 0755), 0);
	CHECK_EQ(small_file_write_atomic(sub, "x", 1) < 0, 1);	/* a directory */
	CHECK_EQ(count_entries(dir), 2);
	CHECK_EQ(small_file_write_atomic("/tmp/", "x", 1), -EISDIR);
	rmdir(sub);
	unlink(path);
	rmdir(dir);
}

static const struct unit_test tests[] = {
	{ "atomic-write", test_atomic_write },
	{ "a64fx", test_a64fx },
	{ "no-sve", test_no_sve },
	{ "largest", test_largest },
	{ "label-rules", test_label_rules },
	{ "fleet-property", test_fleet_property },
};

UNIT_MAIN(tests)
