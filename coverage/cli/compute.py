"""``coverage compute``: the headline shares, per district, and the gaps."""

from __future__ import annotations

import click

from .options import layer_options, prepare_run, settings_options, verbosity_options
from .progress import stage_progress


@click.command(short_help="Village 3G/4G, centre fibre and postal broadband shares.")
@layer_options
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write villages/communes (GeoPackage + CSV), centres, postal and summary.json.",
)
@verbosity_options
def compute(as_json, out, **options) -> None:
    """Compute coverage shares for leadership, overall and per commune/district.

    With no layer options it runs on the embedded demo province (modelled on
    Quảng Bình) with its DEM. Results go to stdout; logs and progress to stderr.

    \b
    $ coverage compute
    $ coverage compute --json > summary.json
    $ coverage compute --villages thon.gpkg --communes xa.gpkg --sites bts.csv \\
        --fibre nodes.gpkg --fibre routes.gpkg --postal buudien.csv --out results/
    $ coverage compute --sites 452.csv --rule population --threshold 0.8
    $ coverage compute --model range            # fixed radii, no terrain
    $ coverage compute --villages thon.gpkg --sites bts.csv --dem N17E106.hgt --dem N18E106.hgt
    """
    from rich.console import Console

    from ..api import compute as compute_api
    from ..output import summary_json, write_result
    from ._report import print_summary

    run_ = prepare_run(**options)
    with stage_progress(quiet=run_.quiet) as step:
        result = compute_api(
            run_.layers, model=run_.model, settings=run_.settings, progress=step, cache=run_.cache
        )
    if out:
        for path in write_result(result, out):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(summary_json(result.summary), nl=False)
        return
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # piped to a file: do not wrap tables at 80 columns
        console = Console(highlight=False, soft_wrap=True, width=120)
    title = "Demo province (Quảng Bình model)" if run_.demo else "Coverage"
    print_summary(result.summary, console, title=title)
