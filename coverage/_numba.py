"""numba, imported despite the name clash with coverage.py.

numba probes for coverage.py with ``import coverage`` and, when that succeeds,
subclasses ``coverage.types.Tracer`` at import time. Our package is also called
``coverage``, so that probe finds *us* and numba fails to import. While numba
imports, we make ``import coverage`` fail (``sys.modules["coverage"] = None``),
which is exactly what numba sees on a machine without coverage.py; then we put
our modules back. numba's coverage integration is off either way.
"""

from __future__ import annotations

import sys


def _import_numba():
    if "numba" in sys.modules:
        return sys.modules["numba"]
    ours = {
        name: module
        for name, module in sys.modules.items()
        if name == "coverage" or name.startswith("coverage.")
    }
    for name in ours:
        del sys.modules[name]
    sys.modules["coverage"] = None  # type: ignore[assignment]
    try:
        import numba
    finally:
        del sys.modules["coverage"]
        sys.modules.update(ours)
    return numba


numba = _import_numba()
njit = numba.njit
prange = numba.prange

__all__ = ["njit", "numba", "prange"]
