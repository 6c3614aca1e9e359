"""The test suite of a package whose `forgets` module does not declare free-threading support.

docs/porting.md runs it three ways: plain pytest (green), with ftkit's plugin (a warning line)
and with --ftkit-strict-gil (the test that imported `forgets` fails).
"""


def test_declares():
    import declares

    assert declares.answer == 42


def test_forgets():
    import forgets

    assert forgets.answer == 42
