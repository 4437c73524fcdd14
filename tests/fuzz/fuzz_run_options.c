/*
 * `lkvm run`'s option parser over every option table: the input is an
 * argv (NUL-separated). Parsing must never crash, and never keep a
 * pointer outside argv.
 */
#include "fuzz.h"

#include <lkvm/run_options.h>

#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

FUZZ_LOG_ERRORS_ONLY()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGS + 1];
	struct vm_config cfg;
	struct opt_args args;
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; argc < MAX_ARGS && p <= buf + size;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (vm_config_init(&cfg)) {
		free(buf);
		return 0;
	}
	if (run_options_parse(&cfg, argc, argv, &args) == OPT_OK)
		opt_args_free(&args);
	vm_config_release(&cfg);
	free(buf);
	return 0;
}
