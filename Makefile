# spikecast: the two commands of the README are `make run` and `make test`;
# both install what they need first (Debian/Ubuntu, as root or via sudo).

GO      ?= go
# Go's own installer puts it here; make works whether or not PATH has it.
export PATH := $(PATH):/usr/local/go/bin
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PKGS    := gcc libc6-dev pkg-config xvfb xauth libgl1-mesa-dri libgl1-mesa-dev \
           libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev \
           libxxf86vm-dev libegl1 libegl-mesa0 ffmpeg gcc-mingw-w64-x86-64 \
           python3-numpy
ARGS    ?=
# The cpu backend's vector dense loop (cpufast, AVX2) is written with Go
# 1.26's simd/archsimd package, which the build must switch on: every
# target builds with it. A build without it (GOEXPERIMENT= make ..., or
# a plain go build) runs the plain loop: the same results, slower.
export GOEXPERIMENT ?= simd
# make python and its tests: a virtual environment over the distribution's
# NumPy and pytest, and Debian's setuptools and wheel to build the wheel.
PKGS    += python3-venv python3-pip python3-setuptools python3-wheel python3-pytest

.PHONY: setup build run test test-short bench long soak fuzz windows env-table horizon-table doc-commands doc-images

# setup installs the system packages the build and the tests need: a C
# compiler and the GL/X11 headers for GLFW's cgo build, libEGL and Mesa's
# software renderer for headless runs without a GPU or display (Xvfb as the
# fallback), ffmpeg for video, python3-numpy for the tests that read
# -spikes and -state the way users do. No EGL headers: gpu/egl_linux.go opens
# libEGL at run time and writes out the few declarations it needs.
setup:
	@if ! dpkg-query -W -f='$${Status}\n' $(PKGS) 2>/dev/null | grep -q '^install ok installed' \
	   || dpkg-query -W -f='$${Status}\n' $(PKGS) 2>&1 | grep -qv '^install ok installed'; then \
	  echo "installing system packages: $(PKGS)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(PKGS); \
	fi
	@# No Go at all: take the distribution's. Any Go from 1.21 on fetches
	@# the toolchain go.mod names (1.26) from the module proxy by itself.
	@command -v $(GO) >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || { \
	  echo "installing Go from the distribution (it fetches the Go toolchain go.mod asks for)"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends golang-go ca-certificates; }
	@$(GO) version >/dev/null 2>&1 || { echo "no working Go: get Go 1.26 or newer from https://go.dev/dl and put it on PATH (a distribution Go older than 1.21 cannot fetch a newer toolchain)"; exit 1; }

build: setup
	$(GO) build -o spikecast .

# run opens the window where there is a display; elsewhere it runs headless
# (through EGL: a GPU, else Mesa's llvmpipe, no X server) and prints a summary.
run: build
	./spikecast $(if $(DISPLAY),,-headless) $(ARGS)

# FUZZ are the fuzz targets of the parsers of user input besides the
# command line (FuzzFlags) and checkpoints (FuzzCheckpointRead), as
# target@package: -config, the .npy header, GIF and PNG/JPEG frames,
# -changes and -sweep.
FUZZ := FuzzConfig@. FuzzReadHeader@./npy FuzzGIF@./frames FuzzImage@./frames \
        FuzzParse@./changes FuzzParse@./sweep
# fuzz-each runs each target of the list $(1) for -fuzztime $(2).
fuzz-each = @for f in $(1); do \
	  echo "$(GO) test -run XXX -fuzz '^$${f%@*}$$' -fuzztime $(2) $${f\#*@}"; \
	  $(GO) test -run XXX -fuzz "^$${f%@*}$$" -fuzztime $(2) $${f\#*@} || exit 1; \
	done

test: setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	@# The plain dense loop: cpufast's lockstep tests in a build without
	@# the vector one.
	GOEXPERIMENT= $(GO) vet ./cpufast
	GOEXPERIMENT= $(GO) test -count=1 ./cpufast
	$(GO) test -run XXX -fuzz FuzzFlags -fuzztime 10000x .
	$(call fuzz-each,$(FUZZ),$(FUZZCOUNT))
	$(MAKE) --no-print-directory windows
	$(MAKE) --no-print-directory test-python

# windows cross-compiles the command for windows/amd64 with mingw-w64,
# so that nothing Linux-only creeps in outside files with a build tag.
windows: setup
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build -o spikecast.exe .

# doc-images remakes the README's pictures (docs/) from networks that have
# learnt: each trained headless and saved, then loaded into the window on a
# private Xvfb for a few hundred steps, so that the header's steps/s and
# fps are what this machine did and the learning curve is the saved run's.
# The GIFs record fresh networks learning, at the video's rates: n=32 on
# the border walk, and -preset rich on the Game of Life.
# make doc-commands runs it (the README shows it).
DOCNET  := /tmp/spikecast-doc-images
XVFB    := xvfb-run -a -s "-screen 0 1920x1080x24"
doc-images: build
	mkdir -p $(DOCNET)
	./spikecast -headless -quiet -n 64 -steps 4000 -save $(DOCNET)/n64.ckpt >/dev/null
	$(XVFB) ./spikecast -load $(DOCNET)/n64.ckpt -steps 480 -steps_per_frame 16 -vsync=false -screenshot docs/screenshot.png >/dev/null
	./spikecast -headless -quiet -n 256 -steps 10000 -save $(DOCNET)/n256.ckpt >/dev/null
	$(XVFB) ./spikecast -load $(DOCNET)/n256.ckpt -steps 640 -steps_per_frame 8 -vsync=false -width 1920 -height 1080 -panels input,win,rate -zoom 8 -screenshot docs/views-n256.png >/dev/null
	./spikecast -headless -quiet -n 32 -steps 3000 -steps_per_frame 20 -record docs/learning.gif -width 640 -height 480 -fps 15 -title "spikecast: learning to predict the next frame (n=32)" >/dev/null
	bench/life.sh $(DOCNET)/life.npy >/dev/null
	./spikecast -headless -quiet -preset rich -frames $(DOCNET)/life.npy -loop -threshold 0.5 -n 48 -steps 6000 -steps_per_frame 40 -record docs/life.gif -width 640 -height 480 -fps 15 -title "spikecast -preset rich: learning the Game of Life (n=48)" >/dev/null
	rm -rf $(DOCNET)

# doc-commands runs every command README.md and BENCHMARKS.md show, in a
# scratch directory, and fails for each that does not work as written
# (many minutes; the slow and hardware-only ones are listed and skipped).
doc-commands: setup
	$(GO) test -tags doccommands -count=1 -timeout 120m -run DocCommands -v .

# fuzz runs every fuzz target for FUZZTIME each. (make test runs FuzzFlags
# for 10,000 inputs, about 10 s, and the others for FUZZCOUNT inputs,
# some 5 s each: counted, not timed, because Go
# 1.26's fuzzing can fail a timed run with "context deadline exceeded" at
# its end on a busy machine, golang/go#75804. The checkpoint reader's
# workers were seen to stall on a 2-core VM, so make test checks it with
# TestCheckpointSurvivesMutations.) What a target finds is saved under
# its package's testdata/fuzz and replayed by every go test after.
FUZZTIME  ?= 60s
FUZZCOUNT ?= 2000x
fuzz: setup
	$(GO) test -run XXX -fuzz FuzzCheckpointRead -fuzztime $(FUZZTIME) ./checkpoint
	$(call fuzz-each,FuzzFlags@. $(FUZZ),$(FUZZTIME))

test-short: setup
	$(GO) test -short -count=1 ./...

bench: build
	$(GO) test -run XXX -bench . -benchtime 2s ./cpuref ./gpu

# long runs the tests that take minutes (n=256 learning on the GPU).
long: setup
	$(GO) test -tags long -count=1 -timeout 60m -run Long -v .

# env-table prints the F1 the default network reaches on each stimulus
# (n=32, 6,000 steps; the cpu backend, which the gpu matches bit for bit).
ENVS := "-env border" "-env dots -dots 4" "-env dots -dots 4 -ccw" "-env bounce -dots 1" "-env bar" \
        "-env bounce -dots 3 -seed 1" "-env bounce -dots 3 -seed 2" "-env bounce -dots 3 -seed 3" \
        "-env bounce -dots 3 -seed 4" "-env bounce -dots 3 -seed 5" "-rule hebbian" "-rule rstdp" \
        "-learn_rec" "-rule rstdp -env dots -dots 4"
env-table: build
	@for a in $(ENVS); do \
	  printf '%-34s ' "$$a"; ./spikecast -headless -backend cpu -n 32 -steps 6000 -quiet $$a | tail -1 | \
	  sed -E 's/.*"f1":([0-9.]+),"precision":([0-9.]+),"recall":([0-9.]+),"hidden_rate":([0-9.]+).*/F1 \1  precision \2  recall \3  hidden rate \4/'; \
	done

# horizon-table prints F1 by prediction horizon, with and without the
# second hidden layer.
horizon-table: build
	@for k in 1 2 3 4 5 6; do for c in false true; do \
	  printf 'horizon %d  no_cascade=%-5s ' $$k $$c; ./spikecast -headless -backend cpu -n 32 -steps 6000 -quiet -horizon $$k -no_cascade=$$c | tail -1 | \
	  sed -E 's/.*"f1":([0-9.]+).*/F1 \1/'; \
	done; done

# soak runs the GPU backend for long (1,000,000 steps at n=64, 100,000 at
# n=256), checking every buffer's range, the resident set and GL objects.
soak: setup
	$(GO) test -count=1 -timeout 120m -run Soak -v ./gpu -args -soak

# python builds the Python module offline: the Go code as a C shared
# library (capi/, -buildmode=c-shared) inside the package python/spikecast,
# a wheel of both in dist/ (Debian's setuptools and wheel, no build
# isolation, no index: nothing is downloaded), and that wheel installed
# into .venv/, made with --system-site-packages so that it uses the
# distribution's NumPy. PYTHON is the distribution's python3 where there is
# one, whatever else PATH puts first.
PYTHON    ?= $(shell [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)
PYVERSION := 0.0.0+g$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
.PHONY: python test-python
python: setup
	$(GO) build -buildmode=c-shared -o build/libspikecast.so ./capi
	cp build/libspikecast.so python/spikecast/libspikecast.so
	rm -rf python/build python/spikecast.egg-info dist/spikecast-*.whl
	SPIKECAST_VERSION=$(PYVERSION) $(PYTHON) -m pip wheel -q --no-deps --no-build-isolation --no-index -w dist ./python
	rm -rf python/build python/spikecast.egg-info
	[ -x .venv/bin/python ] || $(PYTHON) -m venv --system-site-packages .venv
	.venv/bin/python -m pip install -q --no-deps --no-index --force-reinstall dist/spikecast-*.whl

# test-python runs the module's tests (python/tests, pytest) against the
# command they compare with: the GPU ones through EGL on whatever GL there
# is (Mesa's llvmpipe without a GPU).
test-python: python build
	SPIKECAST_BIN=$(CURDIR)/spikecast .venv/bin/python -m pytest -q python/tests
