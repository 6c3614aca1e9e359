"""A lazily created registry: a name registered stays registered (the registry is module state)."""
import race_registry

from ftkit.stress import Scenario, choice


def fresh_registry():
    race_registry.reset()
    return race_registry


scenario = Scenario(fresh_registry)
scenario.op(lambda reg, name: reg.register(name), args=[choice("abcd")], name="register",
            key=lambda name: name)
scenario.op(lambda reg, name: reg.registered(name), args=[choice("abcd")], mutates=False,
            name="registered", key=lambda name: name)
