# The two Quickstart commands: `make run` and `make test`. Both install what is missing first.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
LLMCTL := $(BUILD_DIR)/src/cli/llmctl

.PHONY: all deps build run test test-unit asan format format-check clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

# The main job: until the gateway lands, show the catalog and plan an example deployment.
run: build
	@$(LLMCTL) catalog validate
	@$(LLMCTL) catalog list gpus
	@$(LLMCTL) catalog list models
	@if [ -f examples/chat-70b.yaml ]; then $(LLMCTL) plan examples/chat-70b.yaml; fi

test: build
	@ctest --preset $(PRESET) -j2

test-unit: build
	@ctest --preset $(PRESET) -L unit -j2

asan: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan
	@ctest --preset asan-ubsan -j2

FORMAT_FILES = $(shell git ls-files -co --exclude-standard '*.cpp' '*.h')
format:
	@clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build
