"""A stage spinner on stderr; silent with --quiet or when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from rich.console import Console

log = logging.getLogger("coverage.cli")


@contextlib.contextmanager
def stage_progress(*, quiet: bool) -> Iterator[Callable[[str], None]]:
    """Yield a ``step(message)`` callback that shows the current stage and logs its timing."""
    console = Console(stderr=True)
    start = time.perf_counter()
    if quiet or not console.is_terminal:

        def step(message: str) -> None:
            log.info("[%5.1fs] %s", time.perf_counter() - start, message)

        yield step
        return
    with console.status("starting") as status:

        def step(message: str) -> None:
            log.info("[%5.1fs] %s", time.perf_counter() - start, message)
            status.update(f"{message} … ({time.perf_counter() - start:.1f}s)")

        yield step
