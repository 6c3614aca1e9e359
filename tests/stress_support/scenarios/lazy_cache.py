"""A lazily built module cache: every get() after a reset must see the first build."""
import flazy

from ftkit.stress import Scenario


def fresh_module():
    flazy.reset()
    return flazy


scenario = Scenario(fresh_module)
scenario.op(lambda mod: mod.get(), mutates=False, name="get")  # observably: always the first build
