"""ftkit: check, enforce, test, fix and measure an extension module's free-threading readiness."""

__version__ = "0.1.0"


def get_include() -> str:
    """The directory to add to a compiler's include path for `#include <ftkit/locks.hpp>`.

    The lock helpers ship inside the package (ftkit/include/ftkit/*.hpp), like numpy.get_include().
    """
    import os

    return os.path.join(os.path.dirname(__file__), "include")
