# Relay Studio: every developer and CI entry point. `make help` lists them.
#
# A fresh Debian 12 machine needs Go (see go.mod) and two commands:
# `make run` and `make test`. Both install the missing Debian packages first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# astiav (FFmpeg) and Fyne (OpenGL) are cgo. GOFLAGS stays the machine's.
export CGO_ENABLED := 1

# The version lives in one place: FyneApp.toml's [Details] Version. Builds
# from git add the commit, e.g. 0.1.0+4ee1508-dirty.
VERSION := $(shell awk -F'"' '/^\[/ { section = $$0 } section == "[Details]" && $$1 ~ /^[ \t]*Version[ \t]*=/ { print $$2; exit }' FyneApp.toml)
ifeq ($(VERSION),)
$(error FyneApp.toml has no [Details] Version)
endif
GIT_DESCRIBE := $(shell git describe --tags --always --dirty 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_DESCRIBE),+$(GIT_DESCRIBE))
LDFLAGS := -X main.version=$(FULL_VERSION)

# Debian packages. Build: C toolchain; what ffmpeg/build.sh needs to fetch,
# unpack and build FFmpeg and x264 from Debian's sources (dpkg-dev, make,
# nasm); the X11 and GL headers Fyne's GLFW needs (the individual -dev
# packages rather than the much larger xorg-dev), and a font. Test: the
# peers the tests run (ffmpeg/ffprobe, nginx with the RTMP module), a
# virtual display with xdotool to type into the window under Wine, and
# debootstrap for the Debian root the portable tarball is tried in,
# Chromium for the web monitor's browser test and promtool (in Debian's
# prometheus package) to check the /metrics output.
DEPS_BUILD := gcc make pkg-config dpkg-dev nasm \
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev \
	fonts-dejavu-core
DEPS_TEST := ffmpeg nginx libnginx-mod-rtmp xvfb xauth x11-utils xdotool debootstrap iproute2 util-linux \
	chromium prometheus
# SYSTEM_FFMPEG=1 links Debian's shared FFmpeg 5.1 instead (quicker to
# set up for a developer; never shipped): its headers.
DEPS_SYSTEM_FFMPEG := libavcodec-dev libavdevice-dev libavfilter-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev

# Every go command that links FFmpeg runs under ffmpeg/with.sh, which
# builds (or reuses from the cache) our own static FFmpeg and points
# pkg-config at it. make build/run/debug/lint take SYSTEM_FFMPEG=1; test,
# bench and package always use our own.
WITH_FFMPEG := ffmpeg/with.sh
ifeq ($(SYSTEM_FFMPEG),1)
BUILD_FFMPEG := $(WITH_FFMPEG) --system
DEPS_BUILD += $(DEPS_SYSTEM_FFMPEG)
else
BUILD_FFMPEG := $(WITH_FFMPEG)
endif
# Packaging checks: .desktop and AppStream validation, xz for the tarball,
# systemd-analyze for the service units.
DEPS_PACKAGE := desktop-file-utils appstream xz-utils binutils systemd
# The Windows build, packages and their tests: the mingw-w64 cross
# toolchain (posix threads, which x264 and FFmpeg want; its binutils bring
# windres for the icon and version resource), NSIS for the setup.exe, zip,
# and Wine to run what was built.
DEPS_WINDOWS := gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64 nsis zip wine64

# The window's Chinese font is cut from Debian's Noto Sans CJK with
# fontTools' subsetter (make fonts; the result is committed, so neither is
# needed to build or test).
DEPS_FONTS := fonts-noto-cjk fonttools

GO_TEST_ENV := LANG=C.UTF-8

.PHONY: help deps deps-package fonts ffmpeg build run debug demo test package bench lint clean

help: ## list the targets
	@echo "Relay Studio $(FULL_VERSION): make TARGET"
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  %-8s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## install the missing Debian packages for building and testing (apt-get, sudo if needed)
	@.ci/deps.sh $(DEPS_BUILD) $(DEPS_TEST)

deps-package: ## install the Debian packages for building and checking the installers (Linux and Windows)
	@.ci/deps.sh $(DEPS_PACKAGE) $(DEPS_WINDOWS)

fonts: ## cut the window's Chinese font (assets/fonts) down to the characters of the translations again, after changing them
	@.ci/deps.sh $(DEPS_FONTS)
	@assets/fonts/subset.sh

ffmpeg: deps ## build our own static FFmpeg and x264 (or reuse the cached build): see ffmpeg/build.sh
	@ffmpeg/build.sh linux >/dev/null

build: deps ## build bin/relaystudio (SYSTEM_FFMPEG=1: link Debian's shared FFmpeg instead, for quick iteration)
	$(BUILD_FFMPEG) go build -trimpath -ldflags '$(LDFLAGS)' -o bin/relaystudio .
ifneq ($(SYSTEM_FFMPEG),1)
	@if readelf -d bin/relaystudio | grep -E 'NEEDED.*(libav|libsw|libx264|libpostproc)'; then \
		echo "bin/relaystudio links FFmpeg shared libraries: the build did not use ffmpeg/with.sh's pkg-config"; exit 1; fi
endif

run: build ## build and open the studio window
	LANG=$${LANG:-C.UTF-8} bin/relaystudio

# Fyne checks that widgets are only touched on its goroutine unless the build
# says the code was migrated (-tags migrated_fynedo); this build keeps the
# checks and adds the race detector.
debug: deps ## build bin/relaystudio-debug with Fyne's thread checks and the race detector
	$(BUILD_FFMPEG) go build -race -trimpath -ldflags '$(LDFLAGS)' -o bin/relaystudio-debug .

demo: build ## relay the test pattern into a local nginx-rtmp, then describe what arrived (DEMO_SECONDS=N to stop by itself)
	@.ci/demo.sh

test: deps deps-package ## run every test with the race detector (real nginx, ffmpeg and RTSP peers on loopback), then build the installers and check them (Linux in a bare Debian root, Windows under Wine)
	RELAYSTUDIO_SCREENSHOTS=$(CURDIR)/dist/screenshots $(GO_TEST_ENV) $(WITH_FFMPEG) go test -race -count=1 -timeout 25m ./...
	@before=$$(git status --porcelain 2>/dev/null); \
	$(MAKE) --no-print-directory package && \
	after=$$(git status --porcelain 2>/dev/null) && \
	if [ "$$before" != "$$after" ]; then echo "make package changed the working tree:"; echo "$$after"; exit 1; fi
	@.ci/check-package.sh $(VERSION)
	@if (( EUID == 0 )); then \
		root=$$(.ci/debian-root.sh) && \
		RELAYSTUDIO_DEBIAN_ROOT=$$root RELAYSTUDIO_PORTABLE_TARBALL=$(CURDIR)/dist/relaystudio-$(VERSION)-linux-amd64.tar.xz \
			$(GO_TEST_ENV) $(WITH_FFMPEG) go test -race -count=1 -timeout 5m -run '^TestPortableTarballInDebianRoot$$' -v .; \
	else echo "portable check: not tried (debootstrap and chroot need root)"; fi
	RELAYSTUDIO_WINDOWS_ZIP=$(CURDIR)/dist/relaystudio-$(VERSION)-windows-amd64.zip \
	RELAYSTUDIO_WINDOWS_SETUP=$(CURDIR)/dist/relaystudio-$(VERSION)-windows-amd64-setup.exe \
		$(GO_TEST_ENV) $(WITH_FFMPEG) go test -race -count=1 -timeout 15m -run '^(TestWindowsZipUnderWine|TestWindowsSetupUnderWine|TestSettingsUnderWine)$$' .

# The package version is FyneApp.toml's: Debian versions must be plain.
package: deps deps-package ## build dist/: the .deb, the portable Linux tarball, the Windows zip and setup.exe
	@$(WITH_FFMPEG) .ci/package.sh $(VERSION) '-X main.version=$(VERSION)'
	@$(WITH_FFMPEG) --windows .ci/package-windows.sh $(VERSION) '-X main.version=$(VERSION)'

# BENCH picks benchmarks by name (a go test -bench pattern), e.g.
# make bench BENCH=VsFFmpegTranscode; the whole run takes about an hour.
BENCH ?= .
bench: deps ## run the benchmarks (our relay against the ffmpeg CLI; BENCH=pattern for some)
	$(GO_TEST_ENV) $(WITH_FFMPEG) go test -run '^$$' -bench '$(BENCH)' -timeout 120m ./...

# The test peers and helpers (internal/testpeer/..., internal/testx) are for
# tests only: no package's build, for Linux or for Windows, may depend on
# them, directly or through another package; test imports are fine.
lint: ## gofmt, go vet, and check that media/, settings/ and studio/ never import fyne.io and that no product package imports the test helpers
	@files=$$(find . -path ./.git -prune -o -path ./.cache -prune -o -name '*.go' -print | xargs -r gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt needed:"; echo "$$files"; exit 1; fi
	$(BUILD_FFMPEG) go vet ./...
	$(WITH_FFMPEG) --windows go vet ./...
	@pkgs=$$(for d in media settings studio; do [ -d $$d ] && echo ./$$d/...; done); \
	[ -z "$$pkgs" ] && exit 0; \
	bad=$$(go list -e -f '{{.ImportPath}}: {{join .Deps " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' $$pkgs \
		| awk '/ fyne\.io\// { sub(/:.*/, ""); print }'); \
	if [ -n "$$bad" ]; then echo "these packages import fyne.io (only ui/ and assets/ may):"; echo "$$bad"; exit 1; fi
	@mod=$$(go list -m) && \
	bad=$$(for goos in linux windows; do GOOS=$$goos go list -e -f '{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}' ./...; done \
		| awk -F'|' -v mod="$$mod" -v re="^$$mod/internal/(testpeer(/|\$$)|testx\$$)" ' \
			function short(p) { sub("^" mod "/?", "", p); return p == "" ? "." : p } \
			function add(p, s) { if (!(p in seen)) { seen[p]; out = out (out == "" ? "" : ", ") short(p) s } } \
			$$1 ~ re { next } \
			{ d = ""; n = split($$2, a, " "); for (i = 1; i <= n; i++) if (a[i] ~ re) d = d (d == "" ? "" : " ") short(a[i]) } \
			d != "" { add($$1, " (imports " d ")"); next } \
			{ n = split($$3, a, " "); for (i = 1; i <= n; i++) if (a[i] ~ re) { add($$1, " (through its imports)"); next } } \
			END { print out }'); \
	if [ -n "$$bad" ]; then echo "these non-test packages import internal/testpeer or internal/testx (only tests may): $$bad"; exit 1; fi

clean: ## remove build output
	rm -rf bin dist
