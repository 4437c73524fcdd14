/* What every libFuzzer target declares, and the quiet default set-up. */
#ifndef LKVM_FUZZ_H
#define LKVM_FUZZ_H

#include <lkvm/log.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * The set-up of targets that need nothing else: refusals are logged on
 * stderr, which tests/fuzz/run.sh closes anyway; only errors remain.
 */
#define FUZZ_LOG_ERRORS_ONLY()                                     \
	int LLVMFuzzerInitialize(int *argc, char ***argv)          \
	{                                                          \
		(void)argc;                                        \
		(void)argv;                                        \
		log_set_level(LOG_ERROR);                          \
		return 0;                                          \
	}

/* A property the target checks does not hold: say which, and crash. */
static inline void fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}

#endif
