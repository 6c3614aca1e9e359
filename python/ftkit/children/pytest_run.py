"""Child program: the project's pytest with ftkit's strict GIL plugin, for `ftkit check --pytest`.

argv: JUNIT_XML ARGS... Runs `pytest -p ftkit --ftkit-strict-gil --junitxml JUNIT_XML ARGS` in this
interpreter (which needs pytest and ftkit installed) from the current folder. Result: {"exit": the
session's exit status} or {"error": why pytest could not start}. The parent reads the tests'
outcomes and the plugin's `ftkit_gil` property from the JUnit file.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import os  # noqa: E402
import sys  # noqa: E402

try:
    import pytest
except ImportError as e:
    channel.send(RESULT, {"error": f"pytest cannot be imported here: {e}"})
    os._exit(0)

# The project's own folder comes first, as `python -m pytest` puts it (rootdir conftest, src layouts).
sys.path.insert(0, os.getcwd())
junit, args = sys.argv[1], sys.argv[2:]
# -p ftkit is the plugin's entry point name; passing it loads it even where autoloading is disabled.
code = pytest.main(["-p", "ftkit", "--ftkit-strict-gil", f"--junitxml={junit}", *args])
channel.send(RESULT, {"exit": int(code)})
for stream in (sys.stdout, sys.stderr):
    try:
        stream.flush()
    except Exception:
        pass
os._exit(0)  # the answer is sent: a thread the tests left running must not hold the process
