# memharness: every README command does the whole set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL_VERSION ?= V11.3.0
APT_PACKAGES := qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi
JOBS ?= 2
RESULTS ?= results

.PHONY: setup system-packages venv kernel test lint run bench clean

setup: system-packages venv kernel

# Debian packages: installed when missing (as root), else the exact command is printed.
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 3; \
	  fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# The kernel is resolved as DESIGN.md says: FREERTOS_KERNEL_PATH, the cache, then a clone.
kernel: venv
	@if [ -n "$$FREERTOS_KERNEL_PATH" ]; then $(BIN)/memharness kernel path; \
	else $(BIN)/memharness kernel install --version $(KERNEL_VERSION); fi

lint: venv
	$(BIN)/ruff check harness tests bench
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest -n $(JOBS) -q

run: setup
	@for heap in heap_1 heap_2 heap_3 heap_4 heap_5; do \
	  $(BIN)/memharness run --board mps2-an385 --heap $$heap --scenario leak --results $(RESULTS) || exit $$?; \
	done

clean:
	rm -rf build $(RESULTS)

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit $$?; done
