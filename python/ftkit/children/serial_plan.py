"""Child program: run a stress plan's calls one after another on one thread, and say how far it got.

argv: SCENARIO.py PLAN.json JOURNAL (the plan as the stress driver keeps it: per thread, (kind,
arg_seed, perturbation, amount)). Used by `ftkit stress --auto` when a trial crashed or hung: if the same
calls, thread 0's then thread 1's and so on, kill the process on a single thread, the crash is
the method's own and not a race (issue 17). Before each call, "op<TAB>op(args)" goes on a line of
JOURNAL, so the parent knows the last call started when this process dies. Result: {"done": N}.
"""

import channel  # the sibling file: this folder is sys.path[0] while the program starts

channel.leave_sys_path()
RESULT = channel.take()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def main(scenario_path: str, plan_path: str, journal_path: str) -> None:
    from ftkit.stress.scenario import load

    scenario = load(scenario_path)
    with open(plan_path, encoding="utf-8") as f:
        plan = json.load(f)
    journal = os.open(journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    obj, done = scenario.factory(), 0
    for thread in plan:
        for kind, seed, *_ in thread:
            op = scenario.ops[kind]
            args = op.make_args(seed)
            call = f"{op.name}({', '.join(map(repr, args))})"
            os.write(journal, f"{op.name}\t{call}\n".encode("utf-8", "backslashreplace"))
            try:
                op.fn(obj, *args)
            except Exception:
                pass  # what an operation raises is its result, serially as in a trial
            done += 1
    channel.send(RESULT, {"done": done})


if __name__ == "__main__":
    main(*sys.argv[1:4])
