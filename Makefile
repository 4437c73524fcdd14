# lkvm: a lightweight arm64 KVM VMM.
#
#   make            build ./lkvm (static aarch64; cross-compiled on x86)
#   make deps       install build/test dependencies (Debian), fetch guests
#   make check      unit tests + nested system tests; ends "N passed, N failed"
#   make check-slow the system suites kept out of check (Linux guests at EL2, migrate-killed)
#   make demo       boot a Debian arm64 guest with lkvm in a nested KVM host
#   make bench      benchmarks (numbers only)
#   make stress     the stress scenario on every stress host (long; not in check)
#   make hot-text   re-profile which functions a start runs: scripts/lkvm-hot.ld

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
# Hardened: stack protector, fortified libc calls, a static PIE with full
# RELRO and a non-executable stack (tests/hardening.sh checks the binary).
HARDENING := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS ?= -O2 -g
# Each function in a section of its own, so that lkvm's link can put the
# ones a start runs together (LKVM_LAYOUT).
CFLAGS += -std=c11 -D_GNU_SOURCE $(WARNINGS) $(HARDENING) -Iinclude -MMD -MP \
	  -ffunction-sections -DLKVM_VERSION='"$(LKVM_VERSION)"'
LDFLAGS += -static-pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
LDLIBS := -lfdt -lseccomp -lpthread

LIB_SRCS := $(sort $(wildcard core/*.c arm/*.c hw/*.c virtio/*.c net/*.c \
			     sandbox/*.c))
BUILTIN_SRCS := $(sort $(wildcard builtin/*.c))
# The sandbox's guest init (guest/guest.mk), embedded by sandbox/init_blob.S.
GUEST_INIT := $(BUILD)/guest/lkvm-init
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/sandbox/init_blob.o
BUILTIN_OBJS := $(BUILTIN_SRCS:%.c=$(BUILD)/obj/%.o)
LIBLKVM := $(BUILD)/liblkvm.a
SECCOMP_GEN := $(BUILD)/gen/seccomp-gen
SECCOMP_BPF := $(BUILD)/obj/gen/seccomp_bpf.o

.PHONY: all deps check check-slow unit system demo bench stress clean guest format fuzz hot-text .deps-ok
all: lkvm guest

# The functions a start runs first, in the order it runs them: a start
# then faults in 4 windows of 64 KiB of text instead of all 12
# (scripts/hot_text.sh, `make hot-text`; testing.md).
LKVM_LAYOUT := scripts/lkvm-hot.ld
# What lkvm links, laid out by LKVM_LAYOUT or, for make hot-text, not.
LKVM_LINK := $(BUILTIN_OBJS) $(SECCOMP_BPF) $(LIBLKVM) $(LDLIBS)

lkvm: $(BUILTIN_OBJS) $(SECCOMP_BPF) $(LIBLKVM) $(LKVM_LAYOUT)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -Wl,-T,$(LKVM_LAYOUT) -o $@ $(LKVM_LINK)

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

# The seccomp filters, compiled when lkvm is built by a program built for
# lkvm's architecture and run here (under qemu-user on other hosts), so
# that lkvm only copies them at run time (scripts/seccomp_gen.c).
$(SECCOMP_GEN): $(BUILD)/obj/scripts/seccomp_gen.o $(LIBLKVM)
	@mkdir -p $(dir $@)
	$(quiet) LINK $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen/seccomp_bpf.c: $(SECCOMP_GEN)
	@command -v $(firstword $(RUN_AARCH64) true) >/dev/null || { echo "$(RUN_AARCH64) not found: run 'make deps'" >&2; exit 1; }
	$(quiet) GEN $@
	$(Q)$(RUN_AARCH64) $(SECCOMP_GEN) >$@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm $@.tmp; touch $@; else mv $@.tmp $@; fi

$(SECCOMP_BPF): $(BUILD)/gen/seccomp_bpf.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

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

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(UNIT_HARNESS) $(SECCOMP_BPF) $(LIBLKVM)
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
# lkvm with a hook that breaks a seccomp filter on demand (tests only).
$(BUILD)/tools/lkvm-seccomp-test: $(BUILTIN_OBJS) $(SECCOMP_BPF) $(LIBLKVM) core/seccomp.c
	@mkdir -p $(dir $@)
	$(quiet) LINK $@
	$(Q)$(CC) $(CFLAGS) -DLKVM_SECCOMP_TEST -c -o $(BUILD)/obj/seccomp-test.o core/seccomp.c
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BUILTIN_OBJS) $(BUILD)/obj/seccomp-test.o $(SECCOMP_BPF) $(LIBLKVM) $(LDLIBS)
TEST_TOOLS += $(BUILD)/tools/lkvm-seccomp-test
# lkvm whose disks complete requests without touching the image (bench only).
$(BUILD)/tools/lkvm-blk-null: $(BUILTIN_OBJS) $(SECCOMP_BPF) $(LIBLKVM) virtio/blk_io.c
	@mkdir -p $(dir $@)
	$(quiet) LINK $@
	$(Q)$(CC) $(CFLAGS) -DLKVM_BLK_NULL_TEST -c -o $(BUILD)/obj/blk-null.o virtio/blk_io.c
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BUILTIN_OBJS) $(BUILD)/obj/blk-null.o $(SECCOMP_BPF) $(LIBLKVM) $(LDLIBS)
TEST_TOOLS += $(BUILD)/tools/lkvm-blk-null

# Regenerates LKVM_LAYOUT: a build with every function on a page of its
# own (build/tools/lkvm-prof) runs in a nested host booted with one CPU
# and instruction counting, which records each page fault it takes in
# its text (tests/bench/hot-text.sh); the pages touched name the
# functions. Commit the new scripts/lkvm-hot.ld.
hot-text: lkvm guest $(TEST_TOOLS)
	@mkdir -p $(BUILD)/hot
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map,$(BUILD)/hot/lkvm.map -o $(BUILD)/hot/lkvm-plain \
		$(LKVM_LINK)
	$(Q)scripts/hot_text.sh layout $(BUILD)/hot/lkvm.map >$(BUILD)/hot/prof.ld
	$(Q)$(CC) $(LDFLAGS) -Wl,-T,$(BUILD)/hot/prof.ld -Wl,-Map,$(BUILD)/hot/prof.map \
		-o $(BUILD)/tools/lkvm-prof $(LKVM_LINK)
	$(Q)LKVM_L1_SMP=1 LKVM_L1_ICOUNT=0 tests/system/run.sh --bench hot-text; \
		rc=$$?; rm -f $(BUILD)/tools/lkvm-prof; [ $$rc = 0 ]
	$(Q)scripts/hot_text.sh hot $(BUILD)/hot/prof.map $(BUILD)/system/bench.log >$(BUILD)/hot/lkvm-hot.ld
	$(Q)mv $(BUILD)/hot/lkvm-hot.ld $(LKVM_LAYOUT)
	@echo "hot-text: $$(grep -c '^[[:space:]]*\*[[:alnum:]]' $(LKVM_LAYOUT)) sections in $(LKVM_LAYOUT)"

$(BUILD)/tools/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

# Native build: the arch-neutral code (core/, hw/, virtio/, net/, sandbox/
# and the arm files that need no KVM) for the build host, with ASan and UBSan, so unit
# tests and libFuzzer targets run at full speed there. KVM hooks are
# stand-ins that abort (tests/native/arch_shim.c).
NATIVE_CC ?= clang
NATIVE := $(BUILD)/native
ifeq ($(HOST_ARCH),aarch64)
NATIVE_FDT_CFLAGS :=
NATIVE_FDT_LIBS := -lfdt
else
NATIVE_FDT_CFLAGS := -I$(CACHE)/host-libfdt/usr/include
NATIVE_FDT_LIBS := $(CACHE)/host-libfdt/usr/lib/$(HOST_ARCH)-linux-gnu/libfdt.a
endif
NATIVE_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
NATIVE_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
		 $(WARNINGS) -Iinclude $(NATIVE_FDT_CFLAGS) $(NATIVE_SAN) -MMD -MP \
		 -DLKVM_VERSION='"$(LKVM_VERSION)"'
NATIVE_ARM_SRCS := arm/image.c arm/memmap.c arm/fdt.c arm/spi.c arm/options.c \
		   arm/vm_info.c arm/snapshot_config.c arm/nested_reason.c
NATIVE_SRCS := $(sort $(wildcard core/*.c hw/*.c virtio/*.c net/*.c sandbox/*.c)) \
	       $(NATIVE_ARM_SRCS) tests/native/arch_shim.c
NATIVE_OBJS := $(NATIVE_SRCS:%.c=$(NATIVE)/obj/%.o) $(NATIVE)/obj/sandbox/init_blob.o
NATIVE_LIB := $(NATIVE)/liblkvm.a
# Unit tests of arm64-only code (KVM register layouts) run under qemu only.
# test_reg_id tests arm/reg_id.c, which decodes arm64's <asm/kvm.h> IDs.
NATIVE_UNIT_EXCLUDE ?= test_reg_id test_seccomp_bpf
NATIVE_UNIT_BINS := $(filter-out $(NATIVE_UNIT_EXCLUDE:%=$(NATIVE)/tests/unit/%), \
		    $(UNIT_SRCS:tests/unit/%.c=$(NATIVE)/tests/unit/%))

$(NATIVE)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(quiet) CC-NAT $<
	$(Q)$(NATIVE_CC) $(NATIVE_CFLAGS) -fsanitize=fuzzer-no-link -Itests/unit -c -o $@ $<

$(NATIVE)/obj/sandbox/init_blob.o: sandbox/init_blob.S $(GUEST_INIT)
	@mkdir -p $(dir $@)
	$(quiet) AS-NAT $<
	$(Q)$(NATIVE_CC) -DGUEST_INIT_PATH='"$(GUEST_INIT)"' -c -o $@ $<

$(NATIVE_LIB): $(NATIVE_OBJS)
	@rm -f $@
	$(quiet) AR $@
	$(Q)ar rcs $@ $^

$(NATIVE)/tests/unit/%: $(NATIVE)/obj/tests/unit/%.o $(NATIVE)/obj/tests/unit/harness.o $(NATIVE_LIB)
	@mkdir -p $(dir $@)
	$(quiet) LINK $@
	$(Q)$(NATIVE_CC) $(NATIVE_SAN) -o $@ $^ $(NATIVE_FDT_LIBS) -lseccomp -lpthread -lm

# libFuzzer targets (tests/fuzz/fuzz_*.c), native, with ASan and UBSan.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(NATIVE)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 8

$(NATIVE)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h tests/fuzz/fuzz_ram.h tests/fuzz/fuzz_race.h \
		  $(NATIVE_LIB)
	@mkdir -p $(dir $@)
	$(quiet) FUZZ $<
	$(Q)$(NATIVE_CC) $(NATIVE_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< \
		$(NATIVE_LIB) $(NATIVE_FDT_LIBS) -lseccomp -lpthread -lm

fuzz: .deps-ok
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@rm -f build/unit.counts
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

deps:
	scripts/deps.sh "$(CACHE)"

# check and demo install what is missing first.
.deps-ok:
	@scripts/deps.sh --check "$(CACHE)" || scripts/deps.sh "$(CACHE)"

unit: .deps-ok
	@$(MAKE) --no-print-directory $(UNIT_BINS) $(NATIVE_UNIT_BINS)
	@rm -f build/unit.counts
	@tests/unit/run.sh "$(RUN_AARCH64)" $(UNIT_BINS)
	@tests/unit/run.sh "" $(NATIVE_UNIT_BINS)

# Nested hosts booted at once by system, check and stress: a host's 6.1
# and 6.12 runs share the two cores, each mostly busy on one of them.
SYSTEM_JOBS ?= 2

system: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS) $(UNIT_BINS)
	@tests/system/run.sh --cache "$(CACHE)" --all --jobs $(SYSTEM_JOBS)

check: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(UNIT_BINS) $(NATIVE_UNIT_BINS) $(TEST_TOOLS) $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_CHECK_SECONDS) LKVM_SYSTEM_JOBS=$(SYSTEM_JOBS) \
		tests/check.sh "$(RUN_AARCH64)" "$(CACHE)" \
		$(UNIT_BINS) $(NATIVE_UNIT_BINS) $(FUZZ_BINS)

# The suites kept out of make check (tests/system/run.sh LONG_SUITES
# but stress): Linux guests at EL2 on the nested-virt host, a killed
# migration and repeated moves (scenarios/migrate-killed.sh), QEMU 10's
# server CPU models (two more host boots; make check stays under 40 min),
# and the sandbox suites on the 6.1 nested host (scenarios/sandbox-slow.sh).
check-slow: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --suite nested-linux --suite migrate-killed --suite cpu-models --suite sandbox-slow

demo: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --demo

bench: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --bench

# STRESS_BOOTS and STRESS_IO size it (Documentation/testing.md).
stress: .deps-ok
	@$(MAKE) --no-print-directory lkvm guest $(TEST_TOOLS)
	@tests/system/run.sh --cache "$(CACHE)" --stress --jobs $(SYSTEM_JOBS)

format:
	clang-format -i $(LIB_SRCS) $(BUILTIN_SRCS) $(wildcard include/lkvm/*.h include/lkvm/*/*.h)

clean:
	rm -rf $(BUILD) lkvm

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
