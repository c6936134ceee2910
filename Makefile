# SPDX-License-Identifier: GPL-2.0-only
# pbus: out-of-tree modules, tools, overlays and the QEMU test flow.
#
#   make                 modules for ARCH (arm) against KDIR (.cache/arm/kdir, prepared on demand)
#   make W=1             extra warnings;  make O=/dir  build in /dir (sources copied there)
#   make KDIR=/path ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#   make tools dtbs guest deploy check demo lint arm64 clean
#   make bench-model     the cost model of real Pis, on the host (bench/README.md)
#   make samples         the kernel's rpmsg_client_sample.c, unmodified, as a module (rpmsg tests)
#   make compat          W=1 build of every module against linux 6.12 (arm, arm64)
#   make check           THE test command: deps, kernel, strict build, QEMU, deploy, tests
#   make check-raspi2b   the same on QEMU's Raspberry Pi 2 (pbus-host overlay, no remote)
#   make check-no-reset  the remoteproc tests on a bus without a reset line
#   make check-rt        bus + rpmsg target tests on Debian's PREEMPT_RT kernel (rt-armmp)
#   make check-debug     the whole target suite on a KASAN/lockdep/kmemleak kernel built from source
#
# A consumer module built separately resolves the core's exported symbols with
#   make -C $(KDIR) M=/path/to/consumer ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- \
#        KBUILD_EXTRA_SYMBOLS=/path/to/pbus/Module.symvers modules
# (Module.symvers is written into the build dir: this tree, or O=).

ARCH		?= arm
ifeq ($(ARCH),arm)
CROSS_COMPILE	?= arm-linux-gnueabihf-
else ifeq ($(ARCH),arm64)
CROSS_COMPILE	?= aarch64-linux-gnu-
else
$(error ARCH=$(ARCH) is not supported (arm or arm64))
endif
DEFAULT_KDIR	:= $(CURDIR)/.cache/$(ARCH)/kdir
KDIR		?= $(DEFAULT_KDIR)
OBJ		:= $(if $(O),$(abspath $(O)),$(CURDIR))
SRC		:= $(CURDIR)/.cache/src/linux-source-6.1
CC_TARGET	:= $(CROSS_COMPILE)gcc
CHECK_RUN	:= $(CURDIR)/.cache/arm/run-check
# check/demo build out of tree so they never race with an in-tree build.
CHECK_O		:= $(if $(O),$(OBJ),$(CURDIR)/build/check)
LOGDIR		:= $(if $(O),$(OBJ),$(CURDIR)/build)

SHELL		:= /bin/bash
.SHELLFLAGS	:= -eo pipefail -c

# kbuild must not see our O= (it would take it as its own output dir).
KBUILD		= $(MAKE) -C $(KDIR) M=$(OBJ) ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE) O=

TOOLS_SRC	:= $(wildcard tools/*.c tests/target/*.c)
TOOLS		:= $(addprefix $(OBJ)/tools/,$(basename $(notdir $(TOOLS_SRC))))
OVL		:= $(patsubst dts/overlays/%-overlay.dts,$(OBJ)/dts/overlays/%.dtbo,\
		     $(wildcard dts/overlays/*-overlay.dts))
QEMU_DTBO	:= $(patsubst dts/qemu/%.dtso,$(OBJ)/dts/qemu/%.dtbo,$(wildcard dts/qemu/*.dtso))
DTC_CPP		:= cpp -nostdinc -undef -x assembler-with-cpp -D__DTS__ \
		   -I$(CURDIR)/include -I$(SRC)/scripts/dtc/include-prefixes

.PHONY: all modules kdir sync tools dtbs firmware guest deploy check demo lint arm64 clean modules-strict \
	compat \
	samples check-raspi2b check-no-reset check-rt check-debug

all: modules

kdir:
ifeq ($(KDIR),$(DEFAULT_KDIR))
	@[ -e $(KDIR)/Makefile ] || scripts/prepare-kernel.sh --arch $(ARCH)
else
	@[ -e $(KDIR)/Makefile ] || { echo "KDIR=$(KDIR) does not exist or has no Makefile" >&2; exit 1; }
endif
	@grep -q '^CONFIG_$(if $(filter arm64,$(ARCH)),ARM64,ARM)=y' $(KDIR)/.config || \
		{ echo "KDIR=$(KDIR) is not configured for ARCH=$(ARCH)" >&2; exit 1; }

# Out-of-tree build: copy the sources into $(O) (kernels < 6.13 have no MO=).
sync:
ifneq ($(O),)
	@mkdir -p $(OBJ)
	@rsync -a --exclude=/.git --exclude=/.cache --exclude=/build \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
		--exclude='modules.order' --exclude='Module.symvers' --exclude='*.dtbo' \
		$(foreach t,$(notdir $(TOOLS)),--exclude=/tools/$(t)) \
		$(if $(filter $(CURDIR)/%,$(OBJ)),--exclude=/$(patsubst $(CURDIR)/%,%,$(OBJ))) \
		$(CURDIR)/ $(OBJ)/
endif

modules: kdir sync
	+$(KBUILD) modules

# W=1 build that fails on any compiler or modpost warning.
modules-strict: kdir sync
	@mkdir -p $(LOGDIR)
	+$(KBUILD) W=1 modules 2>&1 | tee $(LOGDIR)/modules-$(ARCH).log
	@! grep -E 'warning:|WARNING:' $(LOGDIR)/modules-$(ARCH).log || \
		{ echo "build warnings: see $(LOGDIR)/modules-$(ARCH).log" >&2; exit 1; }

arm64:
	+$(MAKE) modules ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		KDIR=$(CURDIR)/.cache/arm64/kdir O=$(CURDIR)/build/arm64
	@echo "arm64 modules in build/arm64"

# Every module against the newest kernel of the compat range (Debian's linux-source-6.12,
# configured by scripts/prepare-compat-kernel.sh), arm and arm64, W=1: any compiler or
# modpost warning fails, except modpost's "undefined" ones for imported symbols (there is
# no Module.symvers without a full kernel build); scripts/compat-symbols.sh checks those
# against the exports of the 6.12 source instead.
COMPAT_VER	?= 6.12
COMPAT_SRC	:= $(CURDIR)/.cache/src/linux-source-$(COMPAT_VER)
COMPAT_OK	:= -e '^WARNING: modpost: "[A-Za-z0-9_.]+" \[[^]]+\] undefined!$$' \
		   -e '^WARNING: modpost: suppressed [0-9]+ unresolved symbol warnings because there were too many\)$$' \
		   -e '^WARNING: Module\.symvers is missing\.$$'
compat:
	scripts/prepare-compat-kernel.sh --version $(COMPAT_VER)
	@for a in arm arm64; do \
		o=$(CURDIR)/build/compat-$(COMPAT_VER)-$$a; \
		c=$$([ $$a = arm ] && echo arm-linux-gnueabihf- || echo aarch64-linux-gnu-); \
		$(MAKE) --no-print-directory sync O=$$o; \
		$(MAKE) -C $(CURDIR)/.cache/compat-$(COMPAT_VER)-$$a M=$$o ARCH=$$a CROSS_COMPILE=$$c O= \
			W=1 KBUILD_MODPOST_WARN=1 modules 2>&1 | tee $$o/compat.log; \
		! grep -E 'warning:|error:|WARNING:|ERROR:' $$o/compat.log | grep -vE $(COMPAT_OK) || \
			{ echo "compat: $(COMPAT_VER) $$a build warnings: see $$o/compat.log" >&2; exit 1; }; \
		scripts/compat-symbols.sh $(COMPAT_SRC) $$o $${c}nm; \
	done
	@echo "compat: all modules build against linux $(COMPAT_VER) (arm, arm64) with W=1"

# The kernel's samples/rpmsg/rpmsg_client_sample.c (from the kernel source of KDIR's
# version), copied unmodified into a build dir with a one-line Kbuild; deploy ships its .ko.
SAMPLES_DIR	:= $(LOGDIR)/samples
samples: kdir
	@mkdir -p $(SAMPLES_DIR)
	cp $(SRC)/samples/rpmsg/rpmsg_client_sample.c $(SAMPLES_DIR)/
	echo 'obj-m += rpmsg_client_sample.o' > $(SAMPLES_DIR)/Kbuild
	+$(MAKE) -C $(KDIR) M=$(SAMPLES_DIR) ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE) O= modules

# User tools and target test helpers: static, cross-built.
tools: $(TOOLS)
$(OBJ)/tools/%: tools/%.c $(wildcard include/uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC_TARGET) -static -O2 -Wall -Wextra -Werror -I include/uapi -I include -o $@ $<
$(OBJ)/tools/%: tests/target/%.c $(wildcard include/uapi/linux/*.h)
	@mkdir -p $(@D)
	$(CC_TARGET) -static -O2 -Wall -Wextra -Werror -I include/uapi -I include -o $@ $<

dtbs: $(OVL) $(QEMU_DTBO)
$(OBJ)/dts/overlays/%.dtbo: dts/overlays/%-overlay.dts
	@mkdir -p $(@D)
	$(DTC_CPP) $< | dtc -q -@ -I dts -O dtb -o $@ -
$(OBJ)/dts/qemu/%.dtbo: dts/qemu/%.dtso
	@mkdir -p $(@D)
	$(DTC_CPP) $< | dtc -q -@ -I dts -O dtb -o $@ -

# Remote processor firmware images (good and bad, for the tests).
firmware: sync
	+$(MAKE) -C $(OBJ)/firmware

guest:
	scripts/prepare-kernel.sh --arch arm
	scripts/build-guest.sh

deploy:
	BUILD=$(OBJ) scripts/deploy.sh

# The test command: everything from a clean clone, QEMU stopped even on failure.
check:
	scripts/install-deps.sh
	scripts/prepare-kernel.sh --arch arm
	+$(MAKE) modules-strict tools dtbs firmware samples ARCH=arm O=$(CHECK_O)
	scripts/check-extra-symbols.sh $(CHECK_O)/Module.symvers
	scripts/prepare-kernel.sh --arch arm64
	+$(MAKE) modules-strict ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		KDIR=$(CURDIR)/.cache/arm64/kdir O=$(CURDIR)/build/check-arm64
	+$(MAKE) compat
	+$(MAKE) lint
	+$(MAKE) --no-print-directory check-raspi2b
	scripts/build-guest.sh
	export PBUS_RUN=$(CHECK_RUN); trap 'scripts/qemu.sh stop >/dev/null' EXIT; \
	scripts/qemu.sh stop >/dev/null; scripts/qemu.sh start; \
	BUILD=$(CHECK_O) scripts/deploy.sh; scripts/run-tests.sh
	+$(MAKE) --no-print-directory check-no-reset

# The kernel lanes' share planned for make check, not in it yet (no clean-clone run of
# make check with them has got past the main suite): make check-rt, and
# make check-debug DEBUG_TESTS="$(CHECK_DEBUG_TESTS)" DEBUG_SCALE=$(CHECK_DEBUG_SCALE).
# They are to run last, so that a failure in them comes after the main suite's verdict.
# The debug-kernel lane's share (make check-debug alone runs every test):
# tests aimed at what KASAN, lockdep and kmemleak see (cable unbind, slave contexts,
# unprivileged access, rproc stop/crash/halt) at CHECK_DEBUG_SCALE percent of their counts.
# KASAN and lockdep under TCG are about 20 times slower than the armmp guest; the rest of
# the suite would not fit the CI budget. 62-rpmsg-xport (the transport's stop/crash/rmmod
# cycles) and 90-reload join when their time on this kernel is measured (62 at 10% did not
# finish in 15 minutes with the 5 ms bus timeout).
CHECK_DEBUG_TESTS	:= 12 14 35 50 52
CHECK_DEBUG_SCALE	:= 10

# The same build on the emulated Raspberry Pi 2 (-M raspi2b, pbus-host overlay on Debian's
# bcm2836-rpi-2-b.dtb, real pinctrl-bcm2835 lines, no remote): boot (~30-40 s), deploy, the
# target tests that apply to a board without the simulated cable (the cable/remote tests
# need dts/qemu/ and the virt guest), stop. make check runs it; only these tests, because
# the emulated board is several times slower than virt (a rmmod takes seconds).
RPI_TESTS	:= 00-env 05-doctor 70-raspi2b
# The emulated dwc2 USB host (the board's only network) warns in its queue code now and
# then: QEMU's, not a report about the suite (tests/target/lib.sh ignores it too).
RPI_NOT_OURS	:= drivers/usb/dwc2/hcd_queue\.c
RPI_RUN		:= $(CURDIR)/.cache/arm/run-raspi2b
check-raspi2b:
	scripts/install-deps.sh
	scripts/prepare-kernel.sh --arch arm
	+$(MAKE) modules-strict tools dtbs firmware ARCH=arm O=$(CHECK_O)
	scripts/build-guest.sh
	export PBUS_RUN=$(RPI_RUN); trap 'scripts/qemu.sh stop >/dev/null' EXIT; \
	scripts/qemu.sh stop >/dev/null; scripts/qemu.sh start --machine raspi2b; \
	BUILD=$(CHECK_O) scripts/deploy.sh; rc=0; \
	for t in $(RPI_TESTS); do scripts/qemu.sh ssh /usr/local/share/pbus/tests/run-target.sh $$t || rc=1; done; \
	! scripts/qemu.sh ssh dmesg | grep -vE '$(RPI_NOT_OURS)' | \
		grep -E 'Oops|WARNING:|BUG:|possible circular locking|Unable to handle' || rc=1; \
	[ $$rc = 0 ] && echo "check-raspi2b: $(RPI_TESTS) passed, kernel log clean" || \
		{ echo "check-raspi2b: FAILED (console: $(RPI_RUN)/console.log)" >&2; exit 1; }

# The remoteproc tests on a bus without a reset line (reset-gpios is optional): the same
# guest with the master's reset-gpios deleted from its DT; a crashed or hung remote must be
# halted by STOP (52-rproc-halt). About 1.5 minutes. (Not with threadirqs: Debian 6.1's
# setup_forced_irqthreads() enables a static key before jump labels are ready on ARM and
# warns at boot; forced threading is the RT lane's, make check-rt.)
NORESET_TESTS	:= 50-rproc 52-rproc-halt
NORESET_RUN	:= $(CURDIR)/.cache/arm/run-noreset
check-no-reset:
	export PBUS_RUN=$(NORESET_RUN); trap 'scripts/qemu.sh stop >/dev/null' EXIT; \
	scripts/qemu.sh stop >/dev/null; QEMU_DT_DELETE=pbus_master0:reset-gpios scripts/qemu.sh start; \
	BUILD=$(CHECK_O) scripts/deploy.sh; rc=0; \
	scripts/qemu.sh ssh 'grep -q "^reset_line 0" /sys/kernel/debug/pbus/pbus0/info || \
		{ modprobe pbus_cable && modprobe pbus && grep -q "^reset_line 0" /sys/kernel/debug/pbus/pbus0/info; }' || \
		{ echo "check-no-reset: the master still has a reset line" >&2; rc=1; }; \
	for t in $(NORESET_TESTS); do scripts/qemu.sh ssh /usr/local/share/pbus/tests/run-target.sh $$t || rc=1; done; \
	! scripts/qemu.sh ssh dmesg | grep -E 'Oops|WARNING:|BUG:|possible circular locking|Unable to handle' || rc=1; \
	[ $$rc = 0 ] && echo "check-no-reset: $(NORESET_TESTS) passed without a reset line, kernel log clean" || \
		{ echo "check-no-reset: FAILED (console: $(NORESET_RUN)/console.log)" >&2; exit 1; }
# PREEMPT_RT lane: Debian's rt-armmp kernel (forced-threaded IRQs, sleeping spinlock_t), its
# headers in .cache/arm-rt (same version as the armmp kbuild/source), a W=1 build against
# them in build/check-rt, its own guest (.cache/arm-rt/guest), the bus and rpmsg target
# tests; fails on a failed test or any BUG/WARNING/Oops/lockdep/atomic-context kernel line.
# RT_SCALE: under forced threading a bus fault costs about 16 ms of TCG time (armmp: 10),
# so 60-rpmsg's fault phase at full scale alone takes over 10 minutes; 20% keeps every case.
RT_TESTS	?= 10 20 22 24 25 30 40 45 50 60
RT_SCALE	?= 20
RT_O		:= $(CURDIR)/build/check-rt
check-rt:
	scripts/install-deps.sh
	scripts/prepare-kernel.sh --arch arm
	scripts/prepare-kernel.sh --arch arm --flavour rt
	+$(MAKE) modules-strict tools dtbs firmware samples ARCH=arm \
		KDIR=$(CURDIR)/.cache/arm-rt/kdir O=$(RT_O)
	scripts/build-guest.sh --kernel rt
	scripts/check-lane.sh --kernel rt --build $(RT_O) --tests "$(RT_TESTS)" --scale $(RT_SCALE) \
		--test-timeout 600

# Debug-kernel lane: scripts/build-debug-kernel.sh builds (once, cached in .cache/arm-debug by
# source version + configs/debug-virt.config hash) a -M virt kernel with KASAN, PROVE_LOCKING,
# PROVE_RAW_LOCK_NESTING, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS and KMEMLEAK from the armmp
# kernel's source; the suite is built W=1 against that tree, its guest runs every target
# test, then kmemleak scans; any failed test, kernel report or leak fails. KASAN and lockdep
# under TCG are slow: the tests run DEBUG_SCALE percent of their iteration counts
# (PBUS_TEST_SCALE, tests/target/lib.sh).
# The debug kernel answers slower than the 5 ms bus timeout of the QEMU DT now and then
# (the link was lost a dozen times in one 60-rpmsg run, recoveries failed with -ENOTCONN):
# its guest gets 50 ms (QEMU_DT_SET), as a slow remote would be given on a board.
DEBUG_O		:= $(CURDIR)/build/check-debug
DEBUG_SCALE	?= 20
DEBUG_TESTS	?=
DEBUG_DT	:= pbus_master0:pbus,timeout-us=50000
check-debug:
	scripts/install-deps.sh
	scripts/prepare-kernel.sh --arch arm
	scripts/build-debug-kernel.sh
	+$(MAKE) modules-strict tools dtbs firmware samples ARCH=arm \
		KDIR=$(CURDIR)/.cache/arm-debug/kdir O=$(DEBUG_O)
	scripts/build-guest.sh --kernel debug
	QEMU_DT_SET="$(DEBUG_DT)" scripts/check-lane.sh --kernel debug --build $(DEBUG_O) --kmemleak \
		--scale $(DEBUG_SCALE) --tests "$(DEBUG_TESTS)" --test-timeout 1200

demo:
	scripts/install-deps.sh
	+$(MAKE) modules tools dtbs firmware samples guest ARCH=arm O=$(CHECK_O)
	export PBUS_RUN=$(CHECK_RUN); trap 'scripts/qemu.sh stop' EXIT; \
	scripts/qemu.sh start; BUILD=$(CHECK_O) scripts/deploy.sh; \
	if [ -x scripts/demo.sh ]; then scripts/demo.sh; \
	else scripts/qemu.sh ssh /usr/local/share/pbus/tests/run-target.sh; fi; \
	echo "demo: modules built in $(CHECK_O), guest booted, deployed and exercised (console: $(CHECK_RUN)/console.log)"

# Cost model of real Pis (bench/README.md, issue 11): host only, a few seconds.
.PHONY: bench-model
bench-model:
	+$(MAKE) -C bench model

# Bus benchmark (bench/README.md): build into build/bench (or O=), boot or reuse the
# QEMU guest of .cache/arm/run-bench (PBUS_RUN=), deploy, run bench/bus-bench.sh.
.PHONY: bench
bench:
	+$(MAKE) modules tools ARCH=arm O=$(if $(O),$(OBJ),$(CURDIR)/build/bench)
	BUILD=$(if $(O),$(OBJ),$(CURDIR)/build/bench) bench/run.sh

# The long fault campaign through the kernel over the test cable (bench/kernel-campaign.sh,
# >= 100,000 frames, about 10 minutes in its own guest); make check runs the short one (26).
.PHONY: bench-campaign
bench-campaign:
	+$(MAKE) modules tools ARCH=arm O=$(if $(O),$(OBJ),$(CURDIR)/build/bench)
	BUILD=$(if $(O),$(OBJ),$(CURDIR)/build/bench) bench/kernel-campaign.sh

# checkpatch --strict on every C file (generated *.mod.c skipped), then sparse (C=2) on an
# out-of-tree copy in build/lint. Kernel code gets the full --strict. User-space C (host
# tests, fuzzer, host benchmarks and the cost model, tools, target helpers, firmware)
# ignores PREFER_KERNEL_TYPES (stdint types are right in user space and on the MCU),
# CAMELCASE (libFuzzer's entry point
# LLVMFuzzerTestOneInput has a fixed name) and PREFER_DEFINED_ATTRIBUTE_MACRO (__packed and
# friends come from kernel headers). include/pbus_compat.h alone may compare
# LINUX_VERSION_CODE (LINUX_VERSION_CODE, CONSTANT_COMPARISON: that is what a compat header
# is for) and define a function that returns (MACRO_WITH_FLOW_CONTROL: a false positive for
# PBUS_PLATFORM_REMOVE, the return is the defined function's own).
LINT_O		:= $(CURDIR)/build/lint
CHECKPATCH	= $(SRC)/scripts/checkpatch.pl --strict --no-tree --quiet --show-types
lint: kdir
	@[ -x $(SRC)/scripts/checkpatch.pl ] || scripts/prepare-kernel.sh --arch arm
	@rc=0; for f in $$(find drivers include tests tools firmware bench -name '*.[ch]' ! -name '*.mod.c' | sort); do \
		case $$f in \
		tests/unit/*|tests/fuzz/*|tools/*|tests/target/*|firmware/*|bench/*) \
			ign=--ignore=PREFER_KERNEL_TYPES,CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO ;; \
		include/pbus_compat.h) \
			ign=--ignore=LINUX_VERSION_CODE,CONSTANT_COMPARISON,MACRO_WITH_FLOW_CONTROL ;; \
		*) ign= ;; \
		esac; \
		$(CHECKPATCH) $$ign -f $$f || rc=1; \
	done; \
	$(MAKE) --no-print-directory sync O=$(LINT_O); \
	$(MAKE) -C $(KDIR) M=$(LINT_O) ARCH=$(ARCH) CROSS_COMPILE=$(CROSS_COMPILE) O= \
		C=2 CHECK=sparse modules 2>&1 | tee $(LINT_O)/sparse.log || rc=1; \
	! grep -E 'warning:|error:' $(LINT_O)/sparse.log || rc=1; \
	[ $$rc = 0 ] && echo "lint: checkpatch and sparse clean" || echo "lint: findings above" >&2; \
	exit $$rc

clean:
	find $(OBJ) -path $(CURDIR)/.cache -prune -o -path $(CURDIR)/.git -prune -o \
		\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name '*.dtbo' -o -name 'modules.order' -o -name 'Module.symvers' -o -name '*.a' \) \
		-type f -print0 | xargs -0 rm -f
	rm -rf $(CURDIR)/build $(TOOLS)
	for d in tests/unit tests/fuzz bench firmware; do [ ! -f $$d/Makefile ] || $(MAKE) -C $$d clean; done
