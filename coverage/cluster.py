"""Where the partitioned pipeline's tasks run: in this process, or on a Dask cluster.

:func:`executor` gives an :class:`Executor` for ``workers`` (a ``LocalCluster`` of that
many worker processes, one thread each, on 127.0.0.1) or ``scheduler`` (the address of a
running Dask scheduler, whose workers must have the same version of this package).
A task that fails is retried :data:`RETRIES` times (on any worker), then the run stops
with one line naming the task (its tile or block): never a partial result.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from . import __version__
from ._errors import ConfigError, CoverageError

log = logging.getLogger(__name__)

#: Extra tries of a failed task before the run stops.
RETRIES = 2

T = TypeVar("T")
R = TypeVar("R")


class ClusterError(CoverageError):
    """A task failed on the cluster after its retries, or the cluster cannot run ours."""


class Executor(Protocol):
    """Runs tasks, each ``fn(task)``, and returns their results in the tasks' order."""

    def map(
        self,
        fn: Callable[[T], R],
        tasks: Sequence[T],
        names: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[R]: ...


class InProcess:
    """Every task in this process, one after another (tests, benchmarks)."""

    def map(self, fn, tasks, names, progress=None):
        out = []
        for done, (task, name) in enumerate(zip(tasks, names, strict=True), start=1):
            out.append(_tried(fn, task, name))
            if progress is not None:
                progress(done, len(tasks))
        return out


def _tried(fn: Callable, task: Any, name: str) -> Any:
    """``fn(task)`` with :data:`RETRIES` retries, as the cluster tries."""
    for attempt in range(RETRIES + 1):
        try:
            return fn(task)
        except CoverageError:
            raise
        except Exception as exc:
            if attempt == RETRIES:
                raise ClusterError(_failed(name, exc)) from exc
            log.warning("%s failed (%s); trying again", name, exc)
    raise AssertionError("unreachable")


def _failed(name: str, exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    why = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return f"{name} failed {RETRIES + 1} times; no result was written ({why})"


class Dask:
    """Tasks on a Dask ``distributed`` cluster through ``client``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, fn, tasks, names, progress=None):
        from distributed import as_completed

        keys = [f"coverage-{i}-{_token()}" for i in range(len(tasks))]
        futures = [
            self.client.submit(fn, task, key=key, retries=RETRIES, pure=False)
            for task, key in zip(tasks, keys, strict=True)
        ]
        name_of = {f.key: name for f, name in zip(futures, names, strict=True)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                if future.status == "error":
                    exc = future.exception()
                    if isinstance(exc, CoverageError):
                        raise exc
                    raise ClusterError(_failed(name_of[future.key], exc))
                if future.status == "cancelled":
                    raise ClusterError(f"{name_of[future.key]} was cancelled by the cluster")
                if progress is not None:
                    progress(done, len(futures))
            return self.client.gather(futures)
        finally:
            self.client.cancel(futures)


def _token() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def _worker_version() -> str:
    """This package's version where the task runs (on a worker)."""
    from coverage import __version__ as version

    return version


@contextlib.contextmanager
def executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """The executor of a partitioned run: a ``LocalCluster`` of ``workers`` processes, or
    the cluster at ``scheduler``; neither: this process."""
    if workers is not None and scheduler is not None:
        raise ConfigError("give --workers or --scheduler, not both")
    if workers is None and scheduler is None:
        yield InProcess()
        return
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ConfigError("--workers and --scheduler need Dask: pip install distributed") from None
    # the workers' own logs (a failed try, a restart) only with -v: a failure is reported
    # once, naming its task, when its retries are spent
    verbose = logging.getLogger("coverage").isEnabledFor(logging.DEBUG)
    quiet = logging.WARNING if verbose else logging.CRITICAL
    for name in ("distributed", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(quiet)
    with contextlib.ExitStack() as stack:
        if workers is not None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=quiet,
                )
            )
            client = stack.enter_context(Client(cluster))
            log.info("Dask LocalCluster: %d worker processes", workers)
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except (OSError, TimeoutError) as exc:
                raise ConfigError(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from None
            _check_workers(client, scheduler)
        yield Dask(client)


def _check_workers(client: Any, address: str | None) -> None:
    """Refuse a cluster without workers, or whose workers run another version of ours."""
    versions = client.run(_worker_version)
    if not versions:
        raise ConfigError(f"the Dask scheduler at {address} has no workers")
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        worker, version = next(iter(other.items()))
        raise ConfigError(
            f"the Dask worker {worker} runs coverage {version}, this is {__version__}: "
            "install the same version on every worker"
        )
    log.info("Dask scheduler %s: %d workers", address, len(versions))
