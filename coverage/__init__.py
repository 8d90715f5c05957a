"""coverage: telecom coverage mapping for provincial planners.

Joins village and commune boundaries with cell-site and fibre data, predicts
coverage, and computes the shares leadership asks for: villages with 3G/4G,
commune centres on fibre, public postal points with fixed broadband.

Not to be confused with coverage.py (the test-coverage tool): the distribution
is called ``telecov``; this package does not depend on coverage.py.
"""

__version__ = "0.1.0"

from ._errors import ConfigError, CoverageError, CoverageWarning, InputError, ValidationError
from .settings import Settings, load_config

__all__ = [
    "ConfigError",
    "CoverageError",
    "CoverageWarning",
    "InputError",
    "Settings",
    "ValidationError",
    "__version__",
    "load_config",
]
