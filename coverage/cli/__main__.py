"""``python -m coverage.cli`` runs the command line."""

from .main import cli

cli()
