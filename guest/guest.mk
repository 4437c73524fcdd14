# Bare-metal guest payloads: tiny aarch64 programs that talk to lkvm's
# devices directly and end with PSCI SYSTEM_OFF. Each is built twice: as a
# flat binary (.flat, like kvm-unit-tests) and with an arm64 Image header
# (.img), so both loader paths are exercised.

GUEST_CFLAGS := -O2 -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only \
		-mstrict-align -fno-stack-protector -fno-pic -fno-pie \
		-Wall -Wextra -Werror -Iguest/baremetal
GUEST_BM := $(BUILD)/guest
GUEST_PROGS := $(patsubst guest/baremetal/prog_%.c,%,$(wildcard guest/baremetal/prog_*.c))
GUEST_LIB_OBJS := $(GUEST_BM)/lib.o $(GUEST_BM)/vdrv.o
GUEST_OUT := $(foreach p,$(GUEST_PROGS),$(GUEST_BM)/$(p).flat $(GUEST_BM)/$(p).img)

guest: $(GUEST_OUT)

$(GUEST_BM)/%.o: guest/baremetal/%.c guest/baremetal/baremetal.h guest/baremetal/vdrv.h guest/baremetal/el1_timer.h
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BM)/start-flat.o: guest/baremetal/start.S
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BM)/start-img.o: guest/baremetal/start.S
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) $(GUEST_CFLAGS) -DIMAGE_HEADER -c -o $@ $<

$(GUEST_BM)/%.flat.elf: $(GUEST_BM)/start-flat.o $(GUEST_BM)/prog_%.o $(GUEST_LIB_OBJS) guest/baremetal/payload.lds
	$(quiet) LD $@
	$(Q)$(LD) --no-warn-rwx-segments -T guest/baremetal/payload.lds -o $@ $(filter %.o,$^)

$(GUEST_BM)/%.img.elf: $(GUEST_BM)/start-img.o $(GUEST_BM)/prog_%.o $(GUEST_LIB_OBJS) guest/baremetal/payload.lds
	$(quiet) LD $@
	$(Q)$(LD) --no-warn-rwx-segments -T guest/baremetal/payload.lds -o $@ $(filter %.o,$^)

$(GUEST_BM)/%.flat: $(GUEST_BM)/%.flat.elf
	$(Q)$(OBJCOPY) -O binary $< $@

$(GUEST_BM)/%.img: $(GUEST_BM)/%.img.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# Keep the payloads' objects and ELF files make would otherwise delete as
# intermediate. (A bare .SECONDARY: would make every target secondary, and
# then a missing object would not cause its archive to be rebuilt.)
.PRECIOUS: $(GUEST_BM)/%.o $(GUEST_BM)/%.elf

# Programs that run inside Linux guests (static, copied into the test
# guests' /bin by tests/system/run.sh).
GUEST_LINUX_PROGS := $(patsubst guest/linux/%.c,$(BUILD)/guest/linux/%,$(wildcard guest/linux/*.c))
guest: $(GUEST_LINUX_PROGS)

$(BUILD)/guest/linux/%: guest/linux/%.c
	@mkdir -p $(dir $@)
	$(quiet) CC $<
	$(Q)$(CC) -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -static -s -o $@ $<

# The sandbox's /init (guest/init): static, stripped, embedded in lkvm by
# sandbox/init_blob.S ($(GUEST_INIT) is named in the Makefile).
GUEST_INIT_SRCS := $(wildcard guest/init/*.c)
guest: $(GUEST_INIT)

$(GUEST_INIT): $(GUEST_INIT_SRCS) guest/init/init.h
	@mkdir -p $(dir $@)
	$(quiet) CC $@
	$(Q)$(CC) -Os -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
		-Wmissing-prototypes -static -s -o $@ $(GUEST_INIT_SRCS)
