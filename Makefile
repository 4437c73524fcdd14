# lkvm: a lightweight arm64 KVM VMM.
#
#   make            build ./lkvm (static aarch64; cross-compiled on x86)
#   make deps       install build/test dependencies (Debian), fetch guests
#   make check      unit tests + nested system tests; ends "N passed, N failed"
#   make demo       boot a Debian arm64 guest with lkvm in a nested KVM host
#   make bench      benchmarks (numbers only)

HOST_ARCH := $(shell uname -m)
ifeq ($(HOST_ARCH),aarch64)
CROSS_COMPILE ?=
# Tests run natively on an arm64 host.
RUN_AARCH64 ?=
else
CROSS_COMPILE ?= aarch64-linux-gnu-
RUN_AARCH64 ?= qemu-aarch64-static
endif

CC := $(CROSS_COMPILE)gcc
AS := $(CROSS_COMPILE)as
LD := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy

CACHE ?= $(CURDIR)/.cache

# V=1 shows full command lines.
ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-6s %s\n'
endif
BUILD := build
LKVM_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) -Iinclude -MMD -MP \
	  -DLKVM_VERSION='"$(LKVM_VERSION)"'
LDFLAGS += -static
LDLIBS := -lfdt -lpthread

LIB_SRCS := $(sort $(wildcard core/*.c arm/*.c hw/*.c virtio/*.c sandbox/*.c))
BUILTIN_SRCS := $(sort $(wildcard builtin/*.c))
# The sandbox's guest init (guest/guest.mk), embedded by sandbox/init_blob.S.
GUEST_INIT := $(BUILD)/guest/lkvm-init
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/sandbox/init_blob.o
BUILTIN_OBJS := $(BUILTIN_SRCS:%.c=$(BUILD)/obj/%.o)
LIBLKVM := $(BUILD)/liblkvm.a

.PHONY: all deps check unit system demo bench clean guest format
all: lkvm guest

lkvm: $(BUILTIN_OBJS) $(LIBLKVM)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BUILTIN_OBJS) $(LIBLKVM) $(LDLIBS)

$(LIBLKVM): $(LIB_OBJS)
	@rm -f $@
	$(quiet) AR $@
	$(Q)$(CROSS_COMPILE)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@command -v $(CC) >/dev/null || { echo "$(CC) not found: run 'make deps'" >&2; exit 1; }
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/sandbox/init_blob.o: sandbox/init_blob.S $(GUEST_INIT)
	@mkdir -p $(dir $@)
	$(quiet) AS $<
	$(Q)$(CC) -DGUEST_INIT_PATH='"$(GUEST_INIT)"' -c -o $@ $<

# Guest-side programs: bare-metal payloads (see guest/baremetal).
include guest/guest.mk

# Unit tests: pure logic, run under qemu-user on x86.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
UNIT_HARNESS := $(BUILD)/obj/tests/unit/harness.o

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_HARNESS) $(LIBLKVM)
	@mkdir -p $(dir $@)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test and benchmark helpers that run inside the nested host.
TEST_TOOLS := $(patsubst tests/system/tools/%.c,$(BUILD)/tools/%,$(wildcard tests/system/tools/*.c)) \
	      $(patsubst tests/bench/%.c,$(BUILD)/tools/%,$(wildcard tests/bench/*.c))
$(BUILD)/tools/%: tests/system/tools/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
$(BUILD)/tools/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

deps:
	scripts/deps.sh "$(CACHE)"

# check and demo install what is missing first.
.deps-ok:
	@scripts/deps.sh --check "$(CACHE)" || scripts/deps.sh "$(CACHE)"

unit: .deps-ok
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@tests/unit/run.sh "$(RUN_AARCH64)" $(UNIT_BINS)

system: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS) $(UNIT_BINS)
	@tests/system/run.sh --cache "$(CACHE)" --all

check: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(UNIT_BINS) $(TEST_TOOLS)
	@tests/check.sh "$(RUN_AARCH64)" "$(CACHE)" $(UNIT_BINS)

demo: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --demo

bench: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --bench

format:
	clang-format -i $(LIB_SRCS) $(BUILTIN_SRCS) $(wildcard include/lkvm/*.h include/lkvm/*/*.h)

clean:
	rm -rf $(BUILD) lkvm

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
