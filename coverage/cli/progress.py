"""Stage progress on stderr: a spinner on a terminal, plain timed lines elsewhere.

Off a terminal (CI, cron, a notebook, ``2> log``) each stage is one line such as
``coverage: [  3.2s] predicting (terrain) 40/105``, with no control characters, so a
long run is never silent; ``--quiet`` silences both.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator

import click

from .._errors import printable

log = logging.getLogger("coverage.cli")


@contextlib.contextmanager
def stage_progress(*, quiet: bool) -> Iterator[Callable[[str], None]]:
    """Yield a ``step(message)`` callback that shows the current stage and logs its timing."""
    start = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - start

    if quiet:

        def step(message: str) -> None:
            log.info("[%5.1fs] %s", elapsed(), message)

        yield step
        return
    if not sys.stderr.isatty():

        def step(message: str) -> None:
            click.echo(f"coverage: [{elapsed():5.1f}s] {printable(message)}", err=True)

        yield step
        return
    from rich.console import Console

    with Console(stderr=True).status("starting") as status:

        def step(message: str) -> None:
            log.info("[%5.1fs] %s", elapsed(), message)
            status.update(f"{message} … ({elapsed():.1f}s)")

        yield step
