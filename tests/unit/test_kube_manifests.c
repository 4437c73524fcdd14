/*
 * The Kubernetes manifests of Documentation/kubernetes/ (JSON, which
 * kubectl takes as it takes YAML), checked against the parts of the
 * Kubernetes API they use, since no cluster is reachable where the tests
 * run: every member known for its object (a typo is refused, not
 * ignored), names and label keys valid, selectors matching their
 * template, mounts naming volumes, no privileged container, and the
 * node-affinity label being the one `lkvm sve probe --nfd` writes.
 * Runs from the top of the tree (make unit).
 */
#include "harness.h"

#include <lkvm/json.h>
#include <lkvm/small_file.h>
#include <lkvm/sve_nfd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "Documentation/kubernetes/"

static const char *where;	/* the file, for messages */

#define BAD(...)                                                     \
	check_failed(__FILE__, __LINE__, "%s: " __VA_ARGS__)

/* @obj is an object whose members are all in @known (NULL-terminated). */
static bool members(const struct json_value *obj, const char *what,
		    const char *const *known)
{
	if (!obj || obj->type != JSON_OBJECT) {
		BAD("%s is missing or not an object", where, what);
		return false;
	}
	for (size_t i = 0; i < obj->count; i++) {
		const char *const *k = known;

		while (*k && strcmp(*k, obj->keys[i]))
			k++;
		if (!*k)
			BAD("%s has an unknown member \"%s\"", where, what,
			    obj->keys[i]);
	}
	return true;
}

static const char *string(const struct json_value *obj, const char *key)
{
	const struct json_value *v = json_get(obj, key);

	if (!v || v->type != JSON_STRING) {
		BAD("\"%s\" is missing or not a string", where, key);
		return "";
	}
	return v->string;
}

/* RFC 1123 DNS label (container, volume names) or subdomain (objects). */
static bool dns_name(const char *s, bool dots)
{
	size_t len = strlen(s);

	if (!len || len > (dots ? 253U : 63U) || s[0] == '-' || s[len - 1] == '-' ||
	    s[0] == '.' || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || (dots && s[i] == '.')))
			return false;
	return true;
}

/* A map of label keys to values (metadata.labels, matchLabels, nodeSelector). */
static void labels(const struct json_value *map, const char *what)
{
	if (!map || map->type != JSON_OBJECT) {
		BAD("%s is not a map", where, what);
		return;
	}
	for (size_t i = 0; i < map->count; i++) {
		if (!sve_nfd_label_name_valid(map->keys[i]))
			BAD("%s: \"%s\" is not a valid label key", where, what,
			    map->keys[i]);
		if (map->items[i].type != JSON_STRING ||
		    !sve_nfd_label_value_valid(map->items[i].string))
			BAD("%s: the value of \"%s\" is not a valid label value",
			    where, what, map->keys[i]);
	}
}

static void metadata(const struct json_value *m, bool top)
{
	static const char *const known[] = { "name", "namespace", "labels", NULL };

	if (!members(m, "metadata", known))
		return;
	if (top && !dns_name(string(m, "name"), true))
		BAD("metadata.name is not a DNS subdomain", where);
	if (json_get(m, "namespace") && !dns_name(string(m, "namespace"), false))
		BAD("metadata.namespace is not a DNS label", where);
	if (json_get(m, "labels"))
		labels(json_get(m, "labels"), "metadata.labels");
}

static void strings(const struct json_value *a, const char *what)
{
	if (!a || a->type != JSON_ARRAY || !a->count) {
		BAD("%s is not a non-empty list", where, what);
		return;
	}
	for (size_t i = 0; i < a->count; i++)
		if (a->items[i].type != JSON_STRING)
			BAD("%s item %zu is not a string", where, what, i);
}

static void container(const struct json_value *c, const struct json_value *volumes)
{
	static const char *const known[] = { "name", "image", "command", "args",
		"workingDir", "resources", "securityContext", "volumeMounts", NULL };
	static const char *const sc_known[] = { "privileged",
		"allowPrivilegeEscalation", "readOnlyRootFilesystem",
		"capabilities", "runAsUser", "runAsNonRoot", NULL };
	static const char *const mount_known[] = { "name", "mountPath",
						   "readOnly", NULL };
	const struct json_value *sc, *mounts, *limits, *priv;

	if (!members(c, "container", known))
		return;
	if (!dns_name(string(c, "name"), false))
		BAD("container name is not a DNS label", where);
	string(c, "image");
	strings(json_get(c, "command"), "command");
	/* /dev/kvm through a device plugin's resource, not privileged mode. */
	limits = json_get(json_get(c, "resources"), "limits");
	if (!limits || !json_get(limits, "devices.kubevirt.io/kvm"))
		BAD("container without the KVM device resource", where);
	for (size_t i = 0; limits && i < limits->count; i++)
		if (limits->items[i].type != JSON_STRING)
			BAD("resources.limits.%s is not a quantity string", where,
			    limits->keys[i]);
	sc = json_get(c, "securityContext");
	if (members(sc, "securityContext", sc_known)) {
		priv = json_get(sc, "privileged");
		if (priv && (priv->type != JSON_BOOL || priv->boolean))
			BAD("a privileged container", where);
	}
	mounts = json_get(c, "volumeMounts");
	for (size_t i = 0; mounts && i < mounts->count; i++) {
		const struct json_value *m = &mounts->items[i];
		const char *name;
		bool found = false;

		if (!members(m, "volumeMount", mount_known))
			continue;
		name = string(m, "name");
		if (string(m, "mountPath")[0] != '/')
			BAD("mountPath is not absolute", where);
		for (size_t v = 0; volumes && v < volumes->count; v++)
			found |= !strcmp(string(&volumes->items[v], "name"), name);
		if (!found)
			BAD("volumeMount \"%s\" names no volume", where, name);
	}
}

static void volume(const struct json_value *v)
{
	static const char *const known[] = { "name", "hostPath", "configMap", NULL };
	static const char *const types[] = { "", "DirectoryOrCreate", "Directory",
		"FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice" };
	const struct json_value *hp;
	bool type_ok = false;

	if (!members(v, "volume", known))
		return;
	if (!dns_name(string(v, "name"), false))
		BAD("volume name is not a DNS label", where);
	hp = json_get(v, "hostPath");
	if (!hp)
		return;
	if (string(hp, "path")[0] != '/')
		BAD("hostPath.path is not absolute", where);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		type_ok |= !strcmp(string(hp, "type"), types[i]);
	if (!type_ok)
		BAD("hostPath.type is not a hostPath type", where);
}

static unsigned int node_affinity(const struct json_value *a)
{
	static const char *const ops[] = { "In", "NotIn", "Exists",
					   "DoesNotExist", "Gt", "Lt" };
	const struct json_value *terms;
	unsigned int nr = 0;

	terms = json_get(json_get(json_get(a, "nodeAffinity"),
				  "requiredDuringSchedulingIgnoredDuringExecution"),
			 "nodeSelectorTerms");
	if (!terms || terms->type != JSON_ARRAY || !terms->count) {
		BAD("no nodeSelectorTerms", where);
		return 0;
	}
	for (size_t t = 0; t < terms->count; t++) {
		const struct json_value *exprs = json_get(&terms->items[t],
							  "matchExpressions");

		for (size_t e = 0; exprs && e < exprs->count; e++) {
			const struct json_value *x = &exprs->items[e];
			const char *op = string(x, "operator");
			bool op_ok = false;

			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				op_ok |= !strcmp(op, ops[i]);
			if (!op_ok)
				BAD("operator \"%s\"", where, op);
			if (!sve_nfd_label_name_valid(string(x, "key")))
				BAD("\"%s\" is not a label key", where,
				    string(x, "key"));
			if (!strcmp(op, "In"))
				strings(json_get(x, "values"), "values");
			nr++;
		}
	}
	return nr;
}

static const struct json_value *pod_spec(const struct json_value *tmpl)
{
	static const char *const known[] = { "nodeSelector", "affinity",
		"containers", "volumes", "restartPolicy", NULL };
	static const char *const tmpl_known[] = { "metadata", "spec", NULL };
	const struct json_value *spec = json_get(tmpl, "spec");
	const struct json_value *containers, *volumes;

	if (!members(tmpl, "template", tmpl_known) ||
	    !members(spec, "template.spec", known))
		return spec;
	metadata(json_get(tmpl, "metadata"), false);
	if (json_get(spec, "nodeSelector"))
		labels(json_get(spec, "nodeSelector"), "nodeSelector");
	containers = json_get(spec, "containers");
	volumes = json_get(spec, "volumes");
	for (size_t i = 0; volumes && i < volumes->count; i++)
		volume(&volumes->items[i]);
	if (!containers || containers->type != JSON_ARRAY || !containers->count)
		BAD("no containers", where);
	for (size_t i = 0; containers && i < containers->count; i++)
		container(&containers->items[i], volumes);
	return spec;
}

static struct json_value *load(const char *name)
{
	struct json_value *doc = NULL;
	char *text, err[256];
	size_t len = 0;
	static const char *const known[] = { "apiVersion", "kind", "metadata",
					     "spec", NULL };

	where = name;
	if (small_file_read(name, JSON_MAX_INPUT, &text, &len)) {
		BAD("cannot be read", where);
		return NULL;
	}
	if (json_parse(text, len, &doc, err, sizeof(err)))
		BAD("%s", where, err);
	free(text);
	if (doc && members(doc, "the document", known))
		metadata(json_get(doc, "metadata"), true);
	return doc;
}

static void test_daemonset(void)
{
	static const char *const known[] = { "selector", "template", NULL };
	struct json_value *doc = load(DIR "lkvm-sve-labels.json");
	const struct json_value *spec, *match, *tmpl_labels, *volumes;

	if (!doc)
		return;
	CHECK_STR(string(doc, "apiVersion"), "apps/v1");
	CHECK_STR(string(doc, "kind"), "DaemonSet");
	spec = json_get(doc, "spec");
	if (members(spec, "spec", known)) {
		match = json_get(json_get(spec, "selector"), "matchLabels");
		tmpl_labels = json_get(json_get(json_get(spec, "template"),
						"metadata"), "labels");
		labels(match, "selector.matchLabels");
		/* The selector must select the template's pods. */
		for (size_t i = 0; match && i < match->count; i++) {
			const struct json_value *v = json_get(tmpl_labels,
							      match->keys[i]);

			if (!v || v->type != JSON_STRING ||
			    strcmp(v->string, match->items[i].string))
				BAD("selector %s does not match the template",
				    where, match->keys[i]);
		}
		pod_spec(json_get(spec, "template"));
	}
	/* The feature file goes where NFD reads it. */
	volumes = json_get(json_get(json_get(spec, "template"), "spec"),
			   "volumes");
	CHECK(volumes && volumes->count == 1);
	if (volumes && volumes->count)
		CHECK_STR(string(json_get(&volumes->items[0], "hostPath"), "path"),
			  SVE_NFD_DEFAULT_DIR);
	json_free(doc);
}

static void test_job(void)
{
	static const char *const known[] = { "backoffLimit", "template", NULL };
	struct json_value *doc = load(DIR "lkvm-sandbox-job.json");
	const struct json_value *spec, *pod, *terms, *exprs;
	char set_label[SVE_NFD_LABEL_MAX];

	if (!doc)
		return;
	CHECK_STR(string(doc, "apiVersion"), "batch/v1");
	CHECK_STR(string(doc, "kind"), "Job");
	spec = json_get(doc, "spec");
	if (!members(spec, "spec", known)) {
		json_free(doc);
		return;
	}
	pod = pod_spec(json_get(spec, "template"));
	/* A Job's pods run once: Never or OnFailure. */
	CHECK(!strcmp(string(pod, "restartPolicy"), "Never") ||
	      !strcmp(string(pod, "restartPolicy"), "OnFailure"));
	CHECK_EQ(node_affinity(json_get(pod, "affinity")), 2);
	/* The set 128,256 by the name lkvm sve probe --nfd gives it. */
	terms = json_get(json_get(json_get(json_get(pod, "affinity"),
					   "nodeAffinity"),
				  "requiredDuringSchedulingIgnoredDuringExecution"),
			 "nodeSelectorTerms");
	exprs = terms && terms->count ?
			json_get(&terms->items[0], "matchExpressions") : NULL;
	CHECK(exprs && exprs->count);
	if (exprs && exprs->count)
		CHECK_STR(string(&exprs->items[0], "key"),
			  sve_nfd_set_label(0x3, set_label, sizeof(set_label)));
	json_free(doc);
}

static const struct unit_test tests[] = {
	{ "daemonset", test_daemonset },
	{ "job", test_job },
};

UNIT_MAIN(tests)
