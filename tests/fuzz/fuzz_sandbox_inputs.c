/*
 * The sandbox's inputs cache entry parser (sandbox/inputs.c): the file
 * $HOME/.lkvm/.templates/.inputs/NAME, read on every warm run, whatever
 * wrote it. Input: the file's bytes. Checked beyond ASan: an entry that
 * parses is canonical (written back, it is the same bytes), its key is
 * 16 hex digits and it holds at most SANDBOX_INPUTS_MAX inputs.
 */
#include "fuzz.h"

#include <lkvm/sandbox_inputs.h>

#include <string.h>

FUZZ_LOG_ERRORS_ONLY()

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sandbox_inputs in;
	char *text;
	size_t len;

	if (sandbox_inputs_parse((const char *)data, size, &in))
		return 0;
	if (strlen(in.key) != SANDBOX_INPUTS_KEY_LEN ||
	    in.nr > SANDBOX_INPUTS_MAX)
		fuzz_fail("a parsed entry breaks its limits");
	if (sandbox_inputs_format(&in, &text, &len))
		fuzz_fail("a parsed entry cannot be written back");
	if (len != size || memcmp(text, data, size))
		fuzz_fail("a parsed entry is not written back as it was");
	free(text);
	sandbox_inputs_free(&in);
	return 0;
}
