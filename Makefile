# Rudder: `make run` starts a single-node cluster, `make test` runs all tests.
SHELL := /bin/bash
GO ?= go
BIN := bin/rudder
DATA_DIR ?= /var/lib/rudder

.PHONY: all build run test deps bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/rudder

# deps installs what this machine lacks (Debian packages) and is idempotent.
deps:
	@scripts/deps.sh

run: deps build
	$(BIN) server --data-dir $(DATA_DIR)

# Unit and integration tests run in parallel packages; the end-to-end
# packages (test/...) start whole clusters, some with real containers, so
# they run one package at a time to keep a 2-core machine responsive.
test: deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m $$($(GO) list ./... | grep -v '^rudder/test/')
	$(GO) test -count=1 -p 1 -timeout 25m ./test/...

bench: deps build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./test/bench/...

clean:
	rm -rf bin
