# SPDX-License-Identifier: GPL-2.0
#
# virtbus: build, test, demo and benchmark.
#
#   make                  build every module against the project's test kernel
#   make KDIR=DIR         build against any kernel build tree or headers,
#                         e.g. KDIR=/lib/modules/$(uname -r)/build
#   make modules_install  install the modules (depmod runs) for that kernel
#   make udev_install     install the udev rules (/dev/disk/by-id links)
#   make check            install what is missing, build, run every test
#   make check TESTS=PAT  only the tests whose name matches the shell glob
#                         PAT (e.g. 'guest/blk*@test'), and what they need
#   make demo             boot a guest and show virtbus at work
#   make bench            compare with the kernel's own drivers
#   make fuzz             fuzz the drivers from the device side: random
#                         seeds for SECONDS=N (default 300), or SEED=S
#                         [CHAOS=C] to replay one
#   make tools            build the userspace tools
#   make clean

VIRTBUS_CACHE ?= /var/cache/virtbus
export VIRTBUS_CACHE

ifeq ($(KDIR),)
KDIR := $(VIRTBUS_CACHE)/kbuild-6.1
kernel_dep := test-kernel
endif

.PHONY: all modules modules_install udev_install test-kernel setup check \
	demo bench fuzz tools clean

all: modules

setup:
	@scripts/setup.sh

test-kernel: setup
	@scripts/kernel/build.sh >/dev/null

modules: $(kernel_dep)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# kbuild skips depmod when the tree has no System.map (installed headers
# never do), so run it here: udev and modprobe need the new aliases.
# (Debian's headers carry the upstream version in kernel.release; the
# release modules install under is the one compiled in.)
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KVER)

udev_install:
	install -D -m 644 -t $(DESTDIR)/lib/udev/rules.d udev/*.rules

tools:
	$(MAKE) -C tools/ivshmem

check:
	@$(if $(TESTS),VIRTBUS_TESTS='$(TESTS)') scripts/check.sh

demo:
	@scripts/demo.sh

bench:
	@scripts/bench.sh

# SECONDS is bash's clock in the script, so it travels under another name.
fuzz:
	@SECONDS_TO_FUZZ='$(SECONDS)' SEED='$(SEED)' CHAOS='$(CHAOS)' scripts/fuzz.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	-$(MAKE) -C tools/ivshmem clean
	rm -rf build
