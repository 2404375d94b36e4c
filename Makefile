# fnbench — build, test, demo and benchmark. Everything a target needs is
# installed here from the Go module proxy (into ./bin), never by hand.

GO      ?= go
BIN     := $(CURDIR)/bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# Pinned versions of the peers and test tools fetched into ./bin.
VEGETA_VERSION := v12.13.0
# hey, a closed-loop peer: make bench's ceilings where the server answers at once.
HEY_VERSION := v0.1.5
# The emulator tags its releases v1.NN, which is not semver, so the module
# proxy knows it only by pseudo-version (this one is the 2026-10-30 commit).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
# Azurite, the Azure Storage emulator, from npm: internal/objstore's blob
# tests run against it (they fail without it when CI=true, skip otherwise).
AZURITE_VERSION := 3.37.0

GOFILES := $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum

.PHONY: all build test test-race test-fuzz test-short demo bench bench-quick soak fuzz lint clean tools chromium

all: build

build: $(BIN)/fnbench

$(BIN)/fnbench: $(GOFILES) $(shell find scenarios fixtures -name '*.yaml' 2>/dev/null)
	$(GO) build -ldflags "$(LDFLAGS)" -o $@ ./cmd/fnbench

$(BIN)/vegeta:
	GOBIN=$(BIN) $(GO) install github.com/tsenart/vegeta/v12@$(VEGETA_VERSION)

$(BIN)/hey:
	GOBIN=$(BIN) $(GO) install github.com/rakyll/hey@$(HEY_VERSION)

# The AWS Lambda Runtime Interface Emulator, for fixtures/functions/lambdarie.
$(BIN)/aws-lambda-rie:
	GOBIN=$(BIN) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

# azurite-blob, Azurite's blob service alone, for internal/objstore.
$(BIN)/azurite-blob:
	npm install --no-audit --no-fund --prefix $(BIN)/azurite-npm azurite@$(AZURITE_VERSION)
	ln -sf azurite-npm/node_modules/.bin/azurite-blob $@

$(BIN)/fnbench-bench: $(GOFILES)
	$(GO) build -o $@ ./cmd/fnbench-bench

tools: $(BIN)/vegeta $(BIN)/hey

# Headless Chromium, from Debian's chromium package, for the HTML report's
# browser test (report/html_browser_test.go). That test fails without it
# when CI=true and skips otherwise.
CHROMIUM := /usr/bin/chromium
chromium: $(CHROMIUM)
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "make: cannot install chromium (not root, no sudo): apt-get install chromium, or the HTML browser test skips"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

# Every test. Loads are bounded; the whole run stays well under 10 minutes
# on a 2-core machine. Packages are tested one at a time (-p 1): several
# tests measure timing against the simulator (cold-start inference, the
# stall test), and two packages' loads on two cores would measure each
# other.
test: build $(BIN)/aws-lambda-rie $(BIN)/azurite-blob $(CHROMIUM)
	$(GO) test -p 1 -count=1 ./...
	# One after the other: side by side they would save half a minute, but
	# two fuzzers beside the raced engine tests starve them (one failed in
	# four such runs).
	$(MAKE) --no-print-directory test-race test-fuzz

# The race detector slows everything several-fold: -short leaves out the
# tests that score timing (inference against ground truth), which make test
# ran unraced. Raced: the engine and the uploader, where fnbench's
# concurrency lives (analyze reads a run on two goroutines at most, and
# raced it took a minute of the ten make test may take).
test-race:
	$(GO) test -count=1 -race -short ./attack/ ./internal/objstore/

# Every parser of outside input has a fuzz target: 4 s of fuzzing each in
# make test (make fuzz gives each 30 s).
test-fuzz:
	$(MAKE) --no-print-directory fuzz FUZZTIME=4s

# The quick loop while developing.
test-short: $(BIN)/aws-lambda-rie $(BIN)/azurite-blob
	$(GO) test -short -count=1 ./...

# The AWS-vs-Azure comparison on the built-in simulator (about 80 s): the
# summary, the verdict and the path of the HTML report.
demo: build
	$(BIN)/fnbench demo

# wrk, from Debian's wrk package: the other closed-loop ceiling of make
# bench. Without root or sudo, or without apt, the bench leaves its rows out
# and says so.
WRK := /usr/bin/wrk
$(WRK):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "make: cannot install wrk (not root, no sudo): the bench leaves its ceilings out"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y -q wrk || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q wrk; } || \
	  echo "make: wrk did not install: the bench leaves its ceilings out"

# fnbench against vegeta, hey and wrk on the path users take (issue 12):
# plain HTTP/1.1, HTTPS/1.1 and HTTPS h2 to a loopback server answering
# after 0, 50 or 250 ms, rates searched upward, the overloaded simulator
# scored against ground truth. Within a 13-minute budget; rewrites the generated
# section of BENCHMARKS.md. Nothing else may run on the machine meanwhile.
# BENCH_FLAGS="-soak 10m" adds the 10-minute flat-memory run.
BENCH_DEPS := build $(BIN)/vegeta $(BIN)/hey $(WRK) $(BIN)/fnbench-bench
BENCH_TOOLS = -fnbench $(BIN)/fnbench -vegeta $(BIN)/vegeta -hey $(BIN)/hey -wrk $(WRK)
bench: $(BENCH_DEPS)
	$(BIN)/fnbench-bench $(BENCH_TOOLS) -md BENCHMARKS.md $(BENCH_FLAGS)

# Issue 12's target cells only, each once (under 3 minutes): the verdicts
# on stdout and in runs/bench-quick.md, BENCHMARKS.md untouched.
bench-quick: $(BENCH_DEPS)
	$(BIN)/fnbench-bench $(BENCH_TOOLS) -quick -duration 5s -cold-duration 8s -md runs/bench-quick.md $(BENCH_FLAGS)

# The soak (not in CI): fnbench at 5,000/s for SOAK_DURATION against the
# simulator in a process of its own, its RSS, heap, goroutines and open
# descriptors sampled every minute; it fails on growth, a lost interval or
# schedule lag p99 over 5 ms. Writes runs/soak.md.
SOAK_DURATION ?= 30m
soak: build $(BIN)/fnbench-bench
	@mkdir -p runs
	$(BIN)/fnbench-bench soak-sim -fnbench $(BIN)/fnbench -duration $(SOAK_DURATION) -md runs/soak.md

# Every fuzz target for FUZZTIME, two at a time (make test gives each 4 s;
# 30 s here). scripts/fuzz.sh says which failed and with what input.
FUZZTIME ?= 30s
fuzz:
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

lint:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './bin/*')); \
	if [ -n "$$out" ]; then echo "not gofmt-ed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN) runs
