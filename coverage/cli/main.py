"""The click group: logging set-up and the one place errors become exit codes."""

from __future__ import annotations

import click

from .. import __version__
from .._errors import CoverageError, ValidationError
from ._logging import configure_logging  # noqa: F401  (re-exported)


class _Group(click.Group):
    """Turn library errors into one line per problem on stderr and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CoverageError as exc:
            if ctx.meta.get("coverage.verbose"):
                raise
            lines = (
                [str(p) for p in exc.problems] if isinstance(exc, ValidationError) else [str(exc)]
            )
            for line in lines:
                click.echo(f"error: {line}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.meta.get("coverage.verbose"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (run again with -v for the "
                "traceback, and please report it)",
                err=True,
            )
            ctx.exit(3)


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
    from .check import check
    from .compute import compute
    from .link import link
    from .map import map_command
    from .predict import predict

    cli.add_command(compute)
    cli.add_command(map_command, name="map")
    cli.add_command(predict)
    cli.add_command(link)
    cli.add_command(check)


_register()
