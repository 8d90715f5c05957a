"""The click group: logging set-up and the one place errors become exit codes."""

from __future__ import annotations

import errno
import os
import sys

import click

from .. import __version__
from .._errors import CoverageError, OutputError, ValidationError, printable
from ._logging import configure_logging  # noqa: F401  (re-exported)


class _Group(click.Group):
    """Turn library errors into one line per problem on stderr and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk behind `> file` shows here, not at exit
            return result
        except CoverageError as exc:
            if ctx.meta.get("coverage.verbose"):
                raise
            lines = (
                [str(p) for p in exc.problems] if isinstance(exc, ValidationError) else [str(exc)]
            )
            for line in lines:
                click.echo(f"error: {printable(line)}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except OSError as exc:
            if exc.errno not in _STDOUT_FAULTS or ctx.meta.get("coverage.verbose"):
                raise
            # the results could not be written to standard output (`> file` on a full disk)
            error = OutputError("standard output", exc.errno)
            if exc.errno != errno.EPIPE:  # `| head` closing the pipe early is no error
                click.echo(f"error: {error}", err=True)
            _silence_stdout()
            ctx.exit(error.exit_code)
        except Exception as exc:
            if ctx.meta.get("coverage.verbose"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {printable(str(exc))} (run again with -v "
                "for the "
                "traceback, and please report it)",
                err=True,
            )
            ctx.exit(3)


#: Failures writing the results to standard output that are the machine's, not a bug.
_STDOUT_FAULTS = frozenset(
    {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPIPE, getattr(errno, "EDQUOT", errno.ENOSPC)}
)


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's own flush at exit
    does not fail again on what could not be written."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coverage (telecov)")
def cli() -> None:
    """Telecom coverage mapping for provincial planners.

    Villages with 3G/4G, commune centres on fibre, postal points with broadband,
    and where the gaps are. With no layer options every command runs on the
    embedded demo province.

    \b
    $ coverage compute
    $ coverage compute --villages thon.gpkg --communes xa.shp --sites bts.csv --json
    $ coverage map --static
    """


def _register() -> None:
    from .calibrate import calibrate
    from .check import check
    from .compute import compute
    from .link import link
    from .map import map_command
    from .plan import plan
    from .predict import predict
    from .report import report

    cli.add_command(compute)
    cli.add_command(map_command, name="map")
    cli.add_command(predict)
    cli.add_command(link)
    cli.add_command(check)
    cli.add_command(report)
    cli.add_command(plan)
    cli.add_command(calibrate)


_register()
