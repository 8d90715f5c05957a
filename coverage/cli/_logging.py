"""Logging set-up for the command line (the library only creates loggers)."""

from __future__ import annotations

import logging
import sys


def configure_logging(verbose: int, quiet: bool) -> None:
    """Send log records to stderr: warnings by default, info with -v, debug with -vv."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("coverage")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
