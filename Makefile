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

# The main job: the gateway with built-in defaults (127.0.0.1:8080, the simulated model
# llmctl-sim, request log ./llmctl.db). Point an OpenAI SDK at http://127.0.0.1:8080/v1.
run: build
	@$(LLMCTL) catalog validate
	@echo "llmctl up: try  curl -s localhost:8080/v1/chat/completions -H 'content-type: application/json' -d '{\"model\":\"llmctl-sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
	@exec $(LLMCTL) up

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
