"""Auto-scenarios' pieces without a worker: introspection, argument pools, the rendered scenario."""

from __future__ import annotations

import types

from ftkit.stress import repro
from ftkit.stress.auto import introspect, pools, render
from ftkit.stress.scenario import load
from ftkit.stress.serial_model import Raised


def test_arity_comes_from_text_signatures_python_defs_and_docstrings():
    assert introspect.arity(list.append, bound=True) == (1, 1)  # __text_signature__ "($self, object, /)"
    assert introspect.arity(dict.get, bound=True) == (1, 2)

    class Box:
        def put(self, key, value=None):
            pass

        def many(self, *items):
            pass

    assert introspect.arity(Box.put, bound=True) == (1, 2)
    assert introspect.arity(Box.many, bound=True) == (0, None)
    # Cython's embedsignature (python-flint's methods): the signature is the docstring's first line.
    cython_like = types.SimpleNamespace(__name__="rref", __doc__="fmpz_mat.rref(self, inplace: bool = False)\n...")
    assert introspect._docstring_params(cython_like) == [("self", "required"), ("inplace", "optional")]
    other = types.SimpleNamespace(__name__="det", __doc__="Returns the determinant.")
    assert introspect._docstring_params(other) is None


def test_public_types_are_the_modules_own_classes_and_members_its_own_methods():
    module = types.ModuleType("shapes")
    exec("class Square:\n"
         "    side = property(lambda self: 1)\n"
         "    def area(self): return 1\n"
         "    def __len__(self): return 4\n"
         "    def _private(self): pass\n"
         "    @staticmethod\n"
         "    def unit(): pass\n"
         "class ShapeError(Exception): pass\n"
         "class _Hidden: pass\n", module.__dict__)
    module.OrderedDict = __import__("collections").OrderedDict  # re-exported, not its own
    found = introspect.public_types(module)
    assert list(found) == ["Square"]
    assert [(m.name, m.kind) for m in introspect.members(found["Square"])] == [
        ("__len__", "method"), ("area", "method"), ("side", "attribute")]


def test_argument_pools_try_fewest_arguments_first_and_keep_varied_keys():
    tried = pools.spread(pools.method_args(1, 2, ["target.Box()"]), "put")
    assert tried[0] and len(tried[0]) == 1 and all(len(a) <= 2 for a in tried)
    assert ("(64, 64)", "0") in tried  # a key past the edge: containers grow there
    # The same order every time (seeded by the method's name), another for another name.
    assert pools.spread(pools.method_args(1, 2, ["target.Box()"]), "put") == tried
    assert pools.spread(pools.method_args(1, 2, ["target.Box()"]), "get") != tried
    kept = pools.varied([("(0, 0)", "1"), ("(0, 0)", "2"), ("(9, 9)", "1"), ("(64, 64)", "0")], 3)
    assert kept == [("(0, 0)", "1"), ("(9, 9)", "1"), ("(64, 64)", "0")]


LEARNED = {"factory": "target.OrderedDict([(1, 2)])", "invariant": "len-matches-iteration", "members": [
    {"name": "__setitem__", "kind": "method", "calls": [["1", "2"], ["(0, 0)", "'a'"]], "compare": True},
    {"name": "popitem", "kind": "method", "calls": [[]], "compare": True},
    {"name": "__iter__", "kind": "method", "calls": [[]], "compare": True},
    {"name": "copy", "kind": "method", "calls": [[]], "compare": False}], "not_called": {}}


def test_a_learned_type_renders_as_a_scenario_file_that_loads_and_runs_serially(tmp_path):
    path = tmp_path / "auto_collections_OrderedDict.py"
    path.write_text(render.render("collections", "OrderedDict", LEARNED))
    scenario = load(path)
    assert [op.name for op in scenario.ops] == ["__setitem__", "popitem", "__iter__", "copy"]
    obj = scenario.factory()
    assert scenario.ops[0].fn(obj, 1) is not None  # snapshot(None): ("NoneType", "None")
    assert scenario.ops[2].fn(obj, 0) == ("list", "[1, (0, 0)]")
    assert scenario.ops[3].fn(obj, 0) is None  # not comparable: the result is dropped
    assert scenario.invariant(obj)
    # The repro writer takes it as any hand-written scenario.
    script = repro.write(scenario, [[[0, 1, "none", 0], [2, 0, "none", 0]]], str(tmp_path / "r.py"), "x")
    assert "ARGS___setitem__ = [" in script.read_text() and "def snapshot(" in script.read_text()


def test_an_exception_whose_message_raises_is_recorded_by_its_type():
    """pyyaml's MarkedYAMLError.__str__ raises on marks it did not expect: found by `--auto yaml`,
    where every such exception was reported as the scenario's own code raising."""

    class Marked(Exception):
        def __str__(self):
            raise AttributeError("'list' object has no attribute 'name'")

    raised = Raised(Marked())
    assert raised.text == "Marked: (its message raised too)" and raised == Raised(Marked())
