// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk's part of a snapshot's manifest: the disks, in order, with
 * their flags. A restore finds each disk at the same path, or where
 * --disk-path OLD=NEW says it went.
 */
#include <lkvm/virtio_blk.h>

#include <lkvm/config.h>
#include <lkvm/json.h>
#include <lkvm/parse.h>
#include <lkvm/restore.h>

#include <stdlib.h>
#include <string.h>

void blk_describe_config(const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "    \"disks\": [");
	for (unsigned int i = 0; i < cfg->blk.nr_disks; i++) {
		const struct vm_disk *d = &cfg->blk.disks[i];
		char *path = strndup(d->path, d->path_len);

		fprintf(f, "%s{\"path\": ", i ? ", " : "");
		json_print_string(f, path ? path : "");
		fprintf(f, ", \"ro\": %s, \"direct\": %s}",
			d->ro ? "true" : "false", d->direct ? "true" : "false");
		free(path);
	}
	fprintf(f, "],\n");
}

static const struct disk_remap *find_remap(const struct restore_options *ro,
					   const char *path)
{
	for (unsigned int i = 0; ro && i < ro->nr_remaps; i++)
		if (strlen(path) == ro->remaps[i].old_len &&
		    !memcmp(path, ro->remaps[i].old_path, ro->remaps[i].old_len))
			return &ro->remaps[i];
	return NULL;
}

int blk_config_from_manifest(const struct json_value *config,
			     struct vm_config *cfg,
			     const struct restore_options *ro, char *why,
			     size_t why_len)
{
	const struct json_value *disks;
	char err[160];

	if (json_member_array(config, "disks", VM_MAX_DISKS, &disks, err,
			      sizeof(err)))
		return parse_error(why, why_len, "manifest: config: %s", err);
	for (size_t i = 0; i < disks->count; i++) {
		struct vm_disk *d = &cfg->blk.disks[i];
		const struct disk_remap *r;
		const char *path;
		int ret;

		ret = json_member_string(&disks->items[i], "path", &path, err,
					 sizeof(err));
		ret = ret ?: json_member_bool(&disks->items[i], "ro", &d->ro,
					      err, sizeof(err));
		ret = ret ?: json_member_bool(&disks->items[i], "direct",
					      &d->direct, err, sizeof(err));
		if (ret || !path[0])
			return parse_error(why, why_len,
					   "manifest: config: disk %zu: %s", i,
					   ret ? err : "an empty path");
		r = find_remap(ro, path);
		d->path = r ? r->new_path : path;
		d->path_len = strlen(d->path);
	}
	cfg->blk.nr_disks = (unsigned int)disks->count;
	cfg->blk.allow_changed = ro && ro->allow_changed_disks;
	/* A remap that names no disk is a typo: say so. */
	for (unsigned int i = 0; ro && i < ro->nr_remaps; i++) {
		bool used = false;

		for (size_t j = 0; j < disks->count; j++) {
			const char *path;

			json_member_string(&disks->items[j], "path", &path,
					   err, sizeof(err));
			used |= find_remap(ro, path) == &ro->remaps[i];
		}
		if (!used)
			return parse_error(why, why_len,
					   "--disk-path %.*s=...: the snapshot has no disk %.*s",
					   (int)ro->remaps[i].old_len,
					   ro->remaps[i].old_path,
					   (int)ro->remaps[i].old_len,
					   ro->remaps[i].old_path);
	}
	return 0;
}
