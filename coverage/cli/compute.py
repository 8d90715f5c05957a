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
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Run the prediction as independent tasks on a Dask LocalCluster of N worker "
    "processes on this machine (the same numbers as a serial run) [default: serial].",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run the tasks on the Dask cluster whose scheduler is at ADDRESS "
    "(tcp://host:8786); its workers need the same coverage version.",
)
@verbosity_options
def compute(as_json, out, workers, scheduler, **options) -> None:
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
    $ coverage compute --villages vn_thon.gpkg --sites 452.csv --dem vn.tif --workers 8
    $ coverage compute ... --scheduler tcp://10.0.0.5:8786   # an existing Dask cluster
    """
    from rich.console import Console

    from ..api import compute as compute_api
    from ..output import summary_json, write_result
    from ._report import print_summary

    run_ = prepare_run(**options)
    with stage_progress(quiet=run_.quiet) as step:
        result = compute_api(
            run_.layers,
            model=run_.model,
            settings=run_.settings,
            progress=step,
            cache=run_.cache,
            workers=workers,
            scheduler=scheduler,
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
