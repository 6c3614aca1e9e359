# The one entry point: `make demo`, `make test`, `make test SANITIZE=1`, `make lint`.
SHELL := bash
VENV := .venv
PY := $(VENV)/bin/python
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
CPP_BUILD := build/cpp-sanitize
CMAKE_FLAGS := -DFTKIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
CPP_BUILD := build/cpp
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif
PYTEST_ARGS ?=

.PHONY: setup cpp test-cpp install test demo lint clean bench-locks

setup:
	@tools/setup.sh

cpp: setup
	@cmake -S . -B $(CPP_BUILD) -G Ninja $(CMAKE_FLAGS) -DFTKIT_BUILD_PYTHON=OFF >/dev/null
	@cmake --build $(CPP_BUILD)

test-cpp: cpp
	@ctest --test-dir $(CPP_BUILD) --output-on-failure

install: setup
	@$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps .

test: test-cpp install
	@$(PY) -m pytest $(PYTEST_ARGS)

demo: install
	@tools/demo.sh

# Lock helpers vs the raw C API, as ratios (Google Benchmark embedding each interpreter).
bench-locks: setup
	@$(PY) bench/locks_ratios.py --json build/bench/locks.json

lint: setup
	@$(PY) -m ruff check python tests tools

clean:
	rm -rf build

.PHONY: bench-stress
bench-stress: install
	@$(PY) bench/stress_bench.py
