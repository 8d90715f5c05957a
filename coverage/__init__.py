"""coverage: telecom coverage mapping for provincial planners.

Joins village and commune boundaries with cell-site and fibre data, predicts
coverage, and computes the shares leadership asks for: villages with 3G/4G,
commune centres on fibre, public postal points with fixed broadband.

Not to be confused with coverage.py (the test-coverage tool): the distribution
is called ``telecov``; this package does not depend on coverage.py.

The Python API: :class:`Layers`, :func:`compute`, :func:`predict`, :func:`check`
(see :mod:`coverage.api`).
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from ._errors import ConfigError, CoverageError, CoverageWarning, InputError, ValidationError
from .settings import Settings, load_config

if TYPE_CHECKING:
    from .api import CheckReport, CoverageResult, Layers, check, compute, predict

#: The public API, imported on first use so that ``import coverage`` (and ``coverage
#: --help``) stays light: geopandas, numba and the models load only when needed.
_API = ("CheckReport", "CoverageResult", "Layers", "check", "compute", "predict")


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'coverage' has no attribute {name!r}")


__all__ = [
    "CheckReport",
    "ConfigError",
    "CoverageError",
    "CoverageResult",
    "CoverageWarning",
    "InputError",
    "Layers",
    "Settings",
    "ValidationError",
    "__version__",
    "check",
    "compute",
    "load_config",
    "predict",
]
