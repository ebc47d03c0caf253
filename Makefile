# memharness: every README command does the whole set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL_VERSION ?= V11.3.0
# Further kernel releases the firmware supports: `make setup` installs them too, and `make test`
# runs the per-board subset against each (skipped when FREERTOS_KERNEL_PATH pins one tree).
OTHER_KERNEL_VERSIONS ?= V11.1.0
APT_PACKAGES := qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
JOBS ?= 2
RESULTS ?= results
# Renode (optional): the folder holding its `renode` launcher. Given (here or as MEMHARNESS_RENODE),
# `make setup` installs Mono and pyrenode3 + pythonnet into the venv, and the tests run Renode boards.
RENODE ?= $(MEMHARNESS_RENODE)
ifneq ($(strip $(RENODE)),)
export MEMHARNESS_RENODE := $(abspath $(RENODE))
APT_PACKAGES += mono-complete
endif

.PHONY: setup system-packages venv bytecode kernel renode test test-clock lint run compare bench profile clean robot docs

setup: system-packages venv bytecode kernel renode

# The harness's bytecode, written ahead: an editable install leaves it to the first import, and
# where PYTHONDONTWRITEBYTECODE is set (as in some CI images) every `memharness` command would
# compile every module it imports again (about 90 ms a command). Only changed files are compiled.
bytecode: venv
	@$(BIN)/python -m compileall -q harness > /dev/null

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

# The editable install as a plain path (.pth), not setuptools' default import hook: the hook's
# module loads pathlib and importlib.util in every Python process of the venv, 9 ms of each
# `memharness` command (bench/README.md).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]' --config-settings editable_mode=compat
	touch $@

venv: $(VENV)/.installed

# pyrenode3 drives Renode in-process: from the wheel beside the Renode tree when there is one
# (Antmicro's pyrenode3 is not on the package index), with pythonnet. Without it the harness
# drives Renode's console instead.
renode: venv
	@if [ -n "$(MEMHARNESS_RENODE)" ]; then \
	  if $(BIN)/python -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('pyrenode3') and u.find_spec('pythonnet')))"; then exit 0; fi; \
	  wheel=$$(ls "$(MEMHARNESS_RENODE)"/python/pyrenode3-*.whl 2>/dev/null | head -n 1); \
	  if [ -n "$$wheel" ]; then echo "installing pyrenode3 from $$wheel"; $(BIN)/pip install -q "$$wheel" pythonnet; \
	  else echo "no pyrenode3 wheel in $(MEMHARNESS_RENODE)/python: Renode runs through its console;"; \
	    echo "  for in-process runs: pip install pythonnet and pyrenode3 (antmicro/pyrenode3 on GitHub)"; fi; \
	fi

# The kernel is resolved as DESIGN.md says: FREERTOS_KERNEL_PATH, the cache, then a clone.
kernel: venv
	@if [ -n "$$FREERTOS_KERNEL_PATH" ]; then $(BIN)/memharness kernel path; \
	else for v in $(KERNEL_VERSION) $(OTHER_KERNEL_VERSIONS); do \
	  $(BIN)/memharness kernel install --version $$v || exit $$?; done; fi

lint: venv
	$(BIN)/ruff check harness tests bench examples memharness.py
	$(BIN)/mypy
	$(BIN)/robocop check --no-cache robot examples

# Everything on the default board, then the per-board subset (tests/e2e/test_boards.py: every
# scenario and every heap scheme) on every board (Renode-only boards on Renode, when one is
# configured), and on the QEMU boards against each other supported kernel release.
# Its wall time, set-up excluded, is recorded in $(RESULTS)/make-test.json when it passes
# (`make bench` prints it).
test: setup test-clock lint
	$(BIN)/pytest -n $(JOBS) -q -m "not per_board"
	$(BIN)/pytest -n $(JOBS) -q -m per_board --board all
	@if [ -z "$$FREERTOS_KERNEL_PATH" ]; then for v in $(OTHER_KERNEL_VERSIONS); do \
	  echo "per-board subset against FreeRTOS-Kernel $$v (the QEMU boards)"; \
	  $(BIN)/pytest -n $(JOBS) -q -m per_board --board all --emulator qemu --kernel-version $$v || exit $$?; done; fi
	$(MAKE) --no-print-directory robot
	@start=$$(cat $(RESULTS)/.make-test-start); now=$$(date +%s); \
	echo "{\"wall_time_s\": $$((now - start)), \"finished\": \"$$(date -u +%FT%TZ)\", \"jobs\": $(JOBS), \"cores\": $$(nproc)}" \
	  > $(RESULTS)/make-test.json; echo "make test: $$((now - start)) s (set-up excluded), recorded in $(RESULTS)/make-test.json"

test-clock:
	@mkdir -p $(RESULTS) && date +%s > $(RESULTS)/.make-test-start

# The Robot Framework suites (robot/suites), in parallel with pabot; output.xml, log.html and
# report.html land in $(RESULTS)/robot, each run's UART log and report beside them. The builds
# are shared with pytest's (build/test), so nothing is compiled twice. pabot runs from inside the
# results folder: it writes its .pabotsuitenames into the current folder, never into the checkout.
# SHARD=K/N runs the K-th of N deterministic parts (pabot --shard); `memharness merge` joins them.
# Every other board runs a subset that touches every scheme: the seed's leak, alloc/free, the
# heap report and the overflow (canary, or the stack limit on ARMv8-M).
ROBOT_SUITES ?= robot/suites $(wildcard examples/*/*.robot)  # and the examples' own suites
ROBOT_OTHER_BOARDS ?= mps2-an386 mps2-an500 mps2-an505 netduinoplus2 esp32c3
ROBOT_BOARD_SUITES := leak.robot alloc_free.robot heap_report.robot overflow.robot
ROBOT_OUT = $(abspath $(RESULTS))/robot
PABOT = MEMHARNESS_BUILD_DIR=$(CURDIR)/build/test $(CURDIR)/$(BIN)/pabot --no-pabotlib --processes $(JOBS) \
	$(if $(SHARD),--shard $(SHARD)) --command $(CURDIR)/$(BIN)/python -m robot --end-command
robot: setup
	mkdir -p $(ROBOT_OUT) && cd $(ROBOT_OUT) && $(PABOT) --outputdir . --xunit xunit.xml --exclude selftest \
	  $(addprefix $(CURDIR)/,$(ROBOT_SUITES))
	@for board in $(ROBOT_OTHER_BOARDS); do echo "Robot per-board subset on $$board"; \
	  mkdir -p $(ROBOT_OUT)/$$board && cd $(ROBOT_OUT)/$$board && $(PABOT) --variable BOARD:$$board \
	  --outputdir . --xunit xunit.xml $(addprefix $(CURDIR)/robot/suites/,$(ROBOT_BOARD_SUITES)) || exit $$?; done

# The keyword library's documentation (libdoc HTML).
docs: venv
	$(BIN)/libdoc --name memharness harness.robot.MemHarness $(RESULTS)/docs/memharness.html

# The main job: every heap scheme (and the static profile) on the standard workloads, side by side.
# BOARD=all for every board; results in $(RESULTS)/compare (compare.json, compare.html, junit.xml).
# BASELINE=FILE makes it the CI gate (exit 1 on a regression; UPDATE_BASELINE=1 writes FILE);
# SHARD=K/N runs the K-th of N parts (`memharness merge` joins them; gate the merged report).
BOARD ?= mps2-an385
compare: setup
	$(BIN)/memharness compare --board $(BOARD) --jobs $(JOBS) --results $(RESULTS)/compare \
	  $(if $(SHARD),--shard $(SHARD)) $(if $(BASELINE),--baseline $(BASELINE)) $(if $(UPDATE_BASELINE),--update-baseline)

run: setup
	@for heap in heap_1 heap_2 heap_3 heap_4 heap_5; do \
	  $(BIN)/memharness run --board mps2-an385 --heap $$heap --scenario leak --results $(RESULTS) || exit $$?; \
	done

clean:
	rm -rf build $(RESULTS)

# Ratios measured side by side (bench/README.md); BENCH_ROUNDS=N for more rounds.
bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit $$?; done

# Where the time of one run and of a warm compare goes (the table in bench/README.md).
profile: setup
	$(BIN)/python bench/profile_phases.py
