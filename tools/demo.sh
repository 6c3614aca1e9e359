#!/usr/bin/env bash
# `make demo`: ftkit on the bundled example, after `make install` has set everything up.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
OUT=build/demo
REP="$OUT/reports"   # every format of the runs below (docs/formats.md)
mkdir -p "$OUT" "$REP"

echo "== ftkit doctor: the interpreters ftkit can use"
.venv/bin/ftkit doctor --color never || true   # findings here are advice, not a demo failure
echo

echo "== examples/gil_declaration: two modules compiled for $($PY -c 'import sys; print(sys.version.split()[0])') free-threaded"
read -r CC INC SUFFIX < <($PY -c "import sysconfig as s; print(s.get_config_var('CC').split()[0], s.get_paths()['include'], s.get_config_var('EXT_SUFFIX'))")
for mod in declares forgets; do
  "$CC" -shared -fPIC -O1 -I "$INC" "examples/gil_declaration/$mod.c" -o "$OUT/$mod$SUFFIX"
  gil=$(cd "$OUT" && $PY -W ignore -c "import sys, $mod; print('ON' if sys._is_gil_enabled() else 'off')")
  printf '  import %-9s -> GIL %s\n' "$mod" "$gil"
done
echo "  'forgets' lacks {Py_mod_gil, Py_MOD_GIL_NOT_USED}: CPython re-enabled the GIL for the whole"
echo "  process with one RuntimeWarning, which test runners swallow. ftkit turns that into a failure."
echo

echo "== ftkit gilcheck: each module imported in its own fresh process, default mode and PYTHON_GIL=0"
.venv/bin/ftkit gilcheck "$OUT" --color never || true   # exit 1: it found 'forgets'
echo "== FTKIT_STRICT_GIL=1: the same import is fatal, naming the module and the import chain"
(cd "$OUT" && FTKIT_STRICT_GIL=1 $PY -W ignore -c "import declares, forgets; print('not reached')") \
  || echo "  (exit code $?)"
echo

echo "== ftkit audit: the same two modules read statically, without importing them"
also=""; for f in json junit sarif html github; do also+=" --also $f=$REP/audit.$f"; done
# shellcheck disable=SC2086
rc=0; .venv/bin/ftkit audit --color never "$OUT/declares$SUFFIX" "$OUT/forgets$SUFFIX" $also || rc=$?
echo "  exit $rc (1 = findings): 'forgets' has a slot array without Py_mod_gil, read from its bytes."
echo

echo "== examples/matrix: one Matrix hammered by 8 threads (M[i, j] = x grows it, M.det() reads it)"
mkdir -p build/demo-matrix   # apart from the modules gilcheck scans above
for v in unsafe locked borrow; do
  g++ -std=c++17 -O2 -shared -fPIC -I "$INC" -I include "examples/matrix/matrix_$v.cpp" -o "build/demo-matrix/matrix_$v$SUFFIX"
  # A race is chance: the unprotected Matrix gets up to three 1.5 s rounds to show it.
  for _ in 1 2 3; do
    res=$($PY examples/matrix/hammer.py build/demo-matrix "matrix_$v" 1.5 8 2>/dev/null) && rc=0 || rc=$?
    [ "$v" = unsafe ] && [ $rc -eq 0 ] || break
  done
  if [ $rc -eq 0 ]; then
    printf '  matrix_%-7s survived: %s\n' "$v" "$(echo "$res" | $PY -c "import json, sys; r = json.load(sys.stdin); print(f\"{r['writes']} writes, {r['reads']} reads, {r['lost_writes']} lost, {r['runtime_errors']} RuntimeError('concurrent mutation ...')\")")"
  else
    printf '  matrix_%-7s CRASHED (exit %s): unprotected, one thread used a block another had freed\n' "$v" "$rc"
  fi
done
echo "  matrix_locked uses ftkit::critical_section, matrix_borrow the borrow guard (docs/locks.md)."
echo

echo "== ftkit stress: the same Matrix driven by examples/matrix/scenario.py, unsafe and locked"
SDIR=build/demo-stress   # not under $OUT: gilcheck above scans that folder
rm -rf "$SDIR"; mkdir -p "$SDIR"
for variant in unsafe locked; do
  echo "-- matrix_$variant:"
  # unsafe: until the first finding (30 s at most); locked: 2000 trials that must all pass
  budget=$([ $variant = unsafe ] && echo "--trials 1000000 --duration 30" || echo "--trials 2000")
  also=""; for f in json junit sarif html github; do also+=" --also $f=$REP/stress_$variant.$f"; done
  # shellcheck disable=SC2086
  PYTHONPATH="$PWD/build/demo-matrix" MATRIX_VARIANT=$variant .venv/bin/ftkit stress examples/matrix/scenario.py \
    $budget --replays 200 --minimise-seconds 10 --repro-dir "$SDIR" --color never $also || true   # exit 1 = findings
done
for script in "$SDIR"/repro_*.py; do
  [ -e "$script" ] || continue
  echo "-- the repro script alone, plain Python threads: $PY $script"
  PYTHONPATH="$PWD/build/demo-matrix" timeout 120 "$PY" "$script" 2>&1 | head -14 || true
done
echo


echo "== ftkit bench: the same Matrix on 3.14t, 3.14t with PYTHON_GIL=1 and the GIL build 3.14 (a short run)"
GIL_PY=$(.venv/bin/ftkit bootstrap --print-path 3.14)   # built once if missing (announced)
$PY examples/matrix/build.py build/bench-matrix "$PY" "$GIL_PY" >/dev/null
.venv/bin/ftkit bench examples/matrix/bench.py --path build/bench-matrix --modes shared --threads 1,2 \
  --budget 5 --min-time 0.005 --statistic cpu --out-dir build/demo-bench --color never \
  --also html="$REP/bench.html" --also junit="$REP/bench.junit" || true   # exit 1 = findings
echo "  plots: build/demo-bench/throughput.png and lock-cost.png (and .svg); all numbers: build/demo-bench/bench.json"
echo

echo "== the same findings in every format (docs/formats.md): one run, --also FORMAT=FILE"
for f in "$REP"/*; do
  printf '  %-40s %s\n' "$f" "$(head -c 300 "$f" | head -1 | cut -c1-60)"
done
echo "  open $REP/stress_unsafe.html (each finding with its per-thread timeline), $REP/bench.html (plots)"
echo
echo "== ftkit check: every step at once on the examples: audit, imports, the locked Matrix's scenario"
# The HTML report: the verdict first, then each module, the scenario's run (docs/formats.md).
CHECK_REPORT=(--format html -o "$PWD/build/demo/check.html")
# Run in build/ (no pyproject.toml there: the examples claim no classifier), the locked Matrix importable.
check() { (cd build && PYTHONPATH="$PWD/demo-matrix" MATRIX_VARIANT=locked ../.venv/bin/ftkit check demo demo-matrix \
  --scenario "$PWD/../examples/matrix/scenario.py" --color never "$@"); }
rc=0; check || rc=$?
echo "  exit $rc (1 = findings): 'forgets' makes the examples 'GIL required', whatever the locked Matrix shows."
rc=0; check "${CHECK_REPORT[@]}" >/dev/null || rc=$?
echo "  report written: ${CHECK_REPORT[*]: -1} (exit $rc)"
