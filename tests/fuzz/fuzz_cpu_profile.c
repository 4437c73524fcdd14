/*
 * CPU profile documents (`lkvm run --cpu-profile FILE`, `lkvm sve check
 * --profile FILE`) and version 2 probe documents with their feature
 * fields: whatever the bytes, a clean refusal or a profile that writes
 * out and reads back the same.
 */
#include "fuzz.h"

#include <lkvm/sve_features.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void round_trip(const struct cpu_profile *p)
{
	struct cpu_profile back;
	char buf[1024], err[256];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (!f)
		return;
	cpu_profile_write_json(f, p);
	if (fclose(f))
		abort();	/* a profile always fits */
	if (cpu_profile_parse(buf, strlen(buf), &back, err, sizeof(err)) ||
	    back.sve_vqs != p->sve_vqs ||
	    memcmp(&back.floor, &p->floor, sizeof(back.floor)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_profile p;
	struct sve_probe_result probe;
	char err[256];

	if (!cpu_profile_parse((const char *)data, size, &p, err, sizeof(err))) {
		for (unsigned int i = 0; i < SVE_NR_FEATURES; i++)
			if (p.floor.level[i] > 15)
				abort();
		round_trip(&p);
	} else if (strlen(err) >= sizeof(err) - 1) {
		abort();	/* an explanation was cut short */
	}
	sve_probe_read_json((const char *)data, size, &probe, err, sizeof(err));
	return 0;
}
