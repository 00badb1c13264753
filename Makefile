# nfipsec — top-level targets. See README.md.
#
#   make              nfipsec.ko (against the Debian kernel the tests boot) + keyd
#   make demo         set up, boot a VM, show nfipsec at work
#   make bench        nfipsec against XFRM and plaintext in a VM (Documentation/performance.md)
#   make check        set up, build, and run every test; ends "N passed, M failed"
#   make check-debug  KUnit and the robustness runs on the debug kernel
#   make check-debug-netns  the netns tests about the module on the debug kernel
#   make style        checkpatch --strict on the kernel module
#   make fuzz         longer fuzz runs
#   make setup        install what building and testing need (Debian 12, root)
all: kmod keyd

kmod:
	$(MAKE) -C kmod WERROR=1

keyd:
	$(MAKE) -C keyd

setup:
	scripts/setup

check:
	scripts/check

check-debug:
	scripts/check --debug

check-debug-netns:
	scripts/check --debug-netns

demo:
	scripts/demo

bench:
	scripts/bench

style:
	$(MAKE) -C kmod style

fuzz:
	$(MAKE) -C keyd fuzz

clean:
	$(MAKE) -C kmod clean
	$(MAKE) -C keyd clean
	rm -rf build

.PHONY: all kmod keyd setup check check-debug check-debug-netns demo bench style fuzz clean
