#!/usr/bin/env bash
# `make demo`: ftkit on the bundled example, after `make install` has set everything up.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
OUT=build/demo
mkdir -p "$OUT"

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
.venv/bin/ftkit gilcheck "$OUT" --color never | grep -v '^    fix:' || true   # exit 1: it found 'forgets'
echo "== FTKIT_STRICT_GIL=1: the same import is fatal, naming the module and the import chain"
(cd "$OUT" && FTKIT_STRICT_GIL=1 $PY -W ignore -c "import declares, forgets; print('not reached')") \
  || echo "  (exit code $?)"

echo
echo "== ftkit audit: the same two modules read statically, without importing them"
rc=0; .venv/bin/ftkit audit --color never "$OUT/declares$SUFFIX" "$OUT/forgets$SUFFIX" || rc=$?
echo "  exit $rc (1 = findings): 'forgets' has a slot array without Py_mod_gil, read from its bytes."
