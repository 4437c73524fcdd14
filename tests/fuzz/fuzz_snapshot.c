/*
 * A snapshot's manifest as `lkvm restore` reads it from a file anyone may
 * have edited: the strict JSON reader, the manifest's own members, and
 * every device model's part of the configuration, with a --disk-path
 * remap in force. A configuration that is accepted must be one the
 * option handlers could have built.
 */
#include "fuzz.h"

#include <lkvm/json.h>
#include <lkvm/restore.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

FUZZ_LOG_ERRORS_ONLY()

/* A broken promise: libFuzzer reports the abort and saves the input. */
static void broken(const char *what)
{
	fprintf(stderr, "fuzz_snapshot: %s\n", what);
	abort();
}

static void check_config(const struct vm_config *c)
{
	if (!c->nr_cpus || !c->ram_size || c->blk.nr_disks > VM_MAX_DISKS ||
	    c->net.nr_nics > VM_MAX_NICS || c->p9.nr_shares > VM_MAX_9P ||
	    c->p9.root >= (int)c->p9.nr_shares || (c->net.none && c->net.nr_nics))
		broken("an accepted manifest made an impossible configuration");
	for (unsigned int i = 0; i < c->blk.nr_disks; i++)
		if (!c->blk.disks[i].path_len ||
		    strlen(c->blk.disks[i].path) != c->blk.disks[i].path_len)
			broken("a disk with a bad path");
	for (unsigned int i = 0; i < c->p9.nr_shares; i++)
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(c->p9.shares[i].tag, c->p9.shares[j].tag))
				broken("two shares with one tag");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct disk_remap remap = { "/img/a.raw", 10, "/new" };
	const struct restore_options ro = { .remaps = &remap, .nr_remaps = 1 };
	struct snapshot_source s = { .ram_fd = -1 };
	struct vm_config cfg;
	char why[256];

	if (snapshot_parse_manifest((const char *)data, size, &s, why,
				    sizeof(why)) == 0) {
		if (vm_config_init(&cfg))
			abort();
		if (!snapshot_config(&s, &cfg, &ro, why, sizeof(why)))
			check_config(&cfg);
		vm_config_release(&cfg);
	}
	json_free(s.manifest);
	return 0;
}
