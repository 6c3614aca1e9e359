"""The race corpus written for pytest-run-parallel as its README shows: an ordinary test, run by
`pytest --parallel-threads=2 --iterations=N`, each thread running the whole test body on shared
module-level objects and asserting what it can observe. Select one race with -k RACE."""
import importlib
import threading

SEEN = set()
LOCK = threading.Lock()


def mod(name):
    return importlib.import_module(f"race_{name}")


BUFFER, TOTAL, BAG, RING, RANGE = (mod("resize").Buffer(), mod("lost_update").Total(), mod("borrowed").Bag(),
                                   mod("ring").Ring(), mod("torn_pair").Range())


def test_resize():
    for _ in range(20):
        BUFFER.append(1.0)
        total = BUFFER.total()
        assert total == int(total) and total >= 1


def test_lost_update():
    for _ in range(20):
        new = TOTAL.add(1)
        with LOCK:  # every add returns a total no other add returned
            assert ("total", new) not in SEEN
            SEEN.add(("total", new))


def test_borrowed():
    for _ in range(20):
        BAG.add(7)
        BAG.clear()
        try:
            assert BAG.first() == "name-7!"
        except IndexError:
            pass


def test_scratch():
    scratch = mod("scratch")
    for n in range(20):
        assert scratch.label(n) == f"item #{n} of 100 ({n:.2f}%)"


def test_ring():
    token = (threading.get_ident(), id(object()))
    try:
        RING.put(token)
    except OverflowError:
        return
    try:
        got = RING.get()
    except IndexError:
        return
    with LOCK:  # no item is handed out twice
        assert ("ring", got) not in SEEN
        SEEN.add(("ring", got))


def test_registry():
    registry = mod("registry")
    name = f"plugin-{threading.get_ident()}-{id(object())}"
    registry.register(name)
    assert registry.registered(name)


def test_torn_pair():
    for v in range(1, 20):
        RANGE.set(v, v + 100)
        lo, hi = RANGE.bounds()
        assert hi == lo + 100
