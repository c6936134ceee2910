# SPDX-License-Identifier: GPL-2.0-only
# pbus: out-of-tree modules, tools, overlays and the QEMU test flow.
#
#   make                 modules for ARCH (arm) against KDIR (.cache/arm/kdir, prepared on demand)
#   make W=1             extra warnings;  make O=/dir  build in /dir (sources copied there)
#   make KDIR=/path ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#   make tools dtbs guest deploy check demo lint arm64 clean
#   make check           THE test command: deps, kernel, strict build, QEMU, deploy, tests
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

.PHONY: all modules kdir sync tools dtbs firmware guest deploy check demo lint arm64 clean modules-strict

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
	+$(MAKE) modules-strict tools dtbs firmware ARCH=arm O=$(CHECK_O)
	scripts/build-guest.sh
	export PBUS_RUN=$(CHECK_RUN); trap 'scripts/qemu.sh stop >/dev/null' EXIT; \
	scripts/qemu.sh stop >/dev/null; scripts/qemu.sh start; \
	BUILD=$(CHECK_O) scripts/deploy.sh; scripts/run-tests.sh

demo:
	scripts/install-deps.sh
	+$(MAKE) modules tools dtbs firmware guest ARCH=arm O=$(CHECK_O)
	export PBUS_RUN=$(CHECK_RUN); trap 'scripts/qemu.sh stop' EXIT; \
	scripts/qemu.sh start; BUILD=$(CHECK_O) scripts/deploy.sh; \
	if [ -x scripts/demo.sh ]; then scripts/demo.sh; \
	else scripts/qemu.sh ssh /usr/local/share/pbus/tests/run-target.sh; fi; \
	echo "demo: modules built in $(CHECK_O), guest booted, deployed and exercised (console: $(CHECK_RUN)/console.log)"

lint: kdir
	@mkdir -p $(CURDIR)/build
	@[ -x $(SRC)/scripts/checkpatch.pl ] || scripts/prepare-kernel.sh --arch arm
	rc=0; for f in $$(find drivers include tests tools -name '*.[ch]' | sort); do \
		$(SRC)/scripts/checkpatch.pl --strict --no-tree --quiet --show-types -f $$f || rc=1; \
	done; \
	+$(MAKE) sync; $(KBUILD) C=2 CHECK=sparse modules 2>&1 | tee $(CURDIR)/build/sparse.log || rc=1; \
	! grep -E 'warning:|error:' $(CURDIR)/build/sparse.log || rc=1; exit $$rc

clean:
	find $(OBJ) -path $(CURDIR)/.cache -prune -o -path $(CURDIR)/.git -prune -o \
		\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd' \
		-o -name '*.dtbo' -o -name 'modules.order' -o -name 'Module.symvers' -o -name '*.a' \) \
		-type f -print0 | xargs -0 rm -f
	rm -rf $(CURDIR)/build $(TOOLS)
	for d in tests/unit tests/fuzz firmware; do [ ! -f $$d/Makefile ] || $(MAKE) -C $$d clean; done
