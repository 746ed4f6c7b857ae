# Two entry points for a fresh Debian 12 machine (run as root):
#   make demo   install what is missing, build, start a demo server and client
#   make check  install what is missing, build, run the whole test suite
# Everything else is plain meson; see HACKING.md.

BUILDDIR ?= _build
MESON_TEST_ARGS ?=

.PHONY: all deps build check demo demo-stop clean

all: build

deps:
	@sh build-aux/install-deps.sh

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) .

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

check: build
	sh build-aux/run-tests.sh $(BUILDDIR) $(MESON_TEST_ARGS)

demo: build
	sh build-aux/demo.sh $(BUILDDIR)

demo-stop:
	sh build-aux/demo-stop.sh

clean:
	rm -rf $(BUILDDIR)
