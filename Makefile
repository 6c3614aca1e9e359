# The one entry point: `make demo`, `make test`, `make test-fast`, `make test SANITIZE=1|thread`, `make lint`.
SHELL := bash
VENV := .venv
PY := $(VENV)/bin/python
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
CPP_BUILD := build/cpp-sanitize
CMAKE_FLAGS := -DFTKIT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else ifeq ($(SANITIZE),thread)
CPP_BUILD := build/cpp-tsan
CMAKE_FLAGS := -DFTKIT_TSAN=ON -DCMAKE_BUILD_TYPE=Debug
else
CPP_BUILD := build/cpp
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif
PYTEST_ARGS ?=

.PHONY: setup cpp test-cpp install prepare test test-fast demo lint clean bench-locks

setup:
	@tools/setup.sh

cpp: setup
	@cmake -S . -B $(CPP_BUILD) -G Ninja $(CMAKE_FLAGS) -DFTKIT_BUILD_PYTHON=OFF >/dev/null
	@cmake --build $(CPP_BUILD)

test-cpp: cpp
	@ctest --test-dir $(CPP_BUILD) --output-on-failure

install: setup
	@$(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps .

# Builds the interpreters and fetches the wheels, crates and venvs the tests need
# (tools/harness/manifest.py), each once, into $${FTKIT_CACHE:-~/.cache/ftkit}; quick when warm.
prepare: install
	@$(PY) tools/prepare.py

test: test-cpp prepare
	@$(PY) -m pytest $(PYTEST_ARGS)

# The edit loop: everything but the tests marked slow or race (under 2 minutes warm).
test-fast: install prepare
	@$(PY) -m pytest -m "not slow and not race" $(PYTEST_ARGS)

demo: install
	@tools/demo.sh

# ftkit's own benchmarks (bench-audit, bench-stress, bench-locks, bench-checker and `ftkit bench` on
# the Matrix), each run as a child through ftkit's runner, as one ratio table (bench/all.py).
# `make bench BENCH_ARGS=--quick` is a short smoke run of the same table.
.PHONY: bench
BENCH_ARGS ?=
bench: prepare
	@$(PY) bench/all.py $(BENCH_ARGS)

# Uploadable artefacts in dist/: the sdist, and the wheel built from it, manylinux-tagged by auditwheel
# from PyPI (tools/make_wheel.py; docs/check.md lists what building the sdist needs, zlib included).
.PHONY: wheel
wheel: setup
	@$(PY) tools/make_wheel.py --out dist

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
# libFuzzer targets (src/*/*_fuzz.cpp) over an ASan+UBSan, coverage-instrumented ftkit_core.
# `make fuzz FUZZ_SECONDS=3600` fuzzes each target that long; `make test` runs a short smoke.
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 300
.PHONY: fuzz-build fuzz
fuzz-build: setup
	@cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DFTKIT_SANITIZE=ON -DFTKIT_BUILD_TESTS=OFF -DFTKIT_BUILD_PYTHON=OFF \
	  "-DCMAKE_CXX_FLAGS=-O1 -fsanitize=fuzzer-no-link" >/dev/null
	@cmake --build $(FUZZ_BUILD) --target ftkit_core
	@for f in src/*/*_fuzz.cpp; do \
	  n=$$(basename $$f .cpp); \
	  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc $$f $(FUZZ_BUILD)/src/libftkit_core.a -lz -o $(FUZZ_BUILD)/$$n; \
	done

fuzz: fuzz-build install
	@$(PY) tests/audit_support/fuzz.py --seconds $(FUZZ_SECONDS)

.PHONY: bench-audit
bench-audit: prepare
	@$(PY) bench/audit_vs_abi3audit.py

# The linearizability checker vs Porcupine (Go, from the Go module proxy) on the same histories.
.PHONY: bench-checker
bench-checker: install
	@$(PY) bench/checker_vs_porcupine.py

# Detection by default on the race corpus (bench/stress_detection.py): race x found/20 seeds x
# median/worst seconds, and the corrected twins; then the same races in pytest-run-parallel and racecheck.
.PHONY: bench-detection
bench-detection: install
	@$(PY) bench/stress_detection.py --json build/bench/detection.json
	@$(PY) bench/stress_side_by_side.py --json build/bench/side-by-side.json
