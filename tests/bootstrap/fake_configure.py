# A stand-in for CPython's ./configure, packed into fake source tarballs by test_bootstrap.py.
# It records its arguments, then writes a Makefile whose "install" creates a tiny interpreter
# stand-in under $(DESTDIR)$(prefix) that answers the bootstrap's probe with fixed JSON on its result fd.
import json
import os
import sys

args = sys.argv[1:]
with open(os.environ["BUILD_COUNT_FILE"], "a") as f:
    f.write("configure " + " ".join(args) + "\n")
prefix = [a.split("=", 1)[1] for a in args if a.startswith("--prefix=")][0]
free_threaded = "--disable-gil" in args
gil = json.loads(os.environ.get("FAKE_REPORT_GIL", "false" if free_threaded else "true"))
probe = json.dumps({"version": "3.99.0", "free_threaded": free_threaded, "gil_enabled": gil})
name = "python3.99" + ("t" if free_threaded else "")

# The stand-in answers ftkit's interpreter probe on the result channel, as the real probe does.
standin = (f"#!{sys.executable}\nimport os\n"
           f"os.write(int(os.environ['FTKIT_RESULT_FD']), {(probe + chr(10)).encode()!r})\n")
with open("install.py", "w") as f:
    f.write(
        "import os, sys\n"
        f"bindir = sys.argv[1] + {prefix!r} + '/bin'\n"
        "os.makedirs(bindir, exist_ok=True)\n"
        f"exe = os.path.join(bindir, {name!r})\n"
        f"open(exe, 'w').write({standin!r})\n"
        "os.chmod(exe, 0o755)\n"
    )
with open("Makefile", "w") as f:
    f.write('all:\n\t@echo compiling; sleep $${FAKE_COMPILE_SECONDS:-0}; eval "$${FAKE_COMPILE_CMD:-true}"\n')
    f.write(f"install:\n\t{sys.executable} install.py $(DESTDIR)\n")
