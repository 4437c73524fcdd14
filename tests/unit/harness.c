#include "harness.h"

#include <lkvm/log.h>

#include <stdarg.h>
#include <stdio.h>

static int failures;
static char first_failure[512];

void check_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failures++)
		return;
	n = snprintf(first_failure, sizeof(first_failure), "%s:%d: ", file,
		     line);
	va_start(ap, fmt);
	vsnprintf(first_failure + n, sizeof(first_failure) - (size_t)n, fmt, ap);
	va_end(ap);
}

int unit_main(const struct unit_test *tests, unsigned int nr, int argc,
	      char **argv)
{
	int failed = 0;

	(void)argc;
	(void)argv;
	/* Library code logs its refusals; tests check return values. */
	log_set_level(LOG_ERROR);
	for (unsigned int i = 0; i < nr; i++) {
		failures = 0;
		tests[i].fn();
		if (failures) {
			printf("not ok %s: %s (%d failed checks)\n", tests[i].name,
			       first_failure, failures);
			failed++;
		} else {
			printf("ok %s\n", tests[i].name);
		}
		fflush(stdout);
	}
	return failed ? 1 : 0;
}
