"""Compile the Matrix variants for each given interpreter into one folder (for `ftkit bench`, docs/bench.md).

Usage: python examples/matrix/build.py OUT_DIR PYTHON [PYTHON ...]

Each build is named by its interpreter's EXT_SUFFIX (matrix_locked.cpython-314t-x86_64-linux-gnu.so
beside matrix_locked.cpython-314-x86_64-linux-gnu.so), so one folder on the path serves 3.14t and
the GIL build 3.14 alike: each interpreter imports only the files its own suffix names (PEP 3149).
A file newer than its sources is kept. Stdlib only; needs g++ (or $CXX).
"""
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "include")
VARIANTS = ("unsafe", "locked", "global", "borrow")
ASK = "import sysconfig as s; print(s.get_paths()['include']); print(s.get_config_var('EXT_SUFFIX'))"


def newest_source() -> float:
    headers = [os.path.join(INCLUDE, "ftkit", f) for f in os.listdir(os.path.join(INCLUDE, "ftkit"))]
    return max(os.path.getmtime(p) for p in [*headers, os.path.join(HERE, "matrix.hpp")])


def build(out_dir: str, python: str) -> list[str]:
    include, suffix = subprocess.run([python, "-c", ASK], capture_output=True, text=True,
                                     check=True).stdout.split()
    cxx = shlex.split(os.environ.get("CXX", "g++"))
    built = []
    for variant in VARIANTS:
        source = os.path.join(HERE, f"matrix_{variant}.cpp")
        target = os.path.join(out_dir, f"matrix_{variant}{suffix}")
        if not os.path.exists(target) or os.path.getmtime(target) < max(newest_source(), os.path.getmtime(source)):
            part = target + ".part"  # renamed when complete: an interrupted build leaves no broken module
            subprocess.run([*cxx, "-std=c++17", "-O2", "-shared", "-fPIC", "-isystem", include, "-I", INCLUDE,
                            "-I", HERE, source, "-o", part], check=True)
            os.replace(part, target)
        built.append(target)
    return built


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    os.makedirs(argv[0], exist_ok=True)
    for python in argv[1:]:
        for path in build(argv[0], python):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
