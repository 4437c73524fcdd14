/* A minimal unit-test harness: one binary per tests/unit/test_*.c. */
#ifndef LKVM_TEST_HARNESS_H
#define LKVM_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* Records a failed check; the test goes on so every failure is shown. */
void check_failed(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond)                                                   \
	do {                                                          \
		if (!(cond))                                          \
			check_failed(__FILE__, __LINE__, "%s", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		unsigned long long _a = (unsigned long long)(a);           \
		unsigned long long _b = (unsigned long long)(b);           \
		if (_a != _b)                                              \
			check_failed(__FILE__, __LINE__,                   \
				     "%s == %s (0x%llx != 0x%llx)", #a, #b, \
				     _a, _b);                              \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *_a = (a), *_b = (b);                             \
		if (!_a || !_b || strcmp(_a, _b))                            \
			check_failed(__FILE__, __LINE__, "%s == \"%s\" (got \"%s\")", \
				     #a, _b ? _b : "(null)", _a ? _a : "(null)"); \
	} while (0)

int unit_main(const struct unit_test *tests, unsigned int nr, int argc,
	      char **argv);

#define UNIT_MAIN(tests)                                                  \
	int main(int argc, char **argv)                                   \
	{                                                                 \
		return unit_main(tests, sizeof(tests) / sizeof(tests[0]), \
				 argc, argv);                             \
	}

#endif
